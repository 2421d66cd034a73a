"""The denoising loop, pinned exactly with a scripted denoiser whose distributions are designed."""

from __future__ import annotations

import math

import pytest
import torch

from dream_agent.denoise import (
    ALGORITHMS,
    DenoiseOutput,
    commit_counts,
    confidence_scores,
    denoise,
    filter_logits,
    model_logits,
    select_most_confident,
    timesteps,
    uniform,
)
from dream_agent.protocols import Denoiser

MASK = 5  # tokens 0..4 are words, 5 is the mask
# Designed per-position distributions over the 5 words. They rank differently under each score:
#   max prob:      P0 .50 > P3 .48 > P2 .46 > P1 .40
#   top1 - top2:   P3 .35 > P1 .20 > P2 .02 > P0 .00
#   neg. entropy:  P0 -.69 > P2 -.95 > P1 -1.33 > P3 -1.41
DESIGNED = [
    [0.50, 0.50, 0.00, 0.00, 0.00],
    [0.40, 0.20, 0.20, 0.20, 0.00],
    [0.46, 0.44, 0.10, 0.00, 0.00],
    [0.48, 0.13, 0.13, 0.13, 0.13],
]


class ScriptedDenoiser:
    """Fixed distributions per position (the DESIGNED rows, then 'always word 0'); counts calls."""

    mask_id = MASK
    pad_id = None
    max_length = 16
    shift = False

    def __init__(self, vocab: int = 6) -> None:
        self.calls = 0
        self.vocab = vocab

    @property
    def device(self) -> torch.device:
        return torch.device("cpu")

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        self.calls += 1
        batch, length = input_ids.shape
        probs = torch.zeros(length, self.vocab)
        rows = min(length, len(DESIGNED))
        probs[:rows, :5] = torch.tensor(DESIGNED[:rows])
        probs[rows:, 0] = 1.0
        return probs.log().expand(batch, length, self.vocab).clone()


class RandomDenoiser(ScriptedDenoiser):
    """Logits that depend on the canvas (a fixed random table indexed by neighbours)."""

    def __init__(self, vocab: int = 6, seed: int = 0) -> None:
        super().__init__(vocab)
        g = torch.Generator().manual_seed(seed)
        self.table = torch.randn(vocab, self.max_length, vocab, generator=g) * 2

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        self.calls += 1
        left = torch.roll(input_ids, 1, dims=1)  # (B, L)
        return self.table[left, torch.arange(input_ids.shape[1])]  # (B, L, V)


def masks(*shape: int) -> torch.Tensor:
    return torch.full(shape, MASK, dtype=torch.long)


def commit_step(out: DenoiseOutput, row: int = 0) -> list[int]:
    """For each position, the step at which it stopped being a mask."""
    return [next(i for i, h in enumerate(out.history) if h[row, p] != MASK) for p in range(out.tokens.shape[1])]


def test_scripted_denoiser_fits_the_protocol():
    assert isinstance(ScriptedDenoiser(), Denoiser)


