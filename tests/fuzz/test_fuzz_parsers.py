"""Every parser of user text (but PDDL's) on generated input: a value or an InputError, nothing else, no hang."""

from __future__ import annotations

import enum
import json
from typing import Any, Literal, Optional

import pytest
from fuzzing import JSON_TEXT, JSON_VALUES, SIZES, deep_json, fuzz, value_or_input_error
from hypothesis import strategies as st
from pydantic import BaseModel, Field, create_model

from constraints.errors import InputError
from constraints.template import Template
from environments import get_environment
from environments.validation import validate
from planners import parse_template

TEMPLATE_TEXT = st.text("ab01 {}|:<=,.\\\n", max_size=40) | st.text(max_size=20)
GRID_TEXT = st.text("0123456789.\n :{}\"puzzle,", max_size=100) | st.text(max_size=30)
# real grids with a few characters changed keep the fuzz near the accepted forms
SUDOKU_9 = "530070000600195000098000060800060003400803001700020006060000280000419005000080079"
NEAR_GRID = st.builds(lambda i, c: SUDOKU_9[:i] + c + SUDOKU_9[i + 1:], st.integers(0, 81), st.text(max_size=3))
NUMBERS_TEXT = st.text("0123456789, \n-{}[]\"", max_size=60) | st.text(max_size=20)
ANSWER_TEXT = st.text("0123456789+-*/=, \n", max_size=80) | st.lists(st.text(max_size=12), max_size=10) | JSON_VALUES


@pytest.mark.parametrize("examples", SIZES)
def test_template_syntax(examples: int) -> None:
    def check(text: str) -> None:
        template = value_or_input_error(parse_template, text)
        assert template is None or isinstance(template, Template)

    fuzz(examples, TEMPLATE_TEXT, check)


@pytest.mark.parametrize("examples", SIZES)
def test_sudoku_problems_and_solutions(examples: int) -> None:
    env = get_environment("sudoku")

    def check(args: tuple[Any, Any]) -> None:
        puzzle, solution = args
        problem = value_or_input_error(env.parse_problem, puzzle)
        assert problem is None or problem.size in (4, 9)
        report = value_or_input_error(lambda p: validate(env, p, solution), puzzle)
        assert report is None or isinstance(report.valid, bool)

    fuzz(examples, st.tuples(GRID_TEXT | NEAR_GRID | JSON_TEXT | JSON_VALUES, GRID_TEXT | NEAR_GRID | JSON_VALUES), check)


@pytest.mark.parametrize("examples", SIZES)
def test_countdown_numbers_and_answers(examples: int) -> None:
    env = get_environment("countdown")

    def check(args: tuple[Any, Any, Any]) -> None:
        numbers, target, answer = args
        problem = value_or_input_error(env.parse_problem, f"{numbers},{target}")
        assert problem is None or 2 <= len(problem.numbers) <= 8
        report = value_or_input_error(lambda p: validate(env, p, answer), {"numbers": numbers, "target": target})
        assert report is None or isinstance(report.valid, bool)

    fuzz(examples, st.tuples(NUMBERS_TEXT | JSON_VALUES, st.text("0123456789-", max_size=14) | JSON_VALUES,
                             ANSWER_TEXT), check)


@pytest.mark.parametrize("name", ["kitchen", "assembly"])
@pytest.mark.parametrize("examples", SIZES)
def test_action_plan_problems(examples: int, name: str) -> None:
    env = get_environment(name)
    good = env.generate(0).model_dump(mode="json")

    def mutate(key: str, value: Any) -> dict:
        return {**good, key: value}

    def check(args: tuple[Any, Any]) -> None:
        data, plan = args
        problem = value_or_input_error(env.parse_problem, data)
        if problem is not None:
            report = value_or_input_error(lambda p: validate(env, p, plan), problem)
            assert report is None or isinstance(report.valid, bool)

    near = st.builds(mutate, st.sampled_from(sorted(good)), JSON_VALUES)
    plans = st.lists(st.text("abcdefghijklmnopqrstuvwxyz_(),. 0123456789", max_size=30), max_size=6) | JSON_VALUES
    fuzz(examples, st.tuples(JSON_TEXT | JSON_VALUES | near | st.text(max_size=30), plans), check)


