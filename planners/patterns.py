"""Regular-expression slots: a pattern's character automaton lifted to a tokenizer's tokens.

A slot with a pattern must end up holding a text that fullmatches the pattern, whatever order
its positions are committed in. Autoregressive constrained decoding advances one automaton
state left to right; a diffusion model commits any position at any step, so, as in DINGO
(Suresh et al. 2025, "Constrained decoding for diffusion LLMs"), each step asks which tokens
at an open position keep a completion possible: the states reachable from the start over the
positions before it (committed tokens, any token where open) against the states from which
the positions after it still reach an accepting state.

The character DFA comes from `interegular`; each token's effect on it (the state a token's
text leads to from every state) is computed once per (tokenizer, pattern) and cached, and
tokens with the same effect share a class, so a step works on (states x classes) tables.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from constraints.errors import InputError
from planners.pattern_limits import bounded_construction, check_lift, check_size, quoted, subpatterns

try:  # Python 3.11+
    import re._parser as _sre
except ImportError:  # pragma: no cover
    import sre_parse as _sre  # type: ignore[no-redef]

# parse-tree opcodes that a finite automaton cannot express, or that change the language
_UNSUPPORTED = {
    "GROUPREF": "backreferences", "GROUPREF_EXISTS": "conditional groups (?(1)...)",
    "ASSERT": "lookarounds (?=...) (?<=...)", "ASSERT_NOT": "lookarounds (?!...) (?<!...)",
    "AT": "anchors and word boundaries inside the pattern (\\b, \\A, ^ or $ other than first/last)",
    "ATOMIC_GROUP": "atomic groups (?>...)", "POSSESSIVE_REPEAT": "possessive repeats (*+, ++, ?+)",
}


def normalize_pattern(pattern: str) -> str:
    """The pattern as fullmatched: one leading ``^`` and one trailing ``$`` are dropped.

    Raises:
        InputError: not a valid regular expression, or one using a feature no finite
            automaton expresses (backreferences, lookarounds, ...), named.

    >>> normalize_pattern("^[0-9]{3}$")
    '[0-9]{3}'
    """
    if not isinstance(pattern, str) or not pattern:
        raise InputError(f"a pattern must be a non-empty regular expression string, got {pattern!r}")
    core = pattern[1:] if pattern.startswith("^") else pattern
    if core.endswith("$") and not _escaped_end(core):
        core = core[:-1]
    try:
        tree = _sre.parse(core)
    except re.error as err:
        raise InputError(f"pattern {quoted(pattern)} is not a valid regular expression: {err}") from None
    found = _features(tree)
    if found:
        raise InputError(f"pattern {quoted(pattern)} uses {found}, which slot patterns do not support "
                         "(they must be regular: no backreferences, lookarounds or inner anchors)")
    if _has_empty_braces(core):
        raise InputError(f"pattern {quoted(pattern)} holds '{{}}', which Python reads as two braces and the "
                         "automaton as a repeat; write \\{\\} for braces")
    check_size(tree, pattern)
    return core


def _has_empty_braces(pattern: str) -> bool:
    """Whether `pattern` holds an unescaped `{}` outside a character class.

    >>> _has_empty_braces("a{}"), _has_empty_braces(r"a\\{}"), _has_empty_braces("[{}]"), _has_empty_braces("a{2}")
    (True, False, False, False)
    """
    i, n = 0, len(pattern)
    while i < n:
        if pattern[i] == "\\":
            i += 2
        elif pattern[i] == "[":  # skip the class; a ] right after [ or [^ is one of its characters
            i += 1
            i += pattern.startswith("^", i)
            i += pattern.startswith("]", i)
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
            i += 1
        elif pattern.startswith("{}", i):
            return True
        else:
            i += 1
    return False


def _escaped_end(text: str) -> bool:
    """Whether the last character of `text` is escaped by an odd run of backslashes."""
    run = len(text[:-1]) - len(text[:-1].rstrip("\\"))
    return run % 2 == 1


def _features(tree: Any) -> str | None:
    for op, arg in tree:
        name = str(op)
        if name in _UNSUPPORTED:
            return _UNSUPPORTED[name]
        for sub in subpatterns(arg):
            found = _features(sub)
            if found:
                return found
    return None


@dataclass(frozen=True)
class _Vocabulary:
    """A tokenizer's token texts, ragged by character position, for vectorised automaton runs."""

    size: int
    joiner: str  # text a tokenizer puts between two tokens' texts ("" for BPE, " " for word vocabularies)
    chars: tuple[str, ...]  # every distinct character of the vocabulary
    order: np.ndarray  # token ids with a usable text, longest first
    columns: tuple[np.ndarray, ...]  # k -> char ids of the k-th character of order[:len(columns[k])]
    starts_with_space: np.ndarray  # (len(order),) bool


