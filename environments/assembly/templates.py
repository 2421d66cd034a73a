"""Assembly templates (compact word slots, numbered text lines), vocabulary, instruction and PDDL export.

PDDL export covers precedence, tools, the single arm and inspections; cure timers, waits, fixtures
(occupied while glue cures) and deadlines need time and are not exported (wait steps are dropped).
"""

from __future__ import annotations

from typing import Mapping

from constraints import InputError, Slot, Template
from environments.action_plans.actions import format_action, parse_action
from environments.base import slot_values
from environments.assembly.generator import PART_NAMES
from environments.assembly.problem import ACTIONS, TOOLS, AssemblyProblem

EMPTY = "none"
_WORDS = ("part", "edge", "sub", "deadline", "fixtures", "change", "start", "plan", ";", "screw", "glue")


def vocabulary() -> list[str]:
    """Every word of a compact assembly template or plan (generator part names, sub1-sub4, numbers 0-199)."""
    words = [EMPTY, *_WORDS, *ACTIONS, *TOOLS, *PART_NAMES, *(f"sub{k}" for k in range(1, 5)), *(str(k) for k in range(200))]
    return list(dict.fromkeys(words))


def _header(p: AssemblyProblem) -> list[str]:
    w = ["start", p.start_tool, "change", str(p.tool_change), "fixtures", str(p.fixtures), ";"]
    for part in p.parts:
        w += ["part", part.name, part.fasten, *([str(part.cure)] if part.fasten == "glue" else []), ";"]
    for a, b in p.precedence:
        w += ["edge", a, b, ";"]
    for s in p.subassemblies:
        w += ["sub", s.name, *s.parts, *(["deadline", str(s.deadline)] if s.deadline else []), ";"]
    return w + ["plan"]


def wait_choices(p: AssemblyProblem) -> tuple[str, ...]:
    """The numbers a compact `wait` may take: 1 up to the longest cure (waiting longer is never needed)."""
    return tuple(str(k) for k in range(1, max([x.cure for x in p.parts] + [1]) + 1))


def template(p: AssemblyProblem, rendering: str = "compact") -> Template:
    """`max_steps` steps of (action, argument) word slots, or numbered text lines after the instruction."""
    if rendering == "compact":
        header = _header(p)
        unknown = sorted(set(header) - set(vocabulary()))
        if unknown:
            raise InputError(f"compact assembly templates need vocabulary words; unknown: {unknown}")
        args = (*(x.name for x in p.parts), *TOOLS, *(s.name for s in p.subassemblies), *wait_choices(p), EMPTY)
        segs: list = [" ".join(header) + " "]
        for i in range(p.max_steps):
            segs += [Slot(f"s{i}_act", choices=(*ACTIONS, EMPTY)), " ", Slot(f"s{i}_arg", choices=args),
                     " ;" if i == p.max_steps - 1 else " ; "]
        return Template(tuple(segs))
    if rendering == "text":
        segs = [instruction(p) + f"\nPlan (at most {p.max_steps} actions, one per line, 'none' when done):\n"]
        for i in range(p.max_steps):
            segs += [f"{i + 1}. ", Slot(f"s{i}", max_length=10), "\n"]
        return Template(tuple(segs))
    raise InputError(f"unknown rendering {rendering!r}; renderings: compact, text")


def plan_to_values(p: AssemblyProblem, plan: list[str], rendering: str = "compact") -> dict[str, str]:
    """Slot values spelling `plan` (steps past its end are empty)."""
    if len(plan) > p.max_steps:
        raise InputError(f"plan has {len(plan)} steps; the template holds {p.max_steps}")
    values = {}
    for i in range(p.max_steps):
        text = plan[i] if i < len(plan) else None
        if rendering == "text":
            values[f"s{i}"] = text or EMPTY
        else:
            name, args = (parse_action(text) or (text, ())) if text else (EMPTY, ())
            values[f"s{i}_act"], values[f"s{i}_arg"] = name, (args[0] if args else EMPTY)
    return values


def empty_step_slots(p: AssemblyProblem, values: Mapping[str, str], rendering: str = "compact") -> tuple[str, ...]:
    """The slots of the first empty step (where a missing action could go), or () if none is empty."""
    _, used = step_slots(p, values, rendering)
    taken = {group[0] for group in used}
    for i in range(p.max_steps):
        group = (f"s{i}",) if rendering == "text" else (f"s{i}_act", f"s{i}_arg")
        if group[0] not in taken:
            return group
    return ()


def step_slots(p: AssemblyProblem, values: Mapping[str, str], rendering: str = "compact") -> tuple[list[str], list[tuple[str, ...]]]:
    """The non-empty steps spelled by `values` and the slot names behind each; plus helpers for blame."""
    values = slot_values(values)
    steps, slots = [], []
    for i in range(p.max_steps):
        if rendering == "text":
            text = values.get(f"s{i}", "").strip()
            if text and text.lower() not in (EMPTY, "done"):
                steps.append(text)
                slots.append((f"s{i}",))
            continue
        name = values.get(f"s{i}_act", EMPTY).strip() or EMPTY
        if name != EMPTY:
            arg = values.get(f"s{i}_arg", EMPTY).strip()
            steps.append(format_action(name, [arg] if arg and arg != EMPTY else []))
            slots.append((f"s{i}_act", f"s{i}_arg"))
    return steps, slots


