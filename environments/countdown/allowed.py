"""Countdown's hard constraints: per open slot, the operands, operators and results still possible.

Equations are read in order with the multiset of numbers available at each one (the given
numbers, minus committed operands, plus committed or computed results). An open slot may take
any value of some equation ``a op b = r`` over the available numbers that agrees with the
equation's committed parts, is exact arithmetic with a non-negative whole result, and, in the
last equation, reaches the target. The sets are supersets: they never exclude a valid answer.

With ``lookahead`` (the default), the first equation whose available numbers are known exactly
(every earlier equation committed) keeps only the choices from which the target can still be
reached with the equations left (an exact search over the remaining numbers, memoised), so a
plan filled from left to right never walks into a dead end.
"""

from __future__ import annotations

import functools
from collections import Counter
from typing import Mapping

from environments.countdown.problem import CountdownProblem
from environments.countdown.oracle import OPS, apply


def _number(value: str | None) -> int | None:
    if value is None:
        return None
    text = "".join(value.split())
    return int(text) if text.isdigit() else None


@functools.lru_cache(maxsize=500_000)
def reachable(pool: tuple[int, ...], target: int, limit: int | None) -> bool:
    """Whether combining every number of `pool` (sorted) with len(pool) - 1 equations can give `target`."""
    if len(pool) == 1:
        return pool[0] == target
    for i, x in enumerate(pool):
        for j, y in enumerate(pool):
            if i == j:
                continue
            for o in OPS:
                z = apply(x, o, y)
                if z is None or z < 0 or (limit is not None and z > limit):
                    continue
                rest = [v for k, v in enumerate(pool) if k not in (i, j)]
                if reachable(tuple(sorted(rest + [z])), target, limit):
                    return True
    return False


def _equation(raw: Mapping[str, str | None]) -> tuple[int | None, str | None, int | None, int | None, bool, bool, bool, bool]:
    a, b, r = _number(raw["a"]), _number(raw["b"]), _number(raw["r"])
    op = raw["op"].strip() if raw["op"] is not None else None
    return a, op, b, r, raw["a"] is not None, raw["op"] is not None, raw["b"] is not None, raw["r"] is not None


def _combos(pool: Counter, eq: tuple, last: bool, target: int, limit: int | None) -> list[tuple[int, str, int, int]]:
    """Every (a, op, b, result) over `pool` that agrees with the committed parts of `eq`."""
    a, op, b, r, has_a, has_op, has_b, has_r = eq
    out = []
    for x in pool:
        if has_a and a != x:
            continue
        rest = pool - Counter([x])
        for y in rest:
            if has_b and b != y:
                continue
            for o in OPS:
                if has_op and o != op:
                    continue
                z = apply(x, o, y)
                if z is None or z < 0 or (limit is not None and z > limit):
                    continue
                if (has_r and r != z) or (last and z != target):
                    continue
                out.append((x, o, y, z))
    return out


def _completable(pool: Counter, eqs: list[tuple], target: int, limit: int | None) -> bool:
    """Whether the equations `eqs` (their committed parts fixed) can finish the plan from `pool`."""
    if not eqs:
        return sum(pool.values()) == 1 and pool[target] == 1
    if not any(any(part[4:]) for part in eqs):  # all open: the memoised search
        return reachable(tuple(sorted(pool.elements())), target, limit)
    for x, _, y, z in _combos(pool, eqs[0], len(eqs) == 1, target, limit):
        if _completable(pool - Counter([x, y]) + Counter([z]), eqs[1:], target, limit):
            return True
    return False


def _fits(z: int | None, r: int | None, last: bool, target: int, limit: int | None) -> bool:
    """Whether `z` is a usable result: whole, non-negative, in range, equal to `r` and to the target when last."""
    return (z is not None and z >= 0 and (limit is None or z <= limit) and (r is None or z == r)
            and (not last or z == target))


