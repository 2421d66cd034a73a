"""DiffusionPlanner: invoke, a real batch, mergeable stream, async, draft events, config overrides."""

from __future__ import annotations

import asyncio
import functools

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.runnables import RunnableLambda

from dream_agent.runnables import DiffusionPlanner, PlanChunk, PlanOutput
from environments import get_environment

ENV = "sudoku4x4"
OPTIONS = dict(steps=4, max_rounds=2)


@pytest.fixture(scope="module")
def planner(tiny_model) -> DiffusionPlanner:
    return DiffusionPlanner(ENV, model=tiny_model(ENV), **OPTIONS)


@pytest.fixture(scope="module")
def problems() -> list:
    env = get_environment(ENV)
    return [env.generate(seed) for seed in range(3)]


def _same(a: PlanOutput, b: PlanOutput, *, batched: bool = False) -> bool:
    # in a batch every round runs the most steps any plan asks for, so nfe may differ
    exclude = {"seconds", "nfe"} if batched else {"seconds"}
    return a.model_dump(exclude=exclude) == b.model_dump(exclude=exclude)


def test_invoke_accepts_model_dict_and_string(planner, problems):
    problem = problems[0]
    out = planner.invoke(problem)
    assert isinstance(out, PlanOutput) and out.env == ENV
    assert out.rounds >= 1 and out.nfe >= 1 and out.seconds > 0
    # every open cell is filled; the givens are kept
    assert len(out.plan) == 16 and all(g in ("0", c) for g, c in zip(problem.givens, out.plan))
    assert out.solved == (not out.violations)
    assert _same(planner.invoke({"givens": problem.givens}), out)
    assert _same(planner.invoke(problem.givens), out)
    assert _same(planner.invoke({"problem": problem.givens}), out)


def test_batch_is_one_batched_run(planner, problems, monkeypatch):
    import importlib

    solve_module = importlib.import_module("dream_agent.runnables.engine")
    calls = []
    real = solve_module.solve_batch

    def counting(env, problems, model, **kwargs):
        calls.append(len(problems))
        return real(env, problems, model, **kwargs)

    monkeypatch.setattr(solve_module, "solve_batch", counting)
    outs = planner.batch(problems)
    assert calls == [3]  # one batched solve over all three problems, not three runs
    for problem, out in zip(problems, outs):
        assert _same(out, planner.invoke(problem), batched=True)


def test_batch_bad_input_is_an_exception_per_item(planner, problems):
    outs = planner.batch([problems[0], "not a sudoku"], return_exceptions=True)
    assert isinstance(outs[0], PlanOutput)
    assert isinstance(outs[1], ValueError) and "sudoku" in str(outs[1]).lower()
    with pytest.raises(ValueError):
        planner.invoke("12")


def test_stream_chunks_add_up_to_the_result(planner, problems):
    chunks = list(planner.stream(problems[0]))
    assert all(isinstance(c, PlanChunk) for c in chunks)
    # slot values first, one per chunk, then the summary
    assert all(len(c.values) == 1 and c.solved is None for c in chunks[:-1])
    assert chunks[-1].solved is not None
    merged = functools.reduce(lambda a, b: a + b, chunks)
    assert _same(merged.to_output(), planner.invoke(problems[0]))


def test_configurable_overrides(planner, problems):
    base = planner.invoke(problems[0])
    fewer = planner.invoke(problems[0], config={"configurable": {"max_rounds": 1, "steps": 2}})
    assert fewer.rounds == 1 and fewer.nfe <= 2 < base.nfe
    specs = {s.id for s in planner.config_specs}
    assert {"steps", "alg", "seed", "max_rounds", "model"} <= specs
    bound = planner.with_config(configurable={"alg": "origin", "max_rounds": 1})
    assert bound.invoke(problems[0]).rounds == 1
    with pytest.raises(ValueError, match="alg"):
        planner.invoke(problems[0], config={"configurable": {"alg": "nope"}})


