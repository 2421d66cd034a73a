"""The shared shell of action-sequence domains (kitchen, assembly): plans are lists of action strings.

A subclass names its problem type and plugs in its own simulator, oracle and renderer; this base
turns them into the Environment protocol, including the `max_steps` rule and slot blame.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any, Callable, Mapping

from pydantic import BaseModel, ValidationError

from constraints import InputError, Template, Violation
from environments.action_plans.actions import format_action, parse_action
from environments.action_plans.steps import StepRules
from environments.base import RENDERINGS, BoundRules, SlotRules, Tier, check_tier, no_values
from environments.shortening import without_detours


class ActionPlanEnvironment:
    """Environment protocol for domains whose plans are lists like ["goto(fridge)", "open(fridge)"].

    Subclasses set `name`, `problem_type`, `render` (a module with `template`, `plan_to_values`,
    `step_slots`, `empty_step_slots`, `vocabulary` and `instruction`), and the callables
    `generator` (seed, **knobs -> instance with `.problem`), `oracle` (problem -> plan | None) and
    `simulate_check` (problem, plan -> violations). Violation reasons cite steps 0-based, matching
    `Violation.steps` (text templates number their lines from 1).
    """

    name: str
    problem_type: type[BaseModel]
    render: ModuleType
    generator: Callable[..., Any]
    oracle: Callable[[Any], list[str] | None]
    simulate_check: Callable[[Any, list[str]], list[Violation]]
    recommended_candidates: int = 1  # a subclass with a measured model sets its own
    step_rules: Callable[[Any], StepRules] | None = None  # problem -> its hard constraints (None: none)
    search_step_rules: Callable[[Any], StepRules] | None = None  # the search tier's (None: the same as local)
    _generated: tuple[Any, list[str]] | None = None  # the last generated task and its optimal plan

    def parse_problem(self, data: Any) -> Any:
        if isinstance(data, self.problem_type):
            return data
        try:
            if isinstance(data, (str, bytes)):
                return self.problem_type.model_validate_json(data)
            if isinstance(data, Mapping):
                return self.problem_type.model_validate(dict(data))
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(x) for x in first.get("loc", ()))
            msg = str(first.get("ctx", {}).get("error", first["msg"]))
            raise InputError(f"bad {self.name} problem{' at ' + where if where else ''}: {msg}") from None
        except json.JSONDecodeError as err:
            raise InputError(f"bad {self.name} problem: {err}") from None
        raise InputError(f"a {self.name} problem is a {self.problem_type.__name__}, a dict or JSON text, "
                         f"not {type(data).__name__}")

    def prepare(self, problem: Any) -> Any:
        """The problem unchanged: its own `max_steps` is the template length."""
        return problem

    def slot_rules(self, problem: Any, rendering: str = "compact", tier: Tier = "local") -> SlotRules | None:
        """Hard constraints from the subclass's `step_rules` (none without): in the compact rendering,
        steps that take effect after a committed prefix and typed steps past it
        (`environments.action_plans.steps`); the text rendering gets no values. Either way steps are
        committed one after another. The search tier uses `search_step_rules` where a domain has them."""
        check_tier(tier)
        if self.step_rules is None:
            return None
        if rendering not in RENDERINGS:
            raise InputError(f"unknown rendering {rendering!r}; renderings: {', '.join(RENDERINGS)}")
        problem = self.parse_problem(problem)
        n = problem.max_steps
        if rendering == "text":
            return BoundRules(no_values, tuple((f"s{i}",) for i in range(n)))
        cls = type(self)
        rules = (cls.search_step_rules if tier == "search" and cls.search_step_rules else cls.step_rules)(problem)
        return BoundRules(rules, tuple(rules.names(i) for i in range(n)))

    def generate(self, seed: int, **knobs: Any) -> Any:
        """A random task. The generator's search already found its optimal plan: it is kept, so
        `solve` on the task right after (training data) does not search again."""
        instance = type(self).generator(seed, **knobs)
        self._generated = (instance.problem, list(instance.plan))
        return instance.problem

    def solve(self, problem: Any) -> list[str] | None:
        """An optimal plan (the oracle's), or None when the task cannot be done."""
        problem = self.parse_problem(problem)
        if self._generated is not None and self._generated[0] == problem:
            return list(self._generated[1])
        return type(self).oracle(problem)

    def template(self, problem: Any, rendering: str = "compact") -> Template:
        return self.render.template(self.parse_problem(problem), rendering)

    def plan_to_values(self, problem: Any, plan: Any, rendering: str = "compact") -> dict[str, str]:
        return self.render.plan_to_values(self.parse_problem(problem), self.format_plan(plan), rendering)

    def parse_plan(self, problem: Any, values: Mapping[str, str], rendering: str = "compact") -> list[str]:
        return self.render.step_slots(self.parse_problem(problem), values, rendering)[0]

    def check(self, problem: Any, plan: Any) -> list[Violation]:
        problem = self.parse_problem(problem)
        plan = self.format_plan(plan)
        found = type(self).simulate_check(problem, plan)
        over = tuple(range(problem.max_steps, len(plan)))
        if over:
            found.append(Violation("max_steps", f"steps {over[0]}-{over[-1]}: the plan may have at most "
                                   f"{problem.max_steps} steps", "extra_step", steps=over))
        return found

    def check_values(self, problem: Any, values: Mapping[str, str], rendering: str = "compact") -> list[Violation]:
        """Violations with the slots of the blamed steps. A violation without steps (an unmet goal)
        blames the first empty step, where the missing action belongs. When the goal is all that is
        wrong and the plan is stuck (no empty step left, or a dead end where the rules allow only the
        empty step), it blames every slot from the first step the plan does as well without
        (`unneeded_step`): that step spent the budget or led into the dead end, so the plan is
        redrafted from there. Else the last step."""
        problem = self.parse_problem(problem)
        plan, slots = self.render.step_slots(problem, values, rendering)
        open_step = self.render.empty_step_slots(problem, values, rendering)
        empty = open_step or (slots[-1] if slots else ())
        found = self.check(problem, plan)
        if (found and all(v.kind == "missing_step" for v in found)
                and (not open_step or self._dead_end(problem, values, rendering, open_step))):
            first = self.unneeded_step(problem, plan, len(found))
            if first is not None:
                names = [s.name for s in self.template(problem, rendering).slots]
                empty = tuple(names[names.index(slots[first][0]):])
        out = []
        for v in found:
            names = [s for i in v.steps if i < len(slots) for s in slots[i]] if v.steps else list(empty)
            out.append(Violation(v.constraint, v.reason, v.kind, tuple(dict.fromkeys(names)), v.steps, v.cells,
                                 v.details))
        return out

    def shorten(self, problem: Any, plan: Any) -> list[str]:
        """`plan` less the steps it does without (greedy action elimination), still valid."""
        problem = self.parse_problem(problem)
        return without_detours(lambda steps: self.check(problem, steps), self.format_plan(plan))

    def unneeded_step(self, problem: Any, plan: list[str], unmet: int) -> int | None:
        """The first step whose removal leaves a plan that breaks nothing and meets as much of the
        goal (at most `unmet` violations, all unmet goals), or None. Such a step is a tool change
        whose tool is never used, or the move into a dead end; found in hindsight, on the whole plan."""
        for i in range(len(plan)):
            rest = type(self).simulate_check(problem, plan[:i] + plan[i + 1:])
            if len(rest) <= unmet and all(v.kind == "missing_step" for v in rest):
                return i
        return None

    def _dead_end(self, problem: Any, values: Mapping[str, str], rendering: str, step: tuple[str, ...]) -> bool:
        """Whether the local rules allow `step`'s slots nothing but what they hold (the empty step)."""
        rules = self.slot_rules(problem, rendering)
        if rules is None:
            return False
        allowed = rules.allowed_values({k: None if k in step else v for k, v in values.items()})
        return all(n in allowed and set(allowed[n]) == {(values.get(n) or "").strip()} for n in step)

    def vocabulary(self) -> list[str]:
        return self.render.vocabulary()

    def format_plan(self, plan: Any) -> list[str]:
        """Action strings in canonical spelling ("place(mug, cabinet)"); unparseable steps are kept as given."""
        if isinstance(plan, str):
            plan = [line for line in plan.splitlines() if line.strip()]
        if not isinstance(plan, (list, tuple)):
            raise InputError(f"a {self.name} plan is a list of action strings, not {type(plan).__name__}")
        out = []
        for step in plan:
            parsed = parse_action(str(step))
            out.append(format_action(*parsed) if parsed else str(step))
        return out

    def instruction(self, problem: Any) -> str:
        """The task as a natural-language instruction."""
        return self.render.instruction(self.parse_problem(problem))
