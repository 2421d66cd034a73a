"""`dream-agent batch` and `dream_agent.batch.run` with the local engine: fields, bad lines, resume, kills."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import typer
from typer.testing import CliRunner

from dream_agent.batch import BatchSummary, run
from dream_agent.batch.lines import resume
from dream_agent.cli import batch as batch_command
from dream_agent.cli import plan as plan_command
from dream_agent.cli import solve as solve_command
from dream_agent.cli import validate as validate_command
from dream_agent.runnables import PlanValidator

torch.set_num_threads(1)
from helpers import REPO  # noqa: E402
BLOCKS_DOMAIN = REPO / "environments" / "blocksworld" / "data" / "blocksworld-4ops.pddl"
BLOCKS_PROBLEM = ("(define (problem p) (:domain blocksworld-4ops) (:objects a b c)"
                  " (:init (handempty) (ontable a) (ontable b) (on c a) (clear b) (clear c)) (:goal (and (on a b))))")
SUDOKU4 = ["1000000240030000", "1200340000000000", "0000000240030000", "1003030032104132"]
SOLVED4 = "1423234132144132"  # the solution of 1003030032104132


@pytest.fixture(scope="module")
def cli() -> tuple[CliRunner, typer.Typer]:
    app = typer.Typer()

    @app.callback()
    def main() -> None:  # keeps the commands named
        pass

    for module in (batch_command, plan_command, solve_command, validate_command):
        module.register(app)
    return CliRunner(), app


def invoke(cli, *args: str | Path):
    runner, app = cli
    return runner.invoke(app, [str(a) for a in args])


def write_lines(path: Path, rows: list, extra: str = "") -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + extra, encoding="utf-8")
    return path


def read_out(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def by_id(rows: list[dict]) -> dict:
    return {row["id"]: row for row in rows}


def without_seconds(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("id", "seconds")}


class TestFields:
    """Each line carries what the single command prints with --json."""

    def test_solve_and_plan_lines_equal_the_single_commands(self, cli, tmp_path):
        problem = tmp_path / "p.pddl"
        problem.write_text(BLOCKS_PROBLEM)
        lines = write_lines(tmp_path / "in.jsonl", [
            {"id": "s", "env": "sudoku", "problem": SUDOKU4[0]},  # a 4x4 puzzle under "sudoku", as `solve sudoku` takes it
            {"id": "c", "env": "countdown", "problem": "44,15,79,50", "options": {"max_rounds": 2}},
            {"id": "b", "env": "blocksworld", "problem": str(problem)},
        ])
        out = invoke(cli, "batch", "solve", "--input", lines, "--output", tmp_path / "out.jsonl", "--batch-size", "1")
        assert out.exit_code == 0, out.output
        rows = by_id(read_out(tmp_path / "out.jsonl"))
        singles = {
            "s": invoke(cli, "solve", "sudoku", SUDOKU4[0], "--json"),
            "c": invoke(cli, "solve", "countdown", "--numbers", "44,15,79", "--target", "50", "--max-rounds", "2", "--json"),
            "b": invoke(cli, "plan", "--domain", BLOCKS_DOMAIN, "--problem", problem, "--json"),
        }
        for key, single in singles.items():
            assert without_seconds(rows[key]) == without_seconds(json.loads(single.stdout)), key

    def test_validate_lines_equal_the_single_command_and_the_validator(self, cli, tmp_path):
        wrong = SOLVED4[:-1] + "1"
        requests = [
            {"id": 1, "env": "sudoku4x4", "puzzle": SUDOKU4[3], "solution": SOLVED4},
            {"id": 2, "puzzle": SUDOKU4[3], "solution": wrong},  # the --env default
            {"id": 3, "env": "countdown", "numbers": "86,28,13,31", "target": 96, "answer": "86+28=114,31-13=18,114-18=96"},
        ]
        lines = write_lines(tmp_path / "in.jsonl", requests)
        out = invoke(cli, "batch", "validate", "--input", lines, "--output", tmp_path / "out.jsonl", "--env", "sudoku")
        assert out.exit_code == 0, out.output
        rows = by_id(read_out(tmp_path / "out.jsonl"))
        single = invoke(cli, "validate", "sudoku", "--puzzle", SUDOKU4[3], "--solution", wrong, "--json")
        assert {k: v for k, v in rows[2].items() if k != "id"} == json.loads(single.stdout)
        assert rows[1]["valid"] and not rows[2]["valid"] and rows[3]["valid"]
        validator = PlanValidator("sudoku")  # as --env
        for request in requests:
            verdict = validator.invoke({k: v for k, v in request.items() if k != "id"})
            assert verdict == {k: rows[request["id"]][k] for k in ("valid", "violations")}

    def test_pddl_validation_reads_files(self, tmp_path):
        from environments import get_environment

        env = get_environment("blocksworld")
        problem = env.generate(0)
        (tmp_path / "p.pddl").write_text(problem.pddl)
        (tmp_path / "plan.txt").write_text("\n".join(env.format_plan(env.solve(problem))))
        request = {"domain": str(BLOCKS_DOMAIN), "problem": str(tmp_path / "p.pddl"), "plan": str(tmp_path / "plan.txt")}
        lines = write_lines(tmp_path / "in.jsonl", [{"id": "ok", **request}, {"id": "short", **request, "plan": "(pick-up a)"}])
        run("validate", lines, tmp_path / "out.jsonl")
        rows = by_id(read_out(tmp_path / "out.jsonl"))
        assert rows["ok"]["valid"] and not rows["short"]["valid"]


class TestBadLines:
    def test_every_bad_line_gets_an_error_line_and_the_batch_goes_on(self, tmp_path):
        rows = [
            {"id": "ok", "env": "sudoku4x4", "problem": SUDOKU4[0]},
            {"id": "env", "env": "chess", "problem": "x"},
            {"id": "opt", "env": "sudoku4x4", "problem": SUDOKU4[0], "options": {"stepz": 3}},
            {"id": "val", "env": "sudoku4x4", "problem": SUDOKU4[0], "options": {"max_rounds": 0}},
            {"id": "prob", "env": "sudoku4x4", "problem": "12345"},
            {"id": "key", "env": "sudoku4x4", "problem": SUDOKU4[0], "puzzle": "x"},
            {"env": "sudoku4x4", "problem": SUDOKU4[0]},
            {"id": [1], "env": "sudoku4x4"},
        ]
        lines = write_lines(tmp_path / "in.jsonl", rows, extra="{not json\n\n[1, 2]\n")
        summary = run("solve", lines, tmp_path / "out.jsonl", options={"max_rounds": 2})
        out = read_out(tmp_path / "out.jsonl")
        assert summary.processed == len(out) == 10 and summary.errors == 9
        named = by_id([r for r in out if r["id"] is not None])
        assert named["ok"]["solved"] and "error" not in named["ok"]
        for key, needle in [("env", "chess"), ("opt", "stepz"), ("val", "max_rounds"), ("prob", "16"), ("key", "puzzle")]:
            assert needle in named[key]["error"], named[key]
        unknown = sorted((r["line"], r["error"]) for r in out if r["id"] is None)
        assert [n for n, _ in unknown] == [7, 8, 9, 11]  # no id, a list id, not JSON, not an object (line 10 is blank)
        assert "no \"id\"" in unknown[0][1] and "not JSON" in unknown[2][1]

    def test_duplicate_ids_are_answered_once(self, tmp_path):
        rows = [{"id": i % 2, "env": "sudoku4x4", "puzzle": SUDOKU4[3], "solution": SOLVED4} for i in range(5)]
        summary = run("validate", write_lines(tmp_path / "in.jsonl", rows), tmp_path / "out.jsonl")
        assert summary.duplicates == 3 and summary.processed == 2
        assert sorted(r["id"] for r in read_out(tmp_path / "out.jsonl")) == [0, 1]

    @pytest.mark.parametrize("args, needle", [
        (["--input", "missing.jsonl", "--output", "OUT"], "missing.jsonl"),
        (["--input", "IN", "--output", "OUT", "--engine", "spark"], "spark"),
        (["--input", "IN", "--output", "OUT", "--workers", "0"], "--workers"),
        (["--input", "IN", "--output", "OUT", "--batch-size", "0"], "--batch-size"),
        (["--input", "IN", "--output", "OUT", "--ray-address", "auto"], "--engine ray"),
        (["--input", "IN", "--output", "nowhere/out.jsonl"], "nowhere"),
    ])
    def test_bad_command_input_is_one_line_and_exit_2(self, cli, tmp_path, monkeypatch, args, needle):
        monkeypatch.chdir(tmp_path)
        write_lines(tmp_path / "IN", [{"id": 1, "env": "sudoku4x4", "problem": SUDOKU4[0]}])
        out = invoke(cli, "batch", "solve", *args)
        assert isinstance(out.exception, SystemExit), repr(out.exception)  # CliRunner keeps tracebacks out of the output
        assert out.exit_code == 2
        assert out.output.count("error: ") == 1 and needle in out.output, out.output
        assert not (tmp_path / "OUT").exists()

    def test_an_unknown_subcommand_through_the_real_command(self, tmp_path):
        out = subprocess.run([sys.executable, "-m", "dream_agent.cli", "batch", "frobnicate", "--input", "IN"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=120,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
        assert out.returncode == 2 and out.stdout == "", out.stderr
        assert len(out.stderr.splitlines()) == 1 and out.stderr.startswith("error: ") and "frobnicate" in out.stderr


class TestResume:
    def test_a_torn_last_line_is_dropped_and_only_missing_ids_run(self, tmp_path):
        rows = [{"id": f"v{i}", "env": "sudoku4x4", "puzzle": SUDOKU4[3], "solution": SOLVED4} for i in range(6)]
        lines = write_lines(tmp_path / "in.jsonl", rows)
        output = tmp_path / "out.jsonl"
        kept = '{"id": "v0", "environment": "sudoku4x4", "valid": true, "violations": []}\n' \
               '{"id": "v3", "line": 4, "error": "kept as it was"}\n'
        output.write_text(kept + '{"id": "v1", "environment": "sudo')
        summary = run("validate", lines, output)
        text = output.read_text()
        assert text.startswith(kept)
        assert sorted(r["id"] for r in read_out(output)) == [f"v{i}" for i in range(6)]
        assert summary.resumed == 2 and summary.processed == 4
        again = run("validate", lines, output)
        assert again.processed == 0 and again.resumed == 6 and output.read_text() == text

    def test_unknown_ids_resume_by_line_number(self, tmp_path):
        lines = write_lines(tmp_path / "in.jsonl", [{"id": "a", "env": "countdown", "numbers": "3,4", "target": 7,
                                                     "answer": "3+4=7"}], extra="oops\n")
        run("validate", lines, tmp_path / "out.jsonl")
        assert run("validate", lines, tmp_path / "out.jsonl").processed == 0
        assert len(read_out(tmp_path / "out.jsonl")) == 2

    def test_an_output_that_is_not_a_result_file_is_refused(self, tmp_path):
        (tmp_path / "out.jsonl").write_text("hello\n{}\n")
        with pytest.raises(ValueError, match="line 1"):
            resume(tmp_path / "out.jsonl")

    def test_a_killed_run_resumes_with_every_id_once(self, tmp_path):
        rows = [{"id": i, "env": "sudoku4x4", "problem": SUDOKU4[i % 4], "options": {"seed": i}} for i in range(40)]
        lines = write_lines(tmp_path / "in.jsonl", rows)
        output = tmp_path / "out.jsonl"
        args = [sys.executable, "-m", "dream_agent.cli", "batch", "solve", "--input", str(lines), "--output",
                str(output), "--batch-size", "1"]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not output.exists() or output.read_text().count("\n") < 3):
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        first = output.read_text().count("\n")
        assert 3 <= first < 40, first  # killed mid-run
        done = subprocess.run(args + ["--json"], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout)
        assert summary["resumed"] == first and summary["processed"] == 40 - first and summary["errors"] == 0
        ids = [r["id"] for r in read_out(output)]
        assert sorted(ids) == list(range(40))


class TestRun:
    def test_summary_progress_and_json(self, cli, tmp_path):
        rows = [{"id": i, "env": "sudoku4x4", "problem": SUDOKU4[i % 4]} for i in range(6)]
        lines = write_lines(tmp_path / "in.jsonl", rows)
        calls: list[tuple[int, int]] = []
        summary = run("solve", lines, tmp_path / "out.jsonl", batch_size=4, on_progress=lambda d, t: calls.append((d, t)))
        assert isinstance(summary, BatchSummary) and summary.processed == 6 and summary.errors == 0
        assert calls[0] == (0, 6) and calls[-1] == (6, 6) and len(calls) == 7
        assert all(r["solved"] for r in read_out(tmp_path / "out.jsonl"))
        out = invoke(cli, "batch", "plan", "--input", lines, "--output", tmp_path / "again.jsonl", "--json")
        summary = json.loads(out.stdout)
        assert out.exit_code == 0 and summary["processed"] == 6 and summary["command"] == "plan"
        assert set(summary) >= {"lines", "resumed", "duplicates", "processed", "errors", "seconds", "rate"}

    def test_two_worker_processes_give_the_same_plans(self, tmp_path):
        rows = [{"id": i, "env": "sudoku4x4", "problem": SUDOKU4[i % 4]} for i in range(8)]
        rows += [{"id": "v", "env": "sudoku4x4", "puzzle": SUDOKU4[3], "solution": SOLVED4}]
        lines = write_lines(tmp_path / "in.jsonl", rows)
        run("solve", lines, tmp_path / "one.jsonl", batch_size=2)
        summary = run("solve", lines, tmp_path / "two.jsonl", batch_size=2, workers=2)
        assert summary.workers == 2 and summary.processed == 9
        one, two = by_id(read_out(tmp_path / "one.jsonl")), by_id(read_out(tmp_path / "two.jsonl"))
        assert {k: without_seconds(v) for k, v in one.items()} == {k: without_seconds(v) for k, v in two.items()}

    def test_validation_needs_no_langchain(self, tmp_path):
        lines = write_lines(tmp_path / "in.jsonl", [{"id": 1, "env": "sudoku4x4", "puzzle": SUDOKU4[3],
                                                     "solution": SOLVED4}])
        script = ("import sys; sys.modules['langchain_core'] = None; sys.modules['langgraph'] = None\n"
                  "from dream_agent.cli import main\n"
                  f"main(['batch', 'validate', '--input', {str(lines)!r}, '--output', {str(tmp_path / 'o.jsonl')!r}])")
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
        assert out.returncode == 0, out.stderr
        assert read_out(tmp_path / "o.jsonl")[0]["valid"]


def test_a_deeply_nested_line_is_an_error_line_not_a_crash() -> None:
    from dream_agent.batch.lines import parse_line

    line = parse_line(4, '{"id": 1, "problem": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert line.request is None and line.error == "line 4: nests deeper than 64 levels"
