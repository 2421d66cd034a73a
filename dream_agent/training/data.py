"""Training examples from an environment's generator and oracle: token ids plus the slot mask.

Each example is one solved instance: ``env.generate -> env.solve -> env.plan_to_values`` on the
compact template, turned into ids by the same compiler the planners use, so a model sees at
training time exactly the canvas it will be asked to fill. Evaluation files are never read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import torch

from dream_agent.protocols import Tokenizer
from environments.base import Environment, SolutionSampler
from planners.compile import compile_template, fill_tokens


@dataclass(frozen=True)
class Example:
    """One training canvas: clean ids and which positions are plan (slot) tokens."""

    ids: tuple[int, ...]
    slot_mask: tuple[bool, ...]


def encode_solution(env: Environment, problem: Any, values: Mapping[str, str], tokenizer: Tokenizer) -> Example:
    """The canvas of `problem`'s compact template with every slot holding `values` (padded)."""
    canvas = compile_template(env.template(problem, "compact"), tokenizer)
    slot_positions = {p for positions in canvas.slots.values() for p in positions}
    ids = fill_tokens(canvas, values)
    slot_mask = [p in slot_positions for p in range(len(ids))]
    return Example(ids=tuple(ids), slot_mask=tuple(slot_mask))


def make_examples(
    env: Environment,
    tokenizer: Tokenizer,
    knobs: Mapping[str, Any],
    seeds: Iterable[int],
    prepare: Callable[[Any], Any] = lambda problem: problem,
    sampled: bool = False,
) -> list[Example]:
    """Solved examples for each seed (instances the oracle cannot solve are skipped).

    Args:
        env: the environment.
        tokenizer: word-level tokenizer over ``env.vocabulary()``.
        knobs: keyword arguments of ``env.generate``.
        seeds: generator seeds (disjoint from any seed used for evaluation).
        prepare: problem -> problem as the planner will see it (e.g. the plan-length budget).
        sampled: answer with a solution drawn at random (`SolutionSampler`, seeded by the seed)
            instead of the oracle's; environments without one keep the oracle's.
    """
    out = []
    sample = sampled and isinstance(env, SolutionSampler)
    for seed in seeds:
        problem = prepare(env.generate(seed, **knobs))
        plan = env.sample_solution(problem, seed) if sample else env.solve(problem)
        if plan is not None:
            out.append(encode_solution(env, problem, env.plan_to_values(problem, plan, "compact"), tokenizer))
    return out


def collate(examples: list[Example], pad_id: int, shifts: list[int] | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pad a batch: ids (B, L), slot mask (B, L) bool, attention mask (B, L) of 1 = real.

    Rows are right-padded; `shifts` puts that many (masked-out) padding positions in front of
    each row first, so the row's tokens sit at later absolute positions.
    """
    shifts = shifts or [0] * len(examples)
    length = max(len(e.ids) + k for e, k in zip(examples, shifts))
    # padded rows as plain lists, then one tensor each: a tensor per row costs more than the model on small batches
    ids, slot, attn = [], [], []
    for e, k in zip(examples, shifts):
        tail = length - k - len(e.ids)
        ids.append([pad_id] * k + list(e.ids) + [pad_id] * tail)
        slot.append([False] * k + list(e.slot_mask) + [False] * tail)
        attn.append([0] * k + [1] * len(e.ids) + [0] * tail)
    return (torch.tensor(ids, dtype=torch.long), torch.tensor(slot, dtype=torch.bool),
            torch.tensor(attn, dtype=torch.long))
