"""Random solvable Countdown instances: random numbers, a target reached by a random chain of equations."""

from __future__ import annotations

import random

from constraints import InputError
from environments.countdown.oracle import moves
from environments.countdown.problem import CountdownProblem


def generate(
    seed: int, n: int = 4, low: int = 1, high: int = 99, target_low: int = 10, target_high: int = 99
) -> CountdownProblem:
    """A random solvable instance; defaults follow the CD sets (numbers 1..99, targets below 100).

    Args:
        seed: random seed (same knobs and seed, same instance).
        n: how many numbers (3, 4 and 5 are CD3, CD4 and CD5).
        low, high: range of the numbers.
        target_low, target_high: range of the target.
    """
    if not isinstance(n, int) or not 2 <= n <= 8:
        raise InputError(f"n must be 2..8 numbers, got {n!r}")
    if not 1 <= low <= high <= 999_999 or not 0 <= target_low <= target_high:
        raise InputError(
            "need 1 <= low <= high <= 999999 and 0 <= target_low <= target_high; "
            f"got low={low}, high={high}, target_low={target_low}, target_high={target_high}"
        )
    rng = random.Random(f"countdown:{seed}:{n}:{low}:{high}:{target_low}:{target_high}")
    try:
        numbers, target = random_instance(rng, n, low, high, target_low, target_high)
    except ValueError as err:
        raise InputError(str(err)) from None
    return CountdownProblem(numbers=tuple(numbers), target=target)


def random_instance(
    rng: random.Random, n: int, low: int, high: int, target_low: int, target_high: int, tries: int = 100_000
) -> tuple[list[int], int]:
    """Random numbers in [low, high] and a target in [target_low, target_high] reached by a random chain.

    Each draw combines random pairs with a random legal operation until one number is left, and
    keeps the draw when that number lands in the target range (so every instance is solvable).
    """
    for _ in range(tries):
        numbers = [rng.randint(low, high) for _ in range(n)]
        pool = list(numbers)
        while len(pool) > 1:
            i, j = rng.sample(range(len(pool)), 2)
            x, y = max(pool[i], pool[j]), min(pool[i], pool[j])
            move = rng.choice(moves(x, y))
            pool = [v for k, v in enumerate(pool) if k not in (i, j)] + [move.result]
        if target_low <= pool[0] <= target_high:
            return numbers, pool[0]
    raise ValueError(f"no target in {target_low}..{target_high} reached from {n} numbers in {low}..{high}")
