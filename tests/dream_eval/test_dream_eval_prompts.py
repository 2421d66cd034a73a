"""Dream-format prompts, answer extraction, scoring of hand-written raw outputs, and the layer's templates."""

from __future__ import annotations

import pytest
from helpers import BLOCKSWORLD, CD3, CD4, SUDOKU

from constraints.errors import InputError
from constraints.template import Slot
from dream_agent.dream_eval.data import EvalItem, load_items
from dream_agent.dream_eval.prompts import extract_answer, few_shot_prompt, resolve_style
from dream_agent.dream_eval.protocol import protocol_for
from dream_agent.dream_eval.tasks import answer_from_values, environment, layer_template, score_answer

SUDOKU_INSTRUCTION = (
    "Fill the positions where the values are 0 in a 4x4 grid with digits 1-4 so that each column, each row, "
    "and each of the four 2x2 subgrids that compose the grid contains all of the digits from 1 to 4."
)


def test_sudoku_prompt_is_dreams_format() -> None:
    shot, item = load_items("sudoku4x4", SUDOKU)[:2]
    expected = (
        SUDOKU_INSTRUCTION + "\n\nInput:\n1003\n0300\n3210\n4132\nOutput:\n1423\n2341\n3214\n4132"
        "\n\nInput:\n0302\n0034\n1423\n3040\nOutput:\n "
    )
    assert few_shot_prompt("sudoku4x4", [shot], item) == expected


def test_countdown_prompt_instruction_follows_the_instance_size() -> None:
    shot, item = load_items("countdown", CD4)[:2]
    prompt = few_shot_prompt("countdown", [shot], item)
    assert prompt == (
        "Given 5 numbers, use +-*/ to operate over the first four numbers to achieve the fifth number.\n\n"
        "Input: 86,28,13,31,96\nOutput: 86+28=114,31-13=18,114-18=96\n\nInput: 39,22,92,10,89\nOutput: "
    )
    cd3 = load_items("countdown", CD3)
    assert few_shot_prompt("countdown", [], cd3[0]).startswith("Given 4 numbers, use +-*/ to operate over the first three")


def test_blocksworld_prompt_is_planbench_one_shot_layout() -> None:
    shot, item = load_items("blocksworld", BLOCKSWORLD)[:2]
    prompt = few_shot_prompt("blocksworld", [shot], item)
    assert prompt.startswith("I am playing with a set of blocks")
    assert prompt.count("[STATEMENT]") == 2 and prompt.count("[PLAN END]") == 1
    assert "unstack the blue block from on top of the orange block\nput down the blue block" in prompt
    assert prompt.endswith("My plan is as follows:\n\n[PLAN]\n")


def test_protocol_settings_are_dreams() -> None:
    assert (protocol_for("sudoku4x4").gen_length, protocol_for("sudoku4x4").steps) == (24, 24)
    cd4 = protocol_for("countdown", 4)
    assert (cd4.gen_length, cd4.steps, cd4.alg, cd4.temperature, cd4.shots, cd4.published) == (32, 32, "entropy", 0.0, 8, 0.16)
    with pytest.raises(InputError, match="valid: sudoku4x4, countdown, blocksworld"):
        protocol_for("chess")


def test_style() -> None:
    assert resolve_style("auto", "Dream-v0-Instruct-7B") == "chat"
    assert resolve_style("plain", "Dream-v0-Instruct-7B") == "plain"
    with pytest.raises(InputError, match="valid: auto, plain, chat"):
        resolve_style("fancy", "x")


@pytest.mark.parametrize(
    "task, raw, answer",
    [
        ("countdown", "86+28=114,31-13=18,114-18=96\n\nInput: 1,2", "86+28=114,31-13=18,114-18=96"),
        ("countdown", "86+28=114<|end_of_text|>junk", "86+28=114"),
        ("sudoku4x4", "1423 \n2341\n3214\n4132\n\nInput:\n0000", "1423\n2341\n3214\n4132"),
        ("blocksworld", "pick up the red block\nstack the red block on top of the blue block\n[PLAN END]\n[STATEMENT]",
         "pick up the red block\nstack the red block on top of the blue block"),
    ],
)
def test_extraction(task: str, raw: str, answer: str) -> None:
    assert extract_answer(task, raw) == answer


