"""Blocksworld, PlanBench's 4-operator version (pick-up, put-down, stack, unstack), through the PDDL path.

Random instances are random initial and goal towers; PlanBench's own instances, reference plans
and English action wording (Valmeekam et al., NeurIPS 2023) load from their files.
"""

from __future__ import annotations

import json
import random
import re
import string
from pathlib import Path
from typing import Sequence

from constraints.errors import InputError
from constraints.violation import Violation
from environments.pddl.checks import read_plan
from environments.pddl.environment import PDDLEnvironment, PDDLProblem, plan_steps
from environments.pddl.grounding import GroundTask
from environments.pddl.states import StateView
from environments.pddl.templates import Wording
from environments.pddl.writer import render_problem

DOMAIN_FILE = Path(__file__).parent / "data" / "blocksworld-4ops.pddl"  # PlanBench's domain, MIT (see data/)
BLOCKS = tuple(string.ascii_lowercase[:16])  # block names a..p; up to 16 blocks
# PlanBench's names for blocks a..l in its English prompts; later blocks are "block m", ...
COLOURS = ("red", "blue", "orange", "yellow", "white", "magenta", "black", "cyan", "green", "violet", "silver", "gold")


def block_phrase(block: str) -> str:
    """English for a block: "a" -> "the red block"."""
    i = BLOCKS.index(block) if block in BLOCKS else -1
    return f"the {COLOURS[i]} block" if 0 <= i < len(COLOURS) else f"block {block}"


def _phrase_to_block() -> dict[str, str]:
    return {block_phrase(b).removeprefix("the "): b for b in BLOCKS}


def action_to_english(name: str, args: tuple[str, ...]) -> str:
    """PlanBench's wording: ("unstack", ("a", "c")) -> "unstack the red block from on top of the orange block"."""
    if name in ("pick-up", "put-down") and len(args) == 1:
        return f"{name.replace('-', ' ')} {block_phrase(args[0])}"
    if name == "stack" and len(args) == 2:
        return f"stack {block_phrase(args[0])} on top of {block_phrase(args[1])}"
    if name == "unstack" and len(args) == 2:
        return f"unstack {block_phrase(args[0])} from on top of {block_phrase(args[1])}"
    return "(" + " ".join((name, *args)) + ")"


_BLOCK = r"(?:the )?(\w+ block|block \w+)"
_ENGLISH = (
    (re.compile(rf"^pick up {_BLOCK}$"), "pick-up"),
    (re.compile(rf"^put down {_BLOCK}$"), "put-down"),
    (re.compile(rf"^stack {_BLOCK} on top of {_BLOCK}$"), "stack"),
    (re.compile(rf"^unstack {_BLOCK} from on top of {_BLOCK}$"), "unstack"),
)


def english_to_action(line: str) -> str:
    """"(name args)" for a PlanBench English action; other text comes back trimmed and lower-cased."""
    text = " ".join(line.lower().strip().rstrip(".").split())
    names = _phrase_to_block()
    for pattern, name in _ENGLISH:
        match = pattern.match(text)
        if match and all(g in names for g in match.groups()):
            return "(" + " ".join((name, *(names[g] for g in match.groups()))) + ")"
    return text


ENGLISH = Wording(to_text=action_to_english, from_text=english_to_action, empty="do nothing", prefix="[PLAN]\n", suffix="[PLAN END]")


def read_english_plan(text: str) -> list[str]:
    """The actions of a PlanBench-style English plan ("[PLAN] ... [PLAN END]" optional), as PDDL strings."""
    body = text.split("[PLAN]", 1)[-1].split("[PLAN END]", 1)[0]
    return [english_to_action(line) for line in body.splitlines() if line.strip()]


def describe(task: GroundTask) -> str:
    """The problem in PlanBench's English ("As initial conditions I have that, ... My goal is to have that ...")."""

    def fact(atom) -> str:
        if atom[0] == "handempty":
            return "the hand is empty"
        if atom[0] == "on":
            return f"{block_phrase(atom[1])} is on top of {block_phrase(atom[2])}"
        if atom[0] == "ontable":
            return f"{block_phrase(atom[1])} is on the table"
        if atom[0] == "clear":
            return f"{block_phrase(atom[1])} is clear"
        return f"{block_phrase(atom[1])} is being held"

    def join(atoms) -> str:
        parts = [fact(a) for a in sorted(atoms)]
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]

    return f"As initial conditions I have that, {join(task.init)}.\nMy goal is to have that {join(task.goal_pos)}."


def _towers(blocks: list[str], rng: random.Random) -> list[list[str]]:
    order = blocks[:]
    rng.shuffle(order)
    towers = [[order[0]]]
    for block in order[1:]:
        if rng.random() < 0.5:
            towers[-1].append(block)
        else:
            towers.append([block])
    return towers


def _state_atoms(towers: list[list[str]]) -> set[tuple[str, ...]]:
    atoms = {("handempty",)}
    for tower in towers:
        atoms.add(("ontable", tower[0]))
        atoms.update(("on", top, below) for below, top in zip(tower, tower[1:]))
        atoms.add(("clear", tower[-1]))
    return atoms


