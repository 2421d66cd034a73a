"""`dream-agent infill`: fill the mask tokens of a text with a diffusion model."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from constraints.errors import InputError
from dream_agent.cli.common import friendly_errors, print_json


def register(app: typer.Typer) -> None:
    app.command("infill")(infill)


@friendly_errors
def infill(
    text: str = typer.Argument(..., help="Text with the model's mask token (Dream: <|mask|>) where tokens go."),
    model: Path = typer.Option(..., "--model", help="Model directory (Dream checkpoint or tiny MDM)."),
    steps: Optional[int] = typer.Option(None, help="Denoising steps (default and most: one per mask)."),
    alg: str = typer.Option("entropy", help="Unmasking order: origin, maskgit_plus, topk_margin, entropy."),
    seed: int = typer.Option(0, help="Sampling seed; the same seed gives the same output."),
    temperature: float = typer.Option(0.0, help="0 picks the most likely token; > 0 samples."),
    threshold: Optional[float] = typer.Option(None, help="Confidence threshold in (0, 1] for parallel decoding."),
    device: str = typer.Option("cpu", help="cpu, cuda, cuda:N or mps."),
    dtype: str = typer.Option("float32", help="float32, bfloat16 or float16 (Dream checkpoints)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Fill every mask token in TEXT; the rest of the text is printed unchanged."""
    from dream_agent.denoise import ALGORITHMS
    from dream_agent.infill import infill_text
    from dream_agent.loading import load_model

    # check the cheap things before loading a large model
    if alg not in ALGORITHMS:
        raise InputError(f"unknown --alg {alg!r}; valid: {', '.join(ALGORITHMS)}")
    if steps is not None and steps < 1:
        raise InputError(f"--steps must be >= 1, got {steps}")
    if threshold is not None and not 0 < threshold <= 1:
        raise InputError(f"--threshold must be in (0, 1], got {threshold}")
    if not 0 <= temperature < float("inf"):
        raise InputError(f"--temperature must be a finite number >= 0, got {temperature}")
    if not -(2**63) <= seed < 2**64:
        raise InputError(f"--seed must be a 64-bit integer, got {seed}")
    lm = load_model(model, dtype=dtype, device=device)
    masks = text.count(lm.tokenizer.mask_token)
    # past one step per mask, steps commit nothing yet cost a model call each (origin aside),
    # and a huge count would run for hours: one step per mask at most
    steps = min(steps or masks, max(masks, 1))
    result = infill_text(
        lm, text, seed=seed, steps=steps, alg=alg, temperature=temperature,
        confidence_threshold=threshold,
    )
    if json_out:
        print_json({"text": result.text, "nfe": result.nfe, "seconds": round(result.seconds, 4), "masks": result.masks})
    else:
        typer.echo(result.text)
