"""Any STRIPS PDDL domain and problem as an environment: parse, ground, plan optimally, check plans.

Parsing uses the `pddl` package; see `environments.pddl.parsing` for why.
"""

from environments.pddl.checks import check_plan, read_plan
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
]
