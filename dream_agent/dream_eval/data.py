"""Evaluation items: Dream's Sudoku / Countdown JSON lines and PlanBench blocksworld, read from files.

The default file of each task ships with the package (`dream_agent/dream_eval/datasets/`, with
its licence); any path in the same format can be given instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from constraints.errors import InputError
from dream_agent.dream_eval.protocol import TASKS

# task -> default file in the packaged datasets folder (Dream's default Sudoku set has 10 givens;
# CD4 is the published Countdown set; PlanBench blocksworld reads its PDDL problems next to it)
DEFAULT_FILES = {
    "sudoku4x4": "dream-sudoku4x4/sudoku_4x4_10.jsonl",
    "countdown": "dream-countdown/cd4_test.jsonl",
    "blocksworld": "planbench/blocksworld/task1_zero_shot_nl.jsonl",
}
PLAN_STEPS = 16  # blocksworld template length: PlanBench's reference plans have 2 to 16 steps


@dataclass(frozen=True)
class EvalItem:
    """One instance.

    Attributes:
        name: where it came from ("cd4_test.jsonl:9").
        input: the problem as the prompt shows it (Dream's input field; PlanBench's statement).
        output: the reference answer as text (Dream's output field; PlanBench plan in English).
        problem: the environment's problem object.
        context: text every prompt of the file shares (PlanBench's domain description), or "".
    """

    name: str
    input: str
    output: str
    problem: Any
    context: str = ""


def packaged_data() -> Path:
    """The folder of evaluation files shipped with the package (see its README.md)."""
    return Path(str(resources.files("dream_agent.dream_eval") / "datasets"))


def default_data_path(task: str) -> Path:
    """The default data file of `task`, shipped with the package."""
    if task not in DEFAULT_FILES:
        raise InputError(f"unknown task {task!r}; valid: {', '.join(TASKS)}")
    return packaged_data() / DEFAULT_FILES[task]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """JSON objects, one per non-empty line; a bad line raises InputError naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text (byte {err.start}); give JSON lines") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"{path}:{number}: not a JSON line ({err.msg})") from None
        if not isinstance(row, dict):
            raise InputError(f"{path}:{number}: expected a JSON object, got {type(row).__name__}")
        rows.append(row)
    return rows


def load_items(task: str, path: str | Path | None = None, *, plan_steps: int = PLAN_STEPS) -> list[EvalItem]:
    """Every item of a data file, in file order (few-shot examples are taken from the head).

    Args:
        task: "sudoku4x4", "countdown" or "blocksworld".
        path: the data file; None uses the task's default file shipped with the package.
        plan_steps: blocksworld only: steps in the layer's plan template.

    Raises:
        InputError: a missing file, or rows of the wrong format.
    """
    path = default_data_path(task) if path is None else Path(path)
    if not path.is_file():
        raise InputError(f"data file not found: {path}")
    rows = read_jsonl(path)
    if not rows:
        raise InputError(f"{path}: no items")
    if task == "blocksworld":
        return [_planbench_item(path, i, row, plan_steps) for i, row in enumerate(rows)]
    from environments import get_environment

    env = get_environment("countdown" if task == "countdown" else "sudoku4x4")
    items = []
    for i, row in enumerate(rows):
        where = f"{path.name}:{i + 1}"
        if not isinstance(row.get("input"), str) or not isinstance(row.get("output"), str):
            raise InputError(f"{where}: expected string fields 'input' and 'output' (Dream's format)")
        try:
            problem = env.parse_problem(row["input"])
        except InputError as err:
            raise InputError(f"{where}: {err}") from None
        items.append(EvalItem(where, row["input"], row["output"], problem))
    return items


def _planbench_item(path: Path, index: int, row: dict[str, Any], plan_steps: int) -> EvalItem:
    """A PlanBench task-1 row plus its PDDL problem from generated_basic[_3]/ next to the file."""
    from environments.blocksworld import action_to_english
    from environments.pddl.checks import parse_step
    from environments.pddl.environment import PDDLProblem

    where = f"{path.name}:{index + 1}"
    query, ident = row.get("query_nl"), row.get("instance_id")
    if not isinstance(query, str) or "[STATEMENT]" not in query or not isinstance(ident, int):
        raise InputError(f"{where}: expected PlanBench fields 'instance_id' and 'query_nl' with a [STATEMENT]")
    context, _, rest = query.partition("[STATEMENT]")
    statement = rest.strip().split("\n\n")[0].strip()
    folder = path.parent / ("generated_basic_3" if "3blocks" in path.name else "generated_basic")
    pddl = folder / f"instance-{ident}.pddl"
    if not pddl.is_file():
        raise InputError(f"{where}: PDDL problem not found: {pddl}")
    lines = []
    for step in row.get("ground_truth_plan") or []:
        parsed = parse_step(str(step))
        lines.append(action_to_english(*parsed) if parsed else str(step))
    problem = PDDLProblem(pddl=pddl.read_text(encoding="utf-8"), max_steps=plan_steps)
    return EvalItem(where, statement, "\n".join(lines), problem, context=context.rstrip() + "\n\n")
