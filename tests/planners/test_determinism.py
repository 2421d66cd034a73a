"""Same request, same seed, same plan: across repeated runs, torch thread counts and batch sizes.

Across the CLI, the Python API and the runnable: `tests/test_entry_points.py`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from helpers import REPO

from dream_agent.planning import solve_batch
from environments import get_environment

SAMPLED = {"temperature": 1.0, "seed": 7, "max_rounds": 2}  # sampling, so that the seed matters


def fingerprint(results) -> list[tuple]:
    return [(r.tokens, r.solved, r.rounds, r.nfe) for r in results]


def test_repeated_runs_give_the_same_plans() -> None:
    env = get_environment("countdown")
    problems = [env.generate(s, n=3) for s in range(4)]
    first = fingerprint(solve_batch(env, problems, **SAMPLED))
    assert fingerprint(solve_batch(env, problems, **SAMPLED)) == first
    other_seed = fingerprint(solve_batch(env, problems, **{**SAMPLED, "seed": 8}))
    assert other_seed != first  # the seed is what makes the runs equal, not a sampler that ignores it


SCRIPT = """
import json, sys, torch
from dream_agent.planning import solve_batch
from environments import get_environment
env = get_environment("sudoku4x4")
problems = [env.generate(s, difficulty="hard") for s in range(4)]
out = {}
for threads in (1, 2):
    torch.set_num_threads(threads)
    results = solve_batch(env, problems, temperature=2.0, seed=7, max_rounds=2, constraints="none")
    out[threads] = [[list(r.tokens), r.solved, r.rounds, r.nfe] for r in results]
print(json.dumps(out))
"""


def test_torch_thread_counts_give_the_same_plans() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    by_threads = json.loads(done.stdout.splitlines()[-1])
    assert by_threads["1"] == by_threads["2"]


@pytest.mark.xfail(strict=True, reason="a round runs the most steps any job of the batch asks for, and sampled rows "
                                       "share one generator: a plan depends on the other problems of its batch")
def test_batch_size_does_not_change_a_plan() -> None:
    env = get_environment("blocksworld")
    problems = [env.generate(s, blocks=3) for s in range(900_000, 900_008)]
    together = fingerprint(solve_batch(env, problems))
    alone = [fingerprint(solve_batch(env, [problem]))[0] for problem in problems]
    assert alone == together
