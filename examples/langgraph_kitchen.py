"""LangGraph: an agent plans a kitchen task with the planner tool, validates it, and reports;
plus the planner as a plain graph node reading and writing state keys.

Run with the package and its `langgraph` extra installed (`pip install -e ".[langgraph]"`):
    python examples/langgraph_kitchen.py [--model DIR] [--seed 1]
Without --model the planner uses the shipped kitchen model, which solves about 40% of fresh tasks
(see its card): other seeds show the validator rejecting a plan and saying why.
"""

from __future__ import annotations

import argparse
from typing import Any, TypedDict

from langchain_core.messages import HumanMessage
from langgraph.graph import END, START, StateGraph

from dream_agent.runnables import DiffusionPlanner, PlanValidator, plan_check_report_graph, planner_node
from environments import get_environment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="checkpoint directory (default: the shipped kitchen model)")
    parser.add_argument("--seed", type=int, default=1, help="which generated kitchen task")
    args = parser.parse_args()

    env = get_environment("kitchen")
    task = env.generate(args.seed)
    planner = DiffusionPlanner(env, model=args.model, max_rounds=8)

    # 1. The agent graph: agent -> planner tool -> agent -> validator tool -> agent -> report.
    agent = plan_check_report_graph(planner, PlanValidator(env))
    state = agent.invoke({"problem": task, "messages": [HumanMessage(env.instruction(task))]})
    for message in state["messages"]:
        print(f"[{type(message).__name__}] {message.content}")

    # 2. The planner as a node in your own graph: state["task"] in, state["plan"] out.
    State = TypedDict("State", {"task": Any, "plan": Any})
    graph = StateGraph(State)
    graph.add_node("plan", planner_node(planner, input_key="task", output_key="plan"))
    graph.add_edge(START, "plan")
    graph.add_edge("plan", END)
    out = graph.compile().invoke({"task": task}, config={"configurable": {"max_rounds": 2}})
    print(f"node: solved={out['plan'].solved} steps={len(out['plan'].plan)} rounds={out['plan'].rounds}")


if __name__ == "__main__":
    main()
