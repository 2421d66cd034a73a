"""Both settings end to end on a random-weight checkpoint in Dream's layout (CPU, toy size)."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from helpers import BLOCKSWORLD, CD4, SUDOKU, build_small_dream

from constraints.errors import InputError
from dream_agent.dream_eval.baseline import run_baseline
from dream_agent.dream_eval.data import load_items
from dream_agent.dream_eval.prompts import extract_answer
from dream_agent.dream_eval.protocol import protocol_for
from dream_agent.dream_eval.report import to_markdown, write_report
from dream_agent.dream_eval.run import evaluate, split_items
from dream_agent.dream_eval.tasks import environment, score_answer
from dream_agent.loading import load_model


@pytest.fixture(scope="module")
def lm(tmp_path_factory):
    return load_model(build_small_dream(tmp_path_factory.mktemp("Dream-random")))


def _rescored(task: str, results, items) -> None:
    """The baseline's score is exactly the metric's and checkers' verdict on its raw output."""
    env = environment(task)
    for result, item in zip(results, items):
        assert result.answer == extract_answer(task, result.raw)
        assert result.score == score_answer(task, env, item, result.answer)


def test_sudoku_both_settings(lm) -> None:
    run = evaluate(lm, "sudoku4x4", data=SUDOKU, shots=1, limit=2, batch_size=2)
    assert [(r.setting, r.budget, r.items) for r in run.rows] == [("baseline", 24, 2), ("layer", 24, 2)]
    examples, items = split_items(load_items("sudoku4x4", SUDOKU), 1, 2)
    baseline, layer = run.predictions["sudoku4x4_baseline_24"], run.predictions["sudoku4x4_layer_24"]
    _rescored("sudoku4x4", baseline, items)
    assert all(r.nfe == 24 for r in baseline)
    for result, item in zip(layer, items):
        assert result.score.well_formed, result.answer  # domains and shape hold even with random weights
        assert re.fullmatch(r"[1-4]{4}(\n[1-4]{4}){3}", result.answer)
        assert all(g in ("0", a) for g, a in zip(item.input.replace("\n", ""), result.answer.replace("\n", "")))
        assert 1 <= result.nfe <= 24
        assert result.score == score_answer("sudoku4x4", environment("sudoku4x4"), item, result.answer)
    assert run.rows[1].well_formed == 1.0


def test_countdown_both_settings(lm) -> None:
    run = evaluate(lm, "countdown", data=CD4, shots=1, limit=2, batch_size=2)
    assert run.meta["protocol"]["steps"] == 32 and run.meta["protocol"]["gen_length"] == 32
    _, items = split_items(load_items("countdown", CD4), 1, 2)
    _rescored("countdown", run.predictions["countdown_baseline_32"], items)
    for result, item in zip(run.predictions["countdown_layer_32"], items):
        steps = result.answer.split(",")
        assert len(steps) == 3 and all(re.fullmatch(r"\d+[+\-*/]\d+=\d+", s) for s in steps), result.answer
        first = re.fullmatch(r"(\d+)[+\-*/](\d+)=\d+", steps[0])
        assert {int(first[1]), int(first[2])} <= set(item.problem.numbers)
        assert steps[-1].endswith(f"={item.problem.target}")
        assert result.score.well_formed and result.nfe <= 32


def test_blocksworld_both_settings(lm) -> None:
    protocol = dataclasses.replace(protocol_for("blocksworld"), gen_length=16, steps=6)
    run = evaluate(lm, "blocksworld", data=BLOCKSWORLD, shots=0, limit=2, plan_steps=2, protocol=protocol,
                   batch_size=2)
    _, items = split_items(load_items("blocksworld", BLOCKSWORLD, plan_steps=2), 0, 2)
    _rescored("blocksworld", run.predictions["blocksworld_baseline_6"], items)
    english = re.compile(r"(pick up|put down) the \w+ block|(stack|unstack) the \w+ block (on top of|from on top of) the \w+ block")
    for result in run.predictions["blocksworld_layer_6"]:
        lines = [line for line in result.answer.splitlines() if line]
        assert len(lines) <= 2 and all(english.fullmatch(line) for line in lines), result.answer
        assert result.score.well_formed and result.nfe <= 6


def test_budget_sweep_keeps_the_layer_within_budget(lm) -> None:
    run = evaluate(lm, "sudoku4x4", data=SUDOKU, shots=0, limit=1, budgets=[2, 5], settings=("template", "layer"))
    assert [(r.budget, r.setting) for r in run.rows] == [(2, "template"), (2, "layer"), (5, "template"), (5, "layer")]
    assert all(r.nfe <= r.budget for r in run.rows)
    assert [r.rounds for r in run.rows if r.setting == "template"] == [1.0, 1.0]  # no refinement
    assert all(r.published is None for r in run.rows)


