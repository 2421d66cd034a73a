"""The step rules of the action-plan domains equal a full listing of every step at every prefix.

`PddlSteps` and `KitchenSteps` check a committed step alone and reuse the value sets of open
steps in an unknown state; the references below list every applicable action at every step (the
implementations they replaced; for PDDL, those that change the state). Partials come from oracle
plans, cut, perturbed and left open.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from environments import get_environment
from environments.kitchen.allowed import _copy, kitchen_allowed_values, typed_steps
from environments.kitchen.checks import KitchenState, apply_step, goal_violations
from environments.kitchen.templates import EMPTY
from environments.pddl.allowed import pddl_allowed_values
from environments.pddl.grounding import apply, is_applicable
from environments.pddl.templates import NOOP, PAD, argument_domains

DATA = Path(__file__).resolve().parents[2] / "environments" / "pddl" / "data"


def reference_pddl(task, partial, max_steps):
    width = len(argument_domains(task))
    noop = (NOOP, (PAD,) * width)
    every = [(a.name, tuple(a.args) + (PAD,) * (width - len(a.args)), a) for a in task.actions]
    state, known, allowed = task.init, True, {}
    for i in range(max_steps):
        names = [f"s{i}.act"] + [f"s{i}.arg{j}" for j in range(width)]
        held = [partial.get(name) for name in names]
        held = [None if v is None else (v.strip().lower() or PAD) for v in held]
        options = [(n, args, a) for n, args, a in every
                   if not known or (is_applicable(a, state) and apply(a, state) != state)]
        reached = known and task.is_goal(state)
        if reached:
            options = []
        if not known or reached or not options:
            options.append((noop[0], noop[1], None))
        fits = [o for o in options if all(h is None or h == v for h, v in zip(held, (o[0], *o[1])))]
        for k, name in enumerate(names):
            if held[k] is None:
                allowed[name] = {(o[0], *o[1])[k] for o in fits}
        if known and None not in held and len(fits) == 1:
            if fits[0][2] is not None:
                state = apply(fits[0][2], state)
        else:
            known = False
    return allowed


def reference_kitchen(problem, partial):
    every, empty = typed_steps(problem), (EMPTY, EMPTY, EMPTY)
    state, allowed = KitchenState.initial(problem), {}
    for i in range(problem.max_steps):
        names = (f"s{i}_act", f"s{i}_a1", f"s{i}_a2")
        held = [partial.get(n) for n in names]
        held = [None if v is None else (v.strip() or EMPTY) for v in held]
        options = [empty]
        reached = state is None or not goal_violations(problem, state)
        for step in every:
            if state is not None:
                trial = _copy(state)
                violations, took, _ = apply_step(problem, trial, i, step[0], step[1:2] if step[2] == EMPTY else step[1:])
                if violations or not took:
                    continue
            options.append(step)
        if not reached and len(options) > 1:
            options.remove(empty)
        fits = [o for o in options if all(h is None or h == v for h, v in zip(held, o))]
        for k, name in enumerate(names):
            if held[k] is None:
                allowed[name] = {o[k] for o in fits}
        if state is not None and None not in held and len(fits) == 1 and fits[0] != empty:
            apply_step(problem, state, i, fits[0][0], fits[0][1:2] if fits[0][2] == EMPTY else fits[0][1:])
        elif not (state is not None and None not in held and fits == [empty]):
            state = None
    return allowed


def partials(values, steps, empty, words, rng, n=80):
    """Slot values of an oracle plan: a prefix of steps kept, the rest open; in half of them some
    steps made empty, some slots opened or replaced by other words. `steps` lists each step's slot names."""
    out = []
    for _ in range(n):
        cut, noisy = rng.randrange(len(steps) + 1), rng.random() < 0.5
        partial = {}
        for i, names in enumerate(steps):
            step = [values[name] if i < cut else None for name in names]
            roll = rng.random() if noisy else 1.0
            if roll < 0.15:
                step = list(empty)  # the empty step, before or after the goal
            elif roll < 0.25:
                step[rng.randrange(len(step))] = rng.choice(words)
            elif roll < 0.35:
                step[rng.randrange(len(step))] = None
            partial.update(zip(names, step))
        out.append(partial)
    return out


