"""PDDL hard constraints: per open step slot, the actions and arguments still possible.

Steps are read in order from the initial state while every step so far is committed: the next
step may then only be an action applicable in the reached state (or the empty step). Past the
first open step the state is unknown, and a step may be any ground action (its arguments of
the right types and arity) or the empty step. In a known state the next step is empty exactly
when the goal holds there: an empty step before the goal only wastes a step (plans are read
without their empty steps), and any step after it only makes the plan longer. For the same
reason a step must change the state (gripper's move from a room to itself is an empty step in
disguise): without it the plan is still valid, so no plan that fits is lost. Longer loops (a
block picked up and put back) stay allowed: forbidding every return to a state of the prefix cut
the shipped Blocksworld model's PlanBench rate from 90% to 70% (docs/results.md).

In a state-annotated template (`environments.pddl.states`), a step's state slots take the values
of the state its committed step reaches in a known state; while the step is open, the values some
still possible step reaches, and a committed state value keeps only the steps that reach it. Past
the first open step they take any value of their variable.
"""

from __future__ import annotations

from typing import Collection, Mapping

from environments.pddl.grounding import GroundTask, apply, is_applicable
from environments.pddl.names import rename
from environments.pddl.states import Annotation, slot_name
from environments.pddl.templates import NO_NAMES, NOOP, PAD, argument_domains


def pddl_allowed_values(task: GroundTask, partial: Mapping[str, str | None], max_steps: int,
                        names: Mapping[str, str] = NO_NAMES) -> dict[str, Collection[str]]:
    """Slot name ('s{i}.act', 's{i}.arg{j}') -> values still consistent with the committed slots
    (arguments as their tokens, `names`)."""
    return PddlSteps(task, max_steps, names)(partial)


class PddlSteps:
    """`pddl_allowed_values` of one task, bound once: what no committed slot changes is computed here.

    A committed step in a known state is checked alone (is it applicable, or the empty step where
    that is allowed) instead of listing every applicable action; an open step in an unknown state
    takes the precomputed value sets (shared frozensets). The values equal a full listing's.
    """

    def __init__(self, task: GroundTask, max_steps: int, names: Mapping[str, str] = NO_NAMES,
                 annotation: Annotation | None = None) -> None:
        self.task, self.max_steps, self.annotation = task, max_steps, annotation
        self.width = len(argument_domains(task))
        self.noop = (NOOP, *(PAD,) * self.width)
        # (action, arg, ..., pad) -> the ground action
        self.actions = {(a.name, *(rename(names, o) for o in a.args), *(PAD,) * (self.width - len(a.args))): a
                        for a in task.actions}
        self.anything = [*self.actions, self.noop]  # an unknown state: any action, or the empty step
        self.free = [frozenset(v[k] for v in self.anything) for k in range(self.width + 1)]

    def __call__(self, partial: Mapping[str, str | None]) -> dict[str, Collection[str]]:
        state, known, allowed = self.task.init, True, {}  # known: every step before i committed and allowed
        for i in range(self.max_steps):
            names = [f"s{i}.act"] + [f"s{i}.arg{j}" for j in range(self.width)]
            held = [partial.get(name) for name in names]
            held = [None if v is None else (v.strip().lower() or PAD) for v in held]
            marks = self._marks(i, partial)  # the step's state: (slot or None where fixed, variable, committed value)
            if known and None not in held:  # a committed step: is it a step the state allows?
                state, known = self._take(tuple(held), state)
                if known and marks:
                    after = self.annotation.read(state)
                    known = all(v is None or v == after[k] for _, k, v in marks)
                    allowed.update((slot, {after[k]}) for slot, k, v in marks if v is None)
                else:
                    allowed.update(self._any_value(marks))
                continue
            allowed.update(self._any_value(marks))
            if not known and all(h is None for h in held):
                allowed.update(zip(names, self.free))
                continue
            if not known and None not in held:
                continue
            if known:
                options = [] if self.task.is_goal(state) else self._changing(state)
                options = options or [self.noop]
            else:
                options = self.anything
            fits = [v for v in options if all(h is None or h == x for h, x in zip(held, v))]
            if known and marks:  # committed (or fixed) state values keep the steps that reach them
                reached = {v: self.annotation.read(self._after(v, state)) for v in fits}
                fits = [v for v in fits if all(c is None or reached[v][k] == c for _, k, c in marks)] or fits
                allowed.update((slot, {reached[v][k] for v in fits}) for slot, k, c in marks if c is None)
            for k, name in enumerate(names):
                if held[k] is None:
                    allowed[name] = {v[k] for v in fits}
            known = False
        return allowed

    def _marks(self, i: int, partial: Mapping[str, str | None]) -> list[tuple[str | None, int, str | None]]:
        """Step i's state variables: (slot, or None where the last step fixes it; index; committed or fixed value)."""
        if self.annotation is None:
            return []
        last = i == self.max_steps - 1
        out: list[tuple[str | None, int, str | None]] = []
        for k in range(len(self.annotation.names)):
            if last and k in self.annotation.fixed:
                out.append((None, k, self.annotation.fixed[k]))
                continue
            slot = slot_name(i, k)
            value = partial.get(slot)
            out.append((slot, k, None if value is None else value.strip().lower()))
        return out

    def _any_value(self, marks: list[tuple[str | None, int, str | None]]) -> list[tuple[str, Collection[str]]]:
        """Open state slots past what is known: any value of their variable."""
        return [(slot, self.annotation.domains[k]) for slot, k, v in marks if v is None]

    def _after(self, step: tuple[str, ...], state: frozenset) -> frozenset:
        """The state a step allowed in `state` reaches (the empty step stays)."""
        return state if step == self.noop else apply(self.actions[step], state)

    def _changing(self, state: frozenset) -> list[tuple[str, ...]]:
        """The steps applicable in `state` that change it."""
        return [step for step, action in self.actions.items() if is_applicable(action, state) and apply(action, state) != state]

    def _take(self, step: tuple[str, ...], state: frozenset) -> tuple[frozenset, bool]:
        """(the state after committed `step`, whether it is known): a step the state does not allow ends what is known."""
        if self.task.is_goal(state):
            return state, step == self.noop
        if step == self.noop:  # empty before the goal only where no step changes the state
            return state, not self._changing(state)
        action = self.actions.get(step)
        if action is None or not is_applicable(action, state):
            return state, False
        after = apply(action, state)
        return after, after != state
