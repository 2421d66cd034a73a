"""The denoising loop: a canvas with masks -> tokens, step by step, under hooks.

Dream's sampler (Ye et al. 2025, "Dream 7B") with Fast-dLLM's confidence-threshold parallel
decoding (Wu et al. 2025, "Fast-dLLM"); commit counts are per row, so canvases may differ. Rows
may follow their own step counts and draw from their own generators: then a row's tokens do not
depend on the other rows of its batch (see `model_logits` for the forward itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import torch
import torch.nn.functional as F

from dream_agent.options import ALGORITHMS, SamplingOptions
from dream_agent.protocols import Denoiser

_DEFAULT = SamplingOptions()  # the one place sampling defaults are declared

LogitsHook = Callable[[int, torch.Tensor, torch.Tensor], torch.Tensor]
TokensHook = Callable[[int, torch.Tensor], "torch.Tensor | None"]
DeferHook = Callable[[int, torch.Tensor], "torch.Tensor | None"]


@dataclass(frozen=True)
class DenoiseOutput:
    """What `denoise` returns.

    Attributes:
        tokens: the final canvas (B, L).
        nfe: number of steps that called the model (the most any row took part in).
        confidence: (B, L) float32, the probability of the token each open position was
            committed with (under the filtered, hooked distribution); nan where the loop
            committed nothing (fixed, padded, or still-masked positions).
        history: the canvas after every step (each (B, L)), or None.
        row_nfe: (B,) long, the model calls each row took part in (the steps it entered with
            open positions, within its own step count); None only where a caller built it so.
    """

    tokens: torch.Tensor
    nfe: int
    confidence: torch.Tensor
    history: list[torch.Tensor] | None = None
    row_nfe: torch.Tensor | None = None


def timesteps(steps: int, eps: float = 1e-3) -> torch.Tensor:
    """Noise levels t_0 = 1 > ... > t_steps = eps, linear as in Dream; step i goes t_i -> t_{i+1}.

    >>> [round(t, 3) for t in timesteps(4, eps=0.2).tolist()]
    [1.0, 0.8, 0.6, 0.4, 0.2]
    """
    return torch.linspace(1.0, eps, steps + 1)


def commit_counts(
    n_masked: torch.Tensor, t: torch.Tensor | float, s: torch.Tensor | float, last: bool
) -> torch.Tensor:
    """How many masked positions each row commits when going from noise level t to s.

    int(n_masked * (1 - s/t)) computed in float32, as Dream does with its float32 timesteps
    (a float64 floor differs in a few cases, e.g. 223 masks at step 7 of 9); all at the last step.

    >>> commit_counts(torch.tensor([10, 3, 0]), t=1.0, s=0.5, last=False).tolist()
    [5, 1, 0]
    """
    if last:
        return n_masked.clone()
    t = torch.as_tensor(t, dtype=torch.float32, device=n_masked.device)
    s = torch.as_tensor(s, dtype=torch.float32, device=n_masked.device)
    # truncation toward zero, as int() does; the product is never negative
    return (n_masked.float() * (1 - s / t)).long()


def filter_logits(logits: torch.Tensor, top_p: float | None, top_k: int | None) -> torch.Tensor:
    """Keep the nucleus (smallest set with cumulative probability >= top_p) and the top_k logits.

    The most likely token always survives; removed entries become -inf.
    """
    if top_p is not None and top_p < 1:
        sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
        cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
        # drop a token once the more likely tokens before it already exceed top_p (as Dream does)
        drop_sorted = torch.zeros_like(cumulative, dtype=torch.bool)
        drop_sorted[..., 1:] = cumulative[..., :-1] > top_p
        drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
        logits = logits.masked_fill(drop, float("-inf"))
    if top_k is not None and top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    return logits


def sample_tokens(
    logits: torch.Tensor,
    *,
    temperature: float,
    top_p: float | None,
    top_k: int | None,
    generator: torch.Generator | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Propose a token for each row of logits (N, V); return (x0 (N,), probs (N, V)).

    Temperature 0 takes the argmax; otherwise logits are divided by the temperature, filtered
    by top_p / top_k, and a token is drawn from the resulting distribution `probs`.
    """
    if temperature > 0:
        logits = logits / temperature
    probs = filter_logits(logits, top_p, top_k).softmax(dim=-1)  # (N, V)
    if temperature > 0:
        x0 = torch.multinomial(probs, 1, generator=generator).squeeze(-1)
    else:
        x0 = probs.argmax(dim=-1)
    return x0, probs


