"""JSON lines in and out: reading requests, resuming from an output file, writing results as they come.

Every output line carries the `id` of its input line. A line whose id is unknown (not JSON, no
`"id"`) is answered `{"id": null, "line": N, "error": ...}`, and resuming matches it by `"line"`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterable

from constraints.errors import InputError
from constraints.limits import MAX_FILE_BYTES, loads_json


@dataclass(frozen=True)
class Line:
    """One input line: its 1-based number, its id (None when unknown) and its request or why it is unreadable."""

    number: int
    id: Any
    request: dict[str, Any] | None = None
    error: str | None = None

    @property
    def key(self) -> str:
        """What identifies the line in an output file: its id, or its number when the id is unknown."""
        return line_key(self.id, self.number)


def line_key(id: Any, number: int | None) -> str:
    """`"id:<id as JSON>"`, or `"line:<number>"` for a line without a usable id.

    >>> line_key("a", 3), line_key(1, 3), line_key(None, 3)
    ('id:"a"', 'id:1', 'line:3')
    """
    return f"line:{number}" if id is None else "id:" + json.dumps(id, sort_keys=True)


def parse_line(number: int, text: str) -> Line:
    """One input line read; a bad line is a `Line` with `error` set, never an exception.

    >>> parse_line(2, '{"id": 7, "puzzle": "1"}').request
    {'puzzle': '1'}
    >>> parse_line(3, '[1]').error
    'line 3: expected a JSON object with an "id", got list'
    """
    if len(text) > MAX_FILE_BYTES:
        return Line(number, None, error=f"line {number}: {len(text):,} characters; a line holds at most {MAX_FILE_BYTES:,}")
    try:
        data = loads_json(text, f"line {number}:")
    except json.JSONDecodeError as err:
        return Line(number, None, error=f"line {number}: not JSON ({err.msg} at column {err.colno})")
    except InputError as err:
        return Line(number, None, error=str(err))
    if not isinstance(data, dict):
        return Line(number, None, error=f'line {number}: expected a JSON object with an "id", got {type(data).__name__}')
    if "id" not in data:
        return Line(number, None, error=f'line {number}: no "id"')
    id = data.pop("id")
    if id is None or isinstance(id, bool) or not isinstance(id, (str, int, float)):
        return Line(number, None, error=f'line {number}: "id" must be a string or a number, got {json.dumps(id)}')
    return Line(number, id, request=data)


def read_lines(path: str | Path) -> list[Line]:
    """Every non-blank line of a JSON lines file, read (see `parse_line`).

    Raises:
        InputError: the file is missing or not UTF-8 text.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"--input {str(path)!r} not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"--input {str(path)!r} is not UTF-8 text") from None
    return [parse_line(n, raw) for n, raw in enumerate(text.splitlines(), 1) if raw.strip()]


def resume(path: str | Path) -> set[str]:
    """The keys (`line_key`) of the complete lines of an earlier run's output; a torn last line is cut off.

    A torn line is what a killed run leaves: text after the last newline. It is removed from the
    file so that new lines start on a line of their own.

    Raises:
        InputError: a complete line in the middle of the file is not a JSON object with an id.
    """
    path = Path(path)
    if not path.exists():
        return set()
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        with path.open("r+b") as f:
            f.truncate(end)
    keys = set()
    for number, raw in enumerate(data[:end].decode("utf-8", errors="replace").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            row = loads_json(raw)
        except (json.JSONDecodeError, InputError):
            row = None
        if not isinstance(row, dict) or "id" not in row:
            raise InputError(f"--output {str(path)!r} line {number} is not a result line; remove it or use a new file")
        keys.add(line_key(row["id"], row.get("line")))
    return keys


def error_line(line: Line, message: str) -> dict[str, Any]:
    """The output line of a line that could not be processed."""
    return {"id": line.id, "line": line.number, "error": message}


class Writer:
    """Appends result lines to the output file, flushed one by one (a killed run loses only lines in flight)."""

    def __init__(self, path: str | Path) -> None:
        self._file: IO[str] = Path(path).open("a", encoding="utf-8")

    def write(self, rows: Iterable[dict[str, Any]]) -> int:
        """Write each row as one line; returns how many."""
        count = 0
        for row in rows:
            self._file.write(json.dumps(row, ensure_ascii=False) + "\n")
            self._file.flush()
            count += 1
        return count

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
