"""The environment protocol: what a planning domain gives the planners, the trainer and validators."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Collection, Literal, Mapping, Protocol, Sequence, runtime_checkable

from pydantic import BaseModel

from constraints import InputError, Template, Violation

Rendering = Literal["compact", "text"]
RENDERINGS: tuple[str, ...] = ("compact", "text")
# Hard-constraint tiers an environment offers: "local" checks each rule against committed tokens
# only; "search" may look ahead (propagation, reachability, goal distance). "none" (no rules at
# all) is the planner's business, not the environment's.
Tier = Literal["local", "search"]
TIERS: tuple[str, ...] = ("local", "search")


def check_tier(tier: str) -> None:
    """Raise InputError unless `tier` is one of TIERS."""
    if tier not in TIERS:
        raise InputError(f"unknown constraint tier {tier!r}; an environment offers: {', '.join(TIERS)}")


@runtime_checkable
class SlotRules(Protocol):
    """Hard constraints of one problem: the values each open slot may still take given what is committed."""

    def allowed_values(self, partial: Mapping[str, str | None]) -> Mapping[str, Collection[str]]:
        """Slot name -> values it may still take; `partial` maps slot -> committed value, None while open.
        A slot left out is unconstrained."""

    def fill_order(self) -> list[list[str]]:
        """Groups of slot names in the order a planner best commits them (one group per step); [] = any order."""


@dataclass(frozen=True)
class BoundRules:
    """SlotRules of one problem and rendering: an `allowed_values` callable and a fixed fill order.

    >>> rules = BoundRules(lambda partial: {name: {"x"} for name, v in partial.items() if v is None}, (("a",), ("b",)))
    >>> rules.allowed_values({"a": "x", "b": None}), rules.fill_order()
    ({'b': {'x'}}, [['a'], ['b']])
    """

    allowed: Callable[[Mapping[str, str | None]], Mapping[str, Collection[str]]]
    order: tuple[tuple[str, ...], ...] = ()

    def allowed_values(self, partial: Mapping[str, str | None]) -> Mapping[str, Collection[str]]:
        return self.allowed(partial)

    def fill_order(self) -> list[list[str]]:
        return [list(group) for group in self.order]


def no_values(partial: Mapping[str, str | None]) -> dict[str, set[str]]:
    """The `allowed` of rules that constrain no slot (only a fill order)."""
    return {}


@runtime_checkable
class Environment(Protocol):
    """A problem type with an exact oracle, templates and checkers.

    `compact` templates use only `vocabulary()` tokens separated by single spaces (for the
    project's small models, one word = one token); `text` templates are natural text for a
    text LM such as Dream. Plans are environment-specific (a grid string, a list of equations,
    a list of actions); `format_plan` gives their JSON form.

    `recommended_candidates` is how many canvases per problem a plan request runs when its
    options leave `candidates` unset (`planners.options.PlanOptions.for_environment`): the
    number measured to pay for its time with this domain's shipped model (1: one canvas).
    An environment may also have `recommended_options` (`planners.options.RECOMMENDABLE`: a
    confidence threshold, the extra candidates' unmasking-order temperature, late candidates),
    used where a request leaves them unset (9x9 Sudoku; the others have none).
    """

    name: str
    problem_type: type[BaseModel]
    recommended_candidates: int

    def parse_problem(self, data: Any) -> BaseModel:
        """A problem from its pydantic model, a dict or a string; bad input raises InputError."""

    def prepare(self, problem: BaseModel) -> BaseModel:
        """The problem as planners and trainers see it (e.g. a PDDL step budget); idempotent."""

    def generate(self, seed: int, **knobs: Any) -> BaseModel:
        """A random solvable instance; same seed and knobs, same instance."""

    def solve(self, problem: BaseModel) -> Any | None:
        """The exact oracle: a (optimal, where the domain has costs) plan, or None if none exists."""

    def template(self, problem: BaseModel, rendering: Rendering = "compact") -> Template:
        """The plan template for this problem."""

    def plan_to_values(self, problem: BaseModel, plan: Any, rendering: Rendering = "compact") -> dict[str, str]:
        """Slot values that spell `plan` in `template(problem, rendering)` (training data, tests)."""

    def parse_plan(self, problem: BaseModel, values: Mapping[str, str], rendering: Rendering = "compact") -> Any:
        """The plan spelled by filled slot values; unparseable parts are kept so `check` can blame them."""

    def check(self, problem: BaseModel, plan: Any) -> list[Violation]:
        """Every violation of `plan`, blaming steps/cells; never raises on a bad plan."""

    def check_values(
        self, problem: BaseModel, values: Mapping[str, str], rendering: Rendering = "compact"
    ) -> list[Violation]:
        """`check(parse_plan(values))` with each violation's `slots` filled for remasking."""

    def slot_rules(self, problem: BaseModel, rendering: Rendering = "compact", tier: Tier = "local") -> SlotRules | None:
        """The hard constraints of `problem`'s template in `rendering` at `tier`, or None when there are none."""

    def vocabulary(self) -> list[str]:
        """Every token a compact template or plan of this environment can contain."""

    def format_plan(self, plan: Any) -> Any:
        """The plan as JSON-ready data (a string or a list of strings)."""


@runtime_checkable
class Restartable(Protocol):
    """An environment whose action plans can be re-planned part-way (closed-loop planning,
    `planners.replanning`): the problem as it stands after some steps have run."""

    def restart(self, problem: BaseModel, steps: Sequence[Any]) -> BaseModel:
        """`problem` started in the state `steps` reach, its goal kept, its step budget reduced by
        len(steps); raises InputError when a step does not apply or the problem cannot be restated."""


@runtime_checkable
class Shortenable(Protocol):
    """An environment whose plans are step lists that may carry detours (`planners.solving` drops
    them from a valid plan when `PlanOptions.shorten` is on)."""

    def shorten(self, problem: BaseModel, plan: Sequence[Any]) -> list[Any]:
        """`plan` less every step it does without, still valid (`environments.shortening`);
        a plan `check` fails comes back unchanged."""


@runtime_checkable
class SolutionSampler(Protocol):
    """An environment that can answer with one of a problem's solutions at random, not only the
    oracle's own (training targets, `Recipe.solutions = "sampled"`)."""

    def sample_solution(self, problem: BaseModel, seed: int) -> Any | None:
        """A solution drawn by `seed` (the same seed, the same solution), or None when there is none."""


def slot_values(values: Any) -> dict[str, str]:
    """Filled slot values as text: a mapping of slot name -> value (None reads as empty).

    Raises:
        TypeError: `values` is not a mapping.

    >>> slot_values({"a": "x", "b": None, "c": 3})
    {'a': 'x', 'b': '', 'c': '3'}
    """
    if not isinstance(values, Mapping):
        raise TypeError(f"slot values must be a mapping of slot name -> text, got {type(values).__name__}")
    return {str(name): "" if value is None else str(value) for name, value in values.items()}
