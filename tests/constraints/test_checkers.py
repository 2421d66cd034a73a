"""Generic checkers: what each one blames, and that none of them needs torch."""

from __future__ import annotations

import doctest
import subprocess
import sys

import networkx as nx
import pydantic
import pytest

import constraints.checkers
from constraints import (
    InputError,
    Violation,
    all_different,
    check_all,
    constraint_name,
    count_bounds,
    matches,
    one_of,
    precedence,
    pydantic_check,
)


def test_doctests():
    assert doctest.testmod(constraints.checkers).failed == 0


def test_no_torch_needed():
    code = "import sys, constraints; constraints.precedence; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


class TestOneOf:
    def test_blames_each_slot_outside(self):
        check = one_of(["a", "b", "c"], ["pick", "place"])
        found = check({"a": "pick", "b": "drop", "c": ""})
        assert [v.slots for v in found] == [("b",), ("c",)]
        assert {v.kind for v in found} == {"domain"} and "'drop'" in found[0].reason
        assert check({"a": "pick", "b": "place", "c": "pick"}) == []
        assert constraint_name(check) == "one_of"

    def test_bad_arguments(self):
        with pytest.raises(InputError):
            one_of([], ["x"])
        with pytest.raises(InputError):
            one_of("a", [])


class TestMatches:
    def test_blames_non_matching_slots(self):
        check = matches(["n1", "n2"], r"\d+")
        assert [v.slots for v in check({"n1": "12", "n2": "1 2"})] == [("n2",)]
        assert check({"n1": "3", "n2": "45"}) == []

    def test_bad_regex(self):
        with pytest.raises(InputError, match="bad regular expression"):
            matches("a", "(")


class TestAllDifferent:
    def test_blames_every_holder_of_a_repeat(self):
        check = all_different(["a", "b", "c", "d"])
        found = check({"a": "1", "b": "2", "c": "1", "d": "2"})
        assert [v.slots for v in found] == [("a", "c"), ("b", "d")]
        assert found[0].kind == "duplicate" and found[0].details["value"] == "1"

    def test_blame_later_keeps_the_first(self):
        found = all_different(["a", "b", "c"], blame="later")({"a": "x", "b": "x", "c": "x"})
        assert [v.slots for v in found] == [("b", "c")]

    def test_empty_values_may_repeat(self):
        assert all_different(["a", "b"])({"a": "", "b": ""}) == []
        assert len(all_different(["a", "b"], ignore=())({"a": "", "b": ""})) == 1

    def test_unknown_blame(self):
        with pytest.raises(ValueError, match="valid: all, later"):
            all_different(["a"], blame="first")


class TestPrecedence:
    graph = nx.DiGraph([("open fridge", "take milk"), ("take milk", "pour milk"), ("open fridge", "close fridge")])
    slots = ["s1", "s2", "s3", "s4"]

    def test_blames_both_ends(self):
        check = precedence(self.graph, self.slots)
        found = check({"s1": "take milk", "s2": "open fridge", "s3": "pour milk", "s4": ""})
        assert len(found) == 1
        assert found[0].slots == ("s1", "s2") and found[0].steps == (0, 1)
        assert found[0].kind == "ordering"
        assert "open fridge -> take milk" in found[0].reason

    def test_order_follows_paths(self):
        # pour before open, with take absent: the path open -> take -> pour still orders them
        found = precedence(self.graph, self.slots)({"s1": "pour milk", "s2": "open fridge", "s3": "", "s4": ""})
        assert [v.slots for v in found] == [("s1", "s2")]
        assert "open fridge -> take milk -> pour milk" in found[0].reason

    def test_valid_plan_and_unknown_steps(self):
        plan = {"s1": "open fridge", "s2": "dance", "s3": "take milk", "s4": "close fridge"}
        assert precedence(self.graph, self.slots)(plan) == []

    def test_require_predecessors(self):
        check = precedence(self.graph, self.slots, require_predecessors=True)
        found = check({"s1": "take milk", "s2": "", "s3": "", "s4": ""})
        assert [v.slots for v in found] == [("s1",)] and "needs 'open fridge'" in found[0].reason

    def test_cycle_is_an_input_error_naming_it(self):
        g = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])
        with pytest.raises(InputError, match="cycle") as err:
            precedence(g, ["s1"])
        cycle = str(err.value).split("cycle ")[1].split(";")[0].split(" -> ")
        assert set(cycle) == {"a", "b", "c"} and cycle[0] == cycle[-1]

    def test_not_a_digraph(self):
        with pytest.raises(InputError, match="DiGraph"):
            precedence(nx.Graph([("a", "b")]), ["s1"])


