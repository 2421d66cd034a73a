"""from_transformers: wrapping tiny random transformers models like LLaDA (no shift) or Dream-style (shift)."""

from __future__ import annotations

import pytest
import torch
from tokenizers import Tokenizer as RawTokenizer
from tokenizers import models, pre_tokenizers
from transformers import BertConfig, BertForMaskedLM, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

from constraints.errors import InputError
from dream_agent import Denoiser, HFTokenizer, Tokenizer, from_transformers

WORDS = ["[PAD]", "[UNK]", "[MASK]", "pick", "place", "cup", "shelf", "table", "open", "fridge", "the", "on"]


def word_tokenizer(*, with_mask: bool = True) -> PreTrainedTokenizerFast:
    raw = RawTokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    raw.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    extra = {"mask_token": "[MASK]"} if with_mask else {}
    return PreTrainedTokenizerFast(tokenizer_object=raw, unk_token="[UNK]", pad_token="[PAD]", **extra)


def tiny_bert() -> BertForMaskedLM:
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(WORDS), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=64)
    return BertForMaskedLM(config).eval()


def tiny_qwen2(**config_extra: object) -> Qwen2ForCausalLM:
    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=len(WORDS), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128, **config_extra)
    return Qwen2ForCausalLM(config).eval()


def test_masked_lm_without_shift() -> None:
    model, tokenizer = tiny_bert(), word_tokenizer()
    lm = from_transformers(model, tokenizer, shift=False)
    assert isinstance(lm.denoiser, Denoiser) and isinstance(lm.tokenizer, Tokenizer)
    assert lm.denoiser.mask_id == tokenizer.mask_token_id == 2 and lm.denoiser.pad_id == 0
    assert lm.denoiser.max_length == 64 and lm.denoiser.shift is False
    ids = lm.tokenizer.encode("pick the cup")
    assert ids == [3, 10, 5] and lm.tokenizer.decode(ids) == "pick the cup"
    x = torch.tensor([ids + [lm.denoiser.mask_id] * 3])
    logits = lm.denoiser(x)
    with torch.no_grad():
        assert torch.equal(logits, model(input_ids=x).logits)
    # the attention mask reaches the model
    mask = torch.ones_like(x)
    mask[0, -1] = 0
    assert not torch.allclose(lm.denoiser(x, mask), logits)
    with pytest.raises(InputError, match="limit of 64"):
        lm.denoiser(torch.zeros(1, 65, dtype=torch.long))


def test_shifted_causal_model() -> None:
    model = tiny_qwen2()
    lm = from_transformers(model, word_tokenizer(), shift=True, max_length=16)
    x = torch.tensor([[3, 10, 5, 2, 2]])
    with torch.no_grad():
        raw = model(input_ids=x).logits
    shifted = lm.denoiser(x)
    assert torch.equal(shifted[:, 1:], raw[:, :-1]) and torch.equal(shifted[:, 0], raw[:, 0])
    assert lm.denoiser.max_length == 16


def test_mask_id_resolution_order() -> None:
    # LLaDA's case: the tokenizer has no mask token; the config names it (126336 there)
    model = tiny_qwen2(mask_token_id=7)
    assert from_transformers(model, word_tokenizer(with_mask=False), shift=False).denoiser.mask_id == 7
    assert from_transformers(model, word_tokenizer(), shift=False).denoiser.mask_id == 2  # tokenizer wins
    lm = from_transformers(model, word_tokenizer(), shift=False, mask_id=9)  # argument wins
    assert lm.denoiser.mask_id == lm.tokenizer.mask_id == 9 and lm.tokenizer.mask_token == "fridge"
    with pytest.raises(InputError, match="cannot find the mask token id .* pass mask_id"):
        from_transformers(tiny_qwen2(), word_tokenizer(with_mask=False), shift=False)


def test_hf_tokenizer_needs_a_mask() -> None:
    with pytest.raises(InputError, match="no mask token; pass mask_id"):
        HFTokenizer(word_tokenizer(with_mask=False))
    tokenizer = HFTokenizer(word_tokenizer(with_mask=False), mask_id=4)
    assert tokenizer.mask_token == "place" and tokenizer.vocab_size == len(WORDS) and tokenizer.pad_id == 0
    with pytest.raises(InputError, match="no chat_template"):
        tokenizer.apply_chat_template([{"role": "user", "content": "pick"}])
