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

from dataclasses import dataclass
from typing import Mapping, Protocol, Sequence, runtime_checkable

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
