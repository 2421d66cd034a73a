"""`dream-agent eval dream`: Dream's planning protocol vs the same model with the plan layer."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from constraints.errors import InputError
from dream_agent.cli.common import check_output_folder, friendly_errors, print_json

eval_app = typer.Typer(help="Evaluate planners on benchmarks.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(eval_app, name="eval")


def parse_steps(text: str | None) -> list[int] | None:
    """'24' or '8,16,24' -> [8, 16, 24]; None stays None.

    >>> parse_steps("8, 16,24")
    [8, 16, 24]
    """
    if text is None:
        return None
    try:
        budgets = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError(f"--steps must be integers separated by commas, got {text!r}") from None
    if not budgets or any(b < 1 for b in budgets):
        raise InputError(f"--steps must be integers >= 1, got {text!r}")
    return budgets


@eval_app.command("dream")
@friendly_errors
def dream(
    model: Path = typer.Option(..., "--model", help="Dream checkpoint directory (e.g. Dream-v0-Base-7B)."),
    task: str = typer.Option(..., "--task", help="sudoku4x4, countdown or blocksworld."),
    data: Optional[Path] = typer.Option(None, "--data", help="Data file (default: the task's file shipped with the package)."),
    limit: Optional[int] = typer.Option(None, "--limit", help="Score at most N items."),
    shots: Optional[int] = typer.Option(None, "--shots", help="Few-shot examples (default: Dream's 8; blocksworld 1)."),
    steps: Optional[str] = typer.Option(None, "--steps", help="Step budgets, e.g. 24 or 8,16,24 (default: Dream's)."),
    setting: str = typer.Option("both", "--setting", help="both (baseline and layer), all (also template: "
                                "the layer without refinement), baseline, template or layer."),
    style: str = typer.Option("auto", "--style", help="Prompt: auto (chat for Instruct models), plain or chat."),
    rounds: int = typer.Option(8, "--rounds", help="The layer's most denoise rounds."),
    remask: str = typer.Option("blamed", "--remask", help="The layer's remask policy: blamed or blamed_plus_lowconf."),
    batch_size: int = typer.Option(1, "--batch-size", help="Items denoised together."),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda, cuda:N or mps."),
    dtype: str = typer.Option("auto", "--dtype", help="auto (bfloat16 on CUDA, as Dream's eval; else float32), "
                              "float32, bfloat16 or float16."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for results.md/.json, predictions, plot."),
    plot: bool = typer.Option(True, "--plot/--no-plot", help="Write solve_rate_vs_nfe.png with --out."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Run Dream's planning protocol (baseline) and the plan layer on one task; print the table."""
    from dream_agent.dream_eval.data import load_items
    from dream_agent.dream_eval.prompts import PROMPT_STYLES, resolve_style
    from dream_agent.dream_eval.protocol import TASKS
    from dream_agent.dream_eval.report import to_json, to_markdown, write_report
    from dream_agent.dream_eval.run import DEFAULT_SETTINGS, SETTINGS, evaluate
    from dream_agent.loading import load_model
    from planners.remasking import POLICIES

    # check the cheap things before loading a large model
    if task not in TASKS:
        raise InputError(f"unknown --task {task!r}; valid: {', '.join(TASKS)}")
    choices = {"both": DEFAULT_SETTINGS, "all": SETTINGS, **{s: (s,) for s in SETTINGS}}
    if setting not in choices:
        raise InputError(f"unknown --setting {setting!r}; valid: {', '.join(choices)}")
    if style not in PROMPT_STYLES:
        raise InputError(f"unknown --style {style!r}; valid: {', '.join(PROMPT_STYLES)}")
    if remask not in POLICIES:
        raise InputError(f"unknown --remask {remask!r}; valid: {', '.join(POLICIES)}")
    for name, value in (("--limit", limit), ("--rounds", rounds), ("--batch-size", batch_size)):
        if value is not None and value < 1:
            raise InputError(f"{name} must be >= 1, got {value}")
    if shots is not None and shots < 0:
        raise InputError(f"--shots must be >= 0, got {shots}")
    budgets = parse_steps(steps)
    if out is not None:
        check_output_folder(out, option="--out")
    load_items(task, data)  # a missing or malformed data file fails here, before the model loads
    if dtype == "auto":
        dtype = "bfloat16" if device.startswith("cuda") else "float32"
    # the whole path names the model even inside a download cache (models--Dream-org--Dream-v0-Instruct-7B/...)
    style = resolve_style(style, str(model.absolute()))
    lm = load_model(model, dtype=dtype, device=device)
    run = evaluate(
        lm, task, data=data, limit=limit, shots=shots, budgets=budgets,
        settings=choices[setting], style=style, batch_size=batch_size, rounds=rounds,
        remask=remask,
    )
    written = write_report(out, run.rows, run.meta, run.predictions, plot=plot) if out is not None else {}
    if json_out:
        print_json({**to_json(run.rows, run.meta), "files": written})
    else:
        typer.echo(to_markdown(run.rows), nl=False)
        for kind, path in written.items():
            typer.echo(f"{kind}: {path}")
