"""What a slot pattern may cost, each bounded before or while the work is done; past a limit, one InputError.

Counted on the parse tree when a template is read: the characters and classes a pattern spells
out once its counted repeats are expanded (`a{100000}`), and the characters its classes list
(interegular builds its alphabet from them). Counted while its automaton is built: the states
(subset constructions grow exponentially, `(a|b)*a(a|b){20}` needs 2**21) and the CPU time. And
before the automaton is lifted to a tokenizer: its states times the vocabulary size.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from typing import Any, Iterator

from constraints.errors import InputError

try:  # Python 3.11+
    import re._parser as _sre
except ImportError:  # pragma: no cover
    import sre_parse as _sre  # type: ignore[no-redef]

# What a pattern may cost, each checked before or while the work it bounds is done (InputError past it):
MAX_PATTERN_SIZE = 2_000  # characters and classes once counted repeats are spelled out (a{3}b: 4)
MAX_CLASS_CHARS = 300_000  # characters the classes list, all together (the automaton's alphabet is built from them)
MAX_DFA_STATES = 10_000  # automaton states built while compiling a pattern (every intermediate one counts)
MAX_DFA_SECONDS = 5.0  # CPU seconds of this thread spent building them (wide alternations cost time per state)
MAX_LIFT_CELLS = 2**24  # automaton states times vocabulary size: the tables lifted to tokens (~44 bytes a cell)


def quoted(pattern: str, limit: int = 60) -> str:
    """The pattern quoted for an error line, cut to `limit` characters."""
    return repr(pattern if len(pattern) <= limit else pattern[: limit - 3] + "...")


def check_size(tree: Any, pattern: str) -> None:
    """Raise InputError when a parsed pattern lists or spells out too many characters."""
    listed = class_chars(tree)
    if listed > MAX_CLASS_CHARS:
        raise InputError(f"pattern {quoted(pattern)} is too large: its character classes list {listed:,} characters "
                         f"(at most {MAX_CLASS_CHARS:,}); use a negated class [^...] or '.' for \"almost anything\"")
    if spelled_size(tree) > MAX_PATTERN_SIZE:
        raise InputError(f"pattern {quoted(pattern)} is too large: with its repeats spelled out it has more than "
                         f"{MAX_PATTERN_SIZE:,} characters and classes (at most {MAX_PATTERN_SIZE:,}); "
                         "use smaller repeat counts")


def check_lift(pattern: str, states: int, vocab_size: int) -> None:
    """Raise InputError when the tables lifting `states` character states (and 3 more) to `vocab_size` tokens
    pass MAX_LIFT_CELLS."""
    if (states + 3) * vocab_size > MAX_LIFT_CELLS:
        raise InputError(f"pattern {quoted(pattern)} is too complex for this vocabulary: {states:,} "
                         f"automaton states times {vocab_size:,} tokens is past {MAX_LIFT_CELLS:,} table cells; "
                         "use a pattern with fewer states (smaller counts, fewer alternatives)")


def class_chars(tree: Any) -> int:
    """Characters the classes of a parsed pattern list (negated ones too), each class counted once.

    >>> class_chars(_sre.parse("[a-z0-9_]+x")), class_chars(_sre.parse("[^a-z]|([0-9][A-F]){9}"))
    (37, 42)
    """
    total = 0
    for op, arg in tree:
        name = str(op)
        if name == "IN":
            for item_op, item in arg:
                item_name = str(item_op)
                total += item[1] - item[0] + 1 if item_name == "RANGE" else item_name == "LITERAL"
        else:
            total += sum(class_chars(sub) for sub in subpatterns(arg))
    return total


def spelled_size(tree: Any, cap: int = MAX_PATTERN_SIZE) -> int:
    """Characters and classes of a parsed pattern once counted repeats are spelled out, as an automaton builds it.

    A repeat {m,n} counts n copies of its body (m + 1 when unbounded); counting stops past `cap`.

    >>> spelled_size(_sre.parse("a{3}b")), spelled_size(_sre.parse("(ab|c)+")), spelled_size(_sre.parse("(a{10}){10}"))
    (4, 6, 100)
    """
    total = 0
    for op, arg in tree:
        name = str(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT"):
            lo, hi, sub = arg
            copies = lo + 1 if hi == _sre.MAXREPEAT else hi
            total += max(copies, 1) * spelled_size(sub, cap)
        elif name == "SUBPATTERN":
            total += spelled_size(arg[-1], cap)
        elif name == "BRANCH":
            total += sum(spelled_size(branch, cap) for branch in arg[1])
        else:
            total += 1
        if total > cap:
            return cap + 1
    return total


def subpatterns(arg: Any) -> list:
    """The parsed sub-patterns inside one parse-tree argument (groups, branches, repeats)."""
    if isinstance(arg, _sre.SubPattern):
        return [arg]
    if isinstance(arg, (tuple, list)):
        return [s for a in arg for s in subpatterns(a)]
    return []


@contextlib.contextmanager
def bounded_construction(pattern: str) -> Iterator[None]:
    """Within it, interegular builds at most MAX_DFA_STATES states in MAX_DFA_SECONDS of this thread's CPU time.

    interegular builds every automaton with `interegular.fsm.crawl`; that function is replaced
    by `_counted_crawl` (the same automata) and the budget is this thread's only.
    """
    import interegular.fsm

    interegular.fsm.crawl = _counted_crawl
    _BUDGET.left, _BUDGET.deadline = MAX_DFA_STATES, time.thread_time() + MAX_DFA_SECONDS
    try:
        yield
    except _TooComplex as err:
        raise InputError(f"pattern {quoted(pattern)} is too complex: {err} (at most {MAX_DFA_STATES:,} states "
                         f"and {MAX_DFA_SECONDS:g} s); use fewer alternatives or smaller counts under repeats") from None
    finally:
        _BUDGET.left, _BUDGET.deadline = None, math.inf


class _StateBudget(threading.local):
    """What the automaton construction of this thread may still spend (None: no construction running)."""

    left: int | None = None  # states
    deadline: float = math.inf  # `time.thread_time()` past which it stops


_BUDGET = _StateBudget()


def _counted_crawl(alphabet: Any, initial: Any, final: Any, follow: Any) -> Any:
    """interegular's `crawl` (which builds every automaton it makes), counting the states it builds.

    The same steps as `interegular.fsm.crawl`, so it builds the same automaton (states are looked
    up in a dict where they are hashable, rather than by a linear search); while a pattern is
    compiled (`_BUDGET.left` set) each new state spends one of the budget, and an empty budget
    or the deadline passed raises `_TooComplex` before the next transition is explored.
    """
    from interegular.fsm import FSM, OblivionError

    states, finals, moves = [initial], set(), {}
    seen: dict[Any, int] = {}
    _remember(seen, initial, 0)
    i = 0
    while i < len(states):
        state = states[i]
        if final(state):
            finals.add(i)
        moves[i] = {}
        for transition in alphabet.by_transition:
            if _BUDGET.left is not None and time.thread_time() > _BUDGET.deadline:
                raise _TooComplex(f"building its automaton took more than {MAX_DFA_SECONDS:g} CPU seconds")
            try:
                new = follow(state, transition)
            except OblivionError:
                continue
            j = _look_up(seen, states, new)
            if j is None:
                j = len(states)
                states.append(new)
                _remember(seen, new, j)
                if _BUDGET.left is not None:
                    _BUDGET.left -= 1
                    if _BUDGET.left < 0:
                        raise _TooComplex(f"building its automaton takes more than {MAX_DFA_STATES:,} states")
            moves[i][transition] = j
        i += 1
    return FSM(alphabet=alphabet, states=range(len(states)), initial=0, finals=finals, map=moves,
               __no_validation__=True)


def _remember(seen: dict[Any, int], state: Any, j: int) -> None:
    try:
        seen.setdefault(state, j)
    except TypeError:  # an unhashable state (interegular's `parallel` uses dicts): found by search
        pass


def _look_up(seen: dict[Any, int], states: list, state: Any) -> int | None:
    try:
        return seen.get(state)
    except TypeError:
        return states.index(state) if state in states else None


class _TooComplex(Exception):
    """The automaton construction spent its budget (the message says which)."""
