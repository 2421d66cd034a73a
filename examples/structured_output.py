"""Structured output from a diffusion chat model: a pydantic schema becomes a template whose keys are
fixed and whose values are constrained slots, so the answer validates by construction.

Run with the package installed (`pip install -e .`):
    python examples/structured_output.py [--model DREAM_DIR]
Without --model a small random-weight Dream checkpoint is built in a temporary directory: its
answers are meaningless, yet always valid instances of the schema.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from dream_agent.runnables import ChatDream


class KitchenStep(BaseModel):
    """One robot action."""

    action: Literal["goto", "open", "close", "pick", "place", "wash", "heat"]
    target: str = Field(max_length=12, description="object or place")
    minutes: int = Field(ge=0, le=30)
    needs_gripper: bool
    notes: list[str] = Field(max_length=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="a Dream checkpoint directory (e.g. Dream-v0-Instruct-7B)")
    parser.add_argument("--steps", type=int, default=16)
    args = parser.parse_args()
    model = args.model
    if model is None:
        from dream_agent.testing import build_random_dream_checkpoint

        model = str(build_random_dream_checkpoint(Path(tempfile.mkdtemp()) / "dream-random", hidden_size=32, layers=1, heads=2, kv_heads=1, intermediate=64, shards=1))

    chat = ChatDream(model=model, steps=args.steps, temperature=0.0)
    structured = chat.with_structured_output(KitchenStep, include_raw=True)
    out = structured.invoke("The mug is dirty. What should the robot do first?")
    step: KitchenStep = out["parsed"]
    print("instance:", repr(step))
    print("raw JSON:", out["raw"].content)
    print("rounds:", out["raw"].response_metadata["rounds"], "nfe:", out["raw"].response_metadata["nfe"])
    print("free text:", repr(chat.invoke("Say hello.").content))


if __name__ == "__main__":
    main()
