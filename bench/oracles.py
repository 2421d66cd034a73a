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
from environments.pddl import load_pddl  # noqa: E402

# (label, registry name, generator knobs)
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("sudoku 9x9 medium", "sudoku", {"difficulty": "medium"}),
    ("sudoku 9x9 hard", "sudoku", {"difficulty": "hard"}),
    ("sudoku 4x4 medium", "sudoku4x4", {"difficulty": "medium"}),
    ("countdown n=3", "countdown", {"n": 3}),
    ("countdown n=4", "countdown", {"n": 4}),
    ("countdown n=5", "countdown", {"n": 5}),
    ("blocksworld 3 blocks", "blocksworld", {"blocks": 3}),
    ("blocksworld 4 blocks", "blocksworld", {"blocks": 4}),
    ("blocksworld 5 blocks", "blocksworld", {"blocks": 5}),
    ("blocksworld 6 blocks", "blocksworld", {"blocks": 6}),
    ("kitchen pick_place", "kitchen", {"task": "pick_place"}),
    ("kitchen heat_place", "kitchen", {"task": "heat_place"}),
    ("assembly 6 parts", "assembly", {"n_parts": 6}),
    ("assembly 9 parts", "assembly", {"n_parts": 9}),
]
# Public PDDL files (../shared/data/pddl, skipped when absent): the optimal planner on one fixed problem.
PDDL_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "pddl"
PDDL_CASES: list[tuple[str, str, str]] = [
    ("pddl gripper prob01", "gripper/domain.pddl", "gripper/prob01.pddl"),
    ("pddl logistics inst-10", "logistics/domain.pddl", "logistics/instance-10.pddl"),
    ("pddl depots inst-10", "depots/domain.pddl", "depots/instance-10.pddl"),
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


def measure_pddl(domain: Path, problem: Path, count: int) -> float:
    """Searches per second (grounding excluded) for one fixed PDDL problem."""
    env, instance = load_pddl(domain, problem)
    env.task(instance)  # ground once, outside the timing
    start = time.perf_counter()
    for _ in range(count):
        if env.search(instance).plan is None:
            raise RuntimeError(f"no plan for {problem}")
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200, help="instances per case")
    args = parser.parse_args()
    print(f"{'case':<22} {'solved/s':>10} {'solved/cpu-s':>13} {'generate ms':>12}   ({args.count} instances each)")
    for label, name, knobs in CASES:
        rate, cpu_rate, generated = measure(name, knobs, args.count)
        print(f"{label:<22} {rate:>10.1f} {cpu_rate:>13.1f} {generated * 1000:>12.1f}")
    for label, domain, problem in PDDL_CASES:
        if (PDDL_DATA / problem).is_file():
            rate = measure_pddl(PDDL_DATA / domain, PDDL_DATA / problem, max(1, args.count // 10))
            print(f"{label:<22} {rate:>10.1f} {'-':>13} {'-':>12}")


if __name__ == "__main__":
    main()
