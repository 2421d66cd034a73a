"""`dream-agent infill` on a tiny MDM and a random-weight Dream checkpoint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import typer
from helpers import REPO
from typer.testing import CliRunner

from dream_agent.cli import infill as infill_command
from dream_agent.tiny import TinyConfig, TinyMDM, save_tiny
from dream_agent.vocab_tokenizer import VocabTokenizer


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:  # a callback keeps `infill` a named subcommand
        pass

    infill_command.register(app)
    return app


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory) -> Path:
    tok = VocabTokenizer(["pick", "place", "cup", "plate", "shelf", "then"])
    torch.manual_seed(0)
    net = TinyMDM(TinyConfig(vocab_size=tok.vocab_size, max_length=10, dim=32, n_layers=2, n_heads=4, ffn_dim=64))
    return save_tiny(net, tok, tmp_path_factory.mktemp("m") / "tiny")


@pytest.fixture(scope="module")
def dream_dir(tmp_path_factory) -> Path:
    from dream_agent.testing import build_random_dream_checkpoint

    return build_random_dream_checkpoint(tmp_path_factory.mktemp("d") / "dream", shards=1)


def run(app: typer.Typer, *args: str):
    return CliRunner().invoke(app, ["infill", *map(str, args)])


def test_tiny_plain_and_json(app, tiny_dir):
    plain = run(app, "--model", tiny_dir, "pick <mask> then place <mask> shelf")
    assert plain.exit_code == 0, plain.output
    words = plain.stdout.strip().split()
    assert len(words) == 6 and words[0] == "pick" and words[2:4] == ["then", "place"] and words[5] == "shelf"
    assert "<mask>" not in plain.stdout
    out = run(app, "--model", tiny_dir, "--json", "--steps", "2", "--alg", "maskgit_plus", "pick <mask> then place <mask> shelf")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert set(data) == {"text", "nfe", "seconds", "masks"}
    assert data["masks"] == 2 and data["nfe"] == 2 and data["text"] == plain.stdout.strip()


def test_same_seed_same_output(app, tiny_dir):
    args = ["--model", tiny_dir, "--temperature", "1.0", "--alg", "origin", "--steps", "3",
            "<mask> <mask> <mask> then <mask> <mask>"]
    first = run(app, "--seed", "5", *args).stdout
    assert run(app, "--seed", "5", *args).stdout == first
    assert any(run(app, "--seed", str(s), *args).stdout != first for s in range(6, 12))


def test_random_dream(app, dream_dir):
    text = "The quick <|mask|><|mask|> fox jumps over the lazy <|mask|>."
    out = run(app, "--model", dream_dir, "--json", "--threshold", "0.5", "--steps", "3", text)
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["masks"] == 3 and 1 <= data["nfe"] <= 3
    assert data["text"].startswith("The quick ") and " fox jumps over the lazy " in data["text"]
    assert data["text"].endswith(".") and "<|mask|>" not in data["text"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "{missing}", "a <mask>"], "not found"),
        (["--model", "{tiny}", "--alg", "best", "pick <mask>"], "valid: origin, maskgit_plus"),
        (["--model", "{tiny}", "--steps", "0", "pick <mask>"], "--steps must be an integer from 1"),
        (["--model", "{tiny}", "--threshold", "2", "pick <mask>"], "--threshold"),
        (["--model", "{tiny}", "pick cup"], "no mask token"),
        (["--model", "{tiny}", "pick " * 10 + "<mask>"], "context holds 10"),
        (["--model", "{tiny}", "pick mug <mask>"], "'mug'"),
        (["--model", "{empty}", "pick <mask>"], "config.json"),
    ],
)
def test_bad_input_is_one_line_exit_2(app, tiny_dir, tmp_path, args, message):
    (tmp_path / "empty").mkdir()
    paths = {"{missing}": str(tmp_path / "nowhere"), "{tiny}": str(tiny_dir), "{empty}": str(tmp_path / "empty")}
    out = run(app, *[paths.get(a, a) for a in args])
    assert out.exit_code == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], out.stderr
    assert isinstance(out.exception, SystemExit), repr(out.exception)  # CliRunner keeps tracebacks out of the output


def test_missing_weights(app, tiny_dir, tmp_path):
    (tmp_path / "config.json").write_bytes((tiny_dir / "config.json").read_bytes())
    out = run(app, "--model", tmp_path, "pick <mask>")
    assert out.exit_code == 2 and "no model.safetensors" in out.stderr


def test_console_entry_point(tiny_dir):
    proc = subprocess.run(
        [sys.executable, "-m", "dream_agent.cli", "infill", "--model", str(tiny_dir), "--json", "pick <mask>"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["masks"] == 1
