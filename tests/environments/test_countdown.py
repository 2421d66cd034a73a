"""Countdown environment: parsing, safe equations, oracle on Dream's CD sets, generator, templates, checkers."""

from __future__ import annotations

import json

import pytest
from helpers import SHARED_DATA
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from constraints import InputError
from environments import CountdownEnv, CountdownProblem, Environment
from environments.countdown.oracle import Equation, parse_equation, solve_countdown

needs_data = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"public data sets not found at {SHARED_DATA}")
PROBLEM = CountdownProblem(numbers=(86, 28, 13, 31), target=96)
ANSWER = "86+28=114,31-13=18,114-18=96"


@pytest.fixture(scope="module")
def env() -> CountdownEnv:
    return CountdownEnv()


# -- parsing -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "data",
    [
        "86,28,13,31,96",
        " 86, 28 ,13,31,96 ",
        {"input": "86,28,13,31,96", "output": ANSWER},
        json.dumps({"input": "86,28,13,31,96", "output": ANSWER}),
        {"input": "86,28,13,31", "output": "96"},  # d1: output is the target
        {"numbers": [86, 28, 13, 31], "target": 96},
        {"numbers": "86,28,13,31", "target": "96"},
        PROBLEM,
    ],
)
def test_forms(env: CountdownEnv, data: object) -> None:
    assert isinstance(env, Environment)
    assert env.parse_problem(data) == PROBLEM
    assert PROBLEM.as_input() == "86,28,13,31,96"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("86,28", "numbers then the target"),
        ("86,x,13,96", "'x' is not a whole number"),
        ("86,-5,13,96", "'-5' is not a whole number"),
        ("86,2.5,13,96", "'2.5' is not a whole number"),
        ("1,2," + "9" * 40, "is too large"),
        ("1,2,3," + "9" * 12, "out of range"),
        ("0,2,3", "number 0 is out of range"),
        (",".join(["5"] * 10), "2 to 8 numbers"),
        ({"numbers": [1, 2.5], "target": 3}, "numbers.1"),
        ({"numbers": [1, 2]}, "also needs 'target'"),
        ({"nums": [1]}, "needs 'numbers'"),
        ([1, 2, 3], "cannot read a countdown problem from list"),
        ("{bad json", "does not parse"),
    ],
)
def test_bad_problems(env: CountdownEnv, data: object, message: str) -> None:
    with pytest.raises(InputError, match=message.replace(".", r"\.")):
        env.parse_problem(data)


def test_equation_parser_never_evaluates() -> None:
    assert parse_equation(" 86 + 28 = 114 ") == Equation(86, "+", 28, 114)
    assert parse_equation("13-31=-18") == Equation(13, "-", 31, -18)
    for text in ["__import__('os').system('x')=1", "2**3=8", "86+28", "1+2=3=3", "(1+2)=3", "1 + 2 = ", "٣+1=4"]:
        assert isinstance(parse_equation(text), str), text
    assert "longer than 12 digits" in parse_equation("1" * 13 + "+1=2")


# -- oracle --------------------------------------------------------------------------------
@needs_data
@pytest.mark.parametrize("k", [3, 4, 5])
def test_dream_cd_sets(env: CountdownEnv, k: int) -> None:
    lines = (SHARED_DATA / "dream-countdown" / f"cd{k}_test.jsonl").read_text().splitlines()
    assert len(lines) == 1000
    for index, line in enumerate(lines):
        row = json.loads(line)
        problem = env.parse_problem(row)
        assert len(problem.numbers) == k
        assert env.check(problem, row["output"]) == [], row  # every reference answer validates
        if index % 20 == 0:  # the solver on a sample of 50 per set
            answer = env.solve(problem)
            assert answer is not None and len(answer) == k - 1
            assert env.check(problem, answer) == []


@needs_data
def test_d1_cd3_targets_are_reachable(env: CountdownEnv) -> None:
    for line in (SHARED_DATA / "d1-sudoku4x4-countdown" / "countdown_cd3_test.jsonl").read_text().splitlines()[::8]:
        problem = env.parse_problem(line)
        assert env.check(problem, env.solve(problem)) == []


def test_unsolvable_and_bounded(env: CountdownEnv) -> None:
    assert env.solve(CountdownProblem(numbers=(1, 1), target=5)) is None
    assert solve_countdown([2, 3, 5], 31) is None  # 2*3*5=30 and 5*(3+2)=25: 31 is out of reach
    # 99*98*97 needs 6 digits; capped at 4 the search must find nothing.
    assert solve_countdown([99, 98, 97], 941094) is not None
    assert solve_countdown([99, 98, 97], 941094, max_value=9999) is None


