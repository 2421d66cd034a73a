"""Kitchen plan templates (compact word slots, numbered text lines), vocabulary and instructions.

Compact: a header of vocabulary words describing the task, then `max_steps` steps of three slots
(action, first argument, second argument), "none" filling unused slots and empty steps.
Text: the natural-language instruction, then one numbered line slot per step ("none" = empty).
"""

from __future__ import annotations

from typing import Mapping

from constraints import InputError, Slot, Template
from environments.action_plans.actions import format_action, parse_action
from environments.base import slot_values
from environments.kitchen.problem import (
    ACTIONS, DEFAULT_LAYOUT, KINDS, OPENABLE, PROPERTIES, STATES, Before, CloseWithin, Deadline, DistanceBudget,
    KitchenProblem, NoHotInFridge, NoMetalInMicrowave,
)

EMPTY = "none"
_WORDS = ("start", "goal", "rule", "plan", ";", "before", "within", "deadline", "budget", "nometal", "nohot")
_OBJECT_WORDS = tuple(KINDS) + tuple(f"{k}{d}" for k in KINDS for d in range(1, 4))
TEXT_STEP_TOKENS = 12  # room for "place(plate2, dishwasher)" in a subword tokenizer


def vocabulary() -> list[str]:
    """Every word a compact kitchen template or plan can contain (default location names)."""
    words = [EMPTY, *_WORDS, *ACTIONS, *DEFAULT_LAYOUT, *_OBJECT_WORDS, *STATES, *PROPERTIES]
    words += [str(k) for k in range(100)]
    return list(dict.fromkeys(words))


def _header(problem: KitchenProblem) -> list[str]:
    words = ["start", problem.start, ";"]
    for o in problem.objects:
        words += [o.name, o.location, *o.properties, *o.states, ";"]
    for g in problem.goal:
        words += ["goal", g.object, g.location, *g.states, ";"]
    for c in problem.constraints:
        if isinstance(c, Before):
            (f, fa), (t, ta) = parse_action(c.first), parse_action(c.then)
            words += ["rule", "before", f, *fa, t, *ta]
        elif isinstance(c, CloseWithin):
            words += ["rule", "within", c.receptacle, str(c.steps)]
        elif isinstance(c, Deadline):
            words += ["rule", "deadline", c.object, c.location, str(c.step)]
        elif isinstance(c, DistanceBudget):
            words += ["rule", "budget", str(c.budget)]
        else:
            words += ["rule", "nometal" if isinstance(c, NoMetalInMicrowave) else "nohot"]
        words.append(";")
    return words + ["plan"]


def template(problem: KitchenProblem, rendering: str = "compact") -> Template:
    """The plan template: compact word slots or numbered text lines, `problem.max_steps` steps."""
    if rendering == "compact":
        header = _header(problem)
        unknown = sorted(set(header) - set(vocabulary()))
        if unknown:
            raise InputError(f"compact kitchen templates need vocabulary words; unknown: {unknown}")
        objs, locs = tuple(o.name for o in problem.objects), tuple(problem.layout)
        segs: list = [" ".join(header) + " "]
        for i in range(problem.max_steps):
            segs += [Slot(f"s{i}_act", choices=(*ACTIONS, EMPTY)), " ", Slot(f"s{i}_a1", choices=(*objs, *locs, EMPTY)), " ",
                     Slot(f"s{i}_a2", choices=(*locs, EMPTY)), " ;" if i == problem.max_steps - 1 else " ; "]
        return Template(tuple(segs))
    if rendering == "text":
        segs = [instruction(problem) + f"\nPlan (at most {problem.max_steps} actions, one per line, 'none' when done):\n"]
        for i in range(problem.max_steps):
            segs += [f"{i + 1}. ", Slot(f"s{i}", max_length=TEXT_STEP_TOKENS), "\n"]
        return Template(tuple(segs))
    raise InputError(f"unknown rendering {rendering!r}; renderings: compact, text")


def plan_to_values(problem: KitchenProblem, plan: list[str], rendering: str = "compact") -> dict[str, str]:
    """Slot values spelling `plan` (steps past its end are empty)."""
    if len(plan) > problem.max_steps:
        raise InputError(f"plan has {len(plan)} steps; the template holds {problem.max_steps}")
    values: dict[str, str] = {}
    for i in range(problem.max_steps):
        text = plan[i] if i < len(plan) else None
        if rendering == "text":
            values[f"s{i}"] = text or EMPTY
            continue
        parsed = parse_action(text) if text else None
        name, args = parsed if parsed else (EMPTY, ())
        args = (*args, EMPTY, EMPTY)
        values.update({f"s{i}_act": name, f"s{i}_a1": args[0], f"s{i}_a2": args[1]})
    return values


