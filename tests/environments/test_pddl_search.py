"""Tests for environments.pddl.oracle: optimal lengths on public instances, BFS = A*, limits."""

import math
from pathlib import Path

import pytest
from helpers import SHARED_DATA

from environments.pddl import check_plan, ground, load_pddl, parse_domain_text, parse_problem_text, search
from environments.pddl.oracle import relaxed_plan_length

DATA = SHARED_DATA / "pddl"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"public PDDL samples not found at {DATA} (../shared/data/pddl)")

# Optimal lengths listed in the data set's README.txt (pyperplan A* + LM-cut and a domain-specific A*).
OPTIMAL = [
    ("blocksworld", "instance-5", 2),
    ("blocksworld", "instance-2", 4),
    ("blocksworld", "instance-10", 8),
    ("blocksworld", "instance-50", 8),
    ("blocksworld", "instance-100", 10),
    ("blocksworld", "instance-200", 12),
    ("blocksworld", "hard-instance-1", 20),
    ("logistics", "instance-1", 4),
    ("logistics", "instance-10", 5),
    ("depots", "instance-10", 9),
    ("gripper", "prob01", 11),
]


@needs_data
@pytest.mark.parametrize("domain, instance, length", OPTIMAL)
def test_optimal_lengths_match_the_published_ones(domain, instance, length):
    task = ground(
        parse_domain_text((DATA / domain / "domain.pddl").read_text()),
        parse_problem_text((DATA / domain / f"{instance}.pddl").read_text()),
    )
    result = search(task, algorithm="astar", timeout=60)
    assert result.reason == "solved" and len(result.plan) == length
    assert check_plan(task, [str(a) for a in result.plan]) == []
    if length <= 12:
        assert len(search(task, algorithm="bfs").plan) == length


@needs_data
def test_limits_give_none_with_a_reason():
    env, problem = load_pddl(DATA / "blocksworld" / "domain.pddl", DATA / "blocksworld" / "hard-instance-1.pddl")
    by_nodes = env.search(problem, max_nodes=50)
    assert by_nodes.plan is None and by_nodes.reason.startswith("node limit")
    by_time = env.search(problem, algorithm="bfs", timeout=0.0)
    assert by_time.plan is None and by_time.reason.startswith("timeout")


def test_unknown_search_is_refused():
    task = ground(
        parse_domain_text("(define (domain d) (:predicates (p)) (:action a :parameters () :precondition (and) :effect (p)))"),
        parse_problem_text("(define (problem q) (:domain d) (:init) (:goal (p)))"),
    )
    assert [str(a) for a in search(task).plan] == ["(a)"]
    with pytest.raises(ValueError, match="astar, bfs"):
        search(task, algorithm="dfs")


@needs_data
@pytest.mark.parametrize(
    "problem, length", [("sorting_books", 4), ("cleaning_out_drawers", 5), ("putting_away_toys", 8)]
)
def test_household_adl_domain_is_solved_optimally(problem, length):
    """forall + conditional effects; lengths from the data set's README (unified-planning + pyperplan)."""
    env, p = load_pddl(DATA / "household_viplan" / "domain.pddl", DATA / "household_viplan" / f"{problem}.pddl")
    for algorithm in ("bfs", "astar"):
        result = env.search(p, algorithm=algorithm)
        assert result.reason == "solved" and len(result.plan) == length and result.cost == length
    assert env.check(p, env.solve(p)) == []


class TestRelaxedPlan:
    """FF's relaxed plan length: the step-budget estimate of trained models (`PDDLEnvironment.step_budget`)."""

    GRIPPER = (Path(__file__).resolve().parents[2] / "environments" / "pddl" / "data" / "gripper.pddl").read_text()

    def _task(self, init: str, goal: str):
        problem = f"""(define (problem p) (:domain gripper-strips) (:objects rooma roomb b1 b2 b3 left right)
          (:init (room rooma) (room roomb) (ball b1) (ball b2) (ball b3) (gripper left) (gripper right)
                 (free left) (free right) {init}) (:goal (and {goal})))"""
        return ground(parse_domain_text(self.GRIPPER), parse_problem_text(problem))

    def test_gripper_moves_every_ball_with_one_relaxed_move(self):
        here = "(at-robby rooma) (at b1 rooma) (at b2 rooma) (at b3 rooma)"
        task = self._task(here, "(at b1 roomb) (at b2 roomb) (at b3 roomb)")
        assert relaxed_plan_length(task) == 7  # 3 picks, 1 move, 3 drops (the real optimum is 9)
        assert len(search(task, algorithm="bfs").plan) == 9

    def test_a_goal_that_holds_needs_nothing_and_an_unreachable_one_is_none(self):
        here = "(at-robby rooma) (at b1 rooma) (at b2 rooma) (at b3 rooma)"
        assert relaxed_plan_length(self._task(here, "(at b1 rooma)")) == 0
        assert relaxed_plan_length(self._task(here, "(at b1 left)")) is None  # left is no room

    def test_a_trained_models_budget_grows_with_the_problem(self):
        from environments.pddl import PDDLEnvironment, PDDLProblem
        from environments.pddl.generators import gripper_problem

        env = PDDLEnvironment(self.GRIPPER, max_steps=12)
        large = PDDLProblem(pddl=gripper_problem(0, balls=10, rooms=2))
        assert env.step_budget(large) == 12
        env.relaxed_ratio = 1.4
        relaxed = relaxed_plan_length(env.task(large))
        assert env.step_budget(large) == max(12, math.ceil(1.25 * 1.4 * relaxed)) > 12
        assert env.prepare(large).max_steps == env.step_budget(large)
        assert len(env.solve(large)) <= env.step_budget(large)
        wanted = env.step_budget(large)
        context = len(env.template(env.prepare(large)).segments[0].split())
        env.max_tokens = context + 6 * 20  # room for 20 steps of "( act arg arg arg )" after the context
        assert env.step_budget(large) == 20 < wanted
        env.max_tokens = context  # no room at all: never below the recorded budget
        assert env.step_budget(large) == 12
