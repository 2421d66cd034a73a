"""Countdown arithmetic: equations, a safe equation parser and the exact solver.

Rules (as Dream's and "Beyond Autoregression"'s CD3/CD4/CD5 sets): combine two available numbers
with + - * or exact integer division, never going negative; the result becomes available; every
given number is used once, so n numbers take n-1 equations and the last result is the target.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

OPS = ("+", "-", "*", "/")
# pairs combined before the search gives up (about 2 s in CPython): solvable instances are
# found far sooner, while proving an 8-number instance unsolvable can take 6 million (30 s)
MAX_EXPANSIONS = 500_000
MAX_PLAN_DIGITS = 12  # longer numbers in an answer are reported as unreadable, never converted
_EQUATION = re.compile(r"\s*([0-9]+)\s*([+\-*/])\s*([0-9]+)\s*=\s*(-?[0-9]+)\s*")


@dataclass(frozen=True)
class Equation:
    """One step `a op b = result` as written (the result may be wrong)."""

    a: int
    op: str
    b: int
    result: int

    @property
    def text(self) -> str:
        return f"{self.a}{self.op}{self.b}={self.result}"

    def value(self) -> int | None:
        """The true value of `a op b`; None for division by zero or a non-whole quotient."""
        return apply(self.a, self.op, self.b)


def apply(a: int, op: str, b: int) -> int | None:
    """`a op b` over whole numbers; None where division is by zero or inexact.

    >>> apply(7, "/", 2) is None, apply(8, "/", 2), apply(3, "-", 5)
    (True, 4, -2)
    """
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a // b if b and a % b == 0 else None
    raise ValueError(f"unknown operator {op!r}; allowed: {' '.join(OPS)}")


def parse_equation(text: str) -> Equation | str:
    """An Equation from text like '86+28=114', or a sentence saying why it is not one (never eval).

    >>> parse_equation("86 + 28 = 114")
    Equation(a=86, op='+', b=28, result=114)
    >>> parse_equation("86^2=7396")
    "'86^2=7396' is not an equation 'a op b = c' with whole numbers and one of + - * /"
    """
    match = _EQUATION.fullmatch(text)
    if match is None:
        return f"{text!r} is not an equation 'a op b = c' with whole numbers and one of + - * /"
    a, op, b, result = match.groups()
    if max(len(a), len(b), len(result.lstrip("-"))) > MAX_PLAN_DIGITS:
        return f"{text!r} has a number longer than {MAX_PLAN_DIGITS} digits"
    return Equation(int(a), op, int(b), int(result))


def moves(x: int, y: int) -> list[Equation]:
    """Every legal step on two numbers with x >= y (no negatives, exact division only)."""
    moves = [Equation(x, "+", y, x + y), Equation(x, "-", y, x - y), Equation(x, "*", y, x * y)]
    if y and x % y == 0:
        moves.append(Equation(x, "/", y, x // y))
    if x and x != y and y % x == 0:
        moves.append(Equation(y, "/", x, y // x))
    return moves


def solve_countdown(
    numbers: list[int] | tuple[int, ...],
    target: int,
    max_value: int | None = None,
    max_expansions: int = MAX_EXPANSIONS,
    rng: random.Random | None = None,
) -> list[Equation] | None:
    """Equations reaching `target` with every number used once, or None when none exist.

    Depth-first search over pairs of the remaining numbers, memoising multisets that failed.

    Args:
        numbers: the given numbers.
        target: the number the last equation must give.
        max_value: when set, intermediate results above it are not tried.
        max_expansions: most pairs combined; past it the search stops and returns None
            (so None means "no solution found within the bound" for large instances).
        rng: try pairs and operations in an order drawn from it, so the answer varies among the
            solutions (training targets); None keeps the fixed order (smallest pair, + first).

    >>> [e.text for e in solve_countdown([86, 28, 13, 31], 96)][-1].endswith("=96")
    True
    """
    failed: set[tuple[int, ...]] = set()
    budget = [max_expansions]

    def search(pool: tuple[int, ...]) -> list[Equation] | None:
        if len(pool) == 1:
            return [] if pool[0] == target else None
        if pool in failed:
            return None
        tried: set[tuple[int, int]] = set()
        pairs = [(i, j) for i in range(len(pool)) for j in range(i + 1, len(pool))]
        if rng is not None:
            rng.shuffle(pairs)
        for i, j in pairs:
            y, x = pool[i], pool[j]  # pool is sorted, so x >= y
            if (x, y) in tried:
                continue
            if budget[0] <= 0:
                return None  # out of budget: not memoised as failed
            budget[0] -= 1
            tried.add((x, y))
            rest = pool[:i] + pool[i + 1 : j] + pool[j + 1 :]
            options = moves(x, y)
            if rng is not None:
                rng.shuffle(options)
            for move in options:
                if max_value is not None and move.result > max_value:
                    continue
                found = search(tuple(sorted(rest + (move.result,))))
                if found is not None:
                    return [move] + found
        failed.add(pool)
        return None

    return search(tuple(sorted(numbers)))
