"""An environment's slot rules read against a canvas: the tokens each open position may still take.

`ValueMasks` asks a `RuleReader` every step which values the environment still allows per slot
(given what the canvas has committed) and which positions come later in the fill order.
"""

from __future__ import annotations

from typing import Collection

from constraints.template import Slot, Template
from environments.base import SlotRules
from planners.compile import Canvas, decode_slot


class RuleReader:
    """One canvas's `SlotRules`, read against the canvas's tokens every step."""

    def __init__(self, canvas: Canvas, rules: SlotRules) -> None:
        self.canvas, self.rules = canvas, rules
        self.order = [[name for name in group if name in canvas.slots] for group in (rules.fill_order() or [])]
        self._spaces = leading_spaces(canvas.template)
        self._cache: dict[tuple[str, str], tuple[int, ...] | None] = {}
        self._values: dict[tuple[str, tuple[int, ...]], str] = {}  # (slot, its tokens) -> decoded value
        self._read: dict[tuple, list[tuple[int, list[int]]]] = {}  # (slot, its tokens, values) -> restrictions

    def _tokens(self, slot: str, value: str) -> tuple[int, ...] | None:
        """`value` as the slot's padded token sequence; None when it does not fit."""
        key = (slot, value)
        if key not in self._cache:
            size, pad_id = len(self.canvas.slots[slot]), self.canvas.pad_id
            ids = [int(t) for t in self.canvas.tokenizer.encode(self._spaces.get(slot, "") + value)] if value.strip() else []
            if len(ids) > size or (len(ids) < size and pad_id is None):
                self._cache[key] = None
            else:
                self._cache[key] = tuple(ids) + (pad_id,) * (size - len(ids))
        return self._cache[key]

    def partial(self, row: list[int]) -> dict[str, str | None]:
        """Slot name -> committed value, or None while any of its positions is masked.

        A slot's tokens are decoded once per round: later steps look the value up (a step
        commits a few tokens; the other slots hold what they held).
        """
        mask_id, out = self.canvas.mask_id, {}
        for name, positions in self.canvas.slots.items():
            held = tuple(row[p] for p in positions)
            if mask_id in held:
                out[name] = None
                continue
            value = self._values.get((name, held))
            if value is None:
                value = self._values[(name, held)] = decode_slot(self.canvas, name, held)
            out[name] = value
        return out

    def restrictions(self, row: list[int]) -> list[tuple[int, list[int]]]:
        """(open position, the tokens there of allowed values agreeing with the slot) for each constrained slot."""
        mask_id, out = self.canvas.mask_id, []
        for name, values in self.rules.allowed_values(self.partial(row)).items():
            slot_positions = self.canvas.slots.get(name)
            if slot_positions is None:
                continue
            held = tuple(row[p] for p in slot_positions)
            if mask_id not in held:
                continue
            if isinstance(values, frozenset):  # hashable: the same value set on the same tokens is read once
                key = (name, held, values)
                if key not in self._read:
                    self._read[key] = self._slot_tokens(name, values, held)
                out.extend(self._read[key])
            else:
                out.extend(self._slot_tokens(name, values, held))
        return out

    def _slot_tokens(self, name: str, values: Collection[str], held: tuple[int, ...]) -> list[tuple[int, list[int]]]:
        """(open position, its tokens) of slot `name` holding `held`, from the allowed values agreeing with it."""
        mask_id, slot_positions = self.canvas.mask_id, self.canvas.slots[name]
        seqs = [s for s in (self._tokens(name, v) for v in values) if s is not None]
        seqs = [s for s in seqs if all(h == mask_id or h == t for h, t in zip(held, s))]
        if not seqs:  # dead end: leave the slot free for the checker to blame
            return []
        return [(slot_positions[k], sorted({s[k] for s in seqs})) for k, h in enumerate(held) if h == mask_id]

    def later_positions(self, row: list[int]) -> list[int]:
        """Open positions of the slot groups after the first group that still has an open position."""
        later: list[int] = []
        current = False
        for group in self.order:
            open_here = [p for name in group for p in self.canvas.slots[name] if row[p] == self.canvas.mask_id]
            if current:
                later += open_here
            elif open_here:
                current = True
        return later


def leading_spaces(template: Template) -> dict[str, str]:
    """The space a BPE tokenizer folds into a slot's first token (as `planners.compile` does)."""
    spaces, segments = {}, list(template.segments)
    for i, seg in enumerate(segments):
        if isinstance(seg, Slot):
            before = segments[i - 1] if i else None
            spaces[seg.name] = " " if isinstance(before, str) and before.endswith(" ") else ""
    return spaces
