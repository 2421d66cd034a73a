"""Kitchen export to PDDL (STRIPS + typing + negative and disjunctive preconditions) and plan translation.

Exported: travel graph (without costs), gripper, openable receptacles, capacities (counter objects),
object states, the safety constraints, and "before" constraints of the form X(o) before place(o, r) with
X in wash/heat/cool/slice. Not exported (PDDL without numbers or time cannot say them): travel costs,
close_within, step deadlines, the distance budget and other "before" shapes; see `unexported`.
"""

from __future__ import annotations

from environments.action_plans.actions import parse_action
from environments.kitchen.checks import KitchenState, apply_step, parse_step
from environments.kitchen.problem import HEATERS, OPENABLE, Before, KitchenProblem, NoHotInFridge, NoMetalInMicrowave

_MARKS = ("wash", "heat", "cool", "slice")
_ACCESS = "(or (not (openable ?l)) (opened ?l))"
_GUARDS = " ".join(f"(or (not (guard-{m} ?o ?l)) (did-{m} ?o))" for m in _MARKS)

DOMAIN = f"""(define (domain kitchen)
  (:requirements :strips :typing :negative-preconditions :disjunctive-preconditions)
  (:types loc obj num)
  (:predicates (at ?l - loc) (in ?o - obj ?l - loc) (holding ?o - obj) (handempty) (trashed ?o - obj)
    (openable ?l - loc) (opened ?l - loc) (is-sink ?l - loc) (is-heater ?l - loc) (is-cooler ?l - loc) (is-trashcan ?l - loc)
    (clean ?o - obj) (hot ?o - obj) (cold ?o - obj) (sliced ?o - obj)
    (metal ?o - obj) (perishable ?o - obj) (sliceable ?o - obj) (is-knife ?o - obj)
    (count ?l - loc ?n - num) (next ?n - num ?m - num) (fits ?l - loc ?n - num)
    (no-metal ?l - loc) (no-hot ?l - loc)
    {' '.join(f'(did-{m} ?o - obj) (guard-{m} ?o - obj ?l - loc)' for m in _MARKS)})
  (:action goto :parameters (?from - loc ?to - loc)
    :precondition (and (at ?from) (not (at ?to)))
    :effect (and (not (at ?from)) (at ?to)))
  (:action open :parameters (?l - loc)
    :precondition (and (at ?l) (openable ?l) (not (opened ?l)))
    :effect (opened ?l))
  (:action close :parameters (?l - loc)
    :precondition (and (at ?l) (openable ?l) (opened ?l))
    :effect (not (opened ?l)))
  (:action pick :parameters (?o - obj ?l - loc ?n - num ?m - num)
    :precondition (and (at ?l) (in ?o ?l) (handempty) {_ACCESS} (count ?l ?m) (next ?n ?m))
    :effect (and (not (in ?o ?l)) (holding ?o) (not (handempty)) (not (count ?l ?m)) (count ?l ?n)))
  (:action place :parameters (?o - obj ?l - loc ?n - num ?m - num)
    :precondition (and (at ?l) (holding ?o) (not (is-trashcan ?l)) {_ACCESS} (count ?l ?n) (next ?n ?m) (fits ?l ?m)
      (or (not (metal ?o)) (not (no-metal ?l))) (or (not (hot ?o)) (not (no-hot ?l))) {_GUARDS})
    :effect (and (in ?o ?l) (handempty) (not (holding ?o)) (not (count ?l ?n)) (count ?l ?m)))
  (:action wash :parameters (?o - obj ?l - loc)
    :precondition (and (holding ?o) (at ?l) (is-sink ?l))
    :effect (and (clean ?o) (did-wash ?o)))
  (:action heat :parameters (?o - obj ?l - loc)
    :precondition (and (holding ?o) (at ?l) (is-heater ?l) {_ACCESS} (or (not (metal ?o)) (not (no-metal ?l))))
    :effect (and (hot ?o) (not (cold ?o)) (did-heat ?o)))
  (:action cool :parameters (?o - obj ?l - loc)
    :precondition (and (holding ?o) (at ?l) (is-cooler ?l) (opened ?l) (or (not (hot ?o)) (not (no-hot ?l))))
    :effect (and (cold ?o) (not (hot ?o)) (did-cool ?o)))
  (:action slice :parameters (?o - obj ?k - obj ?l - loc)
    :precondition (and (holding ?k) (is-knife ?k) (at ?l) (in ?o ?l) (sliceable ?o) {_ACCESS})
    :effect (and (sliced ?o) (did-slice ?o)))
  (:action throw :parameters (?o - obj ?l - loc)
    :precondition (and (holding ?o) (at ?l) (is-trashcan ?l))
    :effect (and (trashed ?o) (handempty) (not (holding ?o)))))
"""


