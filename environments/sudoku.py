"""The Sudoku environment (9x9 and Dream's 4x4): generator, exact oracle, templates and checkers.

A plan is the solution as a row-major string of size*size digits. Violations name cells
0-based in `cells` (row, col) and 1-based in their `reason` ("row 2 repeats 3 at columns 1 and 4").
"""

from __future__ import annotations

import functools
import random
from dataclasses import replace
from typing import Any, Mapping

from constraints import InputError, Slot, Template, Violation
from environments.base import RENDERINGS, BoundRules, Rendering, SlotRules, slot_values
from environments.sudoku_allowed import sudoku_allowed_values
from environments.sudoku_problem import (
    SudokuProblem,
    cell_name,
    describe_conflict,
    grid_conflicts,
    parse_sudoku,
)
from environments.sudoku_solver import carve, is_singles_solvable, random_grid, solutions

# difficulty -> (givens for 4x4, givens for 9x9, required technique)
DIFFICULTIES: dict[str, tuple[int, int, str]] = {
    "easy": (10, 40, "singles"),  # naked/hidden singles alone solve it
    "medium": (8, 32, "any"),
    "hard": (6, 26, "search"),  # 9x9: singles alone get stuck (4x4 grids rarely need more)
}
ROW_SEPARATOR = "|"


def slot_name(n: int, cell: int) -> str:
    """Template slot of a blank cell: 'r{row}c{col}', 0-based."""
    return f"r{cell // n}c{cell % n}"


def normalize_solution(plan: Any) -> str:
    """A solution as one row-major string: rows may be lines or list items; '.'/'_' mean blank."""
    if isinstance(plan, (list, tuple)):
        plan = "".join("".join(str(x) for x in row) if isinstance(row, (list, tuple)) else str(row) for row in plan)
    if not isinstance(plan, str):
        return ""
    kept = "".join(ch for ch in plan if not ch.isspace() and ch != ROW_SEPARATOR)
    return "".join("0" if ch in "._" else ch for ch in kept)


