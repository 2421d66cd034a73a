"""Sudoku's hard constraints: the digits each open cell may still take given the committed ones."""

from __future__ import annotations

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
        row, col = (int(x) for x in name[1:].split("c"))
        cell = row * n + col
        if value is None:
            open_cells.append((name, row, col))
        elif value.strip().isdigit() and int(value) in digits:
            grid[cell] = int(value)
    candidates: dict[int, set[int]] = {}
    names: dict[int, str] = {}
    for name, row, col in open_cells:
        r0, c0 = row - row % box, col - col % box
        seen = {grid[row * n + c] for c in range(n)} | {grid[r * n + col] for r in range(n)}
        seen |= {grid[r * n + c] for r in range(r0, r0 + box) for c in range(c0, c0 + box)}
        candidates[row * n + col] = digits - seen
        names[row * n + col] = name
    units = _units(n, box)
    # naked and hidden singles, repeated until nothing changes (each step is sound: it only
    # removes digits that no completion of the committed grid can hold)
    changed = propagate
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


def _units(n: int, box: int) -> list[list[int]]:
    """The cells of every row, column and box."""
    rows = [[r * n + c for c in range(n)] for r in range(n)]
    cols = [[r * n + c for r in range(n)] for c in range(n)]
    boxes = [[(r0 + r) * n + c0 + c for r in range(box) for c in range(box)]
             for r0 in range(0, n, box) for c0 in range(0, n, box)]
    return rows + cols + boxes
