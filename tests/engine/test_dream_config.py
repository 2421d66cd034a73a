"""DreamConfig: what config.json fields are read, and what is refused."""

from __future__ import annotations

import pytest

from constraints.errors import InputError
from dream_agent.dream import DREAM_CONTEXT, DreamConfig

# the published Dream-v0-Instruct-7B geometry
DREAM_7B = {
    "model_type": "Dream", "hidden_size": 3584, "intermediate_size": 18944, "num_hidden_layers": 28,
    "num_attention_heads": 28, "num_key_value_heads": 4, "vocab_size": 152064, "rope_theta": 1000000.0,
    "rms_norm_eps": 1e-06, "max_position_embeddings": 131072, "tie_word_embeddings": False,
    "mask_token_id": 151666, "pad_token_id": 151643, "eos_token_id": 151643, "rope_scaling": None,
    "use_sliding_window": False, "sliding_window": None, "hidden_act": "silu", "torch_dtype": "bfloat16",
}


def test_reads_dream_7b() -> None:
    config = DreamConfig.from_dict(DREAM_7B)
    assert config.head_dim == 128 and config.num_key_value_heads == 4
    assert config.mask_token_id == 151666 and config.pad_token_id == 151643
    assert config.context_length == DREAM_CONTEXT == 2048  # not the inherited 131072
    assert config.torch_dtype == "bfloat16"


def test_transformers5_rope_parameters_and_short_context() -> None:
    data = {**DREAM_7B, "max_position_embeddings": 512, "eos_token_id": [151643, 151645]}
    del data["rope_theta"]
    data["rope_parameters"] = {"rope_type": "default", "rope_theta": 500000.0}
    config = DreamConfig.from_dict(data)
    assert config.rope_theta == 500000.0 and config.context_length == 512 and config.eos_token_id == 151643


@pytest.mark.parametrize(
    ("changes", "pattern"),
    [
        ({"model_type": "qwen2"}, "model_type is 'qwen2', expected 'Dream'"),
        ({"hidden_size": None}, "required field 'hidden_size' is missing"),
        ({"num_hidden_layers": "28"}, "num_hidden_layers must be a positive integer, got '28'"),
        ({"rope_scaling": {"rope_type": "dynamic", "factor": 2.0}}, "rope_scaling .* not supported"),
        ({"use_sliding_window": True}, "use_sliding_window=true is not supported"),
        ({"head_dim": 64}, "head_dim 64 differs"),
        ({"mask_token_id": -1}, "mask_token_id must be a non-negative integer"),
        ({"tie_word_embeddings": "no"}, "tie_word_embeddings must be true or false"),
        ({"hidden_size": 2**40}, "hidden_size is 1099511627776; at most 65536 is supported"),
        ({"vocab_size": 2**40}, "vocab_size is 1099511627776; at most 4194304 is supported"),
    ],
)
def test_refuses(changes: dict, pattern: str) -> None:
    with pytest.raises(InputError, match=pattern):
        DreamConfig.from_dict({**DREAM_7B, **changes})


def test_positions_past_the_context_are_never_allocated() -> None:
    """A config asking for 2**40 positions reads; the model uses only DREAM_CONTEXT of them."""
    assert DreamConfig.from_dict({**DREAM_7B, "max_position_embeddings": 2**40}).context_length == DREAM_CONTEXT