def special_ids(tokenizer: Any) -> set[int]:
    """Mask, pad, special and added tokens: never part of a slot's text."""
    ids = {int(tokenizer.mask_id)}
    if tokenizer.pad_id is not None:
        ids.add(int(tokenizer.pad_id))
    hf = getattr(tokenizer, "hf", None)
    if hf is not None:
        ids.update(int(i) for i in getattr(hf, "all_special_ids", []) or [])
        ids.update(int(i) for i in (getattr(hf, "added_tokens_decoder", None) or {}))
    return ids


def _texts(tokenizer: Any) -> list[str]:
    n = int(tokenizer.vocab_size)
    hf = getattr(tokenizer, "hf", None)
    if hf is not None and hasattr(hf, "batch_decode"):
        return list(hf.batch_decode([[i] for i in range(n)], skip_special_tokens=False,
                                    clean_up_tokenization_spaces=False))
    return [tokenizer.decode([i]) for i in range(n)]


@functools.lru_cache(maxsize=8)
def vocabulary(tokenizer: Any) -> _Vocabulary:
    """The token texts of `tokenizer` (cached per tokenizer object)."""
    texts = _texts(tokenizer)
    skip = special_ids(tokenizer)
    usable = [i for i, s in enumerate(texts) if s and "\ufffd" not in s and i not in skip]  # no partial UTF-8
    joiner = ""
    if usable:
        a = texts[usable[0]]
        both = tokenizer.decode([usable[0], usable[0]])
        if both.startswith(a) and both.endswith(a) and len(both) >= 2 * len(a):
            joiner = both[len(a): len(both) - len(a)]
    usable.sort(key=lambda i: -len(texts[i]))
    char_ids: dict[str, int] = {}
    columns: list[np.ndarray] = []
    longest = len(texts[usable[0]]) if usable else 0
    for k in range(longest):
        column = []
        for i in usable:
            s = texts[i]
            if len(s) <= k:
                break
            column.append(char_ids.setdefault(s[k], len(char_ids)))
        columns.append(np.asarray(column, dtype=np.int64))
    order = np.asarray(usable, dtype=np.int64)
    space = np.asarray([texts[i].startswith(" ") for i in usable], dtype=bool)
    return _Vocabulary(int(tokenizer.vocab_size), joiner, tuple(char_ids), order, tuple(columns), space)


