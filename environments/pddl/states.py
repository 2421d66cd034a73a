"""State-annotated plans: the state after each step written into the compact template.

A step of an annotated template reads "( act args ) [ x1 v1 x2 v2 ... ]": the action, then each
state variable's name (fixed text) and its value after the step (a slot). A small model then picks
each action with the state it acts on in view, instead of replaying every step before it, and a
checker can blame one step's transition. In the last step, the variables the goal decides are
fixed text: the plan is anchored at both ends, so the bidirectional model infills between the
initial state (in the context) and the goal (planning by inpainting, Janner et al. 2022, over symbols).

What the variables of a domain are is the domain's knowledge: a `StateView` says it
(Blocksworld's: what each block stands on, `environments.blocksworld.BlockPositions`).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, Sequence, runtime_checkable

from constraints.errors import InputError
from constraints.template import Slot
from environments.pddl.grounding import GroundTask
from environments.pddl.names import rename

OPEN, CLOSE = "[", "]"  # the fixed words around a step's state


@runtime_checkable
class StateView(Protocol):
    """A domain's state as a few variables with finite values; names and values are objects of the
    task (written as their tokens) or the view's own `words`."""

    words: tuple[str, ...]  # names and values that are not objects ("table", "hand"), for the vocabulary

    def variables(self, task: GroundTask) -> tuple[str, ...]:
        """The variables' names, in template order."""

    def domains(self, task: GroundTask) -> tuple[tuple[str, ...], ...]:
        """Per variable, every value it can take."""

    def read(self, task: GroundTask, state: frozenset) -> tuple[str, ...]:
        """Per variable, its value in `state`."""

    def goal_values(self, task: GroundTask) -> dict[str, str]:
        """Variable -> the value every goal state gives it (the variables the goal decides)."""


@dataclass(frozen=True)
class Annotation:
    """A view bound to one task and its object tokens: what the template writes after each step.

    Attributes:
        names: the variables as tokens.
        domains: per variable, its values as tokens.
        fixed: variable index -> its token in the last step (decided by the goal).
    """

    view: StateView
    task: GroundTask
    tokens: Mapping[str, str]
    names: tuple[str, ...]
    domains: tuple[tuple[str, ...], ...]
    fixed: Mapping[int, str]

    @classmethod
    def bind(cls, view: StateView, task: GroundTask, tokens: Mapping[str, str]) -> "Annotation":
        variables = view.variables(task)
        goal = view.goal_values(task)
        return cls(view, task, tokens, tuple(rename(tokens, v) for v in variables),
                   tuple(tuple(rename(tokens, x) for x in d) for d in view.domains(task)),
                   {k: rename(tokens, goal[v]) for k, v in enumerate(variables) if v in goal})

    def read(self, state: frozenset) -> tuple[str, ...]:
        """The tokens of `state`'s values, one per variable."""
        return tuple(rename(self.tokens, x) for x in self.view.read(self.task, state))

    def slots(self, i: int, last: bool) -> tuple[str, ...]:
        """Slot names of step i's state (the last step's fixed variables have none)."""
        return tuple(slot_name(i, k) for k in range(len(self.names)) if not (last and k in self.fixed))

    def words_per_step(self) -> int:
        """Tokens a step's state takes in the template: brackets, names and values."""
        return 2 + 2 * len(self.names)


def slot_name(i: int, k: int) -> str:
    """The slot of variable k after step i."""
    return f"s{i}.at{k}"


def state_segments(annotation: Annotation, i: int, last: bool) -> list:
    """Template segments of step i's state: " [ x1 <slot> x2 <slot> ... ]"."""
    segments: list = [f" {OPEN}"]
    for k, (name, domain) in enumerate(zip(annotation.names, annotation.domains)):
        if last and k in annotation.fixed:
            segments.append(f" {name} {annotation.fixed[k]}")
        else:
            segments += [f" {name} ", Slot(slot_name(i, k), choices=domain)]
    segments.append(f" {CLOSE}")
    return segments


def state_values(annotation: Annotation, states: Sequence[frozenset], max_steps: int) -> dict[str, str]:
    """Slot values of the states after each step (`states[i]` after step i; the last repeats after it)."""
    values: dict[str, str] = {}
    for i in range(max_steps):
        read = annotation.read(states[min(i, len(states) - 1)])
        for k, value in enumerate(read):
            if not (i == max_steps - 1 and k in annotation.fixed):
                values[slot_name(i, k)] = value
    return values


NONE = "none"  # a keyed variable's value when none of its group's atoms holds


