"""Constraints: violations, the constraint protocol, templates as data, and generic checkers.

No torch here: validating a plan needs no model.
"""

from constraints.errors import InputError
from constraints.template import Segment, Slot, Template
from constraints.violation import KINDS, Constraint, Violation, check_all, constraint_name

__all__ = ["KINDS", "Constraint", "InputError", "Segment", "Slot", "Template", "Violation", "check_all", "constraint_name"]
