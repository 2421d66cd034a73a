"""Dropping a valid plan's detours (`environments.shortening`, `PlanOptions.shorten`)."""

from __future__ import annotations

import pytest
import torch
from scripted_lm import ScriptedDenoiser

from constraints.violation import Violation
from dream_agent.planning import solve
from dream_agent.protocols import DiffusionLM
from dream_agent.vocab_tokenizer import VocabTokenizer
from environments import get_environment
from environments.shortening import without_detours
from planners.compile import compile_template, decode_slots, fill_tokens
from planners.options import PlanOptions

TWO_BLOCKS = ("(define (problem two) (:domain blocksworld-4ops) (:objects a b)"
              " (:init (handempty) (ontable a) (ontable b) (clear a) (clear b)) (:goal (and (on a b))))")
DETOUR = ["(pick-up b)", "(put-down b)", "(pick-up a)", "(stack a b)"]


class Drafts(ScriptedDenoiser):
    """Always drafts the same canvas: every position's logits point at `target`'s token."""

    max_length = 256

    def __init__(self, tok: VocabTokenizer, target: tuple[int, ...]) -> None:
        super().__init__(tok)
        self.target = torch.tensor(target)

    def score(self, x: torch.Tensor) -> torch.Tensor:
        logits = torch.zeros(*x.shape, self.vocab)
        logits[:, torch.arange(x.shape[1]), self.target] = 10.0
        return logits


@pytest.fixture()
def blocks_and_model():
    env = get_environment("blocksworld")
    problem = env.prepare(env.parse_problem(TWO_BLOCKS))
    tok = VocabTokenizer(env.vocabulary())
    canvas = compile_template(env.template(problem, "compact"), tok)
    target = fill_tokens(canvas, env.plan_to_values(problem, DETOUR, "compact"))
    return env, problem, DiffusionLM(Drafts(tok, target), tok, "drafts"), canvas


def test_a_pick_up_undone_goes_with_the_steps_that_needed_it():
    env = get_environment("blocksworld")
    problem = env.parse_problem(TWO_BLOCKS)
    assert env.check(problem, DETOUR) == []
    assert env.shorten(problem, DETOUR) == ["(pick-up a)", "(stack a b)"]
    assert env.shorten(problem, ["(pick-up a)", "(stack a b)"]) == ["(pick-up a)", "(stack a b)"]
    broken = ["(pick-up b)", "(stack a b)"]
    assert env.shorten(problem, broken) == broken  # an invalid plan is not the shortener's to mend


def test_a_step_needed_later_is_kept_and_an_unmet_goal_stops_a_removal():
    def check(plan):  # reach 2 with "+" and "-", never below 0
        at = 0
        for i, step in enumerate(plan):
            at += 1 if step == "+" else -1
            if at < 0:
                return [Violation("floor", "below 0", steps=(i,))]
        return [] if at == 2 else [Violation("goal", "not at 2")]

    assert without_detours(check, ["+", "+"]) == ["+", "+"]
    assert without_detours(check, ["+", "+", "-", "+"]) == ["+", "+", "-", "+"]  # no single removal (+ cascade) is valid
    assert without_detours(check, ["+", "-", "+", "-", "+", "+"]) == ["+", "+"]


def test_kitchen_plans_lose_their_detours_too():
    env = get_environment("kitchen")
    problem = env.generate(3, task="pick_place")
    plan = env.solve(problem)
    assert plan[0] == "goto(fridge)"
    detour = [plan[0], "goto(sink)", *plan]  # to the sink and back before opening the fridge
    assert env.check(problem, detour) == []
    assert env.shorten(problem, detour) == plan


def test_solve_returns_the_shorter_plan_and_counts_what_it_dropped(blocks_and_model):
    env, problem, model, canvas = blocks_and_model
    result = solve(env, problem, model, options=PlanOptions.of(candidates=1, max_rounds=1))
    assert result.solved and result.removed_steps == 2
    assert env.parse_plan(problem, result.values) == ["(pick-up a)", "(stack a b)"]
    assert decode_slots(canvas, result.tokens) == result.values  # tokens, values and text agree
    assert "put-down" not in result.text and result.to_dict()["removed_steps"] == 2

    drafted = solve(env, problem, model, options=PlanOptions.of(candidates=1, max_rounds=1, shorten=False))
    assert drafted.solved and drafted.removed_steps == 0
    assert env.parse_plan(problem, drafted.values) == DETOUR


def test_shorten_must_be_a_boolean():
    from constraints.errors import InputError

    with pytest.raises(InputError, match="shorten must be true or false"):
        PlanOptions.of(shorten="yes")
