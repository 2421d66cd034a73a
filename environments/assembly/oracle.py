"""Exact assembly oracle: shortest time by dynamic programming (Dijkstra) over part stages x tool x cure timers.

The reachable stage vectors are the DAG's down-sets (a part is fetched only once its predecessors are
fastened) with the parts in progress; states are kept relative to the clock (remaining cure times), so a
state reached earlier dominates the same state reached later, and waiting only until the next cure ends
loses nothing. Deadlines are upper bounds, so earlier is never worse.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass

from environments.assembly.problem import DURATION, FASTEN_TOOL, TOOLS, AssemblyProblem


@dataclass(frozen=True)
class Solution:
    """An optimal plan, its makespan, and how many states the search expanded."""

    plan: list[str] | None
    makespan: int | None
    expanded: int


def optimize(problem: AssemblyProblem) -> Solution:
    """The minimum-makespan plan (or plan=None when the deadlines cannot be met)."""
    names = [p.name for p in problem.parts]
    idx = {n: k for k, n in enumerate(names)}
    n = len(names)
    preds = [tuple(idx[a] for a, b in problem.precedence if b == q) for q in names]
    fasten = [p.fasten for p in problem.parts]
    cure = [p.cure for p in problem.parts]
    subs = [(s.name, tuple(idx[p] for p in s.parts), s.deadline) for s in problem.subassemblies]
    all_subs = (1 << len(subs)) - 1
    # state: stages (0 new, 1 held, 2 inserted, 3 fastened), tool index, timers, inspected mask
    start = (tuple([0] * n), TOOLS.index(problem.start_tool), tuple([0] * n), 0)
    tie = itertools.count()
    frontier = [(0, next(tie), start)]
    best = {start: 0}
    parent: dict = {start: None}
    expanded = 0
    while frontier:
        t, _, s = heapq.heappop(frontier)
        if best[s] < t:
            continue
        stage, tool, timer, insp = s
        if insp == all_subs and all(x == 3 for x in stage) and not any(timer):
            plan = []
            while parent[s] is not None:
                s, text = parent[s]
                plan.append(text)
            return Solution(plan[::-1], t, expanded)
        if any(not insp >> k & 1 and dl is not None and t + 1 > dl for k, (_, _, dl) in enumerate(subs)):
            continue  # an inspection can no longer finish in time
        expanded += 1
        done = [stage[k] == 3 and timer[k] == 0 for k in range(n)]
        held = next((k for k in range(n) if stage[k] == 1), None)
        moves: list[tuple[str, int, tuple, tuple[int, int] | None, int]] = []  # text, duration, stage, (part, cure), insp
        if held is None:
            for k, tname in enumerate(TOOLS):
                if k != tool:
                    moves.append((f"change_tool({tname})", problem.tool_change, stage, None, insp))
            if TOOLS[tool] == "gripper":
                for q in range(n):
                    if stage[q] == 0 and all(stage[p] == 3 for p in preds[q]):
                        moves.append((f"fetch({names[q]})", DURATION["fetch"], stage[:q] + (1,) + stage[q + 1:], None, insp))
            curing = sum(1 for x in timer if x > 0)
            for q in range(n):
                if stage[q] == 2 and FASTEN_TOOL[fasten[q]] == TOOLS[tool] and (fasten[q] == "screw" or curing < problem.fixtures):
                    glue = (q, cure[q]) if fasten[q] == "glue" else None
                    moves.append((f"{fasten[q]}({names[q]})", DURATION[fasten[q]], stage[:q] + (3,) + stage[q + 1:], glue, insp))
        elif TOOLS[tool] == "gripper" and all(done[p] for p in preds[held]):
            new = 3 if fasten[held] == "none" else 2
            moves.append((f"insert({names[held]})", DURATION["insert"], stage[:held] + (new,) + stage[held + 1:], None, insp))
        for k, (sname, members, dl) in enumerate(subs):
            if not insp >> k & 1 and all(done[p] for p in members) and (dl is None or t + DURATION["inspect"] <= dl):
                moves.append((f"inspect({sname})", DURATION["inspect"], stage, None, insp | 1 << k))
        pending = [x for x in timer if x > 0]
        if pending:
            moves.append((f"wait({min(pending)})", min(pending), stage, None, insp))
        for text, dt, nstage, glue, ninsp in moves:
            ntool = TOOLS.index(text[12:-1]) if text.startswith("change_tool") else tool
            ntimer = [max(0, x - dt) for x in timer]
            if glue:
                ntimer[glue[0]] = glue[1]
            ns = (nstage, ntool, tuple(ntimer), ninsp)
            nt = t + dt
            if nt < best.get(ns, 1 << 60):
                best[ns] = nt
                parent[ns] = (s, text)
                heapq.heappush(frontier, (nt, next(tie), ns))
    return Solution(None, None, expanded)


def solve(problem: AssemblyProblem) -> list[str] | None:
    """A minimum-makespan plan as action strings, or None if the deadlines cannot all be met."""
    return optimize(problem).plan
