"""The infill -> check -> remask loop: repair through remasking, budgets, best-seen, batching, real models."""

from __future__ import annotations

import doctest
import importlib
import json
from collections import Counter

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constraints import InputError, Violation, all_different, check_all, one_of
from dream_agent.protocols import DiffusionLM
from dream_agent.tiny import TinyConfig, TinyDenoiser, TinyMDM
from dream_agent.vocab_tokenizer import VocabTokenizer
from planners import PlanOptions, TraceEvent, plan, refine, refine_batch, requests_for
from scripted_lm import PreferUnused, RandomLogits, lm, tokenizer


PAIR = "step 1 : {a|x,y,z} then {b|x,y,z} ."


def test_doctests():
    for module in ("planners.refinement", "planners.jobs"):
        assert doctest.testmod(importlib.import_module(module)).failed == 0


class TestRepairByRemasking:
    """A scripted model that only picks an unused word once it can see the others."""

    def run(self, max_rounds: int, **kw):
        model = lm(PreferUnused(tokenizer(), ["x", "y", "z"]))
        check = all_different(["a", "b"], blame="later")
        return refine(model, PAIR, check, options=PlanOptions.of(steps=1, max_rounds=max_rounds, **kw)), model

    def test_remasking_the_blamed_slot_repairs_the_plan(self):
        result, model = self.run(max_rounds=4, keep_trace=True)
        assert result.solved and result.values == {"a": "x", "b": "y"}
        assert result.text == "step 1 : x then y ."
        assert (result.rounds, result.nfe, model.denoiser.calls) == (2, 2, 2)
        checks = [e for e in result.trace if e.kind == "check"]
        assert checks[0].values == {"a": "x", "b": "x"} and checks[0].blamed == ("b",)
        b = model.tokenizer.encode("step 1 : x then")  # b's position follows these five tokens
        assert checks[0].remasked == (len(b),)
        assert checks[1].violations == 0 and checks[1].remasked == ()

    def test_without_remasking_rounds_it_fails(self):
        result, _ = self.run(max_rounds=1)
        assert not result.solved and result.rounds == 1
        assert result.values == {"a": "x", "b": "x"}
        assert [v.slots for v in result.violations] == [("b",)]


class TestBudgets:
    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(max_nfe=st.integers(1, 12), max_rounds=st.integers(1, 5), steps=st.integers(1, 6),
           policy=st.sampled_from(["blamed", "blamed_plus_lowconf"]), threshold=st.sampled_from([None, 0.5]))
    def test_never_exceeded(self, max_nfe, max_rounds, steps, policy, threshold):
        model = lm(RandomLogits(tokenizer(), seed=max_nfe * 31 + steps))
        never = lambda values: [Violation("never", "always wrong", slots=("b",))]  # noqa: E731
        opts = PlanOptions.of(steps=steps, max_rounds=max_rounds, max_nfe=max_nfe, remask=policy, remask_k=2,
                           confidence_threshold=threshold, temperature=1.0)
        result = refine(model, "{a:<=3} and {b|x,y z} {c:2}", never, options=opts)
        assert result.nfe <= max_nfe and model.denoiser.calls <= max_nfe
        assert 1 <= result.rounds <= max_rounds and not result.solved
        assert result.nfe == model.denoiser.calls

    def test_timeout(self):
        model = lm(RandomLogits(tokenizer(), delay_s=0.02))
        never = lambda values: [Violation("never", "always wrong", slots=("a",))]  # noqa: E731
        opts = PlanOptions.of(steps=4, max_rounds=10_000, timeout_s=0.3, temperature=1.0)
        result = refine(model, "{a:4} {b:4}", never, options=opts)
        assert 2 < result.rounds < 10_000
        assert result.seconds <= 0.3 + 0.1  # the last round is sized by the measured time per call
        assert result.nfe == model.denoiser.calls

    def test_batch_budgets_apply_per_plan(self):
        model = lm(RandomLogits(tokenizer()))
        never = lambda values: [Violation("never", "always wrong")]  # blames nothing: all reopen  # noqa: E731
        results = refine_batch(model, requests_for(model, ["{a:2}", "the {a:3} and {b:1}"], never),
                               options=PlanOptions.of(steps=3, max_rounds=9, max_nfe=7))
        assert all(r.nfe <= 7 for r in results)
        # on a CPU the two canvases (of different lengths) go in calls of their own, one per step
        calls_by_width = Counter(width for _, width in model.denoiser.shapes)
        assert sorted(calls_by_width.values()) == sorted(r.nfe for r in results)