class TestHelpers:
    def test_timesteps_linear_from_one_to_eps(self):
        t = timesteps(4, eps=0.2)
        assert t.shape == (5,)
        assert torch.allclose(t, torch.tensor([1.0, 0.8, 0.6, 0.4, 0.2]))

    def test_commit_counts_are_per_row_and_floor(self):
        assert commit_counts(torch.tensor([8, 2, 0]), 1.0, 0.75, last=False).tolist() == [2, 0, 0]
        assert commit_counts(torch.tensor([8, 2, 0]), 0.5, 0.25, last=True).tolist() == [8, 2, 0]

    def test_commit_counts_match_dreams_float32_arithmetic_everywhere(self):
        # Dream: timesteps = torch.linspace(1, eps, steps + 1) (float32); going from t to s it
        # commits int(n * (1 - s / t)) with n a float32 tensor, and all n at the last step.
        n = torch.arange(0, 257)  # every mask count 0..256
        checked = 0
        for steps in range(1, 257):
            levels = torch.linspace(1, 1e-3, steps + 1, dtype=torch.float32)
            t, s = levels[:-1].unsqueeze(1), levels[1:].unsqueeze(1)  # (steps, 1)
            keep = 1 - s / t  # (steps, 1) float32
            expected = torch.trunc(n.to(torch.float32).unsqueeze(0) * keep)  # (steps, 257)
            expected[-1] = n.to(torch.float32)  # the last step commits what is left
            got = torch.stack([
                commit_counts(n, levels[i], levels[i + 1], last=i == steps - 1) for i in range(steps)
            ])
            mismatch = (got.to(torch.float32) != expected).nonzero().tolist()
            assert not mismatch, f"steps={steps}: (step, masks) {mismatch[:5]}"
            checked += expected.numel()
        assert checked == 257 * 256 * 257 // 2

    def test_commit_counts_known_float32_case(self):
        # 9 steps, 223 masks, step 7: float32 gives 111 where a float64 floor gives 110
        levels = timesteps(9)
        assert commit_counts(torch.tensor([223]), levels[7], levels[8], last=False).tolist() == [111]

    def test_confidence_scores(self):
        probs = torch.tensor(DESIGNED)
        x0 = probs.argmax(-1)
        assert torch.allclose(confidence_scores(probs, x0, "maskgit_plus"), torch.tensor([0.50, 0.40, 0.46, 0.48]))
        assert torch.allclose(confidence_scores(probs, x0, "topk_margin"), torch.tensor([0.0, 0.2, 0.02, 0.35]), atol=1e-6)
        neg_entropy = confidence_scores(probs, x0, "entropy")
        assert neg_entropy[0].item() == pytest.approx(-math.log(2), abs=1e-6)
        assert neg_entropy.argsort(descending=True).tolist() == [0, 2, 1, 3]

    @pytest.mark.parametrize(
        "alg, order", [("maskgit_plus", [0, 3, 2, 1]), ("topk_margin", [3, 1, 2, 0]), ("entropy", [0, 2, 1, 3])]
    )
    def test_select_most_confident_follows_each_algorithm(self, alg, order):
        probs = torch.tensor(DESIGNED)
        score = confidence_scores(probs, probs.argmax(-1), alg).unsqueeze(0)
        is_open = torch.ones(1, 4, dtype=torch.bool)
        for k in range(5):
            chosen = select_most_confident(score, is_open, torch.tensor([k]), alg_temp=None, generator=None)
            assert sorted(torch.nonzero(chosen[0]).flatten().tolist()) == sorted(order[:k])

    def test_select_never_picks_closed_positions(self):
        score = torch.tensor([[9.0, 1.0, 5.0]])
        is_open = torch.tensor([[False, True, True]])
        chosen = select_most_confident(score, is_open, torch.tensor([3]), alg_temp=None, generator=None)
        assert chosen.tolist() == [[False, True, True]]

    def test_alg_temp_samples_positions_by_confidence(self):
        score = torch.tensor([[0.0, math.log(3.0)]])  # softmax -> 1/4, 3/4
        is_open = torch.ones(1, 2, dtype=torch.bool)
        g = torch.Generator().manual_seed(0)
        picks = [select_most_confident(score, is_open, torch.tensor([1]), alg_temp=1.0, generator=g)[0, 1].item()
                 for _ in range(2000)]
        assert sum(picks) / len(picks) == pytest.approx(0.75, abs=0.04)

    def test_filter_logits_top_p_and_top_k(self):
        logits = torch.tensor([[0.5, 0.3, 0.15, 0.05]]).log()
        assert torch.isinf(filter_logits(logits, 0.7, None)).tolist() == [[False, False, True, True]]
        assert torch.isinf(filter_logits(logits, 0.4, None)).tolist() == [[False, True, True, True]]
        assert torch.isinf(filter_logits(logits, None, 3)).tolist() == [[False, False, False, True]]
        assert not torch.isinf(filter_logits(logits, 1.0, None)).any()


