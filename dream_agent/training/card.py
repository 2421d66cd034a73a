"""The model card of a trained small MDM (card.md) and the quick evaluation it reports."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from dream_agent.training.recipes import Recipe

EVAL_SEED_BASE = 0  # evaluation instances use seeds 0..n-1; training seeds start at 10,000,000


@dataclass(frozen=True)
class CardText:
    """What a card says beyond the recipe: how to reproduce the run and where the data came from."""

    reproduce: str
    data: str = ("instances from the environment's generator, solved by its exact oracle "
                 "(training seeds from 10,000,000; never the evaluation files)")
    about: str = ""  # a paragraph after the title (e.g. the domain a model serves)


def evaluate_model(env: Any, model_dir: str | Path, knobs: dict[str, Any], n: int = 50,
                   problems: Sequence[Any] | None = None) -> dict[str, Any]:
    """Solve `n` freshly generated instances (seeds never used in training), or `problems`, with the model.

    Returns solve rates at the local constraint tier with remasking (one candidate, and the
    environment's recommended number of candidates where that is more) and with neither (the
    model alone, one candidate), plus the median NFE and wall time of each.
    """
    from dream_agent.tiny import load_tiny
    from planners.options import PlanOptions
    from planners.solving import solve_batch

    model = load_tiny(model_dir)
    problems = list(problems) if problems is not None else [env.generate(EVAL_SEED_BASE + i, **knobs) for i in range(n)]
    n = len(problems)
    figures: dict[str, Any] = {"instances": n, "knobs": knobs}
    recommended = PlanOptions().for_environment(env).n_candidates
    rows = [("local", "local", 8, 1), ("local_recommended", "local", 8, recommended), ("model_only", "none", 1, 1)]
    for label, tier, rounds, candidates in rows if recommended > 1 else rows[::2]:
        t0 = time.perf_counter()
        options = PlanOptions(constraints=tier, max_rounds=rounds, candidates=candidates)
        results = solve_batch(env, problems, model, options=options)
        figures[label] = {
            "solved": sum(r.solved for r in results) / n,
            "median_nfe": statistics.median(r.nfe for r in results),
            "seconds_per_instance": (time.perf_counter() - t0) / n,
            "constraints": tier,
            "max_rounds": rounds,
            "candidates": candidates,
        }
    return figures


def render_card(recipe: Recipe, result: Any, seed: int, figures: dict[str, Any] | None, card: CardText | None = None) -> str:
    """The card's markdown."""
    card = card or CardText(reproduce=f"dream-agent train {recipe.env} --steps {result.steps} --seed {seed}")
    lines = [
        f"# {recipe.env}: a small masked diffusion model",
        "",
        f"A bidirectional transformer trained with dream-agent's masked-diffusion objective to fill the "
        f"compact plan template of the `{recipe.env}` environment. It sees the problem as context and "
        f"predicts the plan's slot tokens.",
        "",
        *([card.about, ""] if card.about else []),
        "| field | value |",
        "|---|---|",
        f"| parameters | {result.n_params:,} |",
        f"| shape | dim {recipe.dim}, {recipe.n_layers} layers, {recipe.n_heads} heads, ffn {recipe.ffn_dim}, "
        f"max_length {recipe.max_length} |",
        f"| objective | masked diffusion on slot positions, `{recipe.weighting}` weighting "
        f"({'MDLM 1/t ELBO' if recipe.weighting == 'mdlm' else 'MGDM token reweighting x 1/t'}) |",
        f"| data | {result.n_examples:,} {card.data} |",
        f"| curriculum | {'; '.join(f'{s.knobs} from {s.start:.0%} of the steps' for s in recipe.stages)} |",
        f"| steps | {result.steps:,} x batch {recipe.batch_size}, AdamW lr {recipe.lr} (warm-up {recipe.warmup}, cosine"
        f"{f' over {recipe.steps:,} steps: stopped part-way' if result.steps < recipe.steps else ''}) |",
        f"| seed | {seed} |",
        f"| hardware | {result.hardware} |",
        f"| wall time | {result.wall_s / 60:.1f} min |",
        f"| final loss (mean of the last 100 steps) | {result.final_loss:.4f} |",
        "",
        f"Reproduce: `{card.reproduce}`",
        "",
    ]
    if figures:
        lines += [
            f"## Evaluation ({figures['instances']} {figures.get('what', 'fresh instances')}, generator knobs {figures['knobs']})",
            "",
            "| setting | solved | median NFE | s / instance |",
            "|---|---|---|---|",
        ]
        texts = {"local": "local constraints + remasking (8 rounds)", "local_recommended": "local constraints + remasking (8 rounds)",
                 "model_only": "model alone (1 round, constraints none)"}
        for label, text in texts.items():
            if label in figures:
                f = figures[label]
                shown = f"{text}, {f.get('candidates', 1)} candidate{'s' if f.get('candidates', 1) > 1 else ''}"
                lines.append(f"| {shown} | {f['solved']:.1%} | {f['median_nfe']} | {f['seconds_per_instance']:.3f} |")
        lines.append("")
    return "\n".join(lines)


def write_card(out_dir: str | Path, recipe: Recipe, result: Any, seed: int, figures: dict[str, Any] | None,
               card: CardText | None = None) -> Path:
    """Write card.md into the model directory and return its path."""
    path = Path(out_dir) / "card.md"
    path.write_text(render_card(recipe, result, seed, figures, card), encoding="utf-8")
    return path
