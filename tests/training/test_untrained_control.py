"""`train ENV --steps 0` writes the untrained control: the shipped model's shape and vocabulary, nothing learnt."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from dream_agent.cli import _register, app
from dream_agent.models import model_dir
from dream_agent.tiny import load_tiny, read_tiny_config


def test_steps_zero_writes_a_model_of_the_shipped_shape(tmp_path):
    _register()
    out = CliRunner().invoke(app, ["train", "sudoku4x4", "--steps", "0", "--out", str(tmp_path / "ctl"), "--no-eval",
                                   "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.stdout)
    assert summary["steps"] == 0 and summary["examples"] == 0
    control, _ = read_tiny_config(tmp_path / "ctl")
    shipped, _ = read_tiny_config(model_dir("sudoku4x4"))
    assert control == shipped
    trained, untrained = load_tiny(model_dir("sudoku4x4")), load_tiny(tmp_path / "ctl")
    weights = dict(untrained.denoiser.model.named_parameters())
    assert any(not p.equal(weights[name]) for name, p in trained.denoiser.model.named_parameters())
