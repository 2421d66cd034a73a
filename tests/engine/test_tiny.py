"""The tiny MDM: bidirectional network, directory format, and a run through the denoising loop."""

from __future__ import annotations

import json

import pytest
import torch

from constraints.errors import InputError
from dream_agent.denoise import ALGORITHMS, denoise
from dream_agent.protocols import Denoiser, DiffusionLM, Tokenizer
from dream_agent.tiny import TinyConfig, TinyDenoiser, TinyMDM, load_tiny, save_tiny
from dream_agent.vocab_tokenizer import VocabTokenizer

WORDS = ["pick", "place", "cup", "plate", "shelf", "table", "then", "."]


def make(seed: int = 0, max_length: int = 16) -> tuple[TinyMDM, VocabTokenizer]:
    tokenizer = VocabTokenizer(WORDS)
    torch.manual_seed(seed)
    config = TinyConfig(vocab_size=tokenizer.vocab_size, max_length=max_length, dim=32, n_layers=2, n_heads=4, ffn_dim=64)
    return TinyMDM(config), tokenizer


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    model, tokenizer = make()
    path = save_tiny(model, tokenizer, tmp_path_factory.mktemp("tiny") / "kitchen", card="# kitchen\nrandom weights\n")
    return model, tokenizer, path


def test_roundtrip_gives_identical_logits(saved):
    model, tokenizer, path = saved
    lm = load_tiny(path)
    assert isinstance(lm, DiffusionLM) and lm.name == "kitchen"
    assert isinstance(lm.denoiser, Denoiser) and isinstance(lm.tokenizer, Tokenizer)
    assert lm.tokenizer.tokens == tokenizer.tokens
    assert (lm.denoiser.mask_id, lm.denoiser.pad_id, lm.denoiser.max_length) == (8, 9, 16)
    assert lm.denoiser.shift is False
    ids = torch.tensor([tokenizer.encode("pick cup <mask> place <mask> shelf")])
    expected = model.eval()(ids)
    assert torch.equal(lm.denoiser(ids), expected)
    # the head stays tied to the embedding after loading
    assert lm.denoiser.model.head.weight.data_ptr() == lm.denoiser.model.embed.weight.data_ptr()
    assert (path / "card.md").read_text().startswith("# kitchen")


def test_config_file_carries_the_vocabulary(saved):
    _, tokenizer, path = saved
    config = json.loads((path / "config.json").read_text())
    assert config["model_type"] == "dream-agent-mdm"
    assert config["vocab"] == list(tokenizer.tokens)
    assert (config["mask_token"], config["pad_token"], config["max_length"]) == ("<mask>", "<pad>", 16)


def test_attention_is_bidirectional():
    model, _ = make()
    model.eval()
    ids = torch.tensor([[0, 1, 2, 3, 4, 5]])
    changed = ids.clone()
    changed[0, 5] = 7  # change only the last token
    a, b = model(ids), model(changed)
    assert not torch.allclose(a[0, 0], b[0, 0])  # the first position sees the last


def test_padding_is_not_attended():
    model, _ = make()
    model.eval()
    mask = torch.tensor([[1, 1, 1, 0]])
    a = model(torch.tensor([[0, 1, 2, 3]]), mask)
    b = model(torch.tensor([[0, 1, 2, 6]]), mask)
    assert torch.allclose(a[0, :3], b[0, :3], atol=1e-6)


def test_random_tiny_model_runs_through_denoise(saved):
    _, tokenizer, path = saved
    lm = load_tiny(path)
    text = "pick <mask> then place <mask> <mask> shelf"
    x = torch.tensor([tokenizer.encode(text)] * 2)
    for alg in ALGORITHMS:
        out = denoise(lm.denoiser, x, steps=3, alg=alg, temperature=0.7, generator=torch.Generator().manual_seed(0))
        assert out.nfe == 3 or (alg == "origin" and 1 <= out.nfe <= 3)  # origin may finish early
        assert (out.tokens != tokenizer.mask_id).all()
        fixed = x != tokenizer.mask_id
        assert torch.equal(out.tokens[fixed], x[fixed])
        words = tokenizer.decode(out.tokens[0].tolist()).split()
        assert words[0] == "pick" and words[2:4] == ["then", "place"] and len(words) == 7


def test_too_long_input_is_an_input_error(saved):
    lm = load_tiny(saved[2])
    with pytest.raises(InputError, match="max_length 16"):
        lm.denoiser(torch.zeros(1, 17, dtype=torch.long))
    with pytest.raises(InputError, match="0..9"):
        lm.denoiser(torch.tensor([[0, 10]]))


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda c: c.update(model_type="Dream"), "expected 'dream-agent-mdm'"),
        (lambda c: c.pop("n_heads"), "n_heads"),
        (lambda c: c.update(dim=30), "multiple of n_heads"),
        (lambda c: c.update(n_layers=0), "n_layers"),
        (lambda c: c.update(vocab=["a", "a"]), "more than once"),
        (lambda c: c.update(mask_token="<m>"), "must be entries of vocab"),
        (lambda c: c.update(surprise=1), "surprise"),
        (lambda c: c.update(n_layers=3), "missing tensor"),
        # sizes are bounded before anything is allocated (2**40 positions once asked the allocator for 35 TB)
        (lambda c: c.update(max_length=2**40), "max_length: Input should be less than or equal to 131072"),
        (lambda c: c.update(dim=2**20, n_heads=1), "dim: Input should be less than or equal to 8192"),
        (lambda c: c.update(max_length=4096), r"tensor pos.weight has shape \(\d+, \d+\), config.json implies \(4096,"),
    ],
)
def test_bad_config_is_a_clear_error(saved, tmp_path, change, match):
    _, _, path = saved
    config = json.loads((path / "config.json").read_text())
    change(config)
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "model.safetensors").write_bytes((path / "model.safetensors").read_bytes())
    with pytest.raises(InputError, match=match):
        load_tiny(tmp_path)


def test_missing_files(tmp_path):
    with pytest.raises(InputError, match="not a model directory"):
        load_tiny(tmp_path / "nowhere")
    with pytest.raises(InputError, match="no config.json"):
        load_tiny(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        load_tiny(tmp_path)


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="multiple of n_heads"):
        TinyConfig(vocab_size=10, dim=10, n_heads=3)
    model, tokenizer = make()
    with pytest.raises(ValueError, match="outside"):
        TinyDenoiser(model, mask_id=99, pad_id=None)
    with pytest.raises(ValueError, match="tokenizer has"):
        save_tiny(model, VocabTokenizer(["a"]), "unused")
