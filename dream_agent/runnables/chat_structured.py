"""Structured output from `ChatDream`: the chat prompt, then a schema template filled by refinement.

Returns a validated pydantic instance (or `{"raw", "parsed", "parsing_error"}` with include_raw).
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks.manager import dispatch_custom_event
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage
from langchain_core.runnables import Runnable, RunnableConfig

from constraints import InputError
from dream_agent.runnables.schema_convert import as_pydantic
from dream_agent.runnables.schema_template import schema_template
from dream_agent.runnables.structured import fill_schema_batch

DRAFT_EVENT = "draft"
_TEMPLATE_SIZES = ("str_tokens", "int_tokens", "frac_tokens", "list_items", "max_domain")


class StructuredDream(Runnable[Any, Any]):
    """`ChatDream.with_structured_output(Schema)`: messages in, a valid `Schema` instance out.

    Args:
        chat: the ChatDream model.
        schema: a pydantic BaseModel class (instances out), a TypedDict or a JSON Schema object (dicts out).
        include_raw: return `{"raw": AIMessage, "parsed": instance | None, "parsing_error": ...}`.
        **sizes: template sizes (str_tokens, int_tokens, frac_tokens, list_items, max_domain).
    """

    def __init__(self, chat: Any, schema: Any, *, include_raw: bool = False, **sizes: Any) -> None:
        unknown = sorted(set(sizes) - set(_TEMPLATE_SIZES))
        if unknown:
            raise InputError(f"unknown structured output option(s) {', '.join(unknown)}; valid: {', '.join(_TEMPLATE_SIZES)}")
        self.chat = chat
        model, self.as_dict = as_pydantic(schema)
        self.st = schema_template(model, **sizes)
        self.include_raw = include_raw
        self.name = f"ChatDream[{self.st.schema.__name__}]"

    @property
    def OutputType(self) -> Any:  # noqa: N802 - langchain's name
        return dict if self.include_raw or self.as_dict else self.st.schema

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return self._call_with_config(lambda x, config: _raise(self._fill([x], [config])[0]), input, config, run_type="chain", **kwargs)

    def batch(self, inputs: list[Any], config: RunnableConfig | list[RunnableConfig] | None = None, *, return_exceptions: bool = False, **kwargs: Any) -> list[Any]:
        """Fill the schema for every input in one batched refine run."""
        return self._batch_with_config(self._fill, inputs, config, return_exceptions=return_exceptions, run_type="chain", **kwargs)

    def _fill(self, inputs: list[Any], config: list[RunnableConfig]) -> list[Any]:
        chat = self.chat
        prompts = [chat.prompt_ids(self._with_instruction(chat._convert_input(x).to_messages())) for x in inputs]
        configurable = config[0].get("configurable") or {}

        def on_step(event: Any) -> None:
            if event.kind == "step":
                data = {"round": event.round, "step": event.step, "values": dict(event.values)}
                dispatch_custom_event(DRAFT_EVENT, data, config=config[event.index])

        overrides = {k: configurable[k] for k in ("steps", "seed", "max_rounds") if configurable.get(k) is not None}
        results = fill_schema_batch(chat.load(), self.st, prompts, options=chat.plan_options(**overrides),
                                    on_step=on_step)
        return [self._output(result) for result in results]

    def _output(self, result: Any) -> Any:
        raw = AIMessage(content=result.instance.model_dump_json() if result.instance is not None else result.text,
                        response_metadata={"rounds": result.rounds, "nfe": result.nfe, "model_name": self.chat.model})
        error = None
        if result.instance is None:
            error = OutputParserException(f"{self.st.schema.__name__} still invalid after {result.rounds} rounds: "
                                          + "; ".join(result.errors), llm_output=result.text)
            if not self.include_raw:
                return error
        parsed = result.instance.model_dump(mode="json") if self.as_dict and result.instance is not None else result.instance
        if self.include_raw:
            return {"raw": raw, "parsed": parsed, "parsing_error": error}
        return parsed

    def _with_instruction(self, messages: list[BaseMessage]) -> list[BaseMessage]:
        """Say what to answer with in the system message (added when there is none)."""
        instruction = self.st.describe()
        if messages and messages[0].type == "system":
            first = SystemMessage(content=f"{messages[0].text}\n{instruction}".strip())
            return [first, *messages[1:]]
        return [SystemMessage(content=instruction), *messages]


def _raise(result: Any) -> Any:
    if isinstance(result, Exception):
        raise result
    return result
