"""The denoising loop and its helpers at their edges: boundaries of top_p, temperature and ties,
float32 commit counts, sampled positions, per-row steps and generators, empty batches, what reaches
the model, and the errors a bad canvas gets."""

from __future__ import annotations

import math

import pytest
import torch

from dream_agent.denoise import (
    commit_counts,
    confidence_scores,
    denoise,
    filter_logits,
    model_logits,
    sample_tokens,
    select_most_confident,
    timesteps,
    uniform,
)

MASK = 3  # words 0..2, then the mask


class Uniform:
    """Every word equally likely everywhere; `shift` as a model that predicts from the token before."""

    mask_id = MASK
    pad_id = None
    max_length = 8

    def __init__(self, shift: bool = False) -> None:
        self.shift = shift

    @property
    def device(self) -> torch.device:
        return torch.device("cpu")

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        return torch.zeros(*input_ids.shape, MASK + 1)


class Recorder(Uniform):
    """Uniform, recording how many positions of each row the model attends to; `words` of the vocabulary
    are allowed (the others -inf)."""

    def __init__(self, words: int = MASK, **kw) -> None:
        super().__init__(**kw)
        self.words, self.calls, self.attended = words, 0, []

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        self.calls += 1
        real = torch.ones_like(input_ids) if attention_mask is None else attention_mask
        self.attended.append(real.sum(dim=1).tolist())
        logits = super().__call__(input_ids, attention_mask)
        logits[..., self.words:MASK] = float("-inf")
        return logits


class Slanted(Uniform):
    """The same distribution at every position: word 0 with 0.5, word 1 with 0.3, word 2 with 0.2."""

    max_length = 16

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        logits = torch.tensor([0.5, 0.3, 0.2, 1e-9]).log()
        return logits.expand(*input_ids.shape, MASK + 1).clone()


def canvas(*shape: int) -> torch.Tensor:
    return torch.full(shape, MASK)


