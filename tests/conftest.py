"""Fixtures shared across the layers: one torch thread, and random tiny MDMs over an environment's words.

Plain helpers live in modules the tests import: `helpers` (paths, a small Dream checkpoint) and
`scripted_lm` (denoisers whose logits are designed).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import pytest
import torch

from dream_agent.protocols import DiffusionLM
from dream_agent.tiny import TinyConfig, TinyDenoiser, TinyMDM
from dream_agent.vocab_tokenizer import VocabTokenizer
from environments import get_environment


@pytest.fixture(scope="session", autouse=True)
def one_thread() -> Iterator[None]:
    """Every model in the suite is small: one thread per worker avoids oversubscribing a shared CPU (10x faster)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_model() -> Callable[..., DiffusionLM]:
    """`tiny_model(env_name, max_length=256, seed=0)`: a random tiny MDM over an environment's vocabulary.

    Random weights do not solve puzzles; they run every real code path (compile, denoise, check,
    remask) quickly, and constrained slots stay valid by construction. Built once per arguments.
    """

    @functools.lru_cache(maxsize=8)
    def build(env_name: str, max_length: int = 256, seed: int = 0) -> DiffusionLM:
        torch.manual_seed(seed)
        tokenizer = VocabTokenizer(get_environment(env_name).vocabulary())
        config = TinyConfig(vocab_size=tokenizer.vocab_size, max_length=max_length, dim=32, n_layers=1, n_heads=2,
                            ffn_dim=64)
        net = TinyMDM(config).eval()
        denoiser = TinyDenoiser(net, mask_id=tokenizer.mask_id, pad_id=tokenizer.pad_id)
        return DiffusionLM(denoiser, tokenizer, name=f"tiny-{env_name}")

    return build
