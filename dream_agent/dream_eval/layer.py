"""The layer setting: the same model and prompt, the answer as a template refined by the checkers.

The prompt (the same ids as the baseline's) is the prefix; the answer part of the environment's
text template follows, its slots open. Round 1 fills every slot with domain constraints as hard
logit rules; the environment's checkers blame slots; blamed slots are masked again and refilled,
until the plan checks or the NFE budget (at most the baseline's step count) is spent.
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

import torch

from dream_agent.dream_eval.baseline import ItemResult
from dream_agent.dream_eval.data import EvalItem
from dream_agent.dream_eval.prompts import few_shot_prompt, prompt_ids
from dream_agent.dream_eval.protocol import Protocol
from dream_agent.dream_eval.tasks import (
    answer_from_values,
    environment,
    layer_allow,
    layer_template,
    number_slots,
    score_answer,
)
from dream_agent.protocols import DiffusionLM
from planners.compile import Canvas, compile_template
from planners.options import PlanOptions
from planners.refinement import Request, refine_batch

DEFAULT_ROUNDS = 8


def first_round_steps(open_tokens: int, budget: int, rounds: int = DEFAULT_ROUNDS) -> int:
    """Steps of round 1: one token per step, within half the budget when later rounds need room.

    >>> first_round_steps(6, 24), first_round_steps(39, 32), first_round_steps(39, 32, rounds=1)
    (6, 16, 32)
    """
    return max(1, min(open_tokens, budget if rounds == 1 else budget // 2))


def run_layer(
    lm: DiffusionLM,
    task: str,
    examples: Sequence[EvalItem],
    items: Sequence[EvalItem],
    protocol: Protocol,
    *,
    budget: int | None = None,
    style: str = "plain",
    rounds: int = DEFAULT_ROUNDS,
    steps: int | None = None,
    remask: str = "blamed",
    batch_size: int = 1,
    on_item: Callable[[ItemResult], None] | None = None,
) -> list[ItemResult]:
    """Fill, check and refine every item's answer template; score the best plan of each.

    Args:
        lm, task, examples, items, style, batch_size, on_item: as in `run_baseline`.
        protocol: the baseline's settings (unmasking order, temperature, step budget).
        budget: most model calls per item (None: the protocol's step count).
        rounds: most denoise rounds per item.
        steps: round-1 steps (None: `first_round_steps`).
        remask: the remask policy (`planners.remasking.POLICIES`).

    Returns:
        One ItemResult per item, in order.
    """
    env = environment(task)
    budget = budget or protocol.steps
    results: list[ItemResult] = []
    for start in range(0, len(items), max(1, batch_size)):
        batch = list(items[start : start + max(1, batch_size)])
        prefixes = [prompt_ids(lm.tokenizer, few_shot_prompt(task, examples, item), style) for item in batch]
        templates = [layer_template(task, env, item) for item in batch]
        canvases = [compile_template(t, lm.tokenizer, prefix=p, shift=lm.denoiser.shift)
                    for t, p in zip(templates, prefixes)]
        open_tokens = [len(c.open_positions) for c in canvases]
        options = PlanOptions.of(
            steps=steps or max(first_round_steps(n, budget, rounds) for n in open_tokens), alg=protocol.alg,
            alg_temp=protocol.alg_temp or None, temperature=protocol.temperature, max_rounds=rounds,
            max_nfe=budget, remask=remask,
        )
        requests = [Request(c, _checker(env, item), logits_hook=_nonempty_hook(c, number_slots(t)),
                            allow=layer_allow(task, t)) for c, t, item in zip(canvases, templates, batch)]
        t0 = time.perf_counter()
        plans = refine_batch(lm, requests, options=options)
        seconds = (time.perf_counter() - t0) / len(batch)
        for item, plan, n_open in zip(batch, plans, open_tokens):
            answer = answer_from_values(task, env, item, plan.values)
            result = ItemResult(item.name, answer, plan.text, score_answer(task, env, item, answer), plan.nfe,
                                n_open, seconds, plan.rounds)
            results.append(result)
            if on_item is not None:
                on_item(result)
    return results


def _checker(env, item: EvalItem) -> Callable:  # noqa: ANN001
    return lambda values: env.check_values(item.problem, values, "text")


def _nonempty_hook(canvas: Canvas, names: Sequence[str]) -> Callable | None:
    """A logits hook that keeps the empty token off the first position of each named slot.

    The domain hook lets a variable-length slot end anywhere, even before its first token; a
    number must have at least one digit, so its first position may not be empty.
    """
    if canvas.pad_id is None or not names:
        return None
    first = torch.tensor([canvas.slots[name][0] for name in names], dtype=torch.long)
    pad_id = canvas.pad_id

    def hook(step: int, x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        logits[:, first.to(logits.device), pad_id] = float("-inf")
        return logits

    return hook
