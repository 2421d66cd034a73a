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


def search(problem: KitchenProblem, *, heuristic: bool = True, max_expanded: int = 2_000_000) -> SearchResult:
    """Find a cheapest plan; `heuristic=False` gives plain uniform-cost (Dijkstra) search.

    Returns a result with `plan=None` when no plan exists (or `max_expanded` states were spent).
    """
    locs = list(problem.layout)
    li = {name: k for k, name in enumerate(locs)}
    objs = [o.name for o in problem.objects]
    props = [set(o.properties) for o in problem.objects]
    cap = [problem.capacity_of(l) for l in locs]
    dist = [[problem.distance(a, b) for b in locs] for a in locs]
    openable = [l in OPENABLE for l in locs]
    sink, fridge, trash = li.get("sink", -9), li.get("fridge", -9), li.get("trash", -9)
    micro = li.get("microwave", -9)
    heaters = {li[h] for h in HEATERS if h in li}
    kinds = {type(c) for c in problem.constraints}
    no_metal, no_hot = NoMetalInMicrowave in kinds, NoHotInFridge in kinds
    befores = [c for c in problem.constraints if isinstance(c, Before)]
    first_of = {format_action(*parse_action(c.first)): k for k, c in enumerate(befores)}
    then_of: dict[str, list[int]] = {}
    for k, c in enumerate(befores):
        then_of.setdefault(format_action(*parse_action(c.then)), []).append(k)
    closes = [(li[c.receptacle], c.steps) for c in problem.constraints if isinstance(c, CloseWithin)]
    deadlines = [c for c in problem.constraints if isinstance(c, Deadline)]
    dl_text = {f"place({c.object}, {c.location})": k for k, c in enumerate(deadlines)}
    dl_init = sum(1 << k for k, c in enumerate(deadlines)
                  if any(o.name == c.object and o.location == c.location for o in problem.objects))
    max_t = max((c.step for c in deadlines), default=-1)
    budget = min((c.budget for c in problem.constraints if isinstance(c, DistanceBudget)), default=None)
    goal = [(objs.index(g.object), _TRASH if g.location == "trash" else li[g.location],
             sum(_BITS[s] for s in g.states)) for g in problem.goal]

    heater_locs = sorted(heaters)
    station = {1: [sink], 4: [fridge], 2: heater_locs}

    def h(at, where, st) -> int:
        """Actions still needed (each fixes one fact) plus the distance to the farthest place that must be visited."""
        if not heuristic:
            return 0
        total, far = 0, 0
        for o, target, bits in goal:
            w = where[o]
            missing = bits & ~st[o]
            if w != target:
                total += 1 + (w != _HELD)
                far = max(far, dist[at][target] if target >= 0 else dist[at][trash])
                if w >= 0:
                    far = max(far, dist[at][w])
            elif missing and w >= 0:
                far = max(far, dist[at][w])
            total += bin(missing).count("1")
            for bit, places in station.items():
                if missing & bit and places:
                    far = max(far, min(dist[at][p] for p in places))
        return total + far

    # state: at, held, where, opened, st, before-done, timers, step (deadlines), travel (budget), deadlines-met
    start = (li[problem.start], -1, tuple(li[o.location] for o in problem.objects), 0,
             tuple(sum(_BITS[s] for s in o.states) for o in problem.objects), 0, tuple(-1 for _ in closes), 0, 0, dl_init)
    tie = itertools.count()
    frontier = [(h(start[0], start[2], start[4]), 0, next(tie), start)]
    labels: dict[tuple, list[tuple[int, int, int]]] = {start[:7] + start[9:]: [(0, 0, 0)]}
    best = {start: 0}
    parent: dict = {start: None}
    expanded = 0
    while frontier:
        _, g, _, s = heapq.heappop(frontier)
        at, held, where, opened, st, bdone, timers, step, travel, dmet = s
        if best.get(s, 1 << 60) < g or _dominated(labels[s[:7] + s[9:]], (g, step, travel), strict=True):
            continue
        if all(where[o] == t and st[o] & b == b for o, t, b in goal) and all(t < 0 for t in timers) \
                and dmet == (1 << len(deadlines)) - 1:
            plan = []
            while parent[s] is not None:
                s, text = parent[s]
                plan.append(text)
            return SearchResult(plan[::-1], g, expanded)
        expanded += 1
        if expanded > max_expanded:
            break
        acc = not openable[at] or bool(opened >> at & 1)
        moves: list[tuple[str, int, tuple]] = []  # (text, cost, (at, held, where, opened, st))
        for l in range(len(locs)):
            if l != at:
                moves.append((f"goto({locs[l]})", dist[at][l], (l, held, where, opened, st)))
        if openable[at]:
            verb = "close" if opened >> at & 1 else "open"
            moves.append((f"{verb}({locs[at]})", 1, (at, held, where, opened ^ (1 << at), st)))
        if held < 0:
            if acc:
                for o, w in enumerate(where):
                    if w == at:
                        moves.append((f"pick({objs[o]})", 1, (at, o, where[:o] + (_HELD,) + where[o + 1:], opened, st)))
        else:
            name = objs[held]
            freed = lambda w: where[:held] + (w,) + where[held + 1:]  # noqa: E731
            setbits = lambda add, drop=0: st[:held] + ((st[held] | add) & ~drop,) + st[held + 1:]  # noqa: E731
            if at != trash and acc and sum(1 for w in where if w == at) < cap[at]:
                if not (no_metal and at == micro and "metal" in props[held]) and not (no_hot and at == fridge and st[held] & 2):
                    moves.append((f"place({name}, {locs[at]})", 1, (at, -1, freed(at), opened, st)))
            if at == sink:
                moves.append((f"wash({name})", 1, (at, held, where, opened, setbits(1))))
            if at in heaters and acc and not (no_metal and at == micro and "metal" in props[held]):
                moves.append((f"heat({name})", 1, (at, held, where, opened, setbits(2, 4))))
            if at == fridge and acc and not (no_hot and st[held] & 2):
                moves.append((f"cool({name})", 1, (at, held, where, opened, setbits(4, 2))))
            if at == trash:
                moves.append((f"throw({name})", 1, (at, -1, freed(_TRASH), opened, st)))
            if "knife" in props[held] and acc:
                for o, w in enumerate(where):
                    if w == at and "sliceable" in props[o]:
                        moves.append((f"slice({objs[o]})", 1, (at, held, where, opened, st[:o] + (st[o] | 8,) + st[o + 1:])))
        for text, cost, (nat, nheld, nwhere, nopened, nst) in moves:
            nb = bdone
            if text in then_of and any(not bdone >> k & 1 for k in then_of[text]):
                continue
            if text in first_of:
                nb |= 1 << first_of[text]
            ntimers, ok = [], True
            for (r, limit), t in zip(closes, timers):
                if text == f"close({locs[r]})" and r == at:
                    ntimers.append(-1)
                elif text == f"open({locs[r]})" and r == at:
                    ntimers.append(0)
                elif t >= 0:
                    ok &= t + 1 < limit
                    ntimers.append(t + 1)
                else:
                    ntimers.append(-1)
            if not ok:
                continue
            nstep, ndm = step, dmet
            if deadlines:
                k = dl_text.get(text)
                if k is not None and step <= deadlines[k].step:
                    ndm |= 1 << k
                nstep = min(step + 1, max_t + 1)
                if any(not ndm >> k & 1 and nstep > c.step for k, c in enumerate(deadlines)):
                    continue
            ntravel = travel
            if budget is not None and text.startswith("goto"):
                ntravel += cost
                if ntravel > budget:
                    continue
            ns = (nat, nheld, nwhere, nopened, nst, nb, tuple(ntimers), nstep, ntravel, ndm)
            ng = g + cost
            key, label = ns[:7] + ns[9:], (ng, nstep, ntravel)
            if ng < best.get(ns, 1 << 60) and not _dominated(labels.setdefault(key, []), label, strict=False):
                labels[key].append(label)
                best[ns] = ng
                parent[ns] = (s, text)
                heapq.heappush(frontier, (ng + h(nat, nwhere, nst), ng, next(tie), ns))
    return SearchResult(None, None, expanded)


def _dominated(labels: list[tuple[int, int, int]], label: tuple[int, int, int], *, strict: bool) -> bool:
    """Is `label` (cost, steps, travel) no better than a stored one? Fewer steps and less travel only help."""
    return any(all(a <= b for a, b in zip(other, label)) and (not strict or other != label) for other in labels)


def solve(problem: KitchenProblem) -> list[str] | None:
    """An optimal plan as action strings, or None if the task cannot be done."""
    return search(problem).plan
