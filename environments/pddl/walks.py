"""Problems made from a problem's own objects: random walks and goals relabelled from what they reach.

Hindsight relabelling (Andrychowicz et al., 2017, "Hindsight Experience Replay"): a random walk
from a start state reaches some state, and a few atoms that the walk made true become the goal,
so every problem made this way is solvable (unless asked for `far_goals`). Start states are the problem's initial state or,
for variety, a state reached from it by earlier random walks: states the domain's own actions
reach, so no impossible state is ever made up.
"""

from __future__ import annotations

import random
from typing import Sequence

from constraints.errors import InputError
from environments.pddl.grounding import GroundTask, apply, is_applicable
from environments.pddl.names import object_type
from environments.pddl.parsing import Atom
from environments.pddl.writer import render_problem

TRIES = 100  # walks tried before giving up on a problem whose actions never change its state


def random_walk(task: GroundTask, state: frozenset[Atom], steps: int, rng: random.Random, novelty: float = 0.0) -> frozenset[Atom]:
    """The state after up to `steps` random applicable actions from `state` (fewer at a dead end).

    With probability `novelty` a step picks among the actions that make an atom true that the walk
    has not seen yet (when there are any): such walks undo less and wander further.
    """
    seen = set(state)
    for _ in range(steps):
        options = [a for a in task.actions if is_applicable(a, state)]
        if not options:
            break
        if novelty and rng.random() < novelty:
            options = [a for a in options if not a.add <= seen] or options
        state = apply(rng.choice(options), state)
        seen |= state
    return state


def clonable(task: GroundTask) -> list[str]:
    """The problem objects that can be copied soundly: every initial atom of a changing predicate
    that names the object has a sibling that differs from it only where the object stands (as
    (at ball3 rooma) is to (at ball4 rooma)), so a copy gives the other objects one more partner of
    a kind they already have several of. A room holding balls, or the only room with the robot,
    is not copied; a ball is.
    """
    out = []
    for name, _ in task.problem.objects:
        ok = True
        for atom in task.init:
            if atom[0] in task.static or name not in atom[1:]:
                continue
            where = [i for i, arg in enumerate(atom) if i and arg == name]
            if not any(other != atom and other[0] == atom[0] and len(other) == len(atom)
                       and all(other[i] == atom[i] for i in range(1, len(atom)) if i not in where) for other in task.init):
                ok = False
                break
        if ok:
            out.append(name)
    return out


def clone_objects(task: GroundTask, rng: random.Random, copies: int, name: str, goals: bool = False) -> str | None:
    """PDDL text of `task`'s problem with `copies` more objects, each a copy of a random `clonable`
    object with the copies of its initial atoms (and, with `goals`, of the goal literals that name
    it: a copied ball must reach the room its source must reach); None when no object can be copied.
    Copied goals may clash in some domains (two blocks on one); the oracle tells, callers skip those."""
    sources = clonable(task)
    if not sources:
        return None
    objects = _objects(task)
    kinds = dict(objects)
    init, goal_pos, goal_neg = set(task.init), set(task.goal_pos), set(task.goal_neg)
    taken = {obj for obj, _ in objects}
    for j in range(copies):
        source = rng.choice(sources)
        copy = next(f"{source}c{k}" for k in range(j, j + len(taken) + 1) if f"{source}c{k}" not in taken)
        taken.add(copy)
        objects.append((copy, kinds[source]))
        init |= _renamed(task.init, source, copy)
        if goals:
            goal_pos |= _renamed(task.goal_pos, source, copy)
            goal_neg |= _renamed(task.goal_neg, source, copy)
    return render_problem(name, task.domain.name, objects, init, goal_pos, goal_neg, task.problem.numbers)


def _renamed(atoms: frozenset[Atom], source: str, copy: str) -> set[Atom]:
    """The atoms that name `source`, with `copy` in its place."""
    return {tuple(copy if arg == source else arg for arg in atom) for atom in atoms if source in atom[1:]}


def _objects(task: GroundTask) -> list[tuple[str, str]]:
    return [(obj, object_type(types)) for obj, types in task.problem.objects]


def restarted_problem(task: GroundTask, state: frozenset[Atom], name: str) -> str | None:
    """PDDL text of `task` with `state` (one its actions reach) as the initial state and its goal
    kept; None when the goal is more than a conjunction of literals (it is not written back)."""
    if task.goal_rest:
        return None
    return render_problem(name, task.domain.name, _objects(task), state, task.goal_pos, task.goal_neg,
                          numbers=task.problem.numbers)


def _of(state: frozenset[Atom], predicates: set[str]) -> set[Atom]:
    return {atom for atom in state if atom[0] in predicates}


def walk_problem(
    task: GroundTask,
    rng: random.Random,
    name: str,
    *,
    walk_length: int = 8,
    goal_atoms: int = 2,
    restarts: int = 0,
    goal_predicates: Sequence[str] | None = None,
    far_goals: float = 0.0,
    novelty: float = 0.0,
) -> str:
    """PDDL text of a problem over `task`'s objects, reached by a random walk.

    Args:
        task: the ground task whose objects, initial state and cost values are used.
        rng: the source of every choice.
        name: the problem's name.
        walk_length: the longest walk from the start state to the goal state (a walk takes 1..walk_length steps).
        goal_atoms: most goal atoms (half the goals take as many as there are, up to this; the others 1..that).
        restarts: most walks (each 1..walk_length steps) that move the start state away from the initial one.
        goal_predicates: goal atoms are atoms of these predicates true after the walk, at least one
            of them made true by it, when the walk changed any (default: the predicates of the
            task's own goal); else atoms the walk made true.
        far_goals: the share of problems whose goal state is reached by a walk of its own from the
            initial state rather than from the start state: start and goal then lie further apart,
            but the goal may be unreachable from the start in a domain with irreversible actions
            (the oracle tells; callers skip those).
        novelty: how strongly the walk to the goal state seeks atoms it has not seen (`random_walk`).

    Raises:
        InputError: no walk changed the state (the problem's actions cannot run).
    """
    wanted = set(goal_predicates) if goal_predicates is not None else {atom[0] for atom in task.goal_pos}
    objects = _objects(task)
    for _ in range(TRIES):
        start = task.init
        for _ in range(rng.randint(0, restarts)):
            start = random_walk(task, start, rng.randint(1, walk_length), rng)
        origin = task.init if start != task.init and rng.random() < far_goals else start
        state = random_walk(task, origin, rng.randint(1, walk_length), rng, novelty)
        changed = state - start
        preferred = sorted(atom for atom in state if atom[0] in wanted) if changed & _of(state, wanted) else sorted(changed)
        if preferred:
            most = min(goal_atoms, len(preferred))
            goal = rng.sample(preferred, most if rng.random() < 0.5 else rng.randint(1, most))
            if set(goal) & changed:
                return render_problem(name, task.domain.name, objects, start, goal, numbers=task.problem.numbers)
    raise InputError(f"{task.problem.name}: random walks from its initial state never changed the state")
