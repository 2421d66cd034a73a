"""`dream-agent infill` with slots and --pattern on a random-weight Dream checkpoint and a tiny MDM."""

from __future__ import annotations

import json
import re

import pytest
import typer
from typer.testing import CliRunner

from dream_agent.cli import infill as infill_command


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:  # a callback keeps `infill` a named subcommand
        pass

    infill_command.register(app)
    return app


@pytest.fixture(scope="module")
def dream_dir(tmp_path_factory):
    from dream_agent.testing import build_random_dream_checkpoint

    return build_random_dream_checkpoint(tmp_path_factory.mktemp("d") / "dream", shards=1)


def run(app, *args):
    return CliRunner().invoke(app, ["infill", *map(str, args)])


def test_slots_patterns_and_masks_fill_and_report_values(app, dream_dir):
    result = run(app, "--model", dream_dir, "--json", "--temperature", "1", "--pattern", r"phone=[0-9]{3}-[0-9]{4}",
                 r"Call {phone:<=10} on {day|mon,tue} at {t:<=6~\d\d:\d\d} ok<|mask|>.")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert re.fullmatch(r"[0-9]{3}-[0-9]{4}", out["values"]["phone"])
    assert re.fullmatch(r"\d\d:\d\d", out["values"]["t"]) and out["values"]["day"] in ("mon", "tue")
    assert out["text"].startswith(f"Call {out['values']['phone']} on {out['values']['day']} at ")
    assert out["masks"] == 1 and out["solved"] and out["nfe"] >= 1


def test_plain_text_with_masks_keeps_its_old_output(app, dream_dir):
    out = json.loads(run(app, "--model", dream_dir, "--json", '{"a": <|mask|>}').stdout)
    assert set(out) == {"text", "nfe", "seconds", "masks"} and out["text"].startswith('{"a": ')


def test_word_vocabulary_model(app):
    result = run(app, "--model", "dream_agent/models/countdown", "--json", "--pattern", r"x=1( [0-9]){1,2}",
                 "numbers {x:<=4} target 7")
    out = json.loads(result.stdout)
    assert re.fullmatch(r"1( [0-9]){1,2}", out["values"]["x"]), out


@pytest.mark.parametrize("args, words", [
    (["--pattern", r"phone=(a)\1"], "backreferences"),
    (["--pattern", "phone"], "NAME=REGEX"),
    (["--pattern", "x=a"], "no slot 'x'"),
    (["--pattern", "phone=[0-9]{30}"], "at most 10 tokens"),
])
def test_bad_patterns_are_one_line_and_exit_2(app, dream_dir, args, words):
    result = run(app, "--model", dream_dir, *args, "Call {phone:<=10}")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0]