class TestScoringRawOutputs:
    """The baseline's score is exactly what the metric and the checkers say of its extracted raw output."""

    def test_countdown(self) -> None:
        item = load_items("countdown", CD4)[0]
        env = environment("countdown")
        good = score_answer("countdown", env, item, extract_answer("countdown", "86+28=114,31-13=18,114-18=96\nmore"))
        assert (good.metric, good.checker, good.well_formed) == (True, True, True)
        wrong = score_answer("countdown", env, item, "86+28=114,31-13=18,114-18=95")
        assert (wrong.metric, wrong.checker, wrong.well_formed) == (False, False, True)
        assert any("95" in reason and "target 96" in reason for reason in wrong.violations)
        garbage = score_answer("countdown", env, item, "86 plus 28")
        assert (garbage.metric, garbage.checker, garbage.well_formed) == (False, False, False)

    def test_countdown_metric_and_checker_may_disagree(self) -> None:
        env = environment("countdown")
        item = EvalItem("hand", "3,4,2,5", "3+4=7,7-2=5", env.parse_problem("3,4,2,5"))
        # one step with two operators: Dream's metric takes it, the checkers want one operator per step
        score = score_answer("countdown", env, item, "3+4-2=5")
        assert (score.metric, score.checker, score.well_formed) == (True, False, False)

    def test_sudoku(self) -> None:
        item = load_items("sudoku4x4", SUDOKU)[0]
        env = environment("sudoku4x4")
        good = score_answer("sudoku4x4", env, item, extract_answer("sudoku4x4", " 1423\n2341\n3214\n4132\n\nInput"))
        assert (good.metric, good.checker, good.well_formed) == (True, True, True)
        repeats = score_answer("sudoku4x4", env, item, "1223\n2341\n3214\n4132")
        assert (repeats.metric, repeats.checker, repeats.well_formed) == (False, False, True)
        short = score_answer("sudoku4x4", env, item, "1423\n2341")
        assert (short.metric, short.checker, short.well_formed) == (False, False, False)

    def test_blocksworld(self) -> None:
        item = load_items("blocksworld", BLOCKSWORLD)[0]
        env = environment("blocksworld")
        raw = item.output + "\n[PLAN END]\n"
        good = score_answer("blocksworld", env, item, extract_answer("blocksworld", raw))
        assert (good.metric, good.checker, good.well_formed) == (True, True, True)
        first_only = score_answer("blocksworld", env, item, item.output.splitlines()[0])
        assert (first_only.metric, first_only.well_formed) == (False, True)
        nonsense = score_answer("blocksworld", env, item, "fly the red block to the moon")
        assert (nonsense.metric, nonsense.well_formed) == (False, False)


class TestLayerTemplates:
    def test_sudoku_cells_are_domain_slots_after_the_prompt(self) -> None:
        item = load_items("sudoku4x4", SUDOKU)[1]  # 0302 / 0034 / 1423 / 3040
        template = layer_template("sudoku4x4", environment("sudoku4x4"), item)
        assert template.fill({s.name: "9" for s in template.slots}) == "9392\n9934\n1423\n3949"
        assert all(s.choices == ("1", "2", "3", "4") and s.length == 1 for s in template.slots)

    def test_countdown_first_operands_and_last_result(self) -> None:
        item = load_items("countdown", CD4)[0]
        template = layer_template("countdown", environment("countdown"), item)
        slots = {s.name: s for s in template.slots}
        assert slots["a0"].choices == ("86", "28", "13", "31") == slots["b0"].choices
        assert slots["r2"].choices == ("96",)
        assert slots["op1"].choices == ("+", "-", "*", "/")
        assert slots["a1"].max_length == 4 and slots["a1"].choices is None
        values = {"a0": "86", "op0": "+", "b0": "28", "r0": "114", "a1": "31", "op1": "-", "b1": "13", "r1": "018",
                  "a2": "114", "op2": "-", "b2": "18", "r2": "96"}
        assert template.fill(values) == "86+28=114,31-13=018,114-18=96"
        answer = answer_from_values("countdown", environment("countdown"), item, values)
        assert answer == "86+28=114,31-13=18,114-18=96"

    def test_blocksworld_steps_are_english_actions(self) -> None:
        item = load_items("blocksworld", BLOCKSWORLD, plan_steps=3)[0]
        template = layer_template("blocksworld", environment("blocksworld"), item)
        assert [s.name for s in template.slots] == ["s0", "s1", "s2"]
        assert isinstance(template.segments[-1], str) and template.segments[-1].endswith("[PLAN END]")
        domain = template.slots[0].choices
        assert "unstack the blue block from on top of the orange block" in domain and "do nothing" in domain
        assert all(isinstance(seg, Slot) or "[PLAN]" not in seg for seg in template.segments)
