"""Plan validation for any environment: a problem and a plan in, a JSON-ready report out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from environments.base import Environment


class ValidationReport(BaseModel):
    """The verdict on one plan.

    Each violation is `Violation.to_dict()` plus `step`: the first blamed 0-based step, or None.
    """

    environment: str
    valid: bool
    violations: list[dict[str, Any]] = Field(default_factory=list)


def validate(env: Environment | str, problem: Any, plan: Any) -> ValidationReport:
    """Check `plan` against `problem` in `env`.

    Args:
        env: the environment, or its registry name ("sudoku", "countdown", ...).
        problem: a problem of `env.problem_type`, or anything `env.parse_problem` reads.
        plan: the plan in any form `env.check` accepts (a solution string, an answer, a list of actions).

    Raises:
        InputError: when `problem` cannot be read (a bad plan is a report, never an error).

    >>> validate("countdown", "3,4,7", "3+4=7").valid
    True
    """
    if isinstance(env, str):
        from environments import get_environment  # the registry imports this module

        env = get_environment(env)
    if not isinstance(problem, env.problem_type):
        problem = env.parse_problem(problem)
    violations = env.check(problem, plan)
    rows = []
    for v in violations:
        row = v.to_dict()
        row["step"] = v.steps[0] if v.steps else None
        rows.append(row)
    return ValidationReport(environment=env.name, valid=not violations, violations=rows)
