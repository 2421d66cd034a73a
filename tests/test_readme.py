"""The README's architecture stays true: every file it names exists, every layer it draws is a contract."""

from __future__ import annotations

import re

import pytest

from helpers import REPO as ROOT

tomllib = pytest.importorskip("tomllib")  # Python 3.11+


def _architecture() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text[text.index("## Architecture"): text.index("\n## ", text.index("## Architecture") + 1)]


def test_every_path_in_the_architecture_exists():
    # code spans that name a path, and the first column of the layer picture
    named = {p for p in re.findall(r"`([a-z_./]+)`", _architecture()) if "/" in p}
    named |= set(re.findall(r"^((?:[a-z_]+/)+[a-z_.]*)", _architecture(), flags=re.M))
    assert len(named) > 15
    missing = [p for p in named if not (ROOT / p).exists()]
    assert not missing, f"README architecture names paths that do not exist: {missing}"


def test_the_drawn_layers_are_the_checked_ones():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")["layers"]
    drawn = _architecture()
    for layer in layers:
        for module in re.split(r"[|:]", layer):
            top = module.strip().split(".")
            # a layer's modules appear in the picture as folders or files
            assert top[-1] in drawn or top[0] in drawn, module
