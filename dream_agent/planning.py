"""One path from a request to the refine loop, shared by the CLI, the Python API and the runnables.

A request is an environment (or its registry name), problems, a model (loaded, a checkpoint
directory, or None for the model shipped for the environment) and options (a `PlanOptions` or
a flat mapping). Everything is resolved here once, then handed to `planners.solving`.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any, Mapping, Sequence

from constraints.errors import InputError
from dream_agent.protocols import DiffusionLM
from environments import get_environment
from environments.base import Environment, Shortenable
from planners.options import PlanOptions
from planners.refinement import OnStep
from planners.result import PlanResult
from planners.solving import prepare, solve_batch as _solve_batch

_LOAD_LOCK = threading.Lock()


def environment(env: Environment | str) -> Environment:
    """An environment from itself or its registry name."""
    if isinstance(env, str):
        return get_environment(env)
    if isinstance(env, Environment):
        return env
    raise InputError(f"env must be an environment or its registry name, got {type(env).__name__}")


@functools.lru_cache(maxsize=4)
def _load(path: str, dtype: str, device: str) -> DiffusionLM:
    from dream_agent.loading import load_model

    return load_model(path, dtype=dtype, device=device)


def load_cached(path: str | Path, *, dtype: str = "float32", device: str = "cpu") -> DiffusionLM:
    """A checkpoint directory loaded once per process (per dtype and device)."""
    with _LOAD_LOCK:  # one load even when a batch arrives from several threads
        return _load(str(Path(path).expanduser().resolve()), dtype, device)


def model_for(model: DiffusionLM | str | Path | None, env_name: str) -> DiffusionLM:
    """The model to plan with: as given, loaded from a directory (cached), or the one shipped for `env_name`."""
    if isinstance(model, DiffusionLM):
        return model
    if model is None:
        from dream_agent.models import default_model

        with _LOAD_LOCK:
            return default_model(env_name)
    if isinstance(model, (str, Path)):
        return load_cached(model)
    raise InputError(f"model must be a DiffusionLM, a checkpoint directory or None, got {type(model).__name__}")


def pddl_environment(domain_pddl: str, model: str | Path | None = None) -> tuple[Environment, Path]:
    """The environment and model directory for planning in a PDDL domain with a trained model.

    `model` is a directory written by `dream-agent train pddl`; None takes the model shipped for a
    domain of that name, if its structure (fingerprint) is the same.

    Raises:
        InputError: the model was trained for another domain, or none ships for this one.
    """
    from dream_agent.models import available_pddl_models, pddl_model_dir
    from environments.pddl import PDDLEnvironment
    from environments.pddl.record import environment_for_model, environment_from_record, is_same_domain, read_domain_record

    if model is not None:
        env = environment_for_model(domain_pddl, read_domain_record(model), model)
        env.max_tokens = _canvas_limit(model)
        return env, Path(model)
    name = PDDLEnvironment(domain_pddl).domain.name
    shipped = pddl_model_dir(name)
    served = ", ".join(["blocksworld", *available_pddl_models()])
    if shipped is None:
        raise InputError(f"no shipped model for the PDDL domain {name!r} (models ship for {served}); "
                         f"pass --model DIR with a model trained on this domain (dream-agent train pddl)")
    record = read_domain_record(shipped)
    env = environment_from_record(domain_pddl, record)
    if not is_same_domain(record, env):
        raise InputError(f"the shipped model for {name!r} serves another version of that domain (its actions or "
                         f"predicates differ); pass --model DIR with a model trained on this domain (dream-agent train pddl)")
    env.max_tokens = _canvas_limit(shipped)
    return env, shipped


def _canvas_limit(model_dir: str | Path) -> int | None:
    """The most tokens the canvas of a small model trained here holds (None for other checkpoints)."""
    from dream_agent.tiny import read_tiny_config

    try:
        config, _ = read_tiny_config(model_dir)
    except InputError:  # not one of our small models (a Dream checkpoint): no fixed canvas to fit
        return None
    return config.max_length


def plan_options(options: PlanOptions | Mapping[str, Any] | None = None, **overrides: Any) -> PlanOptions:
    """`PlanOptions` from options or a flat mapping, with flat keyword `overrides` on top."""
    if isinstance(options, PlanOptions):
        return options.replace(**overrides) if overrides else options
    if options is not None and not isinstance(options, Mapping):
        raise InputError(f"options must be PlanOptions or a mapping of option names, got {type(options).__name__}")
    return PlanOptions.from_mapping({**(options or {}), **overrides})


def solve_batch(
    env: Environment | str,
    problems: Sequence[Any],
    model: DiffusionLM | str | Path | None = None,
    *,
    options: PlanOptions | Mapping[str, Any] | None = None,
    on_step: OnStep | None = None,
    **overrides: Any,
) -> list[PlanResult]:
    """Solve problems of one environment in one batched refine run.

    Args:
        env: an environment or its registry name ("sudoku", "kitchen", ...).
        problems: problems as the environment reads them (models, dicts, strings).
        model: a DiffusionLM, a checkpoint directory, or None for the model shipped for `env`.
        options: PlanOptions or a flat mapping; keyword `overrides` (steps=8, max_rounds=2, ...) on top.
        on_step: called with every TraceEvent.

    >>> solve_batch("sudoku4x4", ["1000000240030000"])[0].solved  # doctest: +SKIP
    True
    """
    env = environment(env)
    return _solve_batch(env, problems, model_for(model, env.name), options=plan_options(options, **overrides),
                        on_step=on_step)


# The key a plan goes under in `dream-agent solve/plan --json` and in batch lines; others: "plan".
PLAN_FIELDS: dict[str, str] = {"countdown": "answer", "sudoku": "solution", "sudoku4x4": "solution"}


def result_fields(env: Environment, problem: Any, result: PlanResult, options: PlanOptions,
                  rendering: str = "compact") -> dict[str, Any]:
    """The JSON fields of one result, as `dream-agent solve/plan --json` and `dream-agent batch` print them.

    `solved`, the plan (under `PLAN_FIELDS[env.name]`, else `"plan"`, as `env.format_plan` gives
    it), the constraint tier it was made at, `nfe`, `rounds`, `seconds` and `violations`; for action
    plans also `removed_steps`, the detours dropped from the drafted plan (`PlanOptions.shorten`).
    """
    plan = env.format_plan(env.parse_plan(env.prepare(problem), result.values, rendering))
    return {
        "solved": result.solved,
        PLAN_FIELDS.get(env.name, "plan"): plan,
        "constraints": options.constraints,
        "nfe": result.nfe,
        "rounds": result.rounds,
        "seconds": round(result.seconds, 4),
        "violations": [v.to_dict() for v in result.violations],
        **({"removed_steps": result.removed_steps} if isinstance(env, Shortenable) else {}),
    }


def solve(
    env: Environment | str,
    problem: Any,
    model: DiffusionLM | str | Path | None = None,
    *,
    options: PlanOptions | Mapping[str, Any] | None = None,
    on_step: OnStep | None = None,
    **overrides: Any,
) -> PlanResult:
    """Solve one problem (see `solve_batch`)."""
    return solve_batch(env, [problem], model, options=options, on_step=on_step, **overrides)[0]


__all__ = ["PLAN_FIELDS", "environment", "load_cached", "model_for", "pddl_environment", "plan_options", "prepare",
           "result_fields", "solve", "solve_batch"]
