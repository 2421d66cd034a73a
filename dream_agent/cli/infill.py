"""`dream-agent infill`: fill the mask tokens of a text with a diffusion model."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from constraints.errors import InputError
from dream_agent.cli.common import friendly_errors, name_flags, print_json


def register(app: typer.Typer) -> None:
    app.command("infill")(infill)


@friendly_errors
def infill(
    text: str = typer.Argument(..., help="Text with the model's mask token (Dream: <|mask|>) where tokens go."),
    model: Path = typer.Option(..., "--model", help="Model directory (Dream checkpoint or tiny MDM)."),
    steps: Optional[int] = typer.Option(None, help="Denoising steps (default and most: one per mask)."),
    alg: Optional[str] = typer.Option(None, help="Unmasking order: origin, maskgit_plus, topk_margin, entropy (default: entropy)."),
    seed: Optional[int] = typer.Option(None, help="Sampling seed; the same seed gives the same output (default: 0)."),
    temperature: Optional[float] = typer.Option(None, help="0 (default) picks the most likely token; > 0 samples."),
    threshold: Optional[float] = typer.Option(None, help="Confidence threshold in (0, 1] for parallel decoding."),
    device: str = typer.Option("cpu", help="cpu, cuda, cuda:N or mps."),
    dtype: str = typer.Option("float32", help="float32, bfloat16 or float16 (Dream checkpoints)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Fill every mask token in TEXT; the rest of the text is printed unchanged."""
    from dream_agent.cli.solve_common import FLAG_NAMES
    from dream_agent.infill import infill_text
    from dream_agent.loading import load_model
    from dream_agent.options import sampling_options

    # check the options before loading a large model
    flags = {"steps": steps, "alg": alg, "seed": seed, "temperature": temperature, "confidence_threshold": threshold}
    try:
        options = sampling_options({k: v for k, v in flags.items() if v is not None})
    except InputError as err:
        raise name_flags(err, FLAG_NAMES) from None
    lm = load_model(model, dtype=dtype, device=device)
    result = infill_text(lm, text, options=options)
    if json_out:
        print_json({"text": result.text, "nfe": result.nfe, "seconds": round(result.seconds, 4), "masks": result.masks})
    else:
        typer.echo(result.text)
