"""The kitchen domain behind the Environment protocol, with its hard constraints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from environments.action_plans.environment import ActionPlanEnvironment
from environments.base import BoundRules, SlotRules, Tier, check_tier, no_values
from environments.kitchen import templates as _t
from environments.kitchen.allowed import KitchenSteps
from environments.kitchen.checks import check
from environments.kitchen.generator import generate
from environments.kitchen.oracle import solve
from environments.kitchen.problem import KitchenProblem


class KitchenEnvironment(ActionPlanEnvironment):
    """The kitchen domain behind the Environment protocol. Plans are lists of action strings.

    Violation reasons cite steps 0-based, matching `Violation.steps` (the text template numbers lines from 1).
    """

    name = "kitchen"
    recommended_candidates = 8
    problem_type = KitchenProblem
    render = _t
    generator = generate
    oracle = solve
    simulate_check = check
    _generated: tuple[KitchenProblem, list[str]] | None = None  # the last generated task and its oracle plan

    def generate(self, seed: int, **knobs: Any) -> KitchenProblem:
        """A random solvable task (see `environments.kitchen.generator.generate`). The generator's
        search already found its optimal plan: it is kept, so `solve` on the task right after
        (training data) does not search again."""
        instance = generate(seed, **knobs)
        self._generated = (instance.problem, instance.plan)
        return instance.problem

    def solve(self, problem: Any) -> list[str] | None:
        """An optimal plan (the oracle's), or None when the task cannot be done."""
        problem = self.parse_problem(problem)
        if self._generated is not None and self._generated[0] == problem:
            return list(self._generated[1])
        return solve(problem)

    def slot_rules(self, problem: BaseModel, rendering: str = "compact", tier: Tier = "local") -> SlotRules:
        """Hard constraints (compact rendering): actions that take effect after a committed prefix,
        typed arguments elsewhere (see `environments.kitchen.allowed`); the text rendering gets none.
        Either way steps are committed one after another. These rules are local; the search tier
        adds nothing here."""
        check_tier(tier)
        problem = self.parse_problem(problem)
        n = problem.max_steps
        if rendering != "compact":
            return BoundRules(no_values, tuple((f"s{i}",) for i in range(n)))
        return BoundRules(KitchenSteps(problem), tuple((f"s{i}_act", f"s{i}_a1", f"s{i}_a2") for i in range(n)))
