"""Kitchen hard constraints: per open step slot, the actions and arguments still possible.

While every earlier step is committed, the simulator knows the state, and a step may only be an
action that takes effect there without a violation (or the empty step). Past the first open
step, a step may be any action with arguments of the right kind and arity (objects for pick,
wash, heat, cool, slice, throw; locations for goto, open, close; an object and a location for place).
While the known state does not meet the goal, the step may not be empty: an empty step in the
middle of a plan only wastes a step (plans are read without their empty steps), so a valid
plan is never lost.
"""

from __future__ import annotations

from typing import Collection, Mapping, Sequence

from environments.action_plans.steps import Step, StepRules
from environments.kitchen.checks import KitchenState, apply_step, goal_violations
from environments.kitchen.templates import EMPTY
from environments.kitchen.problem import ACTIONS, KitchenProblem

LOCATION_ACTIONS = ("goto", "open", "close")


def _copy(state: KitchenState) -> KitchenState:
    return KitchenState(state.at, state.holding, dict(state.where), set(state.opened),
                        {k: set(v) for k, v in state.states.items()})


def typed_steps(problem: KitchenProblem) -> list[tuple[str, str, str]]:
    """Every (action, arg1, arg2) of the right kinds and arity for this problem, empty slots as "none"."""
    objects = [o.name for o in problem.objects]
    locations = list(problem.layout)
    out = []
    for name, arity in ACTIONS.items():
        if name in LOCATION_ACTIONS:
            out += [(name, loc, EMPTY) for loc in locations]
        elif arity == 2:
            out += [(name, obj, loc) for obj in objects for loc in locations]
        else:
            out += [(name, obj, EMPTY) for obj in objects]
    return out


def kitchen_allowed_values(
    problem: KitchenProblem, partial: Mapping[str, str | None], every: Sequence[tuple[str, str, str]] | None = None
) -> dict[str, Collection[str]]:
    """Slot name ('s{i}_act', 's{i}_a1', 's{i}_a2') -> values still consistent with the committed slots.

    `every` is `typed_steps(problem)`, computed here when not given.
    """
    return KitchenSteps(problem, every)(partial)


class KitchenSteps(StepRules):
    """`kitchen_allowed_values` of one problem, bound once (see `environments.action_plans.steps`)."""

    def __init__(self, problem: KitchenProblem, every: Sequence[tuple[str, str, str]] | None = None) -> None:
        super().__init__(problem, typed_steps(problem) if every is None else every, (EMPTY, EMPTY, EMPTY), problem.max_steps)

    def names(self, i: int) -> tuple[str, str, str]:
        return f"s{i}_act", f"s{i}_a1", f"s{i}_a2"

    def initial(self) -> KitchenState:
        return KitchenState.initial(self.problem)

    def after(self, i: int, step: Step, state: KitchenState) -> KitchenState | None:
        trial = _copy(state)
        violations, took, _ = apply_step(self.problem, trial, i, step[0], step[1:2] if step[2] == EMPTY else step[1:])
        return None if violations or not took else trial

    def is_goal(self, state: KitchenState) -> bool:
        return not goal_violations(self.problem, state)
