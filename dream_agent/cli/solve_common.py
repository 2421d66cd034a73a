"""What `solve` and `plan` share: sampling options, the model choice, progress, traces and output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from constraints.errors import InputError
from dream_agent.cli.common import check_output_file

STEPS = typer.Option(None, "--steps", help="denoising steps of the first round (default: one per open token)")
ALG = typer.Option("entropy", "--alg", help="unmasking order: origin, maskgit_plus, topk_margin, entropy")
THRESHOLD = typer.Option(None, "--threshold", help="commit every token above this confidence (Fast-dLLM)")
MAX_ROUNDS = typer.Option(8, "--max-rounds", help="most infill -> check -> remask rounds")
SEED = typer.Option(0, "--seed", help="sampling seed")
MODEL = typer.Option(None, "--model", help="model directory (default: the model shipped for this environment)")
NO_HARD = typer.Option(False, "--no-hard-constraints", help="let the model propose values the environment rules out")
TRACE = typer.Option(None, "--trace", help="draw the denoising into FILE.png or FILE.gif")
TEMPERATURE = typer.Option(0.0, "--temperature", help="sampling temperature (0: greedy)")
JSON = typer.Option(False, "--json", help="print one JSON object")


def run_solve(
    env: Any,
    problem: Any,
    *,
    model: Optional[Path],
    steps: Optional[int],
    alg: str,
    threshold: Optional[float],
    max_rounds: int,
    seed: int,
    no_hard_constraints: bool,
    trace: Optional[Path],
    temperature: float,
    quiet: bool,
) -> Any:
    """Solve `problem` of `env` with the chosen model and options; draws the trace when asked."""
    if trace is not None:
        check_output_file(trace, (".png", ".gif"), option="--trace")  # before any work
    import torch

    from planners.solve import default_steps, solve

    # the shipped models are small: one thread avoids contention and is as fast as two
    if model is None:
        torch.set_num_threads(1)

    if steps is not None and steps < 1:
        raise InputError(f"--steps must be >= 1, got {steps}")
    if max_rounds < 1:
        raise InputError(f"--max-rounds must be >= 1, got {max_rounds}")
    if threshold is not None and not 0 < threshold <= 1:
        raise InputError(f"--threshold must be in (0, 1], got {threshold}")
    lm = None
    if model is not None:
        from dream_agent.loading import load_model

        lm = load_model(model)
    problem = env.parse_problem(problem)
    options = dict(alg=alg, confidence_threshold=threshold, max_rounds=max_rounds, seed=seed, temperature=temperature,
                   keep_trace=trace is not None)
    if steps is not None:
        options["steps"] = steps
    progress = None if quiet or not sys.stderr.isatty() else _progress()
    with progress or _nothing():
        on_step = None
        if progress is not None:
            task = progress.add_task("denoising", total=None)
            on_step = lambda event: progress.update(task, description=f"round {event.round} step {event.step + 1}")  # noqa: E731
        result = solve(env, problem, lm, hard_constraints=not no_hard_constraints, on_step=on_step,
                       steps=steps or default_steps(env, problem, lm), **{k: v for k, v in options.items() if k != "steps"})
    if trace is not None:
        from dream_agent.models import default_model
        from dream_agent.trace_plot import plot_trace
        from planners.compile import compile_template
        from planners.solve import prepare_problem

        used = lm or default_model(env.name)
        canvas = compile_template(env.template(prepare_problem(env, problem)), used.tokenizer, shift=used.denoiser.shift)
        plot_trace(env, problem, result, trace, slot_positions=canvas.slots)
    return result


def _progress() -> Any:
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True)


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def summary(result: Any) -> dict[str, Any]:
    """The fields every solve/plan JSON object carries."""
    return {
        "solved": result.solved,
        "nfe": result.nfe,
        "rounds": result.rounds,
        "seconds": round(result.seconds, 4),
        "violations": [v.to_dict() for v in result.violations],
    }


def emit(obj: dict[str, Any], json_out: bool, human: Callable[[], None]) -> None:
    """Print `obj` as JSON, or the human form; exit 1 when not solved (the output stays complete)."""
    from dream_agent.cli.common import print_json

    if json_out:
        print_json(obj)
    else:
        human()
    if not obj["solved"]:
        raise typer.Exit(code=1)
