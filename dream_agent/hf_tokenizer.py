"""HFTokenizer: a transformers tokenizer seen through the project's Tokenizer protocol."""

from __future__ import annotations

from typing import Any, Sequence

from constraints.errors import InputError


class HFTokenizer:
    """Adapts a transformers tokenizer: encode without special tokens, faithful decode.

    Args:
        tokenizer: a loaded transformers tokenizer.
        mask_id: the mask token id; defaults to `tokenizer.mask_token_id`.
        pad_id: the empty/pad id; defaults to `tokenizer.pad_token_id`, then eos.

    Raises:
        InputError: no mask id given and the tokenizer has no mask token.
    """

    def __init__(self, tokenizer: Any, *, mask_id: int | None = None, pad_id: int | None = None) -> None:
        self.hf = tokenizer
        if mask_id is None:
            mask_id = getattr(tokenizer, "mask_token_id", None)
        if mask_id is None:
            raise InputError(f"{type(tokenizer).__name__} has no mask token; pass mask_id explicitly")
        self.mask_id = int(mask_id)
        if pad_id is None:
            pad_id = getattr(tokenizer, "pad_token_id", None)
        if pad_id is None:
            pad_id = getattr(tokenizer, "eos_token_id", None)
        self.pad_id = None if pad_id is None else int(pad_id)
        # the first token of a canvas when a shifted model (Dream) must not predict position 0
        bos_id = getattr(tokenizer, "bos_token_id", None)
        self.bos_id = None if bos_id is None else int(bos_id)
        token = tokenizer.convert_ids_to_tokens(self.mask_id)
        self.mask_token = token if isinstance(token, str) else str(getattr(tokenizer, "mask_token", ""))
        self.vocab_size = len(tokenizer)  # base vocabulary plus added tokens

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`, with no BOS/EOS added (special-token text maps to its id)."""
        return list(self.hf.encode(text, add_special_tokens=False))

    def decode(self, ids: Sequence[int]) -> str:
        """Text of `ids`, special tokens kept and spaces left exactly as encoded."""
        return self.hf.decode(
            [int(i) for i in ids], skip_special_tokens=False, clean_up_tokenization_spaces=False
        )

    def apply_chat_template(
        self,
        messages: list[dict[str, str]],
        *,
        add_generation_prompt: bool = True,
        tokenize: bool = False,
        **kwargs: Any,
    ) -> str | list[int]:
        """Render chat messages with the tokenizer's template (ChatML for Dream).

        Returns the prompt text, or its token ids when `tokenize=True`.
        """
        if not getattr(self.hf, "chat_template", None):
            raise InputError(f"{type(self.hf).__name__} has no chat_template")
        text = self.hf.apply_chat_template(
            messages, add_generation_prompt=add_generation_prompt, tokenize=False, **kwargs
        )
        return self.encode(text) if tokenize else text

    def __repr__(self) -> str:
        return f"HFTokenizer({type(self.hf).__name__}, vocab_size={self.vocab_size}, mask_id={self.mask_id})"
