"""Oracle speed: instances solved per second for each environment's exact solver.

Run from the repository root: `python bench/oracles.py [--count 200]`. Instances come from each
environment's own generator (generation time is not counted); add a line to CASES for a new one.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from environments import get_environment  # noqa: E402

# (label, registry name, generator knobs)
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("sudoku 9x9 medium", "sudoku", {"difficulty": "medium"}),
    ("sudoku 9x9 hard", "sudoku", {"difficulty": "hard"}),
    ("sudoku 4x4 medium", "sudoku4x4", {"difficulty": "medium"}),
    ("countdown n=3", "countdown", {"n": 3}),
    ("countdown n=4", "countdown", {"n": 4}),
    ("countdown n=5", "countdown", {"n": 5}),
]


def measure(name: str, knobs: dict[str, Any], count: int) -> tuple[float, float, float]:
    """(solved per wall second, solved per CPU second, seconds to generate one) over `count` instances."""
    env = get_environment(name)
    start = time.perf_counter()
    problems = [env.generate(seed, **knobs) for seed in range(count)]
    generated = (time.perf_counter() - start) / count
    start, cpu = time.perf_counter(), time.process_time()
    plans = [env.solve(problem) for problem in problems]
    rate, cpu_rate = count / (time.perf_counter() - start), count / max(time.process_time() - cpu, 1e-9)
    for problem, plan in zip(problems, plans):  # checked outside the timing
        if plan is None or env.check(problem, plan):
            raise RuntimeError(f"{name}: the oracle failed on {problem!r}")
    return rate, cpu_rate, generated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200, help="instances per case")
    args = parser.parse_args()
    print(f"{'case':<22} {'solved/s':>10} {'solved/cpu-s':>13} {'generate ms':>12}   ({args.count} instances each)")
    for label, name, knobs in CASES:
        rate, cpu_rate, generated = measure(name, knobs, args.count)
        print(f"{label:<22} {rate:>10.1f} {cpu_rate:>13.1f} {generated * 1000:>12.1f}")


if __name__ == "__main__":
    main()
