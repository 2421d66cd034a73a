"""`dream-agent solve`, `plan` and `models`: JSON shapes, exit codes, traces, bad input."""

from __future__ import annotations

import json

import pytest
import torch
import typer
from helpers import REPO, SHARED_DATA
from typer.testing import CliRunner

from dream_agent.cli import models as models_command
from dream_agent.cli import plan as plan_command
from dream_agent.cli import solve as solve_command

torch.set_num_threads(1)
BLOCKS_DOMAIN = REPO / "environments" / "blocksworld" / "data" / "blocksworld-4ops.pddl"
SUMMARY = {"solved", "nfe", "rounds", "seconds", "violations", "constraints"}
ACTION_PLAN = SUMMARY | {"plan", "removed_steps"}  # action plans also count the detours dropped


@pytest.fixture(scope="module")
def runner_app() -> tuple[CliRunner, typer.Typer]:
    app = typer.Typer()

    @app.callback()
    def main() -> None:  # keeps the commands named
        pass

    for module in (models_command, plan_command, solve_command):
        module.register(app)
    return CliRunner(), app


def run(runner_app, *args: str):
    runner, app = runner_app
    return runner.invoke(app, list(args))


def test_solve_sudoku_json(runner_app):
    out = run(runner_app, "solve", "sudoku", "1000000240030000", "--json")
    assert out.exit_code == 0, out.output
    obj = json.loads(out.stdout)
    assert set(obj) == SUMMARY | {"solution"}
    assert obj["solved"] is True and len(obj["solution"]) == 16 and obj["solution"][0] == "1"


def test_solve_sudoku_9x9_with_dots_and_options(runner_app):
    puzzle = "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79"
    out = run(runner_app, "solve", "sudoku", puzzle, "--json", "--max-rounds", "4", "--seed", "1")
    obj = json.loads(out.stdout)
    assert out.exit_code == 0 and obj["solved"] is True and len(obj["solution"]) == 81  # measured: solved in 1 round
    assert obj["solution"].startswith("534678912")


def test_solve_countdown_json_is_arithmetic_checked(runner_app):
    out = run(runner_app, "solve", "countdown", "--numbers", "44,15,79", "--target", "50", "--json")
    obj = json.loads(out.stdout)
    assert set(obj) == SUMMARY | {"answer"}
    assert out.exit_code == 0 and obj["solved"] is True
    assert obj["answer"].count("=") == 2 and obj["answer"].endswith("=50")


@pytest.mark.parametrize("args, needle", [
    (["solve", "sudoku", "12345", "--json"], "16"),
    (["solve", "sudoku", "1000000240030000", "--alg", "bogus"], "bogus"),
    (["solve", "sudoku", "1000000240030000", "--steps", "0"], "--steps"),
    (["solve", "sudoku", "1000000240030000", "--trace", "out.txt"], ".png"),
    (["solve", "countdown", "--numbers", "1,x", "--target", "3"], "x"),
    (["plan", "--domain", "nowhere.pddl", "--problem", "nowhere.pddl"], "nowhere.pddl"),
    (["plan", "kitchen", "--task", "juggle"], "juggle"),
    (["plan", "chess"], "chess"),
])
def test_bad_input_is_one_line_and_exit_2(runner_app, args, needle):
    out = run(runner_app, *args)
    assert isinstance(out.exception, SystemExit), repr(out.exception)  # CliRunner keeps tracebacks out of the output
    assert out.exit_code == 2 and needle in out.output


def test_trace_picture_is_written(runner_app, tmp_path):
    path = tmp_path / "trace.png"
    out = run(runner_app, "solve", "sudoku", "1000000240030000", "--trace", str(path))
    assert out.exit_code == 0 and path.stat().st_size > 1000
    gif = tmp_path / "trace.gif"
    out = run(runner_app, "solve", "countdown", "--numbers", "44,15,79", "--target", "50", "--trace", str(gif))
    assert out.exit_code == 0 and gif.read_bytes()[:3] == b"GIF"


