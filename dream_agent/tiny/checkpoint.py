"""A tiny MDM on disk: config.json (shape + vocabulary), model.safetensors, optional card.md."""

from __future__ import annotations

import json
from pathlib import Path

import safetensors.torch
import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from constraints.errors import InputError
from constraints.limits import loads_json, read_text
from dream_agent.protocols import DiffusionLM
from dream_agent.tiny.denoiser import TinyDenoiser
from dream_agent.tiny.model import TinyConfig, TinyMDM
from dream_agent.vocab_tokenizer import VocabTokenizer

MODEL_TYPE = "dream-agent-mdm"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
CARD_FILE = "card.md"
# upper bounds of a config.json, far above any small model and below what would exhaust memory
# before the weights file is even compared (a 2**40-position config once asked for 35 TB)
MAX_LENGTH = 131_072  # positions: Dream's context
MAX_WIDTH = 8_192
MAX_LAYERS = 256
MAX_VOCAB = 1_000_000


class TinyConfigFile(BaseModel):
    """The schema of a tiny MDM's config.json."""

    model_config = ConfigDict(extra="forbid")

    model_type: str
    max_length: int = Field(ge=1, le=MAX_LENGTH)
    dim: int = Field(ge=1, le=MAX_WIDTH)
    n_layers: int = Field(ge=1, le=MAX_LAYERS)
    n_heads: int = Field(ge=1, le=MAX_LAYERS)
    ffn_dim: int = Field(ge=1, le=4 * MAX_WIDTH)
    dropout: float = Field(default=0.0, ge=0, lt=1)
    vocab: list[str] = Field(min_length=1, max_length=MAX_VOCAB)
    mask_token: str
    pad_token: str | None


def save_tiny(model: TinyMDM, tokenizer: VocabTokenizer, path: str | Path, card: str | None = None) -> Path:
    """Write a tiny MDM and its vocabulary into the directory `path` (created if needed).

    Args:
        model: the network; its vocab_size must equal the tokenizer's.
        tokenizer: the word-level tokenizer it was trained with.
        path: target directory.
        card: optional model card (markdown) saved as card.md.

    Returns:
        The directory.
    """
    if model.config.vocab_size != tokenizer.vocab_size:
        raise ValueError(f"model has {model.config.vocab_size} tokens but the tokenizer has {tokenizer.vocab_size}")
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    shape = model.config.to_dict()
    del shape["vocab_size"]  # implied by the vocabulary list
    config = TinyConfigFile(
        model_type=MODEL_TYPE, **shape, vocab=list(tokenizer.tokens),
        mask_token=tokenizer.mask_token, pad_token=tokenizer.pad_token,
    )
    (path / CONFIG_FILE).write_text(json.dumps(config.model_dump(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    # save_model stores the tied head once and restores the tie on load
    safetensors.torch.save_model(model, str(path / WEIGHTS_FILE))
    if card is not None:
        (path / CARD_FILE).write_text(card, encoding="utf-8")
    return path


def read_tiny_config(path: str | Path) -> tuple[TinyConfig, VocabTokenizer]:
    """Parse and check a tiny MDM's config.json; bad files raise InputError saying what is wrong."""
    file = Path(path) / CONFIG_FILE
    if not file.is_file():
        raise InputError(f"{path}: no {CONFIG_FILE}; a tiny model directory holds {CONFIG_FILE} and {WEIGHTS_FILE}")
    try:
        raw = loads_json(read_text(file, "model file"), str(file))
    except json.JSONDecodeError as err:
        raise InputError(f"{file}: not valid JSON ({err})") from None
    if not isinstance(raw, dict) or raw.get("model_type") != MODEL_TYPE:
        found = raw.get("model_type") if isinstance(raw, dict) else None
        raise InputError(f"{file}: model_type is {found!r}, expected {MODEL_TYPE!r}")
    try:
        parsed = TinyConfigFile.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        raise InputError(f"{file}: {problems}") from None
    tokenizer = VocabTokenizer(parsed.vocab, mask_token=parsed.mask_token, pad_token=parsed.pad_token)
    if tokenizer.vocab_size != len(parsed.vocab):
        raise InputError(f"{file}: mask_token and pad_token must be entries of vocab")
    try:
        config = TinyConfig(
            vocab_size=tokenizer.vocab_size, max_length=parsed.max_length, dim=parsed.dim,
            n_layers=parsed.n_layers, n_heads=parsed.n_heads, ffn_dim=parsed.ffn_dim, dropout=parsed.dropout,
        )
    except ValueError as err:
        raise InputError(f"{file}: {err}") from None
    return config, tokenizer


def load_tiny(path: str | Path, *, device: str | torch.device = "cpu") -> DiffusionLM:
    """Load a tiny MDM saved by `save_tiny` as a DiffusionLM (TinyDenoiser + VocabTokenizer)."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(f"{path}: not a model directory")
    config, tokenizer = read_tiny_config(path)
    weights = path / WEIGHTS_FILE
    if not weights.is_file():
        raise InputError(f"{path}: no {WEIGHTS_FILE}")
    _check_shapes(config, weights)  # before allocating: a config that disagrees with the file fails here
    model = TinyMDM(config)
    try:
        safetensors.torch.load_model(model, str(weights), strict=True, device=str(device))
    except (RuntimeError, safetensors.SafetensorError) as err:
        raise InputError(f"{weights}: weights do not match config.json ({str(err).splitlines()[0]})") from None
    model.to(device)
    denoiser = TinyDenoiser(model, mask_id=tokenizer.mask_id, pad_id=tokenizer.pad_id)
    return DiffusionLM(denoiser=denoiser, tokenizer=tokenizer, name=path.name)


def _check_shapes(config: TinyConfig, weights: Path) -> None:
    """Every tensor of `weights` has the shape `config` implies, and none is missing (the tied head may be)."""
    with torch.device("meta"):  # shapes only, no memory
        expected = {name: tuple(t.shape) for name, t in TinyMDM(config).state_dict().items()}
    try:
        with safetensors.safe_open(str(weights), "pt") as f:
            stored = {name: tuple(f.get_slice(name).get_shape()) for name in f.keys()}
    except (OSError, safetensors.SafetensorError) as err:
        raise InputError(f"{weights}: cannot read safetensors ({str(err).splitlines()[0]})") from None
    for name, shape in stored.items():
        if name not in expected:
            raise InputError(f"{weights}: unexpected tensor {name!r}; the weights do not match config.json")
        if shape != expected[name]:
            raise InputError(f"{weights}: tensor {name} has shape {shape}, config.json implies {expected[name]}")
    missing = sorted(set(expected) - set(stored) - {"head.weight"})  # the head is tied to embed
    if missing:
        raise InputError(f"{weights}: missing tensor(s) {', '.join(missing[:5])}; the weights do not match config.json")
