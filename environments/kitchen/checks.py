"""The kitchen simulator: executes action strings, the reference semantics every checker and test uses.

A step that fails a precondition or a resource check changes nothing and the plan goes on, so later
steps are still judged. Reasons cite steps 0-based ("step 0" is the first step), as `steps` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from constraints import Violation
from environments.action_plans.actions import format_action, parse_action
from environments.kitchen.problem import (
    ACTIONS, HEATERS, OPENABLE, Before, CloseWithin, Deadline, DistanceBudget, KitchenProblem,
    NoHotInFridge, NoMetalInMicrowave,
)

HAND, TRASHED = "<hand>", "<trash>"


@dataclass
class KitchenState:
    """Where the robot and every object are, what it holds, what is open, each object's states."""

    at: str
    holding: str | None
    where: dict[str, str]
    opened: set[str]
    states: dict[str, set[str]]

    @classmethod
    def initial(cls, problem: KitchenProblem) -> "KitchenState":
        return cls(problem.start, None, {o.name: o.location for o in problem.objects}, set(),
                   {o.name: set(o.states) for o in problem.objects})

    def count(self, loc: str) -> int:
        return sum(1 for w in self.where.values() if w == loc)


@dataclass
class Trace:
    """The outcome of running a plan: final state, cost (travel + one per other action), violations."""

    state: KitchenState
    cost: int = 0
    travel: int = 0
    violations: list[Violation] = field(default_factory=list)
    done: list[bool] = field(default_factory=list)  # did step i take effect?


def _where_text(state: KitchenState, obj: str) -> str:
    w = state.where[obj]
    return {"<hand>": "in the gripper", "<trash>": "in the trash"}.get(w, f"at the {w}")


def _props(problem: KitchenProblem) -> dict[str, set[str]]:
    return {o.name: set(o.properties) for o in problem.objects}


def parse_step(problem: KitchenProblem, i: int, text: str) -> tuple[tuple[str, tuple[str, ...]] | None, Violation | None]:
    """The (name, args) of step `i`, or a syntax/unknown violation blaming it."""
    parsed = parse_action(text)
    if parsed is None:
        return None, Violation("syntax", f"step {i} {text!r}: not an action of the form name(arg, ...)", "syntax", steps=(i,))
    name, args = parsed
    if name not in ACTIONS:
        return None, Violation("unknown", f"step {i} {text}: unknown action {name!r}; actions: {', '.join(ACTIONS)}",
                               "unknown", steps=(i,))
    if len(args) != ACTIONS[name]:
        return None, Violation("syntax", f"step {i} {text}: {name} takes {ACTIONS[name]} argument(s), got {len(args)}",
                               "syntax", steps=(i,))
    objects = {o.name for o in problem.objects}
    kinds = ("location",) if name in ("goto", "open", "close") else ("object", "location")[: len(args)]
    for arg, kind in zip(args, kinds):
        pool = problem.layout if kind == "location" else objects
        if arg not in pool:
            return None, Violation("unknown", f"step {i} {text}: unknown {kind} {arg!r}; {kind}s: {', '.join(sorted(pool))}",
                                   "unknown", steps=(i,))
    return (name, args), None


def _accessible(state: KitchenState, loc: str) -> bool:
    return loc not in OPENABLE or loc in state.opened


