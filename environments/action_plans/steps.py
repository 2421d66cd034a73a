"""Step rules of action-plan domains: per open step slot, the steps still possible after the committed prefix.

While every earlier step is committed and took effect, the domain's simulator knows the state, and a
step may only be one that takes effect there without a violation, or the empty step once the goal
holds (before it, only when nothing else takes effect: an empty step mid-plan wastes a step, so no
valid plan is lost). Past the first open step the state is unknown and a step may be any typed step
or the empty step. A subclass says what a step's slots are called, the initial state, how one step
changes a state, and when a state meets the goal.
"""

from __future__ import annotations

from typing import Any, Collection, Mapping, Sequence

Step = tuple[str, ...]


class StepRules:
    """The allowed values of one problem's step slots given the committed ones (a `BoundRules` callable).

    A committed step in a known state is simulated alone (does it take effect, or is the empty
    step allowed there) instead of trying every step; open steps in an unknown state share the
    precomputed value sets.
    """

    def __init__(self, problem: Any, every: Sequence[Step], empty: Step, max_steps: int) -> None:
        self.problem = problem
        self.every = list(every)
        self.typed = set(self.every)
        self.empty = empty
        self.max_steps = max_steps
        self.anything = [empty, *self.every]  # an unknown state: the empty step or any typed step
        self.free = [frozenset(step[k] for step in self.anything) for k in range(len(empty))]

    # -- what a domain supplies ---------------------------------------------------------------
    def names(self, i: int) -> tuple[str, ...]:
        """The slot names of step i, one per field of a step."""
        raise NotImplementedError

    def initial(self) -> Any:
        raise NotImplementedError

    def after(self, i: int, step: Step, state: Any) -> Any | None:
        """The state after `step` as step i, or None when it does not take effect without a violation."""
        raise NotImplementedError

    def is_goal(self, state: Any) -> bool:
        raise NotImplementedError

    # -- the rules ------------------------------------------------------------------------------
    def __call__(self, partial: Mapping[str, str | None]) -> dict[str, Collection[str]]:
        state = self.initial()
        allowed: dict[str, Collection[str]] = {}
        for i in range(self.max_steps):
            names = self.names(i)
            held = [partial.get(n) for n in names]
            held = [None if v is None else (v.strip() or self.empty[k]) for k, v in enumerate(held)]
            if state is None:
                if all(h is None for h in held):
                    allowed.update(zip(names, self.free))
                    continue
                if None not in held:
                    continue
                options = self.anything
            elif None not in held:  # a committed step: is it one the state allows?
                state = self._take(i, tuple(held), state)
                continue
            else:
                options = self._options(i, state)
            fits = [o for o in options if all(h is None or h == v for h, v in zip(held, o))]
            for k, name in enumerate(names):
                if held[k] is None:
                    allowed[name] = {o[k] for o in fits}
            state = None
        return allowed

    def _options(self, i: int, state: Any) -> list[Step]:
        """The steps that take effect in `state`; the empty step once the goal holds (or when nothing does)."""
        options = [self.empty] + [step for step in self.every if self.after(i, step, state) is not None]
        if not self.is_goal(state) and len(options) > 1:
            options.remove(self.empty)
        return options

    def _take(self, i: int, step: Step, state: Any) -> Any | None:
        """The state after committed `step`, or None (unknown) when the state does not allow it."""
        if step == self.empty:
            if self.is_goal(state) or all(self.after(i, s, state) is None for s in self.every):
                return state
            return None
        return self.after(i, step, state) if step in self.typed else None