def test_callbacks_see_the_run_and_drafts(planner, problems):
    class Recorder(BaseCallbackHandler):
        def __init__(self) -> None:
            self.events: list[str] = []
            self.drafts: list[dict] = []

        def on_chain_start(self, serialized, inputs, **kwargs):
            self.events.append(f"start:{kwargs.get('name')}")

        def on_chain_end(self, outputs, **kwargs):
            self.events.append("end")

        def on_custom_event(self, name, data, **kwargs):
            self.drafts.append(data)

    rec = Recorder()
    out = planner.invoke(problems[0], config={"callbacks": [rec], "run_name": "sudoku-plan"})
    assert rec.events[0] == "start:sudoku-plan" and rec.events[-1] == "end"
    assert rec.drafts and {"index", "round", "step", "values"} <= set(rec.drafts[0])
    assert rec.drafts[-1]["values"] == out.values or out.rounds > 1


def test_async_invoke_batch_stream(planner, problems):
    async def run():
        one = await planner.ainvoke(problems[0])
        many = await planner.abatch(problems[:2])
        chunks = [c async for c in planner.astream(problems[0])]
        return one, many, chunks

    one, many, chunks = asyncio.run(run())
    assert _same(one, planner.invoke(problems[0]))
    assert _same(many[1], planner.invoke(problems[1]), batched=True)
    assert _same(functools.reduce(lambda a, b: a + b, chunks).to_output(), one)


def test_astream_events_v2_carries_drafts_then_stream(planner, problems):
    async def run():
        return [e async for e in planner.astream_events(problems[0], version="v2")]

    events = asyncio.run(run())
    kinds = [e["event"] for e in events]
    drafts = [e for e in events if e["event"] == "on_custom_event" and e["name"] == "draft"]
    assert kinds[0] == "on_chain_start" and kinds[-1] == "on_chain_end"
    assert len(drafts) >= OPTIONS["steps"]  # at least one draft per step of the first round
    first_stream = kinds.index("on_chain_stream")
    assert kinds.index("on_custom_event") < first_stream  # drafts arrive while planning
    assert isinstance(events[-1]["data"]["output"], PlanChunk)


def test_composes_in_a_chain(planner, problems):
    chain = RunnableLambda(lambda p: p.givens) | planner | RunnableLambda(lambda r: r.plan)
    assert chain.invoke(problems[0]) == planner.invoke(problems[0]).plan


def test_bad_construction(tiny_model):
    with pytest.raises(ValueError, match="unknown environment"):
        DiffusionPlanner("chess", model=tiny_model(ENV))
    with pytest.raises(ValueError, match="stepz"):
        DiffusionPlanner(ENV, model=tiny_model(ENV), stepz=3)


def test_dream_checkpoint_directory_and_model_override(planner, problems, dream_checkpoint, tmp_path):
    dream_dir = str(dream_checkpoint)
    text_planner = DiffusionPlanner(ENV, model=dream_dir, steps=4, max_rounds=1)  # text rendering for a BPE model
    out = text_planner.invoke(problems[0])
    assert out.text.startswith("Complete the 4x4 Sudoku") and len(out.plan) == 16
    assert all(g in ("0", c) for g, c in zip(problems[0].givens, out.plan))
    # a per-call model override reaches the loader
    with pytest.raises(ValueError, match="checkpoint directory not found"):
        planner.invoke(problems[0], config={"configurable": {"model": str(tmp_path / "missing")}})
    swapped = planner.invoke(problems[0], config={"configurable": {"model": dream_dir}})
    assert len(swapped.plan) == 16


def test_default_is_the_shipped_model(problems):
    from dream_agent.models import available_models

    if ENV not in available_models():
        pytest.skip(f"no shipped {ENV} model in this checkout")
    shipped = DiffusionPlanner(ENV, steps=16, max_rounds=4)  # model=None
    outs = shipped.batch(problems)
    assert all(out.solved and not out.violations for out in outs)  # the trained model solves these
    env = get_environment(ENV)
    assert all(env.check(p, out.plan) == [] for p, out in zip(problems, outs))
    assert shipped.invoke(problems[0], config={"configurable": {"hard_constraints": False}}).plan == outs[0].plan