def test_plan_blocksworld_pddl_uses_the_shipped_model(runner_app, tmp_path):
    problem = tmp_path / "p.pddl"
    problem.write_text("(define (problem p) (:domain blocksworld-4ops) (:objects a b c)"
                       " (:init (handempty) (ontable a) (ontable b) (on c a) (clear b) (clear c))"
                       " (:goal (and (on a b))))")
    out = run(runner_app, "plan", "--domain", str(BLOCKS_DOMAIN), "--problem", str(problem), "--json")
    obj = json.loads(out.stdout)
    assert set(obj) == ACTION_PLAN and out.exit_code == 0 and obj["solved"] is True
    assert obj["plan"][-1] == "(stack a b)"  # a starts under c and must end on b
    kept = json.loads(run(runner_app, "plan", "--domain", str(BLOCKS_DOMAIN), "--problem", str(problem), "--json",
                          "--no-shorten").stdout)
    assert kept["removed_steps"] == 0 and len(kept["plan"]) == len(obj["plan"]) + obj["removed_steps"]


@pytest.mark.skipif(not (SHARED_DATA / "pddl" / "gripper").is_dir(), reason="needs ../shared/data/pddl (absent in this clone)")
def test_plan_other_domain_without_a_model_names_the_option(runner_app):
    gripper = SHARED_DATA / "pddl" / "gripper"
    out = run(runner_app, "plan", "--domain", str(gripper / "domain.pddl"), "--problem", str(gripper / "prob01.pddl"))
    assert out.exit_code == 2 and "--model" in out.output and "no shipped model" in out.output


def test_plan_kitchen_json(runner_app):
    out = run(runner_app, "plan", "kitchen", "--task", "pick_place", "--task-seed", "3", "--json", "--max-rounds", "2")
    obj = json.loads(out.stdout)
    assert set(obj) == ACTION_PLAN | {"instruction"} and out.exit_code == 0 and obj["solved"] is True
    assert obj["plan"][-1] == "place(bowl, dishwasher)"
    assert obj["instruction"] and all("(" in step for step in obj["plan"])


@pytest.fixture(scope="module")
def untrained_assembly(tmp_path_factory):
    from dream_agent.training import train

    return train("assembly", 0, tmp_path_factory.mktemp("assembly"), progress=False, evaluate=False)


def test_plan_assembly_with_a_model_reports_the_checkers_verdict(runner_app, untrained_assembly):
    from environments import get_environment

    env = get_environment("assembly")
    out = run(runner_app, "plan", "assembly", "--task-seed", "2", "--parts", "4", "--model", str(untrained_assembly.out_dir),
              "--json", "--max-rounds", "1")
    obj = json.loads(out.stdout)
    assert set(obj) == ACTION_PLAN and len(obj["plan"]) >= 1
    problem = env.generate(2, n_parts=4)
    assert len(problem.parts) == 4
    assert obj["solved"] == (env.check(problem, obj["plan"]) == []) and out.exit_code == (0 if obj["solved"] else 1)


def test_plan_assembly_runs_the_shipped_model_without_a_model_option(runner_app):
    from environments import get_environment

    out = run(runner_app, "plan", "assembly", "--task-seed", "3", "--parts", "3", "--json")
    obj = json.loads(out.stdout)
    problem = get_environment("assembly").generate(3, n_parts=3)
    assert obj["constraints"] == "local" and obj["solved"] == (get_environment("assembly").check(problem, obj["plan"]) == [])


@pytest.mark.parametrize("args, needle", [
    (["plan", "assembly", "--parts", "17", "--model", "."], "n_parts must be 1-16, got 17"),
    (["plan", "chess"], "unknown planning target 'chess'; allowed: kitchen, assembly, or none with --domain/--problem"),
])
def test_plan_assembly_bad_input_is_one_line(runner_app, args, needle):
    out = run(runner_app, *args)
    assert out.exit_code == 2 and needle in out.output, out.output


def test_models_lists_cards(runner_app):
    out = run(runner_app, "models", "--json")
    assert out.exit_code == 0
    models = {m["env"]: m for m in json.loads(out.stdout)["models"]}
    assert "sudoku4x4" in models and models["sudoku4x4"]["card"].startswith("# sudoku4x4")
    human = run(runner_app, "models")
    assert "sudoku4x4" in human.output and "params" in human.output
