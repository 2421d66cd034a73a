"""The `ray` batch engine on a local Ray instance (2 CPUs): same answers as `local`, and a killed actor loses nothing."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from dream_agent.batch import run  # noqa: E402
from dream_agent.batch.ray_engine import ACTOR_PREFIX  # noqa: E402

from helpers import REPO  # noqa: E402
SUDOKU4 = ["1000000240030000", "1200340000000000", "0000000240030000", "1003030032104132"]
SOLVED4 = "1423234132144132"


@pytest.fixture(scope="module")
def ray_instance():
    """One Ray instance for the module (its start-up is the slow part); workers import this checkout."""
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), before]))
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()
    if before is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = before


def write_lines(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def read_out(path: Path) -> dict:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {row["id"]: {k: v for k, v in row.items() if k != "seconds"} for row in rows}


def test_local_and_ray_give_the_same_verdicts_and_plans(ray_instance, tmp_path):
    solve = write_lines(tmp_path / "solve.jsonl", [{"id": i, "env": "sudoku4x4", "problem": SUDOKU4[i % 4]}
                                                    for i in range(6)] + [{"id": "bad", "env": "chess", "problem": 1}])
    wrong = SOLVED4[:-1] + "1"
    validate = write_lines(tmp_path / "validate.jsonl", [{"id": i, "env": "sudoku4x4", "puzzle": SUDOKU4[3],
                                                          "solution": (SOLVED4, wrong)[i % 2]} for i in range(5)])
    for command, lines in (("solve", solve), ("validate", validate)):
        local = run(command, lines, tmp_path / f"{command}-local.jsonl", batch_size=2)
        on_ray = run(command, lines, tmp_path / f"{command}-ray.jsonl", batch_size=2, engine="ray", workers=2)
        assert local.processed == on_ray.processed == local.lines
        assert read_out(tmp_path / f"{command}-local.jsonl") == read_out(tmp_path / f"{command}-ray.jsonl")
    answers = read_out(tmp_path / "validate-ray.jsonl")
    assert [answers[i]["valid"] for i in range(5)] == [True, False, True, False, True]


def test_a_killed_actor_is_restarted_and_every_line_comes_out_once(ray_instance, tmp_path):
    rows = [{"id": i, "env": "sudoku4x4", "problem": SUDOKU4[i % 4], "options": {"seed": i}} for i in range(60)]
    lines, output = write_lines(tmp_path / "in.jsonl", rows), tmp_path / "out.jsonl"
    summaries: list = []
    worker = threading.Thread(target=lambda: summaries.append(
        run("solve", lines, output, engine="ray", workers=2, batch_size=1)))
    worker.start()
    deadline, killed = time.monotonic() + 180, None  # actors start slowly on a loaded 2-core machine
    while time.monotonic() < deadline and worker.is_alive() and killed is None:
        names = [n for n in ray.util.list_named_actors() if n.startswith(ACTOR_PREFIX)]
        if names and output.exists() and output.read_text().count("\n") >= 2:
            killed = names[0]
            ray.kill(ray.get_actor(killed), no_restart=False)
        time.sleep(0.02)
    worker.join(timeout=120)
    assert killed is not None and not worker.is_alive()
    written = output.read_text().count("\n")
    assert summaries[0].processed == written == 60 and summaries[0].errors == 0
    assert sorted(read_out(output)) == list(range(60))
    assert all(row["solved"] for row in read_out(output).values())