@pytest.mark.parametrize("parse", ["sudoku", "countdown", "kitchen", "assembly"])
def test_json_nested_past_the_limit_is_an_input_error(parse: str) -> None:
    env = get_environment(parse)
    key = {"sudoku": "puzzle", "countdown": "numbers"}.get(parse, "objects")
    with pytest.raises(InputError):
        env.parse_problem('{"%s": %s}' % (key, deep_json(100_000)))


# --- structured output: pydantic schemas built at random -------------------------------------------


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


LEAF_TYPES = st.sampled_from([
    (str, ...), (int, ...), (float, ...), (bool, ...), (Literal["a", "b"], ...), (Colour, ...),
    (Optional[int], None), (str, Field(max_length=5)), (int, Field(ge=0, le=9)), (int, Field(ge=-10**12)),
    (dict, ...), (list[int], Field(max_length=2)), (list[str], ...), (tuple[int, ...], ...), (Any, ...),
    (int | str, ...), (list[int], Field(max_length=10**9)), (str, Field(min_length=2, max_length=10**6)),
])


def _model(fields: list, nested: list) -> type[BaseModel]:
    spec = {f"f{i}": field for i, field in enumerate(fields)}
    spec.update({f"m{i}": (model, ...) for i, model in enumerate(nested)})
    spec.update({f"l{i}": (list[model], Field(max_length=2)) for i, model in enumerate(nested[:1])})
    return create_model("Generated", **spec)


MODELS = st.recursive(st.lists(LEAF_TYPES, max_size=4).map(lambda f: _model(f, [])),
                      lambda inner: st.builds(_model, st.lists(LEAF_TYPES, max_size=3), st.lists(inner, max_size=2)),
                      max_leaves=6)


@pytest.mark.parametrize("examples", SIZES)
def test_schema_templates_and_their_values(examples: int) -> None:
    from dream_agent.runnables.schema_template import schema_template

    def check(args: tuple[type[BaseModel], list[str]]) -> None:
        schema, texts = args
        compiled = value_or_input_error(schema_template, schema)
        if compiled is None:
            return
        slots = [spec.slot for spec in compiled.fields]
        values = dict(zip(slots, texts + [""] * len(slots)))
        instance, blamed, messages = compiled.validate(values)
        assert (instance is None) == bool(messages), values
        assert set(blamed) <= set(slots)
        assert isinstance(compiled.violations(values), list)

    fuzz(examples, st.tuples(MODELS, st.lists(st.text("0123456789.-truefalsredbxyz \"", max_size=8), max_size=12)), check)


def test_schema_that_contains_itself_is_an_input_error() -> None:
    from dream_agent.runnables.schema_template import schema_template

    class Node(BaseModel):
        name: str
        children: list[Node]

    Node.model_rebuild()
    with pytest.raises(InputError, match="nests deeper than 32 levels"):  # was RecursionError
        schema_template(Node)

    class Wide(BaseModel):
        xs: list[int] = Field(max_length=10**9)

    with pytest.raises(InputError, match="more than 16384 template pieces"):  # was a loop of 10**9 items
        schema_template(Wide)


# --- batch lines -------------------------------------------------------------------------------------

LINES = st.one_of(
    JSON_TEXT, st.text(max_size=40),
    st.builds(lambda id, body: json.dumps({"id": id, **body}),
              st.one_of(st.integers(), st.text(max_size=4), st.none(), st.booleans(), st.lists(st.integers(), max_size=2)),
              st.dictionaries(st.sampled_from(["env", "problem", "options", "numbers", "target", "answer", "puzzle",
                                               "solution", "plan", "domain", "x"]),
                              JSON_VALUES | st.sampled_from(["sudoku", "countdown", "kitchen", "assembly", "pddl", "1,2,3"]),
                              max_size=5)),
)


@pytest.mark.parametrize("examples", SIZES)
def test_batch_lines(examples: int) -> None:
    from dream_agent.batch.lines import Line, parse_line
    from dream_agent.batch.work import _validate, solve_work, validate_work

    def check(text: str) -> None:
        line = parse_line(7, text)
        assert isinstance(line, Line) and (line.request is None) == (line.error is not None)
        if line.request is None:
            assert line.error.startswith("line 7: ")
            return
        row = _validate(validate_work(line), "countdown")  # what a validate worker answers
        assert row["id"] == line.id and ("error" in row or "valid" in row)
        try:
            solve_work(line, "sudoku", {})
        except (InputError, TypeError) as err:  # the driver turns these into the line's error
            assert str(err)

    fuzz(examples, LINES, check)