def _guard(c: Before) -> tuple[str, str, str] | None:
    first, then = parse_action(c.first), parse_action(c.then)
    if first and then and first[0] in _MARKS and then[0] == "place" and len(first[1]) == 1 and len(then[1]) == 2 \
            and first[1][0] == then[1][0]:
        return first[0], then[1][0], then[1][1]
    return None


def unexported(problem: KitchenProblem) -> list[str]:
    """The constraints of `problem` that the PDDL export leaves out (its type or before-text)."""
    out = []
    for c in problem.constraints:
        if isinstance(c, Before):
            if _guard(c) is None:
                out.append(f"before({c.first}, {c.then})")
        elif not isinstance(c, (NoMetalInMicrowave, NoHotInFridge)):
            out.append(c.type)
    return out


def to_pddl(problem: KitchenProblem) -> tuple[str, str]:
    """`(domain, problem)` PDDL text for `problem` (see the module docstring for what is left out)."""
    locs, objs = list(problem.layout), [o.name for o in problem.objects]
    top = max([problem.capacity_of(l) for l in locs] + [len(objs)])
    nums = [f"n{k}" for k in range(top + 1)]
    init = [f"(at {problem.start})", "(handempty)"]
    init += [f"(next n{k} n{k + 1})" for k in range(top)]
    for l in locs:
        init.append(f"(count {l} n{sum(o.location == l for o in problem.objects)})")
        init += [f"(fits {l} n{k})" for k in range(problem.capacity_of(l) + 1)]
        init += [f"({p} {l})" for p, on in (("openable", l in OPENABLE), ("is-sink", l == "sink"), ("is-heater", l in HEATERS),
                                             ("is-cooler", l == "fridge"), ("is-trashcan", l == "trash")) if on]
    for o in problem.objects:
        init.append(f"(in {o.name} {o.location})")
        init += [f"({s} {o.name})" for s in o.states]
        init += [f"({'is-knife' if p == 'knife' else p} {o.name})" for p in o.properties]
    kinds = {type(c) for c in problem.constraints}
    if NoMetalInMicrowave in kinds and "microwave" in locs:
        init.append("(no-metal microwave)")
    if NoHotInFridge in kinds and "fridge" in locs:
        init.append("(no-hot fridge)")
    for c in problem.constraints:
        if isinstance(c, Before) and _guard(c):
            mark, obj, loc = _guard(c)
            init.append(f"(guard-{mark} {obj} {loc})")
    goal = []
    for g in problem.goal:
        goal.append(f"(trashed {g.object})" if g.location == "trash" else f"(in {g.object} {g.location})")
        goal += [f"({s} {g.object})" for s in g.states]
    text = (f"(define (problem kitchen-task) (:domain kitchen)\n  (:objects {' '.join(locs)} - loc {' '.join(objs)} - obj "
            f"{' '.join(nums)} - num)\n  (:init {' '.join(init)})\n  (:goal (and {' '.join(goal)})))\n")
    return DOMAIN, text


def plan_to_pddl(problem: KitchenProblem, plan: list[str]) -> list[str]:
    """The plan as grounded PDDL actions ("(goto counter fridge)"), filling the extra parameters.

    Unparseable steps become "(unknown-step)", so a validator rejects them.
    """
    state = KitchenState.initial(problem)
    out = []
    for i, text in enumerate(plan):
        parsed, bad = parse_step(problem, i, text)
        if bad is not None:
            out.append("(unknown-step)")
            continue
        name, args = parsed
        at, held, arg = state.at, state.holding, args[0]
        if name == "goto":
            line = f"(goto {at} {arg})"
        elif name == "pick":
            c = state.count(state.where[arg]) if state.where[arg] in problem.layout else 0
            line = f"(pick {arg} {state.where[arg] if state.where[arg] in problem.layout else at} n{max(c - 1, 0)} n{c})"
        elif name == "place":
            c = state.count(args[1])
            line = f"(place {arg} {args[1]} n{c} n{c + 1})"
        elif name == "slice":
            line = f"(slice {arg} {held or arg} {at})"
        elif name in ("open", "close"):
            line = f"({name} {arg})"
        else:
            line = f"({name} {arg} {at})"
        apply_step(problem, state, i, name, args)
        out.append(line)
    return out
