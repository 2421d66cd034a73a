"""`dream-agent infill`: fill the mask tokens and slots of a text with a diffusion model."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import typer

from constraints.errors import InputError
from dream_agent.cli.common import friendly_errors, name_flags, print_json


def register(app: typer.Typer) -> None:
    app.command("infill")(infill)


@friendly_errors
def infill(
    text: str = typer.Argument(..., help="Text with the model's mask token (Dream: <|mask|>) where tokens go, "
                                         "and/or slots: {name:N}, {name:<=N}, {name|a,b}, {name:<=N~REGEX}."),
    model: Path = typer.Option(..., "--model", help="Model directory (Dream checkpoint or tiny MDM)."),
    pattern: Optional[List[str]] = typer.Option(None, "--pattern", help="NAME=REGEX: the value of slot NAME must "
                                                "fullmatch REGEX (repeatable)."),
    steps: Optional[int] = typer.Option(None, help="Denoising steps (default and most: one per mask)."),
    alg: Optional[str] = typer.Option(None, help="Unmasking order: origin, maskgit_plus, topk_margin, entropy (default: entropy)."),
    seed: Optional[int] = typer.Option(None, help="Sampling seed; the same seed gives the same output (default: 0)."),
    temperature: Optional[float] = typer.Option(None, help="0 (default) picks the most likely token; > 0 samples."),
    threshold: Optional[float] = typer.Option(None, help="Confidence threshold in (0, 1] for parallel decoding."),
    device: str = typer.Option("cpu", help="cpu, cuda, cuda:N or mps."),
    dtype: str = typer.Option("float32", help="float32, bfloat16 or float16 (Dream checkpoints)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Fill every mask token and slot in TEXT; the rest of the text is printed unchanged."""
    from dream_agent.cli.solve_common import FLAG_NAMES
    from dream_agent.infill import infill_text
    from dream_agent.loading import load_model
    from dream_agent.options import sampling_options
    from planners.compile import parse_template
    from planners.patterns import normalize_pattern

    # check the options and patterns before loading a large model
    flags = {"steps": steps, "alg": alg, "seed": seed, "temperature": temperature, "confidence_threshold": threshold}
    try:
        options = sampling_options({k: v for k, v in flags.items() if v is not None})
    except InputError as err:
        raise name_flags(err, FLAG_NAMES) from None
    patterns = _patterns(pattern or [], normalize_pattern)
    template, template_error = _template(text, patterns, parse_template)
    lm = load_model(model, dtype=dtype, device=device)
    if template is None and template_error is not None and lm.tokenizer.mask_token not in text:
        raise template_error  # no mask token either: the text was meant as a template
    if template is None:
        result = infill_text(lm, text, options=options)
        out: dict[str, Any] = {"text": result.text, "nfe": result.nfe, "seconds": round(result.seconds, 4),
                               "masks": result.masks}
    else:
        out = _fill_template(lm, template, patterns, options)
    if json_out:
        print_json(out)
    else:
        typer.echo(out["text"])


def _patterns(given: list[str], normalize: Any) -> dict[str, str]:
    patterns: dict[str, str] = {}
    for item in given:
        name, eq, regex = item.partition("=")
        if not eq or not name.strip() or not regex:
            raise InputError(f"--pattern {item!r}: write NAME=REGEX")
        try:
            normalize(regex)
        except InputError as err:
            raise InputError(f"--pattern {name.strip()}: {err}") from None
        patterns[name.strip()] = regex
    return patterns


def _template(text: str, patterns: dict[str, str], parse: Any) -> tuple[Any, InputError | None]:
    """(the template of TEXT when it holds slots or patterns are given, else None; why it is no template).

    A text whose braces form no slots (JSON, code) and that holds mask tokens is plain text; the
    error is kept for a text that holds no mask token either.
    """
    try:
        template = parse(text)
    except InputError as err:
        if patterns or "{" not in text:
            raise
        return None, err
    return (template if template.slots or patterns else None), None


def _fill_template(lm: Any, template: Any, patterns: dict[str, str], options: Any) -> dict[str, Any]:
    """Fill the slots (and the mask tokens inside fixed text, as slots of the run's length)."""
    from constraints.template import Slot, Template
    from planners.options import PlanOptions
    from planners.refinement import refine

    mask = lm.tokenizer.mask_token
    segments: list = []
    runs: list[str] = []
    for seg in template.segments:
        if isinstance(seg, Slot) or mask not in seg:
            segments.append(seg)
            continue
        pieces = seg.split(mask)
        for k, piece in enumerate(pieces):
            if piece:
                segments.append(piece)
            if k + 1 < len(pieces):
                if runs and segments and isinstance(segments[-1], Slot) and segments[-1].name == runs[-1]:
                    last = segments.pop()
                    segments.append(Slot(last.name, length=last.length + 1))
                else:
                    runs.append(f"_mask{len(runs)}")
                    segments.append(Slot(runs[-1], length=1))
    plan_options = PlanOptions(sampling=options, max_rounds=4)
    result = refine(lm, Template(tuple(segments)), lambda values: [], options=plan_options, patterns=patterns or None)
    values = dict(result.values)
    for name in runs:  # a mask run reads as its raw text, spaces kept as the model wrote them
        held = [result.tokens[p] for p in result.slots[name] if result.tokens[p] != lm.tokenizer.pad_id]
        values[name] = lm.tokenizer.decode(held) if held else ""
    text = "".join(_piece(segments, i, values) for i in range(len(segments)))
    named = {k: v for k, v in values.items() if k not in runs}
    return {"text": text, "values": named, "solved": result.solved,
            "violations": [v.reason for v in result.violations], "nfe": result.nfe,
            "seconds": round(result.seconds, 4), "masks": sum(len(result.slots[n]) for n in runs)}


def _piece(segments: list, i: int, values: dict[str, str]) -> str:
    """Segment i of the filled text; a mask run's text loses the space folded in from the text before it."""
    seg = segments[i]
    if isinstance(seg, str):
        return seg
    value = values.get(seg.name, "")
    if seg.name.startswith("_mask") and i and isinstance(segments[i - 1], str) and segments[i - 1].endswith(" "):
        value = value[1:] if value.startswith(" ") else value
    return value
