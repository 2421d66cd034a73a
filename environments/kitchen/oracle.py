"""Exact kitchen oracle: uniform-cost search (A* with an admissible, consistent heuristic) over world states.

Cost = travel distance + 1 per other action. The successor function is written here independently of
the simulator, so the simulator can check the oracle's plans. User constraints are part of the state
(constraint progress, step count for deadlines, travel for a budget) so the optimum respects them.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass

from environments.action_plans.actions import format_action, parse_action
from environments.kitchen.problem import (
    HEATERS, OPENABLE, Before, CloseWithin, Deadline, DistanceBudget, KitchenProblem, NoHotInFridge, NoMetalInMicrowave,
)

_HELD, _TRASH = -1, -2
_BITS = {"clean": 1, "hot": 2, "cold": 4, "sliced": 8}


@dataclass(frozen=True)
class SearchResult:
    """An optimal plan (action strings), its cost, and how many states the search expanded."""

    plan: list[str] | None
    cost: int | None
    expanded: int


@dataclass(frozen=True)
class _Tables:
    """A problem compiled for the search: locations, objects and constraints as indices and bit masks."""

    locs: list[str]
    objs: list[str]
    props: list[set[str]]
    cap: list[int]
    dist: list[list[int]]
    openable: list[bool]
    sink: int
    fridge: int
    trash: int
    micro: int
    heaters: set[int]
    no_metal: bool
    no_hot: bool
    first_of: dict[str, int]  # action text -> index of the Before constraint it starts
    then_of: dict[str, list[int]]  # action text -> indices of the Before constraints it must wait for
    closes: list[tuple[int, int]]  # (receptacle, steps) of each CloseWithin
    deadlines: list[Deadline]
    dl_text: dict[str, int]  # "place(o, l)" -> index of its deadline
    max_t: int
    budget: int | None
    goal: list[tuple[int, int, int]]  # (object, location or _TRASH, state bits)
    station: dict[int, list[int]]  # state bit -> the places that set it


def _compile(problem: KitchenProblem) -> _Tables:
    locs = list(problem.layout)
    li = {name: k for k, name in enumerate(locs)}
    objs = [o.name for o in problem.objects]
    kinds = {type(c) for c in problem.constraints}
    befores = [c for c in problem.constraints if isinstance(c, Before)]
    then_of: dict[str, list[int]] = {}
    for k, c in enumerate(befores):
        then_of.setdefault(format_action(*parse_action(c.then)), []).append(k)
    deadlines = [c for c in problem.constraints if isinstance(c, Deadline)]
    heaters = {li[h] for h in HEATERS if h in li}
    sink, fridge = li.get("sink", -9), li.get("fridge", -9)
    return _Tables(
        locs=locs, objs=objs, props=[set(o.properties) for o in problem.objects],
        cap=[problem.capacity_of(l) for l in locs], dist=[[problem.distance(a, b) for b in locs] for a in locs],
        openable=[l in OPENABLE for l in locs], sink=sink, fridge=fridge, trash=li.get("trash", -9),
        micro=li.get("microwave", -9), heaters=heaters,
        no_metal=NoMetalInMicrowave in kinds, no_hot=NoHotInFridge in kinds,
        first_of={format_action(*parse_action(c.first)): k for k, c in enumerate(befores)}, then_of=then_of,
        closes=[(li[c.receptacle], c.steps) for c in problem.constraints if isinstance(c, CloseWithin)],
        deadlines=deadlines, dl_text={f"place({c.object}, {c.location})": k for k, c in enumerate(deadlines)},
        max_t=max((c.step for c in deadlines), default=-1),
        budget=min((c.budget for c in problem.constraints if isinstance(c, DistanceBudget)), default=None),
        goal=[(objs.index(g.object), _TRASH if g.location == "trash" else li[g.location],
               sum(_BITS[s] for s in g.states)) for g in problem.goal],
        station={1: [sink], 4: [fridge], 2: sorted(heaters)},
    )


def _start(problem: KitchenProblem, t: _Tables) -> tuple:
    """The initial state: at, held, where, opened, st, before-done, timers, step (deadlines), travel (budget),
    deadlines-met."""
    dl_init = sum(1 << k for k, c in enumerate(t.deadlines)
                  if any(o.name == c.object and o.location == c.location for o in problem.objects))
    return (t.locs.index(problem.start), -1, tuple(t.locs.index(o.location) for o in problem.objects), 0,
            tuple(sum(_BITS[s] for s in o.states) for o in problem.objects), 0, tuple(-1 for _ in t.closes), 0, 0,
            dl_init)


def _heuristic(t: _Tables, at: int, where: tuple, st: tuple) -> int:
    """Actions still needed (each fixes one fact) plus the distance to the farthest place that must be visited."""
    dist = t.dist
    total, far = 0, 0
    for o, target, bits in t.goal:
        w = where[o]
        missing = bits & ~st[o]
        if w != target:
            total += 1 + (w != _HELD)
            far = max(far, dist[at][target] if target >= 0 else dist[at][t.trash])
            if w >= 0:
                far = max(far, dist[at][w])
        elif missing and w >= 0:
            far = max(far, dist[at][w])
        total += bin(missing).count("1")
        for bit, places in t.station.items():
            if missing & bit and places:
                far = max(far, min(dist[at][p] for p in places))
    return total + far


def _is_goal(t: _Tables, s: tuple) -> bool:
    where, st, timers, dmet = s[2], s[4], s[6], s[9]
    return (all(where[o] == g and st[o] & b == b for o, g, b in t.goal) and all(x < 0 for x in timers)
            and dmet == (1 << len(t.deadlines)) - 1)


def _moves(t: _Tables, s: tuple) -> list[tuple[str, int, tuple]]:
    """The physically possible actions in state `s`: (text, cost, (at, held, where, opened, st) after it)."""
    at, held, where, opened, st = s[:5]
    locs, objs, props = t.locs, t.objs, t.props
    acc = not t.openable[at] or bool(opened >> at & 1)
    moves: list[tuple[str, int, tuple]] = []
    for l in range(len(locs)):
        if l != at:
            moves.append((f"goto({locs[l]})", t.dist[at][l], (l, held, where, opened, st)))
    if t.openable[at]:
        verb = "close" if opened >> at & 1 else "open"
        moves.append((f"{verb}({locs[at]})", 1, (at, held, where, opened ^ (1 << at), st)))
    if held < 0:
        if acc:
            for o, w in enumerate(where):
                if w == at:
                    moves.append((f"pick({objs[o]})", 1, (at, o, where[:o] + (_HELD,) + where[o + 1:], opened, st)))
        return moves
    name = objs[held]
    freed = lambda w: where[:held] + (w,) + where[held + 1:]  # noqa: E731
    setbits = lambda add, drop=0: st[:held] + ((st[held] | add) & ~drop,) + st[held + 1:]  # noqa: E731
    metal_in_micro = t.no_metal and at == t.micro and "metal" in props[held]
    if at != t.trash and acc and sum(1 for w in where if w == at) < t.cap[at]:
        if not metal_in_micro and not (t.no_hot and at == t.fridge and st[held] & 2):
            moves.append((f"place({name}, {locs[at]})", 1, (at, -1, freed(at), opened, st)))
    if at == t.sink:
        moves.append((f"wash({name})", 1, (at, held, where, opened, setbits(1))))
    if at in t.heaters and acc and not metal_in_micro:
        moves.append((f"heat({name})", 1, (at, held, where, opened, setbits(2, 4))))
    if at == t.fridge and acc and not (t.no_hot and st[held] & 2):
        moves.append((f"cool({name})", 1, (at, held, where, opened, setbits(4, 2))))
    if at == t.trash:
        moves.append((f"throw({name})", 1, (at, -1, freed(_TRASH), opened, st)))
    if "knife" in props[held] and acc:
        for o, w in enumerate(where):
            if w == at and "sliceable" in props[o]:
                moves.append((f"slice({objs[o]})", 1, (at, held, where, opened, st[:o] + (st[o] | 8,) + st[o + 1:])))
    return moves


def _constrained(t: _Tables, s: tuple, text: str, cost: int, after: tuple) -> tuple | None:
    """The full state after action `text` (physical part `after`), or None when a user constraint forbids it."""
    at, bdone, timers, step, travel, dmet = s[0], s[5], s[6], s[7], s[8], s[9]
    nb = bdone
    if text in t.then_of and any(not bdone >> k & 1 for k in t.then_of[text]):
        return None
    if text in t.first_of:
        nb |= 1 << t.first_of[text]
    ntimers = []
    for (r, limit), x in zip(t.closes, timers):
        if text == f"close({t.locs[r]})" and r == at:
            ntimers.append(-1)
        elif text == f"open({t.locs[r]})" and r == at:
            ntimers.append(0)
        elif x >= 0:
            if not x + 1 < limit:
                return None
            ntimers.append(x + 1)
        else:
            ntimers.append(-1)
    nstep, ndm = step, dmet
    if t.deadlines:
        k = t.dl_text.get(text)
        if k is not None and step <= t.deadlines[k].step:
            ndm |= 1 << k
        nstep = min(step + 1, t.max_t + 1)
        if any(not ndm >> k & 1 and nstep > c.step for k, c in enumerate(t.deadlines)):
            return None
    ntravel = travel
    if t.budget is not None and text.startswith("goto"):
        ntravel += cost
        if ntravel > t.budget:
            return None
    return (*after, nb, tuple(ntimers), nstep, ntravel, ndm)


def _plan(parent: dict, s: tuple) -> list[str]:
    plan = []
    while parent[s] is not None:
        s, text = parent[s]
        plan.append(text)
    return plan[::-1]


def search(problem: KitchenProblem, *, heuristic: bool = True, max_expanded: int = 2_000_000) -> SearchResult:
    """Find a cheapest plan; `heuristic=False` gives plain uniform-cost (Dijkstra) search.

    States that differ only in step count and travel are compared by label dominance: a state
    reached with no lower cost, no fewer steps and no less travel than a stored one is dropped.

    Returns a result with `plan=None` when no plan exists (or `max_expanded` states were spent).
    """
    t = _compile(problem)
    h = (lambda at, where, st: _heuristic(t, at, where, st)) if heuristic else (lambda at, where, st: 0)
    start = _start(problem, t)
    tie = itertools.count()
    frontier = [(h(start[0], start[2], start[4]), 0, next(tie), start)]
    labels: dict[tuple, list[tuple[int, int, int]]] = {start[:7] + start[9:]: [(0, 0, 0)]}
    best = {start: 0}
    parent: dict = {start: None}
    expanded = 0
    while frontier:
        _, g, _, s = heapq.heappop(frontier)
        if best.get(s, 1 << 60) < g or _dominated(labels[s[:7] + s[9:]], (g, s[7], s[8]), strict=True):
            continue
        if _is_goal(t, s):
            return SearchResult(_plan(parent, s), g, expanded)
        expanded += 1
        if expanded > max_expanded:
            break
        for text, cost, after in _moves(t, s):
            ns = _constrained(t, s, text, cost, after)
            if ns is None:
                continue
            ng = g + cost
            key, label = ns[:7] + ns[9:], (ng, ns[7], ns[8])
            if ng < best.get(ns, 1 << 60) and not _dominated(labels.setdefault(key, []), label, strict=False):
                labels[key].append(label)
                best[ns] = ng
                parent[ns] = (s, text)
                heapq.heappush(frontier, (ng + h(ns[0], ns[2], ns[4]), ng, next(tie), ns))
    return SearchResult(None, None, expanded)


def _dominated(labels: list[tuple[int, int, int]], label: tuple[int, int, int], *, strict: bool) -> bool:
    """Is `label` (cost, steps, travel) no better than a stored one? Fewer steps and less travel only help."""
    return any(all(a <= b for a, b in zip(other, label)) and (not strict or other != label) for other in labels)


def solve(problem: KitchenProblem) -> list[str] | None:
    """An optimal plan as action strings, or None if the task cannot be done."""
    return search(problem).plan
