"""Plan templates for ground tasks: compact (one word per slot) and text (one action per line).

Compact step i is "( s{i}.act s{i}.arg0 ... )": the action slot's domain is the action names
plus NOOP (an empty step, so shorter plans fit), each argument slot's domain is the objects any
action can take at that position plus PAD. Text step i is one slot `s{i}` holding a whole action
as a line of text, worded by a `Wording` (PDDL by default, English for PlanBench blocksworld).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from constraints.errors import InputError
from constraints.template import Slot, Template
from environments.base import slot_values
from environments.pddl.checks import parse_step
from environments.pddl.grounding import GroundTask
from environments.pddl.names import rename
from environments.pddl.states import CLOSE, OPEN, Annotation, state_segments

NOOP = "noop"  # compact: an empty step
PAD = "_"  # compact: an unused argument position
COMPACT_FIXED = ("(", ")")
NO_NAMES: Mapping[str, str] = {}  # objects written as themselves
MAX_TEXT_DOMAIN = 400  # larger ground action sets use free text slots instead of a domain
TEXT_MAX_TOKENS = 24


def _pddl_text(name: str, args: tuple[str, ...]) -> str:
    return "(" + " ".join((name, *args)) + ")"


@dataclass(frozen=True)
class Wording:
    """How a text template spells one action, and reads it back.

    Attributes:
        to_text: (action name, args) -> the line.
        from_text: the line -> "(name arg ...)"; unreadable lines are returned unchanged.
        empty: the line of an empty step.
        prefix, suffix: fixed text around the steps.
    """

    to_text: Callable[[str, tuple[str, ...]], str] = _pddl_text
    from_text: Callable[[str], str] = lambda line: line.strip().lower()
    empty: str = "(noop)"
    prefix: str = ""
    suffix: str = ""


PDDL_WORDING = Wording()


def argument_domains(task: GroundTask, names: Mapping[str, str] = NO_NAMES) -> list[tuple[str, ...]]:
    """Per argument position, the objects some action accepts there (typed), as their tokens
    (`names`, see `environments.pddl.names`), in order."""
    width = max((len(s.params) for s in task.domain.schemas), default=0)
    domains = []
    for j in range(width):
        allowed: set[str] = set()
        for schema in task.domain.schemas:
            if j < len(schema.params):
                allowed.update(rename(names, o) for o in task.objects_of(schema.params[j][1]))
        domains.append(tuple(sorted(allowed)))
    return domains


CONTEXT_WORDS = ("init", "goal", "not", "plan")  # compact: the words that frame the problem's atoms
# How the compact context writes the goal: "whole" (its atoms as given) or "split" (the atoms still
# to reach, then HELD and those the initial state already satisfies). A model reading a whole goal
# must compare each goal atom with the initial state to see which objects have to move; a split goal
# says it, for any domain.
GOAL_VIEWS = ("whole", "split")
HELD = "held"


def check_goal_view(view: str) -> str:
    """`view` when it is one of GOAL_VIEWS; InputError naming the allowed ones otherwise."""
    if view not in GOAL_VIEWS:
        raise InputError(f"unknown goal view {view!r}; allowed: {', '.join(GOAL_VIEWS)}")
    return view


def _atom_words(atom: tuple[str, ...], names: Mapping[str, str]) -> str:
    return " ".join((atom[0], *(rename(names, o) for o in atom[1:])))


def _goal_words(task: GroundTask, names: Mapping[str, str], held: bool | None) -> str:
    """The goal's literals as words, sorted (positive first); `held` keeps only those the initial
    state already satisfies (True) or does not (False); None keeps all."""
    pos = [a for a in task.goal_pos if held is None or (a in task.init) == held]
    neg = [a for a in task.goal_neg if held is None or (a not in task.init) == held]
    return " ".join(sorted(_atom_words(a, names) for a in pos) + sorted(f"not {_atom_words(a, names)}" for a in neg))


def compact_context(task: GroundTask, names: Mapping[str, str] = NO_NAMES, implied: frozenset = frozenset(),
                    goal_view: str = "whole") -> str:
    """The problem as compact words: "init <atoms> goal <atoms> plan", atoms as "pred arg ...", sorted.

    A small model sees the problem only through this text, so the initial state and the goal
    sit in front of the plan steps. `implied` atoms are left out: their objects' tokens say them
    ("ball ball3" for the token of a ball). `goal_view` "split" writes "goal <atoms to reach> held
    <goal atoms true already> plan" (HELD and its atoms only when there are some).
    """
    init = " ".join(sorted(_atom_words(atom, names) for atom in task.init if atom not in implied))
    if check_goal_view(goal_view) == "whole":
        goal = [_goal_words(task, names, None)]
    else:
        kept = _goal_words(task, names, True)
        goal = [_goal_words(task, names, False)] + ([HELD, kept] if kept else [])
    return " ".join(w for w in ("init", init, "goal", *goal, "plan") if w)


def compact_template(task: GroundTask, max_steps: int, names: Mapping[str, str] = NO_NAMES,
                     implied: frozenset = frozenset(), annotation: Annotation | None = None,
                     goal_view: str = "whole") -> Template:
    """Template: the problem's context (`compact_context`, less the `implied` atoms), then `max_steps`
    steps of one action slot and the widest arity of argument slots; objects written as their tokens (`names`).
    With an `annotation`, each step is followed by the state after it (`environments.pddl.states`);
    `goal_view`: see `compact_context`."""
    actions = tuple(s.name for s in task.domain.schemas) + (NOOP,)
    arg_domains = argument_domains(task, names)
    segments: list = [compact_context(task, names, implied, goal_view) + " "]
    for i in range(max_steps):
        if i:
            segments.append(" ")
        segments += ["( ", Slot(f"s{i}.act", choices=actions)]
        for j, objs in enumerate(arg_domains):
            segments += [" ", Slot(f"s{i}.arg{j}", choices=objs + (PAD,))]
        segments.append(" )")
        if annotation is not None:
            segments += state_segments(annotation, i, last=i == max_steps - 1)
    return Template(tuple(segments))


def text_template(task: GroundTask, max_steps: int, wording: Wording = PDDL_WORDING) -> Template:
    """Template of `max_steps` lines, each one slot holding a worded action or `wording.empty`."""
    choices = [wording.to_text(a.name, a.args) for a in task.actions]
    slot_kw = {"choices": tuple(choices) + (wording.empty,)} if 0 < len(choices) <= MAX_TEXT_DOMAIN else {"max_length": TEXT_MAX_TOKENS}
    segments: list = [wording.prefix] if wording.prefix else []
    for i in range(max_steps):
        segments += [Slot(f"s{i}", **slot_kw), "\n"]
    if wording.suffix:
        segments.append(wording.suffix)
    return Template(tuple(segments))


def step_slots(task: GroundTask, i: int, rendering: str) -> tuple[str, ...]:
    """Slot names of template step i."""
    if rendering == "text":
        return (f"s{i}",)
    return (f"s{i}.act", *(f"s{i}.arg{j}" for j in range(len(argument_domains(task)))))


def plan_to_values(task: GroundTask, plan: Sequence[str], max_steps: int, rendering: str, wording: Wording = PDDL_WORDING,
                   names: Mapping[str, str] = NO_NAMES) -> dict[str, str]:
    """Slot values spelling `plan` ("(name args)" strings), empty steps after it; compact
    arguments written as their tokens (`names`)."""
    if len(plan) > max_steps:
        raise ValueError(f"the plan has {len(plan)} steps but the template holds at most {max_steps}")
    width = len(argument_domains(task))
    values: dict[str, str] = {}
    for i in range(max_steps):
        parsed = parse_step(plan[i]) if i < len(plan) else None
        if i < len(plan) and parsed is None:
            raise ValueError(f"plan step {plan[i]!r} is not an action like (name arg ...)")
        if rendering == "text":
            values[f"s{i}"] = wording.to_text(*parsed) if parsed else wording.empty
            continue
        name, args = parsed if parsed else (NOOP, ())
        if len(args) > width:
            raise ValueError(f"plan step {plan[i]!r} has more arguments than any action ({width})")
        values[f"s{i}.act"] = name
        for j in range(width):
            values[f"s{i}.arg{j}"] = rename(names, args[j]) if j < len(args) else PAD
    return values


def parse_values(
    task: GroundTask, values: Mapping[str, str], max_steps: int, rendering: str, wording: Wording = PDDL_WORDING,
    names: Mapping[str, str] = NO_NAMES,
) -> tuple[list[str], list[int]]:
    """The plan spelled by slot values (empty steps dropped) and each plan step's template step index.

    Compact argument tokens are read back as the objects they stand for (`names`); values that
    are not actions are kept verbatim so the checker blames them.
    """
    values = slot_values(values)
    objects = {token: name for name, token in names.items()}
    width = len(argument_domains(task))
    plan: list[str] = []
    positions: list[int] = []
    for i in range(max_steps):
        if rendering == "text":
            line = " ".join(values.get(f"s{i}", "").split())
            if not line or line.lower() == wording.empty.lower():
                continue
            plan.append(wording.from_text(line))
        else:
            name = values.get(f"s{i}.act", "").strip().lower()
            args = [rename(objects, values.get(f"s{i}.arg{j}", "").strip().lower() or PAD) for j in range(width)]
            while args and args[-1] == PAD:
                args.pop()
            if name in ("", NOOP) and not args:
                continue
            plan.append("(" + " ".join([name or "?", *args]) + ")")
        positions.append(i)
    return plan, positions


def compact_vocabulary(action_names: Sequence[str], objects: Sequence[str], predicates: Sequence[str] = (),
                       state_words: Sequence[str] | None = None, goal_view: str = "whole") -> list[str]:
    """Every token of a compact template or plan: brackets, NOOP, PAD, action names, objects,
    then the context words and predicate names (appended, so earlier ids never move); with
    `state_words` (a state view's values), the state brackets and those words; with a split
    `goal_view`, HELD last."""
    words = list(COMPACT_FIXED) + [NOOP, PAD]
    states = [] if state_words is None else [OPEN, CLOSE, *state_words]
    held = [HELD] if check_goal_view(goal_view) == "split" else []
    for word in [*action_names, *objects, *CONTEXT_WORDS, *predicates, *states, *held]:
        if word not in words:
            words.append(word)
    return words
