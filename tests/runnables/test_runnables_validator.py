"""PlanValidator: sudoku / countdown / kitchen / PDDL inputs, batch, async, and no torch on its path."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import pytest
from helpers import REPO

from dream_agent.runnables import PlanValidator
from environments import get_environment
from environments.blocksworld import DOMAIN_FILE


def _sudoku_case():
    env = get_environment("sudoku4x4")
    problem = env.generate(0)
    solution = env.solve(problem)
    blank = problem.givens.index("0")
    wrong = solution[:blank] + str(int(solution[blank]) % 4 + 1) + solution[blank + 1:]
    return problem, solution, wrong, blank


def test_sudoku_valid_and_blamed_cells():
    problem, solution, wrong, blank = _sudoku_case()
    validator = PlanValidator("sudoku4x4")
    assert validator.invoke({"puzzle": problem.givens, "solution": solution}) == {"valid": True, "violations": []}
    report = validator.invoke({"puzzle": problem.givens, "solution": wrong})
    assert report["valid"] is False
    cell = [blank // 4, blank % 4]
    assert all(cell in v["cells"] for v in report["violations"])  # every violation blames the changed cell
    assert {v["kind"] for v in report["violations"]} == {"duplicate"}


def test_countdown_names_the_step():
    validator = PlanValidator("countdown")
    assert validator.invoke({"numbers": "3,4,5", "target": 35, "answer": "3+4=7,7*5=35"})["valid"]
    report = validator.invoke({"numbers": [3, 4, 5], "target": 35, "answer": "3+4=7,7*6=42"})
    assert not report["valid"] and report["violations"][0]["step"] == 1


def test_kitchen_plan_and_a_dropped_step():
    env = get_environment("kitchen")
    problem = env.generate(0)
    plan = env.format_plan(env.solve(problem))
    validator = PlanValidator("kitchen")
    assert validator.invoke({"problem": problem.model_dump(), "plan": plan})["valid"]
    report = validator.invoke({"problem": problem.model_dump(), "plan": plan[1:]})
    assert not report["valid"] and any(v["kind"] == "precondition" for v in report["violations"])


def test_pddl_domain_problem_plan_without_env():
    env = get_environment("blocksworld")
    problem = env.generate(0)
    plan = env.format_plan(env.solve(problem))
    item = {"domain": DOMAIN_FILE.read_text(), "problem": problem.pddl, "plan": plan}
    validator = PlanValidator()
    assert validator.invoke(item)["valid"]
    report = validator.invoke({**item, "plan": "\n".join(plan[1:])})  # plan text, first step dropped
    assert not report["valid"] and report["violations"][0]["step"] == 0


def test_batch_async_and_bad_input():
    problem, solution, wrong, _ = _sudoku_case()
    validator = PlanValidator("sudoku4x4")
    items = [{"puzzle": problem.givens, "solution": s} for s in (solution, wrong)]
    assert [r["valid"] for r in validator.batch(items)] == [True, False]
    assert [r["valid"] for r in asyncio.run(validator.abatch(items))] == [True, False]
    assert asyncio.run(validator.ainvoke(items[0]))["valid"]
    out = validator.batch([items[0], {"puzzle": problem.givens}], return_exceptions=True)
    assert out[0]["valid"] and isinstance(out[1], ValueError) and "plan" in str(out[1])
    with pytest.raises(ValueError, match="environment"):
        PlanValidator().invoke({"puzzle": problem.givens, "solution": solution})
    with pytest.raises(ValueError, match="must be a dict"):
        validator.invoke("1234")


def test_validation_pipeline_needs_no_torch():
    script = textwrap.dedent(
        """
        import sys
        from langchain_core.runnables import RunnableLambda
        from dream_agent.runnables import PlanValidator
        from environments import get_environment
        env = get_environment("countdown")
        pipeline = RunnableLambda(lambda row: {"numbers": row[0], "target": row[1], "answer": row[2]}) | PlanValidator(env)
        out = pipeline.batch([("3,4", 7, "3+4=7"), ("3,4", 12, "3+4=7")])
        assert [r["valid"] for r in out] == [True, False], out
        PlanValidator("sudoku4x4").as_tool()
        assert "torch" not in sys.modules, "torch was imported"
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_langchain_is_imported_only_by_the_runnables():
    offenders = []
    for package in ("dream_agent", "planners", "environments", "constraints"):
        for file in (REPO / package).rglob("*.py"):
            if "runnables" in file.relative_to(REPO).parts:
                continue
            text = file.read_text(encoding="utf-8")
            if "import langchain" in text or "from langchain" in text or "import langgraph" in text or "from langgraph" in text:
                offenders.append(str(file.relative_to(REPO)))
    assert offenders == []


def test_every_exported_name_resolves():
    import dream_agent
    import dream_agent.runnables as runnables

    for module in (runnables, dream_agent):
        for name in module.__all__:
            assert getattr(module, name) is not None, name
