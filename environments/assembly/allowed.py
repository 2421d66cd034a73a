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

from environments.action_plans.steps import Step, StepRules
from environments.assembly.checks import AssemblyState, apply_step
from environments.assembly.problem import TOOLS, AssemblyProblem
from environments.assembly.templates import EMPTY, wait_choices


def typed_steps(problem: AssemblyProblem) -> list[Step]:
    """Every (action, argument) of the right kind for this problem."""
    parts = [p.name for p in problem.parts]
    out = [("change_tool", t) for t in TOOLS]
    out += [(name, p) for name in ("fetch", "insert") for p in parts]
    out += [(p.fasten, p.name) for p in problem.parts if p.fasten != "none"]
    out += [("wait", k) for k in wait_choices(problem)]
    out += [("inspect", s.name) for s in problem.subassemblies]
    return out


class AssemblySteps(StepRules):
    """The allowed values of one problem's compact slots ("s{i}_act", "s{i}_arg") given the committed ones."""

    def __init__(self, problem: AssemblyProblem) -> None:
        super().__init__(problem, typed_steps(problem), (EMPTY, EMPTY), problem.max_steps)

    def names(self, i: int) -> tuple[str, str]:
        return f"s{i}_act", f"s{i}_arg"

    def initial(self) -> AssemblyState:
        return AssemblyState.initial(self.problem)

    def after(self, i: int, step: Step, state: AssemblyState) -> AssemblyState | None:
        trial = state.copy()
        return None if apply_step(self.problem, trial, i, *step) else trial

    def is_goal(self, state: AssemblyState) -> bool:
        return state.is_goal(self.problem)
