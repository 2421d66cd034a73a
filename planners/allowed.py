"""Environment-aware hard constraints: an environment's `SlotRules` as a logits hook.

At every denoising step the hook reads what the canvas has committed, asks the problem's rules
(`env.slot_rules(problem, rendering)`, torch-free) which values each open slot may still take,
and lets each masked position take only tokens of some allowed value that agrees with the tokens
already committed in its slot. A slot the rules leave out is unconstrained; a slot with no value
left (a dead end) is left free, so that the checker blames the draft and the refine loop re-masks it.

Plans whose constraints follow the steps (a state known only after the steps before it) can
also say in which order their slots are best committed: `rules.fill_order()` gives groups
of slot names (one per step). The hook then flattens the logits of every open position past
the first group that still has one, so an entropy- or confidence-ordered sampler commits the
plan step by step, each step seeing the state its predecessors reached.
"""

from __future__ import annotations


import torch

from constraints.template import Slot, Template
from environments.base import SlotRules
from planners.compile import Canvas, decode_slots


class AllowedValuesHook:
    """The logits hook of one canvas (batch row 0 of the tensors it is called with)."""

    def __init__(self, rules: SlotRules, canvas: Canvas) -> None:
        self.rules, self.canvas = rules, canvas
        self.order = [[name for name in group if name in canvas.slots] for group in rules.fill_order()]
        self.mask_id, self.pad_id = canvas.mask_id, canvas.pad_id
        self._spaces = _leading_spaces(canvas.template)
        self._cache: dict[tuple[str, str], tuple[int, ...] | None] = {}

    def _tokens(self, slot: str, value: str) -> tuple[int, ...] | None:
        """`value` as the slot's padded token sequence; None when it does not fit."""
        key = (slot, value)
        if key not in self._cache:
            size = len(self.canvas.slots[slot])
            ids = [int(t) for t in self.canvas.tokenizer.encode(self._spaces.get(slot, "") + value)] if value.strip() else []
            if len(ids) > size or (len(ids) < size and self.pad_id is None):
                self._cache[key] = None
            else:
                self._cache[key] = tuple(ids) + (self.pad_id,) * (size - len(ids))
        return self._cache[key]

    def partial(self, row: list[int]) -> dict[str, str | None]:
        """Slot name -> committed value, or None while any of its positions is masked."""
        values = decode_slots(self.canvas, row)
        return {name: None if any(row[p] == self.mask_id for p in positions) else values[name]
                for name, positions in self.canvas.slots.items()}

    def _later_positions(self, row: list[int]) -> list[int]:
        """Open positions of the slot groups after the first group that still has an open position."""
        later: list[int] = []
        current = False
        for group in self.order:
            open_here = [p for name in group for p in self.canvas.slots[name] if row[p] == self.mask_id]
            if current:
                later += open_here
            elif open_here:
                current = True
        return later

    def __call__(self, step: int, x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        row = x[0, : len(self.canvas.ids)].tolist()
        allowed = self.rules.allowed_values(self.partial(row))
        positions: list[int] = []
        keep: list[set[int]] = []
        for name, values in allowed.items():
            slot_positions = self.canvas.slots.get(name)
            if slot_positions is None:
                continue
            open_at = [k for k, p in enumerate(slot_positions) if row[p] == self.mask_id]
            if not open_at:
                continue
            seqs = [s for s in (self._tokens(name, v) for v in values) if s is not None]
            seqs = [s for s in seqs if all(row[p] == self.mask_id or row[p] == t for p, t in zip(slot_positions, s))]
            if not seqs:  # dead end: leave the slot free for the checker to blame
                continue
            for k in open_at:
                positions.append(slot_positions[k])
                keep.append({s[k] for s in seqs})
        later = self._later_positions(row)
        if later:
            logits = logits.clone()
            logits[0, later] = 0.0  # uniform: the lowest confidence, committed after the current step
        if not positions:
            return logits
        allow = torch.zeros(len(positions), logits.shape[-1], dtype=torch.bool, device=logits.device)
        for i, tokens in enumerate(keep):
            allow[i, list(tokens)] = True
        index = torch.tensor(positions, device=logits.device)
        logits = logits.clone()
        logits[0, index] = logits[0, index].masked_fill(~allow, float("-inf"))
        return logits


def _leading_spaces(template: Template) -> dict[str, str]:
    """The space a BPE tokenizer folds into a slot's first token (as `planners.compile` does)."""
    spaces, segments = {}, list(template.segments)
    for i, seg in enumerate(segments):
        if isinstance(seg, Slot):
            before = segments[i - 1] if i else None
            spaces[seg.name] = " " if isinstance(before, str) and before.endswith(" ") else ""
    return spaces
