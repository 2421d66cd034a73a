"""Tests for environments.blocksworld: registry, generator, PlanBench instances, English wording."""

import json

import pytest
from helpers import SHARED_DATA

from constraints.errors import InputError
from environments import ENVIRONMENTS, Environment, get_environment
from environments.blocksworld import Blocksworld, action_to_english, english_to_action, load_planbench, read_english_plan

PLANBENCH = SHARED_DATA / "planbench" / "blocksworld"
needs_planbench = pytest.mark.skipif(not PLANBENCH.is_dir(), reason=f"PlanBench data not found at {PLANBENCH} (../shared/data/planbench)")
ENV = Blocksworld()


def test_registered_and_implements_the_protocol():
    assert ENVIRONMENTS["blocksworld"] is Blocksworld
    env = get_environment("blocksworld")
    assert isinstance(env, Environment) and env.name == "blocksworld"
    with pytest.raises(ValueError, match="blocksworld"):
        get_environment("nope")


@pytest.mark.parametrize("blocks", [3, 4, 5, 6])
def test_generator_is_seeded_and_solvable(blocks):
    a, b = ENV.generate(7, blocks=blocks), ENV.generate(7, blocks=blocks)
    assert a == b and a != ENV.generate(8, blocks=blocks)
    task = ENV.task(a)
    assert len(task.objects) == blocks and not task.is_goal(task.init)
    plan = ENV.solve(a)
    assert plan and ENV.check(a, plan) == []
    assert len(ENV.search(a, "astar").plan) == len(plan)  # A* with h_max and BFS are both optimal
    assert set(ENV.template(a).fill(ENV.plan_to_values(a, plan)).split()) <= set(ENV.vocabulary())


def test_generator_rejects_bad_sizes():
    with pytest.raises(InputError, match="blocks must be"):
        ENV.generate(0, blocks=40)


def test_english_wording_round_trip():
    for name, args in [("pick-up", ("a",)), ("put-down", ("e",)), ("stack", ("b", "c")), ("unstack", ("l", "m"))]:
        assert english_to_action(action_to_english(name, args)) == "(" + " ".join((name, *args)) + ")"
    assert action_to_english("unstack", ("a", "c")) == "unstack the red block from on top of the orange block"
    assert english_to_action("Pick up the purple block.") == "pick up the purple block"  # kept for blaming
    text = "[PLAN]\nunstack the blue block from on top of the orange block\nput down the blue block\n[PLAN END]"
    assert read_english_plan(text) == ["(unstack b c)", "(put-down b)"]
    problem = ENV.parse_problem(
        "(define (problem p) (:domain blocksworld-4ops) (:objects b c) (:init (handempty) (on b c) (ontable c) (clear b))"
        " (:goal (and (on c b))))"
    )
    plan = ["unstack the blue block from on top of the orange block", "put down the blue block", "pick up the orange block"]
    assert ENV.check(problem, plan + ["stack the orange block on top of the blue block"]) == []
    assert ENV.check(problem, "\n".join(plan + ["stack the orange block on top of the blue block"])) == []
    [bad, _] = ENV.check(problem, plan[:2] + ["stack the orange block on top of the blue block"])
    assert bad.kind == "precondition" and bad.reason == "step 3 (stack c b): (holding c) is false"


def test_bad_problem_input():
    with pytest.raises(InputError, match="syntax error"):
        ENV.parse_problem("(define (problem p) (:domain blocksworld-4ops)")
    with pytest.raises(InputError, match="fields: pddl"):
        ENV.parse_problem({"text": "x"})


@needs_planbench
def test_planbench_reference_plans_and_prompts():
    items = load_planbench(PLANBENCH)
    assert len(items) == 501 and all(plan for _, _, plan in items)
    by_name = {name: (problem, plan) for name, problem, plan in items}
    rows = [json.loads(line) for line in (PLANBENCH / "task1_zero_shot_nl.jsonl").read_text().splitlines()]
    for row in rows[::5]:
        problem, plan = by_name[f"instance-{row['instance_id']}.pddl"]
        assert plan == row["ground_truth_plan"] and ENV.check(problem, plan) == []
        statement = row["query_nl"].split("[STATEMENT]\n")[1].split("\n\nWhat is")[0]
        assert ENV.describe(problem) == statement
    for name, problem, plan in items[::25]:  # the optimal planner is never longer than the reference
        if plan:
            assert len(ENV.solve(problem)) <= len(plan)


@needs_planbench
def test_planbench_three_block_set_solves():
    items = load_planbench(PLANBENCH, three_blocks=True)
    assert len(items) == 101
    for _, problem, _ in items[::10]:
        assert ENV.check(problem, ENV.solve(problem)) == []
