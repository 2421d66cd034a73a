"""Sudoku puzzles at the boundary: the pydantic problem and parsing of every accepted input format.

Accepted: 81/16-character strings (`0` or `.` for blanks), Dream's row-per-line grids
("1003\\n0300\\n3210\\n4132"), tdoku lines (`puzzle:count[:solution]`), JSON lines and dicts
with a `puzzle`/`input`/`givens`/`quizzes` key, and lists of rows.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from constraints.errors import InputError
from constraints.limits import loads_json
from environments.sudoku.oracle import geometry

_PUZZLE_KEYS = ("puzzle", "givens", "input", "quizzes", "quiz", "grid")


def cell_name(n: int, cell: int) -> str:
    """People's name of a row-major cell index: 'row 2, column 3' (1-based)."""
    return f"row {cell // n + 1}, column {cell % n + 1}"


def grid_conflicts(n: int, digits: list[int]) -> list[tuple[str, int, int, list[int]]]:
    """Every repeated digit in a unit as (unit kind, 0-based unit index, digit, cells), in unit order.

    Blank cells (0) and non-digits (any value outside 1..n) are ignored.
    """
    geo = geometry(n)
    found = []
    for u, unit in enumerate(geo.units):
        kind, index = ("row", "column", "box")[u // n], u % n
        where: dict[int, list[int]] = {}
        for c in unit:
            if 1 <= digits[c] <= n:
                where.setdefault(digits[c], []).append(c)
        for digit in sorted(where):
            if len(where[digit]) > 1:
                found.append((kind, index, digit, where[digit]))
    return found


def describe_conflict(n: int, kind: str, index: int, digit: int, cells: list[int]) -> str:
    """'row 2 repeats 3 at columns 1 and 4' (1-based for people)."""

    def join(items: list[str]) -> str:
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

    if kind == "row":
        return f"row {index + 1} repeats {digit} at columns {join([str(c % n + 1) for c in cells])}"
    if kind == "column":
        return f"column {index + 1} repeats {digit} at rows {join([str(c // n + 1) for c in cells])}"
    places = [f"(row {c // n + 1}, column {c % n + 1})" for c in cells]
    return f"box {index + 1} repeats {digit} at {join(places)}"


class SudokuProblem(BaseModel):
    """A Sudoku puzzle: `size` 4 or 9 and `givens`, size*size row-major digits with '0' for blanks."""

    model_config = ConfigDict(frozen=True)

    size: Literal[4, 9]
    givens: str

    @model_validator(mode="before")
    @classmethod
    def _infer_size(cls, data: Any) -> Any:
        if isinstance(data, dict) and "size" not in data and isinstance(data.get("givens"), str):
            cleaned = normalize_grid_text(data["givens"])
            data = {**data, "size": {81: 9, 16: 4}.get(len(cleaned), len(cleaned))}
        return data

    @field_validator("givens", mode="before")
    @classmethod
    def _clean(cls, value: Any) -> Any:
        return normalize_grid_text(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check(self) -> SudokuProblem:
        n = self.size
        if len(self.givens) != n * n:
            raise InputError(f"a {n}x{n} sudoku needs {n * n} cells, got {len(self.givens)}")
        bad = [ch for ch in self.givens if ch not in "0123456789" or int(ch) > n]
        if bad:
            raise InputError(f"sudoku cells must be digits 1-{n} or 0/. for blanks; found {bad[0]!r}")
        conflicts = grid_conflicts(n, self.digits)
        if conflicts:
            raise InputError("contradictory givens: " + describe_conflict(n, *conflicts[0]))
        return self

    @property
    def digits(self) -> list[int]:
        """Row-major digits, 0 for blanks."""
        return [int(ch) for ch in self.givens]

    @property
    def blanks(self) -> list[int]:
        """Row-major indices of the blank cells."""
        return [i for i, ch in enumerate(self.givens) if ch == "0"]

    def rows(self) -> list[str]:
        """The grid as `size` strings of digits, '0' for blanks (Dream's input rows)."""
        n = self.size
        return [self.givens[r * n : (r + 1) * n] for r in range(n)]


def normalize_grid_text(text: str) -> str:
    """Drop layout (whitespace, '|', '-', '+', ',') and map '.'/'_' blanks to '0'."""
    kept = [ch for ch in text if not ch.isspace() and ch not in "|+-,"]
    return "".join("0" if ch in "._" else ch for ch in kept)


def first_error(err: ValidationError) -> str:
    """The first message of a pydantic error, without pydantic's framing."""
    first = err.errors()[0]
    message = str(first.get("msg", err))
    where = ".".join(str(x) for x in first.get("loc", ()))
    message = message.removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def parse_sudoku(data: Any, size: int | None = None) -> SudokuProblem:
    """A SudokuProblem from any accepted form; `size` (4 or 9) pins the grid size when given.

    Raises:
        InputError: naming what is wrong (length, a bad character, repeated givens, a bad type).
    """
    if isinstance(data, SudokuProblem):
        problem = data
    else:
        try:
            problem = SudokuProblem.model_validate(_as_fields(data))
        except ValidationError as err:
            raise InputError(first_error(err)) from None
    if size is not None and problem.size != size:
        raise InputError(f"expected a {size}x{size} sudoku, got a {problem.size}x{problem.size} one")
    return problem


def _as_fields(data: Any) -> dict[str, Any]:
    if isinstance(data, str):
        text = data.strip()
        if text.startswith("{"):
            try:
                return _as_fields(loads_json(text, "sudoku input"))
            except json.JSONDecodeError as err:
                raise InputError(f"sudoku input looks like JSON but does not parse: {err}") from None
        if ":" in text:  # tdoku: puzzle:count[:solution]
            text = text.split(":", 1)[0]
        cleaned = normalize_grid_text(text)
        if len(cleaned) not in (16, 81):
            raise InputError(f"a sudoku needs 81 (9x9) or 16 (4x4) cells, got {len(cleaned)}")
        return {"size": 9 if len(cleaned) == 81 else 4, "givens": cleaned}
    if isinstance(data, dict):
        key = next((k for k in _PUZZLE_KEYS if k in data), None)
        if key is None:
            raise InputError(f"a sudoku dict needs one of the keys {', '.join(_PUZZLE_KEYS)}; got {sorted(data)}")
        fields = _as_fields(data[key])
        if "size" in data and data["size"] != fields["size"]:
            raise InputError(f"sudoku size {data['size']!r} does not match a grid of {len(fields['givens'])} cells")
        return fields
    if isinstance(data, (list, tuple)):
        rows = ["".join(str(x) for x in row) if isinstance(row, (list, tuple)) else str(row) for row in data]
        return _as_fields("".join(rows))
    raise InputError(f"cannot read a sudoku from {type(data).__name__}; give a string, dict or list of rows")
