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


class KitchenSteps:
    """`kitchen_allowed_values` of one problem, bound once: what no committed slot changes is computed here.

    A committed step in a known state is simulated alone (does it take effect, or is the empty
    step allowed there) instead of trying every step; an open step in an unknown state takes the
    precomputed value sets (shared frozensets). The values equal a full listing's.
    """

    def __init__(self, problem: KitchenProblem, every: Sequence[tuple[str, str, str]] | None = None) -> None:
        self.problem = problem
        self.every = typed_steps(problem) if every is None else list(every)
        self.typed = set(self.every)
        self.empty = (EMPTY, EMPTY, EMPTY)
        self.anything = [self.empty, *self.every]  # an unknown state: the empty step or any typed step
        self.free = [frozenset(step[k] for step in self.anything) for k in range(3)]

    def __call__(self, partial: Mapping[str, str | None]) -> dict[str, Collection[str]]:
        state: KitchenState | None = KitchenState.initial(self.problem)
        allowed: dict[str, Collection[str]] = {}
        for i in range(self.problem.max_steps):
            names = (f"s{i}_act", f"s{i}_a1", f"s{i}_a2")
            held = [partial.get(n) for n in names]
            held = [None if v is None else (v.strip() or EMPTY) for v in held]
            if state is None:
                if all(h is None for h in held):
                    allowed.update(zip(names, self.free))
                    continue
                if None not in held:
                    continue
                options = self.anything
            elif None not in held:  # a committed step: is it one the state allows?
                state = self._take(i, (held[0], held[1], held[2]), state)
                continue
            else:
                options = self._options(i, state)
            fits = [o for o in options if all(h is None or h == v for h, v in zip(held, o))]
            for k, name in enumerate(names):
                if held[k] is None:
                    allowed[name] = {o[k] for o in fits}
            state = None
        return allowed

    def _after(self, i: int, step: tuple[str, str, str], state: KitchenState) -> KitchenState | None:
        """The state after `step` as step i, or None when it does not take effect without a violation."""
        trial = _copy(state)
        violations, took, _ = apply_step(self.problem, trial, i, step[0], step[1:2] if step[2] == EMPTY else step[1:])
        return None if violations or not took else trial

    def _options(self, i: int, state: KitchenState) -> list[tuple[str, str, str]]:
        """The steps that take effect in `state`; the empty step once the goal holds (or when nothing does)."""
        options = [self.empty] + [step for step in self.every if self._after(i, step, state) is not None]
        if goal_violations(self.problem, state) and len(options) > 1:
            options.remove(self.empty)
        return options

    def _take(self, i: int, step: tuple[str, str, str], state: KitchenState) -> KitchenState | None:
        """The state after committed `step`, or None (unknown) when the state does not allow it."""
        if step == self.empty:
            if not goal_violations(self.problem, state):
                return state
            return state if all(self._after(i, s, state) is None for s in self.every) else None
        return self._after(i, step, state) if step in self.typed else None