def step_slots(problem: KitchenProblem, values: Mapping[str, str], rendering: str = "compact") -> tuple[list[str], list[tuple[str, ...]]]:
    """The non-empty steps spelled by `values` and, for each, the slot names that spell it."""
    values = slot_values(values)
    steps, slots = [], []
    for i in range(problem.max_steps):
        if rendering == "text":
            text = values.get(f"s{i}", "").strip()
            if text and text.lower() not in (EMPTY, "done"):
                steps.append(text)
                slots.append((f"s{i}",))
            continue
        name = values.get(f"s{i}_act", EMPTY).strip() or EMPTY
        if name == EMPTY:
            continue
        args = [a for a in (values.get(f"s{i}_a1", EMPTY).strip(), values.get(f"s{i}_a2", EMPTY).strip()) if a and a != EMPTY]
        steps.append(format_action(name, args))
        slots.append((f"s{i}_act", f"s{i}_a1", f"s{i}_a2"))
    return steps, slots


def empty_step_slots(problem: KitchenProblem, values: Mapping[str, str], rendering: str = "compact") -> tuple[str, ...]:
    """The slots of the first empty step (where a missing action could go), or () if none is empty."""
    _, used = step_slots(problem, values, rendering)
    taken = {s for group in used for s in group}
    for i in range(problem.max_steps):
        group = (f"s{i}",) if rendering == "text" else (f"s{i}_act", f"s{i}_a1", f"s{i}_a2")
        if group[0] not in taken:
            return group
    return ()


def _thing(obj: str, loc: str) -> str:
    prep = "on" if loc in ("counter", "table", "shelf", "stove") else "in"
    return f"{prep} the {loc}"


def _phrase(text: str) -> str:
    parsed = parse_action(text)
    if parsed is None or not parsed[1]:
        return text
    name, args = parsed
    a = args[0]
    return {"goto": f"go to the {a}", "open": f"open the {a}", "close": f"close the {a}", "pick": f"pick up the {a}",
            "place": f"put the {a} {_thing(a, args[-1])}", "throw": f"throw the {a} away", "wash": f"wash the {a}",
            "heat": f"heat the {a}", "cool": f"cool the {a}", "slice": f"slice the {a}"}.get(name, text)


def instruction(problem: KitchenProblem) -> str:
    """A natural-language instruction: scene, goal, then one sentence per constraint."""
    scene = [f"You are a robot at the {problem.start}."]
    for o in problem.objects:
        adj = " ".join(s for s in o.states if s != "clean") or ("clean" if "clean" in o.states else "dirty" if o.name.rstrip("123") in
                                                                   ("mug", "cup", "plate", "bowl", "fork", "spoon", "pan") else "")
        scene.append(f"There is a{'n' if (adj or o.name)[0] in 'aeiou' else ''} {(adj + ' ') if adj else ''}{o.name} {_thing(o.name, o.location)}.")
    parts = []
    for g in problem.goal:
        adj = ", ".join(g.states)
        if g.location == "trash":
            parts.append(f"throw the {g.object} away")
        else:
            parts.append(f"put {'a ' + adj + ' ' if adj else 'the '}{g.object} {_thing(g.object, g.location)}")
    lead = {"set_table": f"Set the table for {len(problem.goal) // 2 or 1}: ", "tidy": "Tidy up: "}.get(problem.task, "")
    goal = lead + ", then ".join(parts)
    goal = goal[0].upper() + goal[1:] + "."
    rules = []
    for c in problem.constraints:
        if isinstance(c, Before):
            rules.append(f"{_phrase(c.first).capitalize()} before you {_phrase(c.then)}.")
        elif isinstance(c, CloseWithin):
            rules.append(f"Close the {c.receptacle} within {c.steps} steps of opening it.")
        elif isinstance(c, Deadline):
            rules.append(f"The {c.object} must be {_thing(c.object, c.location)} by step {c.step + 1}.")
        elif isinstance(c, DistanceBudget):
            rules.append(f"Travel at most {c.budget} metres in total.")
        elif isinstance(c, NoMetalInMicrowave):
            rules.append("Never put anything metal in the microwave.")
        elif isinstance(c, NoHotInFridge):
            rules.append("Never put anything hot in the fridge.")
    openers = ", ".join(sorted(set(OPENABLE) & set(problem.layout)))
    tail = f"The {openers} must be open to reach inside."
    return " ".join(scene + [goal] + rules + [tail])
