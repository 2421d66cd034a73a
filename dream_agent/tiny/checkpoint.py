"""A tiny MDM on disk: config.json (shape + vocabulary), model.safetensors, optional card.md."""

from __future__ import annotations

import json
from pathlib import Path

import safetensors.torch
import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from constraints.errors import InputError
from dream_agent.protocols import DiffusionLM
from dream_agent.tiny.denoiser import TinyDenoiser
from dream_agent.tiny.model import TinyConfig, TinyMDM
from dream_agent.vocab_tokenizer import VocabTokenizer

MODEL_TYPE = "dream-agent-mdm"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
CARD_FILE = "card.md"


class TinyConfigFile(BaseModel):
    """The schema of a tiny MDM's config.json."""

    model_config = ConfigDict(extra="forbid")

    model_type: str
    max_length: int = Field(ge=1)
    dim: int = Field(ge=1)
    n_layers: int = Field(ge=1)
    n_heads: int = Field(ge=1)
    ffn_dim: int = Field(ge=1)
    dropout: float = Field(default=0.0, ge=0, lt=1)
    vocab: list[str] = Field(min_length=1)
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
        raw = json.loads(file.read_text(encoding="utf-8"))
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
    model = TinyMDM(config)
    try:
        safetensors.torch.load_model(model, str(weights), strict=True, device=str(device))
    except (RuntimeError, safetensors.SafetensorError) as err:
        raise InputError(f"{weights}: weights do not match config.json ({str(err).splitlines()[0]})") from None
    model.to(device)
    denoiser = TinyDenoiser(model, mask_id=tokenizer.mask_id, pad_id=tokenizer.pad_id)
    return DiffusionLM(denoiser=denoiser, tokenizer=tokenizer, name=path.name)
