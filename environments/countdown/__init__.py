"""Countdown (Dream's CD3/CD4/CD5) as an environment: problems, generator, oracle, templates, checks, rules."""

from environments.countdown.allowed import countdown_allowed_values, countdown_local_values
from environments.countdown.checks import check_equations
from environments.countdown.environment import CountdownEnv
from environments.countdown.generator import generate, random_instance
from environments.countdown.oracle import OPS, Equation, apply, parse_equation, solve_countdown
from environments.countdown.problem import CountdownProblem, parse_countdown
from environments.countdown.templates import PARTS, split_answer

__all__ = [
    "OPS",
    "PARTS",
    "CountdownEnv",
    "CountdownProblem",
    "Equation",
    "apply",
    "check_equations",
    "countdown_allowed_values",
    "countdown_local_values",
    "generate",
    "parse_countdown",
    "parse_equation",
    "random_instance",
    "solve_countdown",
    "split_answer",
]