class SudokuEnv:
    """Sudoku as a planning environment.

    Args:
        size: 9 or 4 pins the grid size; None accepts both when parsing and generates 9x9.
    """

    problem_type = SudokuProblem

    def __init__(self, size: int | None = None) -> None:
        if size not in (None, 4, 9):
            raise InputError(f"sudoku size must be 4, 9 or None, got {size!r}")
        self.size = size
        self.name = "sudoku4x4" if size == 4 else "sudoku"

    def __repr__(self) -> str:
        return f"SudokuEnv(size={self.size!r})"

    # -- problems -------------------------------------------------------------------------
    def parse_problem(self, data: Any) -> SudokuProblem:
        """A puzzle from a SudokuProblem, a string (81/16 cells, Dream rows, tdoku line), a dict or rows."""
        return parse_sudoku(data, self.size)

    def prepare(self, problem: SudokuProblem) -> SudokuProblem:
        """The puzzle unchanged: planners see it as given."""
        return problem

    def generate(
        self, seed: int, difficulty: str = "medium", size: int | None = None, givens: int | None = None
    ) -> SudokuProblem:
        """A random puzzle with exactly one solution; same arguments, same puzzle.

        Args:
            seed: random seed.
            difficulty: 'easy' (40 givens on 9x9 / 10 on 4x4, singles suffice), 'medium' (32 / 8),
                'hard' (26 / 6; on 9x9 singles alone get stuck).
            size: 4 or 9 (default: the environment's size, else 9).
            givens: exact number of givens, overriding the difficulty's count.
        """
        n = size or self.size or 9
        if self.size is not None and n != self.size:
            raise InputError(f"this environment makes {self.size}x{self.size} puzzles, not {n}x{n}")
        if n not in (4, 9):
            raise InputError(f"sudoku size must be 4 or 9, got {n!r}")
        if difficulty not in DIFFICULTIES:
            raise InputError(f"unknown difficulty {difficulty!r}; allowed: {', '.join(DIFFICULTIES)}")
        small, large, technique = DIFFICULTIES[difficulty]
        target = givens if givens is not None else (small if n == 4 else large)
        lowest = 4 if n == 4 else 17
        if not isinstance(target, int) or not lowest <= target <= n * n:
            raise InputError(f"givens for a {n}x{n} sudoku must be {lowest}..{n * n}, got {target!r}")
        rng = random.Random(f"sudoku:{n}:{seed}:{difficulty}:{target}")
        for _ in range(200):
            grid = carve(n, random_grid(n, rng), target, rng, singles_only=technique == "singles")
            if sum(1 for d in grid if d) != target:
                continue
            if technique == "search" and n == 9 and is_singles_solvable(n, grid):
                continue
            return SudokuProblem(size=n, givens="".join(map(str, grid)))
        raise InputError(f"no {difficulty} {n}x{n} sudoku with {target} givens found; ask for more givens")

    # -- oracle ---------------------------------------------------------------------------
    def solve(self, problem: SudokuProblem) -> str | None:
        """One solution as a row-major digit string, or None when the puzzle has none."""
        if not isinstance(problem, SudokuProblem):
            problem = self.parse_problem(problem)
        found = solutions(problem.size, problem.digits, limit=1)
        return "".join(map(str, found[0])) if found else None

    def count_solutions(self, problem: SudokuProblem, limit: int = 2) -> int:
        """How many solutions the puzzle has, counting up to `limit` (2 decides uniqueness)."""
        return len(solutions(problem.size, problem.digits, limit=limit))

    # -- templates ------------------------------------------------------------------------
    def template(self, problem: SudokuProblem, rendering: Rendering = "compact") -> Template:
        """Compact: digits and one length-1 slot per blank, rows split by '|'. Text: Dream's rows of digits."""
        _check_rendering(rendering)
        n = problem.size
        digits = tuple(str(d) for d in range(1, n + 1))
        cells = [
            ch if ch != "0" else Slot(slot_name(n, i), length=1, choices=digits) for i, ch in enumerate(problem.givens)
        ]
        rows = [cells[r * n : (r + 1) * n] for r in range(n)]
        if rendering == "compact":
            items: list[str | Slot] = []
            for r, row in enumerate(rows):
                if r:
                    items.append(ROW_SEPARATOR)
                items.extend(row)
            return Template(_merge(items, " "))
        b = int(n**0.5)
        intro = (
            f"Complete the {n}x{n} Sudoku: replace each 0 with a digit from 1 to {n} so that no digit repeats "
            f"in a row, a column or a {b}x{b} box.\n\nInput:\n" + "\n".join(problem.rows()) + "\nOutput:\n"
        )
        items = [intro]
        for r, row in enumerate(rows):
            if r:
                items.append("\n")
            items.extend(row)
        return Template(_merge(items, ""))

    def plan_to_values(self, problem: SudokuProblem, plan: Any, rendering: Rendering = "compact") -> dict[str, str]:
        """The digit of each blank cell under its slot name."""
        _check_rendering(rendering)
        text = normalize_solution(plan)
        n = problem.size
        if len(text) != n * n:
            raise InputError(f"a {n}x{n} solution has {n * n} cells, got {len(text)}")
        return {slot_name(n, i): text[i] for i in problem.blanks}

    def parse_plan(self, problem: SudokuProblem, values: Mapping[str, str], rendering: Rendering = "compact") -> str:
        """The solution string; a missing slot becomes '0' (blank), an unreadable one '?'."""
        _check_rendering(rendering)
        values = slot_values(values)
        n = problem.size
        out = list(problem.givens)
        for i in problem.blanks:
            value = "".join(str(values.get(slot_name(n, i), "")).split())
            out[i] = value if len(value) == 1 else ("0" if not value else "?")
        return "".join(out)

    # -- checking -------------------------------------------------------------------------
    def check(self, problem: SudokuProblem, plan: Any) -> list[Violation]:
        """Every violation of a solution (string, rows, or list of rows); never raises on a bad plan."""
        return check_solution(problem, normalize_solution(plan))

    def check_values(
        self, problem: SudokuProblem, values: Mapping[str, str], rendering: Rendering = "compact"
    ) -> list[Violation]:
        """`check(parse_plan(values))` with `slots` naming the blamed blank cells."""
        n = problem.size
        blanks = set(problem.blanks)
        found = self.check(problem, self.parse_plan(problem, values, rendering))
        return [
            replace(v, slots=tuple(slot_name(n, r * n + c) for r, c in v.cells if r * n + c in blanks)) for v in found
        ]

    def slot_rules(self, problem: SudokuProblem, rendering: Rendering = "compact") -> SlotRules:
        """Hard constraints: for each open cell, the digits not in its row, column or box (with singles
        propagated, see `sudoku_allowed_values`); cells may be committed in any order."""
        _check_rendering(rendering)
        return BoundRules(functools.partial(sudoku_allowed_values, problem))

    def vocabulary(self) -> list[str]:
        """Digits 1..n and the row separator."""
        return [str(d) for d in range(1, (self.size or 9) + 1)] + [ROW_SEPARATOR]

    def format_plan(self, plan: Any) -> str:
        """The solution as one row-major digit string."""
        return normalize_solution(plan)


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


def _merge(items: list[str | Slot], sep: str) -> tuple[str | Slot, ...]:
    """Join items with `sep`, merging adjacent text into one segment."""
    segments: list[str | Slot] = []
    for k, item in enumerate(items):
        for part in ((sep,) if k and sep else ()) + (item,):
            if isinstance(part, str) and segments and isinstance(segments[-1], str):
                segments[-1] += part
            elif part != "":
                segments.append(part)
    return tuple(segments)


def _check_rendering(rendering: str) -> None:
    if rendering not in RENDERINGS:
        raise InputError(f"unknown rendering {rendering!r}; allowed: {', '.join(RENDERINGS)}")
