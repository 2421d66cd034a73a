"""Random Sudoku puzzles with exactly one solution, graded by the techniques they need."""

from __future__ import annotations

import random

from constraints import InputError
from environments.sudoku.oracle import is_singles_solvable, solutions
from environments.sudoku.problem import SudokuProblem

# difficulty -> (givens for 4x4, givens for 9x9, required technique)
DIFFICULTIES: dict[str, tuple[int, int, str]] = {
    "easy": (10, 40, "singles"),  # naked/hidden singles alone solve it
    "medium": (8, 32, "any"),
    "hard": (6, 26, "search"),  # 9x9: singles alone get stuck (4x4 grids rarely need more)
}


def generate(
    seed: int, difficulty: str = "medium", size: int | None = None, givens: int | None = None, pinned: int | None = None
) -> SudokuProblem:
    """A random puzzle with exactly one solution; same arguments, same puzzle.

    Args:
        seed: random seed.
        difficulty: 'easy' (40 givens on 9x9 / 10 on 4x4, singles suffice), 'medium' (32 / 8),
            'hard' (26 / 6; on 9x9 singles alone get stuck).
        size: 4 or 9 (default: the environment's size, else 9).
        givens: exact number of givens, overriding the difficulty's count.
    """
    n = size or pinned or 9
    if pinned is not None and n != pinned:
        raise InputError(f"this environment makes {pinned}x{pinned} puzzles, not {n}x{n}")
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


def random_grid(n: int, rng: random.Random) -> list[int]:
    """A uniformly shuffled search's first full valid grid (row-major digits)."""
    return solutions(n, [0] * (n * n), limit=1, rng=rng)[0]


def carve(n: int, full: list[int], target: int, rng: random.Random, singles_only: bool = False) -> list[int]:
    """Blank cells of `full` in random order while the puzzle keeps a unique solution.

    Stops once `target` givens remain; may stop above it when no further cell can go.
    `singles_only` also keeps the puzzle solvable by naked/hidden singles alone (an easy grade).
    """
    grid = list(full)
    order = list(range(n * n))
    rng.shuffle(order)
    count = n * n
    for cell in order:
        if count <= target:
            break
        keep, grid[cell] = grid[cell], 0
        ok = (is_singles_solvable(n, grid) if singles_only else len(solutions(n, grid, limit=2)) == 1)
        if ok:
            count -= 1
        else:
            grid[cell] = keep
    return grid
