"""The CLI's bad-input contract, through the real command: one `error:` line on stderr, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

from constraints.errors import InputError
from dream_agent.cli.common import check_output_file, check_output_folder

PUZZLE = "1200340000000000"  # a 4x4 Sudoku the shipped model solves


def run_cli(*args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "dream_agent.cli", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def assert_one_line_error(result: subprocess.CompletedProcess, *needles: str) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert result.stdout == ""
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("args, needles", [
    (["solve", "sudoku", PUZZLE, "--steps", "abc"], ["--steps"]),
    (["solve", "countdown", "--numbers", "1,2"], ["--target"]),
    (["solve", "sudoku", PUZZLE, "--bogus"], ["--bogus"]),
    (["solve", "sudoku"], ["puzzle"]),
    (["bogus"], ["bogus"]),
    (["solve", "sudoku", PUZZLE, "--seed"], ["--seed"]),
    (["eval", "dream", "--task", "countdown"], ["--model"]),
])
def test_usage_errors_are_one_line(args: list[str], needles: list[str]) -> None:
    assert_one_line_error(run_cli(*args), *needles)


def test_a_good_run_still_exits_zero() -> None:
    result = run_cli("solve", "sudoku", PUZZLE, "--json")
    assert result.returncode == 0 and result.stderr == "" and '"solved": true' in result.stdout


def test_help_still_exits_zero() -> None:
    for args in ([], ["--help"], ["solve"], ["solve", "sudoku", "--help"]):
        result = run_cli(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert "Usage" in result.stdout and "Traceback" not in result.stderr, args


def test_trace_into_a_folder_fails_before_solving(tmp_path: Path) -> None:
    (tmp_path / "somedir.png").mkdir()
    line = assert_one_line_error(run_cli("solve", "sudoku", PUZZLE, "--trace", tmp_path / "somedir.png"), "--trace")
    assert "is a folder" in line


@pytest.mark.parametrize("name, message", [
    ("missing/trace.png", "does not exist"),
    ("trace.txt", ".png or .gif"),
    ("file.txt/trace.gif", "does not exist"),
])
def test_bad_trace_paths(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / "file.txt").write_text("x")
    assert_one_line_error(run_cli("solve", "sudoku", PUZZLE, "--trace", tmp_path / name), "--trace", message)


def test_other_output_paths_are_checked_first(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x")
    assert_one_line_error(run_cli("eval", "dream", "--model", tmp_path, "--task", "countdown",
                                  "--out", tmp_path / "file.txt" / "results"), "--out", "is a file")
    assert_one_line_error(run_cli("train", "sudoku4x4", "--steps", "1", "--log", tmp_path), "--log", "is a folder")


class TestCheckOutputFile:
    def test_accepts_a_new_or_existing_file(self, tmp_path: Path) -> None:
        assert check_output_file(tmp_path / "a.png", (".png",), option="--trace") == tmp_path / "a.png"
        (tmp_path / "b.GIF").write_text("")
        check_output_file(tmp_path / "b.GIF", (".png", ".gif"), option="--trace")
        check_output_file(tmp_path / "log", option="--log")

    @pytest.mark.parametrize("name, match", [
        ("dir.png", "is a folder; name a file"),
        ("nowhere/a.png", "folder .*nowhere' does not exist"),
        ("a.jpg", r"must name a \.png or \.gif file"),
    ])
    def test_refuses(self, tmp_path: Path, name: str, match: str) -> None:
        (tmp_path / "dir.png").mkdir()
        with pytest.raises(InputError, match=match):
            check_output_file(tmp_path / name, (".png", ".gif"), option="--trace")

    @pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere")
    def test_refuses_an_unwritable_folder(self, tmp_path: Path) -> None:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(InputError, match="not writable"):
                check_output_file(locked / "a.png", (".png",), option="--trace")
            with pytest.raises(InputError, match="not writable"):
                check_output_folder(locked / "out", option="--out")
        finally:
            locked.chmod(0o700)


class TestCheckOutputFolder:
    def test_accepts_missing_and_existing_folders(self, tmp_path: Path) -> None:
        check_output_folder(tmp_path, option="--out")
        check_output_folder(tmp_path / "new" / "deeper", option="--out")

    def test_refuses_a_file_on_the_way(self, tmp_path: Path) -> None:
        (tmp_path / "f").write_text("")
        with pytest.raises(InputError, match="is a file, not a folder"):
            check_output_folder(tmp_path / "f", option="--out")
        with pytest.raises(InputError, match="is a file, not a folder"):
            check_output_folder(tmp_path / "f" / "sub", option="--out")


@pytest.mark.parametrize("args, needles", [
    (["--pattern", "x=(a|b)*a(a|b){20}", "numbers {x:<=4} target 7"], ["slot 'x'", "too complex", "10,000 states"]),
    (["--pattern", "x=a{100000}", "numbers {x:<=4} target 7"], ["--pattern x", "too large", "2,000"]),
    (["numbers {x:<=4~((a{40}){40}){40}} target 7"], ["template column 9", "too large"]),
])
def test_patterns_past_their_limits_are_one_line(args: list[str], needles: list[str]) -> None:
    """A regex whose automaton would blow up is refused in bounded time (the run's timeout is 120 s)."""
    assert_one_line_error(run_cli("infill", "--model", REPO / "dream_agent" / "models" / "countdown", *args), *needles)
