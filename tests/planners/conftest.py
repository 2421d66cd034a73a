"""Fixtures of the plan-layer tests: a random-weight Dream-architecture model with a real BPE tokenizer."""

from __future__ import annotations

import pytest

from dream_agent.protocols import DiffusionLM


@pytest.fixture(scope="session")
def random_dream(tmp_path_factory: pytest.TempPathFactory) -> DiffusionLM:
    """A random-weight Dream-architecture checkpoint built offline, loaded through the real loader."""
    from dream_agent.loading import load_model
    from dream_agent.testing import build_random_dream_checkpoint

    return load_model(build_random_dream_checkpoint(tmp_path_factory.mktemp("dream"), hidden_size=32, layers=1,
                                                    max_position_embeddings=512))
