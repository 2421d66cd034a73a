"""Slot domains as hard constraints: a logits hook that only lets slots take allowed values.

A masked position of a domain slot may take a token only if some allowed value agrees with
every token already committed in that slot, so multi-token values stay whole in any filling
order. Callers may add per-slot token allow/ban lists (e.g. digits only in a Sudoku cell).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence, Union

import torch

from constraints.errors import InputError
from planners.compile import Canvas

# Per slot: one list for every position of the slot, or one list per position.
TokenList = Sequence[Union[int, str]]
SlotTokens = Mapping[str, Union[TokenList, Sequence[TokenList]]]


def domain_hook(
    canvases: Canvas | Sequence[Canvas],
    *,
    allow: SlotTokens | Sequence[SlotTokens | None] | None = None,
    ban: SlotTokens | Sequence[SlotTokens | None] | None = None,
) -> DomainHook:
    """A logits hook enforcing the slot domains of `canvases` (batch row i = canvas i).

    Args:
        canvases: one canvas, or one per batch row.
        allow: slot name -> tokens allowed there (ids, or strings that encode to one token),
            either one list for all the slot's positions or one list per position; one mapping
            for every canvas or a sequence with one per canvas. Empty slots keep the pad token.
        ban: the same shape; tokens never allowed.

    Returns:
        A DomainHook: call it as `logits_hook(step, x, logits)`; use `.tokens_hook` as the
        denoiser's tokens hook so values committed in parallel in one step stay consistent.
    """
    canvases = [canvases] if isinstance(canvases, Canvas) else list(canvases)
    return DomainHook(canvases, _per_canvas(allow, len(canvases), "allow"), _per_canvas(ban, len(canvases), "ban"))


def _per_canvas(rules: Any, n: int, what: str) -> list[Mapping]:
    if rules is None:
        return [{}] * n
    if isinstance(rules, Mapping):
        return [rules] * n
    rules = [r or {} for r in rules]
    if len(rules) != n:
        raise ValueError(f"{what}: got {len(rules)} mappings for {n} canvases")
    return rules


def _position_lists(canvas: Canvas, name: str, spec: Any, what: str) -> list[set[int]]:
    """The token-id set for each position of slot `name` from an allow/ban spec."""
    if name not in canvas.slots:
        raise InputError(f"{what}: no slot {name!r}; slots: {', '.join(canvas.slots)}")
    size = len(canvas.slots[name])
    spec = list(spec)
    per_position = bool(spec) and all(isinstance(s, (list, tuple)) for s in spec)
    if per_position and len(spec) != size:
        raise InputError(f"{what}: slot {name!r} has {size} positions, got {len(spec)} token lists")
    lists = spec if per_position else [spec] * size
    return [{_token_id(canvas, t, what) for t in tokens} for tokens in lists]


def _token_id(canvas: Canvas, token: Any, what: str) -> int:
    if isinstance(token, str):
        ids = canvas.tokenizer.encode(token)
        if len(ids) != 1:
            raise InputError(f"{what}: {token!r} is {len(ids)} tokens, expected exactly one (or give a token id)")
        return int(ids[0])
    if isinstance(token, bool) or not isinstance(token, int):
        raise InputError(f"{what}: tokens are ids or strings, got {token!r}")
    return token


def _fits(value: tuple[int, ...], allow_sets: list[set[int]] | None, ban_sets: list[set[int]],
          pad_id: int | None) -> bool:
    """Whether a domain value's tokens pass the slot's allow/ban lists (padding always passes)."""
    for j, token in enumerate(value):
        if token in ban_sets[j] or (allow_sets is not None and token not in allow_sets[j] and token != pad_id):
            return False
    return True


def _keep_only(logits: torch.Tensor, rows: torch.Tensor, positions: torch.Tensor, ids: torch.Tensor,
               neg: torch.Tensor) -> None:
    """At each (rows[n], positions[n]) keep only the logits of ids[n] (N, K); the rest become -inf.

    One write of -inf per restricted position, and no (N, V) temporaries: this runs every step.
    """
    r, p = rows[:, None], positions[:, None]
    kept = logits[r, p, ids]  # (N, K)
    logits[rows, positions] = neg
    logits[r, p, ids] = kept


class DomainHook:
    """Precomputed tables for the domain constraint over a batch of canvases (see `domain_hook`).

    The canvases of one batch share a tokenizer (one mask and one empty id).
    """

    def __init__(self, canvases: list[Canvas], allow: list[Mapping], ban: list[Mapping]) -> None:
        self.canvases = canvases
        self.mask_id = canvases[0].mask_id if canvases else -1
        self.pad_id = canvases[0].pad_id if canvases else None
        self.vocab_size = int(canvases[0].tokenizer.vocab_size) if canvases else 0
        allowed: list[tuple[int, int, list[int]]] = []  # (row, position, allowed ids)
        banned: list[tuple[int, int, int]] = []  # (row, position, id)
        domain_slots: list[tuple[int, tuple[int, ...], list[tuple[int, ...]]]] = []
        tails: list[tuple[int, tuple[int, ...]]] = []  # max_length slots without a domain
        for row, canvas in enumerate(canvases):
            for what, rules in (("allow", allow[row]), ("ban", ban[row])):
                unknown = [name for name in rules if name not in canvas.slots]
                if unknown:
                    raise InputError(f"{what}: no slot {unknown[0]!r}; slots: {', '.join(canvas.slots)}")
            for name, positions in canvas.slots.items():
                slot = canvas.slot(name)
                allow_sets = _position_lists(canvas, name, allow[row][name], "allow") if name in allow[row] else None
                ban_sets = ([set()] * len(positions) if name not in ban[row]
                            else _position_lists(canvas, name, ban[row][name], "ban"))
                if slot.choices is None and slot.length is not None and canvas.pad_id is not None:
                    ban_sets = [s | {canvas.pad_id} for s in ban_sets]  # exact-length slots are never empty
                if slot.choices is not None:
                    ok = [v for v in canvas.choices[name] if _fits(v, allow_sets, ban_sets, canvas.pad_id)]
                    if not ok:
                        raise InputError(f"slot {name!r}: the allow/ban lists exclude every value of its domain")
                    domain_slots.append((row, positions, ok))
                    continue
                if slot.max_length is not None:
                    tails.append((row, positions))
                for j, p in enumerate(positions):
                    if allow_sets is not None:
                        ids = allow_sets[j] - ban_sets[j]
                        if slot.max_length is not None and canvas.pad_id is not None:
                            ids = ids | {canvas.pad_id}
                        if not ids:
                            raise InputError(f"slot {name!r} position {j}: the allow/ban lists leave no token")
                        allowed.append((row, p, sorted(ids)))
                    else:
                        banned.extend((row, p, t) for t in ban_sets[j])
        self._tables = self._build(allowed, banned, domain_slots, tails)
        self._device_tables: dict[torch.device, dict[str, torch.Tensor]] = {}

    @staticmethod
    def _build(allowed, banned, domain_slots, tails) -> dict[str, torch.Tensor]:
        t: dict[str, torch.Tensor] = {}
        k = max((len(ids) for _, _, ids in allowed), default=1)
        t["allow_rc"] = torch.tensor([[r, p] for r, p, _ in allowed], dtype=torch.long).view(-1, 2)
        # pad each allow list with its own first id: duplicates gather/scatter the same logit
        t["allow_ids"] = torch.tensor([ids + ids[:1] * (k - len(ids)) for _, _, ids in allowed],
                                      dtype=torch.long).view(-1, k)
        t["ban"] = torch.tensor(banned, dtype=torch.long).view(-1, 3)
        n = max((len(pos) for _, pos, _ in domain_slots), default=1)
        kv = max((len(vals) for _, _, vals in domain_slots), default=1)
        d = len(domain_slots)
        t["dom_row"] = torch.tensor([r for r, _, _ in domain_slots], dtype=torch.long)
        # (D, n) positions and which are real; (D, K, n) value tokens (-1: none); (D, K) real values
        t["dom_pos"] = torch.tensor([list(pos) + [0] * (n - len(pos)) for _, pos, _ in domain_slots],
                                    dtype=torch.long).view(d, n)
        t["dom_valid"] = torch.tensor([[True] * len(pos) + [False] * (n - len(pos)) for _, pos, _ in domain_slots],
                                      dtype=torch.bool).view(d, n)
        t["dom_vals"] = torch.tensor([[list(v) + [-1] * (n - len(v)) for v in vals] + [[-1] * n] * (kv - len(vals))
                                      for _, _, vals in domain_slots], dtype=torch.long).view(d, kv, n)
        t["dom_has"] = torch.tensor([[True] * len(vals) + [False] * (kv - len(vals)) for _, _, vals in domain_slots],
                                    dtype=torch.bool).view(d, kv)
        m = max((len(pos) for _, pos in tails), default=1)
        t["tail_row"] = torch.tensor([r for r, _ in tails], dtype=torch.long)
        t["tail_pos"] = torch.tensor([list(pos) + [0] * (m - len(pos)) for _, pos in tails],
                                     dtype=torch.long).view(-1, m)
        t["tail_valid"] = torch.tensor([[True] * len(pos) + [False] * (m - len(pos)) for _, pos in tails],
                                       dtype=torch.bool).view(-1, m)
        return t

    def _on(self, device: torch.device) -> dict[str, torch.Tensor]:
        if device not in self._device_tables:
            self._device_tables[device] = {k: v.to(device) for k, v in self._tables.items()}
        return self._device_tables[device]

    def _consistent(self, t: dict[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(held (D, n), committed (D, n), consistent (D, K)) for every domain slot."""
        held = x[t["dom_row"][:, None], t["dom_pos"]]
        committed = (held != self.mask_id) & t["dom_valid"]
        agree = (t["dom_vals"] == held[:, None, :]) | ~committed[:, None, :]
        return held, committed, agree.all(dim=-1) & t["dom_has"]

    def __call__(self, step: int, x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        """Restrict `logits` (B, L, V) in place at slot positions and return them."""
        if x.shape[0] != len(self.canvases):
            raise ValueError(f"domain hook built for {len(self.canvases)} rows, got a batch of {x.shape[0]}")
        t = self._on(logits.device)
        neg = torch.tensor(float("-inf"), dtype=logits.dtype, device=logits.device)
        if logits.shape[-1] > self.vocab_size:
            # the model's logits may cover ids the tokenizer lacks (Dream pads its vocabulary): no text, never proposed
            logits[..., self.vocab_size:] = neg
        if len(t["allow_rc"]):
            _keep_only(logits, t["allow_rc"][:, 0], t["allow_rc"][:, 1], t["allow_ids"], neg)
        if len(t["ban"]):
            logits[t["ban"][:, 0], t["ban"][:, 1], t["ban"][:, 2]] = neg
        if len(t["tail_row"]) and self.pad_id is not None:
            self._tail_rule(t, x, logits, neg)
        if len(t["dom_row"]):
            self._domain_rule(t, x, logits, neg)
        return logits

    def _tail_rule(self, t: dict[str, torch.Tensor], x: torch.Tensor, logits: torch.Tensor, neg: torch.Tensor) -> None:
        """In a max_length slot the empty token only forms a tail: no text after it, no empty before text."""
        held = x[t["tail_row"][:, None], t["tail_pos"]]  # (M, m)
        committed = (held != self.mask_id) & t["tail_valid"]
        is_pad = committed & (held == self.pad_id)
        text = committed & ~is_pad
        text_after = (text.flip(-1).cumsum(-1).flip(-1) - text.long()) > 0  # text at a later position
        pad_before = (is_pad.cumsum(-1) - is_pad.long()) > 0  # empty at an earlier position
        is_open = t["tail_valid"] & ~committed
        only_pad = is_open & pad_before
        no_pad = is_open & text_after & ~only_pad
        if bool(no_pad.any()):
            i, j = no_pad.nonzero(as_tuple=True)
            logits[t["tail_row"][i], t["tail_pos"][i, j], self.pad_id] = neg
        if bool(only_pad.any()):
            i, j = only_pad.nonzero(as_tuple=True)
            r, p = t["tail_row"][i], t["tail_pos"][i, j]
            pad_logit = logits[r, p, self.pad_id].clone()
            logits[r, p] = neg
            logits[r, p, self.pad_id] = pad_logit

    def _domain_rule(self, t: dict[str, torch.Tensor], x: torch.Tensor, logits: torch.Tensor,
                     neg: torch.Tensor) -> None:
        """Open positions of a domain slot keep only the tokens of values consistent with the slot."""
        _, committed, consistent = self._consistent(t, x)
        # a slot whose committed tokens match no value (a canvas given half-filled) is reopened
        # to every value at its open positions rather than leaving no token at all
        consistent = torch.where(consistent.any(-1, keepdim=True), consistent, t["dom_has"])
        d, j = (t["dom_valid"] & ~committed).nonzero(as_tuple=True)  # open (slot, position) pairs
        if not len(d):
            return
        ids = t["dom_vals"][d, :, j]  # (N, K) each value's token here
        ok = consistent[d] & (ids >= 0)  # at least one per row: a consistent value has a token at j
        # entries of excluded values point at the row's first allowed id, so duplicates agree
        first = ids.gather(-1, ok.long().argmax(-1, keepdim=True))
        _keep_only(logits, t["dom_row"][d], t["dom_pos"][d, j], torch.where(ok, ids, first), neg)

    def repair(self, x: torch.Tensor) -> torch.Tensor:
        """`x` with every domain slot consistent with a value.

        Positions committed in the same step may each agree with a different value; such a
        slot takes the value that agrees with most of its committed tokens (first in domain
        order on ties), whose tokens replace the disagreeing committed ones. Masks stay masks.
        """
        if not len(self.canvases) or not len(self._tables["dom_row"]):
            return x
        t = self._on(x.device)
        held, committed, consistent = self._consistent(t, x)
        broken = ~consistent.any(-1)  # (D,)
        if not bool(broken.any()):
            return x
        matches = ((t["dom_vals"] == held[:, None, :]) & committed[:, None, :]).sum(-1)  # (D, K)
        best = matches.masked_fill(~t["dom_has"], -1).argmax(-1)  # first maximum
        value = t["dom_vals"][torch.arange(len(best), device=x.device), best]  # (D, n)
        fix = committed & broken[:, None] & (held != value)
        if not bool(fix.any()):
            return x
        x = x.clone()
        i, j = fix.nonzero(as_tuple=True)
        x[t["dom_row"][i], t["dom_pos"][i, j]] = value[i, j]
        return x

    def tokens_hook(self, step: int, x: torch.Tensor) -> torch.Tensor | None:
        """Denoiser tokens hook: the repaired canvas, or None when nothing needed fixing."""
        fixed = self.repair(x)
        return None if fixed is x else fixed
