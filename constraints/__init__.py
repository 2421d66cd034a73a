"""Constraints: violations, the constraint protocol, templates as data, and generic checkers.

No torch here: validating a plan needs no model.
"""

from constraints.checkers import (
    AllDifferent,
    AllowedValues,
    CountBounds,
    Matches,
    Precedence,
    PydanticCheck,
    all_different,
    allowed_values,
    count_bounds,
    matches,
    precedence,
    pydantic_check,
)
from constraints.errors import InputError
from constraints.template import Segment, Slot, Template
from constraints.violation import KINDS, Constraint, Violation, check_all, constraint_name

__all__ = [
    "KINDS",
    "AllDifferent",
    "AllowedValues",
    "Constraint",
    "CountBounds",
    "InputError",
    "Matches",
    "Precedence",
    "PydanticCheck",
    "Segment",
    "Slot",
    "Template",
    "Violation",
    "all_different",
    "allowed_values",
    "check_all",
    "constraint_name",
    "count_bounds",
    "matches",
    "precedence",
    "pydantic_check",
]
