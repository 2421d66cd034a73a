"""Assembly hard constraints (local tier): per open step slot, the actions and arguments still possible.

While every earlier step is committed and took effect, the simulator knows the state, and a step may
only be an action that takes effect there without a violation (no failed precondition, missing tool,
full fixture, broken order, missed deadline or repeated step), or the empty step once the goal holds
(every part done, every subassembly inspected). Before the goal the empty step is refused unless
nothing else takes effect: an empty step mid-plan only wastes a step, so no valid plan is lost.
Past the first open step the state is unknown and a step may be any typed step: change_tool a tool,
inspect a subassembly, wait a number of the template, fetch or insert a part, screw a screwed part,
glue a glued part (a part's fastening never changes, so this needs no state), or the empty step.
"""

from __future__ import annotations

from typing import Collection, Mapping

from environments.assembly.checks import AssemblyState, apply_step
from environments.assembly.problem import TOOLS, AssemblyProblem
from environments.assembly.templates import EMPTY, wait_choices

Step = tuple[str, str]


def typed_steps(problem: AssemblyProblem) -> list[Step]:
    """Every (action, argument) of the right kind for this problem."""
    parts = [p.name for p in problem.parts]
    out = [("change_tool", t) for t in TOOLS]
    out += [(name, p) for name in ("fetch", "insert") for p in parts]
    out += [(p.fasten, p.name) for p in problem.parts if p.fasten != "none"]
    out += [("wait", k) for k in wait_choices(problem)]
    out += [("inspect", s.name) for s in problem.subassemblies]
    return out


class AssemblySteps:
    """The allowed values of one problem's compact slots ("s{i}_act", "s{i}_arg") given the committed ones.

    Called with slot -> committed value (None while open); returns open slot -> values it may take. A
    committed step in a known state is simulated alone; open steps in an unknown state share the
    precomputed value sets.
    """

    def __init__(self, problem: AssemblyProblem) -> None:
        self.problem = problem
        self.every = typed_steps(problem)
        self.typed = set(self.every)
        self.empty: Step = (EMPTY, EMPTY)
        self.anything = [self.empty, *self.every]  # an unknown state: the empty step or any typed step
        self.free = [frozenset(step[k] for step in self.anything) for k in range(2)]

    def __call__(self, partial: Mapping[str, str | None]) -> dict[str, Collection[str]]:
        state: AssemblyState | None = AssemblyState.initial(self.problem)
        allowed: dict[str, Collection[str]] = {}
        for i in range(self.problem.max_steps):
            names = (f"s{i}_act", f"s{i}_arg")
            held = [partial.get(n) for n in names]
            held = [None if v is None else (v.strip() or EMPTY) for v in held]
            if state is None:
                if held == [None, None]:
                    allowed.update(zip(names, self.free))
                    continue
                if None not in held:
                    continue
                options = self.anything
            elif None not in held:  # a committed step: is it one the state allows?
                state = self._take(i, (held[0], held[1]), state)
                continue
            else:
                options = self._options(i, state)
            fits = [o for o in options if all(h is None or h == v for h, v in zip(held, o))]
            for k, name in enumerate(names):
                if held[k] is None:
                    allowed[name] = {o[k] for o in fits}
            state = None
        return allowed

    def _after(self, i: int, step: Step, state: AssemblyState) -> AssemblyState | None:
        """The state after `step` as step i, or None when it does not take effect without a violation."""
        trial = state.copy()
        return None if apply_step(self.problem, trial, i, *step) else trial

    def _options(self, i: int, state: AssemblyState) -> list[Step]:
        """The steps that take effect in `state`; the empty step once the goal holds (or when nothing does)."""
        options = [self.empty] + [step for step in self.every if self._after(i, step, state) is not None]
        if not state.is_goal(self.problem) and len(options) > 1:
            options.remove(self.empty)
        return options

    def _take(self, i: int, step: Step, state: AssemblyState) -> AssemblyState | None:
        """The state after committed `step`, or None (unknown) when the state does not allow it."""
        if step == self.empty:
            if state.is_goal(self.problem) or all(self._after(i, s, state) is None for s in self.every):
                return state
            return None
        return self._after(i, step, state) if step in self.typed else None
