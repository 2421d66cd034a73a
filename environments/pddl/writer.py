"""Write a STRIPS problem back as PDDL text (for generated instances)."""

from __future__ import annotations

from typing import Iterable, Sequence

from environments.pddl.grounding import atom_str
from environments.pddl.parsing import Atom


def render_problem(
    name: str,
    domain_name: str,
    objects: Sequence[tuple[str, str]],
    init: Iterable[Atom],
    goal_pos: Iterable[Atom],
    goal_neg: Iterable[Atom] = (),
    numbers: Iterable[tuple[Atom, float]] = (),
) -> str:
    """PDDL problem text; `objects` are (name, type) pairs, type "object" written untyped; `numbers`
    are the initial values of cost functions, written as `(= (f arg ...) value)`.

    >>> print(render_problem("p", "d", [("a", "object")], [("clear", "a")], [("clear", "a")]))
    (define (problem p)
      (:domain d)
      (:objects a)
      (:init (clear a))
      (:goal (and (clear a))))
    """
    typed = " ".join(obj if typ == "object" else f"{obj} - {typ}" for obj, typ in objects)
    values = [f"(= {atom_str(f)} {v:g})" for f, v in sorted(numbers)]
    init_text = " ".join([atom_str(a) for a in sorted(init)] + values)
    goal = [atom_str(a) for a in sorted(goal_pos)] + [f"(not {atom_str(a)})" for a in sorted(goal_neg)]
    return (
        f"(define (problem {name})\n  (:domain {domain_name})\n  (:objects {typed})\n"
        f"  (:init {init_text})\n  (:goal (and {' '.join(goal)})))"
    )
