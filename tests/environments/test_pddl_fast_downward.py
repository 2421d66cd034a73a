"""The optional fast-downward oracle: optimal plans mapped onto the project's ground actions, clear refusals."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from constraints.errors import InputError
from environments.pddl.environment import ORACLES, PDDLEnvironment, PDDLProblem

pytest.importorskip("up_fast_downward")

DATA = Path(__file__).resolve().parents[2] / "environments" / "pddl" / "data"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pddl"


def _env(domain: str, oracle: str = "fast-downward") -> PDDLEnvironment:
    return PDDLEnvironment((DATA / domain).read_text(encoding="utf-8"), oracle=oracle)


def _walks(env: PDDLEnvironment, base: str, n: int) -> list[PDDLProblem]:
    env.base_problems = [PDDLProblem(pddl=base)]
    return [env.generate(seed, walk_length=12, goal_atoms=3) for seed in range(n)]


@pytest.mark.parametrize("domain, base", [("gripper.pddl", "gripper"), ("logistics.pddl", "logistics")])
def test_plans_are_as_short_as_the_breadth_first_oracle_and_pass_the_checker(domain, base):
    from environments.pddl.generators import gripper_problem, logistics_problem

    text = gripper_problem(7, 4, 2) if base == "gripper" else logistics_problem(7, 2, 2, 3, 1, goals=2)
    fd = _env(domain)
    for problem in _walks(fd, text, 4):
        plan = fd.solve(problem)
        bfs = fd.search(problem, algorithm="bfs")
        assert plan is not None and bfs.plan is not None
        assert len(plan) == len(bfs.plan)  # both optimal
        assert fd.check(problem, plan) == []


def test_a_problem_beyond_the_breadth_first_bound_is_solved():
    from environments.pddl.generators import logistics_problem

    env = _env("logistics.pddl")
    problem = PDDLProblem(pddl=logistics_problem(11, 3, 3, 6, 2, goals=6))
    assert env.search(problem, algorithm="bfs", max_nodes=2_000).plan is None
    result = env.search(problem)
    assert result.reason == "solved" and result.cost == len(result.plan) >= 6
    assert env.check(problem, [str(a) for a in result.plan]) == []


def test_unknown_oracles_and_missing_packages_are_refused_in_one_line(monkeypatch):
    assert "fast-downward" in ORACLES
    with pytest.raises(InputError, match="unknown oracle 'ff'; allowed: astar, bfs, fast-downward"):
        _env("gripper.pddl", oracle="ff")
    monkeypatch.setitem(sys.modules, "up_fast_downward", None)  # as if not installed
    env = _env("gripper.pddl")
    from environments.pddl.generators import gripper_problem

    with pytest.raises(InputError, match=r"optional packages: pip install 'dream-agent\[planners\]'"):
        env.search(PDDLProblem(pddl=gripper_problem(1, 3, 2)))


def test_a_problem_the_optimal_configuration_does_not_take_gets_a_reason_not_a_plan():
    # conditional effects in a quantified effect: Fast Downward's optimal search refuses them
    from test_pddl_adl import PROBLEM, ROOMS

    env = PDDLEnvironment(ROOMS, oracle="fast-downward")
    result = env.search(PDDLProblem(pddl=PROBLEM))
    assert result.plan is None and result.reason.startswith("unsupported: ") and "bfs or astar" in result.reason
    assert env.search(PDDLProblem(pddl=PROBLEM), algorithm="bfs").plan is not None  # the default oracle plans it
