"""`PlanValidator`: plan validation as a LangChain Runnable (no model, no torch).

Input: a dict naming the problem and the plan, e.g. `{"puzzle": ..., "solution": ...}`,
`{"numbers": ..., "target": ..., "answer": ...}`, `{"domain": ..., "problem": ..., "plan": [...]}`.
Output: `{"valid": bool, "violations": [...]}`.
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig

from constraints import InputError
from environments import get_environment
from environments.validation import read_request, validate_request


class PlanValidator(Runnable[dict, dict]):
    """Check plans against their problems and say what is wrong, step by step.

    Args:
        env: an environment or its registry name; None reads PDDL inputs
            (`{"domain", "problem", "plan"}`) and inputs that carry an `"env"` key. Inputs are read
            by `environments.validation.read_request`, as `dream-agent batch validate` reads lines.
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
        report = validate_request(item, self.env)
        out = report.to_dict()
        out.pop("environment")
        return out

    def split(self, item: Any) -> tuple[Any, Any, Any]:
        """(environment, problem, plan) from one input (`environments.validation.read_request`)."""
        return read_request(item, self.env)
