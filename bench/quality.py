"""Solve rate, NFE and wall time of the shipped small models at each constraint tier, with and without remasking.

Run from the repository root, e.g.::

    python bench/quality.py --limit 100 --out docs/results.md

Suites: Dream's 4x4 Sudoku and Countdown CD3/CD4/CD5 files and PlanBench blocksworld from
``../shared/data`` (skipped when absent), plus freshly generated instances the models never saw
(generator seeds 0.. ; training used seeds from 10,000,000). ``solved`` means the environment's
checker passed; Countdown answers are also re-checked here with plain integer arithmetic.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from constraints.errors import InputError  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
# (label, constraint tier, max rounds): the headline is the first row; the model's own contribution the last
SETTINGS = (("local + remask", "local", 8), ("local, no remask", "local", 1), ("search + remask", "search", 8),
            ("none + remask", "none", 8), ("model alone", "none", 1))


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _spread(items: list, limit: int) -> list:
    """`limit` items spread evenly over the list (all when limit <= 0)."""
    if limit <= 0 or limit >= len(items):
        return items
    return [items[i * len(items) // limit] for i in range(limit)]


def countdown_ok(numbers: tuple[int, ...], target: int, answer: str) -> bool:
    """Independent check of a Countdown answer: exact integer arithmetic, each number used once."""
    pool = list(numbers)
    result = None
    for text in [t for t in answer.split(",") if t.strip()]:
        try:
            left, right = text.split("=")
            op = next(c for c in "+-*/" if c in left[1:])
            a, b = (int(x) for x in left.split(op, 1))
            claimed = int(right)
        except (ValueError, StopIteration):
            return False
        for x in (a, b):
            if x not in pool:
                return False
            pool.remove(x)
        value = {"+": a + b, "-": a - b, "*": a * b}.get(op) if op != "/" else (a // b if b and a % b == 0 else None)
        if value is None or value < 0 or value != claimed:
            return False
        pool.append(value)
        result = value
    return result == target and len(pool) == 1


def suites(limit: int) -> list[tuple[str, str, Callable[[], list[Any]], str | None]]:
    """(label, environment, loader of its problems, extra check name or None) for every suite at hand."""
    from environments import get_environment
    from environments.blocksworld import load_planbench

    out: list[tuple[str, str, Callable[[], list[Any]], str | None]] = []
    s4 = DATA / "dream-sudoku4x4"
    if s4.is_dir():
        files = sorted(s4.glob("sudoku_4x4_*.jsonl"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))
        per_file = max(1, limit // len(files)) if limit > 0 else 0
        items = [row["input"] for f in files for row in _spread(_lines(f), per_file)]
        out.append(("Sudoku 4x4 (Dream's files)", "sudoku4x4", lambda: items, None))
    n = min(limit, 100) if limit > 0 else 100
    out.append(("Sudoku 9x9 medium (generated)", "sudoku",
                lambda: [get_environment("sudoku").generate(i, difficulty="medium") for i in range(n)], None))
    out.append(("Sudoku 9x9 hard, 24 clues (generated)", "sudoku",
                lambda: [get_environment("sudoku").generate(i, difficulty="hard", givens=24) for i in range(n)], None))
    cd = DATA / "dream-countdown"
    for k in (3, 4, 5):
        path = cd / f"cd{k}_test.jsonl"
        if path.is_file():
            out.append((f"Countdown CD{k} (Dream's file)", "countdown",
                        lambda path=path: [row["input"] for row in _spread(_lines(path), limit)], "countdown"))
    m = min(limit, 50) if limit > 0 else 50
    for k in (3, 4, 5, 6):  # six numbers: the classic game's count (needs a model of at least 110 tokens)
        out.append((f"Countdown n={k} (generated)", "countdown",
                    lambda k=k: [get_environment("countdown").generate(i, n=k) for i in range(m)], "countdown"))
    for k in (3, 4, 5, 6):  # numbers and target uniform, kept when solvable: the CD sets' distribution
        out.append((f"Countdown n={k} uniform (generated)", "countdown",
                    lambda k=k: [get_environment("countdown").generate(i, n=k, method="uniform") for i in range(m)],
                    "countdown"))
    pb = DATA / "planbench" / "blocksworld"
    if pb.is_dir():
        out.append(("Blocksworld PlanBench (4-5 blocks)", "blocksworld",
                    lambda: [(p, ref) for _, p, ref in _spread(load_planbench(pb), limit)], "length"))
    for sizes in ((3, 4, 5, 6, 7), (3, 4, 5, 6)):  # 3-6: the canvases of models trained up to 6 blocks
        each = max(1, n // len(sizes))
        out.append((f"Blocksworld {sizes[0]}-{sizes[-1]} blocks (generated)", "blocksworld",
                    lambda sizes=sizes, each=each: [get_environment("blocksworld").generate(i, blocks=b) for b in sizes
                                                    for i in range(each)], None))
    out.append(("Kitchen (generated)", "kitchen", lambda: [get_environment("kitchen").generate(i) for i in range(n)], None))
    out.append(("Kitchen every kind, 3-5 objects (generated)", "kitchen", lambda: kitchen_mix(n), None))
    out.append(("Assembly 3-6 parts (generated)", "assembly",
                lambda: [get_environment("assembly").generate(i, n_parts=3 + i % 4) for i in range(n)], None))
    return out


def kitchen_mix(n: int) -> list[Any]:
    """`n` kitchen tasks cycling through every task kind and 3, 4 and 5 objects (seeds 0..n-1)."""
    from environments import get_environment
    from environments.kitchen.problem import TASKS

    env = get_environment("kitchen")
    return [env.generate(i, task=TASKS[i % len(TASKS)], n_objects=3 + (i // len(TASKS)) % 3) for i in range(n)]


def random_control(env_name: str, model: Path | None = None) -> Any:
    """An untrained model with the shape and vocabulary of `model` (default: the shipped one): what the
    constraints solve alone."""
    import torch

    from dream_agent.models import model_dir
    from dream_agent.protocols import DiffusionLM
    from dream_agent.tiny import TinyDenoiser, TinyMDM, read_tiny_config

    config, tokenizer = read_tiny_config(model or model_dir(env_name))
    torch.manual_seed(0)
    net = TinyMDM(config)
    return DiffusionLM(TinyDenoiser(net, mask_id=tokenizer.mask_id, pad_id=tokenizer.pad_id), tokenizer, "random-weights")


def run_suite(env_name: str, items: list[Any], extra: Any, tier: str, rounds: int, batch: int,
              random_weights: bool = False, candidates: int | None = None, model: Path | None = None,
              threshold: float | None = None, replan: bool = False, retry_temperature: float | None = None,
              late_candidates: bool | None = None, retry_alg_temp: float | None = None,
              candidate_temperature: float | None = None) -> dict[str, Any]:
    """Solve every item; returns solve rate, median NFE, mean seconds per instance and extras."""
    from dream_agent.planning import load_cached, solve_batch
    from planners.options import PlanOptions
    from environments import get_environment

    env = get_environment(env_name)
    lm = random_control(env_name, model) if random_weights else None if model is None else load_cached(model)
    refs = None
    if extra == "length":
        items, refs = [p for p, _ in items], [r for _, r in items]
    problems = [env.parse_problem(p) for p in items]
    results = []
    start = time.perf_counter()
    for i in range(0, len(problems), batch):
        results += solve_batch(env, problems[i : i + batch], lm, constraints=tier, max_rounds=rounds,
                               candidates=candidates, confidence_threshold=threshold, replan=replan,
                               late_candidates=late_candidates,
                               **({"retry_temperature": retry_temperature} if retry_temperature is not None else {}),
                               **({"retry_alg_temp": retry_alg_temp} if retry_alg_temp is not None else {}),
                               **({"candidate_temperature": candidate_temperature} if candidate_temperature is not None else {}))
    wall = time.perf_counter() - start
    solved = [r.solved for r in results]
    row: dict[str, Any] = {
        "n": len(results),
        "candidates": PlanOptions.of(candidates=candidates).for_environment(env).candidates,
        "solved": sum(solved) / len(results),
        "median_nfe": statistics.median(r.nfe for r in results),
        "s_per_instance": wall / len(results),
        "median_s": statistics.median(r.seconds for r in results) if batch == 1 else None,
    }
    if extra == "countdown":
        answers = [env.format_plan(env.parse_plan(p, r.values)) for p, r in zip(problems, results)]
        agree = [countdown_ok(p.numbers, p.target, a) == r.solved for p, a, r in zip(problems, answers, results)]
        row["arithmetic_agrees"] = all(agree)
    if refs is not None:
        kept = [(len(env.parse_plan(env_prepared(env, p), r.values)), r.removed_steps, len(ref))
                for p, r, ref in zip(problems, results, refs) if r.solved and ref]
        row["length_ratio"] = statistics.mean(n / ref for n, _, ref in kept) if kept else None
        row["drafted_length_ratio"] = statistics.mean((n + removed) / ref for n, removed, ref in kept) if kept else None
    return row


def env_prepared(env: Any, problem: Any) -> Any:
    return env.prepare(problem)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=100, help="instances per suite, spread over each file (0 = all)")
    parser.add_argument("--only", default="", help="comma-separated words; run the suites whose label contains one")
    parser.add_argument("--settings", default="all",
                        help="'all', 'full' (local + remask only), or setting labels separated by semicolons")
    parser.add_argument("--batch", type=int, default=16, help="problems per batched solve (1 = per-puzzle latency)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--candidates", type=int, default=None,
                        help="canvases per problem in one batch, first valid wins (default: the environment's recommendation)")
    parser.add_argument("--model", type=Path, default=None,
                        help="a model directory for every suite run (default: the model shipped for each environment)")
    parser.add_argument("--env", default=None,
                        help="plan the selected suites in this registered environment instead of their own "
                             "(a variant with the same problems, e.g. blocksworld-states for the Blocksworld suites)")
    parser.add_argument("--threshold", type=float, default=None,
                        help="confidence-threshold decoding (commit every token above it; default: one token per step)")
    parser.add_argument("--replan", action="store_true",
                        help="closed-loop planning: one refine run per kept step (action plans of PDDL domains)")
    parser.add_argument("--random-weights", action="store_true",
                        help="control: an untrained model of the same shape (shows what the constraints do alone)")
    parser.add_argument("--retry-temperature", type=float, default=None,
                        help="sampling temperature of extra candidates and stall restarts (default: the planner's)")
    parser.add_argument("--candidate-temperature", type=float, default=None,
                        help="sampling temperature of the extra candidates (default: the environment's, else the retry temperature)")
    parser.add_argument("--retry-alg-temp", type=float, default=None,
                        help="unmasking-order temperature of extra candidates and restarts (default: the environment's)")
    parser.add_argument("--late-candidates", choices=("on", "off"), default=None,
                        help="extra candidates join only once the first draft fails (default: the environment's choice)")
    parser.add_argument("--out", type=Path, default=None, help="write the markdown table here")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    wanted = [w.strip().lower() for w in args.only.split(",") if w.strip()]
    if args.settings == "all":
        settings = SETTINGS
    elif args.settings == "full":
        settings = SETTINGS[:1]
    else:
        names = {n.strip() for n in args.settings.split(";")}
        settings = tuple(s for s in SETTINGS if s[0] in names)
        if not settings:
            parser.error(f"no setting among {sorted(names)}; known: {', '.join(s[0] for s in SETTINGS)}")
    lines = ["| suite | setting | n | solved | median NFE | s / instance | notes |", "|---|---|---|---|---|---|---|"]
    for label, env_name, load, extra in suites(args.limit):
        if wanted and not any(w in label.lower() for w in wanted):
            continue
        items = load()
        env_name = args.env or env_name
        for name, tier, rounds in settings:
            batch = 1 if env_name == "sudoku" else args.batch
            try:
                row = run_suite(env_name, items, extra, tier, rounds, batch, args.random_weights, args.candidates,
                                args.model, args.threshold, args.replan, args.retry_temperature,
                                None if args.late_candidates is None else args.late_candidates == "on", args.retry_alg_temp,
                                args.candidate_temperature)
            except InputError as err:  # e.g. problems longer than the model's canvas
                line = f"| {label} | {name} | {len(items)} | refused | | | {err} |"
                print(line, flush=True)
                lines.append(line)
                continue
            notes = []
            if row.get("median_s") is not None:
                notes.append(f"median {row['median_s']:.2f} s per puzzle")
            if "arithmetic_agrees" in row:
                notes.append("arithmetic re-checked: " + ("agrees" if row["arithmetic_agrees"] else "DISAGREES"))
            if row.get("length_ratio") is not None:
                notes.append(f"plan length / reference {row['length_ratio']:.2f} "
                             f"(as drafted, before dropping detours: {row['drafted_length_ratio']:.2f})")
            shown = f"{name} (random weights)" if args.random_weights else name
            shown += f", {row['candidates']} candidate{'s' if row['candidates'] > 1 else ''}"
            shown += f", threshold {args.threshold}" if args.threshold is not None else ""
            shown += ", replan" if args.replan else ""
            shown += f", retry temperature {args.retry_temperature}" if args.retry_temperature is not None else ""
            shown += f", late candidates {args.late_candidates}" if args.late_candidates is not None else ""
            shown += f", retry order temperature {args.retry_alg_temp}" if args.retry_alg_temp is not None else ""
            shown += f", candidate temperature {args.candidate_temperature}" if args.candidate_temperature is not None else ""
            line = (f"| {label} | {shown} | {row['n']} | {row['solved']:.1%} | {row['median_nfe']:.0f} | "
                    f"{row['s_per_instance']:.3f} | {'; '.join(notes)} |")
            print(line, flush=True)
            lines.append(line)
    if args.out is not None:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        header = [
            f"Command: `python bench/quality.py {' '.join(sys.argv[1:])}` (commit {commit}, "
            f"{platform.machine()} CPU, {args.threads} torch thread(s), batch {args.batch}; 9x9 Sudoku one puzzle at a time).",
            "",
        ]
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(header + lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
