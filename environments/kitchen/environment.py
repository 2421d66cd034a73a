"""The kitchen domain behind the Environment protocol, with its hard constraints (its `allowed` module)."""

from __future__ import annotations

from environments.action_plans.environment import ActionPlanEnvironment
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
    recommended_candidates = 32  # 100 every-kind tasks, local tier: 95% at 8 candidates, 97% at 16, 99% at 32 (docs/results.md)
    # the extra canvases join once the greedy draft fails: 99% of 100 every-kind tasks as before, median NFE 27 against 57
    recommended_options = {"late_candidates": True}
    problem_type = KitchenProblem
    render = _t
    generator = generate
    oracle = solve
    simulate_check = check
    step_rules = KitchenSteps