class TestCommitOrder:
    # 4 masks, 4 steps (eps 1e-3): floor counts commit 0, 1, 1, then the last 2
    @pytest.mark.parametrize(
        "alg, when",
        [("maskgit_plus", [1, 3, 3, 2]), ("topk_margin", [3, 2, 3, 1]), ("entropy", [1, 3, 2, 3])],
    )
    def test_each_algorithm_commits_in_its_order(self, alg, when):
        out = denoise(ScriptedDenoiser(), masks(1, 4), steps=4, alg=alg, return_history=True)
        assert commit_step(out) == when
        assert out.tokens.tolist() == [[0, 0, 0, 0]]
        assert out.nfe == 4
        assert torch.allclose(out.confidence, torch.tensor([[0.50, 0.40, 0.46, 0.48]]))

    def test_origin_commits_with_probability_one_minus_s_over_t(self):
        # one step of 2 from t=1 to s=0.5: about half of the positions commit
        g = torch.Generator().manual_seed(0)
        out = denoise(ScriptedDenoiser(), masks(1, 16), steps=2, alg="origin", eps=0.5 - 1e-9, generator=g,
                      return_history=True)
        after_first = (out.history[0] != MASK).sum().item()
        assert 3 <= after_first <= 13
        assert (out.tokens != MASK).all()

    def test_the_loop_commits_dreams_float32_counts(self):
        class Wide(ScriptedDenoiser):
            max_length = 256

        def remask_until_step_7(i: int, x: torch.Tensor) -> torch.Tensor | None:
            return masks(1, 223) if i < 7 else None

        out = denoise(Wide(), masks(1, 223), steps=9, alg="maskgit_plus", tokens_hook=remask_until_step_7,
                      return_history=True)
        assert int((out.history[7] == MASK).sum()) == 223 - 111

    def test_fixed_tokens_never_change(self):
        x = torch.tensor([[1, MASK, 2, MASK, MASK, 3, MASK, 4]] * 3)
        for alg in ALGORITHMS:
            out = denoise(RandomDenoiser(), x, steps=3, alg=alg, temperature=1.0,
                          generator=torch.Generator().manual_seed(1))
            fixed = x != MASK
            assert torch.equal(out.tokens[fixed], x[fixed])
            assert (out.tokens != MASK).all()
            assert torch.isnan(out.confidence[fixed]).all() and not torch.isnan(out.confidence[~fixed]).any()

    def test_counts_are_per_row_in_a_mixed_batch(self):
        # row 0: 8 masks; row 1: 2 masks; row 2: none. Steps 1 -> 0.75 -> 0.5, so row 0 commits 2 then 6
        x = torch.tensor([[MASK] * 8, [0, 1, 2, 3, 4, 0, MASK, MASK], [1] * 8])
        out = denoise(ScriptedDenoiser(), x, steps=2, eps=0.5, alg="maskgit_plus", return_history=True)
        first = out.history[0]
        assert (first[0] != MASK).sum().item() == 2
        assert (first[1] != MASK).sum().item() == 6  # floor(2 * 0.25) = 0 new
        assert torch.equal(out.tokens[2], x[2])
        assert (out.tokens != MASK).all()

    def test_padding_is_never_touched(self):
        x = masks(2, 6)
        attention_mask = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]])
        out = denoise(ScriptedDenoiser(), x, steps=3, attention_mask=attention_mask)
        assert out.tokens[1, 4:].tolist() == [MASK, MASK]
        assert (out.tokens[attention_mask.bool()] != MASK).all()

    def test_mask_token_is_never_proposed(self):
        den = ScriptedDenoiser()
        hook = lambda step, x, logits: logits.index_fill(-1, torch.tensor([MASK]), 100.0)  # noqa: E731
        out = denoise(den, masks(1, 4), steps=2, logits_hook=hook)
        assert (out.tokens != MASK).all()


