"""Per-task pieces shared by both settings: environments, scoring, and the layer's plan template.

Every answer, whoever wrote it, is scored twice: by the published metric (Dream's metric for
Sudoku and Countdown; plan validity by simulation, as PlanBench's VAL, for blocksworld) and by
the project's environment checkers. `well_formed` tests only the structural rules a template
enforces (cell digits, equation count and shape, known actions), not whether the plan is right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from constraints.errors import InputError
from constraints.template import Slot, Template
from dream_agent.dream_eval.data import EvalItem
from dream_agent.dream_eval.metrics import countdown_correct, sudoku_correct

# where the answer starts in each environment's text rendering (the text before is the problem,
# which the Dream prompt already states)
_ANSWER_MARKERS = {"sudoku4x4": "Output:\n", "countdown": "Output: ", "blocksworld": "[PLAN]\n"}
_EQUATION = re.compile(r"(\d+)([+\-*/])(\d+)=(\d+)")
DIGITS = tuple("0123456789")
STRUCTURAL_KINDS = {"sudoku4x4": {"schema", "domain", "given"}, "countdown": {"syntax", "extra_step"},
                    "blocksworld": {"syntax", "unknown"}}


@dataclass(frozen=True)
class Score:
    """The verdicts on one answer.

    Attributes:
        metric: the published metric's verdict.
        checker: the environment checkers found nothing.
        well_formed: the answer keeps the task's structural rules.
        violations: the checkers' reasons (at most five).
    """

    metric: bool
    checker: bool
    well_formed: bool
    violations: tuple[str, ...] = ()


def environment(task: str) -> Any:
    """The environment that checks `task` (Countdown numbers get 4-digit slots: CD results stay below 10^4)."""
    from environments import Blocksworld, CountdownEnv, SudokuEnv

    if task == "sudoku4x4":
        return SudokuEnv(size=4)
    if task == "countdown":
        return CountdownEnv(digits=4)
    if task == "blocksworld":
        return Blocksworld()
    raise InputError(f"unknown task {task!r}")


def answer_plan(task: str, item: EvalItem, answer: str) -> Any:
    """The plan an answer text spells, in the form the environment checks."""
    if task == "sudoku4x4":
        return answer[: len(item.input)]  # Dream's metric reads only this much
    if task == "blocksworld":
        from environments.blocksworld import english_to_action

        return [english_to_action(line) for line in answer.splitlines() if line.strip()]
    return answer


def score_answer(task: str, env: Any, item: EvalItem, answer: str) -> Score:
    """Score an answer text by the published metric and by the environment's checkers."""
    violations = env.check(item.problem, answer_plan(task, item, answer))
    kinds = STRUCTURAL_KINDS[task]
    well_formed = not any(v.kind in kinds for v in violations)
    if task == "countdown":
        metric = countdown_correct(item.input, answer)
        steps = [s for s in answer.split(",")]
        well_formed = well_formed and len(steps) == len(item.problem.numbers) - 1
        well_formed = well_formed and all(_EQUATION.fullmatch(s) for s in steps)
    elif task == "sudoku4x4":
        metric = sudoku_correct(item.input, answer)
    else:
        metric = not violations
        well_formed = well_formed and len(answer_plan(task, item, answer)) <= (item.problem.max_steps or 10**9)
    return Score(metric, not violations, well_formed, tuple(v.reason for v in violations[:5]))


def layer_template(task: str, env: Any, item: EvalItem) -> Template:
    """The environment's text template with its problem statement cut off: the answer part only.

    Fixed text: row breaks (Sudoku), '=' and ',' (Countdown), line breaks and [PLAN END]
    (blocksworld); slots: cells with domain 1-4, operator slots with domain + - * /, number
    slots of up to 4 tokens, one step slot per line whose domain is every ground action in English.
    """
    template = env.template(item.problem, "text")
    marker = _ANSWER_MARKERS[task]
    first = template.segments[0]
    if not isinstance(first, str) or marker not in first:
        raise InputError(f"{task}: the text template does not contain {marker!r}")
    rest = first.rpartition(marker)[2]
    segments = ([rest] if rest else []) + list(template.segments[1:])
    if task == "countdown":
        segments = [_countdown_slot(seg, item.problem) if isinstance(seg, Slot) else seg for seg in segments]
    return Template(tuple(segments))


def _countdown_slot(slot: Slot, problem: Any) -> Slot:
    """Domains every solution respects: step 1 combines two given numbers; the last step gives the target."""
    if slot.name in ("a0", "b0"):
        return Slot(slot.name, choices=tuple(dict.fromkeys(str(n) for n in problem.numbers)))
    if slot.name == f"r{len(problem.numbers) - 2}":
        return Slot(slot.name, choices=(str(problem.target),))
    return slot


def layer_allow(task: str, template: Template) -> dict[str, tuple[str, ...]] | None:
    """Token allow-lists for free slots: Countdown number slots take digit tokens only."""
    if task != "countdown":
        return None
    return {slot.name: DIGITS for slot in template.slots if slot.choices is None}


def number_slots(template: Template) -> tuple[str, ...]:
    """Names of slots without a domain (Countdown's numbers), which must not stay empty."""
    return tuple(slot.name for slot in template.slots if isinstance(slot, Slot) and slot.choices is None)


def answer_from_values(task: str, env: Any, item: EvalItem, values: Mapping[str, str]) -> str:
    """The layer's filled slots written as the answer text Dream's format expects."""
    plan = env.parse_plan(item.problem, values, "text")
    if task == "sudoku4x4":
        n = item.problem.size
        return "\n".join(plan[r * n : (r + 1) * n] for r in range(n))
    if task == "countdown":
        # numbers are written canonically ("07" -> "7"), as the checker reads them
        out = []
        for text in plan:
            match = _EQUATION.fullmatch(text)
            out.append(f"{int(match[1])}{match[2]}{int(match[3])}={int(match[4])}" if match else text)
        return ",".join(out)
    from environments.blocksworld import action_to_english
    from environments.pddl.checks import parse_step

    lines = []
    for step in plan:
        parsed = parse_step(step)
        lines.append(action_to_english(*parsed) if parsed else step)
    return "\n".join(lines)
