"""A word-level tokenizer over a fixed vocabulary: the tokenizer of the project's small MDMs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from constraints.errors import InputError


class VocabTokenizer:
    """Each whitespace-separated word is one token; the vocabulary is a list of words.

    The mask and pad tokens are appended to the vocabulary when it does not hold them, so
    ids of the given words never move. `pad_token=None` means the model has no empty token.

    >>> tok = VocabTokenizer(["move", "a", "b"])
    >>> tok.encode("move a <mask>")
    [0, 1, 3]
    >>> tok.decode([0, 2, 4])
    'move b <pad>'
    """

    def __init__(self, tokens: Sequence[str], *, mask_token: str = "<mask>", pad_token: str | None = "<pad>") -> None:
        if isinstance(tokens, str):
            raise InputError("tokens must be a list of words, not one string")
        words = list(tokens)
        for special in (mask_token, pad_token):
            if special is not None and special not in words:
                words.append(special)
        for word in words:
            if not isinstance(word, str) or not word or word.split() != [word]:
                raise InputError(f"vocabulary entry {word!r} must be a non-empty string without whitespace")
        if len(set(words)) != len(words):
            dupes = sorted({w for w in words if words.count(w) > 1})
            raise InputError(f"vocabulary lists these words more than once: {', '.join(dupes)}")
        if mask_token == pad_token:
            raise InputError(f"mask_token and pad_token must differ, both are {mask_token!r}")
        self.tokens: tuple[str, ...] = tuple(words)
        self._ids = {word: i for i, word in enumerate(words)}
        self.mask_token = mask_token
        self.pad_token = pad_token
        self.mask_id: int = self._ids[mask_token]
        self.pad_id: int | None = None if pad_token is None else self._ids[pad_token]

    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    def encode(self, text: str) -> list[int]:
        """Token ids of the words of `text`; an unknown word raises InputError naming it."""
        ids = []
        for word in text.split():
            if word not in self._ids:
                raise InputError(f"word {word!r} is not in the model's vocabulary of {self.vocab_size} words")
            ids.append(self._ids[word])
        return ids

    def decode(self, ids: Sequence[int]) -> str:
        """The words of `ids` joined by single spaces (special tokens included)."""
        words = []
        for i in ids:
            i = int(i)
            if not 0 <= i < self.vocab_size:
                raise InputError(f"token id {i} is outside the vocabulary (0..{self.vocab_size - 1})")
            words.append(self.tokens[i])
        return " ".join(words)

    def save(self, path: str | Path) -> None:
        """Write the vocabulary (specials included) as a JSON list of words."""
        Path(path).write_text(json.dumps(list(self.tokens), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path, *, mask_token: str = "<mask>", pad_token: str | None = "<pad>") -> VocabTokenizer:
        """Read a vocabulary written by `save`."""
        try:
            tokens = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise InputError(f"{path}: not a JSON list of words ({err})") from None
        if not isinstance(tokens, list):
            raise InputError(f"{path}: expected a JSON list of words, got {type(tokens).__name__}")
        return cls(tokens, mask_token=mask_token, pad_token=pad_token)

    def __repr__(self) -> str:
        return f"VocabTokenizer({self.vocab_size} words, mask={self.mask_token!r}, pad={self.pad_token!r})"
