"""Read PDDL text into nested lists of lower-cased words (S-expressions), keeping each list's position.

PDDL is Lisp-like: `(define (domain d) ...)` becomes `["define", ["domain", "d"], ...]`. Each list
is an `SList` that remembers the line and column of its opening bracket for error messages.
Comments (`;` to the end of the line) are dropped; names are case-insensitive, so words are
lower-cased.
"""

from __future__ import annotations

import re

from constraints.errors import InputError
from constraints.limits import MAX_PDDL_DEPTH

_TOKEN = re.compile(r"\s+|;[^\n]*|\(|\)|[^\s()]+")


class SList(list):
    """A list read from `( ... )`, with the 1-based line and column of its opening bracket."""

    line: int = 0
    column: int = 0


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def read_sexpr(text: str, what: str) -> SList:
    """The single top-level list of `text`.

    Raises:
        InputError: unbalanced brackets, text outside the list or brackets nested deeper than
            MAX_PDDL_DEPTH (the readers of formulas recurse), with line and column.

    >>> read_sexpr("(define (Domain d)) ; done", "domain")
    ['define', ['domain', 'd']]
    """
    stack: list[SList] = []
    top: SList | None = None
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token[0].isspace() or token[0] == ";":
            continue
        if token == "(":
            new = SList()
            new.line, new.column = _position(text, match.start())
            if stack:
                stack[-1].append(new)
            elif top is not None:
                raise _syntax(text, match.start(), what, "text after the end of the definition")
            else:
                top = new
            stack.append(new)
            if len(stack) > MAX_PDDL_DEPTH:
                raise _syntax(text, match.start(), what, f"brackets nested more than {MAX_PDDL_DEPTH} deep")
        elif token == ")":
            if not stack:
                raise _syntax(text, match.start(), what, "unexpected ')'")
            stack.pop()
        elif not stack:
            raise _syntax(text, match.start(), what, f"unexpected {token!r} outside brackets")
        else:
            stack[-1].append(token.lower())
    if stack:
        opened = stack[-1]
        raise _syntax(text, len(text.rstrip()), what, f"unexpected end of text: '(' at line {opened.line}, column {opened.column} is never closed")
    if top is None:
        raise InputError(f"empty {what}: give PDDL text starting with (define ...)")
    return top


def _syntax(text: str, offset: int, what: str, detail: str) -> InputError:
    line, column = _position(text, offset)
    return InputError(f"PDDL syntax error in {what} at line {line}, column {column}: {detail}")


def where(node: object) -> str:
    """ "line L, column C" of a list read by `read_sexpr` ("" for a word)."""
    return f"line {node.line}, column {node.column}" if isinstance(node, SList) and node.line else ""


__all__ = ["SList", "read_sexpr", "where"]
