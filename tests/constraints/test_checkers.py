"""Generic checkers: what each one blames, and that none of them needs torch."""

from __future__ import annotations

import doctest
import subprocess
import sys
import typing

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


FACTORIES = {  # checker name -> (slots -> checker, a value the checker blames)
    "one_of": (lambda slots: one_of(slots, ["x"]), "y"),
    "matches": (lambda slots: matches(slots, "x"), "y"),
    "all_different": (lambda slots: all_different(slots, ignore=()), None),
    "precedence": (lambda slots: precedence(nx.DiGraph([("a", "b")]), slots, require_predecessors=True), "b"),
    "count_bounds": (lambda slots: count_bounds(slots, max_count=0), "y"),
}


class TestSlotNames:
    @pytest.mark.parametrize("name", [n for n, (_, bad) in FACTORIES.items() if bad is not None])
    def test_one_name_is_one_slot_not_its_letters(self, name):
        make, bad = FACTORIES[name]
        assert [v.slots for v in make("ab")({"ab": bad})] == [("ab",)]

    @pytest.mark.parametrize("name", FACTORIES)
    @pytest.mark.parametrize("bad", [[], [""], [1], ["a", None]])
    def test_bad_names_are_an_error_naming_the_checker(self, name, bad):
        with pytest.raises(InputError) as err:
            FACTORIES[name][0](bad)
        assert str(err.value) == f"{name}: give one or more slot names, got {bad!r}"

    def test_count_bounds_names_itself_with_value_and_regex(self):
        for kwargs in ({"value": "x"}, {"regex": "x"}):
            with pytest.raises(InputError, match=r"^count_bounds: give one or more slot names, got \[\]$"):
                count_bounds([], min_count=1, **kwargs)


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

    def test_a_missing_slot_reads_as_empty(self):
        found = one_of(["a", "b"], ["x", "y"])({"a": "x"})
        assert [(v.slots, v.reason) for v in found] == [(("b",), "slot b holds '', allowed: x, y")]
        # an optional slot: the empty value is allowed, and a slot left out holds it
        assert one_of(["a"], ["", "x"])({}) == []

    def test_reason_lists_at_most_eight_values(self):
        eight = [f"v{i}" for i in range(8)]
        assert one_of("a", eight)({"a": "z"})[0].reason == f"slot a holds 'z', allowed: {', '.join(eight)}"
        nine = eight + ["v8"]
        assert one_of("a", nine)({"a": "z"})[0].reason == f"slot a holds 'z', allowed: {', '.join(eight)}, ..."

    def test_empty_values_error(self):
        with pytest.raises(InputError, match="^one_of: give at least one allowed value$"):
            one_of("a", [])


