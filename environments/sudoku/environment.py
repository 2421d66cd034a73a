"""The Sudoku environment (9x9 and Dream's 4x4): generator, exact oracle, templates and checkers.

A plan is the solution as a row-major string of size*size digits. Violations name cells
0-based in `cells` (row, col) and 1-based in their `reason` ("row 2 repeats 3 at columns 1 and 4").
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any, Mapping

from constraints import InputError, Template, Violation
from environments.base import BoundRules, Rendering, SlotRules, Tier, check_tier
from environments.sudoku.allowed import sudoku_allowed_values
from environments.sudoku.checks import check_solution
from environments.sudoku.generator import generate
from environments.sudoku.oracle import solutions
from environments.sudoku.problem import SudokuProblem, parse_sudoku
from environments.sudoku.templates import (
    ROW_SEPARATOR,
    check_rendering,
    normalize_solution,
    parse_plan,
    plan_to_values,
    slot_name,
    template,
)


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
        # 9x9 (docs/results.md): a confidence threshold gives one token per step's solve rate for 2-12x fewer
        # model calls; 16 candidates with drawn unmasking orders, joining once the greedy draft fails, lift
        # hard puzzles where more rounds, wider blame or hotter tokens did not
        self.recommended_candidates = 1 if size == 4 else 16
        self.recommended_options = {} if size == 4 else {
            "confidence_threshold": 0.9999, "retry_alg_temp": 1.0, "late_candidates": True}

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
        """A random puzzle with exactly one solution (see `environments.sudoku.generator.generate`)."""
        return generate(seed, difficulty, size, givens, pinned=self.size)

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
        return template(problem, rendering)

    def plan_to_values(self, problem: SudokuProblem, plan: Any, rendering: Rendering = "compact") -> dict[str, str]:
        """The digit of each blank cell under its slot name."""
        return plan_to_values(problem, plan, rendering)

    def parse_plan(self, problem: SudokuProblem, values: Mapping[str, str], rendering: Rendering = "compact") -> str:
        """The solution string; a missing slot becomes '0' (blank), an unreadable one '?'."""
        return parse_plan(problem, values, rendering)

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

    def slot_rules(self, problem: SudokuProblem, rendering: Rendering = "compact", tier: Tier = "local") -> SlotRules:
        """Hard constraints: for each open cell, the digits not in its row, column or box; the search
        tier also propagates singles (see `sudoku_allowed_values`). Cells may be committed in any order."""
        check_rendering(rendering)
        check_tier(tier)
        return BoundRules(functools.partial(sudoku_allowed_values, problem, propagate=tier == "search"))

    def vocabulary(self) -> list[str]:
        """Digits 1..n and the row separator."""
        return [str(d) for d in range(1, (self.size or 9) + 1)] + [ROW_SEPARATOR]

    def format_plan(self, plan: Any) -> str:
        """The solution as one row-major digit string."""
        return normalize_solution(plan)
