"""PDDL hard constraints: per open step slot, the actions and arguments still possible.

Steps are read in order from the initial state while every step so far is committed: the next
step may then only be an action applicable in the reached state (or the empty step). Past the
first open step the state is unknown, and a step may be any ground action (its arguments of
the right types and arity) or the empty step. In a known state the next step is empty exactly
when the goal holds there: an empty step before the goal only wastes a step (plans are read
without their empty steps), and any step after it only makes the plan longer.
"""

from __future__ import annotations

from typing import Mapping

from environments.pddl.grounding import GroundTask, apply, is_applicable
from environments.pddl.names import rename
from environments.pddl.templates import NO_NAMES, NOOP, PAD, argument_domains


def pddl_allowed_values(task: GroundTask, partial: Mapping[str, str | None], max_steps: int,
                        names: Mapping[str, str] = NO_NAMES) -> dict[str, set[str]]:
    """Slot name ('s{i}.act', 's{i}.arg{j}') -> values still consistent with the committed slots
    (arguments as their tokens, `names`)."""
    width = len(argument_domains(task))
    noop = (NOOP, (PAD,) * width)
    every = [(a.name, tuple(rename(names, o) for o in a.args) + (PAD,) * (width - len(a.args)), a) for a in task.actions]
    state = task.init
    known = True  # the state before step i is known (every earlier step committed and applicable)
    allowed: dict[str, set[str]] = {}
    for i in range(max_steps):
        names = [f"s{i}.act"] + [f"s{i}.arg{j}" for j in range(width)]
        held = [partial.get(name) for name in names]
        held = [None if v is None else (v.strip().lower() or PAD) for v in held]
        options = [(n, args, a) for n, args, a in every if not known or is_applicable(a, state)]
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
            action = fits[0][2]
            if action is not None:
                state = apply(action, state)
        else:
            known = False
    return allowed
