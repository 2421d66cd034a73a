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

from typing import Mapping, Sequence

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
) -> dict[str, set[str]]:
    """Slot name ('s{i}_act', 's{i}_a1', 's{i}_a2') -> values still consistent with the committed slots.

    `every` is `typed_steps(problem)`, computed here when not given.
    """
    every = typed_steps(problem) if every is None else every
    empty = (EMPTY, EMPTY, EMPTY)
    state: KitchenState | None = KitchenState.initial(problem)
    allowed: dict[str, set[str]] = {}
    for i in range(problem.max_steps):
        names = (f"s{i}_act", f"s{i}_a1", f"s{i}_a2")
        held = [partial.get(n) for n in names]
        held = [None if v is None else (v.strip() or EMPTY) for v in held]
        options = [empty]
        reached = state is None or not goal_violations(problem, state)
        for step in every:
            if state is not None:
                trial = _copy(state)
                args = step[1:2] if step[2] == EMPTY else step[1:]
                violations, took, _ = apply_step(problem, trial, i, step[0], args)
                if violations or not took:
                    continue
            options.append(step)
        if not reached and len(options) > 1:
            options.remove(empty)
        fits = [o for o in options if all(h is None or h == v for h, v in zip(held, o))]
        for k, name in enumerate(names):
            if held[k] is None:
                allowed[name] = {o[k] for o in fits}
        if state is not None and None not in held and len(fits) == 1 and fits[0] != empty:
            step = fits[0]
            apply_step(problem, state, i, step[0], step[1:2] if step[2] == EMPTY else step[1:])
        elif not (state is not None and None not in held and fits == [empty]):
            state = None
    return allowed
