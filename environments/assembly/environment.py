"""The assembly domain behind the Environment protocol, with its hard constraints."""

from __future__ import annotations

from pydantic import BaseModel

from constraints import InputError
from environments.action_plans.environment import ActionPlanEnvironment
from environments.assembly import templates as _t
from environments.assembly.allowed import AssemblySteps
from environments.assembly.checks import check
from environments.assembly.generator import generate
from environments.assembly.oracle import solve
from environments.assembly.problem import AssemblyProblem
from environments.base import RENDERINGS, BoundRules, SlotRules, Tier, check_tier, no_values


class AssemblyEnvironment(ActionPlanEnvironment):
    """The assembly domain behind the Environment protocol; plans are lists of action strings, cost is makespan.

    Violation reasons cite steps 0-based, matching `Violation.steps` (the text template numbers lines from 1).
    """

    name = "assembly"
    problem_type = AssemblyProblem
    render = _t
    generator = generate
    oracle = solve
    simulate_check = check

    def slot_rules(self, problem: BaseModel, rendering: str = "compact", tier: Tier = "local") -> SlotRules:
        """Hard constraints (compact rendering): actions that take effect after a committed prefix,
        typed arguments elsewhere (see `environments.assembly.allowed`); the text rendering gets none.
        Either way steps are committed one after another. These rules are local; the search tier
        adds nothing here."""
        check_tier(tier)
        problem = self.parse_problem(problem)
        n = problem.max_steps
        if rendering not in RENDERINGS:
            raise InputError(f"unknown rendering {rendering!r}; renderings: {', '.join(RENDERINGS)}")
        if rendering == "text":
            return BoundRules(no_values, tuple((f"s{i}",) for i in range(n)))
        return BoundRules(AssemblySteps(problem), tuple((f"s{i}_act", f"s{i}_arg") for i in range(n)))
