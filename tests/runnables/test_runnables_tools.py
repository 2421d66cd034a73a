"""Planner and validator as agent tools: langchain's standard tool tests, artifacts, ToolException."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool, ToolException
from langchain_tests.integration_tests import ToolsIntegrationTests
from langchain_tests.unit_tests import ToolsUnitTests

from dream_agent.protocols import DiffusionLM
from dream_agent.runnables import DiffusionPlanner, PlanValidator
from environments import get_environment

ENV = "sudoku4x4"


def _planner_tool(model: DiffusionLM) -> BaseTool:
    return DiffusionPlanner(ENV, model=model, steps=4, max_rounds=1).as_tool()


def _givens() -> str:
    return get_environment(ENV).generate(0).givens


class _PlannerToolOnATinyModel:
    """The tool the standard suites test: the planner on a random tiny MDM."""

    @pytest.fixture(autouse=True)
    def _model(self, tiny_model) -> None:
        self._lm = tiny_model(ENV)

    @property
    def tool_constructor(self) -> BaseTool:
        return _planner_tool(self._lm)

    @property
    def tool_invoke_params_example(self) -> dict:
        return {"problem": _givens()}


class TestPlannerToolUnit(_PlannerToolOnATinyModel, ToolsUnitTests):
    pass


class TestPlannerToolIntegration(_PlannerToolOnATinyModel, ToolsIntegrationTests):
    """Runs the tool offline on a small model: ToolCall in, ToolMessage with an artifact out."""


def test_planner_tool_content_and_artifact(tiny_model):
    tool = _planner_tool(tiny_model(ENV))
    assert tool.name == f"plan_{ENV}" and tool.response_format == "content_and_artifact"
    assert "problem" in tool.args and tool.description
    message = tool.invoke({"type": "tool_call", "name": tool.name, "id": "c1", "args": {"problem": _givens()}})
    assert isinstance(message, ToolMessage) and message.tool_call_id == "c1"
    artifact = message.artifact
    assert artifact["env"] == ENV and len(artifact["plan"]) == 16 and "violations" in artifact
    assert message.content.startswith("solved" if artifact["solved"] else "not solved")


def test_planner_tool_bad_input_raises_tool_exception(tiny_model):
    tool = _planner_tool(tiny_model(ENV))
    with pytest.raises(ToolException, match="bad sudoku4x4 problem"):
        tool.invoke({"problem": "12"})
    with pytest.raises(ToolException, match="bad arguments: problem"):
        tool.invoke({"puzzle": _givens()})  # wrong argument name
    with pytest.raises(ToolException):
        asyncio.run(tool.ainvoke({"problem": "not a grid"}))
    # an agent can choose to see the error as the tool's answer instead
    tool.handle_tool_error = True
    message = tool.invoke({"type": "tool_call", "name": tool.name, "id": "c2", "args": {"problem": "12"}})
    assert message.status == "error" and "sudoku" in message.content


class TestValidatorToolUnit(ToolsUnitTests):
    @property
    def tool_constructor(self) -> BaseTool:
        return PlanValidator(ENV).as_tool()

    @property
    def tool_invoke_params_example(self) -> dict:
        env = get_environment(ENV)
        problem = env.generate(0)
        return {"problem": problem.givens, "plan": env.solve(problem)}


class TestValidatorToolIntegration(ToolsIntegrationTests):
    @property
    def tool_constructor(self) -> BaseTool:
        return PlanValidator(ENV).as_tool()

    @property
    def tool_invoke_params_example(self) -> dict:
        env = get_environment(ENV)
        problem = env.generate(0)
        return {"problem": problem.givens, "plan": env.solve(problem)}


def test_validator_tool_answers_and_errors():
    env = get_environment(ENV)
    problem = env.generate(0)
    tool = PlanValidator(ENV).as_tool()
    content, artifact = tool.func(problem=problem.givens, plan=env.solve(problem))
    assert content == "valid" and artifact == {"valid": True, "violations": []}
    wrong = "1111" + env.solve(problem)[4:]
    message = tool.invoke({"type": "tool_call", "name": tool.name, "id": "v1", "args": {"problem": problem.givens, "plan": wrong}})
    assert message.content.startswith("invalid (") and message.artifact["valid"] is False
    with pytest.raises(ToolException, match="cannot validate"):
        tool.invoke({"problem": "12", "plan": "1234"})
    with pytest.raises(ToolException, match="plan"):
        tool.invoke({"problem": problem.givens})
