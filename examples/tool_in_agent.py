"""The planner and the validator as agent tools: tool calls in, short answers plus full artifacts out.

An agent (here a fixed script standing in for a tool-calling chat model such as
`ChatDream(...).bind_tools(tools)`) asks the planner tool to solve a Sudoku, then asks the validator
tool to check it; bad arguments come back as errors the agent can read. Run with the package installed
(`pip install -e .`):
    python examples/tool_in_agent.py [--model DIR]
Without --model the planner uses the shipped sudoku4x4 model.
"""

from __future__ import annotations

import argparse

from langchain_core.messages import AIMessage

from dream_agent.runnables import DiffusionPlanner, PlanValidator
from environments import get_environment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="checkpoint directory (default: the shipped sudoku4x4 model)")
    args = parser.parse_args()

    env = get_environment("sudoku4x4")
    plan_tool = DiffusionPlanner(env, model=args.model, steps=8, max_rounds=3).as_tool()
    check_tool = PlanValidator(env).as_tool()
    plan_tool.handle_tool_error = True  # an agent sees errors as answers instead of crashing
    print(f"tools: {plan_tool.name}({', '.join(plan_tool.args)}), {check_tool.name}({', '.join(check_tool.args)})")

    request = env.generate(3).givens  # the puzzle as a string, 0 for blanks
    # What a tool-calling model would emit: a tool call with arguments matching the args_schema.
    step = AIMessage(content="", tool_calls=[{"name": plan_tool.name, "args": {"problem": request}, "id": "call-1"}])
    answer = plan_tool.invoke(step.tool_calls[0] | {"type": "tool_call"})
    print(f"planner -> {answer.content!r}")
    print(f"artifact: plan={answer.artifact['plan']} nfe={answer.artifact['nfe']}")

    check = {"name": check_tool.name, "args": {"problem": request, "plan": answer.artifact["plan"]}, "id": "call-2", "type": "tool_call"}
    verdict = check_tool.invoke(check)
    print(f"validator -> {verdict.content!r}")

    oops = plan_tool.invoke({"name": plan_tool.name, "args": {"problem": "12x"}, "id": "call-3", "type": "tool_call"})
    print(f"bad input -> status={oops.status}: {oops.content}")


if __name__ == "__main__":
    main()
