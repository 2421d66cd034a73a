"""Assembly simulator and checker: runs action strings in time, blames steps with the shared violation kinds.

Ordering and deadline violations are recorded and the step still happens; precondition and resource
failures leave the state unchanged. Reasons cite steps 0-based, as `Violation.steps` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from constraints import Violation
from environments.action_plans.actions import format_action, parse_action
from environments.assembly.problem import ACTIONS, DURATION, FASTEN_TOOL, TOOLS, AssemblyProblem


@dataclass
class AssemblyState:
    """Time, tool, the part in the arm, each part's stage (0 new, 1 held, 2 inserted, 3 fastened), cure timers."""

    time: int
    tool: str
    holding: str | None
    stage: dict[str, int]
    timer: dict[str, int]
    inspected: set[str] = field(default_factory=set)
    finished_at: dict[str, int] = field(default_factory=dict)  # part -> step that fastened it
    last_action: str | None = None  # the step rules' memory of the previous step (refusing wasted steps)

    @classmethod
    def initial(cls, problem: AssemblyProblem) -> "AssemblyState":
        return cls(0, problem.start_tool, None, {p.name: 0 for p in problem.parts}, {p.name: 0 for p in problem.parts})

    def copy(self) -> "AssemblyState":
        return AssemblyState(self.time, self.tool, self.holding, dict(self.stage), dict(self.timer), set(self.inspected),
                             dict(self.finished_at), self.last_action)

    def is_goal(self, problem: AssemblyProblem) -> bool:
        """Every part done (glue cured) and every subassembly inspected."""
        return all(self.is_done(p) for p in self.stage) and all(s.name in self.inspected for s in problem.subassemblies)

    def is_done(self, part: str) -> bool:
        return self.stage[part] == 3 and self.timer[part] == 0

    def advance(self, dt: int) -> None:
        self.time += dt
        for p in self.timer:
            self.timer[p] = max(0, self.timer[p] - dt)


@dataclass
class Trace:
    state: AssemblyState
    violations: list[Violation] = field(default_factory=list)


def _parse(problem: AssemblyProblem, i: int, text: str):
    parsed = parse_action(text)
    if parsed is None:
        return None, Violation("syntax", f"step {i} {text!r}: not an action of the form name(arg)", "syntax", steps=(i,))
    name, args = parsed
    if name not in ACTIONS:
        return None, Violation("unknown", f"step {i} {text}: unknown action {name!r}; actions: {', '.join(ACTIONS)}", "unknown", steps=(i,))
    if len(args) != 1:
        return None, Violation("syntax", f"step {i} {text}: {name} takes one argument", "syntax", steps=(i,))
    arg = args[0]
    pool = {"change_tool": TOOLS, "inspect": [s.name for s in problem.subassemblies]}.get(name, [p.name for p in problem.parts])
    if name == "wait":
        if not arg.isdigit() or int(arg) < 1:
            return None, Violation("syntax", f"step {i} {text}: wait takes a whole number of time units >= 1", "syntax", steps=(i,))
    elif arg not in pool:
        return None, Violation("unknown", f"step {i} {text}: unknown name {arg!r}; allowed: {', '.join(pool)}", "unknown", steps=(i,))
    return (name, arg), None


