"""The assembly domain behind the Environment protocol, with its hard constraints (its `allowed` module)."""

from __future__ import annotations

from environments.action_plans.environment import ActionPlanEnvironment
from environments.assembly import templates as _t
from environments.assembly.allowed import AssemblySearchSteps, AssemblySteps
from environments.assembly.checks import check
from environments.assembly.generator import generate
from environments.assembly.oracle import solve
from environments.assembly.problem import AssemblyProblem


class AssemblyEnvironment(ActionPlanEnvironment):
    """The assembly domain behind the Environment protocol; plans are lists of action strings, cost is makespan.

    Violation reasons cite steps 0-based, matching `Violation.steps` (the text template numbers lines from 1).
    """

    name = "assembly"
    recommended_candidates = 8  # 30 tasks of 3-6 parts, local tier: 33.3% at 1 candidate, 53.3% at 8 (docs/results.md)
    # the extra canvases join once the greedy draft fails: 96.7% of 30 tasks as before, median NFE 50 against 92
    recommended_options = {"late_candidates": True}
    problem_type = AssemblyProblem
    render = _t
    generator = generate
    oracle = solve
    simulate_check = check
    step_rules = AssemblySteps
    search_step_rules = AssemblySearchSteps
