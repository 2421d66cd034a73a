"""Robot kitchen: a mobile manipulator with one gripper sequencing household tasks (SayCan/ALFWorld style)."""

from environments.kitchen.checks import check, plan_cost, simulate
from environments.kitchen.environment import KitchenEnvironment
from environments.kitchen.generator import Instance, generate
from environments.kitchen.oracle import SearchResult, search, solve
from environments.kitchen.pddl import plan_to_pddl, to_pddl, unexported
from environments.kitchen.problem import TASKS, GoalItem, KitchenObject, KitchenProblem

__all__ = [
    "TASKS", "GoalItem", "Instance", "KitchenEnvironment", "KitchenObject", "KitchenProblem", "SearchResult", "check",
    "generate", "plan_cost", "plan_to_pddl", "search", "simulate", "solve", "to_pddl", "unexported",
]
