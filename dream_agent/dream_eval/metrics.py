"""Dream's planning metrics, re-implemented without `eval`, plus PlanBench-style plan validity.

`countdown_correct` and `sudoku_correct` give the verdicts of Dream's `eval/cd_metric.py` and
`eval/sudoku_metric.py` on one answer, quirks included (e.g. Dream's Countdown metric accepts
non-whole division such as 7/2=3.5); arithmetic is evaluated by walking the parsed syntax
tree of the expression, so model output is never executed.
"""

from __future__ import annotations

import ast
import operator
import re
from collections import Counter
from typing import Any

# Dream's patterns, verbatim: an equation's left side must start "digits op digits", and a
# number counts as used when one of + , - . / * = follows it (the class is a range + to /).
_LEFT = re.compile(r"(\d+)([+\-*/])(\d+)")
_USED = re.compile(r"(\d+)(?=[+-/*=])")

_BINARY = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
    ast.BitAnd: operator.and_, ast.BitOr: operator.or_, ast.BitXor: operator.xor,
    ast.LShift: operator.lshift, ast.RShift: operator.rshift,
}
_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg, ast.Invert: operator.invert, ast.Not: operator.not_}
_COMPARE = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}
_MAX_BITS = 4096  # larger powers/shifts are refused (Python would compute them; no model answer needs them)


class NotArithmetic(ValueError):
    """The text is not a numeric expression this evaluator accepts."""


def arithmetic(text: str) -> Any:
    """Value of a Python numeric expression (literals, + - * / // % ** bit ops, comparisons, and/or/not).

    Raises:
        NotArithmetic: anything else (names, calls, attributes, huge powers); also what
            Python itself raises for bad syntax or division by zero.

    >>> arithmetic("3+4*2"), arithmetic("7/2")
    (11, 3.5)
    """
    try:
        return _value(ast.parse(text, mode="eval").body)
    except (SyntaxError, ValueError, RecursionError) as err:  # RecursionError: nesting too deep to walk
        if isinstance(err, NotArithmetic):
            raise
        raise NotArithmetic(str(err) or type(err).__name__) from None


def _value(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float, complex, bool):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _value(node.left), _value(node.right)
        if isinstance(node.op, (ast.Pow, ast.LShift)) and _too_big(left, right):
            raise NotArithmetic("power or shift too large")
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_value(node.operand))
    if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        left = _value(node.left)
        for op, comparator in zip(node.ops, node.comparators):
            right = _value(comparator)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BoolOp):
        result = None
        for operand in node.values:
            result = _value(operand)
            if isinstance(node.op, ast.And) and not result or isinstance(node.op, ast.Or) and result:
                return result
        return result
    raise NotArithmetic(f"{type(node).__name__} is not arithmetic")


def _too_big(base: Any, exponent: Any) -> bool:
    if not isinstance(exponent, (int, float)) or isinstance(exponent, bool):
        return False
    size = abs(base).bit_length() if isinstance(base, int) else 64
    return abs(exponent) * max(size, 1) > _MAX_BITS


def _equation_holds(left: str, right: str) -> bool:
    """Dream's check_eq: the left side starts 'a op b' and evaluates to float(right)."""
    if not _LEFT.match(left):
        return False
    return arithmetic(left) == float(right)


def countdown_correct(query: str, prediction: str) -> bool:
    """Dream's Countdown verdict (eval/cd_metric.py) for one answer.

    Every comma-separated equation must hold; the numbers used must be exactly the input
    numbers plus each intermediate result once; the text after the last '=' must equal the
    target as written.

    Args:
        query: Dream's input line, "n1,n2,...,target".
        prediction: the extracted answer, e.g. "86+28=114,114-13=101".

    >>> countdown_correct("3,4,7", "3+4=7"), countdown_correct("3,4,7", "4+3=7.0")
    (True, False)
    """
    match = True
    numbers = Counter(query.split(",")[:-1])
    for equation in prediction.split(","):
        try:
            left, right = equation.split("=")
            match &= _equation_holds(left, right)
            numbers.subtract(_USED.findall(equation))
            numbers.update({right: 1})
        except (ValueError, ArithmeticError, TypeError, RecursionError):  # Dream's bare except
            match = False
        if not match:
            break
    target = query.split(",")[-1]
    numbers.subtract({target: 1})
    return bool(match and prediction.split("=")[-1] == target and all(v == 0 for v in numbers.values()))


def sudoku_correct(puzzle: str, prediction: str) -> bool:
    """Dream's 4x4 Sudoku verdict (eval/sudoku_metric.py `is_valid_sudoku`) for one answer.

    Only the first len(puzzle) characters count; they must form 4 rows of 4 digits that keep
    the givens and hold 1-4 in every row, column and 2x2 box.

    >>> sudoku_correct("1000\\n0002\\n4003\\n0000", "1234\\n3412\\n4123\\n2341")
    True
    """
    prediction = prediction[: len(puzzle)]
    givens = [[int(ch) for ch in row] for row in puzzle.strip().split("\n")]
    try:
        grid = [[int(ch) for ch in row] for row in prediction.strip().split("\n")]
    except ValueError:
        return False
    if len(grid) != 4 or any(len(row) != 4 for row in grid):
        return False
    if any(g != 0 and g != v for grow, vrow in zip(givens, grid) for g, v in zip(grow, vrow)):
        return False
    want = {1, 2, 3, 4}
    units = [set(row) for row in grid] + [{grid[r][c] for r in range(4)} for c in range(4)]
    units += [{grid[r][c] for r in (r0, r0 + 1) for c in (c0, c0 + 1)} for r0 in (0, 2) for c0 in (0, 2)]
    return all(unit == want for unit in units)
