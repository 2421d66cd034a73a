"""Agent tools over the planner and the validator.

Each tool has an `args_schema`, answers with a short text for the model plus the full result as
artifact (`response_format="content_and_artifact"`), and raises `ToolException` on bad input.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_core.tools import StructuredTool, ToolException
from pydantic import BaseModel, Field, ValidationError, create_model

from constraints import InputError


class DreamTool(StructuredTool):
    """A StructuredTool whose malformed arguments raise `ToolException` (one clear line)."""

    def _parse_input(self, tool_input: str | dict[str, Any], tool_call_id: str | None) -> str | dict[str, Any]:
        try:
            return super()._parse_input(tool_input, tool_call_id)
        except ValidationError as err:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'input'}: {e['msg']}" for e in err.errors())
            raise ToolException(f"{self.name}: bad arguments: {problems}") from None


def _problem_help(env: Any) -> str:
    doc = (env.problem_type.__doc__ or "").strip().splitlines()
    example = ""
    try:
        sample = env.generate(0)
        example = " Example: " + json.dumps(sample.model_dump(mode="json"))
    except Exception:  # noqa: BLE001 - an example is a nicety; some environments need knobs
        example = ""
    return f"The {env.name} problem: a string or an object with its fields. {doc[0] if doc else ''}{example}"


def planner_tool(planner: Any, *, name: str | None = None, description: str | None = None, args_schema: type[BaseModel] | None = None) -> DreamTool:
    """A tool that plans one problem with `planner` (a DiffusionPlanner)."""
    env = planner.env
    schema = args_schema or create_model(
        f"{env.name.title().replace('_', '')}PlanRequest",
        problem=(str | dict[str, Any], Field(description=_problem_help(env))),
        __doc__=f"A {env.name} problem to plan.",
    )

    def _answer(result: Any) -> tuple[str, dict[str, Any]]:
        return result.summary(), result.model_dump(mode="json")

    def plan(problem: Any) -> tuple[str, dict[str, Any]]:
        try:
            return _answer(planner.invoke(problem))
        except (InputError, ValueError, TypeError) as err:
            raise ToolException(f"bad {env.name} problem: {err}") from None

    async def aplan(problem: Any) -> tuple[str, dict[str, Any]]:
        try:
            return _answer(await planner.ainvoke(problem))
        except (InputError, ValueError, TypeError) as err:
            raise ToolException(f"bad {env.name} problem: {err}") from None

    return DreamTool.from_function(
        func=plan,
        coroutine=aplan,
        name=name or f"plan_{env.name}",
        description=description or f"Plan a {env.name} problem with a masked diffusion planner; the plan is checked by the {env.name} rules and the answer says whether it is valid.",
        args_schema=schema,
        response_format="content_and_artifact",
    )


class ValidateRequest(BaseModel):
    """A plan to check against its problem."""

    problem: str | dict[str, Any] = Field(description="the problem: a string or an object with its fields (for PDDL: the problem text)")
    plan: str | list[str] = Field(description="the plan: a solution string, an answer, or a list of actions")
    domain: str | None = Field(default=None, description="PDDL only: the domain text")


def validator_tool(validator: Any, *, name: str | None = None, description: str | None = None) -> DreamTool:
    """A tool that checks a plan with `validator` (a PlanValidator)."""
    env_name = getattr(validator.env, "name", None) or "pddl"

    def check(problem: Any, plan: Any, domain: str | None = None) -> tuple[str, dict[str, Any]]:
        item: dict[str, Any] = {"problem": problem, "plan": plan}
        if domain is not None:
            item["domain"] = domain
        try:
            report = validator.invoke(item)
        except (InputError, ValueError, TypeError) as err:
            raise ToolException(f"cannot validate: {err}") from None
        if report["valid"]:
            return "valid", report
        reasons = "; ".join(v["reason"] for v in report["violations"][:5])
        return f"invalid ({len(report['violations'])} violations): {reasons}", report

    return DreamTool.from_function(
        func=check,
        name=name or f"validate_{env_name}",
        description=description or f"Check a {env_name} plan against its problem; says what is wrong and where.",
        args_schema=ValidateRequest,
        response_format="content_and_artifact",
    )