@dataclass(frozen=True)
class PredicateGroups:
    """A state view any domain can have, written as groups of its predicates.

    A group such as ``at,carry`` makes one variable per object that is the first argument of one of
    its atoms; its value is the atom's second argument (``at ball1 room2`` -> ball1 = room2), or the
    predicate's name for a one-argument predicate (``ontable a`` -> a = ontable), or ``none``. A
    group written ``=at-robby`` is one variable named after its one-argument predicate, whose value
    is that argument (the robot's room). Groups are separated by ``;``: ``at,carry;=at-robby``.
    A group that is not a true "one value at a time" invariant still gives a sound view: the
    template only writes what `read` sees, and plans are checked by the simulator.
    """

    spec: str
    groups: tuple[tuple[str, ...], ...] = field(init=False, repr=False, compare=False)
    # task -> each group's keys: `read` runs per state the rules look at, the keys once per task
    _keys: Any = field(init=False, repr=False, compare=False, default_factory=weakref.WeakKeyDictionary)

    def __post_init__(self) -> None:
        groups = tuple(tuple(p.strip() for p in g.split(",") if p.strip()) for g in self.spec.split(";") if g.strip())
        if not groups or any(not g for g in groups):
            raise InputError(f"state view {self.spec!r}: write groups of predicates, e.g. 'at,carry;=at-robby'")
        for group in groups:
            if group[0].startswith("=") and len(group) != 1:
                raise InputError(f"state view {self.spec!r}: a '=' group names one predicate, got {','.join(group)!r}")
        object.__setattr__(self, "groups", groups)

    @property
    def words(self) -> tuple[str, ...]:
        named = [p.lstrip("=") for g in self.groups for p in g]
        return tuple(dict.fromkeys([*named, NONE]))

    def check(self, domain: Any) -> None:
        """Refuse predicates the domain lacks, and '=' groups over predicates of another arity than one."""
        arity = dict(domain.predicates)
        for group in self.groups:
            for p in group:
                name = p.lstrip("=")
                if name not in arity:
                    raise InputError(f"state view {self.spec!r}: the domain has no predicate {name!r}; "
                                     f"it has {', '.join(sorted(arity))}")
                if p.startswith("=") and arity[name] != 1:
                    raise InputError(f"state view {self.spec!r}: '={name}' needs a one-argument predicate, "
                                     f"{name} has {arity[name]}")
                if not p.startswith("=") and arity[name] not in (1, 2):
                    raise InputError(f"state view {self.spec!r}: {name} has {arity[name]} arguments; a group's "
                                     "predicates have one or two")

    def _atoms(self, task: GroundTask) -> frozenset:
        return task.atoms | task.init | task.goal_pos

    def _keyed(self, group: tuple[str, ...], atoms: Any) -> dict[str, list[str]]:
        """Object -> the values its group's atoms among `atoms` give it."""
        found: dict[str, list[str]] = {}
        for atom in atoms:
            if atom[0] in group and len(atom) in (2, 3):
                found.setdefault(atom[1], []).append(atom[2] if len(atom) == 3 else atom[0])
        return found

    def variables(self, task: GroundTask) -> tuple[str, ...]:
        names: list[str] = []
        for group in self.groups:
            if group[0].startswith("="):
                names.append(group[0][1:])
            else:
                names += sorted(self._keyed(group, self._atoms(task)))
        return tuple(names)

    def domains(self, task: GroundTask) -> tuple[tuple[str, ...], ...]:
        atoms, out = self._atoms(task), []
        for group in self.groups:
            if group[0].startswith("="):
                out.append((*sorted({a[1] for a in atoms if a[0] == group[0][1:] and len(a) == 2}), NONE))
            else:
                out += [(*sorted(set(values)), NONE) for _, values in sorted(self._keyed(group, atoms).items())]
        return tuple(out)

    def read(self, task: GroundTask, state: frozenset) -> tuple[str, ...]:
        values: list[str] = []
        for group, keys in zip(self.groups, self._group_keys(task)):
            if group[0].startswith("="):
                held = sorted(a[1] for a in state if a[0] == group[0][1:] and len(a) == 2)
                values.append(held[0] if held else NONE)
            else:
                found = self._keyed(group, state)
                values += [min(found[k]) if k in found else NONE for k in keys]
        return tuple(values)

    def _group_keys(self, task: GroundTask) -> list[list[str]]:
        if task not in self._keys:
            atoms = self._atoms(task)
            self._keys[task] = [[] if g[0].startswith("=") else sorted(self._keyed(g, atoms)) for g in self.groups]
        return self._keys[task]

    def goal_values(self, task: GroundTask) -> dict[str, str]:
        goal: dict[str, str] = {}
        for group in self.groups:
            if group[0].startswith("="):
                held = [a[1] for a in task.goal_pos if a[0] == group[0][1:] and len(a) == 2]
                if len(held) == 1:
                    goal[group[0][1:]] = held[0]
            else:
                for key, values in self._keyed(group, task.goal_pos).items():
                    if len(values) == 1:
                        goal[key] = values[0]
        return goal