@dataclass(frozen=True, eq=False)
class TokenAutomaton:
    """A pattern's automaton over a tokenizer's tokens, for one slot shape.

    States: the character DFA's states, then `dead`, `end` (after the first empty token) and,
    for a slot that absorbs a leading space, a `start` state that only a token starting with
    that space leaves. `table[0]` holds the transitions of a slot's first position, `table[1]`
    of the others (they differ for word vocabularies, whose decoder puts a space between
    tokens); both are (states, classes), and `token_class` (V,) maps a token to its class.

    Attributes:
        pattern: the regular expression as given; `space`: the space folded into the slot.
    """

    pattern: str
    space: str
    table: np.ndarray  # (2, S, U) next state
    token_class: np.ndarray  # (V,) class of each token id
    accept: np.ndarray  # (S,) bool: a slot may end here
    start: int
    dead: int
    end: int
    succ: np.ndarray = field(repr=False)  # (2, S, S) bool: some token leads from s to s'
    class_token: np.ndarray = field(repr=False)  # (U,) one token id of each class

    def value_of(self, text: str) -> str:
        """A slot's value from its decoded text: the text less the space folded into the slot."""
        return text[len(self.space):] if self.space and text.startswith(self.space) else text

    def matches(self, value: str) -> bool:
        """Whether `value` fullmatches the pattern."""
        return re.fullmatch(normalize_pattern(self.pattern), value) is not None

    def _forward(self, held: Sequence[int | None]) -> list[np.ndarray]:
        f = np.zeros(self.table.shape[1], dtype=bool)
        f[self.start] = True
        out = [f]
        for j, token in enumerate(held):
            k = min(j, 1)
            if token is None:
                f = self.succ[k][f].any(0)
            else:
                nxt = np.zeros_like(f)
                nxt[self.table[k][f, self.token_class[token]]] = True
                f = nxt
            out.append(f)
        return out

    def _backward(self, held: Sequence[int | None]) -> list[np.ndarray]:
        b = self.accept.copy()
        out = [b]
        for j in range(len(held) - 1, -1, -1):
            k, token = min(j, 1), held[j]
            b = (self.succ[k] & b[None, :]).any(1) if token is None else b[self.table[k][:, self.token_class[token]]]
            out.append(b)
        return out[::-1]

    def is_feasible(self, held: Sequence[int | None]) -> bool:
        """Whether a slot holding `held` (token ids, None where open) can still fullmatch."""
        return bool(self._backward(held)[0][self.start])

    def allowed(self, held: Sequence[int | None]) -> dict[int, np.ndarray] | None:
        """Open slot index -> (U,) bool of the token classes that keep a match possible; None if none can.

        A token t is allowed at open index j iff some state s reachable before j has
        delta(s, t) in the states that still reach acceptance from j + 1.
        """
        forward, backward = self._forward(held), self._backward(held)
        if not backward[0][self.start]:
            return None
        return {j: backward[j + 1][self.table[min(j, 1)][forward[j]]].any(0)
                for j, token in enumerate(held) if token is None}

    def shortest(self) -> int | None:
        """Fewest text tokens of a matching value (None: nothing matches)."""
        frontier = np.zeros(self.table.shape[1], dtype=bool)
        frontier[self.start] = True
        seen = frontier.copy()
        text_accept = self.accept.copy()
        text_accept[self.end] = False  # the end state is reached by empty tokens only
        for n in range(self.table.shape[1] + 1):
            if (frontier & text_accept).any():
                return n
            frontier = self.succ[min(n, 1)][frontier].any(0) & ~seen
            seen |= frontier
            if not frontier.any():
                return None
        return None


def _char_dfa(pattern: str) -> tuple[np.ndarray, int, np.ndarray, Any]:
    """(table (n + 1, classes + 1) with the dead state n, start, accept (n,), class_of) of a pattern.

    `class_of(ch)` is a character's column; the last column, all dead, holds the characters the
    pattern's alphabet does not cover (a pattern like `(){1}`, which matches only "", has none).

    The construction is bounded (`planners.pattern_limits.bounded_construction`): subset
    constructions can grow exponentially (`(a|b)*a(a|b){20}` needs 2**21 states).
    """
    import interegular

    core = normalize_pattern(pattern)
    try:
        with bounded_construction(pattern):
            fsm = interegular.parse_pattern(core).to_fsm().reduce()
    except InputError:
        raise
    except Exception as err:  # interegular names what it cannot parse (some errors have no text)
        raise InputError(f"pattern {quoted(pattern)}: {err or type(err).__name__}") from None
    states = sorted(fsm.states)
    index = {s: i for i, s in enumerate(states)}
    n, classes = len(states), len(set(fsm.alphabet.values()))
    table = np.full((n + 1, classes + 1), n, dtype=np.int64)
    for s, moves in fsm.map.items():
        for symbol, t in moves.items():
            table[index[s], symbol] = index[t]
    accept = np.zeros(n, dtype=bool)
    accept[[index[s] for s in fsm.finals]] = True
    return table, index[fsm.initial], accept, functools.partial(_class_of, fsm.alphabet, classes)


def _class_of(alphabet: Any, other: int, ch: str) -> int:
    """The column of character `ch` in a pattern's table (`other`: the dead column of characters it never uses)."""
    from interegular.fsm import anything_else

    if ch in alphabet:
        return alphabet[ch]
    return alphabet[anything_else] if anything_else in alphabet else other


