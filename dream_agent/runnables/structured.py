"""Fill a schema template with a diffusion LM: infill, validate with pydantic, remask what fails.

Domain slots and token classes make the supported field types valid by construction; the
refine rounds repair what only the schema's own validators can judge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import torch
from pydantic import BaseModel

from dream_agent.protocols import DiffusionLM
from dream_agent.runnables.schema_template import SchemaTemplate
from dream_agent.runnables.token_classes import allowed_tokens_hook, class_rows, token_classes
from planners.compile import Canvas, compile_template
from planners.options import PlanOptions
from planners.refinement import Request
from planners.result import TraceEvent


@dataclass(frozen=True)
class StructuredResult:
    """A filled schema: the instance (None if the rounds ran out), values, text and figures."""

    instance: BaseModel | None
    values: dict[str, str]
    text: str
    errors: list[str] = field(default_factory=list)
    rounds: int = 0
    nfe: int = 0
    seconds: float = 0.0


def compile_schema(lm: DiffusionLM, st: SchemaTemplate, prompt_ids: Sequence[int]) -> Canvas:
    """The schema template compiled after the prompt tokens (as the refine loop compiles it)."""
    return compile_template(st.template, lm.tokenizer, prefix=list(prompt_ids), shift=bool(lm.denoiser.shift))


def class_hook(lm: DiffusionLM, st: SchemaTemplate, canvas: Canvas):  # noqa: ANN201 - a LogitsHook
    """A logits hook keeping each non-domain slot inside its token class (text, char, digits)."""
    table = token_classes(lm.tokenizer)
    positions: list[int] = []
    rows: list[torch.Tensor] = []
    for spec in st.fields:
        if spec.token_class is None:
            continue
        slot_positions = canvas.slots[spec.slot]
        positions.extend(slot_positions)
        rows.append(class_rows(spec.token_class, spec.required, len(slot_positions), table, canvas.pad_id))
    if not rows:
        return None
    return allowed_tokens_hook(torch.tensor(positions, dtype=torch.long), torch.cat(rows))


def fill_schema(
    lm: DiffusionLM,
    st: SchemaTemplate,
    prompt_ids: Sequence[int],
    *,
    options: PlanOptions = PlanOptions(),
    on_step: Callable[[TraceEvent], None] | None = None,
) -> StructuredResult:
    """Infill `st` after `prompt_ids`; pydantic's errors blame slots that the refine loop remasks.

    Args:
        lm: the diffusion LM.
        st: the schema template.
        prompt_ids: the prompt's token ids (the chat template already applied).
        on_step: called with each draft and check (`planners.result.TraceEvent`).
        options: the PlanOptions (sampling, max_rounds, ...).
    """
    return fill_schema_batch(lm, st, [prompt_ids], options=options, on_step=on_step)[0]


def fill_schema_batch(
    lm: DiffusionLM,
    st: SchemaTemplate,
    prompts: Sequence[Sequence[int]],
    *,
    options: PlanOptions = PlanOptions(),
    on_step: Callable[[TraceEvent], None] | None = None,
) -> list[StructuredResult]:
    """`fill_schema` for several prompts in one batched refine run (events carry the prompt's index)."""
    from planners.refinement import refine_batch  # looked up per call (tests count the batched runs)

    requests = [Request(canvas, st.violations, logits_hook=class_hook(lm, st, canvas))
                for canvas in (compile_schema(lm, st, prompt) for prompt in prompts)]
    results = refine_batch(lm, requests, options=options, on_step=on_step)
    out = []
    for result in results:
        instance, _, errors = st.validate(result.values)
        out.append(StructuredResult(instance, dict(result.values), result.text, errors, result.rounds, result.nfe, result.seconds))
    return out
