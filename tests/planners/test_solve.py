"""Hard constraints from `env.slot_rules` and the env -> PlanResult bridge (`planners.solving`)."""

from __future__ import annotations

import pytest
import torch

from dream_agent.protocols import DiffusionLM
from dream_agent.tiny import TinyConfig, TinyDenoiser, TinyMDM
from dream_agent.vocab_tokenizer import VocabTokenizer
from environments import get_environment
from dream_agent.planning import solve, solve_batch
from environments.countdown.problem import CountdownProblem
from environments.sudoku.problem import SudokuProblem
from planners.options import PlanOptions
from planners.solving import request_for
from planners.value_masks import ValueMasks

torch.set_num_threads(1)


def random_model(env, seed: int = 0) -> DiffusionLM:
    """An untrained tiny MDM over the environment's vocabulary: whatever it solves, the constraints solved."""
    tok = VocabTokenizer(env.vocabulary())
    torch.manual_seed(seed)
    net = TinyMDM(TinyConfig(vocab_size=tok.vocab_size, max_length=192, dim=32, n_layers=1, n_heads=2, ffn_dim=64))
    return DiffusionLM(TinyDenoiser(net, mask_id=tok.mask_id, pad_id=tok.pad_id), tok, "random")


def test_sudoku_allowed_values_follow_rows_columns_boxes_and_singles():
    env = get_environment("sudoku4x4")
    problem = SudokuProblem(size=4, givens="1200" "0000" "0000" "0000")
    partial = {f"r{r}c{c}": None for r in range(4) for c in range(4) if (r, c) not in ((0, 0), (0, 1))}
    rules = env.slot_rules(problem)
    allowed = rules.allowed_values(partial)
    assert allowed["r0c2"] == {"3", "4"} and allowed["r1c0"] == {"3", "4"}
    partial["r0c3"] = "3"
    assert rules.allowed_values(partial)["r0c2"] == {"4"}  # the row's last digit


def test_countdown_allowed_values_are_exact_arithmetic_reaching_the_target():
    env = get_environment("countdown")
    problem = CountdownProblem(numbers=(86, 28, 13, 31), target=96)
    open_ = {f"{p}{i}": None for i in range(3) for p in ("a", "op", "b", "r")}
    partial = {**open_, "a0": "8 6", "op0": "+", "b0": "2 8"}
    allowed = env.slot_rules(problem, tier="search").allowed_values(partial)
    assert allowed["r0"] == {"1 1 4"}
    assert allowed["r2"] == {"9 6"}  # the last result is the target
    # lookahead: after 86+28=114 only the 31, 13 pair can finish (114 - (31 - 13) = 96)
    assert allowed["a1"] <= {"3 1", "1 3", "1 1 4"} and "8 6" not in allowed["a1"]
    # the local tier: the exact result of the committed equation and the target, no lookahead;
    # while r0 is open the numbers available to the next equation are not known: a1 is free
    local = env.slot_rules(problem).allowed_values(partial)
    assert local["r0"] == {"1 1 4"} and local["r2"] == {"9 6"}
    assert "a1" not in local and "op1" not in local
    committed = env.slot_rules(problem).allowed_values({**partial, "r0": "1 1 4"})
    assert committed["a1"] == {"1 3", "3 1", "1 1 4"}


def test_pddl_allowed_values_are_applicable_actions_after_a_committed_prefix():
    env = get_environment("blocksworld")
    problem = env.prepare(env.generate(2, blocks=3))
    slots = [s.name for s in env.template(problem).slots]
    rules = env.slot_rules(problem)
    allowed = rules.allowed_values({name: None for name in slots})
    task = env.task(problem)
    clear = {atom[1] for atom in task.init if atom[0] == "clear"}
    # from the initial state a step picks up or unstacks a clear block, or is empty
    assert allowed["s0.act"] <= {"pick-up", "unstack"}  # no empty step while the goal does not hold
    assert allowed["s0.arg0"] <= clear
    assert rules.allowed_values({name: None for name in slots} | {"s0.act": "pick-up"})["s0.arg1"] == {"_"}


def test_kitchen_allowed_values_keep_arguments_typed():
    env = get_environment("kitchen")
    problem = env.generate(1, task="pick_place")
    slots = [s.name for s in env.template(problem).slots]
    allowed = env.slot_rules(problem).allowed_values({name: None for name in slots} | {"s0_act": "goto"})
    objects = {o.name for o in problem.objects}
    assert allowed["s0_a1"] <= set(problem.layout) - {problem.start} and not allowed["s0_a1"] & objects
    assert allowed["s0_a2"] == {"none"}


def test_hook_masks_every_value_the_environment_rules_out():
    env = get_environment("sudoku4x4")
    model = random_model(env)
    problem = env.parse_problem("1200000000000000")
    canvas = request_for(env, problem, model, PlanOptions()).canvas
    hook = ValueMasks(canvas, rules=[env.slot_rules(problem)])
    x = torch.tensor([canvas.ids])
    logits = hook(0, x, torch.zeros(1, x.shape[1], model.tokenizer.vocab_size))
    allowed_ids = (logits[0] > float("-inf")).nonzero().tolist()
    r0c2 = canvas.slots["r0c2"][0]
    assert {model.tokenizer.tokens[v] for p, v in allowed_ids if p == r0c2} == {"3", "4"}


def test_hard_constraints_make_a_random_model_solve_4x4_sudoku():
    env = get_environment("sudoku4x4")
    problems = [env.generate(s, difficulty="medium") for s in range(4)]
    model = random_model(env)
    free = solve_batch(env, problems, model, hard_constraints=False, max_rounds=1)
    hard = solve_batch(env, problems, model, max_rounds=4)
    assert sum(r.solved for r in hard) == 4 > sum(r.solved for r in free)


def test_blocksworld_step_budget_never_asks_the_oracle():
    env = get_environment("blocksworld")
    problem = env.generate(0, blocks=5)
    assert problem.max_steps is None and env.step_budget(problem) == 16
    assert env.prepare(problem).max_steps == 16
    assert not env._plans  # the oracle was never run


def test_default_steps_is_one_per_open_token():
    env = get_environment("sudoku4x4")
    problem = env.parse_problem("1200000000000000")
    result = solve(env, problem, random_model(env), max_rounds=1)
    assert result.nfe == 14 == len(request_for(env, problem, random_model(env), PlanOptions()).canvas.open_positions)


def test_solve_uses_the_shipped_model_by_default():
    env = get_environment("sudoku4x4")
    result = solve(env, "1000000240030000")
    assert result.solved and not result.violations and result.nfe >= 1 and result.rounds == 1


def test_unknown_options_are_refused():
    env = get_environment("sudoku4x4")
    with pytest.raises(ValueError, match="bogus"):
        solve(env, "1000000240030000", bogus=1)
