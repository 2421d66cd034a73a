"""Any PDDL domain and problem (STRIPS, ADL, action costs) as an environment: parse, ground, plan
optimally, check plans. See `environments.pddl.parsing` for what is read and what is refused.
"""

from environments.pddl.checks import PlanReport, check_plan, read_plan, validate_plan
from environments.pddl.environment import PDDLEnvironment, PDDLProblem, load_pddl
from environments.pddl.grounding import GroundAction, GroundTask, apply, ground, is_applicable
from environments.pddl.parsing import parse_domain_text, parse_problem_text
from environments.pddl.oracle import SearchResult, search
from environments.pddl.templates import NOOP, PAD, Wording

__all__ = [
    "NOOP",
    "PAD",
    "GroundAction",
    "GroundTask",
    "PDDLEnvironment",
    "PDDLProblem",
    "PlanReport",
    "SearchResult",
    "Wording",
    "apply",
    "check_plan",
    "ground",
    "is_applicable",
    "load_pddl",
    "parse_domain_text",
    "parse_problem_text",
    "read_plan",
    "search",
    "validate_plan",
]
