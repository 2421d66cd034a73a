"""Every entry point builds the same run from the same request: CLI, Python and the planner runnable."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

import dream_agent
from dream_agent.cli import _register, app
from dream_agent.runnables import DiffusionPlanner
from planners import PlanOptions

torch.set_num_threads(1)
# a medium 9x9 puzzle: the shipped model needs more than one round on it at some settings
PUZZLE = "530070000600195000098000060800060003400803001700020006060000280000419005000080079"
SETTINGS = [
    {},  # the defaults, declared once in PlanOptions / SamplingOptions
    {"steps": 20, "max_rounds": 2, "seed": 3},
    {"alg": "topk_margin", "temperature": 0.5, "seed": 7, "max_rounds": 3, "hard_constraints": False},
]
FLAGS = {"steps": "--steps", "max_rounds": "--max-rounds", "seed": "--seed", "alg": "--alg",
         "temperature": "--temperature"}


def _cli(options: dict) -> dict:
    _register()
    args = ["solve", "sudoku", PUZZLE, "--json"]
    for name, value in options.items():
        args += ["--no-hard-constraints"] if name == "hard_constraints" else [FLAGS[name], str(value)]
    out = CliRunner().invoke(app, args)
    assert out.exit_code in (0, 1), out.output
    obj = json.loads(out.stdout)
    return {"plan": obj["solution"], "nfe": obj["nfe"], "rounds": obj["rounds"], "solved": obj["solved"]}


def _python(options: dict) -> dict:
    env = dream_agent.get_environment("sudoku")
    result = dream_agent.solve(env, PUZZLE, **options)
    plan = env.format_plan(env.parse_plan(env.parse_problem(PUZZLE), result.values))
    return {"plan": plan, "nfe": result.nfe, "rounds": result.rounds, "solved": result.solved}


def _runnable(options: dict) -> dict:
    out = DiffusionPlanner("sudoku", **options).invoke(PUZZLE)
    return {"plan": out.plan, "nfe": out.nfe, "rounds": out.rounds, "solved": out.solved}


@pytest.mark.parametrize("options", SETTINGS, ids=["defaults", "budget", "sampled"])
def test_cli_python_and_runnable_run_the_same(options):
    python = _python(options)
    assert _cli(options) == python
    assert _runnable(options) == python


def test_per_call_configurable_gives_the_same_run_as_constructor_options():
    options = {"steps": 20, "max_rounds": 2, "seed": 3}
    planner = DiffusionPlanner("sudoku")
    out = planner.invoke(PUZZLE, config={"configurable": options})
    assert {"plan": out.plan, "nfe": out.nfe, "rounds": out.rounds, "solved": out.solved} == _python(options)


def test_first_round_takes_one_step_per_open_token_unless_the_environment_recommends_a_threshold():
    blanks = PUZZLE.count("0")
    assert PlanOptions().sampling.steps is None and PlanOptions.from_mapping({}) == PlanOptions()
    plain = dream_agent.solve("sudoku", PUZZLE, max_rounds=1, keep_trace=True, steps=blanks)  # one token a step
    steps = [e.step for e in plain.trace if e.kind == "step" and e.round == 1]
    assert max(steps) + 1 == blanks == plain.nfe
    small = "1003030032104132"  # 4x4: no recommended threshold, so unset steps mean one per open token
    result = dream_agent.solve("sudoku4x4", small, max_rounds=1, keep_trace=True)
    assert max(e.step for e in result.trace if e.kind == "step") + 1 == small.count("0") == result.nfe
    default = dream_agent.solve("sudoku", PUZZLE, max_rounds=1, keep_trace=True)  # 9x9: its threshold
    assert default.solved and plain.solved and default.nfe < blanks


def test_unset_candidates_are_the_environment_recommendation_at_every_entry_point(monkeypatch, tmp_path):
    import planners.solving
    from dream_agent.batch import run as run_batch

    seen: list[int | None] = []
    real = planners.solving.refine_batch

    def spy(model, requests, *, options, on_step=None):
        seen.append(options.candidates)
        return real(model, requests, options=options, on_step=on_step)

    monkeypatch.setattr(planners.solving, "refine_batch", spy)
    env = dream_agent.get_environment("kitchen")
    problem = env.generate(0)  # what `plan kitchen` generates by default
    python = dream_agent.solve(env, problem, max_rounds=1)
    runnable = DiffusionPlanner("kitchen", max_rounds=1).invoke(problem)
    _register()
    cli = json.loads(CliRunner().invoke(app, ["plan", "kitchen", "--max-rounds", "1", "--json"]).stdout)
    lines, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    lines.write_text(json.dumps({"id": "k", "env": "kitchen", "problem": problem.model_dump(mode="json"),
                                 "options": {"max_rounds": 1}}) + "\n")
    run_batch("solve", lines, out)
    batch = json.loads(out.read_text().splitlines()[0])
    assert env.recommended_candidates > 1 and seen == [env.recommended_candidates] * 4
    plan = env.format_plan(env.parse_plan(env.prepare(problem), python.values))
    for other in (runnable.plan, cli["plan"], batch["plan"]):
        assert other == plan
    assert python.nfe == runnable.nfe == cli["nfe"] == batch["nfe"]
    seen.clear()
    CliRunner().invoke(app, ["plan", "kitchen", "--max-rounds", "1", "--candidates", "1", "--json"])
    dream_agent.solve(env, problem, max_rounds=1, candidates=1)
    assert seen == [1, 1]  # an explicit number is kept