def test_deterministic_rounds_stop_when_they_would_repeat():
    never = one_of("b", ["z"])  # the model always writes y in b once x is taken
    model = lm(PreferUnused(tokenizer(), ["x", "y", "z"]))
    result = refine(model, PAIR, lambda values: never(values) + all_different(["a", "b"], blame="later")(values),
                    options=PlanOptions.of(steps=1, max_rounds=10, retry_temperature=None))
    # round 1: x x; round 2 (b reopened): x y; round 3 would reopen b on the same canvas again
    assert (result.rounds, result.nfe, result.values) == (2, 2, {"a": "x", "b": "y"})
    sampled = refine(lm(RandomLogits(tokenizer())), PAIR, lambda values: [Violation("c", "no", slots=("a",))],
                     options=PlanOptions.of(steps=1, max_rounds=10, temperature=1.0))
    assert sampled.rounds == 10


def test_a_greedy_stall_spends_the_rounds_left_on_sampled_restarts():
    never = one_of("b", ["z"])
    check = lambda values: never(values) + all_different(["a", "b"], blame="later")(values)  # noqa: E731
    model = lm(PreferUnused(tokenizer(), ["x", "y", "z"]))
    stalled = refine(model, PAIR, check, options=PlanOptions.of(steps=1, max_rounds=10, retry_temperature=None))
    restarted = refine(model, PAIR, check, options=PlanOptions.of(steps=1, max_rounds=10))
    assert stalled.rounds == 2 and not stalled.solved
    # the greedy attempt stalls after 2 rounds; sampled restarts use the rounds left, never more
    assert 2 < restarted.rounds <= 10 and restarted.nfe >= restarted.rounds
    assert len(restarted.violations) <= len(stalled.violations)
    with pytest.raises(InputError, match="retry_temperature"):
        PlanOptions.of(retry_temperature=0.0)


def test_best_seen_is_returned():
    counts = iter([2, 1, 3])

    def check(values):
        n = next(counts)
        return [Violation("c", f"{n} wrong #{i}", slots=("a",)) for i in range(n)]

    opts = PlanOptions.of(steps=2, max_rounds=3, temperature=1.0)
    result = refine(lm(RandomLogits(tokenizer())), "{a:2} {b:1}", check, options=opts)
    assert result.rounds == 3 and [v.reason for v in result.violations] == ["1 wrong #0"]


def test_trace_and_streaming_agree():
    events: list[TraceEvent] = []
    model = lm(PreferUnused(tokenizer(), ["x", "y", "z"]))
    result = refine(model, PAIR, all_different(["a", "b"], blame="later"),
                    options=PlanOptions.of(steps=2, keep_trace=True), on_step=events.append)
    assert tuple(events) == result.trace
    steps = [e for e in events if e.kind == "step"]
    assert len(steps) == result.nfe
    assert [e.round for e in events if e.kind == "check"] == list(range(1, result.rounds + 1))
    assert steps[0].values["a"] in ("x", "<mask>") and steps[-1].tokens == result.tokens
    json.dumps(result.to_dict())


def test_user_logits_hook_and_allow_lists():
    tok = tokenizer()
    x_id = tok.encode("x")[0]

    def no_x(step, x, logits):
        logits[..., x_id] = float("-inf")
        return logits

    model = lm(PreferUnused(tok, ["x", "y", "z"]))
    result = refine(model, PAIR, lambda values: [], options=PlanOptions.of(steps=2), logits_hook=no_x)
    assert "x" not in result.values.values()
    result = refine(lm(RandomLogits(tok)), "{d:3}", lambda values: [], options=PlanOptions.of(steps=3),
                    allow={"d": ["1", "2", "3"]})
    assert set(result.values["d"].split()) <= {"1", "2", "3"}


def test_canvas_longer_than_the_model_accepts():
    with pytest.raises(InputError, match=r"the problem needs 70 tokens \(template with its prefix\); the model accepts at most 64"):
        refine(lm(RandomLogits(tokenizer())), "{a:70}", lambda values: [])


def test_template_without_slots_is_checked_once():
    model = lm(RandomLogits(tokenizer()))
    result = refine(model, "step 1 : open the door .", lambda values: [])
    assert result.solved and result.nfe == 0 and model.denoiser.calls == 0 and result.values == {}


def test_options_are_validated():
    with pytest.raises(InputError, match="valid: blamed, blamed_plus_lowconf"):
        PlanOptions.of(remask="everything")
    with pytest.raises(InputError, match="unknown alg"):
        PlanOptions.of(alg="greedy")
    with pytest.raises(InputError, match="max_nfe"):
        PlanOptions.of(max_nfe=0)
    with pytest.raises(InputError, match="unknown option.*stepz.*valid:.*steps"):
        plan(lm(RandomLogits(tokenizer())), "{a:1}", stepz=3)


# --- real models -----------------------------------------------------------------------------

