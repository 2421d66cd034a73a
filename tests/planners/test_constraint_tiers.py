"""Constraint tiers: none (the model alone), local (committed tokens only), search (look-ahead), named everywhere."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

import dream_agent
from constraints import InputError
from dream_agent.cli import _register, app
from dream_agent.runnables import DiffusionPlanner
from environments import ENVIRONMENTS, get_environment
from planners import PlanOptions, ValueMasks
from planners.solving import request_for

torch.set_num_threads(1)


def test_plan_options_take_a_tier_and_read_hard_constraints_as_its_synonym():
    assert PlanOptions().constraints == "local"
    assert PlanOptions.of(hard_constraints=False).constraints == "none"
    assert PlanOptions.of(hard_constraints=True).constraints == "local"
    assert PlanOptions.of(constraints="search").replace(hard_constraints=False).constraints == "none"
    with pytest.raises(InputError, match="constraints must be one of none, local, search"):
        PlanOptions.of(constraints="all")
    with pytest.raises(InputError, match="not both"):
        PlanOptions.of(constraints="search", hard_constraints=False)


@pytest.mark.parametrize("name", sorted(ENVIRONMENTS))
def test_every_environment_offers_both_tiers_and_refuses_others(name):
    env = get_environment(name)
    problem = env.prepare(env.generate(1))
    for tier in ("local", "search"):
        env.slot_rules(problem, "compact", tier)  # no error
    with pytest.raises(InputError, match="local, search"):
        env.slot_rules(problem, "compact", "none")


def test_sudoku_local_rules_see_committed_peers_only_search_propagates_singles():
    env = get_environment("sudoku4x4")
    # row 0 needs 3 and 4; column 2 already holds a 4, so r0c2 = 3 and then r0c3 = 4 (a naked single)
    problem = env.parse_problem("1200" "0000" "0040" "0000")
    partial = {f"r{r}c{c}": None for r in range(4) for c in range(4) if problem.givens[r * 4 + c] == "0"}
    local = env.slot_rules(problem, tier="local").allowed_values(partial)
    search = env.slot_rules(problem, tier="search").allowed_values(partial)
    assert local["r0c2"] == {"3"} and local["r0c3"] == {"3", "4"}
    assert search["r0c2"] == {"3"} and search["r0c3"] == {"4"}  # only propagation finds this


def test_tier_none_enforces_no_value_set():
    env = get_environment("sudoku4x4")
    problem = env.parse_problem("1200000000000000")
    model = dream_agent.default_model("sudoku4x4")
    vocab = model.tokenizer.vocab_size
    allowed = {}
    for tier in ("none", "local"):
        request = request_for(env, problem, model, PlanOptions.of(constraints=tier))
        masks = ValueMasks(request.canvas, rules=[request.rules], choices=[request.choices])
        logits = masks(0, torch.tensor([request.canvas.ids]), torch.zeros(1, len(request.canvas.ids), vocab))
        allowed[tier] = int((logits[0, request.canvas.slots["r0c2"][0]] > float("-inf")).sum())
    assert allowed == {"none": vocab, "local": 2}  # every token (the loop itself bars the mask) / digits 3 and 4


def test_the_tier_is_reported_by_the_cli_python_and_the_runnable():
    _register()
    runner = CliRunner()
    for flags, tier in ((["--constraints", "search"], "search"), (["--no-hard-constraints"], "none"), ([], "local")):
        out = runner.invoke(app, ["solve", "sudoku", "1000000240030000", "--json", *flags])
        assert json.loads(out.stdout)["constraints"] == tier, out.output
    out = runner.invoke(app, ["solve", "sudoku", "1000000240030000", "--constraints", "local", "--no-hard-constraints"])
    assert out.exit_code == 2 and "contradicts" in out.stderr
    out = runner.invoke(app, ["solve", "sudoku", "1000000240030000", "--constraints", "all"])
    assert out.exit_code == 2 and out.stderr.strip() == "error: --constraints must be one of none, local, search, got 'all'"
    assert DiffusionPlanner("sudoku4x4", constraints="search").invoke("1000000240030000").constraints == "search"
