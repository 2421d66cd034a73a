"""A validation pipeline over a batch of plans: no model, no torch, just checkers with diagnostics.

Run with the package installed (`pip install -e .`):
    python examples/validation_pipeline.py
"""

from __future__ import annotations

import sys

from langchain_core.runnables import RunnableLambda

from dream_agent.runnables import PlanValidator
from environments import get_environment


def plans_to_check() -> list[dict]:
    """Sudoku solutions (some corrupted) and kitchen plans (one with a dropped step)."""
    sudoku, kitchen = get_environment("sudoku4x4"), get_environment("kitchen")
    rows = []
    for seed in range(3):
        puzzle = sudoku.generate(seed)
        solution = sudoku.solve(puzzle)
        if seed == 1:  # swap two cells
            solution = solution[1] + solution[0] + solution[2:]
        rows.append({"env": "sudoku4x4", "puzzle": puzzle.givens, "solution": solution})
    task = kitchen.generate(0)
    plan = kitchen.format_plan(kitchen.solve(task))
    rows.append({"env": "kitchen", "problem": task.model_dump(), "plan": plan})
    rows.append({"env": "kitchen", "problem": task.model_dump(), "plan": plan[:2] + plan[3:]})
    return rows


def summary(report: dict) -> str:
    if report["valid"]:
        return "valid"
    first = report["violations"][0]
    return f"invalid: {len(report['violations'])} violations; first ({first['kind']}): {first['reason']}"


def main() -> None:
    # The validator reads the environment from each row's "env" key.
    pipeline = PlanValidator() | RunnableLambda(summary)
    rows = plans_to_check()
    for row, line in zip(rows, pipeline.batch(rows)):
        print(f"{row['env']:>9}: {line}")
    print("torch loaded:", "torch" in sys.modules)


if __name__ == "__main__":
    main()