class TestLoop:
    def test_history_only_when_asked(self):
        assert denoise(Uniform(), canvas(1, 4), steps=2).history is None

    def test_the_model_never_attends_to_padding(self):
        model = Recorder()
        attention_mask = torch.tensor([[1, 1, 1, 0]])
        out = denoise(model, canvas(1, 4), steps=1, attention_mask=attention_mask)
        assert model.attended == [[3]] and out.tokens[0, 3] == MASK

    def test_an_unknown_alg_is_refused_before_any_model_call(self):
        model = Recorder()
        with pytest.raises(ValueError, match="unknown alg 'greedy'"):
            denoise(model, canvas(1, 4), steps=1, alg="greedy")
        assert model.calls == 0

    def test_top_p_applies_to_the_proposals(self):
        out = denoise(Slanted(), canvas(8, 16), steps=2, temperature=1.0, top_p=0.4,
                      generator=torch.Generator().manual_seed(0))
        assert (out.tokens == 0).all()

    def test_origin_commits_one_minus_s_over_t_at_each_step(self):
        # 4 steps from 1 to ~0: levels 1, .75, .5, .25; step 0 commits 1/4 of 256 masks, step 1 a third of the rest
        out = denoise(Slanted(), canvas(16, 16), steps=4, alg="origin", generator=torch.Generator().manual_seed(0),
                      return_history=True)
        first = int((out.history[0] != MASK).sum())
        second = int((out.history[1] != MASK).sum()) - first
        assert 40 <= first <= 88 and 0.2 <= second / (256 - first) <= 0.47

    def test_alg_temp_samples_the_commit_order(self):
        orders = set()  # for each seed, the step at which each position was committed
        for seed in range(6):
            out = denoise(Slanted(), canvas(1, 6), steps=6, alg="maskgit_plus", alg_temp=5.0,
                          generator=torch.Generator().manual_seed(seed), return_history=True)
            orders.add(tuple(next(i for i, h in enumerate(out.history) if h[0, p] != MASK) for p in range(6)))
        assert len(orders) > 1

    def test_a_proposal_exactly_at_the_threshold_waits(self):
        model = Recorder(words=2)  # two equally likely words: every proposal has probability exactly 0.5
        out = denoise(model, canvas(1, 4), steps=4, confidence_threshold=0.5)
        assert out.nfe == 4 and (out.tokens != MASK).all()

    def test_under_a_threshold_a_row_at_its_last_step_fills_while_the_others_go_on(self):
        # no proposal reaches 0.9 (each word has 1/3): row 1 commits one position a step, row 0 all at once
        out = denoise(Uniform(), canvas(2, 4), steps=[1, 3], confidence_threshold=0.9, return_history=True)
        assert (out.history[0][0] != MASK).all() and int((out.history[0][1] != MASK).sum()) == 1
        assert (out.tokens != MASK).all() and out.row_nfe.tolist() == [1, 3]

    def test_masks_put_back_at_a_rows_last_step_stay(self):
        def remask_position_0(step, x):
            x = x.clone()
            x[:, 0] = MASK
            return x

        model = Recorder()
        out = denoise(model, canvas(2, 4), steps=[2, 4], tokens_hook=remask_position_0)
        assert out.tokens[:, 0].tolist() == [MASK, MASK] and (out.tokens[:, 1:] != MASK).all()
        assert out.row_nfe.tolist() == [2, 4] and model.calls == out.nfe == 4

    def test_steps_may_be_a_tensor_of_one_count_per_row(self):
        x = canvas(2, 4)
        given = denoise(Slanted(), x, steps=torch.tensor([4, 1]), alg="maskgit_plus", return_history=True)
        listed = denoise(Slanted(), x, steps=[4, 1], alg="maskgit_plus", return_history=True)
        assert given.row_nfe.dtype == torch.long and given.row_nfe.tolist() == [4, 1] == listed.row_nfe.tolist()
        assert all(torch.equal(a, b) for a, b in zip(given.history, listed.history, strict=True))

    def test_an_empty_batch_calls_no_model(self):
        model = Recorder()
        for steps in (2, []):
            out = denoise(model, torch.empty(0, 4, dtype=torch.long), steps=steps)
            assert out.tokens.shape == (0, 4) and out.nfe == 0 and out.row_nfe.tolist() == []
        assert model.calls == 0


class TestRowGenerators:
    GENERATORS = staticmethod(lambda: [torch.Generator().manual_seed(s) for s in (1, 2)])

    def test_at_temperature_zero_each_row_takes_its_most_likely_words(self):
        out = denoise(Slanted(), canvas(2, 6), steps=3, alg="maskgit_plus", generator=self.GENERATORS())
        assert (out.tokens == 0).all()

    def test_sampled_rows_do_not_draw_from_the_global_generator(self):
        runs = []
        for global_seed in (0, 1):
            torch.manual_seed(global_seed)
            runs.append(denoise(Uniform(), canvas(2, 8), steps=2, temperature=1.0, generator=self.GENERATORS()).tokens)
        assert torch.equal(runs[0], runs[1])


class TestWhatReachesTheModel:
    def test_rows_that_are_not_right_padded_go_with_their_mask(self):
        model = Recorder()
        out = denoise(model, canvas(2, 4), steps=1, attention_mask=torch.tensor([[0, 1, 1, 1], [1, 1, 1, 1]]))
        assert model.attended == [[3, 4]] and out.tokens[0, 0] == MASK and (out.tokens[:, 1:] != MASK).all()

    def test_off_the_cpu_the_batch_goes_in_one_call_with_its_mask(self):
        seen = []

        def model(input_ids, attention_mask=None):
            seen.append((tuple(input_ids.shape), attention_mask))
            return torch.zeros(*input_ids.shape, MASK + 1, device=input_ids.device)

        x = torch.full((2, 4), MASK, device="meta")  # another device than the CPU (as CUDA would be)
        attention_mask = torch.ones(2, 4, dtype=torch.long, device="meta")
        model_logits(model, x, attention_mask, torch.tensor([True, False], device="meta"))
        assert len(seen) == 1 and seen[0][0] == (2, 4) and seen[0][1] is attention_mask


