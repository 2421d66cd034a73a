"""Fill a schema template with a diffusion LM: infill, validate with pydantic, remask what fails.

Choice slots and token classes make the supported field types valid by construction; the
refine rounds repair what only the schema's own validators can judge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from pydantic import BaseModel

from dream_agent.protocols import DiffusionLM
from dream_agent.runnables.schema_template import SchemaTemplate
from dream_agent.runnables.token_classes import class_rows, token_classes
from planners.options import PlanOptions
from planners.refinement import requests_for
from planners.result import TraceEvent
from planners.value_masks import SlotTokens


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


def class_allow(lm: DiffusionLM, st: SchemaTemplate) -> SlotTokens:
    """Slot name -> allowed-token rows (positions, V) keeping each slot without choices inside its
    token class (text, char, digits): the refine loop's `allow` for this schema."""
    table = token_classes(lm.tokenizer)
    slots = {slot.name: slot for slot in st.template.slots}
    allow = {}
    for spec in st.fields:
        if spec.token_class is None:
            continue
        slot = slots[spec.slot]
        size = slot.length or slot.max_length
        allow[spec.slot] = class_rows(spec.token_class, spec.required, size, table, lm.tokenizer.pad_id)
    return allow


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

    allow = class_allow(lm, st)
    requests = requests_for(lm, [st.template] * len(prompts), st.violations, prefixes=[list(p) for p in prompts],
                            allow=[allow] * len(prompts))
    results = refine_batch(lm, requests, options=options, on_step=on_step)
    out = []
    for result in results:
        instance, _, errors = st.validate(result.values)
        out.append(StructuredResult(instance, dict(result.values), result.text, errors, result.rounds, result.nfe, result.seconds))
    return out
