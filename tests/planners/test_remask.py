"""Remask policies: exactly which positions open again."""

from __future__ import annotations

import doctest
import importlib
import math

import pytest

from constraints import Violation
from planners.compile import compile_template
from planners.remasking import POLICIES, blamed_slots, remask_positions
from scripted_lm import tokenizer


@pytest.fixture()
def canvas():
    # positions: step(0) {a:2}(1,2) the(3) {b:1}(4) {c:<=2}(5,6)
    return compile_template("step {a:2} the {b:1} {c:<=2}", tokenizer())


def v(*slots: str) -> Violation:
    return Violation("test", "bad", slots=slots)


def test_doctests():
    assert doctest.testmod(importlib.import_module("planners.remasking")).failed == 0


def test_blamed_only(canvas):
    assert remask_positions("blamed", canvas, [v("b"), v("a")]) == (1, 2, 4)
    assert remask_positions("blamed", canvas, []) == ()


def test_unlocalised_violation_reopens_every_slot(canvas):
    assert remask_positions("blamed", canvas, [v("b"), v()]) == (1, 2, 4, 5, 6)
    assert remask_positions("blamed", canvas, [v("nonexistent")]) == (1, 2, 4, 5, 6)
    assert blamed_slots(canvas, [v("b"), v()]) is None
    assert blamed_slots(canvas, [v("c", "a"), v("b", "zzz")]) == ("a", "b", "c")


def test_plus_low_confidence(canvas):
    conf = [math.nan, 0.9, 0.2, math.nan, 0.5, 0.1, 0.3]
    # b is blamed; the two least confident others are 5 (0.1) and 2 (0.2)
    assert remask_positions("blamed_plus_lowconf", canvas, [v("b")], confidence=conf, k=2) == (2, 4, 5)
    # k larger than what is left takes every other position
    assert remask_positions("blamed_plus_lowconf", canvas, [v("b")], confidence=conf, k=10) == (1, 2, 4, 5, 6)
    # nothing found: nothing to add either
    assert remask_positions("blamed_plus_lowconf", canvas, [], confidence=conf, k=2) == ()


def test_policy_names(canvas):
    assert POLICIES == ("blamed", "blamed_plus_lowconf")
    with pytest.raises(ValueError, match="valid: blamed, blamed_plus_lowconf"):
        remask_positions("all", canvas, [v("a")])
    with pytest.raises(ValueError, match="needs the confidence"):
        remask_positions("blamed_plus_lowconf", canvas, [v("a")])
