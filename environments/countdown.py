"""The Countdown environment (Dream's CD3/CD4/CD5): generator, exact oracle, templates and checkers.

A plan is a list of equation strings ("86+28=114"); an answer string "86+28=114,31-13=18,..." is
split on commas. Violations blame 0-based steps; reasons count steps from 1.
Compact templates spell each number as its decimal digits, one token per digit, in fixed-width
slots (`digits` wide, padded with the empty token): a small model then learns digit-level
arithmetic over a 10-digit vocabulary instead of memorising thousands of number words.
"""

from __future__ import annotations

import functools
import random
from dataclasses import replace
from typing import Any, Mapping

from constraints import InputError, Slot, Template, Violation
from environments.base import RENDERINGS, BoundRules, Rendering, SlotRules, slot_values
from environments.countdown_allowed import countdown_allowed_values
from environments.countdown_check import check_equations
from environments.countdown_problem import CountdownProblem, parse_countdown
from environments.countdown_solver import OPS, Equation, parse_equation, random_instance, solve_countdown

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


class CountdownEnv:
    """Countdown as a planning environment.

    Args:
        digits: width in digit tokens of each number slot in the templates (intermediate results
            of oracle plans are kept below 10**digits where such a plan exists).
    """

    name = "countdown"
    problem_type = CountdownProblem

    def __init__(self, digits: int = 5) -> None:
        if not isinstance(digits, int) or not 2 <= digits <= 12:
            raise InputError(f"digits must be an integer 2..12, got {digits!r}")
        self.digits = digits
        self.lookahead = True  # hard constraints keep only choices that can still reach the target

    def __repr__(self) -> str:
        return f"CountdownEnv(digits={self.digits})"

    # -- problems -------------------------------------------------------------------------
    def parse_problem(self, data: Any) -> CountdownProblem:
        """A problem from a CountdownProblem, "86,28,13,31,96", a JSON line or a dict."""
        return parse_countdown(data)

    def prepare(self, problem: CountdownProblem) -> CountdownProblem:
        """The problem unchanged: planners see it as given."""
        return problem

    def generate(
        self, seed: int, n: int = 4, low: int = 1, high: int = 99, target_low: int = 10, target_high: int = 99
    ) -> CountdownProblem:
        """A random solvable instance; defaults follow the CD sets (numbers 1..99, targets below 100).

        Args:
            seed: random seed (same knobs and seed, same instance).
            n: how many numbers (3, 4 and 5 are CD3, CD4 and CD5).
            low, high: range of the numbers.
            target_low, target_high: range of the target.
        """
        if not isinstance(n, int) or not 2 <= n <= 8:
            raise InputError(f"n must be 2..8 numbers, got {n!r}")
        if not 1 <= low <= high <= 999_999 or not 0 <= target_low <= target_high:
            raise InputError(
                "need 1 <= low <= high <= 999999 and 0 <= target_low <= target_high; "
                f"got low={low}, high={high}, target_low={target_low}, target_high={target_high}"
            )
        rng = random.Random(f"countdown:{seed}:{n}:{low}:{high}:{target_low}:{target_high}")
        try:
            numbers, target = random_instance(rng, n, low, high, target_low, target_high)
        except ValueError as err:
            raise InputError(str(err)) from None
        return CountdownProblem(numbers=tuple(numbers), target=target)

    # -- oracle ---------------------------------------------------------------------------
    def solve(self, problem: CountdownProblem) -> list[str] | None:
        """Equations reaching the target (fitting the template width where possible), or None.

        None also when the search bound (`countdown_solver.MAX_EXPANSIONS`) is spent first,
        which only large unsolvable instances (7-8 numbers) reach.
        """
        problem = parse_countdown(problem)
        found = solve_countdown(problem.numbers, problem.target, max_value=10**self.digits - 1)
        if found is None:
            found = solve_countdown(problem.numbers, problem.target)
        return None if found is None else [e.text for e in found]

    # -- templates ------------------------------------------------------------------------
    def template(self, problem: CountdownProblem, rendering: Rendering = "compact") -> Template:
        """n-1 equations of slots a, op, b, r (op's domain is + - * /), after the problem itself."""
        _check_rendering(rendering)
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
            add(Slot(f"a{i}", max_length=self.digits))
            add(gap)
            add(Slot(f"op{i}", choices=OPS))
            add(gap)
            add(Slot(f"b{i}", max_length=self.digits))
            add(equals)
            add(Slot(f"r{i}", max_length=self.digits))
        return Template(tuple(segments))

    def plan_to_values(self, problem: CountdownProblem, plan: Any, rendering: Rendering = "compact") -> dict[str, str]:
        """Slot values of a plan; compact numbers are space-separated digits ('1 1 4')."""
        _check_rendering(rendering)
        values: dict[str, str] = {}
        for i, text in enumerate(split_answer(plan)):
            eq = parse_equation(text)
            if isinstance(eq, str):
                raise InputError(f"step {i + 1}: {eq}")
            for part, number in (("a", eq.a), ("b", eq.b), ("r", eq.result)):
                digits = str(number)
                if len(digits.lstrip("-")) > self.digits or number < 0:
                    raise InputError(f"step {i + 1}: {number} does not fit a {self.digits}-digit slot")
                values[f"{part}{i}"] = " ".join(digits) if rendering == "compact" else digits
            values[f"op{i}"] = eq.op
        return values

    def parse_plan(
        self, problem: CountdownProblem, values: Mapping[str, str], rendering: Rendering = "compact"
    ) -> list[str]:
        """Equation texts from slot values (digits may be space-separated); unreadable ones are kept."""
        _check_rendering(rendering)
        values = slot_values(values)
        steps = len(problem.numbers) - 1
        return [
            "{}{}{}={}".format(*("".join(str(values.get(f"{p}{i}", "")).split()) for p in PARTS))
            for i in range(steps)
        ]

    # -- checking -------------------------------------------------------------------------
    def check(self, problem: CountdownProblem, plan: Any) -> list[Violation]:
        """Every violation of an answer (a string or a list of equations); never raises on a bad plan."""
        return check_equations(problem.numbers, problem.target, split_answer(plan))

    def check_values(
        self, problem: CountdownProblem, values: Mapping[str, str], rendering: Rendering = "compact"
    ) -> list[Violation]:
        """`check(parse_plan(values))` with `slots` naming the blamed parts of the blamed steps."""
        found = self.check(problem, self.parse_plan(problem, values, rendering))
        out = []
        for v in found:
            parts = v.details.get("parts", PARTS)
            out.append(replace(v, slots=tuple(f"{p}{s}" for s in v.steps for p in parts)))
        return out

    def slot_rules(self, problem: CountdownProblem, rendering: Rendering = "compact") -> SlotRules:
        """Hard constraints: per open slot, the available operands, the operators and the exact results
        (the last one the target) still consistent with the committed parts (see `countdown_allowed`),
        committed one equation after another."""
        _check_rendering(rendering)
        allowed = functools.partial(countdown_allowed_values, problem, compact=rendering == "compact",
                                    digits=self.digits, lookahead=self.lookahead)
        order = tuple(tuple(f"{part}{i}" for part in PARTS) for i in range(len(problem.numbers) - 1))
        return BoundRules(allowed, order)

    def vocabulary(self) -> list[str]:
        """Digits, operators and the few structure words of compact templates."""
        return [str(d) for d in range(10)] + list(OPS) + list(WORDS)

    def format_plan(self, plan: Any) -> str:
        """The answer as Dream writes it: 'a+b=c,c-d=e,...'."""
        return ",".join(split_answer(plan))


def _check_rendering(rendering: str) -> None:
    if rendering not in RENDERINGS:
        raise InputError(f"unknown rendering {rendering!r}; allowed: {', '.join(RENDERINGS)}")
