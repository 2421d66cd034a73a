"""The eval table: one row per task, setting and step budget, as markdown, JSON and a plot.

Columns: solve rate by the published metric, by the project's checkers, the share of
well-formed answers, mean NFE per item, answer tokens written per second, and wall time.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

from dream_agent.dream_eval.baseline import ItemResult


@dataclass(frozen=True)
class Row:
    """One line of the table.

    Attributes:
        task, setting: e.g. "countdown", "layer".
        budget: denoising steps (baseline) or most model calls per item (layer).
        items: how many items were scored.
        solve_rate: share solved by the published metric.
        checker_rate: share with no checker violations.
        well_formed: share of answers keeping the task's structural rules.
        nfe: mean model calls per item.
        tokens_per_s: answer tokens written per second of wall time.
        wall_s: wall time of the whole setting.
        rounds: mean denoise rounds per item.
        published: Dream 7B's published solve rate for this protocol, if any (baseline rows).
    """

    task: str
    setting: str
    budget: int
    items: int
    solve_rate: float
    checker_rate: float
    well_formed: float
    nfe: float
    tokens_per_s: float
    wall_s: float
    rounds: float
    published: float | None = None


def summarize(task: str, setting: str, budget: int, results: Sequence[ItemResult], wall_s: float,
              published: float | None = None) -> Row:
    """Aggregate the item results of one setting into a Row."""
    n = len(results)

    def share(flags: list[bool]) -> float:
        return sum(flags) / n if n else 0.0

    tokens = sum(r.tokens for r in results)
    return Row(
        task=task, setting=setting, budget=budget, items=n,
        solve_rate=share([r.score.metric for r in results]),
        checker_rate=share([r.score.checker for r in results]),
        well_formed=share([r.score.well_formed for r in results]),
        nfe=sum(r.nfe for r in results) / n if n else 0.0,
        tokens_per_s=tokens / wall_s if wall_s > 0 else 0.0,
        wall_s=wall_s,
        rounds=sum(r.rounds for r in results) / n if n else 0.0,
        published=published,
    )


def to_markdown(rows: Sequence[Row]) -> str:
    """The table as GitHub markdown (rates in percent)."""
    head = ("| task | setting | budget | items | solve rate | checkers | well-formed | NFE | rounds "
            "| tokens/s | wall s | published |")
    lines = [head, "|" + "---|" * 12]
    for r in rows:
        published = "" if r.published is None else f"{100 * r.published:.1f}%"
        lines.append(
            f"| {r.task} | {r.setting} | {r.budget} | {r.items} | {100 * r.solve_rate:.1f}% "
            f"| {100 * r.checker_rate:.1f}% | {100 * r.well_formed:.1f}% | {r.nfe:.1f} | {r.rounds:.2f} "
            f"| {r.tokens_per_s:.1f} | {r.wall_s:.1f} | {published} |"
        )
    return "\n".join(lines) + "\n"


def to_json(rows: Sequence[Row], meta: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready report: the run's settings and the rows."""
    return {**meta, "rows": [asdict(r) for r in rows]}


def write_report(out: str | Path, rows: Sequence[Row], meta: dict[str, Any],
                 predictions: dict[str, Sequence[ItemResult]], plot: bool = True) -> dict[str, str]:
    """Write results.md, results.json, one predictions JSONL per setting, and the plot.

    Returns:
        What was written: kind -> path.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = {"markdown": out / "results.md", "json": out / "results.json"}
    written["markdown"].write_text(to_markdown(rows), encoding="utf-8")
    written["json"].write_text(json.dumps(to_json(rows, meta), indent=2) + "\n", encoding="utf-8")
    for key, results in predictions.items():
        path = out / f"predictions_{key}.jsonl"
        path.write_text("".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in results), encoding="utf-8")
        written[f"predictions_{key}"] = path
    if plot:
        picture = plot_solve_rate(rows, out / "solve_rate_vs_nfe.png")
        if picture is not None:
            written["plot"] = picture
    return {k: str(v) for k, v in written.items()}


def plot_solve_rate(rows: Sequence[Row], path: Path) -> Path | None:
    """Solve rate vs mean NFE, one line per task and setting; None when matplotlib is absent."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for task, setting in dict.fromkeys((r.task, r.setting) for r in rows):
        points = sorted((r.nfe, 100 * r.solve_rate) for r in rows if (r.task, r.setting) == (task, setting))
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=f"{task} / {setting}")
    for task, value in dict.fromkeys((r.task, r.published) for r in rows if r.published is not None):
        ax.axhline(100 * value, linestyle=":", color="grey", linewidth=1)
        ax.annotate(f"published {task}", (0, 100 * value), fontsize=7, color="grey", va="bottom")
    ax.set_xlabel("mean NFE per item (model calls)")
    ax.set_ylabel("solve rate (%)")
    ax.set_ylim(-2, 102)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
