"""validate(): reports for any environment, the registry, and the no-torch rule for environments/."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers import REPO

from constraints import InputError
from environments import ENVIRONMENTS, Environment, ValidationReport, get_environment, validate


def test_registry_names_and_protocol() -> None:
    assert {"sudoku", "sudoku4x4", "countdown"} <= set(ENVIRONMENTS)
    for name in ENVIRONMENTS:
        env = get_environment(name)
        assert isinstance(env, Environment) and env.name == name
    assert get_environment("sudoku4x4").size == 4
    with pytest.raises(InputError, match="valid names: .*countdown.*sudoku"):
        get_environment("chess")


def test_sudoku_report() -> None:
    report = validate("sudoku", "1003\n0300\n3210\n4132", "1243234132144132")
    assert isinstance(report, ValidationReport) and not report.valid and report.environment == "sudoku"
    first = report.violations[0]
    assert first["cells"] == [[0, 1], [2, 1]] and first["step"] is None
    assert first["reason"] == "column 2 repeats 2 at rows 1 and 3" and first["kind"] == "duplicate"
    assert first["constraint"] == "sudoku.columns"
    assert validate(get_environment("sudoku4x4"), "1003030032104132", "1423\n2341\n3214\n4132").valid


def test_countdown_report() -> None:
    env = get_environment("countdown")
    problem = env.parse_problem("86,28,13,31,96")
    report = validate(env, problem, "86+28=114,31-13=18,114-18=95")
    assert [v["step"] for v in report.violations] == [2, 2]
    assert report.model_dump()["valid"] is False
    assert validate(env, problem, ["86+28=114", "31-13=18", "114-18=96"]).valid


def test_bad_problem_is_an_error_bad_plan_is_a_report() -> None:
    with pytest.raises(InputError, match="81 \\(9x9\\) or 16"):
        validate("sudoku", "12", "12")
    report = validate("countdown", "3,4,7", "3+4=7,,garbage")
    assert not report.valid and report.violations[0]["kind"] == "syntax"


def test_environments_never_import_torch() -> None:
    sources = [p for p in (REPO / "environments").rglob("*.py")]
    assert sources
    for path in sources:
        text = path.read_text()
        assert "import torch" not in text and "import transformers" not in text, path
    code = (
        "import sys, environments, environments.validation, dream_agent.cli.validate;"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules, 'torch was imported'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
