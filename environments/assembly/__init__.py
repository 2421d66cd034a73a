"""Robot assembly: parts with a precedence DAG, tool changes, glue cure times, fixtures and timed inspections."""

from __future__ import annotations

from environments.action_plan import ActionPlanEnvironment
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


class AssemblyEnvironment(ActionPlanEnvironment):
    """The assembly domain behind the Environment protocol; plans are lists of action strings, cost is makespan.

    Violation reasons cite steps 0-based, matching `Violation.steps` (the text template numbers lines from 1).
    """

    name = "assembly"
    problem_type = AssemblyProblem
    render = _r
    generator = generate
    oracle = solve
    simulate_check = check
