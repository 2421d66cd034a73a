"""Limits on user input: file sizes, JSON nesting, strings that cannot be paths."""

from __future__ import annotations

import json
import time

import pytest

from constraints.errors import InputError
from constraints.limits import (
    MAX_FILE_BYTES,
    MAX_JSON_DEPTH,
    describe_os_error,
    is_file,
    json_depth,
    loads_json,
    read_text,
)


class TestJsonDepth:
    def test_counts_brackets_outside_strings(self) -> None:
        assert json_depth('{"a": "[[[{{{", "b": [["\\"]"]]}') == 3
        assert json_depth("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) == MAX_JSON_DEPTH

    def test_a_closing_bracket_ends_its_level(self) -> None:
        assert json_depth('[[1], [2], {"a": [3]}, []]') == 3  # [ { [ at most
        assert json_depth("[]" * 1000) == 1

    def test_bytes_and_bytes_that_are_not_utf8(self) -> None:
        assert json_depth(b'{"a": [[1]]}') == 3
        assert json_depth(b'["\xff[", [\xfe]]') == 2

    def test_is_linear_on_ten_megabytes(self) -> None:
        start = time.perf_counter()
        assert json_depth("[" * 5_000_000 + "]" * 5_000_000) == 5_000_000
        assert json_depth('"' + 'a\\"' * 3_000_000 + '"') == 0
        assert time.perf_counter() - start < 10


class TestLoadsJson:
    def test_at_the_limit_parses(self) -> None:
        text = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
        assert loads_json(text) == json.loads(text)

    def test_past_the_limit_is_refused_before_parsing(self) -> None:
        with pytest.raises(InputError, match=f"^sudoku input nests deeper than {MAX_JSON_DEPTH} levels$"):
            loads_json("[" * 100_000 + "]" * 100_000, "sudoku input")  # json.loads: RecursionError

    def test_bad_json_is_still_a_decode_error(self) -> None:
        with pytest.raises(InputError, match=f"^JSON nests deeper than {MAX_JSON_DEPTH} levels$"):
            loads_json("[" * 100 + "]" * 100)
        with pytest.raises(json.JSONDecodeError):
            loads_json("{")


class TestIsFile:
    @pytest.mark.parametrize("text", ["a" * 300, "/tmp/" + "a" * 300 + "/b", "a\0b", ""])
    def test_text_that_cannot_be_a_path_is_not_a_file(self, text: str) -> None:
        assert is_file(text) is False

    def test_a_file(self, tmp_path) -> None:
        (tmp_path / "f").write_text("x")
        assert is_file(tmp_path / "f") and not is_file(tmp_path)


class TestReadText:
    def test_reads_utf8(self, tmp_path) -> None:
        (tmp_path / "f").write_text("é")
        assert read_text(tmp_path / "f", "plan file") == "é"

    def test_refuses_a_file_past_the_limit_without_reading_it(self, tmp_path) -> None:
        big = tmp_path / "big"
        with big.open("wb") as f:
            f.truncate(MAX_FILE_BYTES + 1)
        with pytest.raises(InputError, match=r"plan file '.*big' is 10,000,001 bytes; at most 10,000,000 are read"):
            read_text(big, "plan file")

    def test_reads_a_file_at_the_limit(self, tmp_path) -> None:
        edge = tmp_path / "edge"
        with edge.open("wb") as f:
            f.truncate(MAX_FILE_BYTES)
        assert len(read_text(edge, "plan file")) == MAX_FILE_BYTES

    def test_a_long_path_is_shown_whole_up_to_160_characters(self) -> None:
        for length, shown in ((160, "/" + "x" * 159), (161, "/" + "x" * 156 + "...")):
            with pytest.raises(InputError) as err:
                read_text("/" + "x" * (length - 1), "plan file")
            assert str(err.value) == f"plan file '{shown}' not found"

    @pytest.mark.parametrize("name, message", [
        ("missing", r"not found$"), ("a" * 300, r"'/.*\.\.\.': file name too long$"),
    ])
    def test_unreadable_paths_are_one_clear_error(self, tmp_path, name: str, message: str) -> None:
        with pytest.raises(InputError, match=message):
            read_text(tmp_path / name, "problem file")

    def test_a_folder_and_bad_bytes(self, tmp_path) -> None:
        with pytest.raises(InputError, match="is a directory"):
            read_text(tmp_path, "problem file")
        (tmp_path / "b").write_bytes(b"ab\xff")
        with pytest.raises(InputError, match=r"is not UTF-8 text \(byte 2\)"):
            read_text(tmp_path / "b", "problem file")


def test_an_error_without_strerror_is_its_message() -> None:
    assert describe_os_error(ValueError("embedded null byte")) == "embedded null byte"
    assert describe_os_error(OSError(2, "No such file or directory")) == "no such file or directory"


def test_a_template_reserves_at_most_the_longest_context() -> None:
    """A 10 KB template text ("{a:131072}" a thousand times) once built a canvas of 10**8 tokens."""
    from constraints.template import MAX_SLOT_TOKENS, Slot, Template
    from planners import parse_template

    assert len(parse_template("{a:131071} and {b|x,y}").slots) == 2
    with pytest.raises(InputError, match=f"the slots reserve 131073 tokens; a template holds at most {MAX_SLOT_TOKENS}"):
        parse_template("{a:131072}{b:1}")
    start = time.perf_counter()
    with pytest.raises(InputError, match="a template holds at most"):
        parse_template("".join(f"{{s{i}:131072}}" for i in range(1000)))
    assert time.perf_counter() - start < 2
    with pytest.raises(ValueError, match="a template holds at most"):
        Template((Slot("a", length=MAX_SLOT_TOKENS), Slot("b", max_length=1)))
