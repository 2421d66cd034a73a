"""Optimal planning for small ground tasks: breadth-first search and A* with h_max.

h_max (Bonet & Geffner, 2001) is the cost of the most expensive goal atom in the delete
relaxation; it never overestimates, so A* with it returns shortest (unit-cost) plans.
Goal counting is not used: one action can achieve several goal atoms, so it can overestimate.
States are bit sets over the task's atoms so that applicability is two integer operations.
"""

from __future__ import annotations

import heapq
import time
from collections import deque
from dataclasses import dataclass

from environments.pddl.grounding import GroundAction, GroundTask

SEARCHES = ("astar", "bfs")


@dataclass(frozen=True)
class SearchResult:
    """A plan (list of ground actions, shortest) or None with the reason (unsolvable, limit hit)."""

    plan: tuple[GroundAction, ...] | None
    reason: str
    expanded: int
    seconds: float


@dataclass(frozen=True)
class _Compiled:
    init: int
    goal_pos: int
    goal_neg: int
    ops: tuple[tuple[int, int, int, int], ...]  # (pre_pos, pre_neg, add, delete) masks
    actions: tuple[GroundAction, ...]
    relaxed: tuple[tuple[int, int], ...]  # (pre_pos, add) of operators that add something


def _compile(task: GroundTask) -> _Compiled:
    index = {atom: i for i, atom in enumerate(sorted(task.atoms | task.init))}

    def mask(atoms) -> int:
        bits = 0
        for atom in atoms:
            if atom in index:
                bits |= 1 << index[atom]
        return bits

    ops = []
    for a in task.actions:
        # A negative precondition on an atom that can never become true always holds.
        ops.append((mask(a.pre_pos), mask(a.pre_neg), mask(a.add), mask(a.delete)))
    relaxed = tuple({(pre, add) for pre, _, add, _ in ops if add})
    return _Compiled(mask(task.init), mask(task.goal_pos), mask(task.goal_neg), tuple(ops), task.actions, relaxed)


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


def _plan(parents: dict[int, tuple[int, int] | None], state: int, c: _Compiled) -> tuple[GroundAction, ...]:
    steps = []
    while parents[state] is not None:
        state, op = parents[state]
        steps.append(c.actions[op])
    return tuple(reversed(steps))


def search(task: GroundTask, *, algorithm: str = "astar", max_nodes: int = 200_000, timeout: float = 30.0) -> SearchResult:
    """A shortest plan for `task`.

    Args:
        task: the ground task.
        algorithm: "astar" (A* with h_max) or "bfs" (breadth-first).
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
        return s & c.goal_pos == c.goal_pos and not s & c.goal_neg

    def done(plan, reason: str, expanded: int) -> SearchResult:
        return SearchResult(plan, reason, expanded, time.perf_counter() - start_time)

    parents: dict[int, tuple[int, int] | None] = {c.init: None}
    expanded = 0
    if algorithm == "bfs":
        frontier: deque[int] = deque([c.init])
        if is_goal(c.init):
            return done((), "solved", 0)
        while frontier:
            state = frontier.popleft()
            expanded += 1
            if expanded > max_nodes or (expanded % 1024 == 0 and time.perf_counter() - start_time > timeout):
                return done(None, _limit_reason(expanded, max_nodes, timeout), expanded)
            for i, (pre, neg, add, delete) in enumerate(c.ops):
                if pre & state == pre and not neg & state:
                    nxt = (state & ~delete) | add
                    if nxt not in parents:
                        parents[nxt] = (state, i)
                        if is_goal(nxt):
                            return done(_plan(parents, nxt, c), "solved", expanded)
                        frontier.append(nxt)
        return done(None, "unsolvable: every reachable state was explored", expanded)

    h0 = _h_max(c.init, c)
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
        for i, (pre, neg, add, delete) in enumerate(c.ops):
            if pre & state == pre and not neg & state:
                nxt = (state & ~delete) | add
                if g + 1 < best_g.get(nxt, 1 << 30):
                    h = _h_max(nxt, c)
                    if h is None:
                        continue
                    best_g[nxt] = g + 1
                    parents[nxt] = (state, i)
                    counter += 1
                    heapq.heappush(heap, (g + 1 + h, -(g + 1), counter, g + 1, nxt))
    return done(None, "unsolvable: every reachable state was explored", expanded)


def _limit_reason(expanded: int, max_nodes: int, timeout: float) -> str:
    if expanded > max_nodes:
        return f"node limit reached: expanded more than {max_nodes} states without finding a plan"
    return f"timeout: no plan found within {timeout:g} s"
