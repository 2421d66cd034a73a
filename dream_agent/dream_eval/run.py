"""evaluate: the settings on one task, at one or more step budgets, into table rows and predictions."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from constraints.errors import InputError
from dream_agent.dream_eval.baseline import ItemResult, run_baseline
from dream_agent.dream_eval.data import PLAN_STEPS, EvalItem, load_items
from dream_agent.dream_eval.layer import DEFAULT_ROUNDS, run_layer
from dream_agent.dream_eval.prompts import resolve_style
from dream_agent.dream_eval.protocol import DREAM_REPO, Protocol, protocol_for
from dream_agent.dream_eval.report import Row, summarize
from dream_agent.protocols import DiffusionLM

# "template" is the layer without refinement (one round): it separates what the template and its
# domains add from what checking and re-masking add. The default runs the two main settings.
SETTINGS: tuple[str, ...] = ("baseline", "template", "layer")
DEFAULT_SETTINGS: tuple[str, ...] = ("baseline", "layer")


@dataclass(frozen=True)
class EvalRun:
    """What `evaluate` returns.

    Attributes:
        rows: one table row per setting and budget.
        predictions: "<task>_<setting>_<budget>" -> the item results.
        meta: the run's settings (model, data, protocol, prompt style, shots, ...).
    """

    rows: list[Row]
    predictions: dict[str, list[ItemResult]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


def split_items(items: Sequence[EvalItem], shots: int, limit: int | None) -> tuple[list[EvalItem], list[EvalItem]]:
    """(few-shot examples, scored items): the first `shots` items are examples, as in Dream's script.

    Raises:
        InputError: fewer items than shots + 1, or a negative shot count / limit.
    """
    if shots < 0:
        raise InputError(f"shots must be >= 0, got {shots}")
    if limit is not None and limit < 1:
        raise InputError(f"limit must be >= 1, got {limit}")
    if len(items) <= shots:
        raise InputError(f"the data has {len(items)} items: nothing left to score after {shots} few-shot examples")
    scored = list(items[shots:])
    return list(items[:shots]), scored[:limit] if limit is not None else scored


def evaluate(
    lm: DiffusionLM,
    task: str,
    *,
    data: str | Path | None = None,
    limit: int | None = None,
    shots: int | None = None,
    budgets: Sequence[int] | None = None,
    settings: Sequence[str] = DEFAULT_SETTINGS,
    style: str = "auto",
    batch_size: int = 1,
    rounds: int = DEFAULT_ROUNDS,
    remask: str = "blamed",
    plan_steps: int = PLAN_STEPS,
    protocol: Protocol | None = None,
    on_item: Callable[[str, ItemResult], None] | None = None,
) -> EvalRun:
    """Run the baseline and/or the layer on a task's items and tabulate them.

    Args:
        lm: the model (a Dream checkpoint loaded with `load_model`, or any DiffusionLM).
        task: "sudoku4x4", "countdown" or "blocksworld".
        data: the data file (None: the task's default file shipped with the package).
        limit: score at most this many items (after the few-shot examples).
        shots: few-shot examples (None: the protocol's, 8 for Sudoku and Countdown).
        budgets: step budgets; each runs the baseline with that many steps and the layer with
            at most that many model calls (None: the protocol's step count).
        settings: which of SETTINGS to run.
        style: prompt style "auto", "plain" or "chat" (see `prompts.resolve_style`).
        batch_size: items denoised together.
        rounds: the layer's most denoise rounds.
        remask: the layer's remask policy (`planners.remasking.POLICIES`).
        plan_steps: blocksworld template length.
        protocol: override Dream's settings (tests use short generations).
        on_item: progress callback `(setting, result)`.

    Raises:
        InputError: unknown task or setting, bad budgets, unreadable data.
    """
    unknown = [s for s in settings if s not in SETTINGS]
    if unknown or not settings:
        raise InputError(f"unknown setting(s) {unknown or settings!r}; valid: {', '.join(SETTINGS)}")
    items = load_items(task, data, plan_steps=plan_steps)
    if protocol is None:
        sizes = {len(item.problem.numbers) for item in items} if task == "countdown" else {None}
        if len(sizes) != 1:
            raise InputError(f"countdown data mixes instance sizes {sorted(sizes)}; use one CD file at a time")
        protocol = protocol_for(task, sizes.pop())
    shots = protocol.shots if shots is None else shots
    examples, scored = split_items(items, shots, limit)
    budgets = list(budgets or [protocol.steps])
    if any(isinstance(b, bool) or not isinstance(b, int) or b < 1 for b in budgets):
        raise InputError(f"step budgets must be integers >= 1, got {budgets}")
    style = resolve_style(style, lm.name)
    run = EvalRun(rows=[], meta={
        "task": task, "model": lm.name, "data": str(data) if data else "default", "items": len(scored),
        "shots": shots, "prompt_style": style, "budgets": budgets, "settings": list(settings),
        "protocol": dataclasses.asdict(protocol), "protocol_source": DREAM_REPO, "rounds": rounds,
        "remask": remask, "batch_size": batch_size,
    })
    for budget in budgets:
        for setting in settings:
            def progress(result: ItemResult, setting: str = setting) -> None:
                if on_item is not None:
                    on_item(setting, result)

            t0 = time.perf_counter()
            if setting == "baseline":
                results = run_baseline(lm, task, examples, scored, protocol, steps=budget, style=style,
                                       batch_size=batch_size, on_item=progress)
            else:
                results = run_layer(lm, task, examples, scored, protocol, budget=budget, style=style,
                                    rounds=1 if setting == "template" else rounds, remask=remask,
                                    batch_size=batch_size, on_item=progress)
            wall = time.perf_counter() - t0
            # the published figure is for the base model's plain prompt at the published settings
            same = setting == "baseline" and style == "plain" and budget == protocol.steps and shots == protocol.shots
            published = protocol.published if same else None
            run.rows.append(summarize(task, setting, budget, results, wall, published))
            run.predictions[f"{task}_{setting}_{budget}"] = results
    return run
