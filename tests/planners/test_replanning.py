"""Closed-loop planning: problems restated part-way, one kept step per refine run, refusals in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from constraints.errors import InputError
from dream_agent.cli import _register, app
from dream_agent.planning import solve_batch
from environments import get_environment

REPO = Path(__file__).resolve().parents[2]
BLOCKS_DOMAIN = REPO / "environments" / "blocksworld" / "data" / "blocksworld-4ops.pddl"


def test_restart_restates_the_problem_from_the_state_the_steps_reach():
    env = get_environment("blocksworld")
    problem = env.prepare(env.generate(11, blocks=4))
    plan = env.solve(problem)
    assert len(plan) >= 3
    later = env.restart(problem, plan[:2])
    assert later.max_steps == problem.max_steps - 2
    assert env.solve(later) == plan[2:]  # the rest of a shortest plan is a shortest plan from there
    assert env.restart(env.restart(problem, plan[:1]), plan[1:2]).pddl == later.pddl
    with pytest.raises(InputError, match=r"after step 1 \(\(stack a a\)\)"):
        env.restart(problem, ["(stack a a)"])


def test_replanned_plans_are_checked_on_the_original_problem():
    env = get_environment("blocksworld")
    problems = [env.generate(seed, blocks=3) for seed in range(3)]
    results = solve_batch(env, problems, None, replan=True, candidates=1)
    for problem, result in zip(problems, results):
        plan = env.parse_plan(env.prepare(problem), result.values)
        assert result.solved == (not env.check(problem, plan))
        assert result.nfe > 0 and result.rounds >= 1
    assert any(r.solved for r in results)


def test_re_planning_is_refused_where_it_cannot_run():
    with pytest.raises(InputError, match="sudoku4x4 cannot re-plan part-way"):
        solve_batch("sudoku4x4", ["1000000240030000"], None, replan=True)
    with pytest.raises(InputError, match="re-planning keeps no trace"):
        solve_batch("blocksworld", [get_environment("blocksworld").generate(0, blocks=3)], None, replan=True,
                    keep_trace=True)
    with pytest.raises(InputError, match="replan must be true or false"):
        solve_batch("blocksworld", [], None, replan="yes")


def test_plan_replan_on_the_command_line(tmp_path):
    _register()
    env = get_environment("blocksworld")
    problem = tmp_path / "p.pddl"
    problem.write_text(env.generate(4, blocks=3).pddl)
    result = CliRunner().invoke(app, ["plan", "--domain", str(BLOCKS_DOMAIN), "--problem", str(problem), "--replan",
                                      "--candidates", "1", "--json"])
    assert result.exit_code in (0, 1), result.output
    answer = json.loads(result.stdout)
    assert answer["replan"] is True and answer["constraints"] == "local" and answer["plan"]
    refused = CliRunner().invoke(app, ["plan", "--domain", str(BLOCKS_DOMAIN), "--problem", str(problem), "--replan",
                                       "--trace", str(tmp_path / "t.png")])
    assert refused.exit_code == 2 and "re-planning keeps no trace" in refused.output
