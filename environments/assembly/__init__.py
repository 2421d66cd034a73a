"""Robot assembly: parts with a precedence DAG, tool changes, glue cure times, fixtures and timed inspections."""

from __future__ import annotations

import json
from typing import Any, Mapping

from pydantic import BaseModel, ValidationError

from constraints import InputError, Template, Violation
from environments.action_text import format_action, parse_action
from environments.assembly import render as _r
from environments.assembly.generator import Instance, generate
from environments.assembly.model import TOOLS, AssemblyProblem, Part, Subassembly, find_cycle
from environments.assembly.render import plan_to_pddl, to_pddl
from environments.assembly.simulator import check, makespan, simulate
from environments.assembly.solver import Solution, optimize, solve

__all__ = [
    "TOOLS", "AssemblyEnvironment", "AssemblyProblem", "Instance", "Part", "Solution", "Subassembly", "check",
    "find_cycle", "generate", "makespan", "optimize", "plan_to_pddl", "simulate", "solve", "to_pddl",
]


class AssemblyEnvironment:
    """The assembly domain behind the Environment protocol; plans are lists of action strings, cost is makespan.

    Violation reasons cite steps 0-based, matching `Violation.steps` (the text template numbers lines from 1).
    """

    name = "assembly"
    problem_type = AssemblyProblem

    def parse_problem(self, data: Any) -> AssemblyProblem:
        if isinstance(data, AssemblyProblem):
            return data
        try:
            if isinstance(data, (str, bytes)):
                return AssemblyProblem.model_validate_json(data)
            if isinstance(data, Mapping):
                return AssemblyProblem.model_validate(dict(data))
        except (ValidationError, json.JSONDecodeError) as err:
            if isinstance(err, ValidationError):
                first = err.errors()[0]
                where = ".".join(str(x) for x in first.get("loc", ()))
                msg = str(first.get("ctx", {}).get("error", first["msg"]))
                raise InputError(f"bad assembly problem{' at ' + where if where else ''}: {msg}") from None
            raise InputError(f"bad assembly problem: {err}") from None
        raise InputError(f"an assembly problem is an AssemblyProblem, a dict or JSON text, not {type(data).__name__}")

    def generate(self, seed: int, **knobs: Any) -> AssemblyProblem:
        return generate(seed, **knobs).problem

    def solve(self, problem: BaseModel) -> list[str] | None:
        return solve(self.parse_problem(problem))

    def template(self, problem: BaseModel, rendering: str = "compact") -> Template:
        return _r.template(self.parse_problem(problem), rendering)

    def plan_to_values(self, problem: BaseModel, plan: Any, rendering: str = "compact") -> dict[str, str]:
        return _r.plan_to_values(self.parse_problem(problem), self.format_plan(plan), rendering)

    def parse_plan(self, problem: BaseModel, values: Mapping[str, str], rendering: str = "compact") -> list[str]:
        return _r.step_slots(self.parse_problem(problem), values, rendering)[0]

    def check(self, problem: BaseModel, plan: Any) -> list[Violation]:
        problem = self.parse_problem(problem)
        plan = self.format_plan(plan)
        found = check(problem, plan)
        over = list(range(problem.max_steps, len(plan)))
        if over:
            found.append(Violation("max_steps", f"steps {over[0]}-{over[-1]}: the plan may have at most {problem.max_steps} steps",
                                   "extra_step", steps=tuple(over)))
        return found

    def check_values(self, problem: BaseModel, values: Mapping[str, str], rendering: str = "compact") -> list[Violation]:
        problem = self.parse_problem(problem)
        plan, slots = _r.step_slots(problem, values, rendering)
        empty = _first_empty(problem, slots, rendering)
        out = []
        for v in self.check(problem, plan):
            names = [s for i in v.steps if i < len(slots) for s in slots[i]] if v.steps else list(empty or (slots[-1] if slots else ()))
            out.append(Violation(v.constraint, v.reason, v.kind, tuple(dict.fromkeys(names)), v.steps, v.cells, v.details))
        return out

    def vocabulary(self) -> list[str]:
        return _r.vocabulary()

    def format_plan(self, plan: Any) -> list[str]:
        """Action strings in canonical spelling ("screw(frame)"); unparseable steps are kept as given."""
        if isinstance(plan, str):
            plan = [line for line in plan.splitlines() if line.strip()]
        if not isinstance(plan, (list, tuple)):
            raise InputError(f"an assembly plan is a list of action strings, not {type(plan).__name__}")
        return [format_action(*parse_action(str(s))) if parse_action(str(s)) else str(s) for s in plan]

    def instruction(self, problem: BaseModel) -> str:
        """The task as a natural-language instruction."""
        return _r.instruction(self.parse_problem(problem))


def _first_empty(problem: AssemblyProblem, used: list[tuple[str, ...]], rendering: str) -> tuple[str, ...]:
    taken = {group[0] for group in used}
    for i in range(problem.max_steps):
        group = (f"s{i}",) if rendering == "text" else (f"s{i}_act", f"s{i}_arg")
        if group[0] not in taken:
            return group
    return ()
