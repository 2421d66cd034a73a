"""Solve rates of small models trained for PDDL domains, next to an untrained model of the same shape.

    PYTHONPATH=. python bench/pddl_models.py --model DIR --suite gripper-files|gripper-unseen|planbench-logistics [--n 50] [--replan] [--probe]

Suites: gripper prob01/prob03 (the shared evaluation files), unseen generated gripper problems
(3-8 balls, 2-3 rooms, generator seeds 0.. ; the shipped model's training problems use seeds
from 1,000,000) and PlanBench logistics instances 1..200 (spread evenly when --n is smaller).
Settings: local constraints + remasking (the default, 8 rounds) and the model alone (constraints
none, 1 round). The control is a randomly initialised model of the trained one's shape and
vocabulary (what `train pddl --steps 0` writes), with the same domain.json.

`--probe` measures instead how well the model reads the problem's objects: the oracle's plan is
written into the canvas and each object argument of it is masked alone, every other token given;
the share the model predicts right (argmax) is printed. A model that has not learnt to read its
context scores near chance among the pool's tokens, whatever its loss.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dream_agent.planning import pddl_environment, solve_batch  # noqa: E402
from dream_agent.training.data import encode_solution  # noqa: E402
from dream_agent.tiny import TinyMDM, load_tiny, read_tiny_config, save_tiny  # noqa: E402
from environments.pddl.generators import gripper_problem  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PACKAGED = Path(__file__).resolve().parents[1] / "environments" / "pddl" / "data"
SETTINGS = (("local + remask", "local", 8), ("model alone", "none", 1))


def suite(name: str, n: int) -> tuple[str, list[tuple[str, str]]]:
    """(domain text, [(label, problem text)])."""
    if name == "gripper-files":
        folder = DATA / "pddl" / "gripper"
        return (folder / "domain.pddl").read_text(), [(f, (folder / f).read_text()) for f in ("prob01.pddl", "prob03.pddl")]
    if name == "gripper-unseen":
        rng = random.Random(0)
        sizes = [(rng.randint(3, 8), rng.randint(2, 3)) for _ in range(n)]
        return (PACKAGED / "gripper.pddl").read_text(), [(f"seed {i} {b}x{r}", gripper_problem(i, b, r)) for i, (b, r) in enumerate(sizes)]
    if name == "planbench-logistics":
        folder = DATA / "planbench" / "logistics"
        ids = list(range(1, 201))
        ids = [ids[round(i * len(ids) / n)] for i in range(n)] if n < len(ids) else ids
        return (folder / "domain.pddl").read_text(), [(f"instance-{i}", (folder / "generated_basic" / f"instance-{i}.pddl").read_text()) for i in ids]
    raise ValueError(f"unknown suite {name!r}; allowed: gripper-files, gripper-unseen, planbench-logistics")


def control_of(model_dir: Path, seed: int = 0) -> Path:
    """A randomly initialised copy of the model (same config, vocabulary and domain.json)."""
    config, tokenizer = read_tiny_config(model_dir)
    torch.manual_seed(seed)
    out = Path(tempfile.mkdtemp(prefix="control-"))
    save_tiny(TinyMDM(config), tokenizer, out)
    shutil.copy(model_dir / "domain.json", out / "domain.json")
    return out


def evaluate(model_dir: Path, domain: str, problems: list[tuple[str, str]], batch: int = 8,
             max_steps: int | None = None, candidates: int | None = None, replan: bool = False) -> dict[str, dict]:
    env, _ = pddl_environment(domain, model_dir)
    model = load_tiny(model_dir)
    parsed = [env.parse_problem(text).model_copy(update={"max_steps": max_steps}) for _, text in problems]
    out = {}
    for label, tier, rounds in SETTINGS:
        t0, solved, failed, nfe = time.perf_counter(), 0, [], []
        for start in range(0, len(parsed), batch):
            results = solve_batch(env, parsed[start:start + batch], model, constraints=tier, max_rounds=rounds,
                                  candidates=candidates if tier != "none" else 1, replan=replan and tier != "none")
            solved += sum(r.solved for r in results)
            nfe += [r.nfe for r in results]
            failed += [problems[start + i][0] for i, r in enumerate(results) if not r.solved]
        out[label] = {"solved": solved, "n": len(parsed), "seconds": round(time.perf_counter() - t0, 1), "failed": failed[:8],
                      "median_nfe": sorted(nfe)[len(nfe) // 2]}
    return out


def probe(model_dir: Path, domain: str, problems: list[tuple[str, str]]) -> tuple[int, int]:
    """(right, asked): object arguments of the oracle's plans the model predicts with all else given."""
    env, _ = pddl_environment(domain, model_dir)
    model = load_tiny(model_dir)
    tokenizer, denoiser = model.tokenizer, model.denoiser
    right = asked = 0
    for _, text in problems:
        problem = env.prepare(env.parse_problem(text))
        plan = env.search(problem).plan
        if plan is None:
            continue
        example = encode_solution(env, problem, env.plan_to_values(problem, [str(a) for a in plan], "compact"), tokenizer)
        names = set(env.names(problem).values())
        positions = [q for q, slot in enumerate(example.slot_mask) if slot and tokenizer.decode([example.ids[q]]) in names]
        ids = torch.tensor([example.ids]).repeat(len(positions), 1)
        for row, q in enumerate(positions):
            ids[row, q] = denoiser.mask_id
        predicted = denoiser(ids, torch.ones_like(ids)).argmax(-1)
        right += sum(int(predicted[row, q]) == example.ids[q] for row, q in enumerate(positions))
        asked += len(positions)
    return right, asked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--suite", required=True)
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--no-control", action="store_true")
    parser.add_argument("--max-steps", type=int, default=None, help="step budget (default: the model's)")
    parser.add_argument("--candidates", type=int, default=None, help="canvases per problem at the local tier (default: the model's)")
    parser.add_argument("--replan", action="store_true", help="closed loop at the local tier (one refine run per kept step)")
    parser.add_argument("--probe", action="store_true", help="how well the model reads the objects (no planning)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    domain, problems = suite(args.suite, args.n)
    runs = [("trained", args.model)] + ([] if args.no_control else [("untrained control", control_of(args.model))])
    for label, path in runs:
        if args.probe:
            right, asked = probe(path, domain, problems)
            print(f"{args.suite} | {label} | object arguments of the oracle's plans, all else given: {right}/{asked} ({right / max(asked, 1):.1%})")
            continue
        for setting, figures in evaluate(path, domain, problems, max_steps=args.max_steps, candidates=args.candidates,
                                         replan=args.replan).items():
            shown = f"{setting}{', replan' if args.replan and setting != 'model alone' else ''}"
            print(f"{args.suite} | {label} | budget {args.max_steps or 'model'} | candidates {args.candidates or 'model'} | {shown} | {figures['solved']}/{figures['n']} "
                  f"({figures['solved'] / figures['n']:.0%}) | median NFE {figures['median_nfe']} | {figures['seconds']}s | failed e.g. {figures['failed']}")


if __name__ == "__main__":
    main()
