"""Sudoku's hard constraints: the digits each open cell may still take given the committed ones."""

from __future__ import annotations

from typing import Mapping

from environments.sudoku_problem import SudokuProblem


def sudoku_allowed_values(problem: SudokuProblem, partial: Mapping[str, str | None]) -> dict[str, set[str]]:
    """For each open cell slot ('r{row}c{col}'), the digits not yet in its row, column or box.

    Args:
        problem: the puzzle (its givens count as committed).
        partial: slot name -> committed digit, or None for an open slot; values that are not
            digits of the grid are ignored (the checker blames them).

    >>> p = SudokuProblem(size=4, givens="1200000000000000")
    >>> sorted(sudoku_allowed_values(p, {"r0c2": None, "r0c3": "3"})["r0c2"])
    ['4']
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
    allowed: dict[str, set[str]] = {}
    for name, row, col in open_cells:
        r0, c0 = row - row % box, col - col % box
        seen = {grid[row * n + c] for c in range(n)} | {grid[r * n + col] for r in range(n)}
        seen |= {grid[r * n + c] for r in range(r0, r0 + box) for c in range(c0, c0 + box)}
        allowed[name] = {str(d) for d in digits - seen}
    return allowed