def instruction(p: AssemblyProblem) -> str:
    """The task in natural language: parts, order, tools, fixtures, inspections and deadlines."""
    how = {"screw": "screwed", "glue": "glued", "none": "just inserted"}
    lines = [f"Assemble {len(p.parts)} parts with one robot arm, starting with the {p.start_tool.replace('_', ' ')}.",
             f"Changing tools takes {p.tool_change} time units; fetching and inserting take 1, screwing 2, gluing 1."]
    lines += [f"The {x.name} is {how[x.fasten]}" + (f" and cures for {x.cure}." if x.fasten == "glue" else ".") for x in p.parts]
    lines += [f"The {a} must be finished before the {b} goes in." for a, b in p.precedence]
    lines.append(f"There {'is 1 fixture' if p.fixtures == 1 else f'are {p.fixtures} fixtures'} to hold glued parts while they cure.")
    for s in p.subassemblies:
        lines.append(f"Inspect {s.name} ({', '.join(s.parts)}) once it is finished"
                     + (f", by time {s.deadline}." if s.deadline else "."))
    return " ".join(lines + ["Finish as early as possible."])


DOMAIN = """(define (domain assembly)
  (:requirements :strips :typing :negative-preconditions :disjunctive-preconditions :universal-preconditions)
  (:types part tool sub)
  (:predicates (tool-on ?t - tool) (arm-free) (holding ?p - part) (fetched ?p - part) (inserted ?p - part)
    (done ?p - part) (fastened-by ?p - part ?t - tool) (loose ?p - part) (pred ?a - part ?b - part)
    (in-sub ?p - part ?s - sub) (inspected ?s - sub) (is-gripper ?t - tool))
  (:action change_tool :parameters (?from - tool ?to - tool)
    :precondition (and (tool-on ?from) (not (tool-on ?to)) (arm-free))
    :effect (and (not (tool-on ?from)) (tool-on ?to)))
  (:action fetch :parameters (?p - part ?t - tool)
    :precondition (and (tool-on ?t) (is-gripper ?t) (arm-free) (not (fetched ?p)))
    :effect (and (holding ?p) (fetched ?p) (not (arm-free))))
  (:action insert :parameters (?p - part ?t - tool)
    :precondition (and (holding ?p) (tool-on ?t) (is-gripper ?t) (not (loose ?p))
      (forall (?a - part) (or (not (pred ?a ?p)) (done ?a))))
    :effect (and (inserted ?p) (arm-free) (not (holding ?p))))
  (:action insert_loose :parameters (?p - part ?t - tool)
    :precondition (and (holding ?p) (tool-on ?t) (is-gripper ?t) (loose ?p)
      (forall (?a - part) (or (not (pred ?a ?p)) (done ?a))))
    :effect (and (inserted ?p) (done ?p) (arm-free) (not (holding ?p))))
  (:action fasten :parameters (?p - part ?t - tool)
    :precondition (and (inserted ?p) (not (done ?p)) (tool-on ?t) (fastened-by ?p ?t) (arm-free))
    :effect (done ?p))
  (:action inspect :parameters (?s - sub)
    :precondition (and (not (inspected ?s)) (forall (?a - part) (or (not (in-sub ?a ?s)) (done ?a))))
    :effect (inspected ?s)))
"""


def to_pddl(p: AssemblyProblem) -> tuple[str, str]:
    """`(domain, problem)` PDDL text (precedence, tools, arm, inspections; no timing — see the module docstring)."""
    init = [f"(tool-on {p.start_tool})", "(arm-free)", "(is-gripper gripper)"]
    for x in p.parts:
        init.append(f"(loose {x.name})" if x.fasten == "none" else f"(fastened-by {x.name} {'screwdriver' if x.fasten == 'screw' else 'glue_gun'})")
    init += [f"(pred {a} {b})" for a, b in p.precedence]
    init += [f"(in-sub {m} {s.name})" for s in p.subassemblies for m in s.parts]
    goal = [f"(done {x.name})" for x in p.parts] + [f"(inspected {s.name})" for s in p.subassemblies]
    subs = " ".join(s.name for s in p.subassemblies)
    text = (f"(define (problem assembly-task) (:domain assembly)\n  (:objects {' '.join(x.name for x in p.parts)} - part "
            f"{' '.join(TOOLS)} - tool{' ' + subs + ' - sub' if subs else ''})\n  (:init {' '.join(init)})\n"
            f"  (:goal (and {' '.join(goal)})))\n")
    return DOMAIN, text


def plan_to_pddl(p: AssemblyProblem, plan: list[str]) -> list[str]:
    """Grounded PDDL actions for `plan`; wait steps are dropped, unparseable steps become "(unknown-step)"."""
    fasten = {x.name: x.fasten for x in p.parts}
    tool, out = p.start_tool, []
    for text in plan:
        parsed = parse_action(text)
        if not parsed or len(parsed[1]) != 1 or parsed[0] not in ACTIONS:
            out.append("(unknown-step)")
            continue
        name, (arg,) = parsed
        if name == "wait":
            continue
        if name == "change_tool":
            out.append(f"(change_tool {tool} {arg})")
            tool = arg
        elif name == "inspect":
            out.append(f"(inspect {arg})")
        elif name == "insert":
            out.append(f"({'insert_loose' if fasten.get(arg) == 'none' else 'insert'} {arg} {tool})")
        elif name in ("screw", "glue"):
            out.append(f"(fasten {arg} {tool})")
        else:
            out.append(f"({name} {arg} {tool})")
    return out
