"""DreamDenoiser: Dream's network behind the Denoiser protocol, with Dream's logit shift."""

from __future__ import annotations

import torch

from constraints.errors import InputError
from dream_agent.dream.modeling import DreamModel


def shift_logits(logits: torch.Tensor) -> torch.Tensor:
    """Move logits one position right, as Dream's sampler does: row i then predicts token i.

    Row 0 repeats the unshifted row 0 (position 0 can never be predicted; it is a fixed token).
    """
    return torch.cat([logits[:, :1], logits[:, :-1]], dim=1)


class DreamDenoiser:
    """Token ids (B, L) -> logits (B, L, V) where row i predicts the token at position i.

    Attributes:
        model: the DreamModel network (unshifted logits).
        mask_id, pad_id: special ids read from the checkpoint's files.
        max_length: longest canvas accepted (Dream's documented 2048 tokens).
        shift: always True: position 0 is never a slot.
    """

    shift = True

    def __init__(self, model: DreamModel, *, mask_id: int, pad_id: int | None, max_length: int) -> None:
        self.model = model.eval()
        self.mask_id = mask_id
        self.pad_id = pad_id
        self.max_length = max_length
        self.vocab_size = model.config.vocab_size

    @property
    def device(self) -> torch.device:
        return self.model.lm_head.weight.device

    @property
    def dtype(self) -> torch.dtype:
        return self.model.lm_head.weight.dtype

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Shifted logits for a canvas.

        Args:
            input_ids: LongTensor (B, L), L <= max_length.
            attention_mask: optional (B, L), 1 = real token, 0 = padding.

        Returns:
            Logits (B, L, V) in the model's dtype, on the model's device.

        Raises:
            InputError: wrong shape, a canvas longer than max_length, or ids outside the vocabulary.
        """
        if input_ids.dim() != 2:
            raise InputError(f"input_ids must have shape (batch, length), got {tuple(input_ids.shape)}")
        length = input_ids.shape[1]
        if length > self.max_length:
            raise InputError(
                f"canvas of {length} tokens is longer than the model's context limit of {self.max_length}"
            )
        if attention_mask is not None and attention_mask.shape != input_ids.shape:
            raise InputError(
                f"attention_mask shape {tuple(attention_mask.shape)} differs from input_ids {tuple(input_ids.shape)}"
            )
        input_ids = input_ids.to(self.device)
        if input_ids.numel() and (int(input_ids.min()) < 0 or int(input_ids.max()) >= self.vocab_size):
            raise InputError(
                f"token ids must lie in [0, {self.vocab_size}), got {int(input_ids.min())}..{int(input_ids.max())}"
            )
        if attention_mask is not None:
            attention_mask = attention_mask.to(self.device)
        # no_grad rather than inference_mode: logits hooks may edit the returned tensor in place.
        with torch.no_grad():
            return shift_logits(self.model(input_ids, attention_mask))