def apply_step(problem: KitchenProblem, state: KitchenState, i: int, name: str, args: tuple[str, ...]) -> tuple[list[Violation], bool, int]:
    """Run one parsed step in place: (violations, whether it took effect, its cost)."""
    text = format_action(name, args)
    props = _props(problem)
    safety = {type(c) for c in problem.constraints}

    def fail(reason: str, kind: str = "precondition", name_: str = "preconditions") -> tuple[list[Violation], bool, int]:
        return [Violation(name_, f"step {i} {text}: {reason}", kind, steps=(i,))], False, 0

    arg = args[0]
    if name == "goto":
        if arg == state.at:
            return [Violation("extra_step", f"step {i} {text}: the robot is already at the {arg}", "extra_step", steps=(i,))], False, 0
        cost = problem.distance(state.at, arg)
        state.at = arg
        return [], True, cost
    if name in ("open", "close"):
        if state.at != arg:
            return fail(f"the robot is at the {state.at}, not at the {arg}")
        if arg not in OPENABLE:
            return fail(f"the {arg} cannot be opened or closed")
        if (arg in state.opened) == (name == "open"):
            return fail(f"the {arg} is already {'open' if name == 'open' else 'closed'}")
        (state.opened.add if name == "open" else state.opened.discard)(arg)
        return [], True, 1
    if name == "pick":
        where = state.where[arg]
        if where in (HAND, TRASHED):
            return fail(f"{arg} is {_where_text(state, arg)}")
        if where != state.at:
            return fail(f"{arg} is at the {where}, the robot at the {state.at}")
        if not _accessible(state, where):
            return fail(f"the {where} is closed")
        if state.holding is not None:
            return fail(f"the gripper already holds {state.holding}", "resource", "gripper")
        state.where[arg], state.holding = HAND, arg
        return [], True, 1
    if state.holding != arg and name != "slice":
        return fail(f"the gripper {'is empty' if state.holding is None else 'holds ' + state.holding}, not {arg}")
    out: list[Violation] = []
    if name == "place":
        loc = args[1]
        if loc == "trash":
            return fail("things go in the trash with throw(object), not place")
        if state.at != loc:
            return fail(f"the robot is at the {state.at}, not at the {loc}")
        if not _accessible(state, loc):
            return fail(f"the {loc} is closed")
        if state.count(loc) >= problem.capacity_of(loc):
            return fail(f"the {loc} is full (capacity {problem.capacity_of(loc)})", "resource", "capacity")
        out += _safety(problem, safety, props, state, i, text, arg, loc)
        state.where[arg], state.holding = loc, None
        return out, True, 1
    if name == "wash":
        if state.at != "sink":
            return fail(f"washing needs the sink; the robot is at the {state.at}")
        state.states[arg].add("clean")
        return [], True, 1
    if name == "heat":
        if state.at not in HEATERS:
            return fail(f"heating needs the microwave or the stove; the robot is at the {state.at}")
        if not _accessible(state, state.at):
            return fail(f"the {state.at} is closed")
        out += _safety(problem, safety, props, state, i, text, arg, state.at)
        state.states[arg].add("hot")
        state.states[arg].discard("cold")
        return out, True, 1
    if name == "cool":
        if state.at != "fridge":
            return fail(f"cooling needs the fridge; the robot is at the {state.at}")
        if not _accessible(state, "fridge"):
            return fail("the fridge is closed")
        out += _safety(problem, safety, props, state, i, text, arg, "fridge")
        state.states[arg].add("cold")
        state.states[arg].discard("hot")
        return out, True, 1
    if name == "slice":
        where = state.where[arg]
        if "sliceable" not in props[arg]:
            return fail(f"{arg} cannot be sliced")
        if where != state.at:
            return fail(f"{arg} must lie where the robot is; it is {_where_text(state, arg)}")
        if not _accessible(state, where):
            return fail(f"the {where} is closed")
        if state.holding is None or "knife" not in props[state.holding]:
            return fail("slicing needs a knife in the gripper")
        state.states[arg].add("sliced")
        return [], True, 1
    # throw
    if state.at != "trash":
        return fail(f"throwing away needs the trash; the robot is at the {state.at}")
    state.where[arg], state.holding = TRASHED, None
    return [], True, 1


def _safety(problem, safety, props, state, i, text, obj, loc) -> list[Violation]:
    out = []
    if NoMetalInMicrowave in safety and loc == "microwave" and "metal" in props[obj]:
        out.append(Violation("no_metal_in_microwave", f"step {i} {text}: {obj} is metal and must not go in the microwave",
                             "safety", steps=(i,)))
    if NoHotInFridge in safety and loc == "fridge" and "hot" in state.states[obj]:
        out.append(Violation("no_hot_in_fridge", f"step {i} {text}: {obj} is hot and must not go in the fridge",
                             "safety", steps=(i,)))
    return out


def simulate(problem: KitchenProblem, plan: list[str]) -> Trace:
    """Run `plan` from the initial state; step and constraint violations, no goal check."""
    state = KitchenState.initial(problem)
    trace = Trace(state)
    executed: list[tuple[int, str, tuple[str, ...]]] = []
    for i, text in enumerate(plan):
        parsed, bad = parse_step(problem, i, text)
        if bad is not None:
            trace.violations.append(bad)
            trace.done.append(False)
            continue
        name, args = parsed
        found, ok, cost = apply_step(problem, state, i, name, args)
        trace.violations += found
        trace.done.append(ok)
        if ok:
            trace.cost += cost
            trace.travel += cost if name == "goto" else 0
            executed.append((i, name, args))
    trace.violations += _plan_constraints(problem, executed, len(plan))
    return trace