class TestCountBounds:
    slots = ["s1", "s2", "s3", "s4"]

    def test_too_many_blames_the_holders(self):
        check = count_bounds(self.slots, value="cook", max_count=1)
        found = check({"s1": "cook", "s2": "x", "s3": "cook", "s4": "cook"})
        assert [v.slots for v in found] == [("s1", "s3", "s4")]
        assert "3 slots hold 'cook', at most 1" in found[0].reason

    def test_too_few_blames_the_others(self):
        check = count_bounds(self.slots, regex=r"move \w+", min_count=2)
        found = check({"s1": "move a", "s2": "x", "s3": "", "s4": "y"})
        assert [v.slots for v in found] == [("s2", "s3", "s4")]

    def test_non_empty_count_and_within_bounds(self):
        check = count_bounds(self.slots, min_count=1, max_count=3)
        assert check({"s1": "a", "s2": "b", "s3": "", "s4": ""}) == []
        assert check({s: "z" for s in self.slots})[0].details["count"] == 4

    def test_bad_arguments(self):
        with pytest.raises(InputError, match="not both"):
            count_bounds(self.slots, value="a", regex="a", min_count=1)
        with pytest.raises(InputError, match="exceeds"):
            count_bounds(self.slots, min_count=3, max_count=1)
        with pytest.raises(InputError, match="give min_count"):
            count_bounds(self.slots)


class Order(pydantic.BaseModel):
    item: str = pydantic.Field(pattern=r"^[a-z]+$")
    quantity: int = pydantic.Field(ge=1)
    steps: list[int]


class TestPydanticCheck:
    def test_values_are_the_fields(self):
        class Move(pydantic.BaseModel):
            block: str
            count: int

        found = pydantic_check(Move)({"block": "a", "count": "two"})
        assert [v.slots for v in found] == [("count",)] and found[0].kind == "schema"

    def test_field_mapping_blames_slots_and_list_items(self):
        check = pydantic_check(Order, {"item": "what", "quantity": "n", "steps": ["t1", "t2", "t3"]})
        found = check({"what": "Milk", "n": "0", "t1": "1", "t2": "x", "t3": "3"})
        assert sorted(v.slots for v in found) == [("n",), ("t2",), ("what",)]
        assert check({"what": "milk", "n": "2", "t1": "1", "t2": "2", "t3": "3"}) == []

    def test_callable_assemble_with_field_slots(self):
        def assemble(values):
            return {"item": values["what"], "quantity": values["n"], "steps": values["ts"].split()}

        check = pydantic_check(Order, assemble, field_slots={"item": "what", "quantity": "n", "steps": "ts"})
        found = check({"what": "tea", "n": "-1", "ts": "1 b"})
        assert sorted(v.slots for v in found) == [("n",), ("ts",)]
        # no field_slots: errors name no slot, which tells the planner to reopen everything
        assert pydantic_check(Order, assemble)({"what": "tea", "n": "-1", "ts": "1"})[0].slots == ()

    def test_assemble_failure_is_a_violation(self):
        check = pydantic_check(Order, lambda values: {"quantity": int(values["n"])})
        found = check({"n": "many"})
        assert len(found) == 1 and found[0].kind == "schema" and "could not be assembled" in found[0].reason

    def test_not_a_model(self):
        with pytest.raises(InputError, match="BaseModel"):
            pydantic_check(dict)


def test_check_all_concatenates_checkers():
    checks = [one_of("a", ["x"]), all_different(["a", "b"])]
    found = check_all(checks, {"a": "y", "b": "y"})
    assert [(v.constraint, v.slots) for v in found] == [("one_of", ("a",)), ("all_different", ("a", "b"))]
    assert all(isinstance(v, Violation) for v in found)
