"""LangGraph: a planner as a graph node (state keys in and out), and a plan -> validate -> report agent graph.

`planner_node` needs no langgraph import; `plan_check_report_graph` needs the `langgraph` extra.
"""

from __future__ import annotations

from typing import Any, Mapping

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda


def planner_node(planner: Any, *, input_key: str = "problem", output_key: str = "plan_result", name: str | None = None) -> RunnableLambda:
    """A graph node that reads `state[input_key]`, plans it, and writes the result to `output_key`.

    Args:
        planner: a DiffusionPlanner.
        input_key: the state key holding the problem (model, dict or string).
        output_key: the state key that receives the `PlanOutput`.
        name: the node's run name (default "plan_<env>").

    Returns:
        A Runnable (sync and async) to pass to `StateGraph.add_node`; the run config, callbacks and
        `configurable` overrides flow through to the planner.
    """

    def read(state: Mapping[str, Any]) -> Any:
        if input_key not in state or state[input_key] is None:
            raise KeyError(f"planner node: the graph state has no {input_key!r} (keys: {', '.join(map(str, state))})")
        return state[input_key]

    def run(state: Mapping[str, Any], config: RunnableConfig) -> dict[str, Any]:
        return {output_key: planner.invoke(read(state), config)}

    async def arun(state: Mapping[str, Any], config: RunnableConfig) -> dict[str, Any]:
        return {output_key: await planner.ainvoke(read(state), config)}

    return RunnableLambda(run, afunc=arun, name=name or f"plan_{planner.env.name}")


def plan_check_report_graph(planner: Any, validator: Any) -> Any:
    """An agent graph: the agent calls the planner tool, then the validator tool, then reports.

    State: `messages` (the conversation) and `problem` (what to plan). The agent is a small rule-based
    policy so the graph runs offline; replace the `agent` node with a tool-calling chat model bound
    to the same tools to let a language model decide.

    Returns:
        The compiled graph; invoke it with `{"problem": ..., "messages": [HumanMessage(...)]}`.
    """
    from typing import Annotated, TypedDict

    from langgraph.graph import END, START, StateGraph
    from langgraph.graph.message import add_messages
    from langgraph.prebuilt import ToolNode

    plan_tool, check_tool = planner.as_tool(), validator.as_tool()

    # functional form: the annotations must be real objects for langgraph, not postponed strings
    State = TypedDict("State", {"messages": Annotated[list[BaseMessage], add_messages], "problem": Any})

    def agent(state: Mapping[str, Any]) -> dict[str, Any]:
        results = {m.name: m for m in state["messages"] if isinstance(m, ToolMessage)}
        if plan_tool.name not in results:
            call = {"name": plan_tool.name, "args": {"problem": _jsonable(state["problem"])}, "id": "plan-1", "type": "tool_call"}
            return {"messages": [AIMessage(content="Planning the task.", tool_calls=[call])]}
        planned = results[plan_tool.name]
        if planned.status == "error":
            return {"messages": [AIMessage(content=f"I could not plan this task: {planned.content}")]}
        if check_tool.name not in results:
            plan = planned.artifact["plan"]
            call = {"name": check_tool.name, "args": {"problem": _jsonable(state["problem"]), "plan": plan}, "id": "check-1", "type": "tool_call"}
            return {"messages": [AIMessage(content="Checking the plan.", tool_calls=[call])]}
        return {"messages": [AIMessage(content=report(planned.artifact, results[check_tool.name].artifact))]}

    def route(state: Mapping[str, Any]) -> str:
        last = state["messages"][-1]
        return "tools" if isinstance(last, AIMessage) and last.tool_calls else END

    graph = StateGraph(State)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode([plan_tool, check_tool], handle_tool_errors=True))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", route, ["tools", END])
    graph.add_edge("tools", "agent")
    return graph.compile()


def report(plan: Mapping[str, Any], verdict: Mapping[str, Any]) -> str:
    """The agent's final words: the plan, and whether the validator accepts it (and why not)."""
    steps = plan["plan"] if isinstance(plan["plan"], list) else [plan["plan"]]
    lines = [f"Plan ({len(steps)} steps, {plan['rounds']} refine rounds, {plan['nfe']} model calls):"]
    lines += [f"  {i + 1}. {step}" for i, step in enumerate(steps)]
    if verdict["valid"]:
        lines.append("The validator accepts this plan.")
    else:
        lines.append(f"The validator rejects this plan ({len(verdict['violations'])} violations):")
        lines += [f"  - {v['reason']}" for v in verdict["violations"][:5]]
    return "\n".join(lines)


def _jsonable(problem: Any) -> Any:
    return problem.model_dump(mode="json") if hasattr(problem, "model_dump") else problem


__all__ = ["plan_check_report_graph", "planner_node", "report"]
