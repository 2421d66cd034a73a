"""Robot kitchen: a mobile manipulator with one gripper sequencing household tasks (SayCan/ALFWorld style)."""

from __future__ import annotations

import json
from typing import Any, Mapping

from pydantic import BaseModel, ValidationError

from constraints import InputError, Template, Violation
from environments.action_text import format_action, parse_action
from environments.kitchen import templates as _t
from environments.kitchen.allowed import kitchen_allowed_values
from environments.kitchen.generator import Instance, generate
from environments.kitchen.pddl import plan_to_pddl, to_pddl, unexported
from environments.kitchen.search import SearchResult, search, solve
from environments.kitchen.simulator import check, plan_cost, simulate
from environments.kitchen.world import TASKS, GoalItem, KitchenObject, KitchenProblem

__all__ = [
    "TASKS", "GoalItem", "Instance", "KitchenEnvironment", "KitchenObject", "KitchenProblem", "SearchResult", "check",
    "generate", "plan_cost", "plan_to_pddl", "search", "simulate", "solve", "to_pddl", "unexported",
]


def _blame_slots(v: Violation, slots: list[tuple[str, ...]], empty: tuple[str, ...]) -> Violation:
    names = [s for i in v.steps if i < len(slots) for s in slots[i]]
    if not v.steps:
        names = list(empty or (slots[-1] if slots else ()))
    return Violation(v.constraint, v.reason, v.kind, tuple(dict.fromkeys(names)), v.steps, v.cells, v.details)


class KitchenEnvironment:
    """The kitchen domain behind the Environment protocol. Plans are lists of action strings.

    Violation reasons cite steps 0-based, matching `Violation.steps` (the text template numbers lines from 1).
    """

    name = "kitchen"
    problem_type = KitchenProblem

    def parse_problem(self, data: Any) -> KitchenProblem:
        if isinstance(data, KitchenProblem):
            return data
        try:
            if isinstance(data, (str, bytes)):
                return KitchenProblem.model_validate_json(data)
            if isinstance(data, Mapping):
                return KitchenProblem.model_validate(dict(data))
        except (ValidationError, json.JSONDecodeError) as err:
            first = err.errors()[0] if isinstance(err, ValidationError) else {"msg": str(err), "loc": ()}
            where = ".".join(str(p) for p in first.get("loc", ()))
            raise InputError(f"bad kitchen problem{' at ' + where if where else ''}: {first['msg']}") from None
        raise InputError(f"a kitchen problem is a KitchenProblem, a dict or JSON text, not {type(data).__name__}")

    def generate(self, seed: int, **knobs: Any) -> KitchenProblem:
        return generate(seed, **knobs).problem

    def solve(self, problem: BaseModel) -> list[str] | None:
        return solve(self.parse_problem(problem))

    def template(self, problem: BaseModel, rendering: str = "compact") -> Template:
        return _t.template(self.parse_problem(problem), rendering)

    def plan_to_values(self, problem: BaseModel, plan: Any, rendering: str = "compact") -> dict[str, str]:
        return _t.plan_to_values(self.parse_problem(problem), self.format_plan(plan), rendering)

    def parse_plan(self, problem: BaseModel, values: Mapping[str, str], rendering: str = "compact") -> list[str]:
        return _t.step_slots(self.parse_problem(problem), values, rendering)[0]

    def check(self, problem: BaseModel, plan: Any) -> list[Violation]:
        problem = self.parse_problem(problem)
        plan = self.format_plan(plan)
        found = check(problem, plan)
        over = [i for i in range(problem.max_steps, len(plan))]
        if over:
            found.append(Violation("max_steps", f"steps {over[0]}-{over[-1]}: the plan may have at most {problem.max_steps} steps",
                                   "extra_step", steps=tuple(over)))
        return found

    def check_values(self, problem: BaseModel, values: Mapping[str, str], rendering: str = "compact") -> list[Violation]:
        problem = self.parse_problem(problem)
        plan, slots = _t.step_slots(problem, values, rendering)
        empty = _t.empty_step_slots(problem, values, rendering)
        return [_blame_slots(v, slots, empty) for v in self.check(problem, plan)]

    def allowed_values(self, problem: BaseModel, partial: Mapping[str, str | None], rendering: str = "compact") -> dict[str, set[str]]:
        """Hard constraints (compact rendering): actions that take effect after a committed prefix,
        typed arguments elsewhere (see `environments.kitchen.allowed`); the text rendering gets none."""
        if rendering != "compact":
            return {}
        return kitchen_allowed_values(self.parse_problem(problem), partial)

    def fill_order(self, problem: BaseModel, rendering: str = "compact") -> list[list[str]]:
        """Slot groups in the order a planner best commits them: one step after another."""
        n = self.parse_problem(problem).max_steps
        return [[f"s{i}_act", f"s{i}_a1", f"s{i}_a2"] if rendering == "compact" else [f"s{i}"] for i in range(n)]

    def vocabulary(self) -> list[str]:
        return _t.vocabulary()

    def format_plan(self, plan: Any) -> list[str]:
        """Action strings in canonical spelling ("place(mug, cabinet)"); unparseable steps are kept as given."""
        if isinstance(plan, str):
            plan = [line for line in plan.splitlines() if line.strip()]
        if not isinstance(plan, (list, tuple)):
            raise InputError(f"a kitchen plan is a list of action strings, not {type(plan).__name__}")
        out = []
        for step in plan:
            parsed = parse_action(str(step))
            out.append(format_action(*parsed) if parsed else str(step))
        return out

    def instruction(self, problem: BaseModel) -> str:
        """The task as a natural-language instruction."""
        return _t.instruction(self.parse_problem(problem))