class TestHookErrors:
    @pytest.mark.parametrize("hook, got", [
        (lambda step, x, logits: logits[..., :-1], "(1, 4, 3)"),
        (lambda step, x, logits: None, "NoneType"),
        (lambda step, x, logits: logits.tolist(), "list"),
    ])
    def test_a_logits_hook_must_keep_the_shape(self, hook, got):
        with pytest.raises(ValueError) as err:
            denoise(Uniform(), canvas(1, 4), steps=2, logits_hook=hook)
        assert str(err.value) == f"step 0: logits_hook must return a tensor of shape (1, 4, 4), got {got}"

    def test_nan_logits_are_an_error(self):
        def nan_at_two(step, x, logits):
            logits[0, 2, 0] = float("nan")
            return logits

        with pytest.raises(ValueError) as err:
            denoise(Uniform(), canvas(1, 4), steps=2, logits_hook=nan_at_two)
        assert str(err.value) == "step 0: the logits hold NaN (check the model's dtype and logits_hook)"

    def test_every_token_forbidden_at_one_open_position(self):
        def close_position_one(step, x, logits):
            logits[0, 1] = float("-inf")
            return logits

        with pytest.raises(ValueError, match="^step 0: every token is forbidden at some open position"):
            denoise(Uniform(), canvas(1, 4), steps=2, logits_hook=close_position_one)

    @pytest.mark.parametrize("returned, message", [
        ([[0, 0, 0, 0]], "tokens_hook must return a tensor or None, got list"),
        (torch.zeros(1, 3, dtype=torch.long), "tokens_hook returned shape (1, 3), expected (1, 4)"),
    ])
    def test_a_tokens_hook_must_return_a_canvas(self, returned, message):
        with pytest.raises(ValueError) as err:
            denoise(Uniform(), canvas(1, 4), steps=2, tokens_hook=lambda step, x: returned)
        assert str(err.value) == message

    def test_a_float_canvas_from_the_tokens_hook_stays_long(self):
        out = denoise(Uniform(), canvas(1, 4), steps=2, tokens_hook=lambda step, x: x.float())
        assert out.tokens.dtype == torch.long


class TestCommitCounts:
    def test_computed_in_float32_whatever_the_levels_dtype(self):
        # 9 steps, 223 masks, step 7: float32 gives 111 where float64 gives 110 (Dream uses float32)
        levels = timesteps(9)
        for t, s in ((levels[7].double(), levels[8].double()), (levels[7].double(), levels[8]),
                     (levels[7], levels[8].double())):
            assert commit_counts(torch.tensor([223]), t, s, last=False).tolist() == [111]

    def test_float64_levels_count_as_their_float32_values(self):
        # levels made in float64 (not the float32 timesteps): 9 steps, step 6 with 334 masks and step 7
        # with 223 give 110 and 111 once rounded to float32, but 111 and 110 in float64
        levels = torch.linspace(1.0, 1e-3, 10, dtype=torch.float64)
        for n, i, expected in ((334, 6, 110), (223, 7, 111)):
            assert commit_counts(torch.tensor([n]), levels[i], levels[i + 1], last=False).tolist() == [expected]


class TestFilterLogits:
    def test_a_token_is_dropped_only_once_the_ones_before_exceed_top_p(self):
        logits = torch.zeros(1, 2)  # probabilities exactly 0.5 and 0.5
        assert not torch.isinf(filter_logits(logits, 0.5, None)).any()
        assert torch.isinf(filter_logits(logits, 0.49, None)).tolist() == [[False, True]]

    def test_top_p_of_one_keeps_every_token(self):
        # the float32 cumulative sum of 1000 probabilities passes 1 before its end: no token may drop
        logits = torch.randn(4, 1000, generator=torch.Generator().manual_seed(0)) * 3
        assert torch.equal(filter_logits(logits, 1.0, None), logits)


