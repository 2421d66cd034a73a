"""Text infilling: text with mask tokens in it -> the same text with every mask filled."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import torch

from constraints.errors import InputError
from dream_agent.denoise import LogitsHook, denoise
from dream_agent.options import SamplingOptions
from dream_agent.protocols import DiffusionLM


@dataclass(frozen=True)
class InfillResult:
    """The filled text and what it cost.

    Attributes:
        text: the input text with each run of masks replaced by the model's tokens; the text
            between masks is kept character for character; pad ("empty") tokens read as nothing.
        fills: the text put in for each run of adjacent masks, in order.
        tokens: the final canvas ids.
        masks: how many mask tokens the input held.
        nfe: model forward calls.
        seconds: wall time of the denoising.
    """

    text: str
    fills: tuple[str, ...]
    tokens: tuple[int, ...]
    masks: int
    nfe: int
    seconds: float


def split_on_masks(text: str, mask_token: str) -> list[str]:
    """The fixed pieces of `text` around its mask tokens (n masks -> n + 1 pieces).

    >>> split_on_masks("a <m><m> b <m>", "<m>")
    ['a ', '', ' b ', '']
    """
    return text.split(mask_token)


def infill_text(
    model: DiffusionLM,
    text: str,
    *,
    options: SamplingOptions | None = None,
    logits_hook: LogitsHook | None = None,
    **overrides: Any,
) -> InfillResult:
    """Fill every mask token in `text` with `model`; the rest of the text stays as written.

    Each fixed piece between masks is tokenized on its own, so each mask token in the text is
    exactly one open position of the canvas.

    Args:
        model: the loaded model (denoiser + tokenizer).
        text: text holding the tokenizer's mask token (Dream: `<|mask|>`) where tokens go.
        options: the sampling options (default `SamplingOptions()`: one step per mask, greedy).
        logits_hook: an extra `(step, x, logits) -> logits` hook.
        **overrides: sampling option names on top of `options` (steps=..., seed=..., ...).

    Returns:
        InfillResult with the filled text.

    Raises:
        InputError: no mask token in the text, text longer than the model's context, or a
            mask in the first position of a model that cannot predict it.

    >>> from dream_agent.tiny import TinyConfig, TinyMDM, TinyDenoiser
    >>> from dream_agent.vocab_tokenizer import VocabTokenizer
    >>> tok = VocabTokenizer(["a", "b"])
    >>> net = TinyMDM(TinyConfig(vocab_size=tok.vocab_size, max_length=8, dim=8, n_layers=1, n_heads=2, ffn_dim=8))
    >>> lm = DiffusionLM(TinyDenoiser(net, mask_id=tok.mask_id, pad_id=tok.pad_id), tok)
    >>> result = infill_text(lm, "a <mask> b", steps=1)
    >>> result.masks, result.nfe, result.text.startswith("a ") and result.text.endswith(" b")
    (1, 1, True)
    """
    sampling = (options or SamplingOptions()).replace(**overrides) if overrides else (options or SamplingOptions())
    denoiser, tokenizer = model.denoiser, model.tokenizer
    pieces = split_on_masks(text, tokenizer.mask_token)
    n_masks = len(pieces) - 1
    if n_masks == 0:
        raise InputError(f"the text holds no mask token {tokenizer.mask_token!r}: put one where each token should go")
    ids: list[int] = []
    mask_positions: list[int] = []
    for k, piece in enumerate(pieces):
        ids.extend(tokenizer.encode(piece) if piece else [])
        if k < n_masks:
            mask_positions.append(len(ids))
            ids.append(tokenizer.mask_id)
    if len(ids) > denoiser.max_length:
        raise InputError(f"the text is {len(ids)} tokens long; this model's context holds {denoiser.max_length}")
    if denoiser.shift and mask_positions[0] == 0:
        raise InputError("the text cannot start with a mask for this model (it predicts each token from the one "
                         "before it): put some fixed text first")

    # a model's logits may cover more ids than its tokenizer has (Dream pads 151667 to 152064);
    # those ids have no text, so they are never proposed
    hook = _within_vocabulary(tokenizer.vocab_size, logits_hook)
    x = torch.tensor([ids], dtype=torch.long, device=denoiser.device)
    generator = torch.Generator(device=denoiser.device).manual_seed(sampling.seed)
    start = time.perf_counter()
    out = denoise(denoiser, x, steps=sampling.steps_for(n_masks), logits_hook=hook, generator=generator,
                  **sampling.denoise_kwargs())
    seconds = time.perf_counter() - start
    tokens = out.tokens[0].tolist()

    # a run = masks with nothing fixed between them; decode each run at once (keeps multi-byte
    # characters that span tokens intact)
    fills: list[str] = []
    parts: list[str] = [pieces[0]]
    run: list[int] = []
    for k in range(n_masks):
        filled = tokens[mask_positions[k]]
        if filled != tokenizer.pad_id:
            run.append(filled)
        if k + 1 == n_masks or pieces[k + 1]:
            fills.append(tokenizer.decode(run) if run else "")
            parts.extend([fills[-1], pieces[k + 1]])
            run = []
    return InfillResult(
        text="".join(parts), fills=tuple(fills), tokens=tuple(tokens), masks=n_masks, nfe=out.nfe, seconds=seconds
    )


def _within_vocabulary(vocab_size: int, hook: LogitsHook | None) -> LogitsHook:
    """A logits hook that forbids ids >= vocab_size, after the caller's own hook."""

    def hooked(step: int, x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        if hook is not None:
            logits = hook(step, x, logits)
        if logits.shape[-1] > vocab_size:
            logits = logits.clone()
            logits[..., vocab_size:] = float("-inf")
        return logits

    return hooked
