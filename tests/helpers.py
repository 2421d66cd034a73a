"""Shared pieces of the tests: where the repository and its data are, and a small Dream checkpoint."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]  # the one place that knows where tests/ sits in the repository
SHARED_DATA = REPO.parent / "shared" / "data"  # public instances kept beside the repository, not in it
FIXTURES = REPO / "tests" / "fixtures"

# small Dream-format evaluation files (tests/fixtures/dream_eval)
SUDOKU = FIXTURES / "dream_eval" / "sudoku_4x4_10.jsonl"
CD4 = FIXTURES / "dream_eval" / "cd4_test.jsonl"
CD3 = FIXTURES / "dream_eval" / "cd3_test.jsonl"
BLOCKSWORLD = FIXTURES / "dream_eval" / "planbench" / "task1_zero_shot_nl.jsonl"


def build_small_dream(path: Path) -> Path:
    """A random-weight checkpoint in Dream's exact layout, small enough for CPU tests."""
    from dream_agent.testing import build_random_dream_checkpoint

    return build_random_dream_checkpoint(path, hidden_size=32, layers=1, heads=2, kv_heads=1, intermediate=64)
