"""load_dream: a Dream checkpoint directory -> DiffusionLM, reading files only (no remote code)."""

from __future__ import annotations

from pathlib import Path

import torch

from constraints.errors import InputError
from dream_agent.devices import resolve_device, resolve_dtype
from dream_agent.dream.config import DreamConfig, read_dream_config, read_json
from dream_agent.dream.denoiser import DreamDenoiser
from dream_agent.dream.modeling import DreamModel
from dream_agent.dream.tokenizer import load_dream_tokenizer
from dream_agent.dream.weights import load_state_dict
from dream_agent.hf_tokenizer import HFTokenizer
from dream_agent.protocols import DiffusionLM


def load_dream(
    path: str | Path, *, dtype: str | torch.dtype = "float32", device: str | torch.device = "cpu"
) -> DiffusionLM:
    """Load a Dream checkpoint (e.g. Dream-org/Dream-v0-Instruct-7B downloaded to `path`).

    Reads config.json, generation_config.json (optional), the safetensors weights (single or
    sharded) and the tokenizer files; the checkpoint's Python files are never imported.

    Args:
        path: the checkpoint directory.
        dtype: "float32", "bfloat16" or "float16" (Dream 7B needs bfloat16 on a 24 GB GPU).
        device: "cpu", "cuda", "cuda:N" or "mps".

    Returns:
        A DiffusionLM whose denoiser is a DreamDenoiser (shift=True, max_length 2048).

    Raises:
        InputError: a missing directory or file, a config that is not Dream's, weights that do
            not match the config, inconsistent special ids, or an unavailable device.
    """
    root = Path(path)
    if not root.is_dir():
        raise InputError(f"{root}: checkpoint directory not found")
    torch_dtype, torch_device = resolve_dtype(dtype), resolve_device(device)
    config = read_dream_config(root)
    generation = read_json(root / "generation_config.json") if (root / "generation_config.json").is_file() else {}
    tokenizer = load_dream_tokenizer(root)
    mask_id = _mask_id(root, config, generation, tokenizer)
    pad_id = _first_id(generation.get("pad_token_id"), config.pad_token_id, tokenizer.pad_token_id,
                       generation.get("eos_token_id"), config.eos_token_id, tokenizer.eos_token_id)
    if len(tokenizer) > config.vocab_size:
        raise InputError(
            f"{root / 'tokenizer_config.json'}: tokenizer has {len(tokenizer)} tokens but the model's "
            f"vocab_size is {config.vocab_size}"
        )
    model = build_model(root, config, dtype=torch_dtype, device=torch_device)
    denoiser = DreamDenoiser(model, mask_id=mask_id, pad_id=pad_id, max_length=config.context_length)
    return DiffusionLM(denoiser=denoiser, tokenizer=HFTokenizer(tokenizer, mask_id=mask_id, pad_id=pad_id),
                       name=root.name)


def build_model(root: Path, config: DreamConfig, *, dtype: torch.dtype, device: torch.device) -> DreamModel:
    """Create the network without initialising it and assign the checkpoint's tensors."""
    state = load_state_dict(root, dtype=dtype, device=device)
    if config.tie_word_embeddings:
        state.pop("lm_head.weight", None)
    with torch.device("meta"):
        model = DreamModel(config)
    expected = set(model.state_dict())
    if config.tie_word_embeddings:
        expected.discard("lm_head.weight")
    missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
    if missing or unexpected:
        raise InputError(
            f"{root}: weights do not match config.json (missing: {_names(missing)}; unexpected: {_names(unexpected)})"
        )
    for name, tensor in model.state_dict().items():
        if name in state and tuple(state[name].shape) != tuple(tensor.shape):
            raise InputError(
                f"{root}: tensor {name} has shape {tuple(state[name].shape)}, config.json implies {tuple(tensor.shape)}"
            )
    model.load_state_dict(state, strict=False, assign=True)
    if config.tie_word_embeddings:
        model.lm_head.weight = model.model.embed_tokens.weight
    return model.eval()


def _mask_id(root: Path, config: DreamConfig, generation: dict, tokenizer) -> int:  # noqa: ANN001
    from_tokenizer = tokenizer.mask_token_id
    declared = _first_id(config.mask_token_id, generation.get("mask_token_id"))
    if declared is not None and from_tokenizer is not None and declared != from_tokenizer:
        raise InputError(
            f"{root}: config.json declares mask_token_id {declared} but tokenizer_config.json's mask token "
            f"{tokenizer.mask_token!r} has id {from_tokenizer}"
        )
    mask_id = _first_id(declared, from_tokenizer)
    if mask_id is None:
        raise InputError(f"{root}: no mask token id in config.json, generation_config.json or tokenizer_config.json")
    return mask_id


def _first_id(*candidates: object) -> int | None:
    for value in candidates:
        if isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _names(names: list[str]) -> str:
    return "none" if not names else ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
