"""`Infiller`: text with mask tokens (or a slot template) in, the filled text out, as a Runnable.

A batch is one batched denoising run; drafts go out as custom events ("draft").
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator, Mapping

from langchain_core.callbacks.manager import dispatch_custom_event
from langchain_core.runnables import Runnable, RunnableConfig

from constraints import InputError, Slot, Template
from dream_agent.options import SAMPLING_FIELDS, sampling_options
from dream_agent.protocols import DiffusionLM
from dream_agent.runnables import engine
from planners.options import PlanOptions

DRAFT_EVENT = "draft"


class Infiller(Runnable[Any, str]):
    """Fill masked text with a diffusion LM.

    Args:
        model: a loaded `DiffusionLM` or a checkpoint directory.
        name: the run name shown in traces.
        **options: sampling options (`SamplingOptions`: steps, alg, temperature, seed, ...; by
            default one step per open token); per call through `config["configurable"]` too.

    Input: text holding the tokenizer's mask token (one per token to fill, e.g. Dream's
    `<|mask|>`), template text with slots (`"go to {place:2}"`, see `planners.compile`), a
    `Template`, or `{"template": ..., "prefix": ...}`. Output: the filled text.
    """

    def __init__(self, model: DiffusionLM | str | Path, *, name: str | None = None, **options: Any) -> None:
        self.model = model
        self.sampling = sampling_options(options)  # bad options fail here, not at the first call
        self.name = name or "Infiller"

    @property
    def InputType(self) -> Any:  # noqa: N802 - langchain's name
        return str | dict

    @property
    def OutputType(self) -> type:  # noqa: N802 - langchain's name
        return str

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> str:
        return self._call_with_config(lambda x, config: self._fill([x], [config])[0], input, config, run_type="chain", **kwargs)

    def batch(self, inputs: list[Any], config: RunnableConfig | list[RunnableConfig] | None = None, *, return_exceptions: bool = False, **kwargs: Any) -> list[str]:
        """Fill every input in one batched denoising run."""
        return self._batch_with_config(self._fill, inputs, config, return_exceptions=return_exceptions, run_type="chain", **kwargs)

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[str]:
        """The filled text as one chunk (drafts arrive before it as custom events)."""
        yield self.invoke(input, config, **kwargs)

    def _fill(self, inputs: list[Any], config: list[RunnableConfig]) -> list[str]:
        from planners.refinement import refine_batch, requests_for

        configurable = (config[0].get("configurable") or {}) if config else {}
        sampling = self.sampling.replace(**{k: v for k, v in configurable.items() if k in SAMPLING_FIELDS})
        lm = engine.model_for(configurable.get("model") or self.model, "")
        pairs = [self.template_of(item, lm) for item in inputs]

        def on_step(event: Any) -> None:
            if event.kind == "step":
                dispatch_custom_event(DRAFT_EVENT, {"index": event.index, "step": event.step, "values": dict(event.values)},
                                      config=config[event.index])

        requests = requests_for(lm, [t for t, _ in pairs], lambda values: [], prefixes=[p for _, p in pairs])
        results = refine_batch(lm, requests, options=PlanOptions(sampling=sampling, max_rounds=1), on_step=on_step)
        return [prefix + result.text for (_, prefix), result in zip(pairs, results)]

    @staticmethod
    def template_of(item: Any, lm: DiffusionLM) -> tuple[Template, str]:
        """(template, prefix text) from one input."""
        from planners.compile import parse_template

        prefix = ""
        if isinstance(item, Mapping):
            if "template" not in item and "text" not in item:
                raise InputError(f"infill input needs a \"template\" or \"text\" key, got {', '.join(map(str, item)) or '(none)'}")
            prefix = str(item.get("prefix", ""))
            item = item.get("template", item.get("text"))
        if isinstance(item, Template):
            return item, prefix
        if not isinstance(item, str):
            raise InputError(f"infill input must be text, a Template or a dict, got {type(item).__name__}")
        mask = lm.tokenizer.mask_token
        if mask in item:
            return masks_to_template(item, mask), prefix
        return parse_template(item), prefix


def masks_to_template(text: str, mask_token: str) -> Template:
    """Each run of adjacent mask tokens becomes one slot of that many tokens.

    >>> [s if isinstance(s, str) else (s.name, s.length) for s in masks_to_template("a <m><m> b <m>", "<m>")]
    ['a ', ('m0', 2), ' b ', ('m1', 1)]
    """
    segments: list[str | Slot] = []
    pattern = f"(?:{re.escape(mask_token)})+"
    last = 0
    for i, run in enumerate(re.finditer(pattern, text)):
        if run.start() > last:
            segments.append(text[last:run.start()])
        segments.append(Slot(f"m{i}", length=(run.end() - run.start()) // len(mask_token)))
        last = run.end()
    if last < len(text):
        segments.append(text[last:])
    return Template(tuple(segments))
