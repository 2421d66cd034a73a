"""Optimal planning for small ground tasks: breadth-first search and A* with h_max.

h_max (Bonet & Geffner, 2001) is the cost of the most expensive goal atom in the delete
relaxation; it never overestimates, so A* with it returns optimal plans. With action costs it
counts relaxed layers times the cheapest action's cost, and "bfs" becomes uniform-cost search
(Dijkstra), so both stay optimal. Goal counting is not used: one action can achieve several goal
atoms, so it can overestimate. States are bit sets over the task's atoms so that a STRIPS
action's applicability is two integer operations; ADL parts (formulas, conditional effects) are
compiled to tests on those bit sets. The relaxation ignores conditions of conditional effects and
precondition formulas, which keeps it optimistic.
"""

from __future__ import annotations

import heapq
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

from environments.pddl.formulas import compile_mask
from environments.pddl.grounding import GroundAction, GroundTask

SEARCHES = ("astar", "bfs")


@dataclass(frozen=True)
class SearchResult:
    """A plan (list of ground actions, shortest) or None with the reason (unsolvable, limit hit)."""

    plan: tuple[GroundAction, ...] | None
    reason: str
    expanded: int
    seconds: float
    cost: float | None = None  # the plan's cost (its length under unit costs)


@dataclass(frozen=True)
class _Compiled:
    init: int
    goal_pos: int
    goal_neg: int
    goal_test: Callable[[int], bool] | None  # goal parts beyond literals
    ops: tuple[tuple, ...]  # (pre_pos, pre_neg, add, delete, extra) masks; extra: None or (test, ((test, add, delete), ...))
    actions: tuple[GroundAction, ...]
    relaxed: tuple[tuple[int, int], ...]  # (pre_pos, add) of operators that add something
    costs: tuple[float, ...]
    unit: bool  # every action costs 1


def _compile(task: GroundTask) -> _Compiled:
    index = {atom: i for i, atom in enumerate(sorted(task.atoms | task.init))}

    def bit(atom) -> int:
        return 1 << index[atom] if atom in index else 0

    def mask(atoms) -> int:
        bits = 0
        for atom in atoms:
            bits |= bit(atom)
        return bits

    ops, relaxed = [], set()
    for a in task.actions:
        # A negative precondition on an atom that can never become true always holds.
        extra = None
        if a.pre_rest or a.cond:
            test = compile_mask(("and", a.pre_rest), bit) if a.pre_rest else None
            conds = tuple((compile_mask(e.condition, bit), mask(e.add), mask(e.delete)) for e in a.cond)
            extra = (test, conds)
        ops.append((mask(a.pre_pos), mask(a.pre_neg), mask(a.add), mask(a.delete), extra))
        adds = mask(a.add) | mask(x for e in a.cond for x in e.add)
        if adds:
            relaxed.add((mask(a.pre_pos), adds))
    goal_test = compile_mask(("and", task.goal_rest), bit) if task.goal_rest else None
    costs = tuple(a.cost for a in task.actions)
    return _Compiled(
        mask(task.init), mask(task.goal_pos), mask(task.goal_neg), goal_test, tuple(ops), task.actions, tuple(relaxed),
        costs, all(c == 1 for c in costs),
    )


def _successors(state: int, c: _Compiled):
    """(operator index, next state) for each operator applicable in `state`."""
    for i, (pre, neg, add, delete, extra) in enumerate(c.ops):
        if pre & state == pre and not neg & state:
            if extra is None:
                yield i, (state & ~delete) | add
                continue
            test, conds = extra
            if test is not None and not test(state):
                continue
            for holds, more_add, more_delete in conds:
                if holds(state):  # conditions read the state before the action
                    add, delete = add | more_add, delete | more_delete
            yield i, (state & ~delete) | add


def _h_max(state: int, c: _Compiled) -> int | None:
    """Unit-cost h_max: the first relaxed-planning-graph layer holding every positive goal atom."""
    reached, layer, waiting = state, 0, c.relaxed
    while reached & c.goal_pos != c.goal_pos:
        grown, later = reached, []
        for pre, add in waiting:
            if pre & reached == pre:
                grown |= add
            else:
                later.append((pre, add))  # an operator fires once: its adds stay reached
        if grown == reached:
            return None  # a goal atom is unreachable even without deletes: a dead end
        reached, layer, waiting = grown, layer + 1, later
    return layer



def _bits(mask: int):
    while mask:
        low = mask & -mask
        yield low
        mask ^= low


