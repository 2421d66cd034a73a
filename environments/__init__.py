"""Planning domains with exact oracles, templates and checkers (no torch), and their registry."""

from __future__ import annotations

from typing import Callable

from constraints.errors import InputError
from environments.base import RENDERINGS, Environment, Rendering
from environments.blocksworld import Blocksworld
from environments.countdown import CountdownEnv
from environments.countdown_problem import CountdownProblem
from environments.sudoku import SudokuEnv
from environments.sudoku_problem import SudokuProblem
from environments.validate import ValidationReport, validate


def _kitchen() -> Environment:
    from environments.kitchen import KitchenEnvironment

    return KitchenEnvironment()


def _assembly() -> Environment:
    from environments.assembly import AssemblyEnvironment

    return AssemblyEnvironment()


# name -> factory (a fresh environment per call); keep one line per environment.
ENVIRONMENTS: dict[str, Callable[[], Environment]] = {
    "assembly": _assembly,
    "blocksworld": Blocksworld,
    "countdown": CountdownEnv,
    "kitchen": _kitchen,
    "sudoku": SudokuEnv,  # 9x9 (4x4 puzzles are read too)
    "sudoku4x4": lambda: SudokuEnv(size=4),
}


def get_environment(name: str) -> Environment:
    """A fresh environment by registry name.

    Raises:
        InputError: (a ValueError) for an unknown name, listing the valid ones.
    """
    if name not in ENVIRONMENTS:
        raise InputError(f"unknown environment {name!r}; valid names: {', '.join(sorted(ENVIRONMENTS))}")
    return ENVIRONMENTS[name]()


__all__ = [
    "ENVIRONMENTS",
    "RENDERINGS",
    "Blocksworld",
    "CountdownEnv",
    "CountdownProblem",
    "Environment",
    "Rendering",
    "SudokuEnv",
    "SudokuProblem",
    "ValidationReport",
    "get_environment",
    "validate",
]
