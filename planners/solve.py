"""The bridge from an environment to a PlanResult: template, checker, hard constraints, model.

`solve(env, problem)` fills the environment's template with a model (by default the small model
shipped for that environment), checks every draft with the environment's checker, re-masks
what it blames, and, with `hard_constraints`, restricts each open slot to the values
`env.slot_rules(problem, rendering)` still allows given what is committed.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Sequence

from constraints.errors import InputError
from dream_agent.protocols import DiffusionLM
from environments.base import Environment
from planners.allowed import allowed_values_hook
from planners.compile import compile_template
from planners.refine import OnStep, refine_batch
from planners.result import PlanOptions, PlanResult


def prepare_problem(env: Environment, problem: Any) -> Any:
    """The problem as the planner (and the trainer) sees it: `env.prepare(problem)`."""
    return env.prepare(problem)


def default_steps(env: Environment, problem: Any, model: DiffusionLM | None = None, rendering: str = "compact") -> int:
    """One denoising step per open token of the problem's canvas: every commit then sees the
    previous ones, which the hard constraints need to stay exact."""
    if model is None:
        from dream_agent.models import default_model

        model = default_model(env.name)
    problem = env.prepare(env.parse_problem(problem))
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
        hard_constraints: mask every value `env.slot_rules` rules out (when it has rules).
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
    problems = [env.prepare(env.parse_problem(p)) for p in problems]
    if options is None and "steps" not in overrides and problems:
        overrides = {**overrides, "steps": max(default_steps(env, p, model, rendering) for p in problems)}
    opts = _options(options, overrides)
    templates = [env.template(p, rendering) for p in problems]
    checks: list[Callable] = [_checker(env, p, rendering) for p in problems]
    hooks = None
    if hard_constraints:
        rules = [env.slot_rules(p, rendering) for p in problems]
        hooks = [None if r is None else allowed_values_hook(r, t, model) for r, t in zip(rules, templates)]
    return refine_batch(model, templates, checks, options=opts, logits_hooks=hooks, on_step=on_step)


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
