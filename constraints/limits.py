"""Limits on user input, checked where it enters: file sizes, JSON nesting, paths that are really text.

No input may make the package allocate without bound, recurse past Python's limit or run forever;
what passes these checks is small enough for every parser behind them.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from constraints.errors import InputError

MAX_FILE_BYTES = 10_000_000  # a problem, plan, domain or config file; real ones are a few KB
MAX_JSON_DEPTH = 64  # nesting of lists and objects; real problems nest 3 deep
MAX_PDDL_DEPTH = 64  # nesting of PDDL brackets; real domains nest about 10 deep (define, action, and, forall, when, ...)
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')  # a JSON string, escapes included (unrolled: linear)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def is_file(path: str | Path) -> bool:
    """Whether `path` names an existing file; a string that cannot be a path (too long, NUL) is not one.

    >>> is_file("a" * 300), is_file("x\\0y"), is_file(__file__)
    (False, False, True)
    """
    try:
        return Path(path).is_file()
    except (OSError, ValueError):  # ENAMETOOLONG, ELOOP, EACCES; ValueError for an embedded NUL
        return False


def read_text(path: str | Path, what: str) -> str:
    """The UTF-8 text of a file of at most MAX_FILE_BYTES.

    Args:
        path: the file.
        what: how the error names it, e.g. "plan file" or "--problem".

    Raises:
        InputError: the file is missing, unreadable, too large or not UTF-8 text.
    """
    shown = _shown(str(path))
    try:
        size = os.stat(path).st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{what} {shown} is {size:,} bytes; at most {MAX_FILE_BYTES:,} are read")
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{what} {shown} not found") from None
    except UnicodeDecodeError as err:
        raise InputError(f"{what} {shown} is not UTF-8 text (byte {err.start})") from None
    except (OSError, ValueError) as err:
        if isinstance(err, InputError):
            raise
        raise InputError(f"{what} {shown}: {describe_os_error(err)}") from None


def loads_json(text: str | bytes, what: str = "JSON") -> Any:
    """`json.loads`, refusing nesting deeper than MAX_JSON_DEPTH before any parser recurses into it.

    >>> loads_json('{"a": [1, 2]}')
    {'a': [1, 2]}
    >>> loads_json("[" * 100 + "]" * 100)
    Traceback (most recent call last):
    ...
    constraints.errors.InputError: JSON nests deeper than 64 levels

    Raises:
        InputError: the nesting is too deep. Bad JSON raises json.JSONDecodeError as usual.
    """
    if json_depth(text) > MAX_JSON_DEPTH:
        raise InputError(f"{what} nests deeper than {MAX_JSON_DEPTH} levels")
    return json.loads(text)


def json_depth(text: str | bytes) -> int:
    """How deep the brackets of JSON text nest (brackets inside strings not counted); linear time.

    >>> json_depth('{"a": [[1], "]]]["]}'), json_depth("7")
    (3, 0)
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))  # C-speed passes; the loop sees brackets only
    depth = deepest = 0
    for ch in brackets:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def describe_os_error(err: OSError | ValueError) -> str:
    """An OSError as a short phrase, without repeating the file name.

    >>> describe_os_error(OSError(36, "File name too long", "a" * 300))
    'file name too long'
    """
    if isinstance(err, OSError) and err.strerror:
        return err.strerror[0].lower() + err.strerror[1:]
    return str(err)


def _shown(text: str, limit: int = 160) -> str:
    """A path or name for an error line: whole up to `limit` characters (paths run long), else cut."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