def countdown_allowed_values(
    problem: CountdownProblem,
    partial: Mapping[str, str | None],
    compact: bool = True,
    digits: int | None = None,
    lookahead: bool = True,
) -> dict[str, set[str]]:
    """Slot name -> the values each open slot of the template may still take.

    Args:
        problem: numbers and target.
        partial: slot name ('a0', 'op0', 'b0', 'r0', ...) -> committed value or None (open).
        compact: spell numbers as space-separated digits (the compact rendering).
        digits: widest number a slot holds (longer results are left out).
        lookahead: keep only choices that can still reach the target (see the module docstring).

    >>> p = CountdownProblem(numbers=(3, 5), target=15)
    >>> v = countdown_allowed_values(p, {"a0": None, "op0": None, "b0": None, "r0": None})
    >>> sorted(v["op0"]), sorted(v["r0"])
    (['*'], ['1 5'])
    """
    spell = (lambda x: " ".join(str(x))) if compact else str
    limit = 10**digits - 1 if digits else None
    pool = Counter(problem.numbers)
    steps = len(problem.numbers) - 1
    eqs = [_equation({part: partial.get(f"{part}{i}") for part in ("a", "op", "b", "r")}) for i in range(steps)]
    exact = True  # the pool before equation i is known exactly
    complete = True  # every earlier result is known (else later operands may be any number)
    allowed: dict[str, set[str]] = {}
    for i, eq in enumerate(eqs):
        a, op, b, r, has_a, has_op, has_b, has_r = eq
        last = i == steps - 1
        if complete:
            combos = _combos(pool, eq, last, problem.target, limit)
            if lookahead and exact:
                combos = [c for c in combos
                          if _completable(pool - Counter([c[0], c[2]]) + Counter([c[3]]), eqs[i + 1 :], problem.target, limit)]
            for part, index, held in (("a", 0, has_a), ("op", 1, has_op), ("b", 2, has_b), ("r", 3, has_r)):
                if not held:
                    allowed[f"{part}{i}"] = {spell(c[index]) if index != 1 else c[index] for c in combos}
        else:  # an earlier result is unknown: operands are free; ops and results follow the committed parts
            allowed.update(_committed_rules(i, eq, last, problem.target, limit, spell))
        # numbers after this equation (a superset when parts are still open)
        exact = exact and a is not None and b is not None and a in pool and b in pool - Counter([a])
        for value in (a, b):
            if value is not None and pool[value] > 0:
                pool[value] -= 1
        pool += Counter()  # drop zero counts
        result = r if r is not None else (apply(a, op, b) if None not in (a, b) and op in OPS else None)
        if result is not None and result >= 0:
            pool[result] += 1
        else:
            exact = complete = False
    return allowed


def _committed_rules(i: int, eq: tuple, last: bool, target: int, limit: int | None, spell) -> dict[str, set[str]]:
    """Equation i's operator and result from its committed parts alone: an operator gives a whole
    result (equal to a committed one), a result is the committed equation's value, the last the target."""
    a, op, b, r, _, has_op, _, has_r = eq
    rules: dict[str, set[str]] = {}
    if not has_op and a is not None and b is not None:
        rules[f"op{i}"] = {o for o in OPS if _fits(apply(a, o, b), r if has_r else None, last, target, limit)}
    if not has_r:
        if a is not None and b is not None and op in OPS:
            z = apply(a, op, b)
            rules[f"r{i}"] = {spell(z)} if _fits(z, None, last, target, limit) else set()
        elif last:
            rules[f"r{i}"] = {spell(target)}
    return rules


def countdown_local_values(
    problem: CountdownProblem,
    partial: Mapping[str, str | None],
    compact: bool = True,
    digits: int | None = None,
) -> dict[str, set[str]]:
    """The local tier: each rule checked against committed parts only, no search.

    While every earlier equation is fully committed, an operand is one of the numbers still
    available (the given numbers and earlier results, minus the operands used, this equation's
    other committed operand included); otherwise it is free. An operator gives a whole,
    non-negative result from committed operands (equal to a committed result); a result is the
    exact value of a committed equation, and the last result is the target.

    >>> p = CountdownProblem(numbers=(3, 5), target=15)
    >>> v = countdown_local_values(p, {"a0": None, "op0": None, "b0": "5", "r0": None})
    >>> sorted(v["a0"]), sorted(v["r0"]), "op0" in v
    (['3'], ['1 5'], False)
    """
    spell = (lambda x: " ".join(str(x))) if compact else str
    limit = 10**digits - 1 if digits else None
    pool: Counter | None = Counter(problem.numbers)  # None once an earlier equation is open
    steps = len(problem.numbers) - 1
    allowed: dict[str, set[str]] = {}
    for i in range(steps):
        eq = _equation({part: partial.get(f"{part}{i}") for part in ("a", "op", "b", "r")})
        a, op, b, r, has_a, _, has_b, _ = eq
        last = i == steps - 1
        if pool is not None:
            for part, other, held in (("a", b, has_a), ("b", a, has_b)):
                if not held:
                    rest = pool - Counter([other]) if other is not None else pool
                    allowed[f"{part}{i}"] = {spell(x) for x in rest if limit is None or x <= limit}
        allowed.update(_committed_rules(i, eq, last, problem.target, limit, spell))
        committed = None not in (a, b, r) and op in OPS
        if pool is None or not committed or pool[a] < 1 or (pool - Counter([a]))[b] < 1:
            pool = None
        else:
            pool = pool - Counter([a, b]) + Counter([r])
    return allowed
