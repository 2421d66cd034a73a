"""Infiller: masked text or a slot template in, filled text out; one batched run; drafts; config."""

from __future__ import annotations

import asyncio
import importlib

import pytest
from langchain_core.callbacks import BaseCallbackHandler

from dream_agent.runnables import Infiller
from dream_agent.runnables.infiller import masks_to_template

ENV = "sudoku4x4"


@pytest.fixture(scope="module")
def infiller(tiny_model) -> Infiller:
    return Infiller(tiny_model(ENV), steps=4)


def test_masked_text_keeps_fixed_words(infiller):
    out = infiller.invoke("1 <mask> 3 <mask> <mask> | 4")
    words = out.split()
    assert len(words) == 7 and words[0] == "1" and words[2] == "3" and words[5:] == ["|", "4"]
    assert "<mask>" not in out and all(w in ("1", "2", "3", "4", "|", "<pad>") for w in words)


def test_template_and_prefix_and_domain(infiller):
    out = infiller.invoke({"template": "{a:2} | {b|1,2}", "prefix": "3 4 "})
    assert out.startswith("3 4 ") and out.split()[-1] in ("1", "2") and "|" in out


def test_batch_is_one_run_and_matches_invoke(infiller, monkeypatch):
    refine_module = importlib.import_module("planners.refinement")
    calls = []
    real = refine_module.refine_batch
    monkeypatch.setattr(refine_module, "refine_batch", lambda lm, templates, *a, **k: calls.append(len(templates)) or real(lm, templates, *a, **k))
    texts = ["1 <mask> 3", "<mask> 2 <mask> 4", "4 3 2 <mask>"]
    out = infiller.batch(texts)
    assert calls == [3]
    # same length canvases batch exactly like single runs; the others only gain padding
    assert out[2] == infiller.invoke(texts[2]) and all("<mask>" not in o for o in out)


def test_drafts_config_and_async(infiller):
    class Drafts(BaseCallbackHandler):
        def __init__(self) -> None:
            self.steps: list[int] = []

        def on_custom_event(self, name, data, **kwargs):
            self.steps.append(data["step"])

    rec = Drafts()
    infiller.invoke("1 <mask> <mask> <mask>", config={"callbacks": [rec], "configurable": {"steps": 3}})
    assert rec.steps == [0, 1, 2]  # three masks, three steps: one draft each
    assert asyncio.run(infiller.ainvoke("1 <mask> 3")) == infiller.invoke("1 <mask> 3")
    assert list(infiller.stream("1 <mask> 3")) == [infiller.invoke("1 <mask> 3")]

    async def events():
        return [e["event"] async for e in infiller.astream_events("1 <mask> <mask>", {"configurable": {"steps": 2}}, version="v2")]

    kinds = asyncio.run(events())
    assert kinds[0] == "on_chain_start" and kinds[-1] == "on_chain_end" and kinds.count("on_custom_event") == 2


def test_bad_input(infiller, tiny_model):
    with pytest.raises(ValueError, match="template"):
        infiller.invoke({"words": "1"})
    with pytest.raises(ValueError, match="size"):
        infiller.invoke("no masks and {broken} slot")
    with pytest.raises(ValueError, match="stepz"):
        Infiller(tiny_model(ENV), stepz=2)


def test_dream_checkpoint_directory(dream_checkpoint):
    infiller = Infiller(str(dream_checkpoint), steps=2)
    out = infiller.invoke("Plan: <|mask|><|mask|> then rest.")
    assert out.startswith("Plan:") and out.endswith(" then rest.") and "<|mask|>" not in out


def test_masks_to_template_runs():
    t = masks_to_template("<m>a<m><m>", "<m>")
    assert [(s.name, s.length) if not isinstance(s, str) else s for s in t.segments] == [("m0", 1), "a", ("m1", 2)]
