"""Hard constraints on slot values, as one logits hook: choices, token allow/ban lists, environment rules.

At every denoising step an open position of a slot may take a token only if

- the slot's choices (`Slot.choices`) still hold a value that agrees with every token committed
  in the slot, so multi-token values stay whole in any filling order;
- it passes the slot's `allow`/`ban` tokens (ids, one-token strings or boolean rows over the
  vocabulary: digits in a Sudoku cell, a token class of structured output), and the empty token
  only forms the tail of a max_length slot;
- a slot with a pattern (`Canvas.patterns`) can still be completed, from what is committed in
  it, to a text that fullmatches the pattern within its tokens (`planners.patterns`); `repair`
  keeps that true when several of its positions are committed in the same step;
- some value that the canvas's `rules` still allow, given what is committed, agrees with the slot
  (an environment's dynamic constraints, asked every step); `repair` keeps that true when several
  positions are committed in the same step. A slot with no such value left (a dead end) is left
  free, so that the checker blames the draft and the refine loop re-masks it.

Rules may also give a fill order (groups of slot names): the open positions of every group after
the first one still open get flat logits, so a confidence- or entropy-ordered sampler commits the
plan group by group, each group seeing the state its predecessors reached.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence, Union

import numpy as np
import torch

from constraints.errors import InputError
from environments.base import SlotRules
from planners.compile import Canvas
from planners.rule_reader import RuleReader
from planners.mask_tables import keep_only, restriction_tables
from planners.patterns import TokenAutomaton

# Per slot: token ids or one-token strings, or a boolean row over the vocabulary (V,); one for
# every position of the slot, or one per position (a list of lists, or a (positions, V) tensor).
# An allow list of ids keeps the empty token in a max_length slot; a boolean row is taken as given.
TokenList = Sequence[Union[int, str]]
SlotTokens = Mapping[str, Union[TokenList, Sequence[TokenList], torch.Tensor]]
Tokens = Union[set, torch.Tensor]  # one position's tokens: a set of ids or a boolean row (V,)

# an allow set of at most this many tokens is kept as ids (a gather and a scatter per step); a
# larger one (a token class over Dream's 151k vocabulary) as a boolean row shared by positions
SPARSE_IDS = 256


class ValueMasks:
    """Every hard constraint on slot values of a batch of canvases, as one logits hook (row i = canvas i).

    Call it as the denoiser's `logits_hook(step, x, logits)`, and pass `tokens_hook` as its
    tokens hook so that values committed in parallel in one step stay consistent with the
    choices. The canvases of one batch share a tokenizer (one mask and one empty id).

    Args:
        canvases: one canvas, or one per batch row.
        allow: slot name -> tokens allowed there (see `SlotTokens`); one mapping for every canvas
            or a sequence with one per canvas. A max_length slot given ids keeps the empty token;
            a boolean row allows the empty token only where it is True.
        ban: the same shape; tokens never allowed.
        rules: one `SlotRules` (or None) per canvas.
        choices: per canvas, whether its slots' value sets are enforced (default all); a canvas
            with False leaves its choice slots to the model (the "none" constraint tier).
    """

    def __init__(
        self,
        canvases: Canvas | Sequence[Canvas],
        *,
        allow: SlotTokens | Sequence[SlotTokens | None] | None = None,
        ban: SlotTokens | Sequence[SlotTokens | None] | None = None,
        rules: Sequence[SlotRules | None] | None = None,
        choices: Sequence[bool] | None = None,
    ) -> None:
        self.canvases = [canvases] if isinstance(canvases, Canvas) else list(canvases)
        n = len(self.canvases)
        self.mask_id = self.canvases[0].mask_id if n else -1
        self.pad_id = self.canvases[0].pad_id if n else None
        self.vocab_size = int(self.canvases[0].tokenizer.vocab_size) if n else 0
        rules = [None] * n if rules is None else list(rules)
        if len(rules) != n:
            raise ValueError(f"rules: got {len(rules)} for {n} canvases")
        self._rules = [(i, RuleReader(c, r)) for i, (c, r) in enumerate(zip(self.canvases, rules)) if r is not None]
        choices = [True] * n if choices is None else list(choices)
        if len(choices) != n:
            raise ValueError(f"choices: got {len(choices)} for {n} canvases")
        self._tables = self._collect(_per_canvas(allow, n, "allow"), _per_canvas(ban, n, "ban"), choices)
        self._dense_counts = torch.bincount(self._tables["dense_idx"], minlength=len(self._tables["dense_block"])).tolist()
        self._device_tables: dict[torch.device, dict[str, torch.Tensor]] = {}
        self._classes: dict[tuple[int, torch.device], torch.Tensor] = {}  # a pattern's token classes on a device
        self._seen: tuple[torch.Tensor, torch.Tensor] | None = None  # (x, logits) of the last step, for `repair`

    def _collect(self, allow: list[Mapping], ban: list[Mapping], choices: list[bool]) -> dict[str, torch.Tensor]:
        """Static restrictions per (row, position), and the choice and tail slots, as tensors."""
        sparse: list[tuple[int, int, list[int]]] = []  # (row, position, allowed ids)
        dense: list[tuple[int, int, int]] = []  # (row, position, index of its allowed row)
        rows: list[torch.Tensor] = []  # distinct dense allowed rows (V,)
        seen: dict[bytes, int | list[int]] = {}  # a row's bytes -> its ids (sparse) or index in `rows`
        banned: list[tuple[int, int, int]] = []  # (row, position, id)
        choice_slots: list[tuple[int, tuple[int, ...], list[tuple[int, ...]]]] = []
        tails: list[tuple[int, tuple[int, ...]]] = []  # max_length slots without choices
        self._patterns: list[tuple[int, tuple[int, ...], TokenAutomaton]] = []  # (row, positions, automaton)
        for r, canvas in enumerate(self.canvases):
            for what, given in (("allow", allow[r]), ("ban", ban[r])):
                unknown = [name for name in given if name not in canvas.slots]
                if unknown:
                    raise InputError(f"{what}: no slot {unknown[0]!r}; slots: {', '.join(canvas.slots)}")
            for name, positions in canvas.slots.items():
                slot = canvas.slot(name)
                if name in canvas.patterns:
                    if name in allow[r] or name in ban[r]:
                        raise InputError(f"slot {name!r} has a pattern; give it a pattern or allow/ban tokens, not both")
                    self._patterns.append((r, positions, canvas.patterns[name]))
                allows = self._position_tokens(canvas, name, allow[r][name], "allow") if name in allow[r] else None
                bans = self._position_tokens(canvas, name, ban[r][name], "ban") if name in ban[r] else [set()] * len(positions)
                if slot.choices is not None and not choices[r]:
                    continue  # the model alone: no value set, no tail rule
                if slot.choices is not None:
                    ok = [v for v in canvas.choices[name] if _fits(v, allows, bans, self.pad_id)]
                    if not ok:
                        raise InputError(f"slot {name!r}: the allow/ban lists exclude every choice")
                    choice_slots.append((r, positions, ok))
                    continue
                never = {self.pad_id} if slot.length is not None and self.pad_id is not None else set()  # never empty
                tail = slot.max_length is not None and self.pad_id is not None
                if tail:
                    tails.append((r, positions))
                for j, p in enumerate(positions):
                    a, b = (None if allows is None else allows[j]), bans[j]
                    if a is None and isinstance(b, torch.Tensor) and int(b.sum()) > SPARSE_IDS:
                        a = ~b  # a long ban row is an allow row
                    if a is None:
                        ids = b if isinstance(b, set) else set(b.nonzero().flatten().tolist())
                        banned.extend((r, p, t) for t in sorted(ids | never))
                        continue
                    if isinstance(a, set) and isinstance(b, set):
                        ids = (a - b - never) | ({self.pad_id} if tail else set())
                        if not ids:
                            raise InputError(f"slot {name!r} position {j}: the allow/ban lists leave no token")
                        sparse.append((r, p, sorted(ids)))
                        continue
                    row = self._allowed_row(a, b, never, self.pad_id if tail and isinstance(a, set) else None)
                    key = row.numpy().tobytes()  # the positions of a slot mostly share one row: judge it once
                    if key not in seen:
                        count = int(row.sum())
                        if not count:
                            raise InputError(f"slot {name!r} position {j}: the allow/ban lists leave no token")
                        seen[key] = row.nonzero().flatten().tolist() if count <= SPARSE_IDS else len(rows)
                        if count > SPARSE_IDS:
                            rows.append(row)
                    if isinstance(seen[key], list):
                        sparse.append((r, p, seen[key]))
                    else:
                        dense.append((r, p, seen[key]))
        return restriction_tables(sparse, dense, rows, banned, choice_slots, tails, self.vocab_size)

    def _position_tokens(self, canvas: Canvas, name: str, spec: Any, what: str) -> list[Tokens]:
        """Each position's tokens (an id set or a boolean row) of slot `name` from an allow/ban spec."""
        size = len(canvas.slots[name])
        if isinstance(spec, torch.Tensor) and spec.dtype == torch.bool:
            if spec.dim() not in (1, 2) or spec.shape[-1] < self.vocab_size:
                raise InputError(f"{what}: slot {name!r} takes a boolean row over the vocabulary ({self.vocab_size},) "
                                 f"or ({size}, {self.vocab_size}), got shape {tuple(spec.shape)}")
            spec = spec[..., : self.vocab_size].cpu()  # ids past the tokenizer are never allowed anyway
            if spec.dim() == 1:
                return [spec] * size
            if spec.shape[0] != size:
                raise InputError(f"{what}: slot {name!r} has {size} positions, got {spec.shape[0]} token rows")
            return list(spec)
        spec = spec.tolist() if isinstance(spec, torch.Tensor) else list(spec)
        per_position = bool(spec) and all(isinstance(s, (list, tuple, torch.Tensor)) for s in spec)
        if per_position and len(spec) != size:
            raise InputError(f"{what}: slot {name!r} has {size} positions, got {len(spec)} token lists")
        lists = spec if per_position else [spec] * size
        return [self._position_tokens(canvas, name, s, what)[0] if isinstance(s, torch.Tensor)
                else {_token_id(canvas, t, what, self.vocab_size) for t in s} for s in lists]

    def _allowed_row(self, allow: Tokens, ban: Tokens, never: set[int], also: int | None) -> torch.Tensor:
        """`allow` less `ban` and `never`, plus `also`, as a boolean row (V,); copied only when changed."""
        if isinstance(allow, torch.Tensor):
            row = allow.clone() if isinstance(ban, torch.Tensor) or ban or never or also is not None else allow
        else:
            row = torch.zeros(self.vocab_size, dtype=torch.bool)
            row[list(allow)] = True
        if isinstance(ban, torch.Tensor):
            row &= ~ban
        else:
            row[list(ban | never)] = False
        if also is not None:
            row[also] = True
        return row

    def _on(self, device: torch.device) -> dict[str, torch.Tensor]:
        if device not in self._device_tables:
            self._device_tables[device] = {k: v.to(device) for k, v in self._tables.items()}
        return self._device_tables[device]

    def __call__(self, step: int, x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        """Restrict `logits` (B, L, V) in place at slot positions and return them."""
        if x.shape[0] != len(self.canvases):
            raise ValueError(f"value masks built for {len(self.canvases)} rows, got a batch of {x.shape[0]}")
        t = self._on(logits.device)
        neg = torch.tensor(float("-inf"), dtype=logits.dtype, device=logits.device)
        if self._rules:  # first: the flat logits of later fill-order groups must not erase the masks below
            self._rule_masks(x, logits, neg)
        if logits.shape[-1] > self.vocab_size:
            # the model's logits may cover ids the tokenizer lacks (Dream pads its vocabulary): no text, never proposed
            logits[..., self.vocab_size:] = neg
        if len(t["allow_rc"]):
            keep_only(logits, t["allow_rc"][:, 0], t["allow_rc"][:, 1], t["allow_ids"], neg)
        w, start = min(logits.shape[-1], self.vocab_size), 0
        for u, count in enumerate(self._dense_counts):  # one gather and scatter per distinct row
            r, p = t["dense_rc"][start : start + count].T
            start += count
            block = t["dense_block"][u, :w]  # (w,), broadcast over the positions sharing it
            if w == logits.shape[-1]:
                logits[r, p] = logits[r, p].masked_fill_(block, neg)
            else:
                logits[r, p, :w] = logits[r, p, :w].masked_fill_(block, neg)
        if len(t["ban"]):
            logits[t["ban"][:, 0], t["ban"][:, 1], t["ban"][:, 2]] = neg
        if len(t["tail_row"]) and self.pad_id is not None:
            self._tail_rule(t, x, logits, neg)
        if len(t["choice_row"]):
            self._choice_rule(t, x, logits, neg)
        if self._patterns:
            self._pattern_rule(x, logits, neg)
        if self._patterns or self._rules:
            self._seen = (x.clone(), logits)
        return logits

    def _pattern_rule(self, x: torch.Tensor, logits: torch.Tensor, neg: torch.Tensor) -> None:
        """Open positions of a pattern slot keep the tokens after which the slot can still match."""
        held_rows = x.tolist()
        groups: dict[int, tuple[TokenAutomaton, list[tuple[int, int]], list[np.ndarray]]] = {}
        for r, positions, automaton in self._patterns:
            held = self._held(held_rows[r], positions, automaton)
            if held is None or all(h is not None for h in held):
                continue
            allowed = automaton.allowed(held)
            if allowed is None:  # a dead end (a canvas given half-filled): left free for the checker to blame
                continue
            _, where, rows = groups.setdefault(id(automaton), (automaton, [], []))
            for j, classes in allowed.items():
                where.append((r, positions[j]))
                rows.append(classes)
        w = min(logits.shape[-1], self.vocab_size)
        for automaton, where, rows in groups.values():
            rc = torch.tensor(where, device=logits.device)  # (N, 2)
            ok = torch.from_numpy(np.stack(rows)).to(logits.device)  # (N, U) allowed classes
            block = ~ok[:, self._token_classes(automaton, logits.device)[:w]]  # (N, w)
            r, p = rc[:, 0], rc[:, 1]
            logits[r, p, :w] = logits[r, p, :w].masked_fill(block, neg)

    def _held(self, row: list[int], positions: tuple[int, ...], automaton: TokenAutomaton) -> list[int | None] | None:
        """A slot's tokens (None where open); None when one is outside the automaton's vocabulary."""
        held = [None if row[p] == self.mask_id else row[p] for p in positions]
        return None if any(h is not None and not 0 <= h < len(automaton.token_class) for h in held) else held

    def _token_classes(self, automaton: TokenAutomaton, device: torch.device) -> torch.Tensor:
        key = (id(automaton), device)
        if key not in self._classes:
            self._classes[key] = torch.from_numpy(automaton.token_class).to(device)
        return self._classes[key]

    def _repair_patterns(self, x: torch.Tensor) -> torch.Tensor:
        """Pattern slots that tokens committed in one step left unmatchable, made matchable again.

        Tokens committed before the step stay; the step's tokens are taken left to right, each
        kept while the slot can still match, else replaced by the best token (by the step's
        logits) that keeps it matchable, as if the positions had been committed one by one.
        """
        seen_x, seen_logits = self._seen if self._seen is not None and self._seen[0].shape == x.shape else (None, None)
        rows, before = x.tolist(), (seen_x.tolist() if seen_x is not None else None)
        fixes: list[tuple[int, int, int]] = []
        for r, positions, automaton in self._patterns:
            held = self._held(rows[r], positions, automaton)
            if held is None or automaton.is_feasible(held):
                continue
            kept = [h if before is not None and before[r][p] == h else None for h, p in zip(held, positions)]
            if not automaton.is_feasible(kept):
                continue  # already a dead end before the step: left for the checker
            for j, token in enumerate(held):
                if token is None or kept[j] is not None:
                    continue
                kept[j] = token
                if automaton.is_feasible(kept):
                    continue
                kept[j] = None
                classes = torch.from_numpy(automaton.allowed(kept)[j])
                ok = classes[torch.from_numpy(automaton.token_class)]  # (V,) tokens keeping a match possible
                if seen_logits is not None:
                    scores = seen_logits[r, positions[j], : len(ok)].float().cpu().masked_fill(~ok, float("-inf"))
                    kept[j] = int(scores.argmax())
                else:
                    kept[j] = int(automaton.class_token[int(classes.float().argmax())])
                fixes.append((r, positions[j], kept[j]))
        return _with_fixes(x, fixes)

    def deferred(self, step: int, x: torch.Tensor) -> torch.Tensor | None:
        """The denoiser's defer hook: (B, L) the open positions of later fill-order groups, which wait
        for the current group (None without rules). Flat logits alone cannot keep them last: a later
        slot with four choices looks 25% sure, surer than a current one the model hesitates over."""
        if not self._rules:
            return None
        waiting = torch.zeros(x.shape, dtype=torch.bool)
        for i, rules in self._rules:
            waiting[i, rules.later_positions(x[i, : len(rules.canvas.ids)].tolist())] = True
        return waiting.to(x.device)

    def _rule_masks(self, x: torch.Tensor, logits: torch.Tensor, neg: torch.Tensor) -> None:
        """Each rules row: open positions keep the tokens of allowed values; later groups go flat."""
        flat: list[tuple[int, int]] = []  # (row, position)
        keep: list[tuple[int, int, list[int]]] = []  # (row, position, allowed ids)
        for i, rules in self._rules:
            row = x[i, : len(rules.canvas.ids)].tolist()
            later = set(rules.later_positions(row))
            flat.extend((i, p) for p in later)
            # a later position waits (`deferred`) and stays flat: should a step commit it early, it
            # takes no cue from a state its step has not reached
            keep.extend((i, p, ids) for p, ids in rules.restrictions(row) if p not in later)
        if flat:
            rows, positions = torch.tensor(flat, device=logits.device).T
            logits[rows, positions] = 0.0  # uniform: the lowest confidence, committed after the current group
        if keep:
            k = max(len(ids) for _, _, ids in keep)
            rc = torch.tensor([[r, p] for r, p, _ in keep], device=logits.device)
            ids = torch.tensor([ids + ids[:1] * (k - len(ids)) for _, _, ids in keep], device=logits.device)
            keep_only(logits, rc[:, 0], rc[:, 1], ids, neg)

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

    def _consistent(self, t: dict[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(held (D, n), committed (D, n), consistent (D, K)) for every choice slot."""
        held = x[t["choice_row"][:, None], t["choice_pos"]]
        committed = (held != self.mask_id) & t["choice_valid"]
        agree = (t["choice_vals"] == held[:, None, :]) | ~committed[:, None, :]
        return held, committed, agree.all(dim=-1) & t["choice_has"]

    def _choice_rule(self, t: dict[str, torch.Tensor], x: torch.Tensor, logits: torch.Tensor,
                     neg: torch.Tensor) -> None:
        """Open positions of a choice slot keep only the tokens of choices consistent with the slot."""
        _, committed, consistent = self._consistent(t, x)
        # a slot whose committed tokens match no choice (a canvas given half-filled) is reopened
        # to every choice at its open positions rather than leaving no token at all
        consistent = torch.where(consistent.any(-1, keepdim=True), consistent, t["choice_has"])
        d, j = (t["choice_valid"] & ~committed).nonzero(as_tuple=True)  # open (slot, position) pairs
        if not len(d):
            return
        ids = t["choice_vals"][d, :, j]  # (N, K) each choice's token here
        ok = consistent[d] & (ids >= 0)  # at least one per row: a consistent choice has a token at j
        # entries of excluded choices point at the row's first allowed id, so duplicates agree
        first = ids.gather(-1, ok.long().argmax(-1, keepdim=True))
        keep_only(logits, t["choice_row"][d], t["choice_pos"][d, j], torch.where(ok, ids, first), neg)

    def repair(self, x: torch.Tensor) -> torch.Tensor:
        """`x` with every choice slot consistent with one of its choices, every pattern slot matchable.

        Positions committed in the same step may each agree with a different choice; such a
        slot takes the choice that agrees with most of its committed tokens (first in choice
        order on ties), whose tokens replace the disagreeing committed ones. A row with rules is
        repaired as `_repair_rules` says, a pattern slot as `_repair_patterns` says. Masks stay masks.
        """
        x = self._repair_choices(x)
        x = self._repair_rules(x) if self._rules else x
        return self._repair_patterns(x) if self._patterns else x

    def _repair_rules(self, x: torch.Tensor) -> torch.Tensor:
        """Rows with rules whose step committed several positions, made to agree with the rules.

        The masks of a step are computed before it commits, so two positions committed together
        each obey the rules alone but perhaps not jointly ("stack d" with no second block; two equal
        digits in one Sudoku row). As `_repair_patterns` does, the step's positions are taken left
        to right, each kept when the rules still allow it given those before, else replaced by the
        best allowed token (by the step's logits); a position the rules leave no token (a dead end)
        is kept, for the checker to blame.
        """
        if self._seen is None or self._seen[0].shape != x.shape:
            return x
        seen_x, seen_logits = self._seen
        fixes: list[tuple[int, int, int]] = []
        for r, reader in self._rules:
            width = len(reader.canvas.ids)
            before, after = seen_x[r, :width].tolist(), x[r, :width].tolist()
            new = [p for p in range(width) if before[p] == reader.canvas.mask_id != after[p]]
            if len(new) < 2:
                continue  # one commit obeyed the step's masks
            row = list(before)
            for p in new:
                allowed = dict(reader.restrictions(row)).get(p)
                token = after[p]
                if allowed and token not in allowed:
                    ids = torch.tensor(allowed, device=seen_logits.device)
                    token = allowed[int(seen_logits[r, p, ids].argmax())]
                    fixes.append((r, p, token))
                row[p] = token
        return _with_fixes(x, fixes)

    def _repair_choices(self, x: torch.Tensor) -> torch.Tensor:
        if not len(self.canvases) or not len(self._tables["choice_row"]):
            return x
        t = self._on(x.device)
        held, committed, consistent = self._consistent(t, x)
        broken = ~consistent.any(-1)  # (D,)
        if not bool(broken.any()):
            return x
        matches = ((t["choice_vals"] == held[:, None, :]) & committed[:, None, :]).sum(-1)  # (D, K)
        best = matches.masked_fill(~t["choice_has"], -1).argmax(-1)  # first maximum
        value = t["choice_vals"][torch.arange(len(best), device=x.device), best]  # (D, n)
        fix = committed & broken[:, None] & (held != value)
        if not bool(fix.any()):
            return x
        x = x.clone()
        i, j = fix.nonzero(as_tuple=True)
        x[t["choice_row"][i], t["choice_pos"][i, j]] = value[i, j]
        return x

    def tokens_hook(self, step: int, x: torch.Tensor) -> torch.Tensor | None:
        """Denoiser tokens hook: the repaired canvas, or None when nothing needed fixing."""
        fixed = self.repair(x)
        return None if fixed is x else fixed


def _with_fixes(x: torch.Tensor, fixes: list[tuple[int, int, int]]) -> torch.Tensor:
    """`x` with each (row, position, token) of `fixes` written in (`x` itself when there are none)."""
    if not fixes:
        return x
    x = x.clone()
    r, p, t = torch.tensor(fixes, device=x.device).T
    x[r, p] = t
    return x


def _per_canvas(given: Any, n: int, what: str) -> list[Mapping]:
    if given is None:
        return [{}] * n
    if isinstance(given, Mapping):
        return [given] * n
    given = [g or {} for g in given]
    if len(given) != n:
        raise ValueError(f"{what}: got {len(given)} mappings for {n} canvases")
    return given


def _token_id(canvas: Canvas, token: Any, what: str, vocab_size: int) -> int:
    if isinstance(token, str):
        ids = canvas.tokenizer.encode(token)
        if len(ids) != 1:
            raise InputError(f"{what}: {token!r} is {len(ids)} tokens, expected exactly one (or give a token id)")
        return int(ids[0])
    if isinstance(token, bool) or not isinstance(token, int):
        raise InputError(f"{what}: tokens are ids, strings or boolean rows, got {token!r}")
    if not 0 <= token < vocab_size:
        raise InputError(f"{what}: token id {token} is outside the vocabulary (0..{vocab_size - 1})")
    return token


def _has(tokens: Tokens, token: int) -> bool:
    return bool(tokens[token]) if isinstance(tokens, torch.Tensor) else token in tokens


def _fits(value: tuple[int, ...], allows: list[Tokens] | None, bans: list[Tokens], pad_id: int | None) -> bool:
    """Whether a choice's tokens pass the slot's allow/ban tokens (padding always passes allow)."""
    for j, token in enumerate(value):
        if _has(bans[j], token) or (allows is not None and token != pad_id and not _has(allows[j], token)):
            return False
    return True
