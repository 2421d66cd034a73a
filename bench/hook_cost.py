"""Where a solve's time goes: the network, the hard-constraint hook (and the environment's rules in it), the rest.

Solves generated 9x9 medium Sudoku puzzles one at a time, or PlanBench blocksworld problems, with
the shipped models at a constraint tier (default `local`, with remasking), and times every call of

- the network: the denoiser's forward pass;
- the hook: `ValueMasks` (built once per round, its logits hook every step, its repair after
  every step), and inside it the environment's rules read against the canvas
  (`planners.rule_reader.RuleReader`), of which `SlotRules.allowed_values` itself;
- the rest: the denoising loop's own work (sampling, confidence, commits), checking and remasking.

    PYTHONPATH=. OMP_NUM_THREADS=1 python bench/hook_cost.py --suite sudoku --n 10
    PYTHONPATH=. OMP_NUM_THREADS=1 python bench/hook_cost.py --suite planbench --n 10
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SECONDS: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)


def timed(owner: Any, name: str, label: str) -> None:
    """Replace `owner.name` by a wrapper that adds its wall time to SECONDS[label]."""
    inner: Callable = getattr(owner, name)

    @functools.wraps(inner)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            SECONDS[label] += time.perf_counter() - t0
            CALLS[label] += 1

    setattr(owner, name, wrapper)


def problems(suite: str, n: int) -> tuple[str, list[Any]]:
    from environments import get_environment

    if suite == "sudoku":
        env = get_environment("sudoku")
        return "sudoku", [env.generate(i, difficulty="medium") for i in range(n)]
    if suite == "planbench":
        from environments.blocksworld import load_planbench

        items = load_planbench(DATA / "planbench" / "blocksworld")
        return "blocksworld", [items[i * len(items) // n][1] for i in range(n)]
    raise ValueError(f"unknown suite {suite!r}; valid: sudoku, planbench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", default="sudoku", help="sudoku (9x9 medium, generated) or planbench (blocksworld)")
    parser.add_argument("--n", type=int, default=10, help="problems, solved one at a time")
    parser.add_argument("--constraints", default="local", help="constraint tier: none, local or search")
    parser.add_argument("--candidates", type=int, default=None, help="default: the environment's recommendation")
    parser.add_argument("--max-rounds", type=int, default=8)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    from dream_agent.planning import model_for, solve
    from dream_agent.tiny import TinyDenoiser
    from environments.base import BoundRules
    from planners import rule_reader, value_masks

    env_name, items = problems(args.suite, args.n)
    model = model_for(None, env_name)
    solve(env_name, items[0], model, max_rounds=1)  # warm-up
    timed(TinyDenoiser, "__call__", "network")
    for name in ("__init__", "__call__", "repair"):
        timed(value_masks.ValueMasks, name, "hook")
    for name in ("restrictions", "later_positions"):
        timed(rule_reader.RuleReader, name, "rules")
    timed(BoundRules, "allowed_values", "allowed_values")
    SECONDS.clear()
    CALLS.clear()
    walls, nfes, solved = [], [], 0
    for problem in items:
        t0 = time.perf_counter()
        result = solve(env_name, problem, model, constraints=args.constraints, max_rounds=args.max_rounds,
                       candidates=args.candidates)
        walls.append(time.perf_counter() - t0)
        nfes.append(result.nfe)
        solved += result.solved
    total = sum(walls)
    rest = total - SECONDS["network"] - SECONDS["hook"]
    print(f"{args.suite}, {args.constraints} tier, {len(items)} problems one at a time: solved {solved}/{len(items)}, "
          f"median NFE {statistics.median(nfes):.0f}, {total:.2f} s in all ({total / len(items):.3f} s per problem)")
    print("| part | seconds | share of the solve | calls |")
    print("|---|---|---|---|")
    parts = (("network (forward passes)", "network"), ("hard-constraint hook", "hook"),
             ("  of which the rules read against the canvas", "rules"),
             ("  of which the environment's allowed_values", "allowed_values"))
    for label, key in parts:
        print(f"| {label} | {SECONDS[key]:.3f} | {SECONDS[key] / total:.1%} | {CALLS[key]} |")
    print(f"| rest (sampling, commits, checks, remasking) | {rest:.3f} | {rest / total:.1%} | |")

if __name__ == "__main__":
    main()
