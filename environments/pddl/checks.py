"""Check a sequential plan by simulation: blame the first bad step, then any unmet goal atoms.

Diagnostics follow what VAL reports: the first failing step, its false precondition literals
(for a quantifier, the witness that breaks it), the goal literals still unmet, and the plan's cost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from constraints.violation import Violation
from environments.pddl.formulas import explain, shown
from environments.pddl.grounding import GroundAction, GroundTask, apply, atom_str, instantiate, is_applicable

CONSTRAINT = "pddl"
_TIMESTAMP = re.compile(r"^\s*\d+(\.\d+)?\s*:\s*")  # "0.000: (pick-up a) [1.000]" (IPC/VAL plan files)
_DURATION = re.compile(r"\s*\[[^\]]*\]\s*$")


def read_plan(text: str) -> list[str]:
    """The actions of a plan text, one "(name arg ...)" string per action, lower-cased.

    One action per line, with or without parentheses; `;` comments and blank lines are skipped;
    timestamps and durations of IPC/VAL-style plan files, as PlanBench writes them, are dropped.
    A line with other text around its parenthesised actions is kept as it is, not an action.

    >>> read_plan("(unstack A c)\\n; cost = 1 (unit cost)\\n\\nput-down a")
    ['(unstack a c)', '(put-down a)']
    >>> read_plan("(move a b)junk")
    ['(move a b)junk']
    """
    steps: list[str] = []
    for raw in text.splitlines():
        line = _DURATION.sub("", _TIMESTAMP.sub("", raw.split(";", 1)[0])).strip()
        if not line:
            continue
        groups = re.findall(r"\(([^()]*)\)", line)
        if groups and re.sub(r"\([^()]*\)", "", line).strip():
            steps.append(line)  # text around the actions: kept whole, so the checker blames the line
            continue
        for body in groups or [line]:
            steps.append("(" + " ".join(body.lower().split()) + ")")
    return steps


def parse_step(step: str) -> tuple[str, tuple[str, ...]] | None:
    """("stack", ("a", "b")) from "(stack a b)"; None when the text is not one action."""
    body = step.strip().lower()
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1]
    words = body.split()
    if not words or any(c in body for c in "()"):
        return None
    return words[0], tuple(words[1:])


def ground_step(task: GroundTask, step: str) -> tuple[GroundAction | None, str, str]:
    """The ground action a step names, or (None, kind, reason) saying why it names none."""
    parsed = parse_step(step)
    if parsed is None:
        return None, "syntax", f"{step!r} is not an action like (name arg ...)"
    name, args = parsed
    schema = task.schema(name)
    if schema is None:
        names = ", ".join(s.name for s in task.domain.schemas)
        return None, "unknown", f"unknown action {name!r}; actions: {names}"
    if len(args) != len(schema.params):
        return None, "unknown", f"action {name} takes {len(schema.params)} argument(s), got {len(args)}"
    types = dict(task.objects)
    for obj, (var, wanted) in zip(args, schema.params):
        if obj not in types:
            return None, "unknown", f"unknown object {obj!r}"
        if not task.is_of_type(types[obj], wanted):
            return None, "domain", f"{obj} is not of type {' or '.join(sorted(wanted))} (parameter {var} of {name})"
    return instantiate(schema, args, task), "", ""


def failed_preconditions(action: GroundAction, state: frozenset, task: GroundTask | None = None) -> list[str]:
    """Each precondition literal of `action` that is false in `state`, as PDDL text; for other
    parts (or, forall, exists) the reason from the lifted schema, naming a quantifier's witness."""
    failed = [atom_str(a) + " is false" for a in sorted(action.pre_pos - state)]
    failed += [atom_str(a) + " is true" for a in sorted(action.pre_neg & state)]
    if not action.equality_ok:
        failed.append("an equality precondition is false")
    schema = task.schema(action.name) if task is not None else None
    if action.pre_rest and schema is not None:
        binding = {var: obj for (var, _), obj in zip(schema.params, action.args)}
        for part in schema.pre_rest:
            failed += [shown(r) for r in explain(part, binding, state, task.objects_of)]
    elif action.pre_rest:
        failed.append("a precondition formula is false")
    return failed


def unmet_goals(task: GroundTask, state: frozenset) -> list[str]:
    """The goal's literals false in `state` and, for other goal parts, why they are false."""
    unmet = [atom_str(a) + " is false" for a in sorted(task.goal_pos - state)]
    unmet += [atom_str(a) + " is true" for a in sorted(task.goal_neg & state)]
    for part in task.problem.goal_rest:
        unmet += [shown(r) for r in explain(part, {}, state, task.objects_of)]
    return unmet


@dataclass(frozen=True)
class PlanReport:
    """What checking a plan found: its violations, the cost of the steps executed, how many ran.

    `cost` is the sum of the actions' `(increase (total-cost) c)` amounts in a domain with action
    costs, else the number of steps executed.
    """

    violations: tuple[Violation, ...]
    cost: float
    executed: int

    @property
    def is_valid(self) -> bool:
        return not self.violations


def check_plan(task: GroundTask, steps: Sequence[str], constraint: str = CONSTRAINT) -> list[Violation]:
    """Violations of a plan: the first inapplicable step, then the goal atoms unmet where it stopped.

    Reasons count steps from 1 ("step 3 (stack a b): (clear b) is false"); `steps` holds 0-based indices.
    """
    return list(validate_plan(task, steps, constraint).violations)


def validate_plan(task: GroundTask, steps: Sequence[str], constraint: str = CONSTRAINT) -> PlanReport:
    """Simulate a plan: its violations (as `check_plan`) and the cost of the steps that ran."""
    violations: list[Violation] = []
    state = task.init
    cost: float = 0
    executed = 0
    for i, step in enumerate(steps):
        action, kind, reason = ground_step(task, step)
        if action is None:
            violations.append(Violation(constraint, f"step {i + 1} {step}: {reason}", kind, steps=(i,), details={"step": step}))
            break
        if not is_applicable(action, state):
            failed = failed_preconditions(action, state, task)
            violations.append(
                Violation(
                    constraint, f"step {i + 1} {step}: {', '.join(failed)}", "precondition", steps=(i,),
                    details={"step": step, "failed": failed},
                )
            )
            break
        if action.cost is None:
            schema = task.schema(action.name)
            binding = {var: obj for (var, _), obj in zip(schema.params, action.args)}
            missing = atom_str(tuple(binding.get(t, t) for t in schema.cost))
            reason = f"step {i + 1} {step}: its cost {missing} has no value in the problem's :init"
            violations.append(Violation(constraint, reason, "precondition", steps=(i,), details={"step": step, "failed": [reason]}))
            break
        state = apply(action, state)
        cost += action.cost
        executed += 1
    if not task.is_goal(state):
        unmet = unmet_goals(task, state) or ["the goal is false"]
        where = "at the end of the plan" if not violations else "before the failing step"
        violations.append(
            Violation(constraint, f"goal not reached {where}: {', '.join(unmet)}", "missing_step", details={"unmet": unmet})
        )
    return PlanReport(tuple(violations), cost, executed)
