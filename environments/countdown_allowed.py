"""Countdown's hard constraints: per open slot, the operands, operators and results still possible.

Equations are read in order with the multiset of numbers available at each one (the given
numbers, minus committed operands, plus committed or computed results). An open slot may take
any value of some equation ``a op b = r`` over the available numbers that agrees with the
equation's committed parts, is exact arithmetic with a non-negative whole result, and, in the
last equation, reaches the target. The sets are supersets: they never exclude a valid answer.
"""

from __future__ import annotations

from collections import Counter
from typing import Mapping

from environments.countdown_problem import CountdownProblem
from environments.countdown_solver import OPS, apply


def _number(value: str | None) -> int | None:
    if value is None:
        return None
    text = "".join(value.split())
    return int(text) if text.isdigit() else None


def countdown_allowed_values(
    problem: CountdownProblem, partial: Mapping[str, str | None], compact: bool = True, digits: int | None = None
) -> dict[str, set[str]]:
    """Slot name -> the values each open slot of the template may still take.

    Args:
        problem: numbers and target.
        partial: slot name ('a0', 'op0', 'b0', 'r0', ...) -> committed value or None (open).
        compact: spell numbers as space-separated digits (the compact rendering).
        digits: widest number a slot holds (longer results are left out).

    >>> p = CountdownProblem(numbers=(3, 5), target=15)
    >>> v = countdown_allowed_values(p, {"a0": None, "op0": None, "b0": None, "r0": None})
    >>> sorted(v["op0"]), sorted(v["r0"])
    (['*'], ['1 5'])
    """
    spell = (lambda x: " ".join(str(x))) if compact else str
    limit = 10**digits - 1 if digits else None
    pool = Counter(problem.numbers)
    steps = len(problem.numbers) - 1
    allowed: dict[str, set[str]] = {}
    for i in range(steps):
        raw = {part: partial.get(f"{part}{i}") for part in ("a", "op", "b", "r")}
        a, b, r = _number(raw["a"]), _number(raw["b"]), _number(raw["r"])
        op = raw["op"].strip() if raw["op"] is not None else None
        last = i == steps - 1
        combos = []
        for x in pool:
            if raw["a"] is not None and a != x:
                continue
            rest = pool - Counter([x])
            for y in rest:
                if raw["b"] is not None and b != y:
                    continue
                for o in OPS:
                    if op is not None and o != op:
                        continue
                    z = apply(x, o, y)
                    if z is None or z < 0 or (limit is not None and z > limit):
                        continue
                    if (raw["r"] is not None and r != z) or (last and z != problem.target):
                        continue
                    combos.append((x, o, y, z))
        for part, index in (("a", 0), ("op", 1), ("b", 2), ("r", 3)):
            if raw[part] is None:
                allowed[f"{part}{i}"] = {spell(c[index]) if index != 1 else c[index] for c in combos}
        # numbers after this equation (a superset when parts are still open)
        for value in (a, b):
            if value is not None and pool[value] > 0:
                pool[value] -= 1
        pool += Counter()  # drop zero counts
        result = r if r is not None else (apply(a, op, b) if None not in (a, b) and op in OPS else None)
        if result is not None and result >= 0:
            pool[result] += 1
    return allowed