class TestThreshold:
    def test_commits_everything_above_the_threshold(self):
        out = denoise(ScriptedDenoiser(), masks(1, 4), steps=4, alg="maskgit_plus", confidence_threshold=0.47,
                      return_history=True)
        assert commit_step(out) == [0, 2, 1, 0]  # .50 and .48 at once, then .46, then .40

    def test_at_least_the_most_confident_by_alg(self):
        out = denoise(ScriptedDenoiser(), masks(1, 4), steps=8, alg="topk_margin", confidence_threshold=0.9,
                      return_history=True)
        assert commit_step(out) == [3, 1, 2, 0]
        assert out.nfe == 4

    def test_low_threshold_finishes_in_one_call(self):
        den = ScriptedDenoiser()
        out = denoise(den, masks(2, 6), steps=64, confidence_threshold=0.01)
        assert out.nfe == 1 == den.calls
        assert (out.tokens != MASK).all()


class TestSampling:
    def test_same_generator_seed_same_result(self):
        x = masks(2, 10)
        kwargs = dict(steps=5, alg="entropy", temperature=1.0, alg_temp=0.5, top_p=0.9)
        a = denoise(RandomDenoiser(), x, generator=torch.Generator().manual_seed(7), **kwargs)
        b = denoise(RandomDenoiser(), x, generator=torch.Generator().manual_seed(7), **kwargs)
        assert torch.equal(a.tokens, b.tokens)
        others = [denoise(RandomDenoiser(), x, generator=torch.Generator().manual_seed(s), **kwargs).tokens
                  for s in range(8, 12)]
        assert any(not torch.equal(a.tokens, o) for o in others)

    def test_temperature_zero_is_deterministic_without_generator(self):
        x = masks(1, 10)
        assert torch.equal(denoise(RandomDenoiser(), x, steps=4).tokens, denoise(RandomDenoiser(), x, steps=4).tokens)

    def test_top_k_one_equals_greedy(self):
        x = masks(1, 10)
        # one step commits everything at once, so the commit order (which top_k changes) plays no part
        greedy = denoise(RandomDenoiser(), x, steps=1, alg="maskgit_plus").tokens
        sampled = denoise(RandomDenoiser(), x, steps=1, alg="maskgit_plus", temperature=2.0, top_k=1,
                          generator=torch.Generator().manual_seed(3)).tokens
        assert torch.equal(greedy, sampled)


class TestHooks:
    def test_logits_hook_forbidding_a_token_is_obeyed(self):
        seen = []

        def forbid_zero(step, x, logits):
            seen.append((step, x.clone()))
            logits = logits.clone()
            logits[..., 0] = float("-inf")
            return logits

        out = denoise(ScriptedDenoiser(), masks(1, 4), steps=3, alg="maskgit_plus", logits_hook=forbid_zero)
        assert [s for s, _ in seen] == [0, 1, 2]
        assert out.tokens.tolist() == [[1, 1, 1, 1]]  # the next best word of each designed row
        # the confidence follows the hooked distribution: P0 puts all its mass on word 1
        assert out.confidence[0, 0].item() == pytest.approx(1.0)

    def test_forbidding_every_token_is_an_error(self):
        hook = lambda step, x, logits: torch.full_like(logits, float("-inf"))  # noqa: E731
        with pytest.raises(ValueError, match="forbidden"):
            denoise(ScriptedDenoiser(), masks(1, 3), steps=2, logits_hook=hook)

    def test_tokens_hook_sees_each_step_and_may_remask(self):
        calls = []

        def remask_first_once(step, x):
            calls.append(step)
            if step == 0:
                x = x.clone()
                x[:, 0] = MASK
                return x
            return None

        den = ScriptedDenoiser()
        out = denoise(den, masks(1, 4), steps=3, confidence_threshold=0.3, tokens_hook=remask_first_once,
                      return_history=True)
        assert out.history[0][0].tolist() == [MASK, 0, 0, 0]
        assert calls == [0, 1] and out.nfe == 2
        assert (out.tokens != MASK).all() and not torch.isnan(out.confidence).any()


