"""The fuzz targets (`targets.py`) on their committed corpus every run, and coverage-guided with atheris on demand.

The corpus holds the seeds and every input a fuzz run found failing (named `regress-*`); replaying
it is cheap. The long run (`-m fuzz`, needs `pip install atheris`) fuzzes each target for
FUZZ_SECONDS (default 600) with `atheris_fuzz.py` and fails on any finding.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import REPO
from targets import CORPUS, TARGETS, run

FUZZ_SECONDS = int(os.environ.get("FUZZ_SECONDS", "600"))


def corpus(target: str) -> list[Path]:
    return sorted(p for p in (CORPUS / target).iterdir() if p.is_file())


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_the_committed_corpus_replays(target: str) -> None:
    files = corpus(target)
    assert len(files) >= 4, f"{target}: the corpus lost its seeds"
    accepted = 0
    for path in files:
        start = time.perf_counter()
        accepted += run(target, path.read_bytes()) is not None
        assert time.perf_counter() - start < 20, f"{path.name} took {time.perf_counter() - start:.1f} s"
    assert accepted >= 2, f"{target}: fewer than two seeds parse, so the fuzzer starts from errors only"


@pytest.mark.fuzz
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_atheris_finds_nothing(target: str, tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(Path(__file__).with_name("atheris_fuzz.py")), target,
                           "--work", str(tmp_path), f"-max_total_time={FUZZ_SECONDS}"],
                          capture_output=True, text=True, env=env, timeout=FUZZ_SECONDS + 600)
    findings = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("crash-", "timeout-", "oom-")))
    assert done.returncode == 0 and not findings, (findings, done.stderr[-3000:])