class TestMatches:
    def test_blames_non_matching_slots(self):
        check = matches(["n1", "n2"], r"\d+")
        assert [(v.slots, v.reason) for v in check({"n1": "12", "n2": "1 2"})] == [
            (("n2",), "slot n2 holds '1 2', which does not match /\\d+/")]
        assert check({"n1": "3", "n2": "45"}) == []

    def test_reason_and_a_missing_slot(self):
        found = matches(["n1", "n2"], r"\d+")({"n1": "7"})
        assert [(v.constraint, v.kind, v.slots) for v in found] == [("matches", "syntax", ("n2",))]
        assert found[0].reason == "slot n2 holds '', which does not match /\\d+/"
        assert matches("n", r"\d*")({}) == []  # a slot left out holds the empty value

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

    def test_missing_slots_are_empty_and_never_clash(self):
        assert all_different(["a", "b", "c"])({"c": "x"}) == []

    def test_a_value_held_once_is_not_blamed(self):
        found = all_different(["a", "b", "c"])({"a": "1", "b": "2", "c": "1"})
        assert [(v.slots, v.reason) for v in found] == [(("a", "c"), "slots a, c all hold '1'")]

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

        v = found[0]
        assert (v.constraint, v.kind, v.steps) == ("precedence", "ordering", (0,))
        assert v.reason == "step 1 'take milk' needs 'open fridge' earlier in the plan (open fridge -> take milk)"
        assert v.details == {"before": "open fridge", "after": "take milk"}

    def test_reason_counts_steps_from_one(self):
        found = precedence(self.graph, self.slots)({"s1": "", "s2": "take milk", "s3": "open fridge", "s4": ""})
        v = found[0]
        assert (v.constraint, v.slots, v.steps) == ("precedence", ("s2", "s3"), (1, 2))
        assert v.reason == "step 2 'take milk' comes before step 3 'open fridge', but open fridge -> take milk"
        assert v.details == {"before": "open fridge", "after": "take milk"}

    def test_violations_follow_plan_order(self):
        graph = nx.DiGraph([("z open", "a take"), ("y wash", "b dry")])
        plan = {"s1": "b dry", "s2": "a take", "s3": "y wash", "s4": "z open"}
        found = precedence(graph, self.slots)(plan)
        assert [v.steps for v in found] == [(0, 2), (1, 3)]

    def test_missing_slots_are_empty_steps(self):
        assert precedence(self.graph, self.slots)({"s2": "open fridge"}) == []

    def test_cycle_is_an_input_error_naming_it(self):
        g = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])
        with pytest.raises(InputError, match="cycle") as err:
            precedence(g, ["s1"])
        cycle = str(err.value).split("cycle ")[1].split(";")[0].split(" -> ")
        assert set(cycle) == {"a", "b", "c"} and cycle[0] == cycle[-1]

    def test_not_a_digraph(self):
        with pytest.raises(InputError, match="DiGraph"):
            precedence(nx.Graph([("a", "b")]), ["s1"])
        with pytest.raises(InputError, match="DiGraph, got Graph$"):
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

    def test_bounds_are_inclusive(self):
        check = count_bounds(self.slots, value="cook", min_count=2, max_count=2)
        assert check({"s1": "cook", "s2": "cook"}) == []
        assert check({"s1": "cook"})[0].reason == "1 slots hold 'cook', at least 2 needed"
        found = check({"s1": "cook", "s2": "cook", "s3": "cook"})
        assert (found[0].constraint, found[0].reason) == ("count_bounds", "3 slots hold 'cook', at most 2 allowed")

    def test_too_few_names_the_count(self):
        found = count_bounds(self.slots, min_count=3)({"s1": "go", "s3": " "})
        v = found[0]
        assert (v.constraint, v.slots, v.details) == ("count_bounds", ("s2", "s3", "s4"), {"count": 1})
        assert v.reason == "1 slots hold a value, at least 3 needed"

    def test_regex_reason_and_upper_bound(self):
        found = count_bounds(self.slots, regex=r"wait", max_count=1)({"s1": "wait", "s2": "wait"})
        assert [(v.slots, v.reason) for v in found] == [(("s1", "s2"), "2 slots hold a value matching /wait/, at most 1 allowed")]

    def test_missing_slots_hold_nothing(self):
        assert count_bounds(self.slots, regex=r"x*", min_count=4)({}) == []
        assert count_bounds(self.slots, value="", min_count=4)({}) == []
        assert count_bounds(self.slots, max_count=0)({}) == []

    def test_bad_arguments(self):
        with pytest.raises(InputError, match="not both"):
            count_bounds(self.slots, value="a", regex="a", min_count=1)
        with pytest.raises(InputError, match="exceeds"):
            count_bounds(self.slots, min_count=3, max_count=1)
        with pytest.raises(InputError, match="give min_count"):
            count_bounds(self.slots)
        with pytest.raises(InputError, match="^count_bounds: give value or regex, not both$"):
            count_bounds(self.slots, value="a", regex="a", min_count=1)
        with pytest.raises(InputError, match="^count_bounds: give min_count, max_count or both$"):
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
        assert found[0].constraint == "schema"

    def test_reason_names_the_field_and_keeps_its_location(self):
        check = pydantic_check(Order, {"item": "what", "quantity": "n", "steps": ["t1", "t2"]})
        found = check({"what": "tea", "n": "0", "t1": "1", "t2": "2"})
        v = found[0]
        assert (v.constraint, v.slots, v.details) == ("schema", ("n",), {"loc": ["quantity"]})
        assert v.reason == "quantity: Input should be greater than or equal to 1"

    def test_a_model_level_error_reads_output(self):
        class Pair(pydantic.BaseModel):
            a: int
            b: int

            @pydantic.model_validator(mode="after")
            def ordered(self):
                if self.a > self.b:
                    raise ValueError("a exceeds b")
                return self

        found = pydantic_check(Pair)({"a": "2", "b": "1"})
        assert [(v.slots, v.reason) for v in found] == [((), "output: Value error, a exceeds b")]

    def test_list_item_errors_blame_that_item_else_all(self):
        class Plan(pydantic.BaseModel):
            steps: list[int] = pydantic.Field(min_length=3)

        check = pydantic_check(Plan, {"steps": ["t1", "t2"]})
        assert [v.slots for v in check({"t1": "x", "t2": "2"})] == [("t1",)]
        assert [(v.slots, v.reason) for v in check({"t1": "1", "t2": "y"})] == [
            (("t2",), "steps.1: Input should be a valid integer, unable to parse string as an integer")]
        assert [v.slots for v in check({"t1": "1", "t2": "2"})] == [("t1", "t2")]  # too short: the whole list
        # an assembled list longer than its slots: an error past them blames them all
        longer = pydantic_check(Plan, lambda values: {"steps": values["t"].split()}, field_slots={"steps": ["t", "u"]})
        assert [v.slots for v in longer({"t": "1 2 x"})] == [("t", "u")]

    def test_a_keyed_error_inside_a_field_blames_its_slots(self):
        class Scores(pydantic.BaseModel):
            scores: dict[str, int]

        check = pydantic_check(Scores, lambda values: {"scores": {"x": values["a"]}}, field_slots={"scores": ["a", "b"]})
        assert [v.slots for v in check({"a": "y"})] == [("a", "b")]

    def test_a_missing_slot_reads_as_empty(self):
        class Note(pydantic.BaseModel):
            title: str = pydantic.Field(pattern=r"^[a-z]*$")
            tags: list[typing.Annotated[str, pydantic.Field(pattern=r"^[a-z]*$")]]

        check = pydantic_check(Note, {"title": "t", "tags": ["g1", "g2"]})
        assert check({}) == []
        assert [v.slots for v in check({"g2": "ok", "t": "BAD"})] == [("t",)]
        assert [v.slots for v in check({"g2": "BAD"})] == [("g2",)]

    def test_not_a_model(self):
        with pytest.raises(InputError, match="BaseModel"):
            pydantic_check(dict)
        with pytest.raises(InputError, match="^pydantic_check: assemble must be None, a mapping or a callable, got int$"):
            pydantic_check(Order, 3)


def test_check_all_concatenates_checkers():
    checks = [one_of("a", ["x"]), all_different(["a", "b"])]
    found = check_all(checks, {"a": "y", "b": "y"})
    assert [(v.constraint, v.slots) for v in found] == [("one_of", ("a",)), ("all_different", ("a", "b"))]
    assert all(isinstance(v, Violation) for v in found)
