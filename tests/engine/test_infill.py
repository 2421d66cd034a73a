"""infill_text: text with masks -> filled text, on a tiny MDM (and a random-weight Dream checkpoint)."""

from __future__ import annotations

import doctest

import pytest
import torch

import dream_agent.infill as module
from constraints.errors import InputError
from dream_agent.infill import infill_text, split_on_masks
from dream_agent.protocols import DiffusionLM
from dream_agent.tiny import TinyConfig, TinyDenoiser, TinyMDM
from dream_agent.vocab_tokenizer import VocabTokenizer

WORDS = ["pick", "place", "cup", "plate", "shelf", "table", "then"]


@pytest.fixture(scope="module")
def tiny() -> DiffusionLM:
    tok = VocabTokenizer(WORDS)
    torch.manual_seed(0)
    net = TinyMDM(TinyConfig(vocab_size=tok.vocab_size, max_length=12, dim=32, n_layers=2, n_heads=4, ffn_dim=64))
    return DiffusionLM(TinyDenoiser(net, mask_id=tok.mask_id, pad_id=tok.pad_id), tok, name="tiny")


def test_fixed_text_kept_and_every_mask_filled(tiny):
    text = "pick <mask> then place <mask> <mask>"
    result = infill_text(tiny, text, steps=3)
    assert result.masks == 3 and result.nfe == 3 and result.seconds >= 0
    assert "<mask>" not in result.text
    assert len(result.fills) == 3
    expected = f"pick {result.fills[0]} then place {result.fills[1]} {result.fills[2]}"
    assert result.text == expected
    words = [tiny.tokenizer.decode([t]) for t in result.tokens]
    assert words[0] == "pick" and words[2:4] == ["then", "place"] and "<mask>" not in words


def test_adjacent_masks_form_one_fill(tiny):
    result = infill_text(tiny, "pick<mask><mask> then", steps=2)
    assert len(result.fills) == 1 and result.masks == 2
    assert result.text == f"pick{result.fills[0]} then"


def test_pad_reads_as_empty(tiny):
    forbid_all_but_pad = lambda step, x, logits: torch.where(  # noqa: E731
        torch.arange(logits.shape[-1]) == tiny.tokenizer.pad_id, logits, torch.full_like(logits, float("-inf"))
    )
    result = infill_text(tiny, "pick <mask> cup", steps=1, logits_hook=forbid_all_but_pad)
    assert result.fills == ("",) and result.text == "pick  cup"


def test_same_seed_same_output(tiny):
    text = "<mask> <mask> <mask> then <mask> <mask>"
    options = dict(steps=4, temperature=1.0, alg="origin")
    a = infill_text(tiny, text, seed=3, **options)
    assert infill_text(tiny, text, seed=3, **options).text == a.text
    assert any(infill_text(tiny, text, seed=s, **options).text != a.text for s in range(4, 10))


def test_bad_input(tiny):
    with pytest.raises(InputError, match="no mask token '<mask>'"):
        infill_text(tiny, "pick cup")
    with pytest.raises(InputError, match="context holds 12"):
        infill_text(tiny, "pick " * 12 + "<mask>")
    with pytest.raises(InputError, match="'mug'"):
        infill_text(tiny, "pick mug <mask>")
    with pytest.raises(ValueError, match="valid: origin"):
        infill_text(tiny, "pick <mask>", alg="fancy")


def test_split_on_masks():
    assert split_on_masks("<m>", "<m>") == ["", ""]


def test_docstring_examples():
    assert doctest.testmod(module).failed == 0


@pytest.fixture(scope="module")
def dream(tmp_path_factory) -> DiffusionLM:
    from dream_agent.loading import load_model
    from dream_agent.testing import build_random_dream_checkpoint

    return load_model(build_random_dream_checkpoint(tmp_path_factory.mktemp("dream") / "random-dream"))


def test_random_dream_checkpoint(dream):
    text = "def plan(steps): return [<|mask|><|mask|><|mask|> for step in steps]"
    result = infill_text(dream, text, steps=3, alg="maskgit_plus")
    assert result.masks == 3 and result.nfe == 3 and len(result.fills) == 1
    assert result.text == f"def plan(steps): return [{result.fills[0]} for step in steps]"
    assert "<|mask|>" not in result.text
    assert all(t < dream.tokenizer.vocab_size and t != dream.tokenizer.mask_id for t in result.tokens)


def test_random_dream_with_threshold_and_sampling(dream):
    text = "The quick <|mask|><|mask|> fox <|mask|> over the <|mask|> dog."
    a = infill_text(dream, text, steps=8, temperature=0.8, confidence_threshold=0.9, seed=1)
    assert a.text == infill_text(dream, text, steps=8, temperature=0.8, confidence_threshold=0.9, seed=1).text
    assert a.text.startswith("The quick ") and a.text.endswith(" dog.") and 1 <= a.nfe <= 4


def test_dream_cannot_fill_position_zero(dream):
    with pytest.raises(InputError, match="cannot start with a mask"):
        infill_text(dream, "<|mask|> quick", steps=2)
