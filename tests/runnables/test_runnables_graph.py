"""LangGraph: the planner as a node (state keys in and out) and the plan -> validate -> report agent graph."""

from __future__ import annotations

import asyncio
from typing import Any, TypedDict

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.graph import END, START, StateGraph

from dream_agent.runnables import DiffusionPlanner, PlanOutput, PlanValidator, plan_check_report_graph, planner_node
from environments import get_environment

State = TypedDict("State", {"task": Any, "result": Any, "verdict": Any})


@pytest.fixture(scope="module")
def kitchen_planner(tiny_model) -> DiffusionPlanner:
    return DiffusionPlanner("kitchen", model=tiny_model("kitchen"), steps=8, max_rounds=2)


def _graph(planner):
    validator = PlanValidator("kitchen")
    graph = StateGraph(State)
    graph.add_node("plan", planner_node(planner, input_key="task", output_key="result"))
    graph.add_node("check", lambda s: {"verdict": validator.invoke({"problem": s["task"], "plan": s["result"].plan})})
    graph.add_edge(START, "plan")
    graph.add_edge("plan", "check")
    graph.add_edge("check", END)
    return graph.compile()


def test_planner_node_reads_and_writes_state_keys(kitchen_planner):
    env = get_environment("kitchen")
    problem = env.generate(0)
    out = _graph(kitchen_planner).invoke({"task": problem})
    assert isinstance(out["result"], PlanOutput) and out["result"].env == "kitchen"
    assert out["verdict"]["valid"] == out["result"].solved
    # config flows into the planner: a per-call override reaches it through the graph
    short = _graph(kitchen_planner).invoke({"task": problem}, config={"configurable": {"max_rounds": 1}})
    assert short["result"].rounds == 1
    again = asyncio.run(_graph(kitchen_planner).ainvoke({"task": problem.model_dump()}))
    assert again["result"].plan == out["result"].plan
    with pytest.raises(KeyError, match="task"):
        _graph(kitchen_planner).invoke({"result": None})


def test_agent_graph_plans_validates_and_reports(kitchen_planner):
    env = get_environment("kitchen")
    problem = env.generate(1)
    graph = plan_check_report_graph(kitchen_planner, PlanValidator("kitchen"))
    out = graph.invoke({"problem": problem, "messages": [HumanMessage(env.instruction(problem))]})
    kinds = [type(m).__name__ for m in out["messages"]]
    assert kinds == ["HumanMessage", "AIMessage", "ToolMessage", "AIMessage", "ToolMessage", "AIMessage"]
    planned, checked, final = out["messages"][2], out["messages"][4], out["messages"][-1]
    assert planned.name == "plan_kitchen" and checked.name == "validate_kitchen"
    # the validator's verdict is that of an independent check of the planned steps
    assert checked.artifact == PlanValidator("kitchen").invoke({"problem": problem, "plan": planned.artifact["plan"]})
    assert final.content.startswith(f"Plan ({len(planned.artifact['plan'])} steps")
    assert ("accepts" in final.content) == checked.artifact["valid"]


def test_agent_graph_reports_a_bad_problem(kitchen_planner):
    graph = plan_check_report_graph(kitchen_planner, PlanValidator("kitchen"))
    out = graph.invoke({"problem": {"layout": "nowhere"}, "messages": [HumanMessage("do it")]})
    tool_message = next(m for m in out["messages"] if isinstance(m, ToolMessage))
    assert tool_message.status == "error"
    last = out["messages"][-1]
    assert isinstance(last, AIMessage) and last.content.startswith("I could not plan this task")
