"""The diffusion planner as a LangChain Runnable: invoke, batch, stream, and per-step draft events.

Run with the package installed (`pip install -e .`):
    python examples/planner_runnable.py [--model DIR] [--steps 8]
Without --model the planner uses the environment's shipped model.
"""

from __future__ import annotations

import argparse
import asyncio
import functools

from dream_agent.runnables import DiffusionPlanner
from environments import get_environment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="checkpoint directory (default: the shipped sudoku4x4 model)")
    parser.add_argument("--steps", type=int, default=8)
    args = parser.parse_args()

    env = get_environment("sudoku4x4")
    puzzles = [env.generate(seed).givens for seed in range(3)]
    planner = DiffusionPlanner(env, model=args.model, steps=args.steps, max_rounds=3)

    result = planner.invoke({"puzzle": puzzles[0]})  # a dict, a string or the problem model
    print(f"invoke: solved={result.solved} plan={result.plan} rounds={result.rounds} nfe={result.nfe}")

    for puzzle, out in zip(puzzles, planner.batch(puzzles)):  # one batched denoising run
        print(f"batch:  {puzzle} -> {out.plan} solved={out.solved} violations={len(out.violations)}")

    chunks = list(planner.stream(puzzles[0]))  # final slot values, then the result
    merged = functools.reduce(lambda a, b: a + b, chunks)
    print(f"stream: {len(chunks)} chunks, merged plan {merged.plan}")

    quick = planner.invoke(puzzles[0], config={"configurable": {"max_rounds": 1, "seed": 7}})
    print(f"config: max_rounds=1 -> rounds={quick.rounds}")

    async def drafts() -> None:
        async for event in planner.astream_events(puzzles[0], version="v2"):
            if event["event"] == "on_custom_event" and event["name"] == "draft":
                data = event["data"]
                filled = sum(1 for v in data["values"].values() if v.isdigit())
                print(f"draft:  round {data['round']} step {data['step']}: {filled}/{len(data['values'])} cells")

    asyncio.run(drafts())


if __name__ == "__main__":
    main()
