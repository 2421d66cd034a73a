"""Plan templates as data: fixed text segments and named slots (no tokenizer, no torch).

Environments build templates; `planners.compile` turns them into a token canvas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Union


MAX_SLOT_TOKENS = 131_072  # tokens all slots of a template reserve: the longest context of a supported model


@dataclass(frozen=True)
class Slot:
    """An open part of a template that the model fills.

    Give exactly one size: `length` (exactly this many tokens), `max_length` (at most this many;
    the unused tail holds the tokenizer's empty/pad token), or `choices` alone (the finite set of
    values the slot may take; its size is the longest value's token count, shorter values padded).
    `choices` may also be combined with `max_length` to reserve room. A `pattern` (a regular
    expression, given with a size and without choices) is one the value must fullmatch.
    """

    name: str
    length: int | None = None
    max_length: int | None = None
    choices: tuple[str, ...] | None = None
    pattern: str | None = None

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ValueError(f"slot name must be a non-empty string, got {self.name!r}")
        if self.length is not None and self.max_length is not None:
            raise ValueError(f"slot {self.name!r}: give length or max_length, not both")
        if self.length is None and self.max_length is None and self.choices is None:
            raise ValueError(f"slot {self.name!r}: give a length, a max_length or choices")
        for size in (self.length, self.max_length):
            if size is not None and (not isinstance(size, int) or size < 1):
                raise ValueError(f"slot {self.name!r}: sizes must be integers >= 1, got {size!r}")
        if self.choices is not None:
            if isinstance(self.choices, str) or not self.choices:
                raise ValueError(f"slot {self.name!r}: choices must be a non-empty tuple of strings")
            object.__setattr__(self, "choices", tuple(self.choices))
        if self.pattern is not None:
            if not isinstance(self.pattern, str) or not self.pattern:
                raise ValueError(f"slot {self.name!r}: a pattern must be a non-empty string, got {self.pattern!r}")
            if self.choices is not None:
                raise ValueError(f"slot {self.name!r}: give choices or a pattern, not both")
            if self.length is None and self.max_length is None:
                raise ValueError(f"slot {self.name!r}: a pattern slot needs a length or a max_length")


Segment = Union[str, Slot]


@dataclass(frozen=True)
class Template:
    """A sequence of fixed text and slots. Slot names are unique."""

    segments: tuple[Segment, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.segments))
        seen: set[str] = set()
        reserved = 0
        for seg in self.segments:
            if isinstance(seg, Slot):
                if seg.name in seen:
                    raise ValueError(f"slot name {seg.name!r} appears twice in the template")
                seen.add(seg.name)
                reserved += seg.length or seg.max_length or 1
            elif not isinstance(seg, str):
                raise TypeError(f"template segments are str or Slot, got {type(seg).__name__}")
        if reserved > MAX_SLOT_TOKENS:  # checked before any canvas is built: a 10 KB text once asked for 10**8
            raise ValueError(f"the slots reserve {reserved} tokens; a template holds at most {MAX_SLOT_TOKENS}")

    @property
    def slots(self) -> tuple[Slot, ...]:
        return tuple(s for s in self.segments if isinstance(s, Slot))

    def __iter__(self) -> Iterator[Segment]:
        return iter(self.segments)

    def fill(self, values: dict[str, str]) -> str:
        """The text with each slot replaced by its value (missing slots stay empty)."""
        return "".join(seg if isinstance(seg, str) else values.get(seg.name, "") for seg in self.segments)
