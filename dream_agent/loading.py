"""load_model: open a checkpoint directory by the model_type in its config.json."""

from __future__ import annotations

from pathlib import Path

import torch

from constraints.errors import InputError
from constraints.limits import describe_os_error
from dream_agent.devices import resolve_device, resolve_dtype
from dream_agent.dream.config import read_json
from dream_agent.protocols import DiffusionLM

# model_type -> what loads it; other architectures come in through from_transformers
SUPPORTED_MODEL_TYPES = ("Dream", "dream-agent-mdm")


def load_model(
    path: str | Path, *, dtype: str | torch.dtype = "float32", device: str | torch.device = "cpu"
) -> DiffusionLM:
    """Load a diffusion LM from a local checkpoint directory.

    Args:
        path: directory with a config.json.
        dtype: "float32", "bfloat16" or "float16" (used by Dream checkpoints).
        device: "cpu", "cuda", "cuda:N" or "mps".

    Returns:
        The DiffusionLM bundle (denoiser, tokenizer, name).

    Raises:
        InputError: no such directory or config.json, or a model_type not in
            SUPPORTED_MODEL_TYPES (load such models yourself and use `from_transformers`).
    """
    root = Path(path)
    try:
        found = root.is_dir()
    except OSError as err:  # e.g. a name longer than the file system allows
        raise InputError(f"{str(root)[:80]}: not a checkpoint directory ({describe_os_error(err)})") from None
    if not found:
        raise InputError(f"{root}: checkpoint directory not found")
    resolve_device(device)  # fail early and clearly, whatever the model type
    resolve_dtype(dtype)
    model_type = read_json(root / "config.json").get("model_type")
    if model_type == "Dream":
        from dream_agent.dream.loading import load_dream

        return load_dream(root, dtype=dtype, device=device)
    if model_type == "dream-agent-mdm":
        from dream_agent.tiny import load_tiny  # the project's small MDMs

        return load_tiny(root, device=device)
    raise InputError(
        f"{root / 'config.json'}: model_type {model_type!r} is not supported by load_model "
        f"(supported: {', '.join(SUPPORTED_MODEL_TYPES)}); for other models such as LLaDA, load them "
        "with transformers and wrap them with dream_agent.from_transformers(model, tokenizer, shift=...)"
    )
