"""Seeded assembly generator: a random precedence DAG, fastenings, cure times, inspections, and the optimum."""

from __future__ import annotations

import random
from dataclasses import dataclass

from constraints import InputError
from environments.assembly.problem import AssemblyProblem, Part, Subassembly
from environments.assembly.checks import simulate
from environments.assembly.oracle import optimize

PART_NAMES = ("base", "frame", "bracket", "panel", "cover", "motor", "fan", "board", "shaft", "gear", "lid", "handle",
              "hinge", "leg", "seat", "wheel")


@dataclass(frozen=True)
class Instance:
    """A generated problem with its optimal plan and makespan."""

    problem: AssemblyProblem
    plan: list[str]
    makespan: int


def generate(seed: int, *, n_parts: int = 6, deadlines: bool = False, fixtures: int | None = None) -> Instance:
    """A random assembly task with its optimal plan.

    Args:
        seed: same seed and knobs, same instance.
        n_parts: number of parts (1-16).
        deadlines: give each inspection a deadline the optimal plan just meets (plus 0-2 slack).
        fixtures: clamps for curing glue (random 1-2 if None).
    """
    if not 1 <= n_parts <= len(PART_NAMES):
        raise InputError(f"n_parts must be 1-{len(PART_NAMES)}, got {n_parts}")
    rng = random.Random(seed)
    names = rng.sample(PART_NAMES, n_parts)
    parts = []
    for name in names:
        fasten = rng.choices(("screw", "glue", "none"), weights=(5, 3, 2))[0]
        parts.append(Part(name=name, fasten=fasten, cure=rng.randint(2, 6) if fasten == "glue" else 0))
    edges = []
    for j in range(1, n_parts):  # names are in a hidden topological order; listing order is shuffled below
        for i in rng.sample(range(j), min(j, rng.choice((1, 1, 2)))):
            edges.append((names[i], names[j]))
    subs = []
    for k, top in enumerate(rng.sample(names[1:] or names, min(2, max(1, n_parts - 1)))):
        members = [top] + [a for a in names if (a, top) in set(edges) or _reaches(edges, a, top)]
        subs.append(Subassembly(name=f"sub{k + 1}", parts=tuple(sorted(members, key=names.index))))
    rng.shuffle(parts)
    problem = AssemblyProblem(parts=tuple(parts), precedence=tuple(edges), subassemblies=tuple(subs),
                              fixtures=fixtures or rng.choice((1, 2)), tool_change=rng.choice((2, 3)), max_steps=128)
    sol = optimize(problem)
    if deadlines:
        finish = {}
        state_plan = sol.plan
        for i, step in enumerate(state_plan):
            if step.startswith("inspect("):
                finish[step[8:-1]] = simulate(problem, state_plan[: i + 1]).state.time
        subs = [s.model_copy(update={"deadline": finish[s.name] + rng.randint(0, 2)}) for s in subs]
        problem = problem.model_copy(update={"subassemblies": tuple(subs)})
        sol = optimize(problem)
    problem = AssemblyProblem.model_validate({**problem.model_dump(), "max_steps": len(sol.plan) + rng.randint(1, 3)})
    return Instance(problem, sol.plan, sol.makespan)


def _reaches(edges: list[tuple[str, str]], a: str, b: str) -> bool:
    frontier, seen = [a], set()
    while frontier:
        x = frontier.pop()
        for u, v in edges:
            if u == x and v not in seen:
                if v == b:
                    return True
                seen.add(v)
                frontier.append(v)
    return False
