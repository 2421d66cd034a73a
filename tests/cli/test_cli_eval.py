"""`dream-agent eval dream` on a random-weight Dream checkpoint: table, JSON, files and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from helpers import CD4, REPO, SUDOKU, build_small_dream
from typer.testing import CliRunner

from dream_agent.cli import eval as eval_command


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    eval_command.register(app)
    return app


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    return build_small_dream(tmp_path_factory.mktemp("m") / "Dream-v0-Base-random")


def test_json_and_files(app, model_dir, tmp_path) -> None:
    args = ["eval", "dream", "--model", str(model_dir), "--task", "countdown", "--data", str(CD4), "--shots", "1",
            "--limit", "1", "--steps", "4,8", "--out", str(tmp_path), "--json", "--no-plot"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [(r["setting"], r["budget"]) for r in report["rows"]] == [("baseline", 4), ("layer", 4), ("baseline", 8), ("layer", 8)]
    assert report["prompt_style"] == "plain" and report["shots"] == 1
    assert all(r["nfe"] <= r["budget"] for r in report["rows"])
    assert Path(report["files"]["markdown"]).is_file() and "plot" not in report["files"]


def test_markdown_table(app, model_dir) -> None:
    args = ["eval", "dream", "--model", str(model_dir), "--task", "sudoku4x4", "--data", str(SUDOKU), "--shots", "0",
            "--limit", "1", "--steps", "3", "--setting", "layer"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| task | setting | budget |") and lines[2].startswith("| sudoku4x4 | layer | 3 | 1 |")


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--task", "chess"], "unknown --task 'chess'; valid: sudoku4x4, countdown, blocksworld"),
        (["--task", "sudoku4x4", "--steps", "8,x"], "--steps must be integers"),
        (["--task", "sudoku4x4", "--setting", "best"], "unknown --setting 'best'"),
        (["--task", "sudoku4x4", "--remask", "all"], "unknown --remask 'all'; valid: blamed, blamed_plus_lowconf"),
        (["--task", "sudoku4x4", "--data", "/no/such.jsonl"], "data file not found: /no/such.jsonl"),
        (["--task", "sudoku4x4", "--data", str(SUDOKU), "--shots", "3"], "nothing left to score"),
    ],
)
def test_bad_input_is_one_line_exit_2(app, model_dir, extra, message) -> None:
    result = CliRunner().invoke(app, ["eval", "dream", "--model", str(model_dir), *extra])
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # CliRunner keeps tracebacks out of the output
    assert result.exit_code == 2 and message in result.output


def test_instruct_models_get_the_chat_prompt(app, model_dir, tmp_path) -> None:
    # the path names the model, as in a download cache: models--Dream-org--Dream-v0-Instruct-7B/snapshots/<hash>
    link = tmp_path / "models--Dream-org--Dream-v0-Instruct-7B" / "snapshots" / "0123abc"
    link.parent.mkdir(parents=True)
    link.symlink_to(model_dir, target_is_directory=True)
    args = ["eval", "dream", "--model", str(link), "--task", "sudoku4x4", "--data", str(SUDOKU), "--shots", "0",
            "--limit", "1", "--steps", "2", "--setting", "baseline", "--remask", "blamed_plus_lowconf", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["prompt_style"] == "chat" and report["remask"] == "blamed_plus_lowconf"


@pytest.mark.parametrize("task", ["sudoku4x4", "countdown", "blocksworld"])
def test_runs_without_data_option(app, model_dir, task) -> None:
    # the default files ship with the package
    args = ["eval", "dream", "--model", str(model_dir), "--task", task, "--shots", "0", "--limit", "1",
            "--steps", "2", "--setting", "baseline", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["task"] == task and report["data"] == "default" and report["items"] == 1


def test_registered_in_the_console_app() -> None:
    out = subprocess.run([sys.executable, "-m", "dream_agent.cli", "eval", "dream", "--help"], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "--task" in out.stdout and "--steps" in out.stdout
