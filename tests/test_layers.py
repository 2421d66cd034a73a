"""The layers of design.md, enforced: the import-linter contracts in pyproject.toml hold, and a wrong arrow breaks them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import REPO

PACKAGES = ("constraints", "environments", "planners", "dream_agent")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run([sys.executable, "-c", code, str(root / "pyproject.toml"), "--no-cache", "--no-logo"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


def copy_packages(root: Path) -> None:
    """The project's packages (code only) and pyproject.toml, copied under `root`."""
    for package in PACKAGES:
        shutil.copytree(REPO / package, root / package, ignore=shutil.ignore_patterns("*.safetensors", "__pycache__"))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")


def test_every_contract_is_kept():
    out = lint_imports(REPO)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


def test_an_engine_module_importing_the_plan_layer_breaks_the_contracts(tmp_path):
    copy_packages(tmp_path)
    denoise = tmp_path / "dream_agent" / "denoise.py"
    denoise.write_text(denoise.read_text() + "\nimport planners.refinement  # a wrong arrow\n")
    out = lint_imports(tmp_path)
    assert out.returncode != 0
    assert "dream_agent.denoise -> planners.refinement" in out.stdout


def test_ray_outside_the_batch_engine_module_breaks_the_contracts(tmp_path):
    copy_packages(tmp_path)
    work = tmp_path / "dream_agent" / "batch" / "work.py"
    work.write_text(work.read_text() + "\nimport ray  # only ray_engine may\n")
    out = lint_imports(tmp_path)
    assert out.returncode != 0
    assert "Ray only in the batch engine module BROKEN" in " ".join(out.stdout.split())
