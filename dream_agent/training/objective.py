"""The masked-diffusion training objective, restricted to a plan's slot positions.

Forward process (absorbing state): draw t ~ U(eps, 1) per sequence and replace each slot token by
the mask token with probability t; the problem (fixed text, givens) always stays visible.
The loss is the cross-entropy of the original tokens at the masked positions under one of two
weightings:

- ``"mdlm"``: the continuous-time ELBO weight 1/t of MDLM (Sahoo et al., 2024, "Simple and
  Effective Masked Diffusion Language Models", eq. 10 with a linear schedule), normalised by the
  number of slot tokens so that the scale does not depend on the plan length.
- ``"mgdm"``: the same ELBO weight times the token-level reweighting of MGDM (Ye et al., 2024,
  "Beyond Autoregression: Discrete Diffusion for Complex Reasoning and Planning"),
  ``alpha * (1 - p)**gamma`` with p the model's probability of the right token (alpha=0.25,
  gamma=2 as in their release), which puts the weight on the hard subgoals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

WEIGHTINGS: tuple[str, ...] = ("mdlm", "mgdm")


@dataclass(frozen=True)
class LossOutput:
    """The scalar loss to minimise and plain-number statistics for logging."""

    loss: torch.Tensor
    masked_ce: float  # mean unweighted cross-entropy over masked tokens
    masked_acc: float  # fraction of masked tokens predicted right (argmax)
    n_masked: int


def corrupt(
    x0: torch.Tensor, slot_mask: torch.Tensor, mask_id: int, generator: torch.Generator, eps: float = 1e-3
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Mask each slot token with probability t (one t per row).

    Args:
        x0: clean token ids (B, L).
        slot_mask: bool (B, L), True at plan positions (the only ones ever masked).
        mask_id: the tokenizer's mask token id.
        generator: source of randomness (seeded by the caller for repeatability).
        eps: smallest t, so that every row has a non-zero weight bound.

    Returns:
        (xt, masked, t): the noised canvas (B, L), bool (B, L) of masked positions, t (B,).
    """
    batch, length = x0.shape
    # Draws come from the generator on its own device (the CPU) and move to the batch's, so a run
    # on a GPU sees the same masks as on the CPU and a CPU generator can drive either.
    t = (eps + (1.0 - eps) * torch.rand(batch, generator=generator)).to(x0.device)  # (B,)
    draw = torch.rand(batch, length, generator=generator).to(x0.device)  # (B, L)
    masked = (draw < t[:, None]) & slot_mask
    # Every row trains on at least one token: force one random slot position when none was drawn.
    empty = ~masked.any(dim=1) & slot_mask.any(dim=1)
    if empty.any():
        scores = torch.rand(batch, length, generator=generator).to(x0.device).masked_fill(~slot_mask, -1.0)
        pick = scores.argmax(dim=1)
        masked[empty, pick[empty]] = True
    xt = torch.where(masked, torch.full_like(x0, mask_id), x0)
    return xt, masked, t


def diffusion_loss(
    logits_fn: Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor],
    x0: torch.Tensor,
    slot_mask: torch.Tensor,
    mask_id: int,
    generator: torch.Generator,
    *,
    attention_mask: torch.Tensor | None = None,
    weighting: str = "mdlm",
    eps: float = 1e-3,
    alpha: float = 0.25,
    gamma: float = 2.0,
) -> LossOutput:
    """One Monte-Carlo estimate of the weighted masked-diffusion loss on a batch.

    Args:
        logits_fn: ``(input_ids, attention_mask) -> logits (B, L, V)``, row i predicting token i.
        x0: clean token ids (B, L).
        slot_mask: bool (B, L), True at plan (slot) positions.
        mask_id: the mask token id.
        generator: randomness for t and the masks.
        attention_mask: optional (B, L) of 1 = real token (batches of different lengths).
        weighting: one of :data:`WEIGHTINGS`.
        eps, alpha, gamma: see the module docstring.
    """
    if weighting not in WEIGHTINGS:
        raise ValueError(f"unknown weighting {weighting!r}; allowed: {', '.join(WEIGHTINGS)}")
    xt, masked, t = corrupt(x0, slot_mask, mask_id, generator, eps)
    logits = logits_fn(xt, attention_mask)  # (B, L, V)
    ce = F.cross_entropy(logits.float().transpose(1, 2), x0, reduction="none")  # (B, L)
    weight = (1.0 / t)[:, None].expand_as(ce)  # ELBO weight per row
    if weighting == "mgdm":
        p = torch.exp(-ce.detach())
        weight = weight * alpha * (1.0 - p) ** gamma
    n_slots = slot_mask.sum().clamp(min=1)
    loss = (ce * weight * masked).sum() / n_slots
    with torch.no_grad():
        n_masked = int(masked.sum())
        correct = (logits.argmax(-1) == x0) & masked
        masked_ce = float((ce * masked).sum() / max(n_masked, 1))
        masked_acc = float(correct.sum()) / max(n_masked, 1)
    return LossOutput(loss=loss, masked_ce=masked_ce, masked_acc=masked_acc, n_masked=n_masked)
