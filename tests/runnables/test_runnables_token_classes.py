"""Token classes over a real BPE tokenizer, and their rows as value-mask allow rows."""

from __future__ import annotations

import torch

from dream_agent.loading import load_model
from dream_agent.runnables.token_classes import class_rows, token_classes
from dream_agent.vocab_tokenizer import VocabTokenizer
from planners.compile import compile_template
from planners.value_masks import ValueMasks


def test_classes_on_the_dream_tokenizer(dream_checkpoint):
    tokenizer = load_model(dream_checkpoint).tokenizer
    table = token_classes(tokenizer)
    digits = [tokenizer.decode([i]) for i in torch.nonzero(table["digits"]).flatten().tolist()]
    assert sorted(digits) == [str(d) for d in range(10)]  # Qwen-style BPE spells numbers digit by digit
    texts = [tokenizer.decode([i]) for i in torch.nonzero(table["text"]).flatten().tolist()]
    assert texts and not any('"' in t or "\\" in t or "\n" in t for t in texts)
    specials = {tokenizer.mask_id, tokenizer.pad_id, *tokenizer.hf.all_special_ids}
    assert not any(table[name][i] for name in table for i in specials)
    assert all(len(tokenizer.decode([i])) == 1 for i in torch.nonzero(table["char"]).flatten().tolist())


def test_rows_as_allow_block_everything_outside_them():
    tok = VocabTokenizer(["a", "b", "3", "4", "c", "d", "e"])
    vocab = tok.vocab_size
    table = {name: torch.zeros(vocab, dtype=torch.bool) for name in ("text", "text_start", "char", "digits")}
    table["digits"][tok.encode("3 4")] = True
    rows = class_rows("digits", True, 2, table, pad_id=tok.pad_id)
    assert rows[0].nonzero().flatten().tolist() == tok.encode("3 4")  # a required first token is never empty
    assert rows[1].nonzero().flatten().tolist() == [*tok.encode("3 4"), tok.pad_id]
    canvas = compile_template("a {n:<=2}", tok)
    masks = ValueMasks(canvas, allow={"n": rows})
    logits = masks(0, torch.tensor([canvas.ids]), torch.zeros(1, 3, vocab + 2))  # model vocab padded
    assert torch.isinf(logits[0, 1]).sum() == vocab + 2 - 2 and torch.isfinite(logits[0, 0, :vocab]).all()
    assert logits[0, 2].isfinite().nonzero().flatten().tolist() == [*tok.encode("3 4"), tok.pad_id]