class TestBudget:
    def test_nfe_counts_forward_calls(self):
        den = ScriptedDenoiser()
        out = denoise(den, masks(3, 4), steps=6)
        assert out.nfe == den.calls == 6

    def test_no_masks_means_no_forward_call(self):
        den = ScriptedDenoiser()
        x = torch.tensor([[0, 1, 2]])
        out = denoise(den, x, steps=10, return_history=True)
        assert out.nfe == den.calls == 0
        assert torch.equal(out.tokens, x) and out.history == []

    def test_stops_early_when_done(self):
        den = ScriptedDenoiser()
        out = denoise(den, masks(1, 2), steps=50, alg="origin", temperature=1.0,
                      generator=torch.Generator().manual_seed(0), return_history=True)
        assert out.nfe == den.calls == len(out.history) < 50

    def test_input_is_not_modified(self):
        x = masks(1, 4)
        denoise(ScriptedDenoiser(), x, steps=2)
        assert (x == MASK).all()


class TestRowsOnTheirOwn:
    """Per-row step counts and generators: a row's tokens do not depend on the rows beside it."""

    def test_each_row_follows_its_own_step_count(self):
        x = masks(3, 4)
        together = denoise(ScriptedDenoiser(), x, steps=[4, 1, 2], alg="maskgit_plus", return_history=True)
        for b, steps in enumerate([4, 1, 2]):
            alone = denoise(ScriptedDenoiser(), x[b : b + 1], steps=steps, alg="maskgit_plus", return_history=True)
            assert torch.equal(together.tokens[b], alone.tokens[0])
            # after its last step a row stops changing
            assert all(torch.equal(h[b], a[0]) for h, a in zip(together.history, alone.history + alone.history[-1:] * 4))
        assert together.row_nfe.tolist() == [4, 1, 2] and together.nfe == 4

    @pytest.mark.parametrize("alg, extra", [("entropy", {"alg_temp": 0.5}), ("origin", {}), ("maskgit_plus", {"top_p": 0.9}),
                                            ("topk_margin", {"confidence_threshold": 0.3})])
    def test_a_row_with_its_own_generator_draws_the_same_in_any_batch(self, alg, extra):
        x = torch.tensor([[MASK] * 10, [1, MASK, 2, MASK, MASK, 3, 4, 0, 0, MASK], [MASK] * 10, [0] * 10])
        kwargs = dict(alg=alg, temperature=1.5, **extra)
        seeds, steps = [11, 12, 13, 14], [5, 3, 10, 2]

        def gens(rows):
            return [torch.Generator().manual_seed(seeds[b]) for b in rows]

        together = denoise(RandomDenoiser(), x, steps=steps, generator=gens(range(4)), **kwargs)
        for b in range(4):
            alone = denoise(RandomDenoiser(), x[b : b + 1], steps=steps[b], generator=gens([b]), **kwargs)
            assert torch.equal(together.tokens[b], alone.tokens[0]), b
            assert together.row_nfe[b] == alone.nfe
        # one generator shared by the batch would not do: the rows' draws then depend on each other
        shared = denoise(RandomDenoiser(), x, steps=steps, generator=torch.Generator().manual_seed(11), **kwargs)
        assert not torch.equal(shared.tokens[1:3], together.tokens[1:3])

    def test_done_rows_are_not_run_and_keep_their_tokens(self):
        seen = []

        class Recording(ScriptedDenoiser):
            def __call__(self, input_ids, attention_mask=None):
                seen.append(tuple(input_ids.shape))
                return super().__call__(input_ids, attention_mask)

        def overwrite_row_1(step, xs):
            xs = xs.clone()
            xs[1] = 4
            return xs

        x = torch.tensor([[MASK] * 4, [0, 1, 2, 3]])
        out = denoise(Recording(), x, steps=4, alg="maskgit_plus", tokens_hook=overwrite_row_1)
        assert seen == [(1, 4)] * 4  # only the row with masks, at every step
        assert out.tokens[1].tolist() == [0, 1, 2, 3] and out.row_nfe.tolist() == [4, 0]

    def test_rows_of_different_lengths_run_unpadded_on_a_cpu(self):
        seen = []

        class Recording(ScriptedDenoiser):
            def __call__(self, input_ids, attention_mask=None):
                seen.append((tuple(input_ids.shape), attention_mask))
                return super().__call__(input_ids, attention_mask)

        x = masks(3, 6)
        attention_mask = torch.tensor([[1] * 6, [1] * 4 + [0] * 2, [1] * 4 + [0] * 2])
        out = denoise(Recording(), x, steps=1, attention_mask=attention_mask)
        assert sorted(shape for shape, _ in seen) == [(1, 6), (2, 4)] and all(m is None for _, m in seen)
        assert out.tokens[1:, 4:].eq(MASK).all() and out.nfe == 1

    def test_a_shipped_model_gives_a_row_the_same_logits_in_any_batch(self):
        """The forward itself: a row's logits are bit for bit the same alone and padded in a batch (CPU)."""
        from dream_agent.models import default_model

        model = default_model("blocksworld").denoiser
        g = torch.Generator().manual_seed(0)
        lengths = [57, 62, 40, 62, 89, 12, 57, 30]
        x = torch.randint(0, model.mask_id, (len(lengths), max(lengths)), generator=g)
        x[torch.rand(x.shape, generator=g) < 0.5] = model.mask_id
        attention_mask = (torch.arange(x.shape[1])[None, :] < torch.tensor(lengths)[:, None]).long()
        batch = model_logits(model, x, attention_mask, torch.ones(len(lengths), dtype=torch.bool))
        for b, n in enumerate(lengths):
            alone = model_logits(model, x[b : b + 1, :n], None, torch.ones(1, dtype=torch.bool))
            assert torch.equal(batch[b, :n], alone[0]), b

    def test_uniform_draws_per_row(self):
        gens = [torch.Generator().manual_seed(s) for s in (1, 2, 3)]
        u = uniform(torch.tensor([2, 0, 3]), gens)
        assert torch.equal(u[2:], torch.rand(3, generator=torch.Generator().manual_seed(3)))


