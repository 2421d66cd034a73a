"""Pattern slots: template syntax, the token automaton against brute force, the value masks, and
fullmatch on a random-weight Dream checkpoint and a shipped small model."""

from __future__ import annotations

import itertools
import re

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constraints.errors import InputError
from dream_agent.loading import load_model
from dream_agent.testing import WRITTEN_PATTERNS, build_random_dream_checkpoint, random_patterns
from dream_agent.vocab_tokenizer import VocabTokenizer
from planners import PlanOptions, ValueMasks, compile_template, decode_slots, parse_template, pattern_violations, plan
from planners.patterns import normalize_pattern, token_automaton


class CharTokenizer:
    """A concatenating tokenizer over a few multi-character pieces (a BPE in miniature)."""

    def __init__(self, pieces: list[str]) -> None:
        self.tokens = list(pieces) + ["<mask>", "<pad>"]
        self.mask_id, self.pad_id = len(pieces), len(pieces) + 1
        self.vocab_size = len(self.tokens)

    def encode(self, text: str) -> list[int]:
        ids, i = [], 0
        while i < len(text):
            best = max((t for t in range(self.mask_id) if text.startswith(self.tokens[t], i)),
                       key=lambda t: len(self.tokens[t]))
            ids.append(best)
            i += len(self.tokens[best])
        return ids

    def decode(self, ids) -> str:
        return "".join(self.tokens[int(i)] for i in ids)


CHAR = CharTokenizer(["a", "b", "ab", "1", "2", "12", "-", " ", " a", " 1", "a-"])
WORDS = VocabTokenizer(["a", "b", "ab", "1", "12", "-"])


@pytest.fixture(scope="module")
def dream(tmp_path_factory):
    return load_model(build_random_dream_checkpoint(tmp_path_factory.mktemp("dream")))


@pytest.fixture(scope="module")
def countdown():
    return load_model("dream_agent/models/countdown")


class TestSyntax:
    def test_pattern_after_tilde_with_nested_braces(self):
        t = parse_template("call {phone:<=9~[0-9]{3}-[0-9]{4}} now {{x}}")
        assert [s if isinstance(s, str) else (s.name, s.max_length, s.pattern) for s in t.segments] == [
            "call ", ("phone", 9, "[0-9]{3}-[0-9]{4}"), " now {x}"]

    def test_braces_in_classes_and_escapes_belong_to_the_pattern(self):
        slots = parse_template(r"{a:3~[}{]+} {b:2~a\{2\}} {c:4~[]x]}").slots
        assert [s.pattern for s in slots] == ["[}{]+", r"a\{2\}", "[]x]"]

    def test_tilde_after_a_bar_is_part_of_a_choice(self):
        assert parse_template("{e|a~b,c}").slots[0].choices == ("a~b", "c")

    @pytest.mark.parametrize("text, words", [
        ("{p~a+}", "needs a size"), ("{p:3~[0-9]{3}", "not closed"), (r"{p:3~(a)\1}", "backreferences"),
        ("{p:3~a(?=b)}", "lookarounds"), ("{p:3~(?<!a)b}", "lookarounds"), ("{p:3~a\\bb}", "anchors"),
        ("{p:3~(a)?(?(1)b|c)}", "conditional"), ("{p:3~a(}", "not a valid regular expression"),
    ])
    def test_bad_patterns_are_named(self, text, words):
        with pytest.raises(InputError, match=re.escape(words)):
            parse_template(text)

    def test_outer_anchors_are_dropped(self):
        assert normalize_pattern("^[a-z]+$") == "[a-z]+"
        assert normalize_pattern(r"[a-z]+\$") == r"[a-z]+\$"


