"""The shipped gripper model plans unseen generated gripper problems; an untrained model of its shape does not."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
import torch

from dream_agent.models import pddl_model_dir
from dream_agent.planning import pddl_environment, solve_batch
from dream_agent.tiny import TinyMDM, load_tiny, read_tiny_config, save_tiny
from environments.pddl.generators import gripper_problem

SHIPPED = pddl_model_dir("gripper-strips")
GRIPPER = Path(__file__).resolve().parents[2] / "environments" / "pddl" / "data" / "gripper.pddl"
pytestmark = pytest.mark.skipif(SHIPPED is None, reason="the gripper model is not in this checkout")
N = 12
# Measured with bench/pddl_models.py at local + remasking: see docs/pddl.md. These problems are
# generator seeds 500..511, never used in training (training seeds start at 1,000,000).
FLOOR = 0.75  # the trained model
CEILING = 0.25  # the untrained control


def _problems() -> list[str]:
    rng = random.Random(500)
    return [gripper_problem(500 + i, rng.randint(3, 8), rng.randint(2, 3)) for i in range(N)]


def _rate(model_dir) -> float:
    env, _ = pddl_environment(GRIPPER.read_text(), model_dir)
    torch.set_num_threads(1)
    results = solve_batch(env, [env.parse_problem(p) for p in _problems()], load_tiny(model_dir))
    for r in results:
        if r.solved:
            assert not r.violations
    return sum(r.solved for r in results) / N


def test_the_shipped_gripper_model_plans_unseen_problems():
    assert _rate(SHIPPED) >= FLOOR


def test_an_untrained_model_of_the_same_shape_does_not(tmp_path):
    config, tokenizer = read_tiny_config(SHIPPED)
    torch.manual_seed(0)
    save_tiny(TinyMDM(config), tokenizer, tmp_path)
    shutil.copy(SHIPPED / "domain.json", tmp_path / "domain.json")
    assert _rate(tmp_path) <= CEILING
