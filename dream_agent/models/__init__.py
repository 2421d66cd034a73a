"""The small diffusion models shipped inside the package, one per environment, and their registry.

Each model directory holds config.json (shape + vocabulary), model.safetensors and card.md
(what it was trained on, how long, and how well it solves fresh instances).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from constraints.errors import InputError
from dream_agent.protocols import DiffusionLM

ROOT = Path(__file__).resolve().parent

# environment name -> model directory (inside this package); keep one line per model.
SHIPPED: dict[str, str] = {
    "assembly": "assembly",
    "blocksworld": "blocksworld",
    "countdown": "countdown",
    "kitchen": "kitchen",
    "sudoku": "sudoku",
    "sudoku4x4": "sudoku4x4",
}

# PDDL domain name -> model directory; each holds domain.json with the domain's structural
# fingerprint, which planning checks before using the model for a domain of that name.
# None ships yet: the gripper and logistics runs of bench/pddl_shipped.py did not reach a useful
# solve rate (docs/pddl.md).
SHIPPED_PDDL: dict[str, str] = {}


def pddl_model_dir(domain_name: str) -> Path | None:
    """The directory of the model shipped for a PDDL domain of this name, or None."""
    path = ROOT / SHIPPED_PDDL.get(domain_name, "-")
    return path if domain_name in SHIPPED_PDDL and (path / "model.safetensors").is_file() else None


def model_dir(env_name: str) -> Path:
    """The directory of the model shipped for `env_name`.

    Raises:
        InputError: no model is shipped for it (the message lists those that are).
    """
    path = ROOT / SHIPPED.get(env_name, "-")
    if env_name not in SHIPPED or not (path / "model.safetensors").is_file():
        shipped = ", ".join(available_models()) or "none"
        raise InputError(f"no shipped model for {env_name!r} (shipped: {shipped}); pass --model DIR with a model trained for it")
    return path


def available_models() -> dict[str, Path]:
    """Environment name -> model directory, for every shipped model whose weights are present."""
    return {name: ROOT / sub for name, sub in SHIPPED.items() if (ROOT / sub / "model.safetensors").is_file()}


@functools.lru_cache(maxsize=8)
def _load(path: str, device: str) -> DiffusionLM:
    from dream_agent.tiny import load_tiny

    return load_tiny(path, device=device)


def default_model(env_name: str, device: str = "cpu") -> DiffusionLM:
    """The shipped model of `env_name`, loaded once per process (offline, from the package)."""
    return _load(str(model_dir(env_name)), device)


def available_pddl_models() -> dict[str, Path]:
    """PDDL domain name -> model directory, for every shipped PDDL model whose weights are present."""
    return {name: path for name in SHIPPED_PDDL if (path := pddl_model_dir(name)) is not None}


def describe_model(env_name: str, path: Path | None = None) -> dict[str, Any]:
    """Plain data about a shipped model: path, size on disk, parameters, vocabulary size and card.

    `path` names the directory of a shipped PDDL model (`env_name` is then "pddl:<domain>").
    """
    path = path or model_dir(env_name)
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    from safetensors import safe_open

    with safe_open(str(path / "model.safetensors"), framework="pt") as weights:
        params = sum(_numel(weights.get_slice(k).get_shape()) for k in weights.keys())
    card = path / "card.md"
    return {
        "env": env_name,
        "path": str(path),
        "size_bytes": sum(f.stat().st_size for f in path.iterdir() if f.is_file()),
        "parameters": params,
        "vocab_size": len(config["vocab"]),
        "shape": {k: config[k] for k in ("dim", "n_layers", "n_heads", "ffn_dim", "max_length")},
        "card": card.read_text(encoding="utf-8") if card.is_file() else "",
    }


def _numel(shape: list[int]) -> int:
    out = 1
    for n in shape:
        out *= n
    return out


__all__ = ["SHIPPED", "SHIPPED_PDDL", "available_models", "available_pddl_models", "default_model", "describe_model", "model_dir", "pddl_model_dir"]