class TestUniform:
    def test_draws_in_the_dtype_asked_for(self):
        one = uniform(torch.tensor([2, 3]), torch.Generator().manual_seed(1), dtype=torch.float64)
        assert torch.equal(one, torch.rand(5, generator=torch.Generator().manual_seed(1), dtype=torch.float64))
        per_row = uniform(torch.tensor([2, 0]), TestRowGenerators.GENERATORS(), dtype=torch.float64)
        assert torch.equal(per_row, torch.rand(2, generator=torch.Generator().manual_seed(1), dtype=torch.float64))

    @pytest.mark.parametrize("counts", [[0, 0], []])
    def test_no_draws_and_no_rows(self, counts):
        gens = TestRowGenerators.GENERATORS()[: len(counts)]
        u = uniform(torch.tensor(counts, dtype=torch.long), gens, dtype=torch.float64)
        assert u.shape == (0,) and u.dtype == torch.float64


class TestSampleTokens:
    LOGITS = torch.tensor([[0.6, 0.4, 0.0]]).log()

    def test_temperature_below_one_sharpens(self):
        _, probs = sample_tokens(self.LOGITS, temperature=0.5, top_p=None, top_k=None, generator=None)
        assert probs[0].tolist() == pytest.approx([0.36 / 0.52, 0.16 / 0.52, 0.0])

    def test_temperature_below_one_still_samples(self):
        logits = self.LOGITS.expand(400, 3)
        x0, _ = sample_tokens(logits, temperature=0.5, top_p=None, top_k=None,
                              generator=torch.Generator().manual_seed(0))
        assert 0.2 < (x0 == 1).float().mean().item() < 0.42  # p = 0.31

    def test_top_p_filters_the_distribution(self):
        x0, probs = sample_tokens(self.LOGITS, temperature=1.0, top_p=0.5, top_k=None,
                                  generator=torch.Generator().manual_seed(0))
        assert probs[0].tolist() == [1.0, 0.0, 0.0] and x0.tolist() == [0]


class TestConfidenceScores:
    def test_origin_scores_like_maskgit_plus(self):
        probs = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
        x0 = torch.tensor([1, 2])
        assert confidence_scores(probs, x0, "origin").tolist() == confidence_scores(probs, x0, "maskgit_plus").tolist()
        assert confidence_scores(probs, x0, "origin").tolist() == pytest.approx([0.2, 0.6])

    def test_margin_of_one_position_and_of_one_word(self):
        one_position = torch.tensor([[0.6, 0.3, 0.1]])
        assert confidence_scores(one_position, torch.tensor([0]), "topk_margin").tolist() == pytest.approx([0.3])
        one_word = torch.tensor([[1.0], [1.0]])
        assert confidence_scores(one_word, torch.tensor([0, 0]), "topk_margin").tolist() == [1.0, 1.0]

    def test_unknown_alg_lists_the_valid_ones(self):
        with pytest.raises(ValueError) as err:
            confidence_scores(torch.ones(1, 2) / 2, torch.tensor([0]), "greedy")
        assert str(err.value) == "unknown alg 'greedy'; valid: origin, maskgit_plus, topk_margin, entropy"


class TestSelectMostConfident:
    def test_ties_go_leftmost_first(self):
        score = torch.zeros(1, 1000)
        chosen = select_most_confident(score, torch.ones(1, 1000, dtype=torch.bool), torch.tensor([5]),
                                       alg_temp=None, generator=None)
        assert torch.nonzero(chosen[0]).flatten().tolist() == [0, 1, 2, 3, 4]

    @pytest.mark.parametrize("alg_temp", [1.0, 0.5])
    def test_positions_are_drawn_from_softmax_of_score_over_alg_temp(self, alg_temp):
        rows = 20_000
        score = torch.tensor([0.0, math.log(2.0), math.log(7.0)]).expand(rows, 3)
        chosen = select_most_confident(score, torch.ones(rows, 3, dtype=torch.bool), torch.ones(rows, dtype=torch.long),
                                       alg_temp=alg_temp, generator=torch.Generator().manual_seed(0))
        assert chosen.sum(dim=1).tolist() == [1] * rows
        expected = torch.softmax(score[0] / alg_temp, dim=-1)
        assert chosen.double().mean(dim=0).tolist() == pytest.approx(expected.tolist(), abs=0.015)


