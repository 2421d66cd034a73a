"""Robot kitchen: a mobile manipulator with one gripper sequencing household tasks (SayCan/ALFWorld style)."""

from __future__ import annotations

import functools

from pydantic import BaseModel

from environments.action_plan import ActionPlanEnvironment
from environments.kitchen import templates as _t
from environments.base import BoundRules, SlotRules, no_values
from environments.kitchen.allowed import kitchen_allowed_values, typed_steps
from environments.kitchen.generator import Instance, generate
from environments.kitchen.pddl import plan_to_pddl, to_pddl, unexported
from environments.kitchen.search import SearchResult, search, solve
from environments.kitchen.simulator import check, plan_cost, simulate
from environments.kitchen.world import TASKS, GoalItem, KitchenObject, KitchenProblem

__all__ = [
    "TASKS", "GoalItem", "Instance", "KitchenEnvironment", "KitchenObject", "KitchenProblem", "SearchResult", "check",
    "generate", "plan_cost", "plan_to_pddl", "search", "simulate", "solve", "to_pddl", "unexported",
]


class KitchenEnvironment(ActionPlanEnvironment):
    """The kitchen domain behind the Environment protocol. Plans are lists of action strings.

    Violation reasons cite steps 0-based, matching `Violation.steps` (the text template numbers lines from 1).
    """

    name = "kitchen"
    problem_type = KitchenProblem
    render = _t
    generator = generate
    oracle = solve
    simulate_check = check

    def slot_rules(self, problem: BaseModel, rendering: str = "compact") -> SlotRules:
        """Hard constraints (compact rendering): actions that take effect after a committed prefix,
        typed arguments elsewhere (see `environments.kitchen.allowed`); the text rendering gets none.
        Either way steps are committed one after another."""
        problem = self.parse_problem(problem)
        n = problem.max_steps
        if rendering != "compact":
            return BoundRules(no_values, tuple((f"s{i}",) for i in range(n)))
        allowed = functools.partial(kitchen_allowed_values, problem, every=typed_steps(problem))
        return BoundRules(allowed, tuple((f"s{i}_act", f"s{i}_a1", f"s{i}_a2") for i in range(n)))
