"""Assembly problems: parts with a precedence DAG, fastening (screw/glue with cure times), tools, fixtures, inspections."""

from __future__ import annotations

from typing import Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field, model_validator

from constraints import InputError

TOOLS = ("gripper", "screwdriver", "glue_gun")
ACTIONS = {"change_tool": 1, "fetch": 1, "insert": 1, "screw": 1, "glue": 1, "wait": 1, "inspect": 1}
DURATION = {"fetch": 1, "insert": 1, "screw": 2, "glue": 1, "inspect": 1}  # change_tool and wait: see the problem
FASTEN_TOOL = {"screw": "screwdriver", "glue": "glue_gun"}


class Part(BaseModel):
    """A part: how it is fastened after insertion ("none": done when inserted) and, for glue, its cure time."""

    model_config = ConfigDict(frozen=True)
    name: str
    fasten: Literal["screw", "glue", "none"] = "screw"
    cure: int = Field(default=0, ge=0, le=50)


class Subassembly(BaseModel):
    """A named group of parts to inspect once all are done, optionally finishing by time `deadline`."""

    model_config = ConfigDict(frozen=True)
    name: str
    parts: tuple[str, ...]
    deadline: int | None = Field(default=None, ge=1)


class AssemblyProblem(BaseModel):
    """Parts, precedence edges (a, b): a must be done before b is inserted, tools, fixtures, inspections."""

    model_config = ConfigDict(frozen=True)
    parts: tuple[Part, ...]
    precedence: tuple[tuple[str, str], ...] = ()
    subassemblies: tuple[Subassembly, ...] = ()
    fixtures: int = Field(default=1, ge=1, le=8)  # clamps: a glued part holds one until it has cured
    tool_change: int = Field(default=3, ge=1, le=20)
    start_tool: Literal["gripper", "screwdriver", "glue_gun"] = "gripper"
    max_steps: int = Field(default=40, ge=1, le=128)

    @model_validator(mode="after")
    def _check(self) -> "AssemblyProblem":
        names = [p.name for p in self.parts]
        if not names or len(set(names)) != len(names):
            raise InputError(f"parts need unique names, got {names}")
        reserved = set(TOOLS) | set(ACTIONS)
        for n in names + [s.name for s in self.subassemblies]:
            if not n.isidentifier() or n in reserved:
                raise InputError(f"name {n!r} must be a word other than a tool or action name")
        for a, b in self.precedence:
            if a not in names or b not in names:
                raise InputError(f"precedence edge ({a!r}, {b!r}) names an unknown part; parts: {names}")
        cycle = find_cycle(self.precedence)
        if cycle:
            raise InputError(f"precedence graph has a cycle: {' -> '.join(cycle + cycle[:1])}")
        for s in self.subassemblies:
            bad = [p for p in s.parts if p not in names]
            if bad or not s.parts:
                raise InputError(f"subassembly {s.name!r} names unknown parts {bad}; parts: {names}")
        return self

    def graph(self) -> nx.DiGraph:
        """The precedence DAG over part names."""
        g = nx.DiGraph()
        g.add_nodes_from(p.name for p in self.parts)
        g.add_edges_from(self.precedence)
        return g

    def preds(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {p.name: set() for p in self.parts}
        for a, b in self.precedence:
            out[b].add(a)
        return out


def find_cycle(edges) -> list[str]:
    """The nodes of one cycle in `edges` (empty if acyclic)."""
    g = nx.DiGraph(list(edges))
    try:
        return [u for u, _ in nx.find_cycle(g)]
    except nx.NetworkXNoCycle:
        return []
