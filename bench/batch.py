"""Lines per second of `dream-agent batch`: validate and Sudoku 4x4/9x9 solve, local against Ray, 1 and 2 workers.

    python bench/batch.py                      # the table in docs/batch.md (a few minutes on 2 cores)
    python bench/batch.py --no-ray --n9 10     # local only, quicker

Each row runs `dream_agent.batch.run` on a fresh output file. Ray is started once, before the
rows (its start-up is reported on its own), so the Ray rows measure steady throughput including
the actors' start and model load. Puzzles come from the environments' generators (seeded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from dream_agent.batch import run  # noqa: E402
from environments import get_environment  # noqa: E402


def validate_lines(n: int) -> list[dict]:
    env = get_environment("sudoku4x4")
    rows = []
    for i in range(n):
        problem = env.generate(i % 50)
        solution = env.format_plan(env.solve(problem))
        if i % 2:
            solution = solution[:-1] + ("1" if solution[-1] != "1" else "2")
        rows.append({"id": i, "env": "sudoku4x4", "puzzle": problem.givens, "solution": solution})
    return rows


def solve_lines(env_name: str, n: int) -> list[dict]:
    env = get_environment(env_name)
    return [{"id": i, "env": env_name, "problem": env.generate(1000 + i).givens} for i in range(n)]


def measure(command: str, rows: list[dict], folder: Path, **kwargs) -> dict:
    name = f"{command}-{len(list(folder.iterdir()))}"
    lines = folder / f"{name}.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = run(command, lines, folder / f"{name}.out", **kwargs)
    answers = [json.loads(x) for x in (folder / f"{name}.out").read_text().splitlines()]
    ok = sum(bool(a.get("solved", a.get("valid"))) for a in answers)
    return {"lines": summary.processed, "seconds": summary.seconds, "rate": summary.rate, "ok": ok,
            "errors": summary.errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nvalidate", type=int, default=4000, help="validate lines")
    parser.add_argument("--n4", type=int, default=256, help="Sudoku 4x4 lines")
    parser.add_argument("--n9", type=int, default=32, help="Sudoku 9x9 lines")
    parser.add_argument("--no-ray", action="store_true", help="local rows only")
    parser.add_argument("--out", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the CLI does for the shipped models

    suites = [("validate", "validate", validate_lines(args.nvalidate), None),
              ("sudoku 4x4", "solve", solve_lines("sudoku4x4", args.n4), 16),
              ("sudoku 9x9", "solve", solve_lines("sudoku", args.n9), 16)]
    engines = [("local", 1), ("local", 2)]
    header = {"cpus": os.cpu_count(), "python": platform.python_version(), "torch": torch.__version__}
    if not args.no_ray:
        import ray

        start = time.perf_counter()
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
        header["ray_start_seconds"] = round(time.perf_counter() - start, 2)
        header["ray"] = ray.__version__
        engines += [("ray", 1), ("ray", 2)]
    print(json.dumps(header))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, command, lines, size in suites:
            for engine, workers in engines:
                row = {"suite": label, "engine": engine, "workers": workers,
                       **measure(command, lines, folder, engine=engine, workers=workers, batch_size=size)}
                rows.append(row)
                print(json.dumps(row), flush=True)
        for label, env_name, n in (("sudoku 4x4", "sudoku4x4", args.n4), ("sudoku 9x9", "sudoku", args.n9)):
            for size in (1, 4, 16, 64):
                row = {"suite": label, "engine": "local", "workers": 1, "batch_size": size,
                       **measure("solve", solve_lines(env_name, n), folder, batch_size=size)}
                rows.append(row)
                print(json.dumps(row), flush=True)
    if args.out is not None:
        args.out.write_text(json.dumps({"header": header, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
