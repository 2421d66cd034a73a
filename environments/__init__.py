"""Planning domains with exact oracles, templates and checkers (no torch), and their registry."""

from __future__ import annotations

from typing import Callable

from constraints.errors import InputError
from environments.assembly import AssemblyEnvironment
from environments.base import RENDERINGS, TIERS, Environment, Rendering, SlotRules, Tier
from environments.blocksworld import Blocksworld
from environments.countdown import CountdownEnv, CountdownProblem
from environments.kitchen import KitchenEnvironment
from environments.sudoku import SudokuEnv, SudokuProblem
from environments.validation import ValidationReport, validate

# name -> factory (a fresh environment per call); keep one line per environment.
ENVIRONMENTS: dict[str, Callable[[], Environment]] = {
    "assembly": AssemblyEnvironment,
    "blocksworld": Blocksworld,
    "blocksworld-states": lambda: Blocksworld(states=True),  # what each block stands on, after every step
    "countdown": CountdownEnv,
    "kitchen": KitchenEnvironment,
    "sudoku": SudokuEnv,  # 9x9 (4x4 puzzles are read too)
    "sudoku4x4": lambda: SudokuEnv(size=4),
}


def get_environment(name: str) -> Environment:
    """A fresh environment by registry name.

    Raises:
        InputError: (a ValueError) for an unknown name, listing the valid ones.
    """
    if not isinstance(name, str) or name not in ENVIRONMENTS:
        raise InputError(f"unknown environment {name!r}; valid names: {', '.join(sorted(ENVIRONMENTS))}")
    return ENVIRONMENTS[name]()


__all__ = [
    "ENVIRONMENTS",
    "RENDERINGS",
    "TIERS",
    "AssemblyEnvironment",
    "Blocksworld",
    "CountdownEnv",
    "CountdownProblem",
    "Environment",
    "KitchenEnvironment",
    "Rendering",
    "SlotRules",
    "Tier",
    "SudokuEnv",
    "SudokuProblem",
    "ValidationReport",
    "get_environment",
    "validate",
]