WORDS = ["pick", "place", "open", "cup", "plate", "door", "shelf", "then", "and", "the", "x", "y", "."]


@pytest.fixture(scope="module")
def tiny() -> DiffusionLM:
    tok = VocabTokenizer(WORDS)
    torch.manual_seed(3)
    net = TinyMDM(TinyConfig(vocab_size=tok.vocab_size, max_length=32, dim=32, n_layers=2, n_heads=4, ffn_dim=64))
    return DiffusionLM(TinyDenoiser(net, mask_id=tok.mask_id, pad_id=tok.pad_id), tok, "random-tiny")


def test_refine_batch_equals_refine_per_item(tiny):
    template = "{a|cup,plate,door,shelf} and {b|cup,plate,door,shelf} then {c:2} ."
    prefixes = ["", "open the door .", "pick", "the cup and the plate then x y .", "place"]
    checks = [all_different(["a", "b"], blame="later"), one_of("a", ["cup", "plate"])]
    check = lambda values: check_all(checks, values)  # noqa: E731
    for policy in ("blamed", "blamed_plus_lowconf"):
        # sampled restarts draw from one generator per batch, so exact equality holds without them
        opts = PlanOptions.of(steps=4, max_rounds=4, remask=policy, remask_k=1, retry_temperature=None)
        batch = refine_batch(tiny, requests_for(tiny, [template] * len(prefixes), check, prefixes=prefixes), options=opts)
        single = [refine(tiny, template, check, options=opts, prefix=p) for p in prefixes]
        for b, s in zip(batch, single):
            assert (b.values, b.tokens, b.rounds, b.nfe, b.solved, b.violations) == \
                   (s.values, s.tokens, s.rounds, s.nfe, s.solved, s.violations)
        assert len({r.rounds for r in batch}) > 1  # plans left the batch at different rounds


def test_plan_on_a_random_tiny_model(tiny):
    result = plan(tiny, "pick {a|cup,plate} then {b|open the door,place the cup,x} {c:<=3} .",
                  [one_of("b", ["x"])], steps=6, max_rounds=3, temperature=1.0, seed=1, keep_trace=True)
    # random weights: no promise of a solution, but the structure of every draft holds
    for event in result.trace:
        if event.kind == "check":
            assert event.values["a"] in ("cup", "plate")
            assert event.values["b"] in ("open the door", "place the cup", "x")
    assert result.text.startswith("pick " + result.values["a"] + " then ")
    assert json.loads(json.dumps(result.to_dict()))["rounds"] == result.rounds


def test_plan_on_a_random_dream_checkpoint(random_dream):
    requests = requests_for(random_dream, ["Plan: {a|pick up,put down} the {obj|cup,red plate}, then {note:<=3}.",
                                           "{first|wait,go} and {then|stop,open the fridge}."],
                            [one_of("obj", ["red plate"]), lambda values: []])
    results = refine_batch(random_dream, requests, options=PlanOptions.of(steps=4, max_rounds=2, temperature=1.0))
    assert results[0].values["a"] in ("pick up", "put down") and results[0].values["obj"] in ("cup", "red plate")
    assert results[1].values["first"] in ("wait", "go") and results[1].values["then"] in ("stop", "open the fridge")
    assert results[1].solved and results[1].rounds == 1
    assert results[0].text.startswith("Plan: " + results[0].values["a"])
    # free slots only take ids the tokenizer has, although the model's logits cover more
    assert random_dream.denoiser.vocab_size > random_dream.tokenizer.vocab_size
    free = refine(random_dream, "Note: {n:6} and {m:<=6}.", lambda values: [],
                  options=PlanOptions.of(steps=3, temperature=2.0))
    assert max(free.tokens) < random_dream.tokenizer.vocab_size


def test_plan_api_is_exported_lazily_from_dream_agent():
    import dream_agent
    import planners

    assert dream_agent.plan is planners.plan is plan and dream_agent.refine is refine
    assert dream_agent.PlanOptions is PlanOptions


@pytest.mark.gpu
def test_refine_batch_on_cuda(tiny):
    import copy

    net = copy.deepcopy(tiny.denoiser.model).to("cuda")
    cuda = DiffusionLM(TinyDenoiser(net, mask_id=tiny.denoiser.mask_id, pad_id=tiny.denoiser.pad_id), tiny.tokenizer)
    template = "{a|cup,plate,door} and {b|cup,plate,door} then {c:<=2} ."
    results = refine_batch(cuda, requests_for(cuda, [template, "pick " + template],
                                              all_different(["a", "b"], blame="later")),
                           options=PlanOptions.of(steps=4, max_rounds=3, temperature=1.0, remask="blamed_plus_lowconf"))
    for r in results:
        assert r.values["a"] in ("cup", "plate", "door") and r.nfe <= 3 * 4