def _plan_constraints(problem: KitchenProblem, executed: list, n_steps: int) -> list[Violation]:
    out: list[Violation] = []
    texts = [(i, format_action(n, a)) for i, n, a in executed]
    for c in problem.constraints:
        if isinstance(c, Before):
            first, then = format_action(*parse_action(c.first)), format_action(*parse_action(c.then))
            firsts = [i for i, t in texts if t == first]
            for j, t in texts:
                if t == then and not any(i < j for i in firsts):
                    later = [i for i in firsts if i > j]
                    where = f" (it comes at step {later[0]})" if later else " (it never happens)"
                    out.append(Violation(f"before({first}, {then})", f"step {j} {then}: {first} must happen first{where}",
                                         "ordering", steps=(j, *later[:1])))
        elif isinstance(c, CloseWithin):
            opens = [i for i, t in texts if t == f"open({c.receptacle})"]
            closes = [i for i, t in texts if t == f"close({c.receptacle})"]
            for i in opens:
                nxt = [j for j in closes if j > i]
                if not nxt or nxt[0] - i > c.steps:
                    late = f"closed only at step {nxt[0]}" if nxt else "never closed"
                    out.append(Violation(f"close_within({c.receptacle}, {c.steps})",
                                         f"step {i} open({c.receptacle}): close it within {c.steps} steps; it is {late}",
                                         "ordering", steps=(i, *nxt[:1])))
        elif isinstance(c, Deadline):
            initially = any(o.name == c.object and o.location == c.location for o in problem.objects)
            put = [i for i, t in texts if t == f"place({c.object}, {c.location})"]
            if not initially and (not put or put[0] > c.step):
                late = f"it happens at step {put[0]}" if put else "it never happens"
                out.append(Violation(f"deadline({c.object}, {c.location}, {c.step})",
                                     f"place({c.object}, {c.location}) must happen by step {c.step}; {late}",
                                     "deadline", steps=tuple(put[:1])))
        elif isinstance(c, DistanceBudget):
            total, here = 0, problem.start
            for i, n, a in executed:
                if n == "goto":
                    total += problem.distance(here, a[0])
                    here = a[0]
                    if total > c.budget:
                        out.append(Violation(f"distance_budget({c.budget})",
                                             f"step {i} goto({a[0]}): travel reaches {total}, over the budget of {c.budget}",
                                             "resource", steps=(i,)))
                        break
    return out


def goal_violations(problem: KitchenProblem, state: KitchenState) -> list[Violation]:
    """One missing_step violation per unmet goal item (no step is to blame: a step is missing)."""
    out = []
    for g in problem.goal:
        want = TRASHED if g.location == "trash" else g.location
        place_text = "thrown in the trash" if g.location == "trash" else f"at the {g.location}"
        if state.where[g.object] != want:
            out.append(Violation("goal", f"goal unmet: {g.object} must end {place_text}; it is {_where_text(state, g.object)}",
                                 "missing_step", details={"object": g.object, "location": g.location}))
        for s in g.states:
            if s not in state.states[g.object]:
                out.append(Violation("goal", f"goal unmet: {g.object} must be {s}", "missing_step",
                                     details={"object": g.object, "state": s}))
    return out


def check(problem: KitchenProblem, plan: list[str]) -> list[Violation]:
    """Every violation of `plan` (a list of action strings); steps after which the plan was already done are extra."""
    trace = simulate(problem, plan)
    found = trace.violations + goal_violations(problem, trace.state)
    if found:
        return found
    for k in range(len(plan) - 1):  # a shorter prefix already valid: the rest is extra
        prefix = simulate(problem, plan[: k + 1])
        if not prefix.violations and not goal_violations(problem, prefix.state):
            return [Violation("extra_step", f"step {j} {plan[j]}: the task is already done after step {k}", "extra_step",
                              steps=(j,)) for j in range(k + 1, len(plan))]
    return []


def plan_cost(problem: KitchenProblem, plan: list[str]) -> int:
    """Travel distance plus one per non-travel step (steps that took effect)."""
    return simulate(problem, plan).cost
