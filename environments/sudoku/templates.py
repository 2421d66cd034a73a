"""Sudoku templates: one digit slot per blank cell, in the compact rendering or Dream's rows of digits."""

from __future__ import annotations

from typing import Any, Mapping

from constraints import InputError, Slot, Template
from environments.base import RENDERINGS, Rendering, slot_values
from environments.sudoku.problem import SudokuProblem

ROW_SEPARATOR = "|"


def slot_name(n: int, cell: int) -> str:
    """Template slot of a blank cell: 'r{row}c{col}', 0-based."""
    return f"r{cell // n}c{cell % n}"


def normalize_solution(plan: Any) -> str:
    """A solution as one row-major string: rows may be lines or list items; '.'/'_' mean blank."""
    if isinstance(plan, (list, tuple)):
        plan = "".join("".join(str(x) for x in row) if isinstance(row, (list, tuple)) else str(row) for row in plan)
    if not isinstance(plan, str):
        return ""
    kept = "".join(ch for ch in plan if not ch.isspace() and ch != ROW_SEPARATOR)
    return "".join("0" if ch in "._" else ch for ch in kept)


def template(problem: SudokuProblem, rendering: Rendering = "compact") -> Template:
    """Compact: digits and one length-1 slot per blank, rows split by '|'. Text: Dream's rows of digits."""
    check_rendering(rendering)
    n = problem.size
    digits = tuple(str(d) for d in range(1, n + 1))
    cells = [
        ch if ch != "0" else Slot(slot_name(n, i), length=1, choices=digits) for i, ch in enumerate(problem.givens)
    ]
    rows = [cells[r * n : (r + 1) * n] for r in range(n)]
    if rendering == "compact":
        items: list[str | Slot] = []
        for r, row in enumerate(rows):
            if r:
                items.append(ROW_SEPARATOR)
            items.extend(row)
        return Template(_merge(items, " "))
    b = int(n**0.5)
    intro = (
        f"Complete the {n}x{n} Sudoku: replace each 0 with a digit from 1 to {n} so that no digit repeats "
        f"in a row, a column or a {b}x{b} box.\n\nInput:\n" + "\n".join(problem.rows()) + "\nOutput:\n"
    )
    items = [intro]
    for r, row in enumerate(rows):
        if r:
            items.append("\n")
        items.extend(row)
    return Template(_merge(items, ""))


def plan_to_values(problem: SudokuProblem, plan: Any, rendering: Rendering = "compact") -> dict[str, str]:
    """The digit of each blank cell under its slot name."""
    check_rendering(rendering)
    text = normalize_solution(plan)
    n = problem.size
    if len(text) != n * n:
        raise InputError(f"a {n}x{n} solution has {n * n} cells, got {len(text)}")
    return {slot_name(n, i): text[i] for i in problem.blanks}


def parse_plan(problem: SudokuProblem, values: Mapping[str, str], rendering: Rendering = "compact") -> str:
    """The solution string; a missing slot becomes '0' (blank), an unreadable one '?'."""
    check_rendering(rendering)
    values = slot_values(values)
    n = problem.size
    out = list(problem.givens)
    for i in problem.blanks:
        value = "".join(str(values.get(slot_name(n, i), "")).split())
        out[i] = value if len(value) == 1 else ("0" if not value else "?")
    return "".join(out)


def _merge(items: list[str | Slot], sep: str) -> tuple[str | Slot, ...]:
    """Join items with `sep`, merging adjacent text into one segment."""
    segments: list[str | Slot] = []
    for k, item in enumerate(items):
        for part in ((sep,) if k and sep else ()) + (item,):
            if isinstance(part, str) and segments and isinstance(segments[-1], str):
                segments[-1] += part
            elif part != "":
                segments.append(part)
    return tuple(segments)


def check_rendering(rendering: str) -> None:
    if rendering not in RENDERINGS:
        raise InputError(f"unknown rendering {rendering!r}; allowed: {', '.join(RENDERINGS)}")
