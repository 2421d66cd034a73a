"""Sudoku environment: parsing, oracle on public regression/eval files, generator, templates, checkers."""

from __future__ import annotations

import csv
import json

import pytest
from helpers import SHARED_DATA
from hypothesis import given, settings
from hypothesis import strategies as st

from constraints import InputError, Slot
from environments import Environment, SudokuEnv, SudokuProblem, get_environment
from environments.sudoku.oracle import is_singles_solvable

needs_data = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"public data sets not found at {SHARED_DATA}")

PUZZLE_4 = "1003\n0300\n3210\n4132"
SOLUTION_4 = "1423234132144132"
TDOKU_1 = (
    ".5..83.17...1..4..3.4..56.8....3...9.9.8245....6....7...9....5...729..861.36.72.4:1:"
    "652483917978162435314975628825736149791824563436519872269348751547291386183657294"
)


@pytest.fixture(scope="module")
def env() -> SudokuEnv:
    return SudokuEnv()


# -- parsing -----------------------------------------------------------------------------
class TestParse:
    def test_is_an_environment(self, env: SudokuEnv) -> None:
        assert isinstance(env, Environment)
        assert env.name == "sudoku" and SudokuEnv(4).name == "sudoku4x4"

    @pytest.mark.parametrize(
        "data",
        [
            PUZZLE_4,
            "1003030032104132",
            "1..3.3..32104132",
            {"input": PUZZLE_4, "output": "1423\n2341\n3214\n4132"},
            json.dumps({"input": PUZZLE_4, "output": "x"}),
            {"puzzle": "1003030032104132"},
            [[1, 0, 0, 3], [0, 3, 0, 0], [3, 2, 1, 0], [4, 1, 3, 2]],
            ["1003", "0300", "3210", "4132"],
        ],
    )
    def test_forms_of_4x4(self, env: SudokuEnv, data: object) -> None:
        problem = env.parse_problem(data)
        assert problem == SudokuProblem(size=4, givens="1003030032104132")

    def test_tdoku_line(self, env: SudokuEnv) -> None:
        problem = env.parse_problem(TDOKU_1)
        assert problem.size == 9 and problem.givens.startswith("050083017")
        assert env.solve(problem) == TDOKU_1.split(":")[2]

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ("123", "81 (9x9) or 16 (4x4) cells, got 3"),
            ("1003\n0300\n3210\n413x", "found 'x'"),
            ("1003\n0300\n3210\n4135", "found '5'"),
            ("1103\n0300\n3210\n4132", "row 1 repeats 1 at columns 1 and 2"),
            ("1003\n1300\n3210\n4032", "column 1 repeats 1 at rows 1 and 2"),
            ("1003\n0100\n3200\n4000", "box 1 repeats 1"),
            ({"quizz": "1"}, "needs one of the keys"),
            ({"puzzle": "1003030032104132", "size": 9}, "does not match"),
            ("{not json", "does not parse"),
            (12, "cannot read a sudoku from int"),
        ],
    )
    def test_bad_input_names_the_problem(self, env: SudokuEnv, data: object, message: str) -> None:
        with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
            env.parse_problem(data)

    def test_size_is_pinned(self) -> None:
        with pytest.raises(InputError, match="expected a 4x4"):
            SudokuEnv(4).parse_problem(TDOKU_1)
        with pytest.raises(InputError, match="size must be"):
            SudokuEnv(5)


# -- oracle on public files ----------------------------------------------------------------
@needs_data
def test_tdoku_regression_file(env: SudokuEnv) -> None:
    counts = {"unsolvable": 0, "multiple": 0, "unique": 0}
    for line in (SHARED_DATA / "sudoku9x9-tdoku" / "test_puzzles.txt").read_text().split():
        fields = line.split(":")
        problem = env.parse_problem(line)
        expected = int(fields[1])
        found = env.count_solutions(problem, limit=2)
        if expected == 0:
            assert env.solve(problem) is None and found == 0
            counts["unsolvable"] += 1
        elif expected == 1:
            assert found == 1 and env.solve(problem) == fields[2]
            assert env.check(problem, fields[2]) == []
            counts["unique"] += 1
        else:
            assert found == 2
            assert env.check(problem, env.solve(problem)) == []
            counts["multiple"] += 1
    assert counts == {"unsolvable": 10, "multiple": 15, "unique": 18}


@needs_data
def test_dream_4x4_files_parse_and_solve() -> None:
    env = SudokuEnv(4)
    files = sorted((SHARED_DATA / "dream-sudoku4x4").glob("sudoku_4x4_*.jsonl"))
    assert len(files) == 9
    for path in files:
        givens = int(path.stem.rsplit("_", 1)[1])
        for line in path.read_text().splitlines():
            row = json.loads(line)
            problem = env.parse_problem(line)
            assert len(problem.givens) - len(problem.blanks) == givens
            assert env.solve(problem) == row["output"].replace("\n", "")
            assert env.check(problem, row["output"]) == []


