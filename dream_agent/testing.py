"""Small random-weight checkpoints in Dream's exact published layout, built offline.

They exercise the real loading path (config, sharded safetensors, tokenizer files) in tests and
examples without downloading 15 GB of weights.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Sequence

# Qwen2.5's special tokens in their published order, then the two Dream adds (<|mask|> last).
# (content, special) pairs; the tool-call markers are not special in Qwen2.5.
DREAM_ADDED_TOKENS: tuple[tuple[str, bool], ...] = (
    ("<|endoftext|>", True), ("<|im_start|>", True), ("<|im_end|>", True),
    ("<|object_ref_start|>", True), ("<|object_ref_end|>", True), ("<|box_start|>", True),
    ("<|box_end|>", True), ("<|quad_start|>", True), ("<|quad_end|>", True),
    ("<|vision_start|>", True), ("<|vision_end|>", True), ("<|vision_pad|>", True),
    ("<|image_pad|>", True), ("<|video_pad|>", True), ("<tool_call>", False), ("</tool_call>", False),
    ("<|fim_prefix|>", False), ("<|fim_middle|>", False), ("<|fim_suffix|>", False), ("<|fim_pad|>", False),
    ("<|repo_name|>", False), ("<|file_sep|>", False), ("<|beginoftext|>", True), ("<|mask|>", True),
)

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

# Remote-code stand-ins: loading must never run them. If one ever runs, even from a copy that
# transformers makes in its modules cache, it leaves a marker file in the checkpoint folder it
# was written to (and next to itself) before failing loudly, so a loader that swallows the
# error is still caught.
_REMOTE_CODE = '''"""Stand-in for Dream's remote code. Executing this file is a bug in the loader."""
import pathlib
for folder in {{pathlib.Path({root!r}), pathlib.Path(__file__).parent}}:
    (folder / "REMOTE_CODE_EXECUTED").write_text(__name__)
