"""Batch planning and validation: JSON lines in, JSON lines out, on this machine or a Ray cluster.

`run("solve", "in.jsonl", "out.jsonl", engine="local", workers=2)`; see docs/batch.md.
"""

from dream_agent.batch.run import BATCH_SIZES, ENGINES, BatchSummary, run
from dream_agent.batch.work import COMMANDS

__all__ = ["BATCH_SIZES", "COMMANDS", "ENGINES", "BatchSummary", "run"]
