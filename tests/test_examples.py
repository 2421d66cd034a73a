"""Smoke test: every example runs offline and prints what it promises.

Each runs as a user runs it, `python examples/NAME.py` from a directory outside the repository
with no path added, so it finds the packages only through their installation (`pip install -e .`).
The planner examples get small random-weight checkpoints (saved as real model directories), so
this checks the plumbing, not plan quality.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import REPO

from dream_agent.tiny import save_tiny

EXAMPLES = REPO / "examples"
PACKAGES = ("dream_agent", "planners", "environments", "constraints")
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}  # the caller's environment: no path to the repository is added


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory) -> str:
    """A working directory outside the repository."""
    return str(tmp_path_factory.mktemp("user"))


@pytest.fixture(scope="module")
def run(elsewhere) -> Callable[..., str]:
    """`run(NAME, *ARGS)`: `python examples/NAME ARGS` from outside the repository; its standard output.

    First it checks that, from there, the interpreter finds this checkout's packages, not nothing and
    not another copy installed elsewhere.
    """
    code = "import importlib; print('\\n'.join(importlib.import_module(p).__file__ for p in %r))" % (PACKAGES,)
    found = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=ENV, capture_output=True, text=True,
                           timeout=120)
    assert found.returncode == 0, f"the packages are not installed (pip install -e .): {found.stderr[-2000:]}"
    for package, file in zip(PACKAGES, found.stdout.split()):
        assert Path(file).resolve().is_relative_to(REPO), f"{package} is imported from {file}, not from {REPO}"

    def run_example(name: str, *args: str) -> str:
        done = subprocess.run([sys.executable, str(EXAMPLES / name), *args], cwd=elsewhere, env=ENV,
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    return run_example


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory, tiny_model) -> dict[str, str]:
    root = tmp_path_factory.mktemp("models")
    out = {}
    for env_name in ("sudoku4x4", "kitchen"):
        lm = tiny_model(env_name)
        out[env_name] = str(save_tiny(lm.denoiser.model, lm.tokenizer, root / env_name))
    return out


def test_examples_are_flat_short_and_documented():
    files = sorted(EXAMPLES.glob("*.py"))
    assert len(files) >= 5
    for file in files:
        text = file.read_text()
        assert len(text.splitlines()) < 80, file.name
        assert text.startswith('"""') and f"python examples/{file.name}" in text, file.name
        assert "sys.path" not in text, f"{file.name} edits the import path; it should need only the install"


def test_planner_runnable(model_dirs, run):
    out = run("planner_runnable.py", "--model", model_dirs["sudoku4x4"], "--steps", "4")
    assert "invoke: solved=" in out and out.count("batch:") == 3 and "stream:" in out
    assert "config: max_rounds=1 -> rounds=1" in out and "draft:" in out


def test_planner_runnable_on_the_shipped_model(run):
    from dream_agent.models import available_models

    if "sudoku4x4" not in available_models():
        pytest.skip("no shipped sudoku4x4 model in this checkout")
    out = run("planner_runnable.py", "--steps", "16")
    assert "invoke: solved=True" in out and out.count("solved=True") >= 4


def test_tool_in_agent(model_dirs, run):
    out = run("tool_in_agent.py", "--model", model_dirs["sudoku4x4"])
    assert "planner -> " in out and "validator -> " in out and "bad input -> status=error" in out


def test_tool_in_agent_on_the_shipped_model(run):
    from dream_agent.models import available_models

    if "sudoku4x4" not in available_models():
        pytest.skip("no shipped sudoku4x4 model in this checkout")
    out = run("tool_in_agent.py")
    assert "planner -> 'solved" in out and "validator -> 'valid'" in out


def test_langgraph_kitchen(model_dirs, run):
    out = run("langgraph_kitchen.py", "--model", model_dirs["kitchen"])
    assert "[HumanMessage]" in out and "The validator" in out and "node: solved=" in out


def test_langgraph_kitchen_on_the_shipped_model(run):
    from dream_agent.models import available_models

    if "kitchen" not in available_models():
        pytest.skip("no shipped kitchen model in this checkout")
    out = run("langgraph_kitchen.py", "--seed", "1")
    assert "The validator accepts this plan." in out and "node: solved=" in out


def test_structured_output(run):
    out = run("structured_output.py", "--steps", "8")
    assert "instance: KitchenStep(" in out and "raw JSON: {" in out


def test_validation_pipeline(run):
    out = run("validation_pipeline.py")
    verdicts = [line.split(": ", 1)[1].split(":")[0] for line in out.splitlines()[:5]]
    assert verdicts == ["valid", "invalid", "valid", "valid", "invalid"]  # seed 1's swapped cells, the dropped step
    assert "torch loaded: False" in out
