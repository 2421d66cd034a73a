"""Fill a schema template with a diffusion LM: infill, validate with pydantic, remask what fails.

Domain slots and token classes make the supported field types valid by construction; the
remask rounds repair what only the schema's own validators can judge.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import torch
from pydantic import BaseModel

from dream_agent.denoise import denoise
from dream_agent.protocols import DiffusionLM
from dream_agent.runnables.schema_template import SchemaTemplate
from dream_agent.runnables.token_classes import allowed_tokens_hook, chain_hooks, class_rows, token_classes
from planners.compile import Canvas, compile_template, decode_slots, remask
from planners.domains import domain_hook

# (round, step, slot values so far) -> None
DraftCallback = Callable[[int, int, dict[str, str]], None]


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
    """The schema template compiled after the prompt tokens."""
    return compile_template(st.template, lm.tokenizer, prefix=list(prompt_ids), shift=bool(lm.denoiser.shift))


def schema_hooks(lm: DiffusionLM, st: SchemaTemplate, canvas: Canvas, vocab: int) -> tuple[Any, Any]:
    """(logits hook, tokens hook): domain slots keep to their values, other slots to their token class."""
    table = token_classes(lm.tokenizer, vocab)
    positions: list[int] = []
    rows: list[torch.Tensor] = []
    for spec in st.fields:
        if spec.token_class is None:
            continue
        slot_positions = canvas.slots[spec.slot]
        positions.extend(slot_positions)
        rows.append(class_rows(spec.token_class, spec.required, len(slot_positions), table, canvas.pad_id))
    classes = allowed_tokens_hook(torch.tensor(positions, dtype=torch.long), torch.cat(rows) if rows else torch.zeros(0, vocab, dtype=torch.bool))
    if not canvas.domains:
        return classes, None
    domains = domain_hook(canvas)
    return chain_hooks(domains, classes), domains.tokens_hook


def fill_schema(
    lm: DiffusionLM,
    st: SchemaTemplate,
    prompt_ids: Sequence[int],
    *,
    steps: int = 16,
    alg: str = "entropy",
    temperature: float = 0.0,
    seed: int | None = 0,
    max_rounds: int = 4,
    on_draft: DraftCallback | None = None,
) -> StructuredResult:
    """Infill `st` after `prompt_ids`, validate, remask failing fields, up to `max_rounds` rounds."""
    start = time.perf_counter()
    canvas = compile_schema(lm, st, prompt_ids)
    device = lm.denoiser.device
    x = torch.tensor([canvas.ids], dtype=torch.long, device=device)
    hook, consistency = schema_hooks(lm, st, canvas, int(lm.tokenizer.vocab_size))
    generator = None if seed is None else torch.Generator(device=device).manual_seed(int(seed))
    nfe, errors, values = 0, [], {}
    for round_index in range(1, max_rounds + 1):
        def tokens_hook(step: int, canvas_now: torch.Tensor, _round: int = round_index) -> torch.Tensor | None:
            fixed = consistency(step, canvas_now) if consistency is not None else None
            if on_draft is not None:
                on_draft(_round, step, decode_slots(canvas, (canvas_now if fixed is None else fixed)[0].tolist()))
            return fixed
        n_open = int((x == canvas.mask_id).sum())
        out = denoise(lm.denoiser, x, steps=max(1, min(steps, n_open)), alg=alg, temperature=temperature,
                      logits_hook=hook, tokens_hook=tokens_hook, generator=generator)
        nfe += out.nfe
        values = decode_slots(canvas, out.tokens[0].tolist())
        instance, blamed, errors = st.validate(values)
        if instance is not None:
            return StructuredResult(instance, values, st.template.fill(values), [], round_index, nfe, time.perf_counter() - start)
        x = remask(canvas, out.tokens[0], blamed).unsqueeze(0)
    return StructuredResult(None, values, st.template.fill(values), errors, max_rounds, nfe, time.perf_counter() - start)
