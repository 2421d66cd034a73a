"""Templates -> canvases: the text syntax, slot maps, padding, shift, decode and remask."""

from __future__ import annotations

import doctest

import pytest
import torch

import planners.compile
from constraints import InputError, Slot, Template
from dream_agent.vocab_tokenizer import VocabTokenizer
from planners.compile import compile_template, decode_slots, parse_template
from scripted_lm import tokenizer


def test_doctests():
    assert doctest.testmod(planners.compile).failed == 0


class TestParseTemplate:
    def test_all_slot_forms(self):
        t = parse_template("Step 1: {action|pick, place,open} the {obj:3}, {note:<=5} {v:<=2|a,b c}.")
        assert t.segments[0] == "Step 1: "
        assert t.slots == (
            Slot("action", choices=("pick", "place", "open")),
            Slot("obj", length=3),
            Slot("note", max_length=5),
            Slot("v", max_length=2, choices=("a", "b c")),
        )
        assert t.segments[-1] == "."

    def test_escaped_braces_are_text(self):
        t = parse_template("{{x}} {a:1} }}")
        assert t.segments == ("{x} ", Slot("a", length=1), " }")

    @pytest.mark.parametrize("text, fragment", [
        ("go {a", "column 4: '{' is not closed"),
        ("go {a {b:1}}", "is not closed"),
        ("go } there", "column 4: '}' without an opening"),
        ("go {a}", "needs a size"),
        ("go {1a:2}", "slot name '1a'"),
        ("go {:2}", "slot name ''"),
        ("go {a:0}", "must be N or <=N with N >= 1"),
        ("go {a:<3}", "must be N or <=N"),
        ("go {a:x}", "must be N or <=N"),
        ("go {a|x,,y}", "a choice is empty"),
        ("{a:1} {a:2}", "appears twice"),
    ])
    def test_malformed_syntax_is_named(self, text, fragment):
        with pytest.raises(InputError, match="template") as err:
            parse_template(text)
        assert fragment in str(err.value)


class TestCompileWordLevel:
    def test_slot_map_and_masks(self):
        tok = tokenizer()
        c = compile_template("step 1 : {a|pick,put down} the {obj:<=2} .", tok, prefix="open the door")
        prefix = tok.encode("open the door")
        assert c.ids[:3] == tuple(prefix)
        assert c.slots == {"a": (6, 7), "obj": (9, 10)}
        assert [c.ids[p] for p in c.open_positions] == [tok.mask_id] * 4
        # the shorter value is padded with the empty token
        assert c.choices["a"] == ((tok.encode("pick")[0], tok.pad_id), tuple(tok.encode("put down")))

    def test_prefix_as_ids(self):
        tok = tokenizer()
        c = compile_template("{a:1}", tok, prefix=[5, 6])
        assert c.ids == (5, 6, tok.mask_id) and c.slots == {"a": (2,)}

    def test_roundtrip(self):
        tok = tokenizer()
        c = compile_template("step 1 : {a|pick,put down} the {obj:<=3} .", tok)
        values = {"a": "put down", "obj": "red cup"}
        tokens = list(c.ids)
        for name, value in values.items():
            ids = tok.encode(value)
            for i, p in enumerate(c.slots[name]):
                tokens[p] = ids[i] if i < len(ids) else tok.pad_id
        assert decode_slots(c, tokens) == values
        assert decode_slots(c, torch.tensor(tokens)) == values
        assert c.template.fill(values) == "step 1 : put down the red cup ."

    def test_choice_longer_than_slot(self):
        with pytest.raises(InputError, match="'put down' takes 2 tokens, the slot holds 1"):
            compile_template(Template((Slot("a", length=1, choices=("pick", "put down")),)), tokenizer())

    def test_needs_pad_token(self):
        tok = VocabTokenizer(["a", "b", "c"], pad_token=None)
        with pytest.raises(InputError, match="no empty"):
            compile_template("{x:<=2}", tok)
        with pytest.raises(InputError, match="differ in token count"):
            compile_template("{x|a,b c}", tok)
        assert compile_template("{x|a,b}", tok).choices["x"] == ((0,), (1,))

    def test_shift_without_bos_is_an_error(self):
        with pytest.raises(InputError, match="cannot fill position 0"):
            compile_template("{a:1} cup", tokenizer(), shift=True)
        assert compile_template("cup {a:1}", tokenizer(), shift=True).slots == {"a": (1,)}
        assert compile_template("{a:1}", tokenizer(), prefix="cup", shift=True).slots == {"a": (1,)}

    def test_decode_drops_pad_inside_and_checks_length(self):
        tok = tokenizer()
        c = compile_template("{a:<=3}", tok)
        assert decode_slots(c, [tok.pad_id] * 3) == {"a": ""}
        with pytest.raises(ValueError, match="length 2"):
            decode_slots(c, [1, 2])


class TestCompileBPE:
    """A real byte-level BPE tokenizer (a random Dream checkpoint's)."""

    def test_canvas_spells_the_text_as_the_tokenizer_would(self, random_dream):
        tok = random_dream.tokenizer
        template = parse_template("Step 1: {action|pick,put down} the {obj:<=4}.")
        c = compile_template(template, tok, shift=True)
        values = {"action": "put down", "obj": "cup"}
        tokens = list(c.ids)
        tokens[slice(c.slots["action"][0], c.slots["action"][-1] + 1)] = c.choices["action"][1]
        obj = tok.encode(" cup")
        for i, p in enumerate(c.slots["obj"]):
            tokens[p] = obj[i] if i < len(obj) else tok.pad_id
        assert decode_slots(c, tokens) == values
        # a slot takes the space before it, so the canvas holds the text's own tokens
        text = template.fill(values)
        assert text == "Step 1: put down the cup."
        assert [t for t in tokens if t != tok.pad_id] == tok.encode(text)

    def test_shift_prepends_bos(self, random_dream):
        tok = random_dream.tokenizer
        c = compile_template("{a|pick,place} now", tok, shift=True)
        assert c.ids[0] == tok.bos_id and c.slots["a"][0] >= 1
        assert 0 not in c.open_positions

    def test_multi_token_choices_roundtrip(self, random_dream):
        tok = random_dream.tokenizer
        c = compile_template("Then {v|open the fridge,close it,wait} and stop.", tok)
        for i, value in enumerate(c.slot("v").choices):
            tokens = list(c.ids)
            for p, t in zip(c.slots["v"], c.choices["v"][i]):
                tokens[p] = t
            assert decode_slots(c, tokens) == {"v": value}
