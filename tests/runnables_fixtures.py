"""Small real models for the runnables' tests: random-weight tiny MDMs and a random Dream checkpoint.

Random weights do not solve puzzles; they run every real code path (compile, denoise, check,
remask) quickly, and constrained slots stay valid by construction.
"""

from __future__ import annotations

import functools
from pathlib import Path

import torch

from dream_agent.protocols import DiffusionLM
from dream_agent.tiny import TinyConfig, TinyDenoiser, TinyMDM
from dream_agent.vocab_tokenizer import VocabTokenizer
from environments import get_environment

# These models are tiny: one thread avoids oversubscribing a shared CPU (10x faster here).
torch.set_num_threads(1)


@functools.lru_cache(maxsize=8)
def tiny_model(env_name: str, max_length: int = 256, seed: int = 0) -> DiffusionLM:
    """A random tiny MDM over an environment's vocabulary."""
    torch.manual_seed(seed)
    tokenizer = VocabTokenizer(get_environment(env_name).vocabulary())
    config = TinyConfig(vocab_size=tokenizer.vocab_size, max_length=max_length, dim=32, n_layers=1, n_heads=2, ffn_dim=64)
    net = TinyMDM(config).eval()
    return DiffusionLM(TinyDenoiser(net, mask_id=tokenizer.mask_id, pad_id=tokenizer.pad_id), tokenizer, name=f"tiny-{env_name}")


def dream_checkpoint(root: Path) -> Path:
    """A random-weight checkpoint in Dream's published layout (built once per directory)."""
    from dream_agent.testing import build_random_dream_checkpoint

    path = root / "dream-random"
    if not (path / "config.json").is_file():
        build_random_dream_checkpoint(path, hidden_size=32, layers=1, heads=2, kv_heads=1, intermediate=64, shards=1)
    return path
