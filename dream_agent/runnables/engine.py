"""What the runnables need from the layers below: environments, models, and the solver.

One place turns runnable inputs into problems, resolves models (cached per directory), and
maps `planners` results to the pydantic `PlanOutput`.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from constraints import InputError
from dream_agent.protocols import DiffusionLM
from dream_agent.runnables.results import PlanOutput, ViolationModel
from environments import get_environment
from environments.base import RENDERINGS

_PROBLEM_KEYS = ("problem",)
_LOAD_LOCK = threading.Lock()


def environment(env: Any) -> Any:
    """An environment from itself or its registry name."""
    if isinstance(env, str):
        return get_environment(env)
    if hasattr(env, "parse_problem") and hasattr(env, "template") and hasattr(env, "name"):
        return env
    raise InputError(f"env must be an environment or its registry name, got {type(env).__name__}")


def problem_of(env: Any, item: Any) -> Any:
    """The environment's problem from a runnable input (its model, a dict, a string, or {"problem": ...})."""
    if isinstance(item, env.problem_type):
        return item
    if isinstance(item, Mapping) and len(item) == 1 and next(iter(item)) in _PROBLEM_KEYS:
        item = next(iter(item.values()))
    if hasattr(item, "model_dump") and not isinstance(item, env.problem_type):
        item = item.model_dump()
    return env.parse_problem(item)


@functools.lru_cache(maxsize=4)
def _load(path: str, dtype: str, device: str) -> DiffusionLM:
    from dream_agent.loading import load_model

    return load_model(path, dtype=dtype, device=device)


def load_cached(path: str | Path, *, dtype: str = "float32", device: str = "cpu") -> DiffusionLM:
    """A checkpoint directory loaded once per process (per dtype and device), shared by runnables."""
    with _LOAD_LOCK:  # one load even when a batch arrives from several threads
        return _load(str(Path(path).expanduser().resolve()), dtype, device)


def model_for(model: DiffusionLM | str | Path | None, env_name: str) -> DiffusionLM:
    """The model to plan with: as given, loaded from a directory (cached), or the shipped default."""
    if isinstance(model, DiffusionLM):
        return model
    if model is None:
        from dream_agent.models import default_model

        with _LOAD_LOCK:
            return default_model(env_name)
    if isinstance(model, (str, Path)):
        return load_cached(model)
    raise InputError(f"model must be a DiffusionLM, a checkpoint directory or None, got {type(model).__name__}")


def rendering_for(lm: DiffusionLM) -> str:
    """"compact" for word-level models (the project's small MDMs), "text" for text LMs such as Dream."""
    from dream_agent.vocab_tokenizer import VocabTokenizer

    return "compact" if isinstance(lm.tokenizer, VocabTokenizer) else "text"


def split_options(options: Mapping[str, Any]) -> tuple[Any, str | None, bool]:
    """`PlanOptions`, the rendering (None: chosen by the model) and `hard_constraints` from a flat dict.

    Raises:
        InputError: an unknown option name or a bad value, naming it.
    """
    from planners.result import PlanOptions

    names = {f.name for f in dataclasses.fields(PlanOptions)}
    extra = {"rendering", "hard_constraints"}
    unknown = sorted(set(options) - names - extra)
    if unknown:
        raise InputError(f"unknown planner option(s) {', '.join(unknown)}; valid: {', '.join(sorted(names | extra))}")
    rendering = options.get("rendering")
    if rendering is not None and rendering not in RENDERINGS:
        raise InputError(f"rendering must be one of {', '.join(RENDERINGS)}, got {rendering!r}")
    hard = options.get("hard_constraints", True)
    if not isinstance(hard, bool):
        raise InputError(f"hard_constraints must be true or false, got {hard!r}")
    return PlanOptions(**{k: v for k, v in options.items() if k not in extra}), rendering, hard


def plan_options(options: Mapping[str, Any]) -> Any:
    """Check options early (raises InputError naming the bad one)."""
    return split_options(options)[0]


def plan_batch(
    env: Any,
    lm: DiffusionLM,
    problems: Sequence[Any],
    options: Mapping[str, Any],
    *,
    on_draft: Callable[[dict[str, Any]], None] | None = None,
) -> list[PlanOutput]:
    """Plan every problem in one batched refine run (`planners.solve.solve_batch`).

    Drafts go to `on_draft` as JSON-ready dicts: `index` (which problem), `round`, `step`, `values`.
    """
    from planners.solve import prepare_problem, solve_batch

    plan_opts, rendering, hard = split_options(options)
    rendering = rendering or rendering_for(lm)

    def on_step(event: Any) -> None:
        if on_draft is not None and event.kind == "step":
            on_draft({"index": event.index, "round": event.round, "step": event.step, "values": dict(event.values)})

    problems = [prepare_problem(env, problem) for problem in problems]  # e.g. a PDDL step budget
    results = solve_batch(env, problems, lm, rendering=rendering, hard_constraints=hard, options=plan_opts, on_step=on_step)
    return [to_output(env, problem, result, rendering) for problem, result in zip(problems, results)]


def to_output(env: Any, problem: Any, result: Any, rendering: str) -> PlanOutput:
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
    )
