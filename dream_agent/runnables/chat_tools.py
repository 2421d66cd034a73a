"""Tool calling for `ChatDream`: pick a tool from a domain slot, then fill its arguments' template.

Both steps are structured output, so the call names a bound tool and its arguments validate
against the tool's schema by construction.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage, SystemMessage
from pydantic import Field, create_model

from constraints import InputError
from dream_agent.runnables.schema_convert import as_pydantic
from dream_agent.runnables.schema_template import schema_template
from dream_agent.runnables.structured import fill_schema

NO_TOOL = "none"  # the choice of answering in text (tool_choice "auto")


def tool_options(tools: list[dict[str, Any]], tool_choice: Any) -> list[str]:
    """The names the model may choose from, given langchain's `tool_choice` forms."""
    names = [t["function"]["name"] for t in tools]
    if tool_choice in (None, "auto"):
        return [*names, NO_TOOL]
    if tool_choice in ("any", "required", True):
        return names
    if tool_choice == "none":
        return [NO_TOOL]
    wanted = tool_choice["function"]["name"] if isinstance(tool_choice, dict) else tool_choice
    if wanted not in names:
        raise InputError(f"tool_choice {wanted!r} is not a bound tool; bound: {', '.join(names)}")
    return [wanted]


def describe_tools(tools: list[dict[str, Any]]) -> str:
    """The tools as a short system instruction."""
    lines = ["You can call one of these tools:"]
    for tool in tools:
        fn = tool["function"]
        params = ", ".join(fn.get("parameters", {}).get("properties", {}))
        lines.append(f"- {fn['name']}({params}): {fn.get('description', '')}")
    return "\n".join(lines)


def call_tool(chat: Any, messages: list[BaseMessage], tools: list[dict[str, Any]], tool_choice: Any, on_step: Any) -> tuple[AIMessage | None, int]:
    """An AIMessage with one tool call, or None when the model chose to answer in text; and the nfe spent."""
    names = tool_options(tools, tool_choice)
    if names == [NO_TOOL]:
        return None, 0
    prompt_messages = [SystemMessage(content=describe_tools(tools)), *messages]
    lm = chat.load()
    options = chat.plan_options()
    nfe = 0
    name = names[0]
    if len(names) > 1:
        choice = schema_template(create_model("ToolChoice", tool=(Literal[tuple(names)], Field(description="which tool"))))
        picked = fill_schema(lm, choice, chat.prompt_ids(prompt_messages + [SystemMessage(content=choice.describe())]), options=options, on_step=on_step)
        nfe += picked.nfe
        name = picked.instance.tool
        if name == NO_TOOL:
            return None, nfe
    tool = next(t for t in tools if t["function"]["name"] == name)
    parameters = {"title": name, "type": "object", "properties": {}, **tool["function"].get("parameters", {})}
    # optional arguments keep their defaults: the template holds the required ones only
    required = set(parameters.get("required", []))
    parameters["properties"] = {k: v for k, v in parameters["properties"].items() if k in required}
    args_model, _ = as_pydantic(parameters)
    st = schema_template(args_model)
    filled = fill_schema(lm, st, chat.prompt_ids(prompt_messages + [SystemMessage(content=st.describe())]), options=options, on_step=on_step)
    nfe += filled.nfe
    if filled.instance is None:
        raise InputError(f"arguments for {name} still invalid after {filled.rounds} rounds: {'; '.join(filled.errors)}")
    args = filled.instance.model_dump(mode="json", exclude_none=True)
    call = {"name": name, "args": args, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}
    return AIMessage(content="", tool_calls=[call]), nfe
