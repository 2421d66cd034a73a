"""`dream-agent train pddl`: a model for the user's own domain, its domain record, exact resume, refusal elsewhere."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from typer.testing import CliRunner

from dream_agent.cli import _register, app
from dream_agent.models import model_dir
from dream_agent.training.pddl import train_pddl
from dream_agent.tiny import read_tiny_config

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pddl"
LIGHTS, LIGHTS_PROBLEM = FIXTURES / "lights-domain.pddl", FIXTURES / "lights-problem.pddl"
DOORS, DOORS_PROBLEM = FIXTURES / "doors-domain.pddl", FIXTURES / "doors-problem.pddl"
FAST = ["--examples", "200", "--threads", "1", "--no-eval"]


def _invoke(*args: str):
    _register()
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def lights_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("lights") / "model"
    result = _invoke("train", "pddl", "--domain", str(LIGHTS), "--problem", str(LIGHTS_PROBLEM), "--out", str(out),
                     "--steps", "6", "--json", *FAST)
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)


def test_train_pddl_writes_a_model_that_knows_its_domain(lights_model):
    out, summary = lights_model
    assert summary["steps"] == 6 and summary["examples"] > 100
    record = json.loads((out / "domain.json").read_text())
    assert record["domain"] == "lights" and len(record["fingerprint"]) == 16 and record["problems"] == ["lights-3"]
    assert record["max_steps"] >= 3  # the given problem needs 3 steps; walks reach at least as far
    config, tokenizer = read_tiny_config(out)
    assert {"turn-on", "turn-off", "o0", f"o{record['object_pool'] - 1}"} <= set(tokenizer.tokens)
    assert "kitchen" not in tokenizer.tokens  # objects are read as tokens, whatever their names
    card = (out / "card.md").read_text()
    assert "`lights`" in card and record["fingerprint"] in card and "train pddl --domain" in card


def test_plan_with_the_model_speaks_the_problems_object_names(lights_model):
    out, _ = lights_model
    result = _invoke("plan", "--domain", str(LIGHTS), "--problem", str(LIGHTS_PROBLEM), "--model", str(out), "--json")
    assert result.exit_code in (0, 1), result.output
    answer = json.loads(result.stdout)
    assert answer["constraints"] == "local" and answer["plan"]
    assert all(re.fullmatch(r"\((turn-on|turn-off) (kitchen|hall|porch)\)", step) for step in answer["plan"])


def test_a_model_of_another_domain_is_refused_in_one_line(lights_model):
    out, _ = lights_model
    result = _invoke("plan", "--domain", str(DOORS), "--problem", str(DOORS_PROBLEM), "--model", str(out))
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "trained for the PDDL domain 'lights'" in lines[0] and "'doors'" in lines[0]


def test_a_model_not_trained_for_pddl_is_refused():
    result = _invoke("plan", "--domain", str(DOORS), "--problem", str(DOORS_PROBLEM), "--model", str(model_dir("sudoku4x4")))
    assert result.exit_code == 2 and "domain.json" in result.output


def test_a_domain_without_a_model_asks_for_one():
    result = _invoke("plan", "--domain", str(DOORS), "--problem", str(DOORS_PROBLEM))
    assert result.exit_code == 2 and "--model DIR" in result.output and "blocksworld" in result.output


def test_steps_zero_is_the_untrained_control_of_the_same_shape(lights_model, tmp_path):
    out, _ = lights_model
    result = _invoke("train", "pddl", "--domain", str(LIGHTS), "--problem", str(LIGHTS_PROBLEM), "--out",
                     str(tmp_path / "ctl"), "--steps", "0", *FAST)
    assert result.exit_code == 0, result.output
    assert read_tiny_config(tmp_path / "ctl")[0] == read_tiny_config(out)[0]
    assert json.loads((tmp_path / "ctl" / "domain.json").read_text()) == json.loads((out / "domain.json").read_text())


def test_resume_is_exact(tmp_path):
    domain, problem = LIGHTS.read_text(), LIGHTS_PROBLEM.read_text()
    common = dict(seed=2, examples=120, progress=False, evaluate=False, threads=1, checkpoint_every=3, batch_size=8)
    whole = train_pddl(domain, [problem], tmp_path / "a", 6, **common)
    part = train_pddl(domain, [problem], tmp_path / "b", 6, stop_after=3, **common)
    assert part.steps == 3
    resumed = train_pddl(domain, [problem], tmp_path / "b", 6, resume=True, **common)
    assert resumed.losses == whole.losses
    a, b = load_file(str(tmp_path / "a" / "model.safetensors")), load_file(str(tmp_path / "b" / "model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_train_pddl_needs_its_files(tmp_path):
    result = _invoke("train", "pddl", "--domain", str(LIGHTS), "--out", str(tmp_path / "m"))
    assert result.exit_code == 2 and "--problem" in result.output
    result = _invoke("train", "sudoku4x4", "--domain", str(LIGHTS), "--out", str(tmp_path / "m"))
    assert result.exit_code == 2 and "train pddl" in result.output


def test_the_domain_record_sets_how_many_candidates_plan_runs(lights_model, tmp_path):
    from dream_agent.planning import pddl_environment

    out, _ = lights_model
    record = json.loads((out / "domain.json").read_text())
    assert record["candidates"] == 8
    assert pddl_environment(LIGHTS.read_text(), out)[0].recommended_candidates == 8
    assert pddl_environment(LIGHTS.read_text(), out)[0].max_tokens == read_tiny_config(out)[0].max_length  # budgets fit it
    copy = tmp_path / "model"
    shutil.copytree(out, copy)
    (copy / "domain.json").write_text(json.dumps({k: v for k, v in record.items() if k != "candidates"}))
    assert pddl_environment(LIGHTS.read_text(), copy)[0].recommended_candidates == 1  # a record from before the field
    (copy / "domain.json").write_text(json.dumps({**record, "candidates": 0}))
    result = _invoke("plan", "--domain", str(LIGHTS), "--problem", str(LIGHTS_PROBLEM), "--model", str(copy))
    assert result.exit_code == 2 and "candidates must be a positive integer, got 0" in result.output
    (copy / "domain.json").write_text(json.dumps({**record, "relaxed_ratio": "wide"}))
    result = _invoke("plan", "--domain", str(LIGHTS), "--problem", str(LIGHTS_PROBLEM), "--model", str(copy))
    assert result.exit_code == 2 and "relaxed_ratio must be a number" in result.output


def test_plan_suffixes_restart_part_way_and_stay_shortest():
    import random

    from environments.pddl import PDDLEnvironment, PDDLProblem
    from environments.pddl.checks import check_plan
    from environments.pddl.generators import gripper_problem
    from dream_agent.training.pddl import plan_suffixes

    data = Path(__file__).resolve().parents[2] / "environments" / "pddl" / "data"
    env = PDDLEnvironment((data / "gripper.pddl").read_text())
    problem = PDDLProblem(pddl=gripper_problem(5, 4, 2))
    plan = env.solve(problem)
    suffixes = plan_suffixes(env, problem, plan, random.Random(0), 4)
    assert len(suffixes) == 4 and len({p.pddl for p, _ in suffixes}) == 4
    for restarted, rest in suffixes:
        assert rest == plan[len(plan) - len(rest):] and 0 < len(rest) < len(plan)
        assert env.task(restarted).init != env.task(problem).init
        assert not check_plan(env.task(restarted), rest)  # valid from where it starts
        assert len(env.solve(restarted)) == len(rest)  # and still a shortest plan


def test_the_examples_can_come_from_the_fast_downward_oracle(tmp_path):
    pytest.importorskip("up_fast_downward")
    out = tmp_path / "fd"
    result = _invoke("train", "pddl", "--domain", str(LIGHTS), "--problem", str(LIGHTS_PROBLEM), "--out", str(out),
                     "--steps", "2", "--json", "--examples", "20", "--threads", "1", "--no-eval", "--oracle", "fast-downward")
    assert result.exit_code == 0, result.output
    card = (out / "card.md").read_text(encoding="utf-8")
    assert "oracle (fast-downward," in card and "--oracle fast-downward" in card
    bad = _invoke("train", "pddl", "--domain", str(LIGHTS), "--problem", str(LIGHTS_PROBLEM), "--out", str(tmp_path / "x"),
                  "--oracle", "ff", *FAST)
    assert bad.exit_code == 2 and "unknown oracle 'ff'; allowed: astar, bfs, fast-downward" in bad.output
    other = _invoke("train", "sudoku", "--oracle", "bfs", "--out", str(tmp_path / "y"))
    assert other.exit_code == 2 and "belong to `train pddl`" in other.output


def test_gripper_objects_are_named_by_kind_and_a_resumed_run_keeps_its_naming(tmp_path):
    from environments.pddl.generators import gripper_problem

    domain = (Path(__file__).resolve().parents[2] / "environments" / "pddl" / "data" / "gripper.pddl").read_text()
    problem = gripper_problem(5, 3, 2)
    common = dict(examples=40, progress=False, evaluate=False, threads=1, batch_size=4)
    train_pddl(domain, [problem], tmp_path / "kinds", 0, goal_view="split", **common)
    record = json.loads((tmp_path / "kinds" / "domain.json").read_text())
    assert (record["object_names"], record["object_order"], record["goal_view"]) == ("kinds", "sorted", "split")
    assert 1.0 <= record["relaxed_ratio"] < 3.0  # optimal plans run longer than relaxed ones, not much
    assert {"ball0", "room0", "gripper0", "held"} <= set(read_tiny_config(tmp_path / "kinds")[1].tokens)
    part = train_pddl(domain, [problem], tmp_path / "types", 4, stop_after=2, object_kinds=False, object_order="drawn",
                      checkpoint_every=1, **common)
    assert part.steps == 2
    resumed = train_pddl(domain, [problem], tmp_path / "types", 4, resume=True, goal_view="split", **common)  # kinds, sorted
    record = json.loads((tmp_path / "types" / "domain.json").read_text())
    assert resumed.steps == 4 and (record["object_names"], record["object_order"], record["goal_view"]) == ("types", "drawn", "whole")


def test_train_pddl_refuses_an_unknown_object_naming(tmp_path):
    result = _invoke("train", "pddl", "--domain", str(LIGHTS), "--problem", str(LIGHTS_PROBLEM), "--out",
                     str(tmp_path / "m"), "--object-names", "colours", *FAST)
    assert result.exit_code == 2 and "kinds, types" in result.output
    result = _invoke("train", "pddl", "--domain", str(LIGHTS), "--problem", str(LIGHTS_PROBLEM), "--out",
                     str(tmp_path / "m"), "--object-order", "bogus", *FAST)
    assert result.exit_code == 2 and "unknown --object-order 'bogus'; allowed: drawn, sorted" in result.output
    result = _invoke("train", "pddl", "--domain", str(LIGHTS), "--problem", str(LIGHTS_PROBLEM), "--out",
                     str(tmp_path / "m"), "--goal-view", "open", *FAST)
    assert result.exit_code == 2 and "unknown --goal-view 'open'; allowed: whole, split" in result.output
