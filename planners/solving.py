"""The bridge from an environment to the refine loop: problems become requests, results come back.

Planners see environments only through the `environments.base.Environment` protocol: the
problem is parsed and prepared once, its template compiled once, and its slot rules (the hard
constraints, when the environment declares them) bound once per problem.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

from constraints.errors import InputError
from dream_agent.protocols import DiffusionLM
from dream_agent.vocab_tokenizer import VocabTokenizer
from environments.base import Environment, Shortenable
from planners.options import PlanOptions
from planners.refinement import OnStep, Request, refine_batch
from planners.compile import compile_template, fill_tokens
from planners.result import PlanResult


def rendering_for(model: DiffusionLM, options: PlanOptions) -> str:
    """The template rendering: as the options say, else "compact" for word-level models, "text" otherwise."""
    if options.rendering is not None:
        return options.rendering
    return "compact" if isinstance(model.tokenizer, VocabTokenizer) else "text"


def prepare(env: Environment, problem: Any) -> Any:
    """The problem as planners and trainers see it: parsed, then prepared by its environment."""
    return env.prepare(env.parse_problem(problem))


def request_for(env: Environment, problem: Any, model: DiffusionLM, options: PlanOptions) -> Request:
    """One prepared problem as a refine request: the compiled template, the checker and the slot rules."""
    rendering = rendering_for(model, options)
    canvas = compile_template(env.template(problem, rendering), model.tokenizer, shift=model.denoiser.shift)
    tier = options.constraints
    rules = None if tier == "none" else env.slot_rules(problem, rendering, tier)
    return Request(canvas, lambda values: env.check_values(problem, values, rendering), rules=rules,
                   choices=tier != "none", rank=lambda values: _plan_length(env.parse_plan(problem, values, rendering)))


def _plan_length(plan: Any) -> int:
    """Steps of an action plan (0 for plans that are not sequences, such as a Sudoku grid)."""
    return len(plan) if isinstance(plan, (list, tuple)) else 0


def solve_batch(
    env: Environment,
    problems: Sequence[Any],
    model: DiffusionLM,
    *,
    options: PlanOptions = PlanOptions(),
    on_step: OnStep | None = None,
) -> list[PlanResult]:
    """Solve many problems of one environment in batched denoising rounds.

    Args:
        env: the environment.
        problems: its problems (pydantic models, dicts or strings `env.parse_problem` reads).
        model: a DiffusionLM.
        options: the PlanOptions (`steps=None`: one step per open token of each canvas; `candidates=None`:
            `env.recommended_candidates`; `replan`: closed loop, `planners.replanning`).
        on_step: called with every TraceEvent.

    Returns:
        One PlanResult per problem; `solved` is True only when the environment's checker passes.
    """
    options = options.for_environment(env)  # candidates unset: the environment's recommendation
    prepared = [prepare(env, p) for p in problems]
    if options.replan:
        from planners.replanning import replan_batch  # it builds on this module's requests

        if on_step is not None:
            raise InputError("re-planning reports no step events (each kept step is its own refine run)")
        results = replan_batch(env, prepared, model, options=options)
    else:
        requests = [request_for(env, p, model, options) for p in prepared]
        results = refine_batch(model, requests, options=options, on_step=on_step)
    if not options.shorten:
        return results
    rendering = rendering_for(model, options)
    return [shortened(env, p, r, model, rendering) for p, r in zip(prepared, results)]


def shortened(env: Environment, problem: Any, result: PlanResult, model: DiffusionLM, rendering: str) -> PlanResult:
    """`result` with its valid plan less the steps it does without (`Shortenable`), else as it is."""
    if not result.solved or not isinstance(env, Shortenable):
        return result
    plan = env.parse_plan(problem, result.values, rendering)
    shorter = env.shorten(problem, plan)
    if len(shorter) >= len(plan):
        return result
    values = env.plan_to_values(problem, shorter, rendering)
    if env.check_values(problem, values, rendering):  # the environment's own verdict has the last word
        return result
    canvas = compile_template(env.template(problem, rendering), model.tokenizer, shift=model.denoiser.shift)
    tokens = fill_tokens(canvas, values) if result.tokens else result.tokens
    return dataclasses.replace(result, values=values, text=canvas.template.fill(values), tokens=tokens,
                               removed_steps=len(plan) - len(shorter))


def solve(env: Environment, problem: Any, model: DiffusionLM, *, options: PlanOptions = PlanOptions(),
          on_step: OnStep | None = None) -> PlanResult:
    """Solve one problem of `env` (see `solve_batch`)."""
    return solve_batch(env, [problem], model, options=options, on_step=on_step)[0]
