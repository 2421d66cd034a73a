"""Sudoku's hard constraints: the digits each open cell may still take given the committed ones."""

from __future__ import annotations

import functools
from typing import Mapping

from environments.sudoku.problem import SudokuProblem


def sudoku_allowed_values(
    problem: SudokuProblem, partial: Mapping[str, str | None], propagate: bool = False
) -> dict[str, set[str]]:
    """For each open cell slot ('r{row}c{col}'), the digits still consistent with the committed ones.

    The local rule: a digit is ruled out when its row, column or box already holds it (a given
    or a committed digit). With `propagate` (the search tier) it also looks ahead: when a row,
    column or box has exactly one open cell left that can take some missing digit (a "hidden
    single"), that cell may only take that digit; and a cell left with one digit (a "naked
    single") removes it from its row, column and box. These rules are applied until nothing
    changes (constraint propagation); an open cell with no digit left means the committed
    digits cannot be completed.

    Args:
        problem: the puzzle (its givens count as committed).
        partial: slot name -> committed digit, or None for an open slot; values that are not
            digits of the grid are ignored (the checker blames them).

    >>> p = SudokuProblem(size=4, givens="1200000000000000")
    >>> sorted(sudoku_allowed_values(p, {"r0c2": None, "r0c3": "3"})["r0c2"])
    ['4']
    >>> sorted(sudoku_allowed_values(p, {"r0c2": None, "r0c3": None})["r0c2"])
    ['3', '4']
    """
    n = problem.size
    box = int(n**0.5)
    grid = [int(ch) for ch in problem.givens]
    digits = set(range(1, n + 1))
    open_cells = []
    for name, value in partial.items():
        row, col = _cell(name)
        if value is None:
            open_cells.append((name, row, col))
        elif value.strip().isdigit() and int(value) in digits:
            grid[row * n + col] = int(value)
    # the digits each row, column and box holds, as bit masks (bit d = digit d): one pass over the grid
    rows, cols, boxes = [0] * n, [0] * n, [0] * n
    for cell, d in enumerate(grid):
        if d:
            r, c = divmod(cell, n)
            rows[r] |= 1 << d
            cols[c] |= 1 << d
            boxes[r // box * box + c // box] |= 1 << d
    free = _free_digits(n)
    if not propagate:  # the local tier: each open cell's digits, no look-ahead
        return {name: free[rows[r] | cols[c] | boxes[r // box * box + c // box]] for name, r, c in open_cells}
    candidates: dict[int, set[int]] = {}
    names: dict[int, str] = {}
    for name, row, col in open_cells:
        seen = rows[row] | cols[col] | boxes[row // box * box + col // box]
        candidates[row * n + col] = {d for d in digits if not seen >> d & 1}
        names[row * n + col] = name
    units = _units(n, box)
    # naked and hidden singles, repeated until nothing changes (each step is sound: it only
    # removes digits that no completion of the committed grid can hold)
    changed = True
    while changed:
        changed = False
        for unit in units:
            placed = {grid[cell] for cell in unit if cell not in candidates}
            for d in digits - placed:
                spots = [cell for cell in unit if cell in candidates and d in candidates[cell]]
                if len(spots) == 1 and len(candidates[spots[0]]) > 1:
                    candidates[spots[0]] = {d}
                    changed = True
        for cell, options in candidates.items():
            if len(options) != 1:
                continue
            (d,) = options
            for unit in units:
                if cell not in unit:
                    continue
                for other in unit:
                    if other != cell and other in candidates and d in candidates[other]:
                        candidates[other] = candidates[other] - {d}
                        changed = True
    return {names[cell]: {str(d) for d in options} for cell, options in candidates.items()}


@functools.lru_cache(maxsize=None)
def _cell(name: str) -> tuple[int, int]:
    """'r{row}c{col}' -> (row, col)."""
    row, col = name[1:].split("c")
    return int(row), int(col)


@functools.lru_cache(maxsize=4)
def _free_digits(n: int) -> tuple[frozenset[str], ...]:
    """Bit mask of the digits seen -> the digits 1..n not among them (shared, read-only sets)."""
    return tuple(frozenset(str(d) for d in range(1, n + 1) if not seen >> d & 1) for seen in range(1 << (n + 1)))


def _units(n: int, box: int) -> list[list[int]]:
    """The cells of every row, column and box."""
    rows = [[r * n + c for c in range(n)] for r in range(n)]
    cols = [[r * n + c for r in range(n)] for c in range(n)]
    boxes = [[(r0 + r) * n + c0 + c for r in range(box) for c in range(box)]
             for r0 in range(0, n, box) for c0 in range(0, n, box)]
    return rows + cols + boxes