def apply_step(problem: AssemblyProblem, st: AssemblyState, i: int, name: str, arg: str,
               texts: Sequence[tuple[str, tuple[str, ...]] | None] = ()) -> list[Violation]:
    """Run parsed step `i` on `st` in place and return its violations; `texts` (the parsed plan) lets an
    ordering violation also blame the later step that finishes the missing part."""
    out: list[Violation] = []
    label = format_action(name, (arg,))

    def v(reason: str, kind: str = "precondition", cname: str = "preconditions", steps: tuple[int, ...] = (i,)) -> None:
        out.append(Violation(cname, f"step {i} {label}: {reason}", kind, steps=steps))

    if name == "wait":
        st.advance(int(arg))
        return out
    if name == "change_tool":
        if arg == st.tool:
            v(f"the arm already carries the {arg}", "extra_step", "extra_step")
        elif st.holding:
            v(f"put {st.holding} in place before changing tools")
        else:
            st.tool = arg
            st.advance(problem.tool_change)
        return out
    if name == "inspect":
        s = next(x for x in problem.subassemblies if x.name == arg)
        missing = [p for p in s.parts if not st.is_done(p)]
        if arg in st.inspected:
            v(f"{arg} is already inspected", "extra_step", "extra_step")
        elif missing:
            v(f"{arg} is not finished: {', '.join(missing)} not done yet")
        else:
            st.advance(DURATION["inspect"])
            st.inspected.add(arg)
            if s.deadline is not None and st.time > s.deadline:
                v(f"finishes at time {st.time}, after the deadline {s.deadline}", "deadline", f"deadline({arg}, {s.deadline})")
        return out
    part = next(x for x in problem.parts if x.name == arg)
    if name == "fetch":
        if st.stage[arg] > 0:
            v(f"{arg} was already fetched")
        elif st.holding:
            v(f"the arm already holds {st.holding}")
        elif st.tool != "gripper":
            v(f"fetching needs the gripper; the arm carries the {st.tool}", "resource", "tool")
        else:
            st.stage[arg], st.holding = 1, arg
            st.advance(DURATION["fetch"])
        return out
    if name == "insert":
        if st.holding != arg:
            v(f"the arm {'holds ' + st.holding if st.holding else 'is empty'}, not {arg}")
            return out
        if st.tool != "gripper":
            v(f"inserting needs the gripper; the arm carries the {st.tool}", "resource", "tool")
            return out
        for p in sorted({a for a, b in problem.precedence if b == arg}):
            if not st.is_done(p):
                later = [j for j in range(i + 1, len(texts)) if texts[j] and texts[j][1] == (p,)
                         and texts[j][0] in ("screw", "glue", "insert")]
                ends = (i, st.finished_at[p]) if p in st.finished_at else (i, *later[-1:])
                why = f"its glue cures for {st.timer[p]} more" if st.stage[p] == 3 else "it is not done yet"
                v(f"{p} must be done before {arg} goes in ({why})", "ordering", f"precedence({p}, {arg})", ends)
        st.holding = None
        st.stage[arg] = 3 if part.fasten == "none" else 2
        st.advance(DURATION["insert"])
        if part.fasten == "none":
            st.finished_at[arg] = i
        return out
    # screw / glue
    if part.fasten != name:
        v(f"{arg} is fastened by {part.fasten}, not {name}")
    elif st.stage[arg] != 2:
        v(f"{arg} is {'already fastened' if st.stage[arg] == 3 else 'not inserted'}")
    elif st.holding:
        v(f"the arm holds {st.holding}")
    elif st.tool != FASTEN_TOOL[name]:
        v(f"{name} needs the {FASTEN_TOOL[name]}; the arm carries the {st.tool}", "resource", "tool")
    elif name == "glue" and sum(1 for t in st.timer.values() if t > 0) >= problem.fixtures:
        v(f"all {problem.fixtures} fixture(s) hold curing parts", "resource", "fixtures")
    else:
        st.stage[arg] = 3
        st.advance(DURATION[name])
        st.timer[arg] = part.cure if name == "glue" else 0
        st.finished_at[arg] = i
    return out


def simulate(problem: AssemblyProblem, plan: list[str]) -> Trace:
    """Run `plan`; the trace holds the final state (its `time` is the makespan) and step violations."""
    tr = Trace(AssemblyState.initial(problem))
    texts = [parse_action(t) for t in plan]
    for i, text in enumerate(plan):
        parsed, bad = _parse(problem, i, text)
        if bad:
            tr.violations.append(bad)
            continue
        tr.violations += apply_step(problem, tr.state, i, *parsed, texts)
    return tr


def check(problem: AssemblyProblem, plan: list[str]) -> list[Violation]:
    """Every violation of `plan`; unmet goals (parts not done, inspections missing) are missing_step."""
    tr = simulate(problem, plan)
    out = list(tr.violations)
    for p in problem.parts:
        if not tr.state.is_done(p.name):
            what = f"its glue still cures for {tr.state.timer[p.name]}" if tr.state.stage[p.name] == 3 else "it is not finished"
            out.append(Violation("goal", f"goal unmet: {p.name} must be done; {what}", "missing_step", details={"part": p.name}))
    for s in problem.subassemblies:
        if s.name not in tr.state.inspected:
            out.append(Violation("goal", f"goal unmet: {s.name} is never inspected", "missing_step", details={"sub": s.name}))
    return out


def makespan(problem: AssemblyProblem, plan: list[str]) -> int:
    """The time at which `plan` ends."""
    return simulate(problem, plan).state.time
