"""`DiffusionPlanner`: an environment's diffusion planner as a LangChain Runnable.

invoke / batch (one batched refine run) / stream (mergeable `PlanChunk`s) / async, per-step
drafts as custom events ("draft"), per-call overrides through `config["configurable"]`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, AsyncIterator, Iterator, Optional, Sequence, Union

from langchain_core.callbacks.manager import adispatch_custom_event, dispatch_custom_event
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.utils import ConfigurableFieldSpec

from constraints import InputError
from dream_agent.protocols import DiffusionLM
from dream_agent.runnables import engine
from dream_agent.runnables.results import PlanChunk, PlanOutput, chunks_of
from planners.options import PlanOptions

DRAFT_EVENT = "draft"

# Per-call overrides read from config["configurable"] (name -> (type, description)).
CONFIGURABLE: dict[str, tuple[Any, str]] = {
    "steps": (int, "denoising steps of the first round"),
    "alg": (str, "unmasking algorithm: origin, maskgit_plus, topk_margin or entropy"),
    "seed": (int, "sampling seed"),
    "max_rounds": (int, "most infill -> check -> remask rounds"),
    "temperature": (float, "token sampling temperature (0: most likely token)"),
    "model": (Optional[str], "a checkpoint directory (default: the environment's shipped model)"),
    "rendering": (Optional[str], "template rendering: compact (small models) or text (Dream); default by model"),
    "constraints": (str, "hard-constraint tier: none (the model alone), local (default) or search"),
    "hard_constraints": (bool, "true/false: the same as constraints local/none"),
    "candidates": (Optional[int], "canvases per problem in one batch; the first valid plan wins "
                                  "(default: the environment's recommended_candidates)"),
}


class DiffusionPlanner(Runnable[Any, PlanOutput]):
    """Plan with a masked diffusion model: infill the environment's template, check, remask, repeat.

    Args:
        env: an environment or its registry name ("sudoku", "countdown", "kitchen", ...).
        model: a loaded `DiffusionLM`, a checkpoint directory, or None for the environment's
            shipped model.
        name: the run name shown in traces.
        **options: option names of `PlanOptions.from_mapping` (steps, alg, seed, max_rounds,
            rendering, constraints, ...), with the defaults every entry point shares.

    Input: the environment's problem (its pydantic model, a dict such as `{"puzzle": ...}`, or a
    string). Output: `PlanOutput`. Streams `PlanChunk`s (final slot values, then the result).
    """

    def __init__(self, env: Any, model: DiffusionLM | str | Path | None = None, *, name: str | None = None, **options: Any) -> None:
        self.env = engine.environment(env)
        self.model = model
        self.name = name or "DiffusionPlanner"
        self.options = engine.plan_options(options)  # bad options fail here, not at the first call

    def __repr__(self) -> str:
        return f"DiffusionPlanner(env={self.env.name!r}, options={self.options!r})"

    @property
    def InputType(self) -> Any:  # noqa: N802 - langchain's name
        return Union[self.env.problem_type, dict, str]

    @property
    def OutputType(self) -> type[PlanOutput]:  # noqa: N802 - langchain's name
        return PlanOutput

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        defaults = {**self.options.for_environment(self.env).to_dict(), "model": None if self.model is None else str(self.model)}
        return [
            ConfigurableFieldSpec(id=key, annotation=kind, name=key, description=text, default=defaults.get(key))
            for key, (kind, text) in CONFIGURABLE.items()
        ]

    def as_tool(self, args_schema: Any = None, *, name: str | None = None, description: str | None = None, **kwargs: Any) -> Any:
        """A tool (content and artifact) that plans one problem; bad input raises ToolException."""
        from dream_agent.runnables.tools import planner_tool

        return planner_tool(self, name=name, description=description, args_schema=args_schema)

    # -- the work ---------------------------------------------------------------------------

    def _settings(self, config: RunnableConfig | None) -> tuple[DiffusionLM, PlanOptions]:
        """The model and options for one call: the constructor's, overridden by `configurable`."""
        configurable = (config or {}).get("configurable") or {}
        overrides = {k: v for k, v in configurable.items() if k in CONFIGURABLE and k != "model"}
        model = configurable.get("model") or self.model
        return engine.model_for(model, self.env.name), engine.plan_options(self.options, **overrides)

    def _plan(self, inputs: Sequence[Any], configs: Sequence[RunnableConfig], on_draft: Any) -> list[PlanOutput | Exception]:
        """Plan every input; inputs sharing model and options go through one batched run."""
        outputs: list[PlanOutput | Exception] = [None] * len(inputs)  # type: ignore[list-item]
        groups: dict[tuple, list[int]] = {}
        settings: dict[tuple, tuple[DiffusionLM, PlanOptions]] = {}
        problems: list[Any] = []
        for i, (item, config) in enumerate(zip(inputs, configs)):
            try:
                problem = engine.problem_of(self.env, item)
                lm, options = self._settings(config)
            except (InputError, ValueError, TypeError) as err:
                problems.append(None)
                outputs[i] = err
                continue
            problems.append(problem)
            key = (id(lm), options)
            settings[key] = (lm, options)
            groups.setdefault(key, []).append(i)
        for key, members in groups.items():
            lm, options = settings[key]
            results = engine.plan_batch(
                self.env, lm, [problems[i] for i in members], options,
                on_draft=None if on_draft is None else (lambda event, members=members: on_draft(members[event["index"]], event)),
            )
            for i, result in zip(members, results):
                outputs[i] = result
        return outputs

    # -- sync -------------------------------------------------------------------------------

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> PlanOutput:
        return self._call_with_config(self._invoke, input, config, run_type="chain", **kwargs)

    def _invoke(self, input: Any, config: RunnableConfig) -> PlanOutput:
        def on_draft(_: int, event: dict[str, Any]) -> None:
            dispatch_custom_event(DRAFT_EVENT, event, config=config)

        return _raise_if_error(self._plan([input], [config], on_draft)[0])

    def batch(self, inputs: list[Any], config: RunnableConfig | list[RunnableConfig] | None = None, *, return_exceptions: bool = False, **kwargs: Any) -> list[PlanOutput]:
        """Plan all inputs in one batched denoising run (per distinct model and options)."""
        return self._batch_with_config(self._batch, inputs, config, return_exceptions=return_exceptions, run_type="chain", **kwargs)

    def _batch(self, inputs: list[Any], config: list[RunnableConfig]) -> list[PlanOutput | Exception]:
        def on_draft(i: int, event: dict[str, Any]) -> None:
            dispatch_custom_event(DRAFT_EVENT, event, config=config[i])

        return self._plan(inputs, config, on_draft)

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[PlanChunk]:
        """Chunks of the result: each final slot value, then the plan and its figures."""
        yield from self._transform_stream_with_config(iter([input]), self._transform, config, run_type="chain", **kwargs)

    def transform(self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[PlanChunk]:
        yield from self._transform_stream_with_config(input, self._transform, config, run_type="chain", **kwargs)

    def _transform(self, inputs: Iterator[Any], config: RunnableConfig) -> Iterator[PlanChunk]:
        for item in inputs:
            output = self._invoke(item, config)
            yield from chunks_of(output, self._slot_order(output))

    # -- async: the model runs in a worker thread; drafts reach the event loop as they happen --

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> PlanOutput:
        return await self._acall_with_config(self._ainvoke, input, config, run_type="chain", **kwargs)

    async def _ainvoke(self, input: Any, config: RunnableConfig) -> PlanOutput:
        return _raise_if_error((await self._aplan([input], [config]))[0])

    async def abatch(self, inputs: list[Any], config: RunnableConfig | list[RunnableConfig] | None = None, *, return_exceptions: bool = False, **kwargs: Any) -> list[PlanOutput]:
        return await self._abatch_with_config(self._abatch, inputs, config, return_exceptions=return_exceptions, run_type="chain", **kwargs)

    async def _abatch(self, inputs: list[Any], config: list[RunnableConfig]) -> list[PlanOutput | Exception]:
        return await self._aplan(inputs, config)

    async def astream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> AsyncIterator[PlanChunk]:
        async def one() -> AsyncIterator[Any]:
            yield input

        async for chunk in self._atransform_stream_with_config(one(), self._atransform, config, run_type="chain", **kwargs):
            yield chunk

    async def atransform(self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any) -> AsyncIterator[PlanChunk]:
        async for chunk in self._atransform_stream_with_config(input, self._atransform, config, run_type="chain", **kwargs):
            yield chunk

    async def _atransform(self, inputs: AsyncIterator[Any], config: RunnableConfig) -> AsyncIterator[PlanChunk]:
        async for item in inputs:
            output = _raise_if_error((await self._aplan([item], [config]))[0])
            for chunk in chunks_of(output, self._slot_order(output)):
                yield chunk

    async def _aplan(self, inputs: list[Any], configs: list[RunnableConfig]) -> list[PlanOutput | Exception]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        done = object()

        def on_draft(i: int, event: dict[str, Any]) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, (i, event))

        def work() -> list[PlanOutput | Exception]:
            try:
                return self._plan(inputs, configs, on_draft)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, done)

        future = loop.run_in_executor(None, work)
        while (item := await queue.get()) is not done:
            i, event = item
            await adispatch_custom_event(DRAFT_EVENT, event, config=configs[i])
        return await future

    def _slot_order(self, output: PlanOutput) -> list[str]:
        return list(output.values)


def _raise_if_error(result: PlanOutput | Exception) -> PlanOutput:
    if isinstance(result, Exception):
        raise result
    return result
