"""The denoising loop and its helpers at their edges: boundaries of top_p, temperature and ties,
float32 commit counts, sampled positions, and the errors a bad canvas gets."""

from __future__ import annotations

import math

import pytest
import torch

from dream_agent.denoise import (
    commit_counts,
    confidence_scores,
    denoise,
    filter_logits,
    sample_tokens,
    select_most_confident,
    timesteps,
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


class TestCommitCounts:
    def test_computed_in_float32_whatever_the_levels_dtype(self):
        # 9 steps, 223 masks, step 7: float32 gives 111 where float64 gives 110 (Dream uses float32)
        levels = timesteps(9)
        for t, s in ((levels[7].double(), levels[8].double()), (levels[7].double(), levels[8]),
                     (levels[7], levels[8].double())):
            assert commit_counts(torch.tensor([223]), t, s, last=False).tolist() == [111]


class TestFilterLogits:
    def test_a_token_is_dropped_only_once_the_ones_before_exceed_top_p(self):
        logits = torch.zeros(1, 2)  # probabilities exactly 0.5 and 0.5
        assert not torch.isinf(filter_logits(logits, 0.5, None)).any()
        assert torch.isinf(filter_logits(logits, 0.49, None)).tolist() == [[False, True]]


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
