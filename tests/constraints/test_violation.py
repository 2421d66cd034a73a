"""Violations as data: their JSON form, their kinds, and how a constraint is named and run."""

from __future__ import annotations

import json

import pytest

from constraints import KINDS, Violation, check_all, constraint_name, one_of


class TestViolation:
    def test_to_dict_is_json_with_every_field(self):
        v = Violation("sudoku", "row 2 repeats 3 at columns 1 and 4", "duplicate", slots=("r2c1", "r2c4"), steps=(1,),
                      cells=((1, 0), (1, 3)), details={"value": 3})
        assert v.to_dict() == {
            "constraint": "sudoku", "kind": "duplicate", "reason": "row 2 repeats 3 at columns 1 and 4",
            "slots": ["r2c1", "r2c4"], "steps": [1], "cells": [[1, 0], [1, 3]], "details": {"value": 3},
        }
        assert json.loads(json.dumps(v.to_dict())) == v.to_dict()

    def test_empty_fields_stay_and_empty_details_go(self):
        assert Violation("c", "why").to_dict() == {
            "constraint": "c", "kind": "constraint", "reason": "why", "slots": [], "steps": [], "cells": [],
        }

    def test_an_unknown_kind_is_refused_listing_the_kinds(self):
        with pytest.raises(ValueError) as err:
            Violation("c", "why", kind="oops")
        assert str(err.value) == f"unknown violation kind 'oops'; allowed: {', '.join(KINDS)}"


class TestConstraintName:
    def test_a_name_attribute_wins(self):
        assert constraint_name(one_of("a", ["x"])) == "one_of"

    def test_a_function_reports_under_its_name(self):
        def no_empty_slots(values):
            return []

        assert constraint_name(no_empty_slots) == "no_empty_slots"

    def test_an_object_without_names_reports_under_its_class(self):
        class Budget:
            def __call__(self, values):
                return []

        assert constraint_name(Budget()) == "Budget"


def test_check_all_refuses_a_constraint_that_returns_none():
    def forgot_return(values):
        pass

    with pytest.raises(TypeError) as err:
        check_all([one_of("a", ["x"]), forgot_return], {"a": "x"})
    assert str(err.value) == "constraint 'forgot_return' returned None; it must return a list of Violation"