# -- generator -----------------------------------------------------------------------------
@pytest.mark.parametrize("n", [3, 4, 5])
def test_generator(env: CountdownEnv, n: int) -> None:
    for seed in range(5):
        problem = env.generate(seed, n=n)
        assert problem == env.generate(seed, n=n)
        assert len(problem.numbers) == n and all(1 <= x <= 99 for x in problem.numbers)
        assert 10 <= problem.target <= 99
        assert env.check(problem, env.solve(problem)) == []
    assert env.generate(0, n=3, low=5, high=9, target_low=100, target_high=200).target >= 100
    with pytest.raises(InputError, match="n must be"):
        env.generate(0, n=1)
    with pytest.raises(InputError, match="low <= high"):
        env.generate(0, low=9, high=5)


def test_uniform_generator_draws_solvable_instances_the_cd_way(env: CountdownEnv) -> None:
    problems = [env.generate(seed, n=4, method="uniform") for seed in range(40)]
    assert problems[0] == env.generate(0, n=4, method="uniform") != env.generate(0, n=4)
    for problem in problems:
        assert len(problem.numbers) == 4 and all(1 <= x <= 99 for x in problem.numbers) and 10 <= problem.target <= 99
        assert env.check(problem, env.solve(problem)) == []
    # CD4's answers multiply or divide in about a quarter of their equations; a chain's in under a tenth
    ops = [e for seed, problem in enumerate(problems) for e in env.sample_solution(problem, seed)]
    assert sum(op in e for e in ops for op in "*/") >= 0.2 * len(ops)
    with pytest.raises(InputError, match="unknown method 'backward'; allowed: chain, uniform"):
        env.generate(0, method="backward")


def test_uniform_generator_gives_up_on_ranges_with_nothing_solvable(env: CountdownEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    import environments.countdown.generator as generator

    monkeypatch.setattr(generator, "DRAW_SECONDS", 0.2)
    with pytest.raises(InputError, match="no solvable draw of 6 numbers in 1..99 with a target in 900000..999999"):
        env.generate(0, n=6, target_low=900_000, target_high=999_999, method="uniform")


# -- templates -----------------------------------------------------------------------------
def test_compact_template(env: CountdownEnv) -> None:
    template = env.template(PROBLEM)
    assert [s.name for s in template.slots] == [f"{p}{i}" for i in range(3) for p in ("a", "op", "b", "r")]
    assert template.slots[1].choices == ("+", "-", "*", "/") and template.slots[0].max_length == 5
    values = env.plan_to_values(PROBLEM, ANSWER)
    assert values["a0"] == "8 6" and values["r0"] == "1 1 4" and values["op1"] == "-"
    text = template.fill(values)
    assert text.startswith("numbers 8 6 , 2 8 , 1 3 , 3 1 target 9 6 | 8 6 + 2 8 = 1 1 4 , ")
    assert set(text.split()) <= set(env.vocabulary())
    assert env.parse_plan(PROBLEM, values) == ANSWER.split(",")
    assert env.check_values(PROBLEM, values) == []
    with pytest.raises(InputError, match="does not fit a 2-digit slot"):
        CountdownEnv(digits=2).plan_to_values(PROBLEM, ANSWER)


def test_text_template_is_dreams_answer(env: CountdownEnv) -> None:
    template = env.template(PROBLEM, "text")
    text = template.fill(env.plan_to_values(PROBLEM, ANSWER, "text"))
    assert text.endswith("Input: 86,28,13,31,96\nOutput: " + ANSWER)
    assert env.format_plan(ANSWER.split(",")) == ANSWER


# -- checkers ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("86+28=114,31-13=18,114-18=96", []),
        ("86+28=115,31-13=18,114-18=96", [("arithmetic", (0,), "86+28 is 114, not 115")]),
        ("86+28=114,31/13=18,114-18=96", [("arithmetic", (1,), "31/13 is not a whole number")]),
        ("86+28=114,31/0=18,114-18=96", [("precondition", (1,), "uses 0, which is not available"), ("arithmetic", (1,), "divides by zero"), ("missing_step", (), "numbers left unused: 13")]),
        ("86+28=114,13-31=18,114-18=96", [("domain", (1,), "13-31 is negative")]),
        ("86+28=114,31-13=18,114-18=95", [("arithmetic", (2,), "114-18 is 96, not 95"), ("missing_step", (2,), "gives 95, not the target 96")]),
        ("86+28=114,31-14=17,114-17=97", [("precondition", (1,), "uses 14, which is not available (available: 13, 114)"), ("missing_step", (2,), "not the target 96"),
                                           # no operator takes 114 and 17 to 96: the equations that chose them are blamed too
                                           ("missing_step", (0, 1), "no operator takes 114 and 17 to the target 96"),
                                           ("missing_step", (), "numbers left unused: 13")]),
        ("86+28=114,31-13=18", [("missing_step", (1,), "gives 18, not the target 96"), ("missing_step", (), "numbers left unused: 114")]),
        ("86+28=114,31?13=18,114-18=96", [("syntax", (1,), "is not an equation"), ("precondition", (2,), "uses 18"), ("missing_step", (), "unused: 13, 31")]),
        ("86+28=114,31-13=18,114-18=96,96-0=96", [("precondition", (3,), "uses 0"), ("extra_step", (3,), "4 equations for 4 numbers; a solution has 3")]),
        ("", [("missing_step", (), "no equations")]),
    ],
)
def test_checker_blames_steps(env: CountdownEnv, answer: str, expected: list[tuple[str, tuple[int, ...], str]]) -> None:
    found = env.check(PROBLEM, answer)
    assert len(found) == len(expected), [v.reason for v in found]
    for v, (kind, steps, text) in zip(found, expected):
        assert (v.kind, v.steps) == (kind, steps) and text in v.reason


