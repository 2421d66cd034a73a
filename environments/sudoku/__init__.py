"""Sudoku (9x9, and Dream's 4x4) as an environment: problems, generator, oracle, templates, checks, rules."""

from environments.sudoku.allowed import sudoku_allowed_values
from environments.sudoku.checks import check_solution
from environments.sudoku.environment import SudokuEnv
from environments.sudoku.generator import DIFFICULTIES, generate
from environments.sudoku.oracle import is_singles_solvable, solutions
from environments.sudoku.problem import SudokuProblem, parse_sudoku
from environments.sudoku.templates import ROW_SEPARATOR, normalize_solution, slot_name

__all__ = [
    "DIFFICULTIES",
    "ROW_SEPARATOR",
    "SudokuEnv",
    "SudokuProblem",
    "check_solution",
    "generate",
    "is_singles_solvable",
    "normalize_solution",
    "parse_sudoku",
    "slot_name",
    "solutions",
    "sudoku_allowed_values",
]
