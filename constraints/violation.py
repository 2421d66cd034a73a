"""Violations: what a checker blames, and why, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, Union, runtime_checkable

# One taxonomy across environments (a checker picks the closest kind).
KINDS = (
    "syntax",  # a slot value could not be parsed (not a number, not an action, ...)
    "domain",  # a value outside the allowed set
    "unknown",  # unknown action or object
    "precondition",  # an action applied where its precondition fails
    "missing_step",  # a goal is unmet at the end
    "extra_step",  # a step that should not be there
    "ordering",  # a precedence / ordering rule is broken
    "resource",  # capacity, gripper, budget
    "deadline",  # something happened too late
    "safety",  # a safety rule is broken
    "arithmetic",  # a wrong computation
    "duplicate",  # all-different broken
    "given",  # a fixed part of the problem was changed
    "schema",  # the assembled output fails its schema
    "constraint",  # anything else
)


@dataclass(frozen=True)
class Violation:
    """One thing wrong with a plan.

    Attributes:
        constraint: name of the constraint that found it.
        reason: a sentence a person can act on ("row 2 repeats 3 at columns 1 and 4").
        kind: one of :data:`KINDS`.
        slots: template slot names blamed (filled where a template maps the plan to slots).
        steps: 0-based plan step indices blamed.
        cells: (row, col) cells blamed, 0-based, for grid problems.
        details: extra machine-readable facts (the failed atom, the expected value, ...).
    """

    constraint: str
    reason: str
    kind: str = "constraint"
    slots: tuple[str, ...] = ()
    steps: tuple[int, ...] = ()
    cells: tuple[tuple[int, int], ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown violation kind {self.kind!r}; allowed: {', '.join(KINDS)}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (lists instead of tuples; empty fields kept for a stable schema)."""
        return {
            "constraint": self.constraint,
            "kind": self.kind,
            "reason": self.reason,
            "slots": list(self.slots),
            "steps": list(self.steps),
            "cells": [list(c) for c in self.cells],
            **({"details": dict(self.details)} if self.details else {}),
        }


@runtime_checkable
class ConstraintClass(Protocol):
    """A named checker over filled slot values: returns violations, never raises on a bad plan."""

    name: str

    def __call__(self, values: Mapping[str, str]) -> list[Violation]: ...


# A constraint is either an object with `name` and `__call__`, or a plain function
# `values -> list[Violation]` (its __name__ is used as the name).
Constraint = Union[ConstraintClass, Callable[[Mapping[str, str]], list[Violation]]]


def constraint_name(constraint: Constraint) -> str:
    """The name a constraint reports under."""
    return getattr(constraint, "name", None) or getattr(constraint, "__name__", type(constraint).__name__)


def check_all(constraints: list[Constraint] | tuple[Constraint, ...], values: Mapping[str, str]) -> list[Violation]:
    """Run every constraint on `values` and concatenate their violations (in order)."""
    violations: list[Violation] = []
    for constraint in constraints:
        found = constraint(values)
        if found is None:
            raise TypeError(f"constraint {constraint_name(constraint)!r} returned None; it must return a list of Violation")
        violations.extend(found)
    return violations
