"""Tests for environments.pddl.oracle: optimal lengths on public instances, BFS = A*, limits."""

import pytest
from helpers import SHARED_DATA

from environments.pddl import check_plan, ground, load_pddl, parse_domain_text, parse_problem_text, search

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
