"""What `solve` and `plan` share: sampling options, the model choice, progress, traces and output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from constraints.errors import InputError
from dream_agent.cli.common import check_output_file, name_flags
from dream_agent.options import ALGORITHMS
from planners.options import CONSTRAINT_TIERS, PlanOptions

_DEFAULT = PlanOptions()
STEPS = typer.Option(None, "--steps", help="denoising steps of the first round (default: one per open token)")
ALG = typer.Option(None, "--alg", help=f"unmasking order: {', '.join(ALGORITHMS)} (default: {_DEFAULT.sampling.alg})")
THRESHOLD = typer.Option(None, "--threshold", help="commit every token above this confidence (Fast-dLLM); unset: the environment's "
                         "recommendation without --steps (9x9 Sudoku 0.9999), else one token per step")
MAX_ROUNDS = typer.Option(None, "--max-rounds", help=f"most infill -> check -> remask rounds (default: {_DEFAULT.max_rounds})")
SEED = typer.Option(None, "--seed", help=f"sampling seed (default: {_DEFAULT.sampling.seed})")
MODEL = typer.Option(None, "--model", help="model directory (default: the model shipped for this environment)")
CONSTRAINTS = typer.Option(None, "--constraints", help=f"hard-constraint tier: {', '.join(CONSTRAINT_TIERS)} "
                           f"(default: {_DEFAULT.constraints}; none = the model alone, search = look-ahead assists)")
NO_HARD = typer.Option(False, "--no-hard-constraints", help="the same as --constraints none")


def candidates_option(*env_names: str, others: str = "") -> Any:
    """The --candidates flag, its help naming the default each environment resolves to (`for_environment`)."""
    from environments import get_environment

    defaults = ", ".join(f"{name} {_DEFAULT.for_environment(get_environment(name)).candidates}" for name in env_names)
    return typer.Option(None, "--candidates", help=f"canvases per problem in one batch, the first valid wins "
                        f"(default: the environment's recommendation: {defaults}{others})")


TRACE = typer.Option(None, "--trace", help="draw the denoising into FILE.png or FILE.gif")
TEMPERATURE = typer.Option(None, "--temperature", help=f"sampling temperature (default: {_DEFAULT.sampling.temperature}, greedy)")
JSON = typer.Option(False, "--json", help="print one JSON object")


def plan_options(*, steps: Optional[int], alg: Optional[str], threshold: Optional[float], max_rounds: Optional[int],
                 seed: Optional[int], temperature: Optional[float], constraints: Optional[str],
                 no_hard_constraints: bool, trace: Optional[Path], candidates: Optional[int] = None,
                 replan: bool = False, shorten: bool = True) -> PlanOptions:
    """The options the flags set (flags left out keep `PlanOptions`' defaults), validated once."""
    if no_hard_constraints:
        if constraints not in (None, "none"):
            raise InputError(f"--no-hard-constraints means --constraints none; it contradicts --constraints {constraints}")
        constraints = "none"
    flags = {"steps": steps, "alg": alg, "confidence_threshold": threshold, "max_rounds": max_rounds, "seed": seed,
             "temperature": temperature, "constraints": constraints, "candidates": candidates}
    try:
        return PlanOptions.from_mapping({**{k: v for k, v in flags.items() if v is not None},
                                         "keep_trace": trace is not None, "replan": replan,
                                         "shorten": shorten})
    except InputError as err:
        raise name_flags(err, FLAG_NAMES) from None


# option name -> the flag that sets it
FLAG_NAMES = {"steps": "--steps", "alg": "--alg", "confidence_threshold": "--threshold", "max_rounds": "--max-rounds",
              "seed": "--seed", "temperature": "--temperature", "constraints": "--constraints", "candidates": "--candidates",
              "keep_trace": "--trace", "replan": "--replan", "shorten": "--no-shorten"}


def run_solve(env: Any, problem: Any, *, model: Optional[Path], options: PlanOptions, trace: Optional[Path],
              quiet: bool) -> tuple[Any, PlanOptions]:
    """Solve `problem` of `env` on the request path every entry point shares; draws the trace when asked.

    Returns the result and the options it ran with (the rendering resolved for the model).
    """
    if trace is not None:
        check_output_file(trace, (".png", ".gif"), option="--trace")  # before any work
    import torch

    from dream_agent.planning import model_for, solve
    from planners.solving import rendering_for

    from dream_agent.tiny import TinyDenoiser

    lm = model_for(model, env.name)
    # the project's small models: one thread avoids contention and is as fast as two (on a
    # loaded machine a second thread made each layer some 50 times slower)
    if model is None or isinstance(lm.denoiser, TinyDenoiser):
        torch.set_num_threads(1)
    options = options.replace(rendering=rendering_for(lm, options))
    progress = None if quiet or not sys.stderr.isatty() else _progress()
    on_step = None
    if progress is not None:
        progress.start()
        task = progress.add_task("denoising", total=None)
        on_step = lambda event: progress.update(task, description=f"round {event.round} step {event.step + 1}")  # noqa: E731
    try:
        result = solve(env, problem, lm, options=options, on_step=on_step)
    finally:
        if progress is not None:
            progress.stop()
    if trace is not None:
        from dream_agent.trace_plot import plot_trace

        plot_trace(env, problem, result, trace, slot_positions=result.slots)
    return result, options


def _progress() -> Any:
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True)


def emit(obj: dict[str, Any], json_out: bool, human: Callable[[], None]) -> None:
    """Print `obj` as JSON, or the human form; exit 1 when not solved (the output stays complete)."""
    from dream_agent.cli.common import print_json

    if json_out:
        print_json(obj)
    else:
        human()
    if not obj["solved"]:
        raise typer.Exit(code=1)