def test_batched_baseline_equals_one_at_a_time(lm) -> None:
    protocol = dataclasses.replace(protocol_for("countdown", 4), gen_length=8, steps=4)
    items = load_items("countdown", CD4)
    assert len({len(i.input) for i in items[1:3]}) == 2  # different prompt lengths: the batch is padded
    alone = run_baseline(lm, "countdown", items[:1], items[1:3], protocol, batch_size=1)
    together = run_baseline(lm, "countdown", items[:1], items[1:3], protocol, batch_size=2)
    assert [r.raw for r in alone] == [r.raw for r in together]


def test_report_files(lm, tmp_path) -> None:
    run = evaluate(lm, "sudoku4x4", data=SUDOKU, shots=0, limit=1, budgets=[3])
    written = write_report(tmp_path, run.rows, run.meta, run.predictions)
    assert set(written) >= {"markdown", "json", "plot", "predictions_sudoku4x4_baseline_3", "predictions_sudoku4x4_layer_3"}
    report = json.loads((tmp_path / "results.json").read_text())
    assert report["task"] == "sudoku4x4" and [r["setting"] for r in report["rows"]] == ["baseline", "layer"]
    assert to_markdown(run.rows).count("\n| sudoku4x4 |") == 2
    lines = (tmp_path / "predictions_sudoku4x4_layer_3.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["name"] == "sudoku_4x4_10.jsonl:1"
    assert (tmp_path / "solve_rate_vs_nfe.png").stat().st_size > 1000


def test_missing_data_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(InputError, match="data file not found: .*absent.jsonl"):
        load_items("countdown", tmp_path / "absent.jsonl")
    with pytest.raises(InputError, match="nothing left to score"):
        split_items(load_items("sudoku4x4", SUDOKU), 3, None)


def test_chat_prompt_for_instruct_models(lm) -> None:
    from dream_agent.dream_eval.prompts import few_shot_prompt, prompt_ids

    item = load_items("sudoku4x4", SUDOKU)[0]
    ids = prompt_ids(lm.tokenizer, few_shot_prompt("sudoku4x4", [], item), "chat")
    text = lm.tokenizer.decode(ids)
    assert text.startswith("<|im_start|>system\n") and text.endswith("Output:<|im_end|>\n<|im_start|>assistant\n")
    run = evaluate(lm, "sudoku4x4", data=SUDOKU, shots=0, limit=1, budgets=[3], style="chat")
    assert run.meta["prompt_style"] == "chat"
    assert run.predictions["sudoku4x4_layer_3"][0].score.well_formed


class _PrefersEmpty:
    """A real model whose logits favour the empty (pad) token everywhere: the worst case for structure."""

    def __init__(self, denoiser) -> None:
        self.inner = denoiser
        self.mask_id, self.pad_id, self.max_length, self.shift = denoiser.mask_id, denoiser.pad_id, denoiser.max_length, True

    @property
    def device(self):
        return self.inner.device

    def __call__(self, input_ids, attention_mask=None):
        logits = self.inner(input_ids, attention_mask)
        logits[..., self.pad_id] += 100.0
        return logits


@pytest.mark.parametrize("task, data, plan_steps", [("countdown", CD4, 16), ("sudoku4x4", SUDOKU, 16), ("blocksworld", BLOCKSWORLD, 2)])
def test_layer_keeps_structure_when_the_model_wants_empty_answers(lm, task, data, plan_steps) -> None:
    from dream_agent.dream_eval.layer import run_layer
    from dream_agent.protocols import DiffusionLM

    biased = DiffusionLM(_PrefersEmpty(lm.denoiser), lm.tokenizer, "biased")
    items = load_items(task, data, plan_steps=plan_steps)
    protocol = protocol_for(task, 4 if task == "countdown" else None)
    results = run_layer(biased, task, [], items[:1], dataclasses.replace(protocol, steps=8))
    assert results[0].score.well_formed, results[0].answer
    baseline = run_baseline(biased, task, [], items[:1], dataclasses.replace(protocol, gen_length=8, steps=2))
    assert baseline[0].answer.strip() == "" and not baseline[0].score.metric  # the raw model writes nothing
    assert baseline[0].score.well_formed == (task == "blocksworld")  # an empty plan is a (wrong) plan
