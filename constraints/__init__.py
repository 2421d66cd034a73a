"""Constraints: violations, the constraint protocol, templates as data, and generic checkers.

No torch here: validating a plan needs no model.
"""

from constraints.checkers import (
    AllDifferent,
    CountBounds,
    Matches,
    OneOf,
    Precedence,
    PydanticCheck,
    all_different,
    count_bounds,
    matches,
    one_of,
    precedence,
    pydantic_check,
)
from constraints.errors import InputError
from constraints.template import Segment, Slot, Template
from constraints.violation import KINDS, Constraint, Violation, check_all, constraint_name

__all__ = [
    "KINDS",
    "AllDifferent",
    "Constraint",
    "CountBounds",
    "InputError",
    "Matches",
    "OneOf",
    "Precedence",
    "PydanticCheck",
    "Segment",
    "Slot",
    "Template",
    "Violation",
    "all_different",
    "check_all",
    "constraint_name",
    "count_bounds",
    "matches",
    "one_of",
    "precedence",
    "pydantic_check",
]
