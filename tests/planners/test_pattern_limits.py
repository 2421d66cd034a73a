"""`planners.pattern_limits`: a pattern's spelled-out size and listed characters, the states (and CPU time)
its automaton construction takes, and the tables lifted to a vocabulary; past each, one InputError naming it."""

from __future__ import annotations

import re
import time

import pytest

import planners.pattern_limits as pattern_limits
from constraints.errors import InputError
from dream_agent.vocab_tokenizer import VocabTokenizer
from planners import compile_template, parse_template
from planners.pattern_limits import MAX_CLASS_CHARS, MAX_DFA_STATES, MAX_LIFT_CELLS, MAX_PATTERN_SIZE
from planners.patterns import token_automaton

WORDS = VocabTokenizer(["a", "b", "ab", "1", "12", "-"])


@pytest.mark.parametrize("pattern", ["a{100000}", "((a{40}){40}){40}", "(a|aa|aaa|aaaa){1,400}", "[0-9]{2001}"])
def test_huge_repeat_counts_are_refused_when_the_template_is_read(pattern: str) -> None:
    start = time.perf_counter()
    with pytest.raises(InputError, match=rf"too large: .*at most {MAX_PATTERN_SIZE:,}"):
        parse_template("{p:3~" + pattern + "}")
    assert time.perf_counter() - start < 1.0  # counted on the parse tree, nothing built


@pytest.mark.parametrize("pattern", [
    "(a|b)*a(a|b){20}",  # the subset construction needs 2**21 states
    "((a|b)*a(a|b){6}){20}",
    "[a-z]{1,1999}",
])
def test_automata_past_the_state_budget_are_refused(pattern: str) -> None:
    with pytest.raises(InputError, match=rf"too complex: building its automaton takes more than {MAX_DFA_STATES:,} states"):
        compile_template("{p:<=4}", WORDS, patterns={"p": pattern})


def test_a_slow_construction_is_stopped_by_its_cpu_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pattern_limits, "MAX_DFA_SECONDS", 0.0)
    with pytest.raises(InputError, match="took more than 0 CPU seconds"):
        token_automaton(WORDS, "(1|12)-(a|b) slow")


def test_the_budget_holds_only_while_a_pattern_is_compiled() -> None:
    import interegular

    with pytest.raises(InputError, match="too complex"):
        token_automaton(WORDS, "(a|b)*a(a|b){12}")
    assert token_automaton(WORDS, "(a|b)( (a|b)){3}").shortest() == 4  # the next pattern has its whole budget
    # interegular used directly (not through a slot pattern) has no budget
    assert len(interegular.parse_pattern("a{2000}").to_fsm().reduce().states) == 2001


def test_the_project_s_own_patterns_fit() -> None:
    from dream_agent.runnables.schema_template import FORMATS, int_range_pattern
    from dream_agent.testing import WRITTEN_PATTERNS

    for pattern in [*WRITTEN_PATTERNS, *(p for p, _ in FORMATS.values()), int_range_pattern(-(2**63), 2**63 - 1)]:
        automaton = token_automaton(WORDS, pattern)
        assert automaton.table.shape[1] >= 3


def test_tables_past_the_cell_budget_are_refused_before_they_are_made() -> None:
    big = VocabTokenizer([f"w{i}" for i in range(20_000)])
    start = time.perf_counter()
    with pytest.raises(InputError, match=rf"20,00\d tokens is past {MAX_LIFT_CELLS:,} table cells"):
        token_automaton(big, "[a-z0-9 ]{1,900}")  # 901 states
    assert time.perf_counter() - start < 30
    assert token_automaton(big, "w[0-9]{1,4}").shortest() == 1  # a small automaton on the same vocabulary


def test_error_lines_cut_a_long_pattern() -> None:
    pattern = "(" + "|".join(f"x{i}" for i in range(2000)) + ")"
    with pytest.raises(InputError) as err:
        parse_template("{p:3~" + pattern + "}")
    assert "\n" not in str(err.value) and len(str(err.value)) < 300
    assert re.search(r"'\(x0\|x1\|.*\.\.\.'", str(err.value))


def test_empty_braces_which_python_reads_as_text_are_refused() -> None:
    """Found by atheris: `(){}` crashed the lift (an automaton with no alphabet); `a{}` is "a{}" to Python's re
    but a repeat to the automaton, so the mask and the check disagreed."""
    for pattern in ["a{}", "(){}"]:
        with pytest.raises(InputError, match="write .{.} for braces"):
            parse_template("{p:3~" + pattern + "}")
    assert parse_template(r"{p:3~a\{\}} {q:2~[{}]}").slots[0].pattern == r"a\{\}"
    # a pattern whose automaton reads no character at all: it matches only the empty value
    assert token_automaton(WORDS, "(){1}").shortest() == 0


@pytest.mark.parametrize("pattern", ["[\x00-\U0010ffff]", "".join(f"[{chr(i + 1)}-\uffff]" for i in range(6))])
def test_classes_listing_too_many_characters_are_refused_when_the_template_is_read(pattern: str) -> None:
    """Six classes of 65,000 characters took 27 CPU s in interegular's alphabet (outside the state budget's reach)."""
    start = time.process_time()
    with pytest.raises(InputError, match=rf"classes list .* characters \(at most {MAX_CLASS_CHARS:,}\)"):
        parse_template("{p:3~" + pattern + "}")
    assert time.process_time() - start < 1.0
    assert token_automaton(WORDS, "[\u4e00-\u9fff]{2}|a").shortest() == 1  # a CJK range (20,992 characters) is fine
