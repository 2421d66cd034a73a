"""from_transformers: wrap an already-loaded transformers model (LLaDA, ...) as a DiffusionLM.

Mirrors outlines' `from_transformers(model, tokenizer)`: the caller loads the model however
they like (their dtype, device map, quantisation); this module only adapts the calling shape.
"""

from __future__ import annotations

from typing import Any

import torch

from constraints.errors import InputError
from dream_agent.dream.denoiser import shift_logits
from dream_agent.hf_tokenizer import HFTokenizer
from dream_agent.protocols import DiffusionLM

# config attributes that hold a model's context length, by model family
_LENGTH_KEYS = ("max_position_embeddings", "max_sequence_length", "n_positions", "max_seq_len")
_UNBOUNDED = 1_000_000  # tokenizers without a limit report a huge model_max_length


class TransformersDenoiser:
    """A transformers model behind the Denoiser protocol.

    `model(input_ids=..., attention_mask=...)` must return logits (B, L, V) (an output with
    `.logits`, a tuple whose first item is the logits, or a tensor). With `shift=True` the
    logits are moved one position right, as for Dream-style models.
    """

    def __init__(self, model: Any, *, shift: bool, mask_id: int, pad_id: int | None, max_length: int) -> None:
        self.model = model
        self.shift = shift
        self.mask_id = mask_id
        self.pad_id = pad_id
        self.max_length = max_length

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (B, L, V) where row i predicts position i.

        Raises:
            InputError: wrong shape or a canvas longer than max_length.
        """
        if input_ids.dim() != 2:
            raise InputError(f"input_ids must have shape (batch, length), got {tuple(input_ids.shape)}")
        if input_ids.shape[1] > self.max_length:
            raise InputError(
                f"canvas of {input_ids.shape[1]} tokens is longer than the model's context limit of {self.max_length}"
            )
        kwargs = {"input_ids": input_ids.to(self.device)}
        if attention_mask is not None:
            kwargs["attention_mask"] = attention_mask.to(self.device)
        with torch.no_grad():
            output = self.model(**kwargs)
        logits = getattr(output, "logits", None)
        if logits is None:
            logits = output[0] if isinstance(output, (tuple, list)) else output
        if not isinstance(logits, torch.Tensor) or logits.dim() != 3:
            raise TypeError(f"{type(self.model).__name__} did not return logits of shape (batch, length, vocab)")
        return shift_logits(logits) if self.shift else logits


def from_transformers(
    model: Any,
    tokenizer: Any,
    *,
    shift: bool,
    mask_id: int | None = None,
    pad_id: int | None = None,
    max_length: int | None = None,
    name: str | None = None,
) -> DiffusionLM:
    """Wrap a loaded transformers masked diffusion model and its tokenizer.

    Args:
        model: e.g. `AutoModel.from_pretrained("GSAI-ML/LLaDA-8B-Instruct", ...)`, in eval mode.
        tokenizer: its transformers tokenizer.
        shift: True if row i of the logits predicts token i + 1 (Dream-style), False if it
            predicts token i (LLaDA, BERT-style masked LMs).
        mask_id: the mask token id; else the tokenizer's mask token, else `config.mask_token_id`.
        pad_id: the empty/pad id; else the tokenizer's pad (or eos) token, else the config's.
        max_length: longest canvas; else the config's position limit, else the tokenizer's.
        name: a label for the model; defaults to `config.name_or_path`.

    Raises:
        InputError: no mask id can be found, or no context length is known.

    Example (LLaDA, mask id 126336 read from its config):
        >>> lm = from_transformers(llada, llada_tokenizer, shift=False)  # doctest: +SKIP
    """
    config = getattr(model, "config", None)
    mask_id = _resolve(mask_id, getattr(tokenizer, "mask_token_id", None), getattr(config, "mask_token_id", None))
    if mask_id is None:
        raise InputError(
            f"cannot find the mask token id of {type(model).__name__}: the tokenizer has no mask token and "
            "the config no mask_token_id; pass mask_id=..."
        )
    pad_id = _resolve(pad_id, getattr(tokenizer, "pad_token_id", None), getattr(tokenizer, "eos_token_id", None),
                      getattr(config, "pad_token_id", None), getattr(config, "eos_token_id", None))
    if max_length is None:
        max_length = _context_length(config, tokenizer)
    if max_length is None or max_length <= 0:
        raise InputError(f"cannot tell the context length of {type(model).__name__}; pass max_length=...")
    if hasattr(model, "eval"):
        model.eval()
    denoiser = TransformersDenoiser(model, shift=shift, mask_id=mask_id, pad_id=pad_id, max_length=max_length)
    label = name or str(getattr(config, "name_or_path", "") or type(model).__name__)
    return DiffusionLM(denoiser=denoiser, tokenizer=HFTokenizer(tokenizer, mask_id=mask_id, pad_id=pad_id), name=label)


def _resolve(*candidates: object) -> int | None:
    for value in candidates:
        if isinstance(value, (list, tuple)) and value:
            value = value[0]
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _context_length(config: Any, tokenizer: Any) -> int | None:
    for key in _LENGTH_KEYS:
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    limit = getattr(tokenizer, "model_max_length", None)
    return limit if isinstance(limit, int) and 0 < limit < _UNBOUNDED else None
