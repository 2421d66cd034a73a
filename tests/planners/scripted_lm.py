"""Scripted denoisers for the plan-layer tests: designed behaviour, real tokenizers, call counts."""

from __future__ import annotations

import time

import torch

from dream_agent.protocols import DiffusionLM
from dream_agent.vocab_tokenizer import VocabTokenizer

WORDS = ["step", "1", "2", "3", ":", "pick", "place", "put", "up", "down", "open", "the", "cup", "plate",
         "door", "red", "big", "x", "y", "z", "then", "and", "."]


def tokenizer() -> VocabTokenizer:
    return VocabTokenizer(WORDS)


class ScriptedDenoiser:
    """Logits from `score(x) -> (B, L, V)`; counts calls and the shapes of the canvases it saw."""

    pad_id: int | None
    shift = False
    max_length = 64

    def __init__(self, tok: VocabTokenizer, delay_s: float = 0.0) -> None:
        self.mask_id, self.pad_id, self.vocab = tok.mask_id, tok.pad_id, tok.vocab_size
        self.tok = tok
        self.calls = 0
        self.shapes: list[tuple[int, int]] = []
        self.delay_s = delay_s

    @property
    def device(self) -> torch.device:
        return torch.device("cpu")

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        self.calls += 1
        self.shapes.append(tuple(input_ids.shape))
        if self.delay_s:
            time.sleep(self.delay_s)
        return self.score(input_ids)

    def score(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class PreferUnused(ScriptedDenoiser):
    """At every position, the first word of `order` not already written anywhere on the canvas.

    Positions filled in the same step cannot see each other, so a one-step fill repeats the
    favourite word; once some slots hold words, a re-opened slot picks a word not yet used.
    """

    def __init__(self, tok: VocabTokenizer, order: list[str], **kw) -> None:
        super().__init__(tok, **kw)
        self.order = [tok.encode(w)[0] for w in order]

    def score(self, x: torch.Tensor) -> torch.Tensor:
        logits = torch.full((*x.shape, self.vocab), -10.0)
        for b in range(x.shape[0]):
            present = set(x[b].tolist())
            ranked = [t for t in self.order if t not in present] + [t for t in self.order if t in present]
            for rank, t in enumerate(ranked):
                logits[b, :, t] = 5.0 - rank
        return logits


class RandomLogits(ScriptedDenoiser):
    """Fresh random logits over the whole vocabulary at every call (seeded)."""

    def __init__(self, tok: VocabTokenizer, seed: int = 0, **kw) -> None:
        super().__init__(tok, **kw)
        self.gen = torch.Generator().manual_seed(seed)

    def score(self, x: torch.Tensor) -> torch.Tensor:
        return torch.randn(*x.shape, self.vocab, generator=self.gen) * 3


def lm(denoiser: ScriptedDenoiser) -> DiffusionLM:
    return DiffusionLM(denoiser=denoiser, tokenizer=denoiser.tok, name=type(denoiser).__name__)
