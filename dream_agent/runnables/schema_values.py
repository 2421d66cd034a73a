"""Between slot text and schema values: conversion, nested assembly by path, error locations."""

from __future__ import annotations

from typing import Any

def convert_text(spec: Any, text: str) -> Any:
    if spec.choices:
        for option, value in spec.choices:
            if option == text:
                return value
        return text  # not an allowed value: pydantic blames it
    if spec.convert == "int":
        return int(text) if text.isdigit() else text
    return text


def to_float(whole: str, frac: str) -> Any:
    text = f"{whole or '0'}.{frac or '0'}"
    try:
        return float(text)
    except ValueError:
        return text


class ListNode(dict):
    """A list under construction, keyed by item index (items may be skipped)."""


def put_value(obj: dict, path: tuple, value: Any, *, only_container: bool = False) -> None:
    """Set `value` at `path`, creating containers (a `ListNode` where the next key is an index)."""
    node: Any = obj
    for key, nxt in zip(path, path[1:]):
        node = node.setdefault(key, ListNode() if isinstance(nxt, int) else {})
    if not only_container:
        node[path[-1]] = value


def compact_lists(node: Any) -> Any:
    """`ListNode`s become lists in index order (empty ones included)."""
    if isinstance(node, ListNode):
        return [compact_lists(node[k]) for k in sorted(node)]
    if isinstance(node, dict):
        return {k: compact_lists(v) for k, v in node.items()}
    return node


def get_value(data: Any, path: tuple) -> Any:
    for key in path:
        if isinstance(key, int) and (not isinstance(data, list) or key >= len(data)):
            return None
        data = data[key]
    return data


def is_related(path: tuple, loc: tuple) -> bool:
    """A pydantic error at `loc` concerns the slot at `path` (one is a prefix of the other)."""
    n = min(len(path), len(loc))
    return n > 0 and tuple(path[:n]) == tuple(loc[:n])