@needs_data
def test_d1_4x4_csv() -> None:
    env = SudokuEnv(4)
    with open(SHARED_DATA / "d1-sudoku4x4-countdown" / "4x4_test_sudoku.csv", newline="") as f:
        for row in csv.DictReader(f):
            problem = env.parse_problem(row["Puzzle"])
            # d1's puzzles need not have a unique solution: any valid completion counts.
            assert env.check(problem, row["Solution"]) == []
            assert env.check(problem, env.solve(problem)) == []


def test_unsolvable_without_contradictory_givens(env: SudokuEnv) -> None:
    # Row 1 needs a 4 in column 4, but column 4 already holds a 4.
    problem = env.parse_problem("1230000000040000")
    assert env.solve(problem) is None and env.count_solutions(problem) == 0


# -- generator -----------------------------------------------------------------------------
@pytest.mark.parametrize(("size", "difficulty", "givens"), [(9, "easy", 40), (9, "medium", 32), (9, "hard", 26), (4, "easy", 10), (4, "medium", 8), (4, "hard", 6)])
def test_generator_grades(size: int, difficulty: str, givens: int) -> None:
    env = SudokuEnv(size)
    problem = env.generate(3, difficulty=difficulty)
    assert problem == env.generate(3, difficulty=difficulty)
    assert problem.size == size and size * size - len(problem.blanks) == givens
    assert env.count_solutions(problem) == 1
    if difficulty == "easy":
        assert is_singles_solvable(size, problem.digits)
    if difficulty == "hard" and size == 9:
        assert not is_singles_solvable(size, problem.digits)


def test_generator_knobs(env: SudokuEnv) -> None:
    assert env.generate(0) != env.generate(1)
    assert env.generate(0, size=4, givens=5).givens.count("0") == 11
    for kwargs, message in [({"difficulty": "expert"}, "unknown difficulty"), ({"givens": 16}, "17..81"), ({"size": 6}, "4 or 9")]:
        with pytest.raises(InputError, match=message):
            env.generate(0, **kwargs)
    with pytest.raises(InputError, match="makes 4x4"):
        SudokuEnv(4).generate(0, size=9)


# -- templates -----------------------------------------------------------------------------
@pytest.mark.parametrize("size", [4, 9])
def test_compact_template_uses_vocabulary(size: int) -> None:
    env = SudokuEnv(size)
    problem = env.generate(1)
    template = env.template(problem)
    slots = template.slots
    assert [s.name for s in slots] == [f"r{i // size}c{i % size}" for i in problem.blanks]
    assert all(s.length == 1 and s.choices == tuple(str(d) for d in range(1, size + 1)) for s in slots)
    values = env.plan_to_values(problem, env.solve(problem))
    words = template.fill(values).split()
    assert len(words) == size * size + size - 1
    assert set(words) <= set(env.vocabulary())
    assert env.parse_plan(problem, values) == env.solve(problem)
    assert env.check_values(problem, values) == []


def test_text_template_is_dreams_grid(env: SudokuEnv) -> None:
    problem = env.parse_problem(PUZZLE_4)
    template = env.template(problem, "text")
    text = template.fill(env.plan_to_values(problem, SOLUTION_4, "text"))
    assert text.endswith("Input:\n1003\n0300\n3210\n4132\nOutput:\n1423\n2341\n3214\n4132")
    assert template.segments[-1] == "\n4132"  # the last row is all givens
    assert all(isinstance(s, Slot) for s in template.segments if not isinstance(s, str))
    with pytest.raises(InputError, match="unknown rendering"):
        env.template(problem, "html")


# -- checkers ------------------------------------------------------------------------------
def test_checker_examples(env: SudokuEnv) -> None:
    problem = env.parse_problem(PUZZLE_4)
    swapped = env.check(problem, "1243234132144132")
    assert [(v.kind, v.reason, v.cells) for v in swapped][0] == (
        "duplicate",
        "column 2 repeats 2 at rows 1 and 3",
        ((0, 1), (2, 1)),
    )
    changed = env.check(problem, "2423234132144132")
    assert changed[0].kind == "given" and changed[0].cells == ((0, 0),)
    assert changed[0].reason == "row 1, column 1 must keep the given 1, found '2'"
    blanks = env.check(problem, "1403234132144132")
    assert [(v.kind, v.cells, v.reason) for v in blanks] == [("domain", ((0, 2),), "row 1, column 3 is blank")]
    odd = env.check(problem, "14x3234132144132")
    assert odd[0].cells == ((0, 2),) and "holds 'x'" in odd[0].reason
    short = env.check(problem, "1423")
    assert short[0].kind == "schema" and "has 4 cells" in short[0].reason
    assert env.check(problem, None)[0].kind == "schema"
    assert env.check(problem, ["1423", "2341", "3214", "4132"]) == []


