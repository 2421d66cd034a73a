"""Time the optimal PDDL planner (BFS and A* with h_max) on the public samples.

Run: PYTHONPATH=. python bench/pddl_oracle.py [DATA_DIR]   (default: ../shared/data/pddl)
"""

import sys
import time
from pathlib import Path

from environments.pddl import ground, parse_domain_text, parse_problem_text, search

CASES = [
    ("depots", "instance-1"), ("gripper", "prob03"), ("blocksworld", "hard-instance-1"),
    ("household_viplan", "putting_away_toys"),
]


def main(data: Path) -> None:
    print(f"{'instance':36} {'search':6} {'steps':>5} {'expanded':>9} {'seconds':>8}")
    for domain, instance in CASES:
        start = time.perf_counter()
        task = ground(parse_domain_text((data / domain / "domain.pddl").read_text()),
                      parse_problem_text((data / domain / f"{instance}.pddl").read_text()))
        grounding = time.perf_counter() - start
        for algorithm in ("bfs", "astar"):
            result = search(task, algorithm=algorithm, max_nodes=5_000_000, timeout=120)
            steps = len(result.plan) if result.plan is not None else result.reason
            print(f"{domain + '/' + instance:36} {algorithm:6} {steps:>5} {result.expanded:>9} {grounding + result.seconds:8.2f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1].parent / "shared" / "data" / "pddl")