class TestCompile:
    def test_too_small_a_budget_is_an_input_error_naming_the_shortest(self, dream):
        with pytest.raises(InputError, match="at most 3 tokens.*shortest match takes"):
            compile_template("x {v:<=3~[0-9]{3}-[0-9]{4}}", dream.tokenizer)

    def test_exact_length_needs_a_match_of_exactly_that_many_tokens(self):
        with pytest.raises(InputError, match="exactly 3 tokens"):
            compile_template("{v:3~1}", CHAR)
        assert compile_template("{v:3~1-2}", CHAR).patterns["v"].pattern == "1-2"

    def test_patterns_argument(self, dream):
        canvas = compile_template("x {v:<=12} {w|a,b}", dream.tokenizer, patterns={"v": r"\d+"})
        assert canvas.template.slots[0].pattern == r"\d+" and set(canvas.patterns) == {"v"}
        with pytest.raises(InputError, match="no slot 'z'"):
            compile_template("x {v:<=4}", dream.tokenizer, patterns={"z": "a"})
        with pytest.raises(InputError, match="choices or a pattern"):
            compile_template("x {w|a,b}", dream.tokenizer, patterns={"w": "a"})

    def test_value_drops_only_the_folded_space(self, dream):
        canvas = compile_template("x {v:<=6~[a-z ]+}", dream.tokenizer)
        ids = list(canvas.ids)
        text = dream.tokenizer.encode(" ab ")
        for p, t in zip(canvas.slots["v"], text + [canvas.pad_id] * 6):
            ids[p] = t
        assert decode_slots(canvas, ids)["v"] == "ab "
        assert not pattern_violations(canvas, {"v": "ab "})
        assert pattern_violations(canvas, {"v": "a1"})[0].slots == ("v",)


def _brute(tok, pattern: str, held: list, space: str, with_pad: bool, joiner: str):
    """Allowed tokens per open index by enumerating every completion (None: no completion matches)."""
    usable = [t for t in range(tok.vocab_size) if t != tok.mask_id and (with_pad or t != tok.pad_id)]
    opens = [j for j, h in enumerate(held) if h is None]
    allowed, any_ok = {j: set() for j in opens}, False
    for combo in itertools.product(usable, repeat=len(opens)):
        seq = list(held)
        for j, t in zip(opens, combo):
            seq[j] = t
        pads = [t == tok.pad_id for t in seq]
        if any(pads[j] and not pads[j + 1] for j in range(len(seq) - 1)):
            continue
        raw = joiner.join(tok.tokens[t] for t in seq if t != tok.pad_id)
        ok = re.fullmatch(pattern, "") if raw == "" else (raw.startswith(space) and re.fullmatch(pattern, raw[len(space):]))
        if ok:
            any_ok = True
            for j, t in zip(opens, combo):
                allowed[j].add(t)
    return allowed if any_ok else None


ATOMS = st.sampled_from(["a", "b", "1", "2", "-", " ", "[ab]", "[0-9]", "[^a]", r"\-", ".", r"\d"])
PATTERNS = st.recursive(ATOMS, lambda c: st.one_of(
    st.tuples(c, c).map("".join),
    st.tuples(c, c).map(lambda p: f"(?:{p[0]}|{p[1]})"),
    st.tuples(c, st.sampled_from(["?", "*", "+", "{2}", "{1,2}", "{0,3}"])).map(lambda p: f"(?:{p[0]}){p[1]}"),
), max_leaves=6)


class TestAutomaton:
    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(pattern=PATTERNS, words=st.booleans(), space=st.booleans(), with_pad=st.booleans(), data=st.data())
    def test_allowed_tokens_are_exactly_those_that_keep_a_match_possible(self, pattern, words, space, with_pad, data):
        tok, joiner = (WORDS, " ") if words else (CHAR, "")
        space = " " if space and not words else ""
        n = data.draw(st.integers(1, 3))
        usable = [t for t in range(tok.vocab_size) if t != tok.mask_id and (with_pad or t != tok.pad_id)]
        held = data.draw(st.lists(st.one_of(st.none(), st.sampled_from(usable)), min_size=n, max_size=n))
        automaton = token_automaton(tok, pattern, space, with_pad)
        expected = _brute(tok, pattern, held, space, with_pad, joiner)
        got = automaton.allowed(held)
        if expected is None:
            assert got is None
            return
        assert got is not None
        for j, ok in got.items():
            assert {t for t in range(tok.vocab_size) if ok[automaton.token_class[t]]} == expected[j], (j, held)