def relaxed_plan_length(task: GroundTask) -> int | None:
    """The length of FF's relaxed plan from the initial state (Hoffmann & Nebel, 2001), None when a
    goal atom is unreachable even without deletes.

    It estimates how many steps a problem needs (neither a bound nor admissible): goals are
    achieved backwards through the relaxed planning graph, each by the achiever whose
    preconditions appear earliest, and each chosen action counted once.
    """
    c = _compile(task)
    layers, waiting, fired = [c.init], c.relaxed, []  # fired: (first layer applicable, pre, add)
    while layers[-1] & c.goal_pos != c.goal_pos:
        grown, later = layers[-1], []
        for pre, add in waiting:
            if pre & layers[-1] == pre:
                grown |= add
                fired.append((len(layers) - 1, pre, add))
            else:
                later.append((pre, add))
        if grown == layers[-1]:
            return None
        layers.append(grown)
        waiting = later

    def first(bit: int) -> int:
        return next(k for k, reached in enumerate(layers) if reached & bit)

    def difficulty(pre: int) -> int:
        return sum(first(b) for b in _bits(pre))

    goals: dict[int, int] = {}  # layer -> atoms to achieve there
    for bit in _bits(c.goal_pos):
        goals[first(bit)] = goals.get(first(bit), 0) | bit
    count = 0
    for k in range(len(layers) - 1, 0, -1):
        done = 0  # atoms the actions chosen at this layer already add
        for bit in _bits(goals.get(k, 0)):
            if bit & done:
                continue
            _, pre, add = min((f for f in fired if f[0] < k and f[2] & bit), key=lambda f: difficulty(f[1]))
            count += 1
            done |= add
            for p in _bits(pre):
                if first(p) > 0:
                    goals[first(p)] = goals.get(first(p), 0) | p
    return count

def _plan(parents: dict[int, tuple[int, int] | None], state: int, c: _Compiled) -> tuple[GroundAction, ...]:
    steps = []
    while parents[state] is not None:
        state, op = parents[state]
        steps.append(c.actions[op])
    return tuple(reversed(steps))


def search(task: GroundTask, *, algorithm: str = "astar", max_nodes: int = 200_000, timeout: float = 30.0) -> SearchResult:
    """An optimal plan for `task` (shortest under unit costs, cheapest with action costs).

    Args:
        task: the ground task.
        algorithm: "astar" (A* with h_max) or "bfs" (breadth-first; uniform-cost with action costs).
        max_nodes: stop after expanding this many states.
        timeout: stop after this many seconds.

    Returns:
        A SearchResult; `plan` is None when the task is unsolvable or a limit was hit (see `reason`).
    """
    if algorithm not in SEARCHES:
        raise ValueError(f"unknown search {algorithm!r}; allowed: {', '.join(SEARCHES)}")
    start_time = time.perf_counter()
    c = _compile(task)

    def is_goal(s: int) -> bool:
        return s & c.goal_pos == c.goal_pos and not s & c.goal_neg and (c.goal_test is None or c.goal_test(s))

    def done(plan, reason: str, expanded: int) -> SearchResult:
        cost = None if plan is None else sum(a.cost for a in plan)
        return SearchResult(plan, reason, expanded, time.perf_counter() - start_time, cost)

    parents: dict[int, tuple[int, int] | None] = {c.init: None}
    expanded = 0
    if algorithm == "bfs" and c.unit:
        frontier: deque[int] = deque([c.init])
        if is_goal(c.init):
            return done((), "solved", 0)
        while frontier:
            state = frontier.popleft()
            expanded += 1
            if expanded > max_nodes or (expanded % 1024 == 0 and time.perf_counter() - start_time > timeout):
                return done(None, _limit_reason(expanded, max_nodes, timeout), expanded)
            for i, nxt in _successors(state, c):
                if nxt not in parents:
                    parents[nxt] = (state, i)
                    if is_goal(nxt):
                        return done(_plan(parents, nxt, c), "solved", expanded)
                    frontier.append(nxt)
        return done(None, "unsolvable: every reachable state was explored", expanded)

    # A* (h_max), or uniform-cost search (h = 0) for "bfs" with action costs.
    scale = min(c.costs, default=1) if algorithm == "astar" else 0

    def heuristic(state: int) -> float | None:
        h = _h_max(state, c)
        return None if h is None else h * scale

    h0 = heuristic(c.init)
    if h0 is None:
        return done(None, "unsolvable: a goal atom is unreachable even ignoring deletes", 0)
    best_g = {c.init: 0}
    heap = [(h0, 0, 0, 0, c.init)]  # (f, -g: deeper first on ties, insertion order, g, state)
    counter = 0
    while heap:
        _, _, _, g, state = heapq.heappop(heap)
        if g > best_g.get(state, g):
            continue
        if is_goal(state):
            return done(_plan(parents, state, c), "solved", expanded)
        expanded += 1
        if expanded > max_nodes or (expanded % 256 == 0 and time.perf_counter() - start_time > timeout):
            return done(None, _limit_reason(expanded, max_nodes, timeout), expanded)
        for i, nxt in _successors(state, c):
            g2 = g + c.costs[i]
            if g2 < best_g.get(nxt, float("inf")):
                h = heuristic(nxt)
                if h is None:
                    continue
                best_g[nxt] = g2
                parents[nxt] = (state, i)
                counter += 1
                heapq.heappush(heap, (g2 + h, -g2, counter, g2, nxt))
    return done(None, "unsolvable: every reachable state was explored", expanded)


def _limit_reason(expanded: int, max_nodes: int, timeout: float) -> str:
    if expanded > max_nodes:
        return f"node limit reached: expanded more than {max_nodes} states without finding a plan"
    return f"timeout: no plan found within {timeout:g} s"
