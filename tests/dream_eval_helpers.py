"""Shared pieces of the Dream eval tests: fixture paths and a small random-weight Dream checkpoint."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "dream_eval"
SUDOKU = FIXTURES / "sudoku_4x4_10.jsonl"
CD4 = FIXTURES / "cd4_test.jsonl"
CD3 = FIXTURES / "cd3_test.jsonl"
BLOCKSWORLD = FIXTURES / "planbench" / "task1_zero_shot_nl.jsonl"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def build_small_dream(path: Path) -> Path:
    """A random-weight checkpoint in Dream's exact layout, small enough for CPU tests."""
    from dream_agent.testing import build_random_dream_checkpoint

    return build_random_dream_checkpoint(path, hidden_size=32, layers=1, heads=2, kv_heads=1, intermediate=64)
