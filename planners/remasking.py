"""Remask policies: which token positions of a checked draft are opened again for refinement.

- ``blamed``: every token of every slot a violation blames.
- ``blamed_plus_lowconf``: those, plus the ``k`` least confident other slot tokens (by the
  probability each was committed with), which lets the model revise tokens the checker could
  not point at but the model itself doubted.

A violation that blames no slot (or only names the canvas does not have) cannot be localised,
so every slot is reopened: remasking only the blamed slots of the other violations could never
fix it, and the fixed text of the template is kept either way.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from constraints.violation import Violation
from planners.compile import Canvas

POLICIES: tuple[str, ...] = ("blamed", "blamed_plus_lowconf")


def blamed_slots(canvas: Canvas, violations: Sequence[Violation]) -> tuple[str, ...] | None:
    """Slot names blamed by `violations` (canvas order), or None when one of them blames none.

    >>> from dream_agent.vocab_tokenizer import VocabTokenizer
    >>> from planners.compile import compile_template
    >>> c = compile_template("{a:1} {b:1}", VocabTokenizer(["x"]))
    >>> blamed_slots(c, [Violation("c", "bad", slots=("b",))])
    ('b',)
    """
    names: set[str] = set()
    for violation in violations:
        known = [s for s in violation.slots if s in canvas.slots]
        if not known:
            return None
        names.update(known)
    return tuple(n for n in canvas.slots if n in names)


def remask_positions(
    policy: str,
    canvas: Canvas,
    violations: Sequence[Violation],
    *,
    confidence: Sequence[float] | Any | None = None,
    k: int = 0,
) -> tuple[int, ...]:
    """Token positions to mask again after a check, ascending.

    Args:
        policy: one of POLICIES.
        canvas: the compiled template (its slot map).
        violations: what the checkers found; empty -> nothing to remask.
        confidence: per canvas position, the probability each token was committed with
            (`DenoiseOutput.confidence` row); required by `blamed_plus_lowconf`. NaN = unknown.
        k: how many extra low-confidence positions `blamed_plus_lowconf` adds.

    Raises:
        ValueError: unknown policy, or a missing confidence.
    """
    if policy == "blamed":
        extra = 0
    elif policy == "blamed_plus_lowconf":
        if confidence is None:
            raise ValueError("policy 'blamed_plus_lowconf' needs the confidence of each position")
        extra = k
    else:
        raise ValueError(f"unknown remask policy {policy!r}; valid: {', '.join(POLICIES)}")
    if not violations:
        return ()
    names = blamed_slots(canvas, violations)
    if names is None:
        return canvas.open_positions
    chosen = {p for name in names for p in canvas.slots[name]}
    if extra > 0:
        conf = confidence.tolist() if hasattr(confidence, "tolist") else list(confidence)
        others = [p for p in canvas.open_positions if p not in chosen and not math.isnan(conf[p])]
        others.sort(key=lambda p: (conf[p], p))  # least confident first; ties leftmost
        chosen.update(others[:extra])
    return tuple(sorted(chosen))
