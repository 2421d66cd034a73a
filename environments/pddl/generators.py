"""Random problem generators for two classic domains, written as PDDL problem text.

They make the training problems of the shipped gripper and logistics models (never the
evaluation files). Gripper (IPC 1998): a robot with two grippers carries balls between rooms.
Logistics (IPC 1998, PlanBench's naming): packages travel by truck within a city and by
airplane between cities' airports.
"""

from __future__ import annotations

import random

from environments.pddl.writer import render_problem

GRIPPER_DOMAIN = "gripper-strips"
LOGISTICS_DOMAIN = "logistics-strips"


def gripper_problem(seed: int, balls: int = 4, rooms: int = 2) -> str:
    """A gripper problem: balls ball1.. and the robot in random rooms (rooma, roomb, ...), each ball's
    goal a random room (at least one ball must move).

    >>> "(at-robby" in gripper_problem(0)
    True
    """
    if balls < 1 or not 2 <= rooms <= 26:
        raise ValueError(f"gripper needs at least 1 ball and 2..26 rooms, got balls={balls}, rooms={rooms}")
    rng = random.Random(seed)
    room_names = [f"room{chr(ord('a') + i)}" for i in range(rooms)]
    ball_names = [f"ball{i + 1}" for i in range(balls)]
    start = {b: rng.choice(room_names) for b in ball_names}
    goal = {b: rng.choice(room_names) for b in ball_names}
    while goal == start:
        goal[rng.choice(ball_names)] = rng.choice(room_names)
    init = {("room", r) for r in room_names} | {("ball", b) for b in ball_names}
    init |= {("gripper", "left"), ("gripper", "right"), ("free", "left"), ("free", "right")}
    init |= {("at-robby", rng.choice(room_names))} | {("at", b, r) for b, r in start.items()}
    objects = [(name, "object") for name in room_names + ball_names + ["left", "right"]]
    return render_problem(f"gripper-{balls}-{rooms}-{seed}", GRIPPER_DOMAIN, objects, init,
                          [("at", b, r) for b, r in goal.items()])


def logistics_problem(seed: int, cities: int = 2, size: int = 2, packages: int = 2, airplanes: int = 1,
                      goals: int | None = None) -> str:
    """A logistics problem named as PlanBench's: cities c0.., locations l{city}-{i} (l{city}-0 the
    airport), one truck t{city} per city, airplanes a0.. at random airports, packages p0.. at random
    locations; `goals` packages (default: all) must reach another random location.

    >>> "(airport l0-0)" in logistics_problem(0)
    True
    """
    if cities < 1 or size < 1 or packages < 1 or airplanes < 0:
        raise ValueError(f"logistics needs cities, size and packages >= 1, got {cities}, {size}, {packages}")
    rng = random.Random(seed)
    city_names = [f"c{c}" for c in range(cities)]
    locations = [f"l{c}-{i}" for c in range(cities) for i in range(size)]
    airports = [f"l{c}-0" for c in range(cities)]
    trucks = [f"t{c}" for c in range(cities)]
    planes = [f"a{i}" for i in range(airplanes)]
    parcels = [f"p{i}" for i in range(packages)]
    init = {("city", c) for c in city_names} | {("location", loc) for loc in locations}
    init |= {("in-city", loc, f"c{loc[1:].split('-')[0]}") for loc in locations} | {("airport", a) for a in airports}
    init |= {("truck", t) for t in trucks} | {("airplane", a) for a in planes} | {("obj", p) for p in parcels}
    init |= {("at", t, f"l{c}-{rng.randrange(size)}") for c, t in enumerate(trucks)}
    init |= {("at", a, rng.choice(airports)) for a in planes}
    start = {p: rng.choice(locations) for p in parcels}
    init |= {("at", p, loc) for p, loc in start.items()}
    moved = rng.sample(parcels, len(parcels) if goals is None else min(goals, len(parcels)))
    goal = [("at", p, rng.choice([loc for loc in locations if loc != start[p]] or locations)) for p in moved]
    objects = [(name, "object") for name in planes + city_names + trucks + locations + parcels]
    return render_problem(f"logistics-c{cities}-s{size}-p{packages}-a{airplanes}-{seed}", LOGISTICS_DOMAIN, objects,
                          init, goal)
