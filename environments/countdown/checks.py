"""Countdown checkers: each violation blames the equation (step) at fault and says why.

Availability is tracked as a multiset. A step whose arithmetic is wrong still yields a number:
later steps may use either what it claims or what it truly computes, so one wrong result is
blamed once, at its own step, and not again wherever it is used. A final equation that no
operator can take to the target is a dead end the earlier equations led to: they are blamed too.
"""

from __future__ import annotations

from constraints import Violation
from environments.countdown.oracle import OPS, Equation, apply, parse_equation


def _v(constraint: str, reason: str, kind: str, step: int | None = None, parts: tuple[str, ...] = ()) -> Violation:
    return Violation(
        f"countdown.{constraint}",
        reason,
        kind=kind,
        steps=() if step is None else (step,),
        details={"parts": parts} if parts else {},
    )


MAX_CHECKED = 64  # equations checked one by one; a solution has at most 7, the rest are blamed together
MAX_SHOWN = 10  # numbers a reason lists; a long answer must not repeat the whole pool in every violation


def _shown(entries: list[tuple[int, ...]]) -> str:
    """The claimed values of `entries`, at most MAX_SHOWN of them.

    >>> _shown([(1,), (2,)]), _shown([(7,)] * 12)
    ('1, 2', '7, 7, 7, 7, 7, 7, 7, 7, 7, 7 and 2 more')
    """
    shown = ", ".join(str(e[0]) for e in entries[:MAX_SHOWN])
    return shown + (f" and {len(entries) - MAX_SHOWN} more" if len(entries) > MAX_SHOWN else "")


def _take(pool: list[tuple[int, ...]], value: int) -> bool:
    """Remove one available entry that can stand for `value` (entries of correct steps first)."""
    for exact_only in (True, False):
        for k, entry in enumerate(pool):
            if (entry == (value,)) if exact_only else (value in entry):
                del pool[k]
                return True
    return False


def check_equations(numbers: tuple[int, ...], target: int, steps: list[str]) -> list[Violation]:
    """Every violation of `steps` (equation texts) for the given numbers and target."""
    found: list[Violation] = []
    pool: list[tuple[int, ...]] = [(x,) for x in numbers]  # (claimed value, true value if it differs)
    last_entry: tuple[int, ...] | None = None
    last_result: int | None = None
    operands_available = False  # the last equation's operands were numbers still available
    need = len(numbers) - 1
    if not steps:
        return [_v("target", f"no equations; {len(numbers)} numbers need {need} to reach {target}", "missing_step")]
    for i, text in enumerate(steps[:MAX_CHECKED]):
        label = f"step {i + 1} ({text if len(text) <= 40 else text[:37] + '...'})"
        eq = parse_equation(text)
        if isinstance(eq, str):
            found.append(_v("syntax", f"step {i + 1}: {eq}", "syntax", i, ("a", "op", "b", "r")))
            last_entry = last_result = None
            continue
        taken = len(found)
        for part, value in (("a", eq.a), ("b", eq.b)):
            if not _take(pool, value):
                reason = f"{label} uses {value}, which is not available (available: {_shown(pool) or 'nothing'})"
                found.append(_v("available", reason, "precondition", i, (part,)))
        true = eq.value()
        if eq.op == "/" and eq.b == 0:
            found.append(_v("arithmetic", f"{label} divides by zero", "arithmetic", i, ("op", "b")))
        elif true is None:
            reason = f"{label}: {eq.a}/{eq.b} is not a whole number"
            found.append(_v("arithmetic", reason, "arithmetic", i, ("a", "op", "b")))
        elif true < 0:
            reason = f"{label}: {eq.a}-{eq.b} is negative; results must not be negative"
            found.append(_v("negative", reason, "domain", i, ("a", "op", "b", "r")))
        elif eq.result != true:
            reason = f"{label}: {eq.a}{eq.op}{eq.b} is {true}, not {eq.result}"
            found.append(_v("arithmetic", reason, "arithmetic", i, ("a", "op", "b", "r")))
        entry = (eq.result,) if true is None or true < 0 or true == eq.result else (eq.result, true)
        pool.append(entry)
        last_entry, last_result = entry, eq.result
        operands_available = all(v.constraint != "countdown.available" for v in found[taken:])
    if len(steps) > need:
        found.append(
            Violation(
                "countdown.count",
                f"{len(steps)} equations for {len(numbers)} numbers; a solution has {need}"
                + (f" (the first {MAX_CHECKED} are checked)" if len(steps) > MAX_CHECKED else ""),
                kind="extra_step",
                steps=tuple(range(need, len(steps))),
            )
        )
    if len(steps) > MAX_CHECKED:  # the target and the unused numbers say nothing more about such an answer
        return found
    if last_entry is not None and last_result != target:
        reason = f"the last equation gives {last_result}, not the target {target}"
        found.append(_v("target", reason, "missing_step", len(steps) - 1, ("r",)))
    if operands_available:
        found += _dead_end(steps, need, target)
    left = list(pool)
    if last_entry is not None and last_entry in left:
        left.remove(last_entry)
    if left:
        found.append(
            _v("unused", f"numbers left unused: {_shown(left)}; each number must be used exactly once", "missing_step")
        )
    return found


def _dead_end(steps: list[str], need: int, target: int) -> list[Violation]:
    """The final equation, over operands still available, misses the target and no operator over
    them reaches it: the equations before it chose those operands, so they are blamed too
    (redrafting the final equation alone could never fix it)."""
    final = parse_equation(steps[-1]) if len(steps) == need > 1 else None
    if not isinstance(final, Equation) or any(apply(final.a, op, final.b) == target for op in OPS):
        return []
    reason = f"no operator takes {final.a} and {final.b} to the target {target}; the equations before chose them"
    return [Violation("countdown.dead_end", reason, kind="missing_step", steps=tuple(range(need - 1)))]