def test_check_values_names_slots(env: SudokuEnv) -> None:
    problem = env.parse_problem(PUZZLE_4)
    values = env.plan_to_values(problem, SOLUTION_4)
    values["r0c1"], values["r1c0"] = "9", ""
    found = env.check_values(problem, values)
    assert {v.slots for v in found} == {("r0c1",), ("r1c0",)}


@st.composite
def corrupted(draw: st.DrawFn) -> tuple[SudokuEnv, SudokuProblem, str, int, str]:
    size = draw(st.sampled_from([4, 9]))
    env = SudokuEnv(size)
    problem = env.generate(draw(st.integers(0, 10_000)), difficulty=draw(st.sampled_from(["easy", "medium"])))
    solution = env.solve(problem)
    cell = draw(st.integers(0, size * size - 1))
    digit = draw(st.sampled_from([str(d) for d in range(1, size + 1) if str(d) != solution[cell]]))
    return env, problem, solution, cell, digit


@settings(max_examples=40, deadline=None)
@given(corrupted())
def test_oracle_passes_and_one_changed_cell_is_blamed(case: tuple[SudokuEnv, SudokuProblem, str, int, str]) -> None:
    env, problem, solution, cell, digit = case
    n = problem.size
    assert env.check(problem, solution) == []
    bad = solution[:cell] + digit + solution[cell + 1 :]
    found = env.check(problem, bad)
    assert found, "a changed cell must be detected"
    assert all((cell // n, cell % n) in v.cells for v in found)
    if cell in problem.blanks:
        values = env.plan_to_values(problem, bad)
        assert all(f"r{cell // n}c{cell % n}" in v.slots for v in env.check_values(problem, values))
    else:
        assert any(v.kind == "given" for v in found)


def _reference_allowed(problem, partial, propagate):
    """Sudoku's allowed digits as set arithmetic over rows, columns and boxes, then naked and hidden
    singles to a fixpoint (the implementation the bit-mask one replaced)."""
    n, box = problem.size, int(problem.size**0.5)
    grid = [int(ch) for ch in problem.givens]
    digits = set(range(1, n + 1))
    cands, names = {}, {}
    for name, value in partial.items():
        r, c = (int(x) for x in name[1:].split("c"))
        if value is not None and value.strip().isdigit() and int(value) in digits:
            grid[r * n + c] = int(value)
    for name, value in partial.items():
        if value is None:
            r, c = (int(x) for x in name[1:].split("c"))
            r0, c0 = r - r % box, c - c % box
            seen = {grid[r * n + k] for k in range(n)} | {grid[k * n + c] for k in range(n)}
            seen |= {grid[i * n + j] for i in range(r0, r0 + box) for j in range(c0, c0 + box)}
            cands[r * n + c], names[r * n + c] = digits - seen, name
    units = [[r * n + c for c in range(n)] for r in range(n)] + [[r * n + c for r in range(n)] for c in range(n)]
    units += [[(r0 + r) * n + c0 + c for r in range(box) for c in range(box)]
              for r0 in range(0, n, box) for c0 in range(0, n, box)]
    changed = propagate
    while changed:
        changed = False
        for unit in units:
            for d in digits - {grid[cell] for cell in unit if cell not in cands}:
                spots = [cell for cell in unit if cell in cands and d in cands[cell]]
                if len(spots) == 1 and len(cands[spots[0]]) > 1:
                    cands[spots[0]], changed = {d}, True
        for cell, options in cands.items():
            if len(options) == 1:
                (d,) = options
                for unit in (u for u in units if cell in u):
                    for other in unit:
                        if other != cell and other in cands and d in cands[other]:
                            cands[other], changed = cands[other] - {d}, True
    return {names[cell]: {str(d) for d in options} for cell, options in cands.items()}


@pytest.mark.parametrize("size", [4, 9])
@pytest.mark.parametrize("propagate", [False, True], ids=["local", "search"])
def test_allowed_digits_equal_the_set_arithmetic_reference_on_random_partial_grids(size, propagate):
    import random

    from environments.sudoku.allowed import sudoku_allowed_values

    env = get_environment("sudoku4x4" if size == 4 else "sudoku")
    rng = random.Random(size)
    for seed in range(30):
        problem = env.generate(seed)
        names = [f"r{r}c{c}" for r in range(size) for c in range(size) if problem.givens[r * size + c] == "0"]
        partial = {name: rng.choice([None, None, str(rng.randint(1, size)), "x", ""]) for name in names}
        assert sudoku_allowed_values(problem, partial, propagate) == _reference_allowed(problem, partial, propagate)
