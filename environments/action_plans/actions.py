"""Action strings such as "place(mug, cabinet)": parsing and formatting, shared by action domains."""

from __future__ import annotations

import re

_ACTION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(\s*(.*?)\s*\)\s*$")
_WORD = re.compile(r"^[A-Za-z0-9_]+$")


def format_action(name: str, args: tuple[str, ...] | list[str]) -> str:
    """The canonical text of an action.

    >>> format_action("place", ("mug", "cabinet"))
    'place(mug, cabinet)'
    """
    return f"{name}({', '.join(args)})"


def parse_action(text: str) -> tuple[str, tuple[str, ...]] | None:
    """`(name, args)` for "name(a, b)" (a bare "name" has no arguments); None if it is not of that shape.

    >>> parse_action("place( mug ,cabinet )")
    ('place', ('mug', 'cabinet'))
    >>> parse_action("goto fridge") is None
    True
    """
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    if _WORD.match(stripped):
        return stripped, ()
    match = _ACTION.match(stripped)
    if match is None:
        return None
    name, inner = match.group(1), match.group(2)
    if not inner:
        return name, ()
    args = tuple(a.strip() for a in inner.split(","))
    if any(not _WORD.match(a) for a in args):
        return None
    return name, args
