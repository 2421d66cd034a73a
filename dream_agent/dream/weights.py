"""Reading a checkpoint's safetensors weights, single-file or sharded, onto a device."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open

from constraints.errors import InputError

SINGLE_FILE = "model.safetensors"
INDEX_FILE = "model.safetensors.index.json"


def weight_files(path: str | Path) -> list[Path]:
    """The safetensors files of a checkpoint: the shards named by the index, or the single file.

    Raises:
        InputError: no weights, an unreadable index, or a shard the index names is missing.
    """
    root = Path(path)
    index = root / INDEX_FILE
    if index.is_file():
        try:
            weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
        except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as error:
            raise InputError(f"{index}: not a safetensors index with a 'weight_map' ({error!r})") from None
        files = [root / name for name in sorted(set(weight_map.values()))]
        for file in files:
            if not file.is_file():
                raise InputError(f"{file}: shard named in {index.name} not found")
        return files
    single = root / SINGLE_FILE
    if single.is_file():
        return [single]
    raise InputError(f"{root}: no weights found (expected {SINGLE_FILE} or {INDEX_FILE})")


def load_state_dict(
    path: str | Path, *, dtype: torch.dtype, device: torch.device | str = "cpu"
) -> dict[str, torch.Tensor]:
    """Read every tensor of a checkpoint, cast floating tensors to `dtype`, on `device`.

    Tensors are read one at a time so a 7B bfloat16 checkpoint never needs two copies in memory.
    """
    state: dict[str, torch.Tensor] = {}
    for file in weight_files(path):
        try:
            with safe_open(str(file), framework="pt", device="cpu") as handle:
                for name in handle.keys():
                    tensor = handle.get_tensor(name)
                    if tensor.is_floating_point():
                        tensor = tensor.to(dtype)
                    state[name] = tensor.to(device)
        except (OSError, RuntimeError, ValueError, SafetensorError) as error:
            if isinstance(error, InputError):
                raise
            raise InputError(f"{file}: cannot read safetensors ({error})") from None
    return state
