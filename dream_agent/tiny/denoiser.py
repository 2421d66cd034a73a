"""A tiny MDM seen from the sampler: the Denoiser protocol over `TinyMDM`."""

from __future__ import annotations

import torch

from constraints.errors import InputError
from dream_agent.tiny.model import TinyMDM


class TinyDenoiser:
    """Wraps a TinyMDM with its special ids; no shift (position i predicts token i)."""

    shift = False

    def __init__(self, model: TinyMDM, *, mask_id: int, pad_id: int | None) -> None:
        vocab = model.config.vocab_size
        for name, value in (("mask_id", mask_id), ("pad_id", pad_id)):
            if value is not None and not 0 <= value < vocab:
                raise ValueError(f"{name} {value} is outside the model's vocabulary (0..{vocab - 1})")
        self.model = model.eval()
        self.mask_id = mask_id
        self.pad_id = pad_id
        self.max_length = model.config.max_length

    @property
    def device(self) -> torch.device:
        return self.model.embed.weight.device

    @torch.no_grad()
    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        if input_ids.shape[-1] > self.max_length:
            raise InputError(f"input of {input_ids.shape[-1]} tokens exceeds the model's max_length {self.max_length}")
        vocab = self.model.config.vocab_size
        if input_ids.numel() and (int(input_ids.min()) < 0 or int(input_ids.max()) >= vocab):
            raise InputError(f"token ids must lie in 0..{vocab - 1}")
        input_ids = input_ids.to(self.device)
        if attention_mask is not None:
            attention_mask = attention_mask.to(self.device)
        return self.model(input_ids, attention_mask).float()
