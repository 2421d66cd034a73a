"""The refine loop at its edges, through its public entry points: what reaches the model (padding,
per-row hooks, bans, rules, patterns, shifted models), per-plan NFE, steps and time in a batch,
repaired parallel commits, low-confidence remasking, candidates, traces and budgets."""

from __future__ import annotations

import dataclasses
import itertools
import re
import time

import pytest
import torch
from scripted_lm import WORDS, PreferUnused, RandomLogits, ScriptedDenoiser, lm, tokenizer

from constraints import Violation, all_different, one_of
from constraints.errors import InputError
from dream_agent.vocab_tokenizer import VocabTokenizer
from environments.base import BoundRules
from planners import PlanOptions, plan, refine, refine_batch, requests_for
from planners.jobs import next_seed
from planners.refinement import choice_violations, pattern_violations, round_steps

PAIR = "step 1 : {a|x,y,z} then {b|x,y,z} ."
XYZ = ["x", "y", "z"]


class Recording(PreferUnused):
    """PreferUnused that records, per call, how many positions of each row the model attends to."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.attended: list[list[int]] = []

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        real = torch.ones_like(input_ids) if attention_mask is None else attention_mask
        self.attended.append(real.sum(dim=1).tolist())
        return super().__call__(input_ids, attention_mask)


class SureAfterOpen(ScriptedDenoiser):
    """Certain of "x" everywhere on a canvas that holds "open", undecided between x, y, z elsewhere."""

    def score(self, x: torch.Tensor) -> torch.Tensor:
        ids = [self.tok.encode(w)[0] for w in ("x", "y", "z")]
        logits = torch.full((*x.shape, self.vocab), -20.0)
        for b in range(x.shape[0]):
            sure = self.tok.encode("open")[0] in x[b].tolist()
            logits[b, :, ids] = torch.tensor([10.0, 0.0, 0.0]) if sure else 0.0
        return logits


class SureOnceWritten(ScriptedDenoiser):
    """Undecided between x, y, z on a canvas that holds none of them; certain of "x" once one is written."""

    def score(self, x: torch.Tensor) -> torch.Tensor:
        ids = [self.tok.encode(w)[0] for w in ("x", "y", "z")]
        logits = torch.full((*x.shape, self.vocab), -20.0)
        for b in range(x.shape[0]):
            sure = any(i in x[b].tolist() for i in ids)
            logits[b, :, ids] = torch.tensor([10.0, 0.0, 0.0]) if sure else 0.0
        return logits


def test_round_steps_keep_the_rate_of_the_first_round():
    assert round_steps(8, 1, 1) == 8 and round_steps(8, 1, 2) == 4 and round_steps(8, 0, 0) == 1


def test_seeds_after_a_seed_stay_within_64_bits():
    assert [next_seed(s) for s in (0, 1000, 2**64 - 2, 2**64 - 1)] == [1, 1001, 2**64 - 1, 0]


class TestWhatReachesTheModel:
    def test_rows_of_different_lengths_never_attend_to_padding(self):
        model = lm(Recording(tokenizer(), XYZ))
        requests = requests_for(model, ["{a|x,y}", "the cup and {a|x,y}"], lambda values: [])
        refine_batch(model, requests, options=PlanOptions.of(steps=1))
        # one padded call with an attention mask, or a call per length: each row sees its own tokens only
        attended = sorted(n for call in model.denoiser.attended for n in call)
        assert attended == sorted(len(r.canvas.ids) for r in requests)

    def test_a_row_hook_sees_only_its_row(self):
        tok = tokenizer()
        x_id = tok.encode("x")[0]
        seen = []

        def no_x(step, x, logits):
            seen.append((step, tuple(x.shape), tuple(logits.shape)))
            logits[..., x_id] = float("-inf")
            return logits

        model = lm(PreferUnused(tok, XYZ))
        requests = requests_for(model, ["{a|x,y}"] * 3, lambda values: [], logits_hooks=[None, no_x, None])
        results = refine_batch(model, requests, options=PlanOptions.of(steps=1))
        assert [r.values["a"] for r in results] == ["x", "y", "x"]
        width = len(requests[0].canvas.ids)
        assert seen == [(0, (1, width), (1, width, tok.vocab_size))]

    def test_a_row_hook_may_return_new_logits(self):
        tok = tokenizer()
        x_id = tok.encode("x")[0]

        def no_x(step, x, logits):
            return logits.masked_fill(torch.arange(logits.shape[-1]) == x_id, float("-inf"))

        model = lm(PreferUnused(tok, XYZ))
        requests = requests_for(model, ["{a|x,y}"] * 3, lambda values: [], logits_hooks=[None, no_x, None])
        results = refine_batch(model, requests, options=PlanOptions.of(steps=1))
        assert [r.values["a"] for r in results] == ["x", "y", "x"]

    def test_bans_rules_and_patterns_reach_the_masks(self):
        model = lm(PreferUnused(tokenizer(), XYZ))
        only_z = BoundRules(lambda partial: {"b": {"z"}} if partial.get("b") is None else {})
        banned = refine(model, PAIR, lambda values: [], options=PlanOptions.of(steps=2), ban={"a": ["x"]})
        assert banned.values["a"] != "x"
        [ruled] = refine_batch(model, requests_for(model, [PAIR], lambda values: [], rules=[only_z]),
                               options=PlanOptions.of(steps=2))
        assert ruled.values["b"] == "z"
        digits = refine(lm(RandomLogits(tokenizer())), "{n:<=3}", lambda values: [], options=PlanOptions.of(steps=3),
                        patterns={"n": "[0-9]+"})
        assert re.fullmatch("[0-9]+", digits.values["n"].replace(" ", ""))

    @pytest.mark.parametrize("column", ["checks", "prefixes", "logits_hooks", "allow", "ban", "rules", "patterns"])
    def test_a_column_of_the_wrong_length_is_named(self, column):
        model = lm(PreferUnused(tokenizer(), XYZ))
        kwargs = {"checks": [lambda values: []]} if column == "checks" else {"checks": lambda values: [], column: [None]}
        with pytest.raises(ValueError) as err:
            requests_for(model, ["{a:1}", "{a:1}"], **kwargs)
        assert str(err.value) == f"{column}: got 1 entries for 2 templates"

    def test_a_canvas_of_exactly_the_models_length_fits(self):
        result = refine(lm(RandomLogits(tokenizer())), "{a:64}", lambda values: [], options=PlanOptions.of(steps=1))
        assert len(result.tokens) == 64

    def test_a_shifted_model_needs_a_first_token_before_an_open_slot(self):
        denoiser = PreferUnused(tokenizer(), XYZ)
        denoiser.shift = True  # predicts each token from the one before: position 0 cannot be open
        with pytest.raises(InputError, match="this model cannot fill position 0 and the template starts with a slot"):
            refine(lm(denoiser), "{a|x,y} then {b|x,y}", lambda values: [], options=PlanOptions.of(steps=1))
        result = refine(lm(denoiser), "open {a|x,y}", lambda values: [], options=PlanOptions.of(steps=1))
        assert result.solved and result.values == {"a": "x"}

    @pytest.mark.parametrize("mask_at", [0, 1])
    def test_without_a_pad_token_padding_is_never_read_as_a_mask(self, mask_at):
        # a tokenizer without a pad token and a low mask id: the shorter row is padded with another id, so
        # its steps end once its own positions are filled
        tok = VocabTokenizer(WORDS[:mask_at] + ["<mask>"] + WORDS[mask_at:], pad_token=None)
        model = lm(SureAfterOpen(tok))
        assert (model.denoiser.mask_id, model.denoiser.pad_id) == (mask_at, None)
        opts = PlanOptions.of(steps=3, confidence_threshold=0.9, keep_trace=True)
        requests = requests_for(model, ["{a:3}", "{a:3}"], lambda values: [], prefixes=["open", "the cup and"])
        batch = refine_batch(model, requests, options=opts)
        assert batch[0].values["a"] == "x x x" and [r.nfe for r in batch] == [1, 3]
        assert [[e.step for e in r.trace if e.kind == "step"] for r in batch] == [[0], [0, 1, 2]]


def test_plan_passes_every_argument_on():
    tok = tokenizer()
    events = []
    model = lm(PreferUnused(tok, XYZ))
    result = plan(model, "{a|x,y,z} {b:1}", [], options=PlanOptions.of(steps=1, keep_trace=True), prefix="open",
                  on_step=events.append, allow={"b": ["2"]}, ban={"a": ["x"]})
    assert result.tokens[0] == tok.encode("open")[0] and result.nfe == 1
    assert (result.values["a"], result.values["b"]) == ("y", "2") and tuple(events) == result.trace
    digits = plan(lm(RandomLogits(tok)), "{n:<=3}", [], steps=3, patterns={"n": "[0-9]+"})
    assert re.fullmatch("[0-9]+", digits.values["n"].replace(" ", ""))


def test_each_plan_of_a_batch_counts_the_calls_until_it_was_filled():
    model = lm(SureAfterOpen(tokenizer()))
    opts = PlanOptions.of(steps=3, confidence_threshold=0.9)
    requests = requests_for(model, ["{a:3}", "{a:3}"], lambda values: [], prefixes=["open", "the"])
    batch = refine_batch(model, requests, options=opts)
    assert [r.nfe for r in batch] == [1, 3]
    assert [refine(model, "{a:3}", lambda values: [], options=opts, prefix=p).nfe for p in ("open", "the")] == [1, 3]


def test_each_plan_of_a_batch_traces_the_steps_it_took_part_in():
    model = lm(SureAfterOpen(tokenizer()))
    opts = PlanOptions.of(steps=3, confidence_threshold=0.9, keep_trace=True)
    requests = requests_for(model, ["{a:3}", "{a:3}"], lambda values: [], prefixes=["open", "the"])
    batch = refine_batch(model, requests, options=opts)
    assert [[e.step for e in r.trace if e.kind == "step"] for r in batch] == [[0], [0, 1, 2]]


class TestChecks:
    def test_without_value_sets_a_choice_slot_is_blamed_by_the_loop(self):
        model = lm(PreferUnused(tokenizer(), ["put", "x", "y"]))
        [request] = requests_for(model, ["{a|x,y} {b:1}"], lambda values: [])
        [result] = refine_batch(model, [dataclasses.replace(request, choices=False)],
                                options=PlanOptions.of(steps=1, max_rounds=1))
        assert result.values["a"] == "put" and not result.solved
        assert [(v.constraint, v.kind, v.slots, v.reason) for v in result.violations] == [
            ("choices", "domain", ("a",), "slot a holds 'put', not one of its choices")]

    def test_choice_and_pattern_violations_read_spaces_and_missing_slots(self):
        model = lm(PreferUnused(tokenizer(), XYZ))
        [request] = requests_for(model, ["{a|open the door,x} {n:<=3}"], lambda values: [], patterns=[{"n": "[0-9]+"}])
        canvas = request.canvas
        assert choice_violations(canvas, {"a": " x ", "n": "1"}) == []
        assert [v.reason for v in choice_violations(canvas, {})] == ["slot a holds '', not one of its choices"]
        [bad] = pattern_violations(canvas, {"a": "x", "n": "1 x"})
        assert (bad.constraint, bad.kind, bad.slots) == ("pattern", "domain", ("n",))
        assert bad.reason == "slot n holds '1 x', which does not match '[0-9]+'"
        assert [(v.slots, v.reason) for v in pattern_violations(canvas, {})] == [
            (("n",), "slot n holds '', which does not match '[0-9]+'")]
        assert pattern_violations(canvas, {"n": "12"}) == []

    def test_a_check_that_returns_none_is_an_error(self):
        with pytest.raises(TypeError) as err:
            refine(lm(PreferUnused(tokenizer(), XYZ)), PAIR, lambda values: None, options=PlanOptions.of(steps=1))
        assert str(err.value) == "the check returned None; it must return a list of Violation"

    def test_parallel_commits_of_a_choice_slot_are_repaired_into_one_choice(self):
        # one step commits "x" at both positions: "x x" is neither choice; the repair makes it "x y"
        model = lm(PreferUnused(tokenizer(), XYZ))
        result = refine(model, "{a|x y,y x}", lambda values: [], options=PlanOptions.of(steps=1, max_rounds=1))
        assert result.solved and result.values["a"] == "x y"

    def test_of_equally_bad_drafts_the_first_is_kept(self):
        rounds = iter(range(1, 10))
        check = lambda values: [Violation("c", f"round {next(rounds)}", slots=("a",))]  # noqa: E731
        result = refine(lm(RandomLogits(tokenizer())), "{a:2}", check,
                        options=PlanOptions.of(steps=1, max_rounds=3, temperature=1.0))
        assert result.rounds == 3 and [v.reason for v in result.violations] == ["round 1"]


class TestTemplatesWithoutSlots:
    def test_a_failing_check_runs_once(self):
        never = lambda values: [Violation("c", "no")]  # noqa: E731
        model = lm(RandomLogits(tokenizer()))
        result = refine(model, "open the door .", never, options=PlanOptions.of(max_rounds=5, keep_trace=True))
        assert (result.solved, result.rounds, result.nfe, model.denoiser.calls) == (False, 1, 0, 0)
        assert [(e.kind, e.round, e.violations) for e in result.trace] == [("check", 1, 1)]


class TestTrace:
    def test_events_carry_round_step_and_blame(self):
        model = lm(PreferUnused(tokenizer(), XYZ))
        result = refine(model, PAIR, all_different(["a", "b"], blame="later"),
                        options=PlanOptions.of(steps=2, keep_trace=True))
        assert [(e.kind, e.round, e.step) for e in result.trace] == [
            ("step", 1, 0), ("step", 1, 1), ("check", 1, -1), ("step", 2, 0), ("check", 2, -1)]
        checks = [e for e in result.trace if e.kind == "check"]
        assert [e.blamed for e in checks] == [("b",), ()]

    def test_a_violation_that_blames_nothing_reopens_every_slot(self):
        nothing = lambda values: [Violation("c", "start over")]  # noqa: E731
        result = refine(lm(RandomLogits(tokenizer())), PAIR, nothing,
                        options=PlanOptions.of(steps=1, max_rounds=1, keep_trace=True))
        [check] = [e for e in result.trace if e.kind == "check"]
        assert check.blamed == ("a", "b")

    def test_low_confidence_tokens_reopen_by_the_confidence_they_were_committed_with(self):
        # round 1 commits every slot with 1/3 and blames c: c and the leftmost other (a) reopen; round 2 commits
        # a and c surely, so b, committed in round 1 with 1/3, is now the least confident other
        never = lambda values: [Violation("c", "no", slots=("c",))]  # noqa: E731
        options = PlanOptions.of(steps=1, max_rounds=2, remask="blamed_plus_lowconf", remask_k=1, keep_trace=True)
        result = refine(lm(SureOnceWritten(tokenizer())), "{a|x,y,z} {b|x,y,z} {c|x,y,z}", never, options=options)
        slots = result.slots
        assert [e.remasked for e in result.trace if e.kind == "check"] == [
            slots["a"] + slots["c"], slots["b"] + slots["c"]]


class TestCandidates:
    CHECK = staticmethod(lambda values: one_of("a", ["x"])(values) + one_of("b", ["x"])(values))

    def test_the_first_valid_candidate_ends_the_request(self):
        model = lm(PreferUnused(tokenizer(), XYZ))
        options = PlanOptions.of(steps=1, max_rounds=6, candidates=3, retry_temperature=3.0, keep_trace=True, seed=1)
        result = refine(model, PAIR, self.CHECK, options=options)
        assert result.solved and result.rounds == 1 and result.values == {"a": "x", "b": "x"}
        assert result.nfe == model.denoiser.calls == 2  # the greedy row's call and the sampled rows' call
        assert result.seconds > 0
        for kind in ("step", "check"):
            assert {e.candidate for e in result.trace if e.kind == kind} == {0, 1, 2}

    def test_candidates_go_on_while_none_is_valid(self):
        calls = iter(range(100))
        check = lambda values: [Violation("c", "not yet", slots=("a",))] if next(calls) < 3 else []  # noqa: E731
        options = PlanOptions.of(steps=1, max_rounds=4, candidates=3, retry_temperature=3.0, seed=1)
        result = refine(lm(PreferUnused(tokenizer(), XYZ)), PAIR, check, options=options)
        assert result.solved and result.rounds == 2

    def test_two_candidates_stop_at_the_first_valid_plan(self):
        calls = iter(range(100))
        check = lambda values: [] if next(calls) == 0 else [Violation("c", "no", slots=("a",))]  # noqa: E731
        options = PlanOptions.of(steps=1, max_rounds=4, candidates=2, seed=0)
        result = refine(lm(PreferUnused(tokenizer(), XYZ)), PAIR, check, options=options)
        assert result.solved and result.rounds == 1

    def test_a_plans_nfe_counts_only_the_calls_its_candidates_took_part_in(self):
        # greedy rows go in one call per step, sampled rows in another: "{a:1}" takes part in the first of each
        never = lambda values: [Violation("c", "no", slots=("a",))]  # noqa: E731
        model = lm(RandomLogits(tokenizer()))
        requests = requests_for(model, ["{a:1}", "{a:6}"], never)
        batch = refine_batch(model, requests, options=PlanOptions.of(max_rounds=1, candidates=2, seed=0))
        assert [r.nfe for r in batch] == [2, 12]

    def test_sampled_candidates_use_the_options_temperature(self):
        # at temperature 0.01 every candidate takes the most likely words; retry_temperature is for greedy options
        never = lambda values: [Violation("c", "no")]  # noqa: E731
        options = PlanOptions.of(steps=1, max_rounds=1, candidates=4, temperature=0.01, retry_temperature=5.0, seed=0,
                                 keep_trace=True)
        result = refine(lm(PreferUnused(tokenizer(), XYZ)), PAIR, never, options=options)
        checks = [e for e in result.trace if e.kind == "check"]
        assert sorted(e.candidate for e in checks) == [0, 1, 2, 3]
        assert all(e.values == {"a": "x", "b": "x"} for e in checks)

    def test_extra_candidates_of_greedy_options_sample_at_the_candidate_temperature(self):
        never = lambda values: [Violation("c", "no")]  # noqa: E731

        def drafts(**temperatures):
            options = PlanOptions.of(steps=1, max_rounds=1, candidates=6, seed=0, keep_trace=True, **temperatures)
            result = refine(lm(PreferUnused(tokenizer(), XYZ)), PAIR, never, options=options)
            return [e.values for e in result.trace if e.kind == "check" and e.candidate > 0]

        # the candidate temperature wins over the retry temperature for the extra canvases
        assert all(v == {"a": "x", "b": "x"} for v in drafts(retry_temperature=50.0, candidate_temperature=0.01))
        assert any(v != {"a": "x", "b": "x"} for v in drafts(retry_temperature=0.01, candidate_temperature=50.0))

    def test_a_request_reports_the_rounds_and_time_of_its_longest_candidate(self):
        # the greedy candidate stalls after 2 rounds and is chosen (ties go to the first); the sampled one runs on
        never = lambda values: [Violation("c", "no", slots=("b",))]  # noqa: E731
        stamps = []
        options = PlanOptions.of(steps=1, max_rounds=16, candidates=2, retry_temperature=None, seed=0)
        result = refine(lm(PreferUnused(tokenizer(), XYZ, delay_s=0.002)), PAIR, never, options=options,
                        on_step=lambda event: stamps.append(time.perf_counter()))
        assert result.rounds == 16 and result.trace is None
        assert result.seconds >= stamps[-1] - stamps[0]

    def test_a_valid_candidate_wins_over_an_earlier_invalid_one_whatever_its_rank(self):
        model = lm(PreferUnused(tokenizer(), XYZ))
        [request] = requests_for(model, [PAIR], all_different(["a", "b"]))
        ranked = dataclasses.replace(request, rank=lambda values: 100)
        options = PlanOptions.of(steps=1, max_rounds=1, candidates=4, retry_temperature=3.0, seed=0)
        [result] = refine_batch(model, [ranked], options=options)
        assert result.solved and result.values["a"] != result.values["b"]


class TestBudgetEdges:
    def test_a_budget_spent_before_the_first_round(self):
        model = lm(RandomLogits(tokenizer()))
        template = "{a:2} and {b|x,y}"
        result = refine(model, template, lambda values: [], options=PlanOptions.of(timeout_s=1e-9))
        assert (result.solved, result.rounds, result.nfe) == (False, 0, 0)
        assert result.values == {"a": "", "b": ""}
        [request] = requests_for(model, [template], lambda values: [])
        assert result.tokens == tuple(request.canvas.ids) and result.trace is None
        assert [(v.constraint, v.kind, v.reason) for v in result.violations] == [
            ("budget", "constraint", "the budget ran out before the first round")]

    def test_each_plan_of_a_batch_reports_the_time_until_it_stopped(self):
        # "{a:6}" spends its 6 model calls in round 1; "{a:1}" goes on for 5 more rounds of one call
        never = lambda values: [Violation("c", "no", slots=("a",))]  # noqa: E731
        model = lm(RandomLogits(tokenizer(), delay_s=0.002))
        requests = requests_for(model, ["{a:6}", "{a:1}"], never)
        checks = []
        t0 = time.perf_counter()
        batch = refine_batch(model, requests, options=PlanOptions.of(max_nfe=6, temperature=1.0),
                             on_step=lambda e: checks.append(time.perf_counter()) if e.kind == "check" else None)
        assert [(r.rounds, r.nfe) for r in batch] == [(1, 6), (6, 6)] and len(checks) == 7
        # the first plan stopped before the second one's second round ended
        assert batch[0].seconds < checks[2] - t0 and batch[0].seconds < batch[1].seconds

    def test_a_plan_that_stalls_in_a_batch_reports_the_time_until_it_stalled(self):
        # the first plan reopens everything and stalls after one greedy round; the second blames a and b in
        # turn, so its greedy rounds start from new canvases for a while (rows of the same calls)
        turns = itertools.cycle("ab")
        model = lm(RandomLogits(tokenizer(), delay_s=0.002))
        requests = requests_for(model, ["{a:1}", "{a:1} {b:1}"], [
            lambda values: [Violation("c", "start over")],
            lambda values: [Violation("c", "no", slots=(next(turns),))]])
        checks = []
        t0 = time.perf_counter()
        options = PlanOptions.of(steps=1, max_rounds=8, retry_temperature=None)
        batch = refine_batch(model, requests, options=options,
                             on_step=lambda e: checks.append((e.index, time.perf_counter())) if e.kind == "check" else None)
        assert batch[0].rounds == 1 and batch[1].rounds >= 3
        second = [t for index, t in checks if index == 1]
        assert batch[0].seconds < second[1] - t0 and batch[0].seconds < batch[1].seconds

    def test_a_candidate_left_no_time_for_a_round_leaves_the_plan_to_one_that_ran(self):
        # the greedy candidate's round takes 0.1 s of the 0.05 s: the sampled one gets no step
        never = lambda values: [Violation("c", "no", slots=("a",))]  # noqa: E731
        model = lm(RandomLogits(tokenizer(), delay_s=0.1))
        result = refine(model, "{a:2}", never, options=PlanOptions.of(steps=1, candidates=2, timeout_s=0.05, seed=0))
        assert result.rounds == 1 and result.nfe == 1 and [v.constraint for v in result.violations] == ["c"]

    def test_rounds_are_cut_to_the_time_left(self):
        # 5 steps a round at 30 ms a model call: rounds after the first never run past the timeout, so at most
        # 0.39 s / 30 ms = 13 calls (two full rounds, then 3 steps or fewer)
        never = lambda values: [Violation("c", "no", slots=("a",))]  # noqa: E731
        model = lm(RandomLogits(tokenizer(), delay_s=0.03))
        result = refine(model, "{a:5}", never, options=PlanOptions.of(steps=5, timeout_s=0.39, temperature=1.0))
        assert 5 <= result.nfe <= 13

    def test_a_stalled_greedy_plan_restarts_with_sampling_for_the_rounds_left(self):
        never = lambda values: [Violation("c", "no", slots=("b",))]  # noqa: E731
        result = refine(lm(PreferUnused(tokenizer(), XYZ)), PAIR, never,
                        options=PlanOptions.of(steps=1, max_rounds=7, retry_temperature=1.0))
        assert result.rounds == 7  # greedy stalls after 2 rounds; sampled rounds never repeat a canvas

    def test_the_same_seed_gives_the_same_sampled_plan(self):
        options = PlanOptions.of(steps=2, max_rounds=3, temperature=1.0, seed=5)
        never = lambda values: [Violation("c", "no", slots=("a",))]  # noqa: E731
        runs = [refine(lm(RandomLogits(tokenizer(), seed=2)), "{a:3} {b:2}", never, options=options).tokens
                for _ in range(2)]
        torch.manual_seed(123)  # the global generator plays no part
        runs.append(refine(lm(RandomLogits(tokenizer(), seed=2)), "{a:3} {b:2}", never, options=options).tokens)
        assert runs[0] == runs[1] == runs[2]
