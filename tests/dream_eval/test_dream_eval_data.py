"""The evaluation files ship with the package: every task's default resolves, parses, and is in the wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import REPO, SHARED_DATA

from dream_agent.dream_eval.data import DEFAULT_FILES, default_data_path, load_items, packaged_data
from dream_agent.dream_eval.protocol import TASKS

ITEMS = {"sudoku4x4": 108, "countdown": 1000, "blocksworld": 500}
LICENCES = {"sudoku4x4": "LICENSE.Dream-Apache-2.0", "countdown": "LICENSE.Dream-Apache-2.0",
            "blocksworld": "LICENSE.LLMs-Planning-MIT"}


@pytest.mark.parametrize("task", TASKS)
def test_default_data_is_packaged_and_parses(task: str) -> None:
    path = default_data_path(task)
    assert path.is_file() and path.is_relative_to(packaged_data())
    items = load_items(task)  # for blocksworld this also reads every item's PDDL problem
    assert len(items) == ITEMS[task]
    assert items[0].name == f"{path.name}:1" and items[0].output
    folder = packaged_data() / DEFAULT_FILES[task].split("/")[0]
    assert (folder / LICENCES[task]).is_file() and (folder / "PROVENANCE.txt").is_file()


def test_packaged_files_are_the_published_ones() -> None:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent: nothing to compare with")
    packaged = [p for p in packaged_data().rglob("*") if p.is_file() and p.name != "README.md"]
    assert len(packaged) == 519
    for path in packaged:
        assert path.read_bytes() == (SHARED_DATA / path.relative_to(packaged_data())).read_bytes(), path


def test_nothing_user_facing_points_outside_the_package() -> None:
    files = [REPO / "README.md", *REPO.glob("docs/**/*.md"), *REPO.glob("dream_agent/**/*.py")]
    offenders = [str(f.relative_to(REPO)) for f in files
                 if any(text in f.read_text(encoding="utf-8") for text in ("shared/data", "../shared"))]
    assert offenders == []


def test_the_wheel_carries_the_data(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(REPO / "pyproject.toml", source)
    shutil.copy(REPO / "README.md", source)
    for package in ("dream_agent", "planners", "constraints", "environments"):
        shutil.copytree(REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, timeout=120,
    )
    wheels = list((tmp_path / "dist").glob("*.whl"))
    if built.returncode != 0 or not wheels:
        pytest.skip(f"cannot build a wheel offline here: {built.stderr.strip()[-300:]}")
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    prefix = "dream_agent/dream_eval/datasets/"
    for relative in DEFAULT_FILES.values():
        assert prefix + relative in names
    for relative in ("README.md", "dream-sudoku4x4/LICENSE.Dream-Apache-2.0", "dream-countdown/PROVENANCE.txt",
                     "planbench/LICENSE.LLMs-Planning-MIT", "planbench/blocksworld/generated_basic/instance-500.pddl"):
        assert prefix + relative in names
    assert sum(name.startswith(prefix) for name in names) == 520