class TestValueMasks:
    def test_parallel_commits_are_repaired_to_stay_matchable(self):
        canvas = compile_template("{v:2~a1|b2}", CHAR)
        masks = ValueMasks(canvas)
        x = torch.tensor([list(canvas.ids)])
        logits = masks(0, x, torch.zeros(1, 2, CHAR.vocab_size))
        allowed = [set(torch.isfinite(logits[0, p]).nonzero().flatten().tolist()) for p in (0, 1)]
        assert allowed == [{0, 1}, {3, 4}]
        committed = torch.tensor([[0, 4]])  # "a" and "2" each allowed, together unmatchable
        fixed = masks.repair(committed)
        assert CHAR.decode(fixed[0].tolist()) == "a1"

    def test_a_dead_end_slot_is_left_free_for_the_checker(self):
        canvas = compile_template("{v:2~a1}", CHAR)
        x = torch.tensor([[1, canvas.mask_id]])  # "b" committed: no completion
        logits = ValueMasks(canvas)(0, x, torch.zeros(1, 2, CHAR.vocab_size))
        assert torch.isfinite(logits[0, 1]).sum() > 2

    def test_pattern_and_allow_together_are_refused(self):
        canvas = compile_template("{v:2~a1}", CHAR)
        with pytest.raises(InputError, match="pattern or allow/ban"):
            ValueMasks(canvas, allow={"v": [0]})


def _fits(lm, pattern: str, words: bool) -> tuple[str, int] | None:
    """Template text and budget for `pattern` on `lm`, or None when its shortest match is too long."""
    space = "" if words else " "
    shortest = token_automaton(lm.tokenizer, pattern, space, True).shortest()
    if shortest is None or shortest > 20:
        return None
    text = "numbers {v:<=%d} target 7" if words else "Value: {v:<=%d} ."
    return text % (shortest + 3), shortest + 3


def _fullmatch_rate(lm, patterns, seeds, **options) -> tuple[int, list]:
    runs, misses = 0, []
    for pattern in patterns:
        fit = _fits(lm, pattern, hasattr(lm.tokenizer, "tokens"))
        if fit is None:
            continue
        for seed in seeds:
            result = plan(lm, fit[0], patterns={"v": pattern}, seed=seed, max_rounds=1, **options)
            runs += 1
            if not re.fullmatch(pattern, result.values["v"]):
                misses.append((pattern, seed, result.values["v"]))
    return runs, misses


class TestFullmatch:
    def test_written_patterns_on_random_dream(self, dream):
        runs, misses = _fullmatch_rate(dream, WRITTEN_PATTERNS, [0, 1], temperature=1.0, steps=4)
        assert runs >= 70 and not misses

    def test_generated_patterns_on_random_dream(self, dream):
        runs, misses = _fullmatch_rate(dream, random_patterns(40, seed=0), [0], temperature=1.0, steps=3)
        assert runs >= 30 and not misses

    def test_word_patterns_on_the_countdown_model(self, countdown):
        words = ["1", "2", "3", "7", "+", "-", "*", "=", ","]
        runs, misses = _fullmatch_rate(countdown, random_patterns(15, seed=0, words=words), [0, 1],
                                       temperature=1.0, steps=2)
        assert runs >= 20 and not misses

    @pytest.mark.slow
    def test_hundreds_of_patterns_several_seeds(self, dream, countdown):
        patterns = list(WRITTEN_PATTERNS) + random_patterns(260, seed=1)
        runs, misses = _fullmatch_rate(dream, patterns, [0, 1, 2], temperature=1.0, steps=4)
        words = ["1", "2", "3", "7", "+", "-", "*", "=", ","]
        more, more_misses = _fullmatch_rate(countdown, random_patterns(100, seed=2, words=words), [0, 1, 2],
                                            temperature=1.0, steps=3)
        assert runs + more >= 600 and not misses and not more_misses


def test_a_value_that_fails_its_pattern_is_blamed_and_remasked(dream):
    import dataclasses

    from planners import requests_for, refine_batch

    request = requests_for(dream, ["Value: {v:<=8~(ab|cd)+} ."], lambda values: [])[0]
    ids = list(request.canvas.ids)
    ids[request.canvas.slots["v"][0]] = dream.tokenizer.encode("x")[0]  # a dead end given in the canvas
    request = dataclasses.replace(request, canvas=dataclasses.replace(request.canvas, ids=tuple(ids)))
    result = refine_batch(dream, [request], options=PlanOptions.of(max_rounds=3, keep_trace=True))[0]
    checks = [e for e in result.trace if e.kind == "check"]
    assert checks[0].blamed == ("v",) and checks[0].violations == 1
    assert result.solved and re.fullmatch("(ab|cd)+", result.values["v"])
