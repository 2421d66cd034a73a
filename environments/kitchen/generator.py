"""Seeded kitchen task generator: each instance comes with its optimal plan and cost from the oracle."""

from __future__ import annotations

import random
from dataclasses import dataclass

from constraints import InputError
from environments.kitchen.oracle import search
from environments.kitchen.checks import simulate
from environments.kitchen.problem import (
    KINDS, TASKS, Before, CloseWithin, Deadline, DistanceBudget, GoalItem, KitchenObject, KitchenProblem,
    NoHotInFridge, NoMetalInMicrowave,
)

DISHES = ("mug", "cup", "plate", "bowl", "fork", "spoon")
FOODS = ("apple", "tomato", "lettuce", "bread", "potato", "milk", "egg")
SURFACES = ("counter", "table", "shelf")
SHELVES = ("counter", "table", "shelf", "cabinet", "fridge", "dishwasher")


@dataclass(frozen=True)
class Instance:
    """A generated problem with its optimal plan and cost."""

    problem: KitchenProblem
    plan: list[str]
    cost: int


def _home(obj: KitchenObject) -> str:
    kind = obj.name.rstrip("0123456789")
    if "perishable" in obj.properties:
        return "fridge"
    if kind in DISHES:
        return "cabinet" if "clean" in obj.states else "dishwasher"
    return "trash" if kind == "can" else "shelf"


def _draw(rng: random.Random, task: str, n_objects: int, k: int, n: int) -> tuple[list[KitchenObject], list[GoalItem]]:
    load: dict[str, int] = {}

    def put(kind: str, name: str | None = None, where: tuple[str, ...] = SHELVES, states: tuple[str, ...] = ()) -> KitchenObject:
        spots = [w for w in where if load.get(w, 0) < 2]
        loc = rng.choice(spots)
        load[loc] = load.get(loc, 0) + 1
        return KitchenObject(name=name or kind, location=loc, properties=KINDS[kind], states=states)

    objs: list[KitchenObject] = []
    goal: list[GoalItem] = []
    if task in ("pick_place", "pick_two"):
        kinds = rng.sample(DISHES + FOODS, 2 if task == "pick_two" else 1)
        objs = [put(kd) for kd in kinds]
        dest = rng.choice([d for d in SHELVES if all(o.location != d for o in objs)])
        goal = [GoalItem(object=o.name, location=dest) for o in objs]
    elif task in ("clean_place", "heat_place", "cool_place", "slice_place"):
        state = {"clean_place": "clean", "heat_place": "hot", "cool_place": "cold", "slice_place": "sliced"}[task]
        pool = {"clean_place": DISHES, "heat_place": ("mug", "cup", "bowl", "apple", "potato", "egg", "pan"),
                "cool_place": ("mug", "cup", "apple", "tomato", "milk", "lettuce"), "slice_place": FOODS[:5]}[task]
        kind = rng.choice(pool)
        target = put(kind, where=SURFACES if task == "slice_place" else SHELVES + ("sink",))
        objs = [target]
        if task == "slice_place":
            objs.append(put("knife", where=("counter", "table", "cabinet")))
        dest = rng.choice(("cabinet", "shelf", "table") if task == "clean_place" else ("table", "counter", "shelf"))
        goal = [GoalItem(object=target.name, location=dest, states=(state,))]
    elif task == "tidy":
        for kind in rng.sample(DISHES + FOODS + ("can",), k):
            states = () if kind not in DISHES or rng.random() < 0.5 else ("clean",)
            objs.append(put(kind, where=("counter", "table"), states=states))
        goal = [GoalItem(object=o.name, location=_home(o)) for o in objs]
    elif task == "set_table":
        for i in range(1, n + 1):
            for kind in ("plate", "cup"):
                dirty = rng.random() < 0.3
                objs.append(put(kind, f"{kind}{i}", ("sink",) if dirty else ("cabinet", "dishwasher", "shelf"),
                                () if dirty else ("clean",)))
                goal.append(GoalItem(object=objs[-1].name, location="table", states=("clean",)))
    used = {o.name.rstrip("0123456789") for o in objs}
    spare = [kd for kd in DISHES + FOODS + ("can", "pan") if kd not in used]
    for kind in rng.sample(spare, max(0, min(len(spare), n_objects - len(objs)))):
        objs.append(put(kind))
    return objs, goal


def _constraints(rng: random.Random, problem: KitchenProblem, plan: list[str]) -> list:
    out: list = [NoMetalInMicrowave(), NoHotInFridge()]
    for g in problem.goal:
        if "clean" in g.states and "clean" not in next(o.states for o in problem.objects if o.name == g.object):
            out.append(Before(first=f"wash({g.object})", then=f"place({g.object}, {g.location})"))
    if any(step == "open(fridge)" for step in plan):
        out.append(CloseWithin(receptacle="fridge", steps=rng.choice((2, 3))))
    props = {o.name: o.properties for o in problem.objects}
    for i, step in enumerate(plan):
        if step.startswith("place(") and step.endswith(", fridge)"):
            obj = step[6:].split(",")[0]
            if "perishable" in props[obj]:
                out.append(Deadline(object=obj, location="fridge", step=i + rng.randint(0, 2)))
    travel = simulate(problem, plan).travel
    out.append(DistanceBudget(budget=travel + rng.randint(0, 3)))
    return out


def generate(seed: int, *, task: str | None = None, n_objects: int = 3, constraints: bool = False,
             k: int = 2, n: int = 1) -> Instance:
    """A random solvable kitchen task with its optimal plan and cost.

    Args:
        seed: same seed and knobs, same instance.
        task: one of TASKS (random if None).
        n_objects: objects in the kitchen (distractors are added up to this number).
        constraints: add ordering, deadline, budget and safety constraints the optimal plan must meet.
        k: objects to put away in "tidy". n: diners in "set_table" (a plate and a cup each).
    """
    if task is not None and task not in TASKS:
        raise InputError(f"unknown kitchen task {task!r}; tasks: {', '.join(TASKS)}")
    if not 1 <= k <= 4 or not 1 <= n <= 3 or not 1 <= n_objects <= 8:
        raise InputError(f"knobs out of range: k={k} (1-4), n={n} (1-3), n_objects={n_objects} (1-8)")
    rng = random.Random(seed)
    for _ in range(50):
        kind = task or rng.choice(TASKS)
        objs, goal = _draw(rng, kind, n_objects, k, n)
        problem = KitchenProblem(start=rng.choice(("counter", "table", "sink")), objects=tuple(objs), task=kind,
                                 goal=tuple(goal), max_steps=64)
        found = search(problem, max_expanded=200_000)
        if found.plan is None or not found.plan:
            continue
        if constraints:
            problem = problem.model_copy(update={"constraints": tuple(_constraints(rng, problem, found.plan))})
            found = search(problem, max_expanded=200_000)
            if found.plan is None:
                continue
        bound = len(found.plan) + rng.randint(1, 3)
        problem = KitchenProblem.model_validate({**problem.model_dump(), "max_steps": bound})
        return Instance(problem, found.plan, found.cost)
    raise InputError(f"no solvable kitchen instance for seed {seed} and these knobs")
