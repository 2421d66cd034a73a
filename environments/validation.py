"""Plan validation for any environment: a problem and a plan in, a JSON-ready report out.

`validate_request` reads one request as a dict (the form `PlanValidator` and `dream-agent batch
validate` take) and validates it, so both give the same verdict by construction.
"""

from __future__ import annotations

from typing import Any, Mapping

from pydantic import BaseModel, Field

from constraints.errors import InputError
from environments.base import Environment

# Keys that may hold the plan, in the order they are looked for.
PLAN_KEYS = ("plan", "solution", "answer")


class ValidationReport(BaseModel):
    """The verdict on one plan.

    Each violation is `Violation.to_dict()` plus `step`: the first blamed 0-based step, or None.
    For PDDL, `cost` is the cost of the steps that ran (total-cost under `:action-costs`, else one
    per step) and `executed` how many steps ran before the first failing one; other environments
    leave both None.
    """

    environment: str
    valid: bool
    violations: list[dict[str, Any]] = Field(default_factory=list)
    cost: float | None = None
    executed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: `cost` and `executed` appear only where the environment has them."""
        return self.model_dump(exclude={name for name in ("cost", "executed") if getattr(self, name) is None})


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
    from environments.pddl.environment import PDDLEnvironment  # the registry imports this module

    if not isinstance(problem, env.problem_type):
        problem = env.parse_problem(problem)
    cost = executed = None
    if isinstance(env, PDDLEnvironment):
        report = env.report(problem, plan)
        violations, cost, executed = list(report.violations), report.cost, report.executed
    else:
        violations = env.check(problem, plan)
    rows = []
    for v in violations:
        row = v.to_dict()
        row["step"] = v.steps[0] if v.steps else None
        rows.append(row)
    return ValidationReport(environment=env.name, valid=not violations, violations=rows, cost=cost, executed=executed)


def read_request(item: Any, env: Environment | str | None = None) -> tuple[Environment, Any, Any]:
    """(environment, problem, plan) from one request dict.

    The plan is under one of PLAN_KEYS; the rest is the problem (or its `"problem"` key alone).
    The environment is `item["env"]`, else `env`, else PDDL when the request has `"domain"`
    (`{"domain", "problem", "plan"}`: file paths or PDDL text).

    Raises:
        InputError: not a dict, no plan, no environment to read it with, or an unknown env name.

    >>> env, problem, plan = read_request({"numbers": "3,4", "target": 7, "answer": "3+4=7"}, "countdown")
    >>> env.name, plan
    ('countdown', '3+4=7')
    """
    from environments import get_environment  # the registry imports this module

    if not isinstance(item, Mapping):
        raise InputError(f"a validation request must be a dict with a problem and a plan ({' / '.join(PLAN_KEYS)}), "
                         f"got {type(item).__name__}")
    data = dict(item)
    plan_key = next((k for k in PLAN_KEYS if k in data), None)
    if plan_key is None:
        raise InputError(f"a validation request needs the plan under one of {', '.join(PLAN_KEYS)}; "
                         f"got keys {', '.join(map(str, data)) or '(none)'}")
    plan = data.pop(plan_key)
    if "env" in data:
        env = get_environment(data.pop("env"))  # a non-string name is an InputError too
    elif isinstance(env, str):
        env = get_environment(env)
    if "domain" in data and (env is None or getattr(env, "name", None) == "pddl"):
        return _pddl(data, plan)
    if env is None:
        raise InputError('no environment: give an "env" key or a default environment (or PDDL "domain" and "problem")')
    problem = data.pop("problem") if set(data) == {"problem"} else data
    return env, problem, plan


def validate_request(item: Any, env: Environment | str | None = None) -> ValidationReport:
    """Validate one request dict (see `read_request`); bad input raises InputError.

    >>> validate_request({"env": "countdown", "numbers": "3,4", "target": 7, "answer": "3+4=8"}).valid
    False
    """
    return validate(*read_request(item, env))


def _pddl(data: dict, plan: Any) -> tuple[Any, Any, Any]:
    from environments.pddl import load_pddl, read_plan

    if "problem" not in data:
        raise InputError('a PDDL request needs "domain", "problem" and "plan"')
    env, problem = load_pddl(data["domain"], data["problem"])
    if isinstance(plan, str):
        plan = read_plan(plan)
    return env, problem, plan