class BlockPositions:
    """Blocksworld's state as one variable per block: what it stands on ("table", "hand" while
    held, or a block). Clear blocks and the empty hand follow from these."""

    words = ("table", "hand")

    def variables(self, task: GroundTask) -> tuple[str, ...]:
        return tuple(sorted(task.object_names()))

    def domains(self, task: GroundTask) -> tuple[tuple[str, ...], ...]:
        blocks = self.variables(task)
        return tuple((*self.words, *(b for b in blocks if b != block)) for block in blocks)

    def read(self, task: GroundTask, state: frozenset) -> tuple[str, ...]:
        under = {atom[1]: atom[2] for atom in state if atom[0] == "on"}
        under.update((atom[1], "table") for atom in state if atom[0] == "ontable")
        under.update((atom[1], "hand") for atom in state if atom[0] == "holding")
        return tuple(under.get(block, "table") for block in self.variables(task))

    def goal_values(self, task: GroundTask) -> dict[str, str]:
        named = {"ontable": "table", "holding": "hand"}
        goal = {atom[1]: atom[2] for atom in task.goal_pos if atom[0] == "on"}
        goal.update((atom[1], named[atom[0]]) for atom in task.goal_pos if atom[0] in named)
        return goal


class Blocksworld(PDDLEnvironment):
    """PlanBench's blocksworld: PDDL problems over blocks a..p, English text templates.

    `states=True` writes what each block stands on after every step into the compact template
    (`BlockPositions`, `environments.pddl.states`): the template of the `blocksworld-states` models.
    """

    recommended_candidates = 16  # 5 blocks, local tier: 72% at 1, 98% at 16 (the shipped model's card)
    # the 15 extra canvases join once the greedy draft fails: PlanBench 100% and 3-7 blocks 93.3% as with all
    # 16 from the start, for half the model calls (median NFE 36 and 48 against 72 and 96; docs/results.md)
    recommended_options = {"late_candidates": True}

    def __init__(self, states: bool = False) -> None:
        view: StateView | None = BlockPositions() if states else None
        super().__init__(DOMAIN_FILE.read_text(encoding="utf-8"), name="blocksworld-states" if states else "blocksworld",
                         objects=BLOCKS, wording=ENGLISH, states=view)

    def generate(self, seed: int, blocks: int = 4) -> PDDLProblem:
        """Random initial and goal towers of `blocks` blocks (3 to 16); the goal is every "on" of the goal towers."""
        if not isinstance(blocks, int) or not 1 <= blocks <= len(BLOCKS):
            raise InputError(f"blocks must be an integer from 1 to {len(BLOCKS)}, got {blocks!r}")
        rng = random.Random(f"blocksworld-{blocks}-{seed}")
        names = list(BLOCKS[:blocks])
        init = _state_atoms(_towers(names, rng))
        for _ in range(1000):
            goal = {a for a in _state_atoms(_towers(names, rng)) if a[0] == "on"}
            if goal and not goal <= init:
                break
        else:
            raise InputError(f"could not draw a goal that differs from the initial state with {blocks} blocks")
        text = render_problem(f"bw-{blocks}-{seed}", self.domain.name, [(b, "object") for b in names], init, goal)
        return PDDLProblem(pddl=text)

    def step_budget(self, problem: PDDLProblem) -> int:
        """4 (n - 1) steps for n blocks (at least 4), enough for any optimal plan: unstack every block
        to the table, then build the goal towers."""
        n = len(self._checking_task(problem).problem.objects)
        return max(4, 4 * (n - 1))

    def check(self, problem: PDDLProblem, plan: Sequence[str] | str) -> list[Violation]:
        """Like PDDLEnvironment.check; PlanBench English steps ("pick up the red block") are read too."""
        if isinstance(plan, str):
            plan = read_english_plan(plan) if "[PLAN]" in plan or "(" not in plan else read_plan(plan)
        plan = plan_steps(plan)
        return super().check(problem, [step if step.lstrip().startswith("(") else english_to_action(step) for step in plan])

    def describe(self, problem: PDDLProblem) -> str:
        """The problem in PlanBench's English."""
        return describe(self.task(problem))


def load_planbench(data_dir: str | Path, three_blocks: bool = False) -> list[tuple[str, PDDLProblem, list[str]]]:
    """PlanBench blocksworld instances with their reference plans, as (file name, problem, plan), by instance number.

    Args:
        data_dir: the folder with `generated_basic/`, `generated_basic_3/` and `info_reference_plans.json`.
        three_blocks: the 3-block set (`generated_basic_3`, no reference plans: plans are []).
    """
    root = Path(data_dir)
    folder = root / ("generated_basic_3" if three_blocks else "generated_basic")
    if not folder.is_dir():
        raise InputError(f"PlanBench folder not found: {str(folder)!r}")
    plans = {}
    info = root / "info_reference_plans.json"
    if info.is_file() and not three_blocks:
        plans = {k: [line.strip() for line in v["plan"].splitlines() if line.strip()] for k, v in json.loads(info.read_text()).items()}
    files = sorted(folder.glob("instance-*.pddl"), key=lambda p: int(re.sub(r"\D", "", p.stem) or 0))
    return [(f.name, PDDLProblem(pddl=f.read_text(encoding="utf-8")), plans.get(f.name, [])) for f in files]
