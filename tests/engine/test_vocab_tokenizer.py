"""The word-level tokenizer of the small MDMs."""

from __future__ import annotations

import doctest

import pytest

import dream_agent.vocab_tokenizer as module
from constraints.errors import InputError
from dream_agent.protocols import Tokenizer
from dream_agent.vocab_tokenizer import VocabTokenizer


def test_fits_the_protocol_and_appends_specials():
    tok = VocabTokenizer(["pick", "place", "cup"])
    assert isinstance(tok, Tokenizer)
    assert tok.tokens == ("pick", "place", "cup", "<mask>", "<pad>")
    assert (tok.mask_id, tok.pad_id, tok.vocab_size, tok.mask_token) == (3, 4, 5, "<mask>")


def test_specials_already_in_the_vocabulary_keep_their_ids():
    tok = VocabTokenizer(["[M]", "a", "_"], mask_token="[M]", pad_token="_")
    assert (tok.mask_id, tok.pad_id, tok.vocab_size) == (0, 2, 3)


def test_no_pad_token():
    tok = VocabTokenizer(["a"], pad_token=None)
    assert tok.pad_id is None and tok.vocab_size == 2


def test_encode_decode_roundtrip_normalises_whitespace():
    tok = VocabTokenizer(["pick", "place", "cup"])
    ids = tok.encode("  pick\tcup \n <mask> place ")
    assert ids == [0, 2, 3, 1]
    assert tok.decode(ids) == "pick cup <mask> place"
    assert tok.encode("") == []


def test_unknown_word_is_named():
    tok = VocabTokenizer(["pick", "cup"])
    with pytest.raises(InputError, match="'mug'"):
        tok.encode("pick mug")


def test_bad_ids_and_bad_vocabularies():
    tok = VocabTokenizer(["a"])
    with pytest.raises(InputError, match="outside"):
        tok.decode([7])
    with pytest.raises(InputError, match="more than once"):
        VocabTokenizer(["a", "b", "a"])
    with pytest.raises(InputError, match="whitespace"):
        VocabTokenizer(["a b"])
    with pytest.raises(InputError, match="differ"):
        VocabTokenizer(["a"], mask_token="x", pad_token="x")
    with pytest.raises(InputError, match="list of words"):
        VocabTokenizer("abc")


def test_save_load(tmp_path):
    tok = VocabTokenizer(["pick", "place", "cup"])
    tok.save(tmp_path / "vocab.json")
    again = VocabTokenizer.load(tmp_path / "vocab.json")
    assert again.tokens == tok.tokens and again.mask_id == tok.mask_id and again.pad_id == tok.pad_id
    (tmp_path / "bad.json").write_text('{"a": 1}')
    with pytest.raises(InputError, match="JSON list"):
        VocabTokenizer.load(tmp_path / "bad.json")
    (tmp_path / "broken.json").write_text("[")
    with pytest.raises(InputError, match="JSON list"):
        VocabTokenizer.load(tmp_path / "broken.json")


def test_docstring_examples():
    assert doctest.testmod(module).failed == 0
