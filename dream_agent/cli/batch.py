"""`dream-agent batch validate|solve|plan`: JSON lines in, JSON lines out, locally or on a Ray cluster.

Exit codes: 0 every line answered (bad lines get error lines), 2 bad input to the command itself.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from dream_agent.cli.common import check_output_file, friendly_errors, print_json

HELP = {
    "validate": "Validate plans: lines like {\"id\", \"env\", \"puzzle\", \"solution\"} (what PlanValidator takes).",
    "solve": "Solve puzzles: lines like {\"id\", \"env\": \"sudoku\", \"problem\": ..., \"options\": {...}}.",
    "plan": "Plan (PDDL, kitchen): lines like {\"id\", \"env\": \"blocksworld\", \"problem\": FILE or text}.",
}


def _run(command: str, input: Path, output: Path, engine: str, ray_address: Optional[str], workers: Optional[int],
         batch_size: Optional[int], env: Optional[str], model: Optional[Path], device: Optional[str],
         as_json: bool) -> None:
    from dream_agent.batch import run

    check_output_file(output, option="--output")
    if command != "validate" and engine == "local" and (workers or 1) == 1 and model is None:
        import torch

        torch.set_num_threads(1)  # the shipped models are small: one thread is as fast as two
    progress = _progress() if sys.stderr.isatty() else None
    try:
        summary = run(command, input, output, engine=engine, workers=workers, batch_size=batch_size,
                      ray_address=ray_address, env=env, model=model, device=device,
                      on_progress=None if progress is None else _updater(progress, command))
    finally:
        if progress is not None:
            progress.stop()
    if as_json:
        print_json(summary.to_dict())
    else:
        typer.echo(f"{summary.processed} line(s) answered ({summary.errors} error(s)), {summary.resumed} already in "
                   f"{summary.output}, {summary.duplicates} duplicate id(s) skipped; {summary.rate:.1f} lines/s")


def _progress() -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), console=Console(stderr=True))


def _updater(progress: Any, command: str) -> Callable[[int, int], None]:
    """on_progress for `run`: starts the bar at the first call, then moves it with the lines per second so far."""
    task: list[Any] = []

    def update(done: int, total: int) -> None:
        if not task:
            progress.start()
            task.append(progress.add_task(f"batch {command}", total=total, rate=""))
        elapsed = progress.tasks[0].elapsed
        progress.update(task[0], completed=done, rate=f"{done / elapsed:.1f} lines/s" if done and elapsed else "")

    return update


def register(app: typer.Typer) -> None:
    """Add the `batch` command group (validate, solve, plan)."""
    group = typer.Typer(help="Validate, solve or plan JSON lines in bulk, on this machine or a Ray cluster "
                             "(docs/batch.md).", no_args_is_help=True)
    for command in ("validate", "solve", "plan"):
        group.command(command, help=HELP[command])(_command(command))
    app.add_typer(group, name="batch")


def _command(command: str) -> Callable[..., None]:
    @friendly_errors
    def batch_command(
        input: Path = typer.Option(..., "--input", help="JSON lines: one object with an \"id\" and a request per line"),
        output: Path = typer.Option(..., "--output", help="JSON lines: one result per input id; an existing file is resumed"),
        engine: str = typer.Option("local", "--engine", help="local (this machine) or ray"),
        ray_address: Optional[str] = typer.Option(None, "--ray-address", help="Ray cluster to join (default: start one here)"),
        workers: Optional[int] = typer.Option(None, "--workers", help="local: worker processes (default 1); ray: actors "
                                                                       "(default: one per CPU slot or GPU)"),
        batch_size: Optional[int] = typer.Option(None, "--batch-size", help="lines per model call (default 16; validate 256)"),
        env: Optional[str] = typer.Option(None, "--env", help="environment of lines without \"env\""),
        model: Optional[Path] = typer.Option(None, "--model", help="model directory for every line (default: the "
                                                                    "model shipped for each line's environment)"),
        device: Optional[str] = typer.Option(None, "--device", help="cpu or cuda (default cpu; ray: cuda when the "
                                                                     "cluster has GPUs)"),
        as_json: bool = typer.Option(False, "--json", help="print a JSON summary at the end"),
    ) -> None:
        _run(command, input, output, engine, ray_address, workers, batch_size, env, model, device, as_json)

    batch_command.__doc__ = HELP[command]
    return batch_command
