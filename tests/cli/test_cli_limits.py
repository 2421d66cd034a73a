"""Inputs past a limit of the file system or of the package: one `error:` line and exit code 2, no traceback.

Each test is the regression test of a failure found by feeding the installed command such input.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import REPO

from constraints.limits import MAX_FILE_BYTES, MAX_JSON_DEPTH
from dream_agent.cli import main

DOMAIN = REPO / "environments" / "blocksworld" / "data" / "blocksworld-4ops.pddl"
PROBLEM = REPO / "dream_agent" / "dream_eval" / "datasets" / "planbench" / "blocksworld" / "generated_basic" / "instance-1.pddl"
LONG = "/tmp/" + "a" * 300  # one path component past the 255 bytes Linux allows
DEEP = "[" * 3000 + "]" * 3000


def run_main(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `dream-agent ARGS` run in this process."""
    with pytest.raises(SystemExit) as exit:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return exit.value.code or 0, out.out, out.err


def one_line_error(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    code, out, err = run_main(capsys, *args)
    assert code == 2 and out == "", (code, out, err)
    assert err.count("\n") == 1 and err.startswith("error: "), err
    return err


@pytest.mark.parametrize("args, needle", [
    (["validate", "--domain", LONG, "--problem", PROBLEM, "--plan", "(pick-up a)"], "domain file '/tmp/aaa"),
    (["validate", "--domain", DOMAIN, "--problem", LONG, "--plan", "(pick-up a)"], "problem file '/tmp/aaa"),
    (["validate", "--domain", DOMAIN, "--problem", PROBLEM, "--plan", LONG], "plan file '/tmp/aaa"),
    (["plan", "--domain", LONG, "--problem", PROBLEM], "file name too long"),
    (["plan", "--domain", DOMAIN, "--problem", PROBLEM, "--model", LONG], "not a checkpoint directory"),
    (["solve", "sudoku", "1200340000000000", "--trace", LONG + ".png"], "--trace '/tmp/aaa"),
    (["solve", "sudoku", "1200340000000000", "--model", LONG], "file name too long"),
    (["infill", "--model", LONG, "a <mask>"], "file name too long"),
    (["plan", "kitchen", "--problem", LONG], "kitchen problem file '/tmp/aaa"),
])
def test_a_path_too_long_is_one_line(capsys, args: list, needle: str) -> None:
    err = one_line_error(capsys, *args)
    assert needle in err and len(err) < 300, err


def test_inline_plan_text_longer_than_a_path_is_text(capsys) -> None:
    """Text that cannot name a file is read as the plan, not looked up as a file."""
    code, out, err = run_main(capsys, "validate", "--json", "--domain", DOMAIN, "--problem", PROBLEM,
                              "--plan", "(pick-up " + "b" * 300 + ")")
    assert code == 1 and err == "", err
    assert "unknown object" in json.loads(out)["violations"][0]["reason"]


@pytest.mark.parametrize("args", [
    ["validate", "sudoku", "--puzzle", '{"puzzle": ' + DEEP + "}", "--solution", "1"],
    ["solve", "sudoku", '{"puzzle": ' + DEEP + "}"],
    ["solve", "countdown", "--numbers", '{"numbers": ' + DEEP + "}", "--target", "5"],
])
def test_deep_json_is_one_line(capsys, args: list[str]) -> None:
    assert f"nests deeper than {MAX_JSON_DEPTH} levels" in one_line_error(capsys, *args)


def test_deep_kitchen_problem_file_is_one_line(capsys, tmp_path) -> None:
    problem = tmp_path / "deep.json"
    problem.write_text('{"a":' * 3000 + "1" + "}" * 3000)
    assert "bad kitchen problem" in one_line_error(capsys, "plan", "kitchen", "--problem", problem)


def test_files_past_the_size_limit_are_refused_unread(capsys, tmp_path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written, and nothing must be read
    err = one_line_error(capsys, "validate", "--domain", DOMAIN, "--problem", PROBLEM, "--plan", big)
    assert f"plan file '{big}' is {MAX_FILE_BYTES + 1:,} bytes; at most {MAX_FILE_BYTES:,} are read" in err
    assert "is 10,000,001 bytes" in one_line_error(capsys, "plan", "kitchen", "--problem", big)
    assert "domain file" in one_line_error(capsys, "validate", "--domain", big, "--problem", PROBLEM, "--plan", "(x)")


def test_validate_countdown_output_is_linear_in_the_answer(capsys) -> None:
    """20,000 equations once listed the whole pool in each violation: 50 MB of output for 100 KB of input."""
    answer = ",".join(["1+1=2"] * 20_000)
    code, out, err = run_main(capsys, "validate", "countdown", "--json", "--numbers", "1,2,3", "--target", "5",
                              "--answer", answer)
    report = json.loads(out)
    assert code == 1 and err == "" and len(out) < 2 * len(answer)
    assert max(len(v["reason"]) for v in report["violations"]) < 200
    assert "20000 equations for 3 numbers; a solution has 2 (the first 64 are checked)" in out


def test_an_unexpected_error_is_not_masked_by_the_abort_handler(monkeypatch, capsys) -> None:
    """Any exception escaping a command once turned into `AttributeError: ... has no attribute 'Abort'`."""
    from dream_agent.cli import _ABORTS

    import typer

    assert typer.Abort in _ABORTS
    monkeypatch.setattr("dream_agent.cli.models.register", lambda app: app.command("models")(_boom))
    with pytest.raises(ZeroDivisionError):
        main(["models"])


def _boom() -> None:
    raise ZeroDivisionError("a bug, reported as itself")


@pytest.mark.parametrize("args, needle", [
    (["solve", "sudoku", "1200340000000000", "--max-rounds", "1000000000"], "--max-rounds must be an integer from 1 to 10000"),
    (["batch", "validate", "--input", "in.jsonl", "--output", "out.jsonl", "--batch-size", "1000000"],
     "--batch-size must be an integer from 1 to 4096"),
    (["batch", "validate", "--input", "in.jsonl", "--output", "out.jsonl", "--workers", "100000"],
     "--workers must be an integer from 1 to 256"),
])
def test_counts_that_would_run_without_end_are_bounded(capsys, tmp_path, monkeypatch, args: list[str], needle: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.jsonl").write_text('{"id": 1, "env": "countdown", "numbers": "3,4", "target": 7, "answer": "3+4=7"}\n')
    assert needle in one_line_error(capsys, *args)


def test_a_goal_quantified_past_the_grounding_limit_is_one_line(capsys, tmp_path) -> None:
    """330 bytes of problem (40 objects, a 5-variable forall goal) did not finish reading in 30 s."""
    domain = tmp_path / "domain.pddl"
    domain.write_text("(define (domain d) (:requirements :adl) (:predicates (p ?a ?b ?c ?d ?e))"
                      " (:action go :parameters (?a) :effect (p ?a ?a ?a ?a ?a)))")
    problem = tmp_path / "problem.pddl"
    problem.write_text("(define (problem x) (:domain d) (:objects " + " ".join(f"o{i}" for i in range(40))
                       + ") (:init) (:goal (forall (?a ?b ?c ?d ?e) (p ?a ?b ?c ?d ?e))))")
    err = one_line_error(capsys, "validate", "--domain", domain, "--problem", problem, "--plan", "(go o1)")
    assert "the goal expands to 102,400,000 ground instances" in err, err