raise RuntimeError("remote code from the checkpoint was executed: " + __file__)
'''
REMOTE_CODE_FILES = ("configuration_dream.py", "modeling_dream.py", "tokenization_dream.py", "generation_utils.py")
REMOTE_CODE_MARKER = "REMOTE_CODE_EXECUTED"

_TRAINING_TEXT = """\
Pick up the cup from the table and place it on the shelf. Open the fridge, take the milk,
close the fridge. The robot moves to the kitchen, then cooks the pasta for ten minutes.
Fill every empty cell of the Sudoku grid so that each row, column and box holds 1 to 9.
Use the numbers 3, 7, 25 and 50 with + - * / to reach the target 125 in the Countdown game.
Stack block A on block B, then block C on block A; the table is always clear.
def plan(steps): return [step for step in steps if step.valid]
<|im_start|>user
Write a plan.<|im_end|>
The quick brown fox jumps over the lazy dog. 0123456789 !?.,;:'"()[]{}<>=+-*/%&|^~#@$_
"""


def build_random_dream_checkpoint(
    path: str | Path,
    *,
    hidden_size: int = 64,
    layers: int = 2,
    heads: int = 4,
    kv_heads: int = 2,
    intermediate: int = 128,
    shards: int = 2,
    seed: int = 0,
    bpe_vocab: int = 400,
    rope_theta: float = 1_000_000.0,
    max_position_embeddings: int = 131072,
    rms_norm_eps: float = 1e-6,
    std: float = 0.02,
) -> Path:
    """Write a random-weight Dream checkpoint to `path` and return it.

    The directory holds what Dream's published checkpoints hold: config.json (model_type
    "Dream", auto_map to the remote code), generation_config.json, `model-0000X-of-0000N`
    safetensors shards with `model.safetensors.index.json`, vocab.json + merges.txt of a
    byte-level BPE tokenizer (trained here on built-in text) with Dream's special tokens in
    tokenizer_config.json, special_tokens_map.json, and remote-code files that must never run.

    Args:
        path: directory to create (may exist).
        hidden_size, layers, heads, kv_heads, intermediate: network geometry.
        shards: number of safetensors files (1 writes a single `model.safetensors`).
        seed: seeds the weights; the tokenizer is deterministic.
        bpe_vocab: target size of the base BPE vocabulary (bytes + merges).
        std: standard deviation of the random weights.

    Example:
        >>> import tempfile
        >>> from dream_agent.loading import load_model
        >>> lm = load_model(build_random_dream_checkpoint(tempfile.mkdtemp()))
        >>> lm.denoiser.mask_id == lm.tokenizer.mask_id
        True
    """
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    if shards < 1:
        raise ValueError(f"shards must be >= 1, got {shards}")
    base_size = _write_tokenizer(root, bpe_vocab)
    ids = {content: base_size + offset for offset, (content, _) in enumerate(DREAM_ADDED_TOKENS)}
    tokenizer_size = base_size + len(DREAM_ADDED_TOKENS)
    vocab_size = 64 * math.ceil(tokenizer_size / 64)  # padded past the tokenizer, as Dream's 152064
    eos, mask, bos = ids["<|endoftext|>"], ids["<|mask|>"], ids["<|beginoftext|>"]
    config = {
        "architectures": ["DreamModel"],
        "attention_dropout": 0.0,
        "auto_map": {
            "AutoConfig": "configuration_dream.DreamConfig",
            "AutoModel": "modeling_dream.DreamModel",
        },
        "bos_token_id": bos,
        "eos_token_id": eos,
        "hidden_act": "silu",
        "hidden_size": hidden_size,
        "initializer_range": std,
        "intermediate_size": intermediate,
        "mask_token_id": mask,
        "max_position_embeddings": max_position_embeddings,
        "max_window_layers": layers,
        "model_type": "Dream",
        "num_attention_heads": heads,
        "num_hidden_layers": layers,
        "num_key_value_heads": kv_heads,
        "pad_token_id": eos,
        "rms_norm_eps": rms_norm_eps,
        "rope_scaling": None,
        "rope_theta": rope_theta,
        "sliding_window": None,
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
        "transformers_version": "4.46.2",
        "use_cache": False,
        "use_sliding_window": False,
        "vocab_size": vocab_size,
    }
    _dump(root / "config.json", config)
    _dump(root / "generation_config.json", {
        "_from_model_config": True, "bos_token_id": bos, "eos_token_id": eos,
        "pad_token_id": eos, "mask_token_id": mask, "transformers_version": "4.46.2",
    })
    _write_weights(root, config, shards, seed, std)
    for name in REMOTE_CODE_FILES:
        (root / name).write_text(_REMOTE_CODE.format(root=str(root.resolve())), encoding="utf-8")
    return root


def _write_tokenizer(root: Path, bpe_vocab: int) -> int:
    """Train the byte-level BPE, write vocab.json/merges.txt and the configs; return base size."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    # Qwen2's pre-tokenizer: split by its regex, then map bytes to printable characters.
    split = (
        r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"""
        r"""| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
    )
    tokenizer = Tokenizer(models.BPE())
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(split), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=bpe_vocab, min_frequency=2, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(_TRAINING_TEXT.splitlines(), trainer=trainer)
    tokenizer.model.save(str(root))  # vocab.json + merges.txt
    base_size = tokenizer.get_vocab_size()
    decoder = {
        str(base_size + offset): {
            "content": content, "lstrip": False, "normalized": False,
            "rstrip": False, "single_word": False, "special": special,
        }
        for offset, (content, special) in enumerate(DREAM_ADDED_TOKENS)
    }
    extra = ["<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>", "<|box_start|>",
             "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>",
             "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>"]
    _dump(root / "tokenizer_config.json", {
        "add_bos_token": False,
        "add_prefix_space": False,
        "added_tokens_decoder": decoder,
        "additional_special_tokens": extra,
        "auto_map": {"AutoTokenizer": ["tokenization_dream.DreamTokenizer", None]},
        "bos_token": "<|beginoftext|>",
        "chat_template": CHATML_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": "<|endoftext|>",
        "errors": "replace",
        "mask_token": "<|mask|>",
        "model_max_length": 131072,
        "pad_token": "<|endoftext|>",
        "split_special_tokens": False,
        "tokenizer_class": "DreamTokenizer",
        "unk_token": None,
    })
    _dump(root / "special_tokens_map.json", {
        "additional_special_tokens": extra,
        "bos_token": _special("<|beginoftext|>"),
        "eos_token": _special("<|endoftext|>"),
        "mask_token": _special("<|mask|>"),
        "pad_token": _special("<|endoftext|>"),
    })
    return base_size


def _write_weights(root: Path, config: dict, shards: int, seed: int, std: float) -> None:
    import torch
    from safetensors.torch import save_file

    from dream_agent.dream.config import DreamConfig
    from dream_agent.dream.modeling import DreamModel

    generator = torch.Generator().manual_seed(seed)
    model = DreamModel(DreamConfig.from_dict(config))
    state = {}
    for name, tensor in model.state_dict().items():
        if name.endswith("layernorm.weight") or name == "model.norm.weight":
            value = 1.0 + 0.1 * torch.randn(tensor.shape, generator=generator)
        else:
            value = std * torch.randn(tensor.shape, generator=generator)
        state[name] = value.contiguous()
    names = list(state)
    if shards == 1:
        save_file(state, str(root / "model.safetensors"), metadata={"format": "pt"})
        return
    per_shard = math.ceil(len(names) / shards)
    weight_map = {}
    for index in range(shards):
        file = f"model-{index + 1:05d}-of-{shards:05d}.safetensors"
        part = {name: state[name] for name in names[index * per_shard:(index + 1) * per_shard]}
        save_file(part, str(root / file), metadata={"format": "pt"})
        weight_map.update(dict.fromkeys(part, file))
    total = sum(t.numel() * t.element_size() for t in state.values())
    _dump(root / "model.safetensors.index.json", {"metadata": {"total_size": total}, "weight_map": weight_map})


def _special(content: str) -> dict:
    return {"content": content, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False}


def _dump(file: Path, data: dict) -> None:
    file.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# Written patterns for pattern-slot tests and the bench: alternation, bounded repeats, classes,
# optional parts, escaped characters; each fullmatches text a byte-level BPE can spell.
WRITTEN_PATTERNS: tuple[str, ...] = (
    r"[0-9]{3}-[0-9]{4}", r"\d{4}-\d{2}-\d{2}", r"(cat|dog|bird)s?", r"[A-Z][a-z]{1,6}", r"[a-z]+@[a-z]+\.(com|org|net)",
    r"\(\d{3}\) \d{3}-\d{4}", r"-?\d{1,3}(\.\d{1,2})?", r"[0-9a-f]{8}", r"(yes|no|maybe)", r"v\d+\.\d+\.\d+",
    r"#[0-9A-F]{6}", r"[a-z]{2,4}( [a-z]{2,4}){0,2}", r"\$\d+(\.\d\d)?", r"(pick|place|open) the (cup|mug|box)",
    r"[A-Z]{2}\d{2}", r"\d+%", r"[^ ]{3,5}", r"(ab|cd)+", r"x?y?z", r"\+?\d{2,3}", r"[a-c][d-f]?[g-i]{0,2}",
    r"(true|false)", r"[01]{4}", r"(\d\d:){2}\d\d", r"\[\d(, \d){0,2}\]", r"[a-z]+_[a-z]+", r"\w{2,5}", r"[.,;!?]{1,3}",
    r"(Mon|Tue|Wed|Thu|Fri)day", r"\d{1,2}/\d{1,2}", r"(a|b|c)(1|2|3)", r"[aeiou]{2}[^aeiou ]", r"\{\d\}",
    r"(the )?(red|blue) (ball|cube)", r"[0-9]+(, [0-9]+)?", r"0x[0-9a-f]{2,4}", r"[A-Za-z]{3}[0-9]?", r"\d\.\d[eE]-?\d",
    r"(https?://)?[a-z]{3,6}\.(io|ai)", r"step [1-9]: [a-z]{3,8}",
)


def random_patterns(n: int, *, seed: int = 0, words: Sequence[str] | None = None) -> list[str]:
    """`n` random regular expressions for pattern-slot tests and benches (seeded).

    Pieces are literals, escaped characters, character classes, groups of alternatives,
    with optional and bounded-repeat quantifiers. With `words`, the atoms are those words and
    the pieces are separated by single spaces, as a word vocabulary decodes a slot.

    >>> len(random_patterns(3)), random_patterns(2, seed=1) == random_patterns(2, seed=1)
    (3, True)
    """
    import random
    import re as _re

    rng = random.Random(seed)
    chars = ["a", "b", "e", "x", "1", "7", "0", r"\.", r"\-", r"\(", r"\)", r"\+", ":", "_",
             "[a-z]", "[0-9]", "[A-Z]", r"\d", "[aeiou]", "[^ ]", "[a-f0-9]"]
    quantifiers = ["", "", "", "?", "{2}", "{1,3}", "{0,2}", "+", "*"]

    def atom(group: bool) -> str:
        if words is not None:
            if group and rng.random() < 0.3:
                return "(" + "|".join(_re.escape(w) for w in rng.sample(list(words), rng.randint(2, 3))) + ")"
            return _re.escape(rng.choice(list(words)))
        if group and rng.random() < 0.25:  # alternatives of short unquantified runs: small automata
            runs = ("".join(atom(False) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(2, 3)))
            return "(" + "|".join(runs) + ")"
        return rng.choice(chars)

    def sequence() -> str:
        parts = []
        for i in range(rng.randint(1, 4)):
            q = rng.choice(quantifiers)
            if words is None:
                parts.append(atom(True) + q)
            elif i == 0:
                parts.append(atom(True))
            else:  # words stay separated by one space whatever repeats
                piece = " " + atom(True)
                parts.append(piece if q in ("", "+") else f"({piece}){q}")
        return "".join(parts)

    return [sequence() for _ in range(n)]