@pytest.mark.parametrize("blocks, seed", [(3, 0), (4, 1), (5, 2)])
def test_pddl_step_rules_equal_a_full_listing(blocks, seed):
    env = get_environment("blocksworld")
    problem = env.prepare(env.generate(seed, blocks=blocks))
    problem = problem.model_copy(update={"max_steps": problem.max_steps + 2})  # room after the goal
    task, n = env.task(problem), problem.max_steps
    values = env.plan_to_values(problem, env.solve(problem), "compact")
    width = len(argument_domains(task))
    steps = [[f"s{i}.act"] + [f"s{i}.arg{j}" for j in range(width)] for i in range(n)]
    rules = env.slot_rules(problem)
    words = sorted({v for v in values.values()} | {"", "nothing"})
    for partial in partials(values, steps, [NOOP] + [PAD] * width, words, random.Random(seed)):
        expected = reference_pddl(task, partial, n)
        assert rules.allowed_values(partial) == expected
        assert pddl_allowed_values(task, partial, n) == expected


@pytest.mark.parametrize("task, objects, seed", [("tidy", 4, 0), ("set_table", 3, 1), ("slice_place", 5, 2),
                                                 ("heat_place", 4, 3), ("pick_two", 3, 4)])
def test_kitchen_step_rules_equal_a_full_listing(task, objects, seed):
    env = get_environment("kitchen")
    problem = env.prepare(env.generate(seed, task=task, n_objects=objects))
    values = env.plan_to_values(problem, env.solve(problem), "compact")
    steps = [[f"s{i}_act", f"s{i}_a1", f"s{i}_a2"] for i in range(problem.max_steps)]
    rules = env.slot_rules(problem)
    words = sorted({v for v in values.values()} | {"", "none", "fridge"})
    for partial in partials(values, steps, [EMPTY] * 3, words, random.Random(seed)):
        expected = reference_kitchen(problem, partial)
        assert rules.allowed_values(partial) == expected
        assert kitchen_allowed_values(problem, partial) == expected


def test_a_pddl_step_that_changes_nothing_is_not_offered():
    from environments.pddl import PDDLEnvironment
    from environments.pddl.generators import gripper_problem

    text = gripper_problem(3, balls=2, rooms=2)
    env = PDDLEnvironment((DATA / "gripper.pddl").read_text(encoding="utf-8"))
    problem = env.prepare(env.parse_problem(text).model_copy(update={"max_steps": 6}))
    task = env.task(problem)
    robby = next(atom[1] for atom in task.init if atom[0] == "at-robby")
    other = next(atom[1] for atom in task.init if atom[0] == "room" and atom[1] != robby)
    rules = env.slot_rules(problem)
    # a move from the robot's room to itself changes nothing
    assert robby not in rules.allowed_values({"s0.act": "move", "s0.arg0": robby})["s0.arg1"]
    assert other in rules.allowed_values({"s0.act": "move", "s0.arg0": robby})["s0.arg1"]
    # longer loops stay: after moving away, the robot may move back
    back = rules.allowed_values({"s0.act": "move", "s0.arg0": robby, "s0.arg1": other, "s0.arg2": PAD,
                                 "s1.act": "move", "s1.arg0": other})
    assert back["s1.arg1"] == {robby}
    # a committed step that changes nothing ends what is known: the next step may be anything typed
    later = rules.allowed_values({"s0.act": "move", "s0.arg0": robby, "s0.arg1": robby, "s0.arg2": PAD})
    assert NOOP in later["s1.act"] and "move" in later["s1.act"]
