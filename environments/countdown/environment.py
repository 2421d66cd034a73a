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

from constraints import InputError, Template, Violation
from environments.base import BoundRules, Rendering, SlotRules, Tier, check_tier
from environments.countdown.allowed import countdown_allowed_values, countdown_local_values
from environments.countdown.checks import check_equations
from environments.countdown.generator import generate
from environments.countdown.oracle import OPS, solve_countdown
from environments.countdown.problem import CountdownProblem, parse_countdown
from environments.countdown.templates import PARTS, WORDS, check_rendering, parse_plan, plan_to_values, split_answer, template


class CountdownEnv:
    """Countdown as a planning environment.

    Args:
        digits: width in digit tokens of each number slot in the templates (intermediate results
            of oracle plans are kept below 10**digits where such a plan exists).
    """

    name = "countdown"
    problem_type = CountdownProblem
    recommended_candidates = 8  # 30 CD4 problems, local tier: 16.7% at 1 candidate, 30.0% at 8, for 5x the time (docs/results.md)

    def __init__(self, digits: int = 5) -> None:
        if not isinstance(digits, int) or not 2 <= digits <= 12:
            raise InputError(f"digits must be an integer 2..12, got {digits!r}")
        self.digits = digits

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
        self, seed: int, n: int = 4, low: int = 1, high: int = 99, target_low: int = 10, target_high: int = 99,
        method: str = "chain",
    ) -> CountdownProblem:
        """A random solvable instance (see `environments.countdown.generator.generate`)."""
        return generate(seed, n, low, high, target_low, target_high, method)

    # -- oracle ---------------------------------------------------------------------------
    def solve(self, problem: CountdownProblem) -> list[str] | None:
        """Equations reaching the target (fitting the template width where possible), or None.

        None also when the search bound (`countdown.oracle.MAX_EXPANSIONS`) is spent first,
        which only large unsolvable instances (7-8 numbers) reach.
        """
        return self._solution(problem, None)

    def sample_solution(self, problem: CountdownProblem, seed: int) -> list[str] | None:
        """Like `solve`, but the first solution of a search in an order drawn from `seed` (not
        uniform over the solutions): training targets that show many ways to an answer, not only
        the fixed search's first (the smallest numbers added first)."""
        return self._solution(problem, random.Random(seed))

    def _solution(self, problem: CountdownProblem, rng: random.Random | None) -> list[str] | None:
        problem = parse_countdown(problem)
        found = solve_countdown(problem.numbers, problem.target, max_value=10**self.digits - 1, rng=rng)
        if found is None:
            found = solve_countdown(problem.numbers, problem.target, rng=rng)
        return None if found is None else [e.text for e in found]

    # -- templates ------------------------------------------------------------------------
    def template(self, problem: CountdownProblem, rendering: Rendering = "compact") -> Template:
        """n-1 equations of slots a, op, b, r (op is one of + - * /), after the problem itself."""
        return template(problem, rendering, self.digits)

    def plan_to_values(self, problem: CountdownProblem, plan: Any, rendering: Rendering = "compact") -> dict[str, str]:
        """Slot values of a plan; compact numbers are space-separated digits ('1 1 4')."""
        return plan_to_values(problem, plan, rendering, self.digits)

    def parse_plan(
        self, problem: CountdownProblem, values: Mapping[str, str], rendering: Rendering = "compact"
    ) -> list[str]:
        """Equation texts from slot values (digits may be space-separated); unreadable ones are kept."""
        return parse_plan(problem, values, rendering)

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

    def slot_rules(self, problem: CountdownProblem, rendering: Rendering = "compact", tier: Tier = "local") -> SlotRules:
        """Hard constraints, committed one equation after another (see `countdown.allowed`). Local:
        available operands, operators with whole results, exact results of committed equations, the
        target last. Search: every part kept only if some equation over the available numbers fits it,
        and only choices from which the target can still be reached."""
        check_rendering(rendering)
        check_tier(tier)
        compact = rendering == "compact"
        if tier == "local":
            allowed = functools.partial(countdown_local_values, problem, compact=compact, digits=self.digits)
        else:
            allowed = functools.partial(countdown_allowed_values, problem, compact=compact, digits=self.digits)
        order = tuple(tuple(f"{part}{i}" for part in PARTS) for i in range(len(problem.numbers) - 1))
        return BoundRules(allowed, order)

    def vocabulary(self) -> list[str]:
        """Digits, operators and the few structure words of compact templates."""
        return [str(d) for d in range(10)] + list(OPS) + list(WORDS)

    def format_plan(self, plan: Any) -> str:
        """The answer as Dream writes it: 'a+b=c,c-d=e,...'."""
        return ",".join(split_answer(plan))
