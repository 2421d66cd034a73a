"""What the runnables need from the layers below: runnable inputs as problems, results as `PlanOutput`.

Environments, models and options are resolved by `dream_agent.planning`, the path every entry
point shares; this module adds only what is particular to runnables.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from dream_agent.planning import environment, load_cached, model_for, plan_options
from dream_agent.protocols import DiffusionLM
from dream_agent.runnables.results import PlanOutput, ViolationModel
from planners.options import PlanOptions
from planners.solving import prepare, rendering_for, solve_batch

_PROBLEM_KEYS = ("problem",)


def problem_of(env: Any, item: Any) -> Any:
    """The environment's problem from a runnable input (its model, a dict, a string, or {"problem": ...})."""
    if isinstance(item, env.problem_type):
        return item
    if isinstance(item, Mapping) and len(item) == 1 and next(iter(item)) in _PROBLEM_KEYS:
        item = next(iter(item.values()))
    if hasattr(item, "model_dump") and not isinstance(item, env.problem_type):
        item = item.model_dump()
    return env.parse_problem(item)


def plan_batch(
    env: Any,
    lm: DiffusionLM,
    problems: Sequence[Any],
    options: PlanOptions,
    *,
    on_draft: Callable[[dict[str, Any]], None] | None = None,
) -> list[PlanOutput]:
    """Plan every problem in one batched refine run (`planners.solving.solve_batch`).

    Drafts go to `on_draft` as JSON-ready dicts: `index` (which problem), `round`, `step`, `values`.
    """

    def on_step(event: Any) -> None:
        if on_draft is not None and event.kind == "step":
            on_draft({"index": event.index, "round": event.round, "step": event.step, "values": dict(event.values)})

    problems = [prepare(env, problem) for problem in problems]
    results = solve_batch(env, problems, lm, options=options, on_step=on_step)
    rendering = rendering_for(lm, options)
    return [to_output(env, problem, result, rendering, options.constraints) for problem, result in zip(problems, results)]


def to_output(env: Any, problem: Any, result: Any, rendering: str, constraints: str) -> PlanOutput:
    """A `planners` PlanResult as the boundary model, with the plan parsed by the environment."""
    plan = env.parse_plan(problem, result.values, rendering)
    return PlanOutput(
        env=env.name,
        solved=bool(result.solved),
        plan=env.format_plan(plan),
        values=dict(result.values),
        text=result.text,
        violations=[ViolationModel.of(v) for v in result.violations],
        rounds=int(result.rounds),
        nfe=int(result.nfe),
        seconds=float(result.seconds),
        constraints=constraints,
        removed_steps=int(result.removed_steps),
    )


__all__ = ["environment", "load_cached", "model_for", "plan_batch", "plan_options", "problem_of", "to_output"]
