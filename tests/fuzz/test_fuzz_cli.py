"""Generated command lines through the real entry point: exit 0, 1 or 2; bad input is exactly one
`error:` line on stderr; never a traceback, never a hang.

Most lines run in one subprocess (`cli_driver.py`, `dream_agent.cli.main` with sys.argv patched), a
few as `python -m dream_agent.cli`; the long run (`-m slow`) draws many more. Lines are drawn from a
seeded random generator, so a failure names the seed and the line and reproduces.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

DRIVER = Path(__file__).with_name("cli_driver.py")
DOMAIN = REPO / "environments" / "blocksworld" / "data" / "blocksworld-4ops.pddl"
PROBLEM = REPO / "dream_agent" / "dream_eval" / "datasets" / "planbench" / "blocksworld" / "generated_basic" / "instance-1.pddl"

COMMANDS = [
    ["solve", "sudoku"], ["solve", "countdown"], ["solve"], ["plan"], ["plan", "kitchen"], ["validate"],
    ["validate", "sudoku"], ["validate", "countdown"], ["infill"], ["models"], ["eval", "dream"],
    ["batch", "validate"], ["batch", "solve"], ["batch", "plan"], ["train"], [], ["bogus"], ["--help"],
]
FLAGS = [
    "--steps", "--alg", "--threshold", "--max-rounds", "--seed", "--model", "--constraints", "--no-hard-constraints",
    "--candidates", "--trace", "--temperature", "--json", "--numbers", "--target", "--domain", "--problem", "--plan",
    "--max-steps", "--task", "--task-seed", "--objects", "--puzzle", "--solution", "--answer", "--card", "--input",
    "--output", "--engine", "--workers", "--batch-size", "--env", "--device", "--dtype", "--task", "--data", "--limit",
    "--shots", "--setting", "--rounds", "--remask", "--help", "--bogus", "-x",
]
DEEP = "[" * 3000 + "]" * 3000


def values(files: dict[str, str]) -> list[str]:
    """Values for any flag or argument: numbers at and past their bounds, junk, paths, deep JSON."""
    return [
        "0", "1", "-1", "2", "7", "1000001", str(10**30), "1e999", "nan", "inf", "-0.5", "0.5", "abc", "", " ",
        "entropy", "maskgit_plus", "none", "local", "search", "sudoku", "countdown", "kitchen", "assembly", "pddl",
        "tidy", "cpu", "cuda", "float32", "int8", "ray", "local",
        "1200340000000000", "0" * 81, "1" * 81, "86,28,13,31", "96", "86+28=114,31-13=18,114-18=96", "1+1=2," * 500,
        "(pick-up a)", "(pick-up " + "b" * 300 + ")", "(move roomb rooma)b034ow+bc", "{a|b,c}", '{"puzzle": ' + DEEP + "}",
        DEEP, '{"numbers": [1, 2], "target": 3}', "/tmp/" + "a" * 300, "/nonexistent/x.pddl", "é∂ƒ", "--", "-",
        *files.values(),
    ]


def good_lines(files: dict[str, str]) -> list[list[str]]:
    """Command lines that succeed (exit 0 or 1); the fuzz changes one of their words."""
    return [
        ["solve", "sudoku", "1200340000000000", "--json"],
        ["solve", "countdown", "--numbers", "3,4,5", "--target", "12", "--max-rounds", "2"],
        ["validate", "sudoku", "--puzzle", "1200340000000000", "--solution", "1234341221434321"],
        ["validate", "countdown", "--numbers", "3,4", "--target", "7", "--answer", "3+4=7", "--json"],
        ["validate", "--domain", files["domain"], "--problem", files["problem"], "--plan", files["plan"]],
        ["plan", "kitchen", "--json", "--max-rounds", "1"],
        ["models", "--json"],
        ["batch", "validate", "--input", files["lines"], "--output", files["output"]],
    ]


def draw(rng: random.Random, files: dict[str, str]) -> list[str]:
    """One command line: a good one with one word changed or a flag added, or a command then flags and
    values in any order (flags mostly followed by a value)."""
    pool = values(files)
    if rng.random() < 0.4:
        args = list(rng.choice(good_lines(files)))
        if rng.random() < 0.5:
            args[rng.randrange(len(args))] = rng.choice(pool)
        else:
            args += [rng.choice(FLAGS), rng.choice(pool)]
        return args
    args = list(rng.choice(COMMANDS))
    for _ in range(rng.randint(0, 6)):
        if rng.random() < 0.6:
            args.append(rng.choice(FLAGS))
        args.append(rng.choice(pool))
    if args[:1] == ["train"]:  # never a real training run: zero steps, no evaluation, last flags win
        args += ["--steps", "0", "--no-eval", "--out", files["out"]]
    return args


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    """Inputs the lines may name, in a folder of their own (lines may also write there)."""
    root = tmp_path_factory.mktemp("cli-fuzz")
    shutil.copy(DOMAIN, root / "domain.pddl")
    shutil.copy(PROBLEM, root / "problem.pddl")
    (root / "plan.txt").write_text("(pick-up b)\n(stack b a)\n")
    (root / "kitchen.json").write_text('{"a":' * 3000 + "1" + "}" * 3000)
    (root / "lines.jsonl").write_text('{"id": 1, "env": "countdown", "numbers": "3,4", "target": 7, "answer": "3+4=7"}\n'
                                      "not json\n" + "[" * 5000 + "\n")
    (root / "binary.bin").write_bytes(b"\xff\xfe\x00" * 10)
    return {"domain": str(root / "domain.pddl"), "problem": str(root / "problem.pddl"), "plan": str(root / "plan.txt"),
            "kitchen": str(root / "kitchen.json"), "lines": str(root / "lines.jsonl"), "binary": str(root / "binary.bin"),
            "folder": str(root), "out": str(root / "out"), "trace": str(root / "t.png"), "output": str(root / "o.jsonl")}


def run_driver(lines: list[list[str]], cwd: str, timeout: int) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    done = subprocess.run([sys.executable, str(DRIVER)], input=json.dumps(lines), capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(row) for row in done.stdout.splitlines()]


def assert_contract(row: dict) -> None:
    """Exit 0, 1 or 2; exit 2 is one `error:` line; no traceback anywhere."""
    where = f"dream-agent {' '.join(a[:60] for a in row['args'])}"
    assert row["escaped"] is None, f"{where}\n{row['escaped']}"
    assert row["code"] in (0, 1, 2, None), (where, row["code"], row["stderr"][-2000:])
    assert "Traceback" not in row["stderr"], (where, row["stderr"][-2000:])
    if row["code"] == 2:
        lines = row["stderr"].splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (where, row["stderr"][-2000:])


@pytest.mark.parametrize("seed, count", [(0, 40), pytest.param(1, 400, marks=pytest.mark.slow),
                                         pytest.param(2, 400, marks=pytest.mark.slow)])
def test_generated_command_lines(files, seed: int, count: int) -> None:
    rng = random.Random(seed)
    lines = [draw(rng, files) for _ in range(count)]
    rows = run_driver(lines, files["folder"], timeout=120 + 10 * count)
    assert len(rows) == count
    for row in rows:
        assert_contract(row)
    assert {row["code"] for row in rows} >= {0, 2}  # the draw reaches good runs and bad input


@pytest.mark.parametrize("args", [
    ["validate", "--domain", "/tmp/" + "a" * 300, "--problem", "p", "--plan", "(x)"],
    ["solve", "sudoku", '{"puzzle": ' + DEEP + "}"],
    ["solve", "sudoku", "1200340000000000", "--max-rounds", "100000"],
    ["batch", "validate", "--input", "x", "--output", "y", "--batch-size", str(10**6)],
])
def test_real_processes(args: list[str], tmp_path) -> None:
    """The installed entry point as a process: what the driver's in-process run stands in for."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "dream_agent.cli", *args], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=120)
    assert_contract({"args": args, "code": done.returncode, "stderr": done.stderr, "escaped": None})
    assert done.returncode == 2 and done.stdout == ""