class TestArguments:
    @pytest.mark.parametrize("x, got", [
        ([[MASK, MASK]], "list ()"),
        (torch.full((4,), MASK), "torch.int64 (4,)"),
        (torch.full((1, 4), float(MASK)), "torch.float32 (1, 4)"),
    ])
    def test_a_canvas_that_is_not_a_long_matrix(self, x, got):
        with pytest.raises(ValueError) as err:
            denoise(Uniform(), x, steps=2)
        assert str(err.value) == f"x must be a LongTensor of shape (B, L), got {got}"

    def test_steps_none_says_how_to_resolve_it(self):
        with pytest.raises(ValueError) as err:
            denoise(Uniform(), torch.full((1, 4), MASK), steps=None)
        assert str(err.value) == ("steps must be an integer >= 1 (resolve 'one per open token' with "
                                  "SamplingOptions.steps_for)")

    def test_a_shifted_model_may_open_a_padded_position_zero_only(self):
        shifted = Uniform(shift=True)
        ok = denoise(shifted, torch.tensor([[1, MASK, MASK]]), steps=2, attention_mask=torch.ones(1, 3))
        assert (ok.tokens != MASK).all()
        padded = denoise(shifted, torch.tensor([[MASK, 1, MASK]]), steps=2, attention_mask=torch.tensor([[0, 1, 1]]))
        assert padded.tokens.tolist()[0][0] == MASK and padded.tokens[0, 2] != MASK
        with pytest.raises(ValueError) as err:
            denoise(shifted, torch.tensor([[MASK, 1, 1]]), steps=2, attention_mask=torch.tensor([[1, 0, 0]]))
        assert str(err.value) == "position 0 cannot be open: this model predicts each token from the one before it"


class Sure(Uniform):
    """Word 0 at every position, surest at the last positions (position p: logit p)."""

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        logits = super().__call__(input_ids, attention_mask)
        logits[..., 0] = torch.arange(input_ids.shape[1], dtype=logits.dtype)
        return logits


@pytest.mark.parametrize("kw", [{"alg": "maskgit_plus"}, {"alg": "entropy"}, {"alg": "maskgit_plus", "alg_temp": 0.5},
                                {"alg": "maskgit_plus", "confidence_threshold": 0.3}, {"alg": "origin"}])
def test_deferred_positions_wait_for_the_others(kw):
    x = torch.full((2, 6), MASK)
    order = []

    def defer(step, xs):  # positions 3..5 wait while any of 0..2 is open; row 1 defers nothing
        waiting = torch.zeros(xs.shape, dtype=torch.bool)
        if bool((xs[0, :3] == MASK).any()):
            waiting[0, 3:] = True
        return waiting

    def record(step, xs):
        order.append((xs[0] != MASK).tolist())

    out = denoise(Sure(), x, steps=6, defer_hook=defer, tokens_hook=record, generator=torch.Generator().manual_seed(0), **kw)
    assert (out.tokens != MASK).all()
    for committed in order:  # no later position before the first three are all committed
        assert not any(committed[3:]) or all(committed[:3])
    if set(kw) == {"alg"} and kw["alg"] != "origin":  # the surest open position that does not wait comes first
        assert next(c for c in order if any(c)) == [False, False, True, False, False, False]


def test_a_defer_hook_of_the_wrong_shape_is_an_error():
    with pytest.raises(ValueError, match="defer_hook must return a bool tensor of shape"):
        denoise(Uniform(), torch.full((1, 4), MASK), steps=4, defer_hook=lambda step, xs: torch.zeros(1, 3, dtype=torch.bool))
