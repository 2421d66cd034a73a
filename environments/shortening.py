"""Dropping the steps a valid action plan does without: greedy action elimination.

A drafted plan can be valid and still carry detours: a block put down and picked up again, a
tool fetched and never used. Greedy action elimination (Fink and Yang, "Formalizing plan
justifications", 1992; Nakhost and Müller, ICAPS 2010) removes one step, then every later step
that no longer applies without it, and keeps the removal when the rest is still a valid plan.
It needs nothing but the environment's checker, so it works for every domain whose violations
name the step that fails.
"""

from __future__ import annotations

from typing import Callable, Sequence, TypeVar

from constraints.violation import Violation

Step = TypeVar("Step")


def without_detours(check: Callable[[list[Step]], list[Violation]], plan: Sequence[Step]) -> list[Step]:
    """`plan` less every step it does without, first to last; a plan that fails `check` comes back unchanged.

    Args:
        check: a plan -> its violations (none: valid); a violation that fails a step names it in
            `steps` (0-based).
        plan: the steps.

    >>> def check(plan):  # climb from 0 to 2 with "+" and "-" moves, never below 0
    ...     at = 0
    ...     for i, step in enumerate(plan):
    ...         at += 1 if step == "+" else -1
    ...         if at < 0:
    ...             return [Violation("floor", "below 0", steps=(i,))]
    ...     return [] if at == 2 else [Violation("goal", "not at 2")]
    >>> without_detours(check, ["+", "-", "+", "+"])  # without the first "+" the "-" fails: both go
    ['+', '+']
    """
    plan = list(plan)
    if check(plan):
        return plan
    i = 0
    while i < len(plan):
        shorter = _drop(check, plan, i)
        if shorter is None:
            i += 1
        else:
            plan = shorter  # the step now at i is another one: try it too
    return plan


def _drop(check: Callable[[list[Step]], list[Violation]], plan: list[Step], i: int) -> list[Step] | None:
    """`plan` without step i and the later steps that fail without it, if that is a valid plan; else None."""
    trial = plan[:i] + plan[i + 1:]
    while True:
        found = check(trial)
        if not found:
            return trial
        failing = [s for v in found for s in v.steps if 0 <= s < len(trial)]
        if not failing or min(failing) < i:
            return None  # only unmet goals, or a step before the removal fails: the step was needed
        del trial[min(failing)]  # it applied only after the removed step: it goes too
