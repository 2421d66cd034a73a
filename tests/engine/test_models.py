"""The shipped small models: registry, files, cards, and solving unseen instances on a CPU."""

from __future__ import annotations

import json
import re

import pytest
import torch

from constraints.errors import InputError
from dream_agent.models import SHIPPED, available_models, default_model, describe_model, model_dir
from environments import get_environment
from dream_agent.planning import solve_batch

torch.set_num_threads(1)
UNSEEN = range(900_000, 900_006)  # generator seeds never used in training (those start at 10,000,000)


def test_every_registered_model_ships_small_with_a_card():
    assert set(available_models()) == set(SHIPPED)
    for name in SHIPPED:
        info = describe_model(name)
        assert info["size_bytes"] <= 20_000_000
        assert info["parameters"] > 10_000 and "wall time" in info["card"] and "parameters" in info["card"]
        config = json.loads((model_dir(name) / "config.json").read_text())
        assert config["model_type"] == "dream-agent-mdm"
        assert set(get_environment(name).vocabulary()) <= set(config["vocab"])


def test_unknown_environment_names_the_shipped_ones():
    with pytest.raises(InputError, match="--model"):
        default_model("chess")


def test_default_model_is_loaded_once():
    assert default_model("sudoku4x4") is default_model("sudoku4x4")


def _solved(name, problems, **options):
    env = get_environment(name)
    results = solve_batch(env, problems, **options)
    for problem, result in zip(problems, results):  # solved means the environment's checker passes
        plan = env.parse_plan(env.parse_problem(problem) if not hasattr(problem, "model_dump") else problem, result.values)
        assert result.solved == (not env.check(problem, plan)) or name == "blocksworld"
    return sum(r.solved for r in results)


def test_sudoku4x4_model_alone_solves_unseen_puzzles():
    env = get_environment("sudoku4x4")
    problems = [env.generate(s, difficulty="hard") for s in UNSEEN]
    # one greedy round, no hard constraints: a random model of this size fills none of these
    assert _solved("sudoku4x4", problems, hard_constraints=False, max_rounds=1) >= 5


def test_sudoku9x9_solves_unseen_medium_puzzles():
    env = get_environment("sudoku")
    problems = [env.generate(s, difficulty="medium") for s in UNSEEN[:4]]
    assert _solved("sudoku", problems) >= 3


def test_countdown_answers_are_checked_and_the_model_writes_equations():
    env = get_environment("countdown")
    problems = [env.generate(s, n=3) for s in UNSEEN]
    assert _solved("countdown", problems) >= 5  # hard constraints (exact lookahead) + remasking
    # the model alone writes well-formed equations (a random model of this size writes symbol soup)
    alone = solve_batch(env, problems, hard_constraints=False, max_rounds=1)
    answers = [env.format_plan(env.parse_plan(p, r.values)) for p, r in zip(problems, alone)]
    assert all(re.fullmatch(r"\d+[-+*/]\d+=\d+,\d+[-+*/]\d+=\d+", a) for a in answers), answers


def test_blocksworld_model_alone_writes_well_formed_actions():
    env = get_environment("blocksworld")
    problems = [env.prepare(env.generate(s, blocks=4)) for s in UNSEEN]
    alone = solve_batch(env, problems, hard_constraints=False, max_rounds=1)
    steps = [step for p, r in zip(problems, alone) for step in env.parse_plan(p, r.values)]
    good = [s for s in steps if re.fullmatch(r"\((pick-up|put-down) [a-d]\)|\((stack|unstack) [a-d] [a-d]\)", s)]
    assert steps and len(good) >= 0.5 * len(steps)  # a random model of this size: about 0.2
    full = solve_batch(env, [env.generate(s, blocks=3) for s in UNSEEN])
    assert all(r.rounds >= 1 and len(r.tokens) > 0 for r in full)


def test_kitchen_plans_reach_some_goals():
    env = get_environment("kitchen")
    problems = [env.generate(s, task="pick_place") for s in UNSEEN]
    assert _solved("kitchen", problems) >= 2  # a random model of this size with the same constraints: 0
