"""`PlanValidator`: plan validation as a LangChain Runnable (no model, no torch).

Input: a dict naming the problem and the plan, e.g. `{"puzzle": ..., "solution": ...}`,
`{"numbers": ..., "target": ..., "answer": ...}`, `{"domain": ..., "problem": ..., "plan": [...]}`.
Output: `{"valid": bool, "violations": [...]}`.
"""

from __future__ import annotations

from typing import Any, Mapping

from langchain_core.runnables import Runnable, RunnableConfig

from constraints import InputError
from environments import get_environment, validate

# Keys that may hold the plan, in the order they are looked for.
PLAN_KEYS = ("plan", "solution", "answer")


class PlanValidator(Runnable[dict, dict]):
    """Check plans against their problems and say what is wrong, step by step.

    Args:
        env: an environment or its registry name; None reads PDDL inputs
            (`{"domain", "problem", "plan"}`) and inputs that carry an `"env"` key.
        name: the run name shown in traces.
    """

    def __init__(self, env: Any = None, *, name: str | None = None) -> None:
        self.env = get_environment(env) if isinstance(env, str) else env
        self.name = name or "PlanValidator"

    def __repr__(self) -> str:
        return f"PlanValidator(env={getattr(self.env, 'name', None)!r})"

    @property
    def InputType(self) -> type:  # noqa: N802 - langchain's name
        return dict

    @property
    def OutputType(self) -> type:  # noqa: N802 - langchain's name
        return dict

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> dict:
        return self._call_with_config(self.check, input, config, run_type="parser", **kwargs)

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> dict:
        # validation is quick and CPU-bound: no thread hop needed
        return self.invoke(input, config, **kwargs)

    def batch(self, inputs: list[Any], config: RunnableConfig | list[RunnableConfig] | None = None, *, return_exceptions: bool = False, **kwargs: Any) -> list[dict]:
        """Validate every input in this thread (each gets its own traced run)."""
        return self._batch_with_config(self._check_all, inputs, config, return_exceptions=return_exceptions, run_type="parser", **kwargs)

    async def abatch(self, inputs: list[Any], config: RunnableConfig | list[RunnableConfig] | None = None, *, return_exceptions: bool = False, **kwargs: Any) -> list[dict]:
        return self.batch(inputs, config, return_exceptions=return_exceptions, **kwargs)

    def _check_all(self, inputs: list[Any]) -> list[dict | Exception]:
        out: list[dict | Exception] = []
        for item in inputs:
            try:
                out.append(self.check(item))
            except (InputError, ValueError, TypeError) as err:
                out.append(err)
        return out

    def as_tool(self, args_schema: Any = None, *, name: str | None = None, description: str | None = None, **kwargs: Any) -> Any:
        """A tool (content and artifact) that checks a plan; bad input raises ToolException."""
        from dream_agent.runnables.tools import validator_tool

        return validator_tool(self, name=name, description=description)

    def check(self, item: Any) -> dict:
        """Validate one input (see the class docstring); bad input raises InputError."""
        env, problem, plan = self.split(item)
        report = validate(env, problem, plan)
        return {"valid": report.valid, "violations": list(report.violations)}

    def split(self, item: Any) -> tuple[Any, Any, Any]:
        """(environment, problem, plan) from one input."""
        if not isinstance(item, Mapping):
            raise InputError(f"validator input must be a dict with a problem and a plan ({' / '.join(PLAN_KEYS)}), got {type(item).__name__}")
        data = dict(item)
        plan_key = next((k for k in PLAN_KEYS if k in data), None)
        if plan_key is None:
            raise InputError(f"validator input needs the plan under one of {', '.join(PLAN_KEYS)}; got keys {', '.join(map(str, data)) or '(none)'}")
        plan = data.pop(plan_key)
        env = self.env
        if "env" in data:
            env = get_environment(str(data.pop("env")))
        if "domain" in data and (env is None or getattr(env, "name", None) == "pddl"):
            return _pddl(data, plan)
        if env is None:
            raise InputError("no environment: give PlanValidator(env=...) or an \"env\" key (or PDDL \"domain\" and \"problem\")")
        problem = data.pop("problem") if set(data) == {"problem"} else data
        return env, problem, plan


def _pddl(data: dict, plan: Any) -> tuple[Any, Any, Any]:
    from environments.pddl import load_pddl, read_plan

    if "problem" not in data:
        raise InputError('a PDDL input needs "domain", "problem" and "plan"')
    env, problem = load_pddl(data["domain"], data["problem"])
    if isinstance(plan, str):
        plan = read_plan(plan)
    return env, problem, plan