class TestArguments:
    @pytest.mark.parametrize(
        "kwargs, match",
        [
            (dict(alg="greedy"), "origin, maskgit_plus, topk_margin, entropy"),
            (dict(steps=0), "steps"),
            (dict(steps=2.5), "steps"),
            (dict(confidence_threshold=0.0), "confidence_threshold"),
            (dict(confidence_threshold=1.5), "confidence_threshold"),
            (dict(temperature=-1.0), "temperature"),
            (dict(top_p=0.0), "top_p"),
            (dict(top_k=0), "top_k"),
            (dict(eps=1.0), "eps"),
            (dict(alg_temp=-0.1), "alg_temp"),
            (dict(attention_mask=torch.ones(1, 3)), "attention_mask"),
            (dict(steps=[2, 3]), "2 step counts for 1 rows"),
            (dict(steps=[0]), "steps"),
            (dict(generator=[torch.Generator()] * 2), "2 generators for 1 rows"),
        ],
    )
    def test_bad_arguments_raise(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            denoise(ScriptedDenoiser(), masks(1, 4), **{"steps": 4, **kwargs})

    def test_bad_canvas(self):
        with pytest.raises(ValueError, match="LongTensor"):
            denoise(ScriptedDenoiser(), torch.zeros(4), steps=2)
        with pytest.raises(ValueError, match="max_length"):
            denoise(ScriptedDenoiser(), masks(1, 17), steps=2)

    def test_shifted_model_cannot_open_position_zero(self):
        den = ScriptedDenoiser()
        den.shift = True
        with pytest.raises(ValueError, match="position 0"):
            denoise(den, masks(1, 4), steps=2)
        out = denoise(den, torch.tensor([[1, MASK, MASK]]), steps=2)
        assert (out.tokens != MASK).all()


def test_docstring_examples():
    import doctest

    import dream_agent.denoise as module

    assert doctest.testmod(module).failed == 0
