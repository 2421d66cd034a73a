"""Sudoku checks: every violation of a solution, blaming cells (0-based) with 1-based reasons."""

from __future__ import annotations

from constraints import Violation
from environments.sudoku.problem import SudokuProblem, cell_name, describe_conflict, grid_conflicts


def check_solution(problem: SudokuProblem, text: str) -> list[Violation]:
    """Shape, cell contents, kept givens, then repeats in rows, columns and boxes."""
    n = problem.size
    found: list[Violation] = []
    if len(text) != n * n:
        found.append(
            Violation("sudoku.shape", f"the solution has {len(text)} cells; a {n}x{n} grid has {n * n}", kind="schema")
        )
        text = (text + "0" * (n * n))[: n * n]
    digits = [int(ch) if ch in "0123456789" else -1 for ch in text]
    for i, ch in enumerate(text):
        cell = ((i // n, i % n),)
        given = problem.givens[i]
        if given != "0" and ch != given:
            shown = "blank" if ch == "0" else repr(ch)
            reason = f"{cell_name(n, i)} must keep the given {given}, found {shown}"
            found.append(Violation("sudoku.givens", reason, kind="given", cells=cell))
        elif ch == "0":
            found.append(Violation("sudoku.filled", f"{cell_name(n, i)} is blank", kind="domain", cells=cell))
        elif not 1 <= digits[i] <= n:
            reason = f"{cell_name(n, i)} holds {ch!r}, not a digit 1-{n}"
            found.append(Violation("sudoku.digits", reason, kind="domain", cells=cell))
    for kind, index, digit, cells in grid_conflicts(n, digits):
        found.append(
            Violation(
                f"sudoku.{kind}s" if kind != "box" else "sudoku.boxes",
                describe_conflict(n, kind, index, digit, cells),
                kind="duplicate",
                cells=tuple((c // n, c % n) for c in cells),
                details={"unit": kind, "index": index, "digit": digit},
            )
        )
    return found
