"""Dream's planning metrics: verdicts on hand-written answers, including the published metric's quirks."""

from __future__ import annotations

import json

import pytest
from helpers import SHARED_DATA

from dream_agent.dream_eval.metrics import NotArithmetic, arithmetic, countdown_correct, sudoku_correct


class TestCountdownCorrect:
    @pytest.mark.parametrize(
        "query, answer",
        [
            ("86,28,13,31,96", "86+28=114,31-13=18,114-18=96"),  # cd4_test.jsonl line 1, gold
            ("39,22,92,10,89", "39+92=131,22*10=220,220-131=89"),
            ("3,4,7", "3+4=7"),
        ],
    )
    def test_gold_answers_pass(self, query: str, answer: str) -> None:
        assert countdown_correct(query, answer)

    @pytest.mark.parametrize(
        "query, answer, why",
        [
            ("86,28,13,31,96", "86+28=114,31-13=18,114-18=95", "wrong target"),
            ("86,28,13,31,96", "86+28=115,31-13=18,115-18=97", "false equation"),
            ("86,28,13,31,96", "86+28=114,114-18=96", "18 never made, 13 and 31 unused"),
            ("3,4,7", "3+3=6,6+1=7", "3 used twice, 4 unused"),
            ("3,4,7", "03+4=7", "leading zero: not a Python literal"),
            ("3,4,7", "3 + 4=7", "spaces before the operator break Dream's pattern"),
            ("3,4,7", "3+4=7.0", "right side text differs from the target"),
            ("3,4,0", "3/0=0", "division by zero"),
            ("3,4,7", "", "empty answer"),
            ("3,4,7", "3+4", "no '='"),
            ("3,4,7", "3+4=7=7", "two '='"),
            ("3,4,7", "3+4=x", "right side is not a number"),
        ],
    )
    def test_wrong_answers_fail(self, query: str, answer: str, why: str) -> None:
        assert not countdown_correct(query, answer), why

    def test_quirk_multi_operator_left_side_is_accepted(self) -> None:
        # Dream's metric evaluates the whole left side: "3+4-2" counts as one step using 3, 4, 2
        assert countdown_correct("3,4,2,5", "3+4-2=5")

    def test_non_whole_intermediate_holds_but_cannot_be_reused(self) -> None:
        # 9/2=4.5 holds as a float, but Dream's pattern needs digits, an operator, digits on the left
        assert not countdown_correct("9,2,2,9", "9/2=4.5,4.5*2=9")

    def test_division_result_compared_as_float(self) -> None:
        assert countdown_correct("8,2,4", "8/2=4")

    def test_model_output_is_never_executed(self) -> None:
        assert not countdown_correct("3,4,7", "3+__import__('os').getpid()=7")
        assert not countdown_correct("3,4,7", "3+4*(9**9**9)=7")

    @pytest.mark.skipif(not (SHARED_DATA / "dream-countdown").is_dir(), reason="../shared/data/dream-countdown is absent")
    def test_every_published_gold_answer_passes(self) -> None:
        for name in ("cd3_test.jsonl", "cd4_test.jsonl", "cd5_test.jsonl"):
            lines = (SHARED_DATA / "dream-countdown" / name).read_text().splitlines()
            rows = [json.loads(line) for line in lines]
            assert all(countdown_correct(r["input"], r["output"]) for r in rows), name


class TestSudokuCorrect:
    PUZZLE = "1000\n0002\n4003\n0000"
    SOLUTION = "1234\n3412\n4123\n2341"

    def test_solution(self) -> None:
        assert sudoku_correct(self.PUZZLE, self.SOLUTION)

    def test_only_the_first_len_input_characters_count(self) -> None:
        assert sudoku_correct(self.PUZZLE, self.SOLUTION + "\n\nInput:\nwhatever")

    def test_given_changed(self) -> None:
        # a valid grid that does not keep the given 2 at row 1, column 3 (Dream's own example)
        assert not sudoku_correct("0020\n0034\n0400\n1000", "2413\n3142\n4321\n1234")

    @pytest.mark.parametrize(
        "answer, why",
        [
            ("1234\n3412\n4123\n2314", "column and box repeats"),
            ("1234\n3412\n4123", "three rows"),
            ("1234\n341\n4123\n2341", "a short row"),
            ("1234\n34x2\n4123\n2341", "a letter"),
            ("", "empty"),
            ("1234 3412 4123 2341", "spaces instead of rows"),
        ],
    )
    def test_wrong(self, answer: str, why: str) -> None:
        assert not sudoku_correct(self.PUZZLE, answer), why

    @pytest.mark.skipif(not (SHARED_DATA / "dream-sudoku4x4").is_dir(), reason="../shared/data/dream-sudoku4x4 is absent")
    def test_every_published_gold_answer_passes(self) -> None:
        rows = [json.loads(x) for x in (SHARED_DATA / "dream-sudoku4x4" / "sudoku_4x4_10.jsonl").read_text().splitlines()]
        assert all(sudoku_correct(r["input"], r["output"]) for r in rows)


class TestArithmetic:
    def test_python_semantics(self) -> None:
        assert arithmetic("3+4*2") == 11
        assert arithmetic("7/2") == 3.5
        assert arithmetic("-3--4") == 1
        assert arithmetic("2**10") == 1024

    @pytest.mark.parametrize("text", ["abs(3)", "x+1", "'3'+'4'", "9**9**9", "3+", "[1][0]"])
    def test_refused(self, text: str) -> None:
        with pytest.raises(NotArithmetic):
            arithmetic(text)
