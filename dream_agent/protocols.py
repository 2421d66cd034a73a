"""The two small protocols the engine consumes: a denoiser and a tokenizer, plus their bundle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence, runtime_checkable

import torch


@runtime_checkable
class Denoiser(Protocol):
    """A masked diffusion model seen from the sampler.

    Called with token ids (B, L) and an optional attention mask (B, L) of 1 = real token,
    it returns logits (B, L, V) where row i predicts the token at position i (a model that
    predicts from the previous hidden state, like Dream, shifts inside its wrapper).
    """

    mask_id: int  # the token that marks an open position
    pad_id: int | None  # the empty/pad token (Dream: eos 151643), None if the model has none
    max_length: int  # longest canvas the model accepts
    shift: bool  # True when position 0 can never be predicted (Dream); False for LLaDA / tiny MDMs

    @property
    def device(self) -> torch.device: ...

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor: ...


@runtime_checkable
class Tokenizer(Protocol):
    """Text <-> ids, without special tokens added."""

    mask_id: int
    pad_id: int | None
    mask_token: str
    vocab_size: int

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: Sequence[int]) -> str: ...


@dataclass(frozen=True)
class DiffusionLM:
    """A loaded model: the denoiser, its tokenizer, and where it came from."""

    denoiser: Denoiser
    tokenizer: Tokenizer
    name: str = "model"
