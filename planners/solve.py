"""The bridge from an environment to a PlanResult: template, checker, hard constraints, model.

`solve(env, problem)` fills the environment's template with a model (by default the small model
shipped for that environment), checks every draft with the environment's checker, re-masks
what it blames, and, with `hard_constraints`, restricts each open slot to the values
`env.allowed_values` still allows given what is committed.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Collection, Mapping, Sequence

from constraints.errors import InputError
from dream_agent.protocols import DiffusionLM
from environments.base import Environment
from planners.compile import compile_template
from planners.refine import OnStep, refine_batch
from planners.result import PlanOptions, PlanResult


def step_budget(env: Environment, problem: Any) -> int | None:
    """Template steps for a PDDL problem given without `max_steps`, chosen without the oracle.

    Blocksworld: 4 (n - 1) for n blocks, enough for any optimal plan (unstack every block to
    the table, then build the goal towers). Other PDDL domains: the environment's default.
    """
    if not hasattr(env, "task") or getattr(problem, "max_steps", 0) is not None:
        return None
    if getattr(env, "name", "") == "blocksworld":
        n = len(env.task(problem).problem.objects)
        return max(4, 4 * (n - 1))
    from environments.pddl.environment import DEFAULT_MAX_STEPS

    return DEFAULT_MAX_STEPS


def prepare_problem(env: Environment, problem: Any) -> Any:
    """The problem as the planner (and the trainer) sees it: a PDDL problem gets a step budget."""
    budget = step_budget(env, problem)
    if budget is None:
        return problem
    return problem.model_copy(update={"max_steps": budget})


def default_steps(env: Environment, problem: Any, model: DiffusionLM | None = None, rendering: str = "compact") -> int:
    """One denoising step per open token of the problem's canvas: every commit then sees the
    previous ones, which the hard constraints need to stay exact."""
    if model is None:
        from dream_agent.models import default_model

        model = default_model(env.name)
    problem = prepare_problem(env, env.parse_problem(problem))
    canvas = compile_template(env.template(problem, rendering), model.tokenizer, shift=model.denoiser.shift)
    return max(1, len(canvas.open_positions))


def _options(options: PlanOptions | None, overrides: dict[str, Any]) -> PlanOptions:
    base = options or PlanOptions()
    names = {f.name for f in dataclasses.fields(PlanOptions)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise InputError(f"unknown option(s) {', '.join(unknown)}; valid: {', '.join(sorted(names))}")
    return dataclasses.replace(base, **overrides)


def solve_batch(
    env: Environment,
    problems: Sequence[Any],
    model: DiffusionLM | None = None,
    *,
    rendering: str = "compact",
    hard_constraints: bool = True,
    options: PlanOptions | None = None,
    on_step: OnStep | None = None,
    **overrides: Any,
) -> list[PlanResult]:
    """Solve many problems of one environment in batched denoising rounds.

    Args:
        env: the environment.
        problems: its problems (pydantic models, dicts or strings `env.parse_problem` reads).
        model: a DiffusionLM; None loads the model shipped for `env.name`.
        rendering: "compact" (small models) or "text" (a text LM such as Dream).
        hard_constraints: mask every value `env.allowed_values` rules out (when it has one).
        options: PlanOptions; keyword `overrides` (steps=..., max_rounds=...) replace its fields.
            Without either, `steps` is one per open token of the largest canvas. A greedy plan
            that stalls spends its rounds left on sampled restarts (`PlanOptions.retry_temperature`).
        on_step: called with every TraceEvent.

    Returns:
        One PlanResult per problem; `solved` is True only when the environment's checker passes.
    """
    if model is None:
        from dream_agent.models import default_model

        model = default_model(env.name)
    problems = [prepare_problem(env, env.parse_problem(p)) for p in problems]
    if options is None and "steps" not in overrides and problems:
        overrides = {**overrides, "steps": max(default_steps(env, p, model, rendering) for p in problems)}
    opts = _options(options, overrides)
    templates = [env.template(p, rendering) for p in problems]
    checks: list[Callable] = [_checker(env, p, rendering) for p in problems]
    rules = None
    if hard_constraints and hasattr(env, "allowed_values"):
        rules = [_EnvRules(env, p, rendering) for p in problems]
    return refine_batch(model, templates, checks, options=opts, rules=rules, on_step=on_step)


class _EnvRules:
    """An environment's `allowed_values` and `fill_order` for one problem, as `planners.value_masks.SlotRules`."""

    def __init__(self, env: Environment, problem: Any, rendering: str) -> None:
        self.env, self.problem, self.rendering = env, problem, rendering

    def allowed_values(self, partial: Mapping[str, str | None]) -> Mapping[str, Collection[str]]:
        return self.env.allowed_values(self.problem, partial, self.rendering)

    def fill_order(self) -> list[list[str]]:
        return self.env.fill_order(self.problem, self.rendering) if hasattr(self.env, "fill_order") else []


def _checker(env: Environment, problem: Any, rendering: str) -> Callable:
    return lambda values: env.check_values(problem, values, rendering)


def solve(
    env: Environment,
    problem: Any,
    model: DiffusionLM | None = None,
    *,
    rendering: str = "compact",
    hard_constraints: bool = True,
    options: PlanOptions | None = None,
    on_step: OnStep | None = None,
    **overrides: Any,
) -> PlanResult:
    """Solve one problem of `env` (see `solve_batch` for the arguments).

    >>> from environments import get_environment                    # doctest: +SKIP
    >>> solve(get_environment("sudoku4x4"), "1000000240030000").solved  # doctest: +SKIP
    True
    """
    return solve_batch(env, [problem], model, rendering=rendering, hard_constraints=hard_constraints,
                       options=options, on_step=on_step, **overrides)[0]