def test_check_values_names_parts(env: CountdownEnv) -> None:
    values = env.plan_to_values(PROBLEM, "86+28=114,31-13=18,114-18=96")
    values["b1"] = "1 4"  # 14 is not available; 31-14 is not 18 either
    assert [v.slots for v in env.check_values(PROBLEM, values)] == [
        ("b1",),
        ("a1", "op1", "b1", "r1"),
        (),  # 13 left unused: no single slot to blame
    ]
    values = env.plan_to_values(PROBLEM, ANSWER)
    values["r2"] = "9 5"
    assert [v.slots for v in env.check_values(PROBLEM, values)] == [("a2", "op2", "b2", "r2"), ("r2",)]


@st.composite
def corrupted(draw: st.DrawFn) -> tuple[CountdownProblem, list[str], int, str]:
    env = CountdownEnv()
    problem = env.generate(draw(st.integers(0, 100_000)), n=draw(st.integers(3, 5)))
    answer = env.solve(problem)
    step = draw(st.integers(0, len(answer) - 1))
    eq = parse_equation(answer[step])
    part = draw(st.sampled_from(["a", "op", "b", "r"]))
    fields = {"a": eq.a, "op": eq.op, "b": eq.b, "r": eq.result}
    if part == "op":
        fields["op"] = draw(st.sampled_from([o for o in "+-*/" if o != eq.op]))
    else:
        fields[part] = draw(st.integers(0, 20_000).filter(lambda x: x != fields[part]))
    changed = parse_equation("{a}{op}{b}={r}".format(**fields))
    assume(changed.value() != changed.result)  # e.g. 2+2=4 -> 2*2=4 is still a true step
    return problem, answer, step, changed.text


@settings(max_examples=150, deadline=None)
@given(corrupted())
def test_oracle_passes_and_one_corruption_is_blamed(case: tuple[CountdownProblem, list[str], int, str]) -> None:
    problem, answer, step, changed = case
    env = CountdownEnv()
    assert env.check(problem, answer) == []
    bad = answer[:step] + [changed] + answer[step + 1 :]
    found = env.check(problem, bad)
    blamed = [v.steps for v in found if v.steps]
    assert blamed and blamed[0] == (step,), "the corrupted step is blamed first"
    # An operand changed to a number that exists elsewhere may also be blamed where that number is used.
    seen = set(problem.numbers) | {parse_equation(e).result for e in answer}
    old, new = parse_equation(answer[step]), parse_equation(changed)
    moved = {x for x, y in ((new.a, old.a), (new.b, old.b)) if x != y}
    if not moved & seen:
        assert all(s == (step,) for s in blamed), "only the corrupted step is blamed"


def test_a_long_answer_is_checked_in_bounded_output() -> None:
    """Each violation once listed the whole pool: 20,000 equations gave 50 MB of reasons."""
    from environments.countdown.checks import MAX_CHECKED, check_equations

    found = check_equations((1, 2, 3), 5, ["1+1=2"] * 20_000)
    assert len(found) == 2 * MAX_CHECKED  # step 1 lacks one 1, steps 2..64 lack both, then the count
    assert max(len(v.reason) for v in found) < 200
    assert found[-2].reason == ("step 64 (1+1=2) uses 1, which is not available "
                                "(available: 2, 3, 2, 2, 2, 2, 2, 2, 2, 2 and 55 more)")
    assert found[-1].constraint == "countdown.count" and found[-1].steps == tuple(range(2, 20_000))
    assert found[-1].reason == "20000 equations for 3 numbers; a solution has 2 (the first 64 are checked)"
