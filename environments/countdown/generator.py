"""Random solvable Countdown instances: random numbers, a target reached by a random chain of equations."""

from __future__ import annotations

import random
import time

from constraints import InputError
from environments.countdown.oracle import moves, solve_countdown
from environments.countdown.problem import CountdownProblem

# chain: a random chain of equations from random numbers decides the target (every draw solvable);
# uniform: numbers and target drawn uniformly, kept when some answer reaches the target, as the CD
# sets were made; its answers need * and / and results above 99 far more often than a chain's
METHODS = ("chain", "uniform")
DRAW_SECONDS = 10  # a uniform draw gives up after this long: its ranges leave (almost) nothing solvable


def generate(
    seed: int, n: int = 4, low: int = 1, high: int = 99, target_low: int = 10, target_high: int = 99,
    method: str = "chain",
) -> CountdownProblem:
    """A random solvable instance; defaults follow the CD sets (numbers 1..99, targets below 100).

    Args:
        seed: random seed (same knobs and seed, same instance).
        n: how many numbers (3, 4 and 5 are CD3, CD4 and CD5).
        low, high: range of the numbers.
        target_low, target_high: range of the target.
        method: "chain" (the target is where a random chain of equations lands) or "uniform"
            (numbers and target uniform, kept when solvable: the CD sets' distribution).
    """
    if not isinstance(n, int) or not 2 <= n <= 8:
        raise InputError(f"n must be 2..8 numbers, got {n!r}")
    if not 1 <= low <= high <= 999_999 or not 0 <= target_low <= target_high:
        raise InputError(
            "need 1 <= low <= high <= 999999 and 0 <= target_low <= target_high; "
            f"got low={low}, high={high}, target_low={target_low}, target_high={target_high}"
        )
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    suffix = "" if method == "chain" else f":{method}"  # chain keeps the seeds' instances of before
    rng = random.Random(f"countdown:{seed}:{n}:{low}:{high}:{target_low}:{target_high}{suffix}")
    draw = random_instance if method == "chain" else uniform_instance
    try:
        numbers, target = draw(rng, n, low, high, target_low, target_high)
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


def uniform_instance(
    rng: random.Random, n: int, low: int, high: int, target_low: int, target_high: int, tries: int = 1000
) -> tuple[list[int], int]:
    """Numbers uniform in [low, high] and a target uniform in [target_low, target_high], redrawn until
    the exact search finds an answer (about one draw in two for three numbers, nearly every draw for five).

    Ranges where no draw is solvable fail after `tries` draws or DRAW_SECONDS, whichever comes first
    (an unsolvable draw of six or more numbers can take seconds to prove so).
    """
    deadline = time.monotonic() + DRAW_SECONDS
    for _ in range(tries):
        numbers = [rng.randint(low, high) for _ in range(n)]
        target = rng.randint(target_low, target_high)
        if solve_countdown(numbers, target) is not None:
            return numbers, target
        if time.monotonic() > deadline:
            break
    raise ValueError(f"no solvable draw of {n} numbers in {low}..{high} with a target in {target_low}..{target_high} "
                     f"(tried for up to {DRAW_SECONDS} s)")
