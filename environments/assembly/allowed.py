"""Assembly hard constraints (local tier): per open step slot, the actions and arguments still possible.

While every earlier step is committed and took effect, the simulator knows the state, and a step may
only be an action that takes effect there without a violation (no failed precondition, missing tool,
full fixture, broken order, missed deadline or repeated step), or the empty step once the goal holds
(every part done, every subassembly inspected). Before the goal the empty step is refused unless
nothing else takes effect: an empty step mid-plan only wastes a step, so no valid plan is lost.
A wait is refused the same way when nothing cures, and is at most the longest cure still running:
beyond that it only moves the clock (an empty step in disguise), and waiting for that cure reaches
the same state sooner.
Past the first open step the state is unknown and a step may be any typed step: change_tool a tool,
inspect a subassembly, wait a number of the template, fetch or insert a part, screw a screwed part,
glue a glued part (a part's fastening never changes, so this needs no state), or the empty step.
"""

from __future__ import annotations

from environments.action_plans.steps import Step, StepRules
from environments.assembly.checks import AssemblyState, apply_step
from environments.assembly.problem import FASTEN_TOOL, TOOLS, AssemblyProblem
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
        if self.wasted(*step, state):
            return None
        trial = state.copy()
        if apply_step(self.problem, trial, i, *step):
            return None
        trial.last_action = step[0]
        return trial

    def wasted(self, name: str, arg: str, state: AssemblyState) -> bool:
        """Whether the step only wastes a step or time (it may still take effect)."""
        return name == "wait" and int(arg) > max(state.timer.values(), default=0)

    def is_goal(self, state: AssemblyState) -> bool:
        return state.is_goal(self.problem)


class AssemblySearchSteps(AssemblySteps):
    """The search tier: the local rules, and steps refused that a look ahead shows to be wasted or dead ends.

    Each is one a valid plan can do without, so no valid plan of the same length is lost:
    - a tool change to a tool with nothing to do (no part waiting for the gripper, no inserted part
      to screw or glue) while nothing cures: it must be undone before the tool is used, and while
      nothing cures its time buys nothing (while a cure runs it passes time as a wait would);
    - a tool change right after a tool change (the first tool was never used);
    - fetching a part before every part that must precede it is fastened: the full arm can then do
      nothing for those parts (changing tools, fetching and fastening all need it empty).
    """

    def wasted(self, name: str, arg: str, state: AssemblyState) -> bool:
        if super().wasted(name, arg, state):
            return True
        p = self.problem
        if name == "change_tool":
            if state.last_action == "change_tool":
                return True
            if any(state.timer.values()):
                return False
            if arg == "gripper":
                return not any(stage == 0 for stage in state.stage.values())
            return not any(x.fasten != "none" and FASTEN_TOOL[x.fasten] == arg and state.stage[x.name] == 2
                           for x in p.parts)
        if name == "fetch":
            return any(state.stage[a] != 3 for a, b in p.precedence if b == arg)
        return False
