"""Train the shipped gripper or logistics model on generated problems (never the evaluation files).

    PYTHONPATH=. python bench/pddl_shipped.py gripper --bases 4000 --out runs/gripper --threads 1 [--steps N] [--resume] [--stop-after N] [--suffixes K] [--goal-view split] [--device cuda] [--no-eval]

The training problems' objects and initial states come from the domain's generator
(`environments.pddl.generators`, seeds from 1,000,000); each training example keeps such a
problem's own goal or relabels it from a random walk, and is solved optimally by the oracle.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from dream_agent.training.pddl import train_pddl
from environments.pddl.generators import gripper_problem, logistics_problem

DATA = Path(__file__).resolve().parent.parent / "environments" / "pddl" / "data"
BASE_SEED = 1_000_000  # evaluation problems use seeds below this


def gripper_bases(n: int) -> list[str]:
    """Gripper problems with 3-8 balls and 2-3 rooms."""
    rng = random.Random(BASE_SEED)
    return [gripper_problem(BASE_SEED + i, rng.randint(3, 8), rng.randint(2, 3)) for i in range(n)]


# PlanBench's logistics instances give every package a goal; 100 of its 286 have 7 packages
PACKAGES = (1, 2, 3, 4, 5, 5, 6, 6, 7, 7, 7)


def logistics_bases(n: int) -> list[str]:
    """Logistics problems of PlanBench's sizes (2-3 cities of 2-3 locations, 1-7 packages, mostly
    5-7, 1-3 airplanes), every package with a goal, as PlanBench's."""
    rng = random.Random(BASE_SEED)
    return [logistics_problem(BASE_SEED + i, rng.randint(2, 3), rng.randint(2, 3), rng.choice(PACKAGES), rng.randint(1, 3))
            for i in range(n)]


RUNS = {
    # domain: (domain file, bases, generate() knobs, examples, oracle bound, recipe overrides, oracle)
    # A long run (resumed over sittings): many distinct generated problems (--bases 4000), most
    # kept with their own goals as the evaluation's are, and a model of Sudoku's size.
    "gripper": ("gripper.pddl", gripper_bases,
                {"own_goals": 0.6, "walk_length": 40, "goal_atoms": 8, "restarts": 1, "novelty": 0.9},
                12_000, {"max_nodes": 100_000, "timeout": 5.0},
                {"steps": 8000, "batch_size": 32, "shift": False, "dim": 128, "n_layers": 4, "ffn_dim": 512, "warmup": 200},
                "bfs"),
    # PlanBench's sizes need plans of up to 35 steps: only Fast Downward solves them (docs/pddl.md)
    "logistics": ("logistics.pddl", logistics_bases,
                  {"own_goals": 0.7, "walk_length": 30, "goal_atoms": 3, "restarts": 1, "novelty": 0.9},
                  6000, {"timeout": 10.0},
                  {"steps": 6000, "batch_size": 16, "shift": False, "dim": 128, "n_layers": 4, "ffn_dim": 512, "warmup": 200},
                  "fast-downward"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("domain", choices=sorted(RUNS))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--no-eval", action="store_true", help="skip the evaluation in the model card")
    parser.add_argument("--bases", type=int, default=400, help="generated problems the examples start from")
    parser.add_argument("--examples", type=int, default=None, help="training problems to make (default: the run's)")
    parser.add_argument("--stop-after", type=int, default=None, help="end this sitting after N more steps (checkpointed)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--suffixes", type=int, default=0, help="mid-plan restarts added per solved problem")
    parser.add_argument("--oracle", default=None, help="planner solving the examples: bfs, astar, fast-downward (default: the run's)")
    parser.add_argument("--object-names", choices=("kinds", "types"), default="kinds",
                        help="untyped objects as ball3 (kinds) or o3 (types); a resumed run keeps its own")
    parser.add_argument("--object-order", choices=("drawn", "sorted"), default="sorted",
                        help="objects numbered in the order of their names or drawn from the pool; a resumed run keeps its own")
    parser.add_argument("--state-view", default=None, help="predicate groups written after each step (e.g. 'at,carry;=at-robby')")
    parser.add_argument("--goal-view", choices=("whole", "split"), default="whole",
                        help="the goal as given, or its atoms to reach apart from those already true; a resumed run keeps its own")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--log", type=Path, default=None)
    args = parser.parse_args()
    file, bases, knobs, examples, limits, overrides, oracle = RUNS[args.domain]
    oracle = args.oracle or oracle
    if args.steps is not None:
        overrides = {**overrides, "steps": args.steps}
    examples = args.examples or examples

    def log(line: str) -> None:
        if args.log is not None:
            with open(args.log, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")

    result = train_pddl((DATA / file).read_text(encoding="utf-8"), bases(args.bases), args.out, seed=args.seed, resume=args.resume,
                        device=args.device, evaluate=not args.no_eval, threads=args.threads, stop_after=args.stop_after, progress=args.log is None, log=log, knobs=knobs, examples=examples,
                        limits=limits, suffixes=args.suffixes, oracle=oracle, state_view=args.state_view, object_kinds=args.object_names == "kinds",
                        object_order=args.object_order, goal_view=args.goal_view,
                        reproduce=f"python bench/pddl_shipped.py {args.domain} --bases {args.bases} --examples {examples}"
                        + (f" --suffixes {args.suffixes}" if args.suffixes else "") + (f" --oracle {args.oracle}" if args.oracle else "")
                        + (" --object-names types" if args.object_names == "types" else "")
                        + (" --object-order drawn" if args.object_order == "drawn" else "")
                        + (" --goal-view split" if args.goal_view == "split" else "")
                        + (f" --state-view '{args.state_view}'" if args.state_view else ""),
                        **overrides)
    print(f"saved {result.out_dir}: {result.steps} steps, {result.wall_s / 60:.1f} min, loss {result.final_loss:.4f}")


if __name__ == "__main__":
    main()
