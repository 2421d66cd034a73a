"""`dream-agent validate`: exit codes (0 valid, 1 invalid, 2 bad input), JSON shape, readable report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from helpers import REPO, SHARED_DATA
from typer.testing import CliRunner

from dream_agent.cli import validate as validate_cli

PDDL = SHARED_DATA / "pddl" / "blocksworld"
PUZZLE = "1003\n0300\n3210\n4132"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    validate_cli.register(app)
    return app


def run(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["validate", *args])
    return result.exit_code, result.stdout, result.stderr


def test_sudoku_valid_and_invalid(app: typer.Typer) -> None:
    code, out, _ = run(app, "sudoku", "--puzzle", PUZZLE, "--solution", "1423234132144132", "--json")
    assert code == 0 and json.loads(out) == {"environment": "sudoku", "valid": True, "violations": []}
    code, out, _ = run(app, "sudoku", "--puzzle", PUZZLE, "--solution", "1243234132144132", "--json")
    report = json.loads(out)
    assert code == 1 and report["valid"] is False
    assert report["violations"][0]["cells"] == [[0, 1], [2, 1]]
    assert report["violations"][0]["reason"] == "column 2 repeats 2 at rows 1 and 3"
    code, out, _ = run(app, "--json", "sudoku", "--puzzle", PUZZLE, "--solution", "1243234132144132")
    assert code == 1 and json.loads(out)["violations"][0]["cells"] == [[0, 1], [2, 1]]
    code, out, _ = run(app, "sudoku", "--puzzle", PUZZLE, "--solution", "1243234132144132")
    assert code == 1 and "column 2 repeats 2 at rows 1 and 3" in out and "r1c2 r3c2" in out


def test_countdown_valid_and_invalid(app: typer.Typer) -> None:
    base = ["countdown", "--numbers", "86,28,13,31", "--target", "96", "--answer"]
    code, out, _ = run(app, *base, "86+28=114,31-13=18,114-18=96", "--json")
    assert code == 0 and json.loads(out)["valid"] is True
    code, out, _ = run(app, *base, "86+28=114,31-13=18,114-17=96", "--json")
    violations = json.loads(out)["violations"]
    assert code == 1 and [(v["step"], v["kind"]) for v in violations][:2] == [(2, "precondition"), (2, "arithmetic")]
    assert all({"step", "reason"} <= set(v) for v in violations)
    code, out, _ = run(app, *base, "86+28=114,31-13=18,114-17=96")
    assert code == 1 and "step 3" in out and "uses 17" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sudoku", "--puzzle", "123", "--solution", "123"], "got 3"),
        (["countdown", "--numbers", "86,x", "--target", "96", "--answer", "1+1=2"], "'x' is not a whole number"),
        (["countdown", "--numbers", "86,28", "--target", "9" * 50, "--answer", "1+1=2"], "too large"),
        ([], "give --domain, --problem and --plan together"),
        (["--domain", "nowhere.pddl", "--problem", "nowhere.pddl", "--plan", "p.txt"], "domain file 'nowhere.pddl' not found"),
        (["--domain", "d.pddl", "sudoku", "--puzzle", PUZZLE, "--solution", "1"], "do not combine"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(app: typer.Typer, args: list[str], message: str) -> None:
    code, out, err = run(app, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err


@pytest.mark.skipif(not PDDL.is_dir(), reason=f"public PDDL files not found at {PDDL}")
def test_pddl_plans(app: typer.Typer, tmp_path: Path) -> None:
    pytest.importorskip("environments.pddl", reason="the PDDL environment is not in this build")
    files = ["--domain", str(PDDL / "domain.pddl"), "--problem", str(PDDL / "instance-5.pddl")]
    good = tmp_path / "good.plan"
    good.write_text("; reaches (on d c)\n(pick-up d)\n(stack d c)\n")
    code, out, _ = run(app, *files, "--plan", str(good), "--json")
    assert code == 0 and json.loads(out)["valid"] is True
    code, out, _ = run(app, *files, "--plan", "(unstack b a)\n(put-down b)", "--json")
    violations = json.loads(out)["violations"]
    assert code == 1 and violations[0]["step"] == 0 and "(clear b) is false" in violations[0]["reason"]
    assert violations[-1]["step"] is None
    code, _, err = run(app, *files, "--plan", str(tmp_path / "missing.plan"))
    assert code == 2 and "not found" in err


ROADS = """(define (domain roads) (:requirements :typing :action-costs)
  (:types city) (:predicates (at ?c - city) (road ?a ?b - city))
  (:functions (total-cost) - number (length ?a ?b - city) - number)
  (:action drive :parameters (?a ?b - city) :precondition (and (at ?a) (road ?a ?b))
     :effect (and (at ?b) (not (at ?a)) (increase (total-cost) (length ?a ?b)))))"""
TRIP = """(define (problem trip) (:domain roads) (:objects a b c - city)
  (:init (at a) (road a b) (road b c) (= (length a b) 2) (= (length b c) 3) (= (total-cost) 0))
  (:goal (at c)) (:metric minimize (total-cost)))"""


def test_pddl_report_gives_the_cost_and_the_steps_that_ran(app: typer.Typer, tmp_path: Path) -> None:
    (tmp_path / "d.pddl").write_text(ROADS)
    (tmp_path / "p.pddl").write_text(TRIP)
    files = ["--domain", str(tmp_path / "d.pddl"), "--problem", str(tmp_path / "p.pddl")]
    code, out, _ = run(app, *files, "--plan", "(drive a b)\n(drive b c)", "--json")
    assert code == 0 and json.loads(out) == {"environment": "pddl-roads", "valid": True, "violations": [], "cost": 5.0,
                                             "executed": 2}
    code, out, _ = run(app, *files, "--plan", "(drive a b)\n(drive a b)")
    assert code == 1 and "1 step(s) ran, cost 2" in out
    code, out, _ = run(app, *files, "--plan", "(drive a b)\n(drive b c)")
    assert code == 0 and "valid (pddl-roads, cost 5)" in out


def test_console_entry_point() -> None:
    """The real `python -m dream_agent.cli` registers the group and keeps the exit codes."""
    cmd = [sys.executable, "-m", "dream_agent.cli", "validate", "countdown", "--numbers", "3,4", "--target", "7"]
    ok = subprocess.run([*cmd, "--answer", "3+4=7", "--json"], cwd=REPO, capture_output=True, text=True)
    assert ok.returncode == 0 and json.loads(ok.stdout)["valid"] is True
    bad = subprocess.run([*cmd, "--answer", "3*4=12", "--json"], cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 1 and json.loads(bad.stdout)["violations"][0]["step"] == 0
