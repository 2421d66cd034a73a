"""Dream's model configuration, read from a checkpoint's config.json (no remote code)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constraints.errors import InputError
from constraints.limits import loads_json, read_text

MODEL_TYPE = "Dream"

# Dream's README documents 2048 tokens of usable context, although its config inherits
# Qwen2.5's 131,072 rotary positions; canvases longer than this are refused.
DREAM_CONTEXT = 2048
# upper bounds of config.json sizes: far above Dream 7B's (3584 wide, 18944 MLP, 28 layers, 28 heads,
# 152064 tokens) and below what would exhaust memory; positions past DREAM_CONTEXT are never allocated
MOST = {"hidden_size": 65_536, "intermediate_size": 262_144, "num_hidden_layers": 1_024,
        "num_attention_heads": 1_024, "num_key_value_heads": 1_024, "vocab_size": 4_194_304,
        "max_position_embeddings": 2**40}


@dataclass(frozen=True)
class DreamConfig:
    """The architecture settings of a Dream checkpoint (Qwen2.5 geometry, bidirectional)."""

    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    vocab_size: int
    rope_theta: float = 1_000_000.0
    rms_norm_eps: float = 1e-6
    max_position_embeddings: int = 131072
    tie_word_embeddings: bool = False
    mask_token_id: int | None = None
    pad_token_id: int | None = None
    bos_token_id: int | None = None
    eos_token_id: int | None = None
    torch_dtype: str | None = None

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    @property
    def context_length(self) -> int:
        """Longest canvas accepted: Dream's documented 2048, or less if the config says so."""
        return min(DREAM_CONTEXT, self.max_position_embeddings)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "config.json") -> DreamConfig:
        """Validate a parsed config.json and keep the settings the architecture uses.

        Raises:
            InputError: wrong model_type, a missing or ill-typed field, or a setting this
                implementation does not support (rope scaling, sliding window, other activations).
        """
        if data.get("model_type") != MODEL_TYPE:
            raise InputError(
                f"{source}: model_type is {data.get('model_type')!r}, expected {MODEL_TYPE!r}"
            )
        _refuse_unsupported(data, source)
        fields: dict[str, Any] = {}
        for name in (
            "hidden_size", "intermediate_size", "num_hidden_layers",
            "num_attention_heads", "vocab_size",
        ):
            fields[name] = _positive_int(data, name, source, required=True)
        kv_heads = _positive_int(data, "num_key_value_heads", source, required=False)
        fields["num_key_value_heads"] = kv_heads or fields["num_attention_heads"]
        fields["rope_theta"] = _rope_theta(data, source)
        fields["rms_norm_eps"] = _positive_float(data, "rms_norm_eps", source, default=1e-6)
        fields["max_position_embeddings"] = (
            _positive_int(data, "max_position_embeddings", source, required=False) or 131072
        )
        tie = data.get("tie_word_embeddings", False)
        if not isinstance(tie, bool):
            raise InputError(f"{source}: tie_word_embeddings must be true or false, got {tie!r}")
        fields["tie_word_embeddings"] = tie
        for name in ("mask_token_id", "pad_token_id", "bos_token_id", "eos_token_id"):
            fields[name] = _token_id(data, name, source)
        dtype = data.get("torch_dtype", data.get("dtype"))
        fields["torch_dtype"] = dtype if isinstance(dtype, str) else None
        config = cls(**fields)
        config._check_geometry(source, data)
        return config

    def _check_geometry(self, source: str, data: dict[str, Any]) -> None:
        if self.hidden_size % self.num_attention_heads:
            raise InputError(
                f"{source}: hidden_size {self.hidden_size} is not divisible by "
                f"num_attention_heads {self.num_attention_heads}"
            )
        if self.num_attention_heads % self.num_key_value_heads:
            raise InputError(
                f"{source}: num_attention_heads {self.num_attention_heads} is not divisible by "
                f"num_key_value_heads {self.num_key_value_heads}"
            )
        if self.head_dim % 2:
            raise InputError(f"{source}: head dimension {self.head_dim} must be even for rotary embeddings")
        head_dim = data.get("head_dim")
        if head_dim is not None and head_dim != self.head_dim:
            raise InputError(
                f"{source}: head_dim {head_dim!r} differs from hidden_size / num_attention_heads "
                f"= {self.head_dim}; Dream derives it from hidden_size"
            )


def read_dream_config(path: str | Path) -> DreamConfig:
    """Read and validate `<checkpoint>/config.json`.

    Raises:
        InputError: the file is missing, is not JSON, or does not describe a Dream model.
    """
    file = Path(path) / "config.json"
    return DreamConfig.from_dict(read_json(file), source=str(file))


def read_json(file: Path) -> dict[str, Any]:
    """Parse a JSON object from `file`, raising InputError naming the file on any problem."""
    if not file.is_file():
        raise InputError(f"{file}: file not found")
    try:
        data = loads_json(read_text(file, "model file"), str(file))
    except json.JSONDecodeError as error:
        raise InputError(f"{file}: not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise InputError(f"{file}: expected a JSON object, got {type(data).__name__}")
    return data


def _refuse_unsupported(data: dict[str, Any], source: str) -> None:
    scaling = data.get("rope_scaling")
    if scaling not in (None, {}) and not (
        isinstance(scaling, dict) and scaling.get("rope_type", scaling.get("type")) == "default"
    ):
        raise InputError(f"{source}: rope_scaling {scaling!r} is not supported; only none (plain RoPE)")
    params = data.get("rope_parameters")
    if isinstance(params, dict) and params.get("rope_type", "default") != "default":
        raise InputError(
            f"{source}: rope_parameters rope_type {params.get('rope_type')!r} is not supported; only 'default'"
        )
    if data.get("use_sliding_window"):
        raise InputError(f"{source}: use_sliding_window=true is not supported; Dream attends to the whole canvas")
    act = data.get("hidden_act", "silu")
    if act != "silu":
        raise InputError(f"{source}: hidden_act {act!r} is not supported; only 'silu' (SwiGLU)")
    if data.get("use_mrope"):
        raise InputError(f"{source}: use_mrope=true is not supported")


def _rope_theta(data: dict[str, Any], source: str) -> float:
    # transformers 5 moves rope_theta into rope_parameters; Dream's own files keep it top level.
    params = data.get("rope_parameters")
    if "rope_theta" not in data and isinstance(params, dict) and "rope_theta" in params:
        return _positive_float(params, "rope_theta", source, default=1_000_000.0)
    return _positive_float(data, "rope_theta", source, default=1_000_000.0)


def _positive_int(data: dict[str, Any], name: str, source: str, *, required: bool) -> int | None:
    value = data.get(name)
    if value is None:
        if required:
            raise InputError(f"{source}: required field {name!r} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InputError(f"{source}: {name} must be a positive integer, got {value!r}")
    if value > MOST.get(name, value):
        raise InputError(f"{source}: {name} is {value}; at most {MOST[name]} is supported")
    return value


def _positive_float(data: dict[str, Any], name: str, source: str, *, default: float) -> float:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise InputError(f"{source}: {name} must be a positive number, got {value!r}")
    return float(value)


def _token_id(data: dict[str, Any], name: str, source: str) -> int | None:
    value = data.get(name)
    if isinstance(value, list) and value:
        value = value[0]  # some configs list several eos ids; the first is the canonical one
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"{source}: {name} must be a non-negative integer, got {value!r}")
    return value