def _run(table: np.ndarray, classes: np.ndarray, vocab: _Vocabulary, state: np.ndarray, k0: int = 0) -> np.ndarray:
    """The state (S, len(vocab.order)) after each token's text, read from character k0 on, from `state`."""
    dead = table.shape[0] - 1
    for k in range(k0, len(vocab.columns)):
        cols = vocab.columns[k]
        part = state[:, : len(cols)]
        if (part == dead).all():
            break
        state[:, : len(cols)] = table[part, classes[cols][None, :]]
    return state


@functools.lru_cache(maxsize=256)
def token_automaton(tokenizer: Any, pattern: str, space: str = "", with_pad: bool = False) -> TokenAutomaton:
    """Lift `pattern` to `tokenizer`'s tokens (cached per tokenizer, pattern and slot shape).

    Args:
        tokenizer: has `vocab_size`, `decode`, `mask_id`, `pad_id`.
        pattern: the regular expression the slot's value must fullmatch.
        space: the space a BPE tokenizer folds into the slot's first token (see
            `planners.compile`); ignored for word vocabularies, whose decoder adds its own.
        with_pad: the slot has an empty-token tail (a max_length slot).
    """
    vocab = vocabulary(tokenizer)
    table, init, char_accept, class_of = _char_dfa(pattern)
    check_lift(pattern, table.shape[0] - 1, vocab.size)
    classes = np.asarray([class_of(c) for c in vocab.chars] or [0], dtype=np.int64)
    n = table.shape[0] - 1  # char states 0..n-1, dead = n
    dead, end = n, n + 1
    space = space if vocab.joiner == "" else ""
    start = n + 2 if space else init
    size = n + 3 if space else n + 2
    table = table.astype(np.int32)  # the (states, V) tables below are the lift's memory: 32-bit states halve it
    first = np.full((size, vocab.size), dead, dtype=np.int32)
    every_state = np.repeat(np.arange(n + 1, dtype=np.int32)[:, None], len(vocab.order), 1)
    first[: n + 1, vocab.order] = _run(table, classes, vocab, every_state)
    if space:  # a token " rest" leaves the start state for wherever "rest" leads from the pattern's start
        spaced = np.where(vocab.starts_with_space, init, dead).astype(np.int32)[None, :]
        first[start, vocab.order] = _run(table, classes, vocab, spaced, k0=1)[0]
    accept = np.zeros(size, dtype=bool)
    accept[:n] = char_accept
    accept[end] = True
    if space:
        accept[start] = char_accept[init]
    rest = first.copy()
    if vocab.joiner:  # a word vocabulary: later tokens read as joiner + text
        after = np.arange(n + 1)
        for ch in vocab.joiner:
            after = table[after, class_of(ch)]
        rest[: n + 1] = first[after]
    pad = tokenizer.pad_id
    if pad is not None and 0 <= int(pad) < vocab.size:
        column = np.full(size, dead, dtype=np.int32)
        if with_pad:
            column[accept] = end
        first[:, int(pad)] = column
        rest[:, int(pad)] = column
    stacked = np.concatenate([first, rest]).T  # (V, 2S): a token's effect from every state
    effects, token_class = np.unique(stacked, axis=0, return_inverse=True)
    token_class = token_class.reshape(-1)
    both = effects.T.reshape(2, size, -1)  # (2, S, U)
    succ = np.zeros((2, size, size), dtype=bool)
    for k in range(2):
        rows = np.repeat(np.arange(size), both.shape[2])
        succ[k, rows, both[k].reshape(-1)] = True
        succ[k, :, dead] = False  # never a way forward
    class_token = np.zeros(both.shape[2], dtype=np.int64)
    class_token[token_class[::-1]] = np.arange(vocab.size)[::-1]  # the lowest id of each class
    return TokenAutomaton(pattern, space, both, token_class, accept, start, dead, end, succ, class_token)


def check_budget(automaton: TokenAutomaton, name: str, size: int, exact: bool) -> None:
    """Raise InputError when no value of the slot's token budget can match its pattern."""
    if automaton.is_feasible([None] * size):
        return
    shortest = automaton.shortest()
    budget = f"exactly {size}" if exact else f"at most {size}"
    why = "no string matches it in this vocabulary" if shortest is None else f"the shortest match takes {shortest}"
    raise InputError(f"slot {name!r}: no value of {budget} tokens matches pattern {quoted(automaton.pattern)} ({why}); "
                     "give the slot more tokens or a looser pattern")
