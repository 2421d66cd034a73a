"""Fixtures of the runnables' tests: a random-weight checkpoint in Dream's published layout."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def dream_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight Dream checkpoint directory, built once; tests only read it."""
    from dream_agent.testing import build_random_dream_checkpoint

    return build_random_dream_checkpoint(tmp_path_factory.mktemp("dream") / "dream-random", hidden_size=32, layers=1,
                                         heads=2, kv_heads=1, intermediate=64, shards=1)
