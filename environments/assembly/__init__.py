"""Robot assembly: parts with a precedence DAG, tool changes, glue cure times, fixtures and timed inspections."""

from environments.assembly.checks import check, makespan, simulate
from environments.assembly.environment import AssemblyEnvironment
from environments.assembly.generator import Instance, generate
from environments.assembly.oracle import Solution, optimize, solve
from environments.assembly.problem import TOOLS, AssemblyProblem, Part, Subassembly, find_cycle
from environments.assembly.templates import plan_to_pddl, to_pddl

__all__ = [
    "TOOLS", "AssemblyEnvironment", "AssemblyProblem", "Instance", "Part", "Solution", "Subassembly", "check",
    "find_cycle", "generate", "makespan", "optimize", "plan_to_pddl", "simulate", "solve", "to_pddl",
]
