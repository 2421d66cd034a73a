"""Pictures of the denoising: the grid or plan after each step, blamed parts red, re-masked tokens marked.

`plot_trace(env, problem, result, path)` writes a PNG (a sheet of snapshots) or a GIF (one frame
per snapshot) from a PlanResult made with ``keep_trace=True``. Sudoku is drawn as its grid;
other environments as their plan steps (slots grouped by the step number in their names).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from pathlib import Path
from typing import Any

from constraints.errors import InputError

MASK = "·"
_CELL = re.compile(r"r(\d+)c(\d+)\Z")
_STEP = re.compile(r"\D*(\d+)")


def _frames(result: Any, limit: int) -> list[Any]:
    """Snapshots to draw: evenly spaced step events plus every check event, in order."""
    events = list(result.trace or ())
    if not events:
        raise InputError("the result has no trace; solve with keep_trace=True (the CLI's --trace does)")
    checks = [i for i, e in enumerate(events) if e.kind == "check"]
    steps = [i for i, e in enumerate(events) if e.kind == "step"]
    room = max(1, limit - len(checks))
    stride = max(1, -(-len(steps) // room))
    keep = sorted(set(steps[::stride]) | set(checks))
    return [events[i] for i in keep][-limit:]


def _value(event: Any, name: str, mask_token: str) -> str:
    text = event.values.get(name, "")
    return MASK if mask_token in text or not text.strip() and event.kind == "step" else text


def _grid_panel(ax: Any, env: Any, problem: Any, event: Any, blamed: set[str], remasked: set[str], mask_token: str) -> None:
    n = problem.size
    box = int(n**0.5)
    ax.set_xlim(0, n), ax.set_ylim(n, 0), ax.set_xticks([]), ax.set_yticks([])
    for i, ch in enumerate(problem.givens):
        r, c = divmod(i, n)
        name = f"r{r}c{c}"
        if ch != "0":
            text, color, face = ch, "black", "white"
        else:
            text = _value(event, name, mask_token)
            color = "gray" if text == MASK else "tab:blue"
            face = "#ffb3b3" if name in blamed else "white"
        ax.add_patch(_rect(c, r, face, "orange" if name in remasked else "lightgray", 2.0 if name in remasked else 0.5))
        ax.text(c + 0.5, r + 0.5, text, ha="center", va="center", color=color, fontsize=max(5, 60 // n))
    for k in range(0, n + 1, box):
        ax.axhline(k, color="black", lw=1.2), ax.axvline(k, color="black", lw=1.2)


def _rect(x: float, y: float, face: str, edge: str, width: float) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), 1, 1, facecolor=face, edgecolor=edge, linewidth=width)


def _plan_panel(ax: Any, canvas_slots: list[str], event: Any, blamed: set[str], remasked: set[str], mask_token: str) -> None:
    steps: "OrderedDict[str, list[str]]" = OrderedDict()
    for name in canvas_slots:
        match = _STEP.match(name)
        steps.setdefault(match.group(1) if match else name, []).append(name)
    ax.set_xlim(0, 1), ax.set_ylim(len(steps), 0), ax.axis("off")
    for row, (key, names) in enumerate(steps.items()):
        words = [_value(event, name, mask_token) for name in names]
        bad = any(name in blamed for name in names)
        mark = " *" if any(name in remasked for name in names) else ""
        ax.text(0.0, row + 0.5, f"{key}: {' '.join(words)}{mark}", va="center", family="monospace", fontsize=7,
                color="red" if bad else "black", bbox={"facecolor": "#ffe0e0", "edgecolor": "none"} if bad else None)


def _title(event: Any) -> str:
    if event.kind == "check":
        return f"round {event.round} check: {event.violations} violation(s)"
    return f"round {event.round} step {event.step + 1}"


def plot_trace(
    env: Any, problem: Any, result: Any, path: str | Path, *, limit: int = 12,
    slot_positions: dict[str, tuple[int, ...]] | None = None,
) -> Path:
    """Draw `result.trace` into `path` (.png: a sheet of up to `limit` snapshots; .gif: frames).

    Blamed slots (from each check) are red; slots re-masked for the next round carry an orange
    frame (grid) or a ``*`` (plan); still-masked positions show ``·``. `slot_positions` (the
    canvas's slot map) lets re-masked positions be named exactly.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    if path.suffix.lower() not in (".png", ".gif"):
        raise InputError(f"trace pictures are .png or .gif, got {path.name!r}")
    frames = _frames(result, limit)
    slots = list(result.values)
    mask_token = "<mask>"
    grid = hasattr(problem, "givens") and all(_CELL.match(s) for s in slots)

    def draw(ax: Any, event: Any, previous_check: Any) -> None:
        check = event if event.kind == "check" else previous_check
        blamed = set(check.blamed) if check is not None and event.kind == "check" else set()
        remasked = _remasked_slots(check, slot_positions) if check is not None and event.kind == "check" else set()
        if grid:
            _grid_panel(ax, env, problem, event, blamed, remasked, mask_token)
        else:
            _plan_panel(ax, slots, event, blamed, remasked, mask_token)
        ax.set_title(_title(event), fontsize=8)

    last_check = None
    if path.suffix.lower() == ".png":
        cols = min(4, len(frames))
        rows = -(-len(frames) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.2 * rows), squeeze=False)
        for ax in axes.flat[len(frames):]:
            ax.axis("off")
        for ax, event in zip(axes.flat, frames):
            draw(ax, event, last_check)
            last_check = event if event.kind == "check" else last_check
        fig.suptitle(f"{getattr(env, 'name', 'plan')}: {'solved' if result.solved else 'not solved'}, "
                     f"{result.rounds} round(s), {result.nfe} NFE", fontsize=10)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path
    from PIL import Image

    images = []
    for event in frames:
        fig, ax = plt.subplots(figsize=(4, 4))
        draw(ax, event, last_check)
        last_check = event if event.kind == "check" else last_check
        fig.canvas.draw()
        images.append(Image.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba()).convert("P"))
        plt.close(fig)
    images[0].save(path, save_all=True, append_images=images[1:], duration=500, loop=0)
    return path


def _remasked_slots(check: Any, slot_positions: dict[str, tuple[int, ...]] | None) -> set[str]:
    """Slot names with a position the check re-masked (the blamed slots when positions are unknown)."""
    if not check.remasked:
        return set()
    if slot_positions is None:
        return set(check.blamed)
    opened = set(check.remasked)
    return {name for name, positions in slot_positions.items() if opened & set(positions)}
