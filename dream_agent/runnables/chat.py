"""`ChatDream`: a LangChain chat model over a Dream checkpoint, generating by masked diffusion.

The chat template renders the messages; `max_tokens` mask tokens follow the assistant prompt and
the engine denoises them; the answer ends at the first special token (end of turn / padding).
Per-step drafts go out as custom events ("draft").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Sequence

import torch
from langchain_core.callbacks import CallbackManager, CallbackManagerForLLMRun
from langchain_core.callbacks.manager import dispatch_custom_event
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from pydantic import ConfigDict, Field

from constraints import InputError
from dream_agent.denoise import denoise
from dream_agent.planning import plan_options
from planners.options import PlanOptions
from dream_agent.protocols import DiffusionLM

DRAFT_EVENT = "draft"
_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool", "chat": "user", "function": "tool"}


class ChatDream(BaseChatModel):
    """Chat with a Dream checkpoint directory (no remote code), generating by denoising.

    Example:
        >>> chat = ChatDream(model="path/to/Dream-v0-Instruct-7B", max_tokens=128)  # doctest: +SKIP
        >>> chat.invoke("Plan a picnic in three steps.").content  # doctest: +SKIP
    """

    model_config = ConfigDict(populate_by_name=True, protected_namespaces=())

    model: str = Field(description="a Dream checkpoint directory")
    max_tokens: int = Field(default=64, ge=1, description="new tokens (mask positions) after the prompt")
    steps: int | None = Field(default=None, ge=1, description="denoising steps (default: one per open token)")
    alg: Literal["origin", "maskgit_plus", "topk_margin", "entropy"] = "entropy"
    alg_temp: float | None = None
    temperature: float = Field(default=0.0, ge=0.0)
    top_p: float | None = None
    top_k: int | None = None
    confidence_threshold: float | None = None
    seed: int | None = 0
    max_rounds: int = Field(default=4, ge=1, description="structured output: most remask rounds")
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    dtype: str = "float32"
    device: str = "cpu"
    streaming: bool = False
    timeout: float | None = Field(default=None, description="accepted for compatibility; generation is local")
    max_retries: int | None = Field(default=None, description="accepted for compatibility; generation is local")

    @property
    def _llm_type(self) -> str:
        return "dream-diffusion"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, "max_tokens": self.max_tokens, "steps": self.steps, "alg": self.alg,
                "temperature": self.temperature, "seed": self.seed}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(ls_provider="dream_agent", ls_model_name=str(kwargs.get("model") or Path(self.model).name),
                                 ls_model_type="chat", ls_temperature=kwargs.get("temperature", self.temperature),
                                 ls_max_tokens=kwargs.get("max_tokens", self.max_tokens))
        if stop or self.stop:
            params["ls_stop"] = stop or self.stop
        return params

    # -- the model --------------------------------------------------------------------------

    def plan_options(self, **overrides: Any) -> PlanOptions:
        """This chat model's settings as the options every entry point shares (flat `overrides` on top)."""
        settings = {"steps": self.steps, "alg": self.alg, "alg_temp": self.alg_temp, "temperature": self.temperature,
                    "top_p": self.top_p, "top_k": self.top_k, "confidence_threshold": self.confidence_threshold,
                    "seed": self.seed or 0, "max_rounds": self.max_rounds}
        return plan_options(settings, **overrides)

    def load(self) -> DiffusionLM:
        """The loaded model (loaded once per directory, dtype and device; shared by instances)."""
        from dream_agent.planning import load_cached

        return load_cached(self.model, dtype=self.dtype, device=self.device)

    def prompt_ids(self, messages: list[BaseMessage]) -> list[int]:
        """The chat template applied to `messages`, ending with the assistant's turn opening."""
        tokenizer = self.load().tokenizer
        if not hasattr(tokenizer, "apply_chat_template"):
            raise InputError(f"{self.model}: the tokenizer has no chat template; ChatDream needs a chat model checkpoint")
        turns = [{"role": _ROLES.get(m.type, m.type), "content": _text(m.content)} for m in messages]
        return list(tokenizer.apply_chat_template(turns, add_generation_prompt=True, tokenize=True))

    def generate_ids(self, prompt: list[int], on_draft: Any = None, **overrides: Any) -> tuple[list[int], int]:
        """Denoise `max_tokens` masks after `prompt`; (answer ids up to the first special token, nfe)."""
        lm = self.load()
        denoiser, tokenizer = lm.denoiser, lm.tokenizer
        n_new = int(overrides.get("max_tokens") or self.max_tokens)
        if len(prompt) + n_new > denoiser.max_length:
            raise InputError(f"prompt ({len(prompt)} tokens) + max_tokens ({n_new}) exceed the model's context of {denoiser.max_length}")
        x = torch.tensor([prompt + [tokenizer.mask_id] * n_new], dtype=torch.long, device=denoiser.device)
        generator = None if self.seed is None else torch.Generator(device=denoiser.device).manual_seed(int(self.seed))
        ends = _end_ids(tokenizer)

        def tokens_hook(step: int, canvas: torch.Tensor) -> None:
            if on_draft is not None:
                new = canvas[0, len(prompt):].tolist()
                on_draft({"step": step, "masked": sum(t == tokenizer.mask_id for t in new),
                          "text": tokenizer.decode([t for t in _cut(new, ends) if t != tokenizer.mask_id])})

        sampling = self.plan_options(**{k: v for k, v in overrides.items() if k in ("steps", "temperature")}).sampling
        out = denoise(denoiser, x, steps=sampling.steps_for(n_new), tokens_hook=tokens_hook, generator=generator,
                      **sampling.denoise_kwargs())
        return _cut(out.tokens[0, len(prompt):].tolist(), ends), out.nfe

    # -- BaseChatModel ----------------------------------------------------------------------

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        # No token-by-token stream: the answer exists only after the last step. `stream` yields it
        # as one chunk, and the drafts before it go out as custom events of this run.
        message = self._answer(messages, stop, run_manager, **kwargs)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools: the model then answers with a tool call whose name and arguments are valid by construction.

        `tool_choice`: None/"auto" (a tool or a text answer), "any"/"required" (some tool), a tool
        name, or "none".
        """
        from langchain_core.utils.function_calling import convert_to_openai_tool

        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], tool_choice=tool_choice, **kwargs)

    def _answer(self, messages: list[BaseMessage], stop: list[str] | None, run_manager: CallbackManagerForLLMRun | None,
                tools: list[dict[str, Any]] | None = None, tool_choice: Any = None, **kwargs: Any) -> AIMessage:
        send = _draft_sender(run_manager)
        if tools:
            from dream_agent.runnables.chat_tools import call_tool

            def on_step(event: Any) -> None:
                if send is not None and event.kind == "step":
                    send({"round": event.round, "step": event.step, "values": dict(event.values)})

            message, spent = call_tool(self, messages, tools, tool_choice, on_step)
            if message is not None:
                message.response_metadata = {"model_name": Path(self.model).name, "nfe": spent, "model_provider": "dream_agent"}
                return message
        prompt = self.prompt_ids(messages)
        ids, nfe = self.generate_ids(prompt, on_draft=send, **kwargs)
        text = self.load().tokenizer.decode(ids)
        for word in stop or self.stop or []:
            if word and word in text:
                text = text[: text.index(word)]
        return AIMessage(
            content=text,
            usage_metadata={"input_tokens": len(prompt), "output_tokens": len(ids), "total_tokens": len(prompt) + len(ids)},
            response_metadata={"model_name": Path(self.model).name, "nfe": nfe, "model_provider": "dream_agent"},
        )

    def with_structured_output(self, schema: dict[str, Any] | type, *, include_raw: bool = False, **kwargs: Any) -> Runnable[LanguageModelInput, Any]:
        """Fill a template made from a pydantic schema: the result validates by construction.

        `method` and `strict` are accepted for compatibility: the schema is always enforced by
        the template (fixed keys, constrained value slots) and pydantic validation with remasking.
        """
        from dream_agent.runnables.chat_structured import StructuredDream

        kwargs.pop("method", None)
        kwargs.pop("strict", None)
        return StructuredDream(self, schema, include_raw=include_raw, **kwargs)


def _draft_sender(run_manager: CallbackManagerForLLMRun | None) -> Any:
    """Drafts as custom events of this chat model's run (None when nobody listens)."""
    if run_manager is None or not run_manager.handlers:
        return None
    manager = CallbackManager(handlers=[], parent_run_id=run_manager.run_id)
    manager.set_handlers(run_manager.inheritable_handlers or run_manager.handlers)
    manager.add_tags(run_manager.inheritable_tags)
    manager.add_metadata(run_manager.inheritable_metadata)
    return lambda data: dispatch_custom_event(DRAFT_EVENT, data, config={"callbacks": manager})


def _end_ids(tokenizer: Any) -> set[int]:
    """Ids that end an answer: the pad/eos token and the tokenizer's other special tokens (not the mask)."""
    ends = {int(tokenizer.pad_id)} if tokenizer.pad_id is not None else set()
    hf = getattr(tokenizer, "hf", None)
    if hf is not None:
        ends.update(int(i) for i in getattr(hf, "all_special_ids", []) or [])
        if getattr(hf, "eos_token_id", None) is not None:
            ends.add(int(hf.eos_token_id))
    ends.discard(int(tokenizer.mask_id))
    return ends


def _cut(ids: list[int], ends: set[int]) -> list[int]:
    for i, t in enumerate(ids):
        if t in ends:
            return ids[:i]
    return ids


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(part if isinstance(part, str) else str(part.get("text", "")) for part in content or [])
