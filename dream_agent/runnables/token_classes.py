"""Token classes (text, single characters, digits) as allowed-token rows for the slots of structured output.

Structured output stays parseable by construction: a string slot never holds a quote, a
backslash, a control character or a special token; a number slot holds only digits.
"""

from __future__ import annotations

import functools
from typing import Any, Mapping

import torch

from planners.patterns import special_ids

_FORBIDDEN_IN_TEXT = set('"\\') | {chr(c) for c in range(32)} | {"\x7f"}


@functools.lru_cache(maxsize=8)
def _class_table(tokenizer: Any, size: int) -> dict[str, torch.Tensor]:
    specials = special_ids(tokenizer)
    n = min(int(tokenizer.vocab_size), size)
    table = {name: torch.zeros(size, dtype=torch.bool) for name in ("text", "text_start", "char", "digits")}
    for i in range(n):
        if i in specials:
            continue
        piece = tokenizer.decode([i])
        if not piece or "\ufffd" in piece or _FORBIDDEN_IN_TEXT & set(piece):
            continue  # partial UTF-8 byte tokens and characters JSON would need to escape
        table["text"][i] = True
        table["text_start"][i] = bool(piece.strip())
        table["char"][i] = len(piece) == 1 and not piece.isspace()
        table["digits"][i] = piece.isascii() and piece.isdigit()
    return table


def token_classes(tokenizer: Any, size: int | None = None) -> dict[str, torch.Tensor]:
    """Boolean masks over the vocabulary (length `size`, the model's logits width).

    Classes: `text` (no quote, backslash, control or special token), `text_start` (text with a
    visible character), `char` (one visible character), `digits` (ASCII digits only).
    """
    return _class_table(tokenizer, int(size if size is not None else tokenizer.vocab_size))


def class_rows(token_class: str, required: bool, positions: int, table: Mapping[str, torch.Tensor], pad_id: int | None) -> torch.Tensor:
    """Allowed tokens (positions, V) for one slot: the class plus the empty token; a required
    slot's first position must hold a visible token of the class."""
    allowed = table[token_class].clone()
    if pad_id is not None:
        allowed[pad_id] = True
    rows = allowed.unsqueeze(0).repeat(positions, 1)
    if required:
        first = table["text_start"] if token_class == "text" else table[token_class]
        rows[0] = first
    return rows