def confidence_scores(probs: torch.Tensor, x0: torch.Tensor, alg: str) -> torch.Tensor:
    """Score how sure the model is at each position (N,); higher commits earlier.

    maskgit_plus: probability of the proposed token; topk_margin: top-1 minus top-2
    probability; entropy: negative entropy of the distribution; origin: probability (only
    used to break the tie of which token to commit first under a confidence threshold).
    """
    if alg in ("origin", "maskgit_plus"):
        return probs.gather(-1, x0.unsqueeze(-1)).squeeze(-1)
    if alg == "topk_margin":
        top2 = torch.topk(probs, min(2, probs.shape[-1]), dim=-1).values
        return top2[:, 0] - (top2[:, 1] if top2.shape[1] > 1 else 0.0)
    if alg == "entropy":
        return (probs * torch.log(probs + 1e-10)).sum(dim=-1)
    raise ValueError(f"unknown alg {alg!r}; valid: {', '.join(ALGORITHMS)}")


def is_per_row(generator: Any) -> bool:
    """Whether `generator` is one generator per row (a list or tuple) rather than one for the batch."""
    return isinstance(generator, (list, tuple))


def uniform(
    counts: torch.Tensor,
    generator: torch.Generator | Sequence[torch.Generator] | None,
    *,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """sum(counts) numbers uniform in [0, 1): all from one generator, or counts[b] from row b's own.

    >>> gens = [torch.Generator().manual_seed(s) for s in (1, 2)]
    >>> row_1 = uniform(torch.tensor([2, 3]), gens)[2:]
    >>> torch.equal(row_1, torch.rand(3, generator=torch.Generator().manual_seed(2)))
    True
    """
    if not is_per_row(generator):
        return torch.rand(int(counts.sum()), generator=generator, device=device, dtype=dtype)
    parts = [torch.rand(n, generator=g, device=device, dtype=dtype) if n else torch.empty(0, device=device, dtype=dtype)
             for n, g in zip(counts.tolist(), generator)]
    return torch.cat(parts) if parts else torch.empty(0, device=device, dtype=dtype)


def propose_tokens(
    logits: torch.Tensor,
    counts: torch.Tensor,
    *,
    temperature: float,
    top_p: float | None,
    top_k: int | None,
    generator: torch.Generator | Sequence[torch.Generator] | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """`sample_tokens` over the open positions of a batch (N, V), counts[b] of them in row b, in row order.

    With one generator per row each row draws from its own, so its tokens do not depend on how
    many positions the other rows have open.
    """
    kwargs = {"temperature": temperature, "top_p": top_p, "top_k": top_k}
    if not is_per_row(generator):
        return sample_tokens(logits, generator=generator, **kwargs)
    if temperature == 0:  # no draws: the argmax of each row is its own
        return sample_tokens(logits, generator=None, **kwargs)
    parts = [sample_tokens(chunk, generator=g, **kwargs)
             for chunk, g in zip(logits.split(counts.tolist()), generator) if len(chunk)]
    return torch.cat([x0 for x0, _ in parts]), torch.cat([probs for _, probs in parts])


def select_most_confident(
    score: torch.Tensor,
    is_open: torch.Tensor,
    k: torch.Tensor,
    *,
    alg_temp: float | None,
    generator: torch.Generator | Sequence[torch.Generator] | None,
) -> torch.Tensor:
    """Pick k[b] open positions of each row b of score (B, L): a (B, L) bool mask.

    alg_temp None/0 takes the k highest scores (ties: leftmost first); otherwise positions are
    drawn without replacement from softmax(score / alg_temp), via the Gumbel-top-k trick (with
    one generator per row, row b draws one number per open position from its own).
    """
    score = score.double()
    if alg_temp:
        if is_per_row(generator):
            u = _on_canvas(is_open, uniform(is_open.sum(dim=1), generator, device=score.device, dtype=score.dtype), 0.5)
        else:
            u = torch.rand(score.shape, generator=generator, device=score.device, dtype=score.dtype)
        gumbel = -torch.log(-torch.log(u.clamp_min(1e-20)))
        score = score / alg_temp + gumbel
    score = score.masked_fill(~is_open, float("-inf"))
    order = torch.sort(score, dim=-1, descending=True, stable=True).indices  # (B, L)
    positions = torch.arange(score.shape[1], device=score.device).expand_as(order)
    rank = torch.empty_like(order).scatter_(-1, order, positions)  # rank[b, j]: place of j in row b
    return (rank < k.unsqueeze(-1)) & is_open


def model_logits(denoiser: Denoiser, x: torch.Tensor, attention_mask: torch.Tensor | None,
                 rows: torch.Tensor) -> torch.Tensor:
    """Logits (B, L, V) of the canvas x for the rows where `rows` (B,) is True (the others: 0).

    On a CPU, right-padded rows run grouped by length, each group unpadded in its own call: the
    attention kernels round differently at different padded widths (a tiny model's logits move
    by up to 1e-5), while the number of rows in a call leaves a row's logits bit for bit the same
    (measured with MKL and oneDNN on x86). A row's logits, and with them its tokens, then do not
    depend on the other rows of its batch. Elsewhere (CUDA) the batch goes as one call: there
    kernels are chosen by the shape of the whole batch, so splitting it would cost throughput
    and buy no such guarantee.
    """
    batch, length = x.shape
    if x.device.type != "cpu":
        return denoiser(x, attention_mask)
    lengths = [length] * batch
    if attention_mask is not None:
        real = attention_mask.bool()
        lengths = real.sum(dim=1).tolist()
        if not bool((real == (torch.arange(length, device=x.device) < real.sum(dim=1, keepdim=True))).all()):
            return denoiser(x, attention_mask)  # not right padding: the rows go as given
    groups: dict[int, list[int]] = {}
    for b in rows.nonzero().flatten().tolist():
        groups.setdefault(lengths[b], []).append(b)
    if len(groups) == 1 and length in groups and len(groups[length]) == batch:
        return denoiser(x, None)  # every row, at full length: one call, no copy
    out: torch.Tensor | None = None
    for n, members in groups.items():
        index = torch.tensor(members, device=x.device)
        logits = denoiser(x[index, :n], None)  # (len(members), n, V)
        if out is None:
            out = logits.new_zeros((batch, length, logits.shape[-1]))
        out[index, :n] = logits
    return out


def _on_canvas(is_open: torch.Tensor, values: torch.Tensor, fill: float | int | bool) -> torch.Tensor:
    """Put per-open-position values (N,) back on the canvas (B, L), `fill` elsewhere."""
    full = torch.full(is_open.shape, fill, dtype=values.dtype, device=values.device)
    full[is_open] = values
    return full


def _check_arguments(denoiser: Denoiser, x: torch.Tensor, attention_mask: torch.Tensor | None, steps: Any,
                     generator: Any) -> list[int]:
    """Validate the canvas and its companions; return the step count of each row."""
    if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.dtype != torch.long:
        got = f"{getattr(x, 'dtype', type(x).__name__)} {tuple(getattr(x, 'shape', ()))}"
        raise ValueError(f"x must be a LongTensor of shape (B, L), got {got}")
    if x.shape[1] > denoiser.max_length:
        raise ValueError(f"canvas length {x.shape[1]} exceeds the model's max_length {denoiser.max_length}")
    if attention_mask is not None and attention_mask.shape != x.shape:
        raise ValueError(f"attention_mask shape {tuple(attention_mask.shape)} differs from x shape {tuple(x.shape)}")
    if steps is None:
        raise ValueError("steps must be an integer >= 1 (resolve 'one per open token' with SamplingOptions.steps_for)")
    if is_per_row(generator) and len(generator) != x.shape[0]:
        raise ValueError(f"generator: got {len(generator)} generators for {x.shape[0]} rows (give one, or one per row)")
    row_steps = steps.tolist() if isinstance(steps, torch.Tensor) else steps
    row_steps = list(row_steps) if isinstance(row_steps, (list, tuple)) else [row_steps] * x.shape[0]
    if len(row_steps) != x.shape[0]:
        raise ValueError(f"steps: got {len(row_steps)} step counts for {x.shape[0]} rows (give one, or one per row)")
    if denoiser.shift:
        first_open = x[:, 0] == denoiser.mask_id
        if attention_mask is not None:
            first_open &= attention_mask[:, 0].bool()
        if bool(first_open.any()):
            raise ValueError("position 0 cannot be open: this model predicts each token from the one before it")
    return row_steps


DEFERRED = 1e6  # subtracted from a waiting position's score: every score lies within [-log V, 1]


def _deferred(defer_hook: DeferHook | None, step: int, x: torch.Tensor, is_open: torch.Tensor) -> torch.Tensor:
    """The open positions the hook says must wait: (B, L) bool (none without a hook)."""
    waiting = None if defer_hook is None else defer_hook(step, x)
    if waiting is None:
        return torch.zeros_like(is_open)
    if tuple(waiting.shape) != tuple(is_open.shape) or waiting.dtype != torch.bool:
        raise ValueError(f"step {step}: defer_hook must return a bool tensor of shape {tuple(is_open.shape)}, "
                         f"got {waiting.dtype} {tuple(waiting.shape)}")
    return waiting.to(is_open.device) & is_open


def _schedules(row_steps: list[int], eps: float) -> torch.Tensor:
    """Each row's noise levels (B, max steps + 1): row b's first steps[b] + 1 are `timesteps(steps[b])`."""
    longest = max(row_steps, default=0)
    table = {n: F.pad(timesteps(n, eps), (0, longest - n), value=eps) for n in set(row_steps)}
    return torch.stack([table[n] for n in row_steps]) if row_steps else torch.empty(0, longest + 1)


@torch.no_grad()
def denoise(
    denoiser: Denoiser,
    x: torch.Tensor,
    *,
    steps: int | Sequence[int] | torch.Tensor,
    alg: str = _DEFAULT.alg,
    alg_temp: float | None = _DEFAULT.alg_temp,
    temperature: float = _DEFAULT.temperature,
    top_p: float | None = _DEFAULT.top_p,
    top_k: int | None = _DEFAULT.top_k,
    eps: float = _DEFAULT.eps,
    confidence_threshold: float | None = _DEFAULT.confidence_threshold,
    attention_mask: torch.Tensor | None = None,
    logits_hook: LogitsHook | None = None,
    tokens_hook: TokensHook | None = None,
    defer_hook: DeferHook | None = None,
    generator: torch.Generator | Sequence[torch.Generator] | None = None,
    return_history: bool = False,
) -> DenoiseOutput:
    """Fill every masked position of the canvas x (B, L) with a masked diffusion model.

    Follows Dream's sampler (Ye et al. 2025): noise levels fall linearly from 1 to eps over
    `steps`; going from t to s, `origin` commits each masked position with probability
    1 - s/t (a sampled token), while `maskgit_plus`, `topk_margin` and `entropy` commit the
    int(n_masked * (1 - s/t)) most confident masked positions of each row (all of them at
    the last step). With `confidence_threshold` (Fast-dLLM, Wu et al. 2025) a step instead
    commits every masked position whose proposed token has probability above the threshold,
    and at least the most confident one per row. The mask token itself is never proposed.

    A row is done once it enters a step with no open position or has run its own steps; it
    then stops changing (the model is not run on it, a tokens hook's changes to it are not kept).

    Args:
        denoiser: the model; its `mask_id` marks open positions.
        x: LongTensor (B, L); positions equal to mask_id are open, all others stay as they are.
        steps: maximum number of steps (model calls), for every row or one count per row (B,);
            each row follows its own schedule. Callers resolve a default with
            `SamplingOptions.steps_for` (one step per open token).
        alg: one of ALGORITHMS, how positions are chosen.
        alg_temp: None/0 commits the most confident positions; > 0 samples positions from
            softmax(confidence / alg_temp) without replacement.
        temperature: 0 takes the most likely token, > 0 samples.
        top_p: nucleus filtering of the token distribution (None: off).
        top_k: keep only the k most likely tokens (None: off).
        eps: the final noise level.
        confidence_threshold: in (0, 1]; turns on threshold parallel decoding.
        attention_mask: (B, L), 1 = real token; positions with 0 are never touched.
        logits_hook: `(step, x, logits) -> logits`, applied before sampling, so constraints
            shape both the proposal and the confidence (rows that are done hold zeros).
        tokens_hook: `(step, x) -> x | None`, called after each step's commits; it may
            observe, or return a new canvas (e.g. with positions masked again; masks put back
            at a row's last step stay in the output).
        defer_hook: `(step, x) -> (B, L) bool | None`, called after the logits hook: open positions
            that wait until the row's other open positions are committed (a fill order; they are
            committed earlier only when a step commits more positions than the others, or at the
            row's last step). A confidence threshold does not commit them either.
        generator: makes sampling repeatable: one for the batch, or one per row, so that each
            row's draws come from its own and its tokens do not depend on the other rows.
        return_history: keep the canvas after every step.

    Returns:
        DenoiseOutput with the tokens, nfe (per batch and per row), confidence and optional history.
    """
    row_steps = _check_arguments(denoiser, x, attention_mask, steps, generator)
    # the sampling knobs are validated where they are declared (raises InputError, a ValueError)
    for n in set(row_steps):
        SamplingOptions(steps=n, alg=alg, alg_temp=alg_temp, eps=eps, temperature=temperature, top_p=top_p,
                        top_k=top_k, confidence_threshold=confidence_threshold)
    mask_id = denoiser.mask_id
    x = x.clone()
    real = torch.ones_like(x, dtype=torch.bool) if attention_mask is None else attention_mask.bool()
    confidence = torch.full(x.shape, float("nan"), dtype=torch.float32, device=x.device)
    history: list[torch.Tensor] | None = [] if return_history else None
    levels = _schedules(row_steps, eps).to(x.device)  # (B, max steps + 1) float32, as in Dream
    steps_of = torch.tensor(row_steps, dtype=torch.long, device=x.device)  # (B,) each row's step count
    done = torch.zeros(x.shape[0], dtype=torch.bool, device=x.device)
    row_nfe = torch.zeros(x.shape[0], dtype=torch.long, device=x.device)
    nfe = 0

    for i in range(max(row_steps, default=0)):
        is_open = (x == mask_id) & real  # (B, L)
        done |= ~is_open.any(dim=1) | (steps_of <= i)  # a done row stays done
        if bool(done.all()):
            break
        is_open &= ~done.unsqueeze(1)
        logits = model_logits(denoiser, x, attention_mask, ~done)  # (B, L, V)
        nfe += 1
        row_nfe += ~done
        if logits_hook is not None:
            shape = tuple(logits.shape)
            logits = logits_hook(i, x, logits)
            if not isinstance(logits, torch.Tensor) or tuple(logits.shape) != shape:
                got = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
                raise ValueError(f"step {i}: logits_hook must return a tensor of shape {shape}, got {got}")
        open_logits = logits[is_open].float()  # (N, V), N open positions over the batch
        open_logits[:, mask_id] = float("-inf")
        if bool(torch.isnan(open_logits).any()):
            raise ValueError(f"step {i}: the logits hold NaN (check the model's dtype and logits_hook)")
        if bool(torch.isneginf(open_logits).all(dim=-1).any()):
            raise ValueError(f"step {i}: every token is forbidden at some open position (check logits_hook)")
        x0, probs = propose_tokens(open_logits, is_open.sum(dim=1), temperature=temperature, top_p=top_p,
                                   top_k=top_k, generator=generator)
        p_x0 = probs.gather(-1, x0.unsqueeze(-1)).squeeze(-1)  # (N,)

        # which open positions to commit this step: (B, L) bool; a row's last step fills everything
        last = (steps_of == i + 1).unsqueeze(1)  # (B, 1)
        commit = is_open & last
        stepping = is_open & ~last  # the open positions of rows before their last step
        if bool(stepping.any()):
            t, s = levels[:, i], levels[:, i + 1]  # (B,) each row's noise levels
            waiting = _deferred(defer_hook, i, x, is_open)
            if alg == "origin" and confidence_threshold is None:
                keep = (1.0 - s / t).unsqueeze(1).expand_as(x)[stepping]  # (n,) per stepping position
                coin = uniform(stepping.sum(dim=1), generator, device=x.device) < keep
                commit |= _on_canvas(stepping, coin, False) & ~waiting
            else:
                score = _on_canvas(is_open, confidence_scores(probs, x0, alg).double(), float("-inf"))
                score = score - DEFERRED * waiting  # below every other open position, in their own order
                if confidence_threshold is None:
                    k = commit_counts(stepping.sum(dim=1), t, s, last=False)
                else:
                    k = torch.ones(x.shape[0], dtype=torch.long, device=x.device)  # at least one a row
                    commit |= stepping & _on_canvas(is_open, p_x0 > confidence_threshold, False) & ~waiting
                commit |= select_most_confident(score, stepping, k, alg_temp=alg_temp, generator=generator)

        x = torch.where(commit, _on_canvas(is_open, x0, mask_id), x)
        confidence = torch.where(commit, _on_canvas(is_open, p_x0, float("nan")), confidence)

        if tokens_hook is not None:
            new_x = tokens_hook(i, x)
            if new_x is not None:
                if not isinstance(new_x, torch.Tensor):
                    raise ValueError(f"tokens_hook must return a tensor or None, got {type(new_x).__name__}")
                if new_x.shape != x.shape:
                    raise ValueError(f"tokens_hook returned shape {tuple(new_x.shape)}, expected {tuple(x.shape)}")
                before = x
                x = torch.where(real & ~done.unsqueeze(1), new_x.to(x.device, torch.long), x)
                # a position the hook changed no longer holds what the loop committed
                confidence = confidence.masked_fill(x != before, float("nan"))
        if history is not None:
            history.append(x.clone())

    return DenoiseOutput(tokens=x, nfe=nfe, confidence=confidence, history=history, row_nfe=row_nfe)
