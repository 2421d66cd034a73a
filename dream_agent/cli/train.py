"""`dream-agent train ENV`: train the small MDM of an environment and write its model directory."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dream_agent.cli.common import check_output_file, check_output_folder, friendly_errors, print_json


def register(app: typer.Typer) -> None:
    """Add the `train` command."""

    @app.command("train")
    @friendly_errors
    def train_command(
        env: str = typer.Argument(..., help="environment name (sudoku, sudoku4x4, countdown, blocksworld, kitchen)"),
        steps: Optional[int] = typer.Option(None, "--steps", help="optimiser steps (default: the recipe's; 0: the untrained control)"),
        out: Optional[Path] = typer.Option(None, "--out", help="model directory (default: ./models/ENV)"),
        seed: int = typer.Option(0, "--seed", help="seeds data, weights, masks and batch order"),
        device: str = typer.Option("cpu", "--device", help="cpu or cuda"),
        resume: bool = typer.Option(False, "--resume", help="continue from OUT/checkpoint.pt"),
        threads: Optional[int] = typer.Option(None, "--threads", help="CPU threads for torch"),
        batch_size: Optional[int] = typer.Option(None, "--batch-size", help="override the recipe's batch size"),
        weighting: Optional[str] = typer.Option(None, "--weighting", help="mdlm (1/t ELBO) or mgdm (token reweighting)"),
        no_eval: bool = typer.Option(False, "--no-eval", help="skip the evaluation in the model card"),
        log_file: Optional[Path] = typer.Option(None, "--log", help="append status lines to this file"),
        json_out: bool = typer.Option(False, "--json", help="print one JSON object"),
    ) -> None:
        """Train ENV's small diffusion model on generated, oracle-solved instances."""
        if out is not None:
            check_output_folder(out, option="--out")
        if log_file is not None:
            check_output_file(log_file, option="--log")
        from dream_agent.training import RECIPES, train
        from dream_agent.training.objective import WEIGHTINGS

        if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
            raise ValueError(f"unknown device {device!r}; allowed: cpu, cuda")
        if steps is not None and steps < 0:
            raise ValueError(f"--steps must be >= 0 (0: an untrained model of the same shape), got {steps}")
        if weighting is not None and weighting not in WEIGHTINGS:
            raise ValueError(f"unknown weighting {weighting!r}; allowed: {', '.join(WEIGHTINGS)}")
        if env not in RECIPES:
            raise ValueError(f"no training recipe for {env!r}; known: {', '.join(sorted(RECIPES))}")

        def log(line: str) -> None:
            if log_file is not None:
                with open(log_file, "a", encoding="utf-8") as handle:
                    handle.write(line + "\n")

        result = train(env, steps, out, seed=seed, device=device, resume=resume, threads=threads, evaluate=not no_eval,
                       progress=not json_out, log=log, batch_size=batch_size, weighting=weighting)
        summary = {"env": env, "out": str(result.out_dir), "steps": result.steps, "final_loss": result.final_loss,
                   "params": result.n_params, "examples": result.n_examples, "wall_s": round(result.wall_s, 1),
                   "hardware": result.hardware}
        if json_out:
            print_json(summary)
        else:
            typer.echo(f"saved {result.out_dir} ({result.n_params:,} parameters, {result.steps} steps, "
                       f"{result.wall_s / 60:.1f} min, final loss {result.final_loss:.4f})")
