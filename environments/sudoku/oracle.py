"""Exact Sudoku oracle for 4x4 and 9x9 grids: bitmask constraint propagation plus MRV search.

Propagation is naked singles (a cell with one candidate) and hidden singles (a digit with one
place in a unit), as in Norvig's classic solver; search branches on the blank cell with the
fewest candidates (minimum remaining values) and counts solutions up to a limit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

SIZES = (4, 9)


@dataclass(frozen=True)
class Geometry:
    """Units and peers of an n x n grid with sqrt(n) x sqrt(n) boxes; cells are row-major indices."""

    n: int
    units: tuple[tuple[int, ...], ...]  # rows, then columns, then boxes
    peers: tuple[tuple[int, ...], ...]
    full: int  # bitmask of every digit: bit d-1 stands for digit d


@lru_cache(maxsize=None)
def geometry(n: int) -> Geometry:
    """The (cached) geometry of an n x n grid; n is 4 or 9."""
    if n not in SIZES:
        raise ValueError(f"sudoku size must be one of {SIZES}, got {n!r}")
    b = int(n**0.5)
    rows = [tuple(r * n + c for c in range(n)) for r in range(n)]
    cols = [tuple(r * n + c for r in range(n)) for c in range(n)]
    boxes = [
        tuple((br + r) * n + bc + c for r in range(b) for c in range(b))
        for br in range(0, n, b)
        for bc in range(0, n, b)
    ]
    units = tuple(rows + cols + boxes)
    peers = tuple(tuple(sorted({p for u in units if cell in u for p in u} - {cell})) for cell in range(n * n))
    return Geometry(n=n, units=units, peers=peers, full=(1 << n) - 1)


def _digit(bit: int) -> int:
    return bit.bit_length()


def _assign(geo: Geometry, vals: list[int], cands: list[int], cell: int, digit: int) -> bool:
    """Place `digit` in `cell` and propagate naked singles; False on a contradiction."""
    bit = 1 << (digit - 1)
    if not cands[cell] & bit:
        return False
    vals[cell] = digit
    cands[cell] = bit
    stack = [(cell, bit)]
    while stack:
        c, b = stack.pop()
        for p in geo.peers[c]:
            m = cands[p]
            if m & b:
                if vals[p]:  # an assigned peer holds the same digit
                    return False
                m &= ~b
                if not m:
                    return False
                cands[p] = m
                if not m & (m - 1):  # one candidate left: a naked single
                    vals[p] = _digit(m)
                    stack.append((p, m))
    return True


def _hidden_singles(geo: Geometry, vals: list[int], cands: list[int]) -> bool:
    """Place every digit that has one possible cell in a unit, to a fixpoint; False on a contradiction."""
    changed = True
    while changed:
        changed = False
        for unit in geo.units:
            once = twice = 0
            for c in unit:
                m = cands[c]
                twice |= once & m
                once |= m
            if once != geo.full:  # some digit has no place left in this unit
                return False
            singles = once & ~twice
            while singles:
                b = singles & -singles
                singles ^= b
                for c in unit:
                    if cands[c] & b:
                        break
                else:
                    return False
                if not vals[c]:
                    if not _assign(geo, vals, cands, c, _digit(b)):
                        return False
                    changed = True
    return True


def _start(geo: Geometry, givens: list[int]) -> tuple[list[int], list[int]] | None:
    vals = [0] * (geo.n * geo.n)
    cands = [geo.full] * (geo.n * geo.n)
    for cell, digit in enumerate(givens):
        if digit and vals[cell] != digit and not _assign(geo, vals, cands, cell, digit):
            return None
    if not _hidden_singles(geo, vals, cands):
        return None
    return vals, cands


def _search(
    geo: Geometry, vals: list[int], cands: list[int], limit: int, out: list[list[int]], rng: random.Random | None
) -> None:
    best, best_count = -1, geo.n + 1
    for c, v in enumerate(vals):
        if not v:
            k = cands[c].bit_count()
            if k < best_count:
                best, best_count = c, k
                if k == 2:
                    break
    if best < 0:
        out.append(vals)
        return
    digits = [d for d in range(1, geo.n + 1) if cands[best] >> (d - 1) & 1]
    if rng is not None:
        rng.shuffle(digits)
    for d in digits:
        v2, c2 = vals[:], cands[:]
        if _assign(geo, v2, c2, best, d) and _hidden_singles(geo, v2, c2):
            _search(geo, v2, c2, limit, out, rng)
            if len(out) >= limit:
                return


def solutions(n: int, givens: list[int], limit: int = 2, rng: random.Random | None = None) -> list[list[int]]:
    """Up to `limit` completions of `givens` (row-major digits, 0 = blank).

    Args:
        n: grid side, 4 or 9.
        givens: n*n digits, 0 for a blank cell.
        limit: stop after this many solutions (2 decides uniqueness).
        rng: shuffles the digit order of each branch (used to draw random full grids).

    Returns:
        The solutions found, each a row-major list of digits; empty when the puzzle has none.

    >>> len(solutions(4, [1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1], limit=5)) > 1
    True
    """
    geo = geometry(n)
    if len(givens) != n * n:
        raise ValueError(f"a {n}x{n} grid has {n * n} cells, got {len(givens)}")
    start = _start(geo, list(givens))
    if start is None:
        return []
    out: list[list[int]] = []
    _search(geo, start[0], start[1], limit, out, rng)
    return out


def is_singles_solvable(n: int, givens: list[int]) -> bool:
    """True when naked and hidden singles alone fill the grid (no guessing needed)."""
    start = _start(geometry(n), list(givens))
    return start is not None and all(start[0])
