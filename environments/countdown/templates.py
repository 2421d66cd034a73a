"""Countdown templates: n-1 equations of slots a op b = r, numbers as digit tokens in the compact rendering."""

from __future__ import annotations

from typing import Any, Mapping

from constraints import InputError, Slot, Template
from environments.base import RENDERINGS, Rendering, slot_values
from environments.countdown.oracle import OPS, Equation, parse_equation
from environments.countdown.problem import CountdownProblem

PARTS = ("a", "op", "b", "r")  # slot name prefixes of one equation; slot = f"{part}{step}"
WORDS = ("numbers", "target", "|", "=", ",")


def split_answer(plan: Any) -> list[str]:
    """An answer as a list of equation texts: a string is split on commas and newlines."""
    if isinstance(plan, str):
        parts = plan.replace("\n", ",").split(",")
    elif isinstance(plan, (list, tuple)):
        parts = [e.text if isinstance(e, Equation) else str(e) for e in plan]
    else:
        return [] if plan is None else [str(plan)]
    return [p.strip() for p in parts if p.strip()]


def template(problem: CountdownProblem, rendering: Rendering = "compact", digits: int = 5) -> Template:
    """n-1 equations of slots a, op, b, r (op's domain is + - * /), numbers `digits` wide, after the problem."""
    check_rendering(rendering)
    steps = len(problem.numbers) - 1
    segments: list[str | Slot] = []

    def add(part: str | Slot) -> None:
        if isinstance(part, str) and segments and isinstance(segments[-1], str):
            segments[-1] += part
        else:
            segments.append(part)

    if rendering == "compact":
        numbers = " , ".join(" ".join(str(x)) for x in problem.numbers)
        add(f"numbers {numbers} target {' '.join(str(problem.target))} | ")
        gap, equals, comma = " ", " = ", " , "
    else:
        n = len(problem.numbers)
        add(
            f"Combine the first {n} numbers with + - * / to reach the last one, using each exactly once; "
            f"write one equation per step.\n\nInput: {problem.as_input()}\nOutput: "
        )
        gap, equals, comma = "", "=", ","
    for i in range(steps):
        if i:
            add(comma)
        add(Slot(f"a{i}", max_length=digits))
        add(gap)
        add(Slot(f"op{i}", choices=OPS))
        add(gap)
        add(Slot(f"b{i}", max_length=digits))
        add(equals)
        add(Slot(f"r{i}", max_length=digits))
    return Template(tuple(segments))


def plan_to_values(
    problem: CountdownProblem, plan: Any, rendering: Rendering = "compact", digits: int = 5
) -> dict[str, str]:
    """Slot values of a plan; compact numbers are space-separated digits ('1 1 4')."""
    check_rendering(rendering)
    values: dict[str, str] = {}
    for i, text in enumerate(split_answer(plan)):
        eq = parse_equation(text)
        if isinstance(eq, str):
            raise InputError(f"step {i + 1}: {eq}")
        for part, number in (("a", eq.a), ("b", eq.b), ("r", eq.result)):
            spelled = str(number)
            if len(spelled.lstrip("-")) > digits or number < 0:
                raise InputError(f"step {i + 1}: {number} does not fit a {digits}-digit slot")
            values[f"{part}{i}"] = " ".join(spelled) if rendering == "compact" else spelled
        values[f"op{i}"] = eq.op
    return values


def parse_plan(
    problem: CountdownProblem, values: Mapping[str, str], rendering: Rendering = "compact"
) -> list[str]:
    """Equation texts from slot values (digits may be space-separated); unreadable ones are kept."""
    check_rendering(rendering)
    values = slot_values(values)
    steps = len(problem.numbers) - 1
    return [
        "{}{}{}={}".format(*("".join(str(values.get(f"{p}{i}", "")).split()) for p in PARTS))
        for i in range(steps)
    ]


def check_rendering(rendering: str) -> None:
    if rendering not in RENDERINGS:
        raise InputError(f"unknown rendering {rendering!r}; allowed: {', '.join(RENDERINGS)}")
