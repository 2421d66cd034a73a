"""`dream-agent train ENV`: train the small MDM of an environment and write its model directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from constraints.limits import read_text
from dream_agent.cli.common import check_output_file, check_output_folder, friendly_errors, print_json


PDDL = "pddl"


def _train_pddl(domain: Optional[Path], problem: Optional[Path], problems: Optional[Path], out: Optional[Path],
                steps: Optional[int], **options: Any) -> Any:
    """`train pddl`: read the user's domain and problem files, then `train_pddl`."""
    from constraints.errors import InputError
    from dream_agent.training.pddl import train_pddl

    if domain is None or problem is None:
        raise InputError("train pddl needs --domain D.pddl and --problem P.pddl")
    files = [problem]
    if problems is not None:
        if not problems.is_dir():
            raise InputError(f"--problems: {str(problems)!r} is not a folder of problem files")
        files += sorted(p for p in problems.glob("*.pddl") if p.resolve() != problem.resolve() and p.resolve() != domain.resolve())
    texts = [read_text(f, "problem file") for f in files]
    out = out or Path("models") / f"pddl-{domain.stem if domain.stem != 'domain' else domain.parent.name}"
    command = (f"dream-agent train pddl --domain {domain} --problem {problem}" + (f" --problems {problems}" if problems else "")
               + (f" --oracle {options['oracle']}" if options.get("oracle") else "")
               + (f" --state-view '{options['state_view']}'" if options.get("state_view") else "")
               + (" --object-order drawn" if options.get("object_order") == "drawn" else "")
               + (f" --goal-view {options['goal_view']}" if options.get("goal_view") else ""))
    if options.get("goal_view") is None:
        options.pop("goal_view", None)  # train_pddl's default
    device = options.pop("device")
    if device != "cpu" and not device.startswith("cuda"):
        raise InputError(f"unknown device {device!r}; allowed: cpu, cuda")
    overrides = {k: v for k, v in (("batch_size", options.pop("batch_size")), ("weighting", options.pop("weighting")))
                 if v is not None}
    return train_pddl(read_text(domain, "domain file"), texts, out, steps, reproduce=command,
                      device=device, **options, **overrides)


def register(app: typer.Typer) -> None:
    """Add the `train` command."""

    @app.command("train")
    @friendly_errors
    def train_command(
        env: str = typer.Argument(..., help="environment name (sudoku, sudoku4x4, countdown, blocksworld, kitchen, assembly), "
                                  "or pddl with --domain and --problem"),
        steps: Optional[int] = typer.Option(None, "--steps", help="optimiser steps (default: the recipe's; 0: the untrained control)"),
        out: Optional[Path] = typer.Option(None, "--out", help="model directory (default: ./models/ENV)"),
        seed: int = typer.Option(0, "--seed", help="seeds data, weights, masks and batch order"),
        device: str = typer.Option("cpu", "--device", help="cpu or cuda"),
        resume: bool = typer.Option(False, "--resume", help="continue from OUT/checkpoint.pt"),
        stop_after: Optional[int] = typer.Option(None, "--stop-after", help="end this sitting after N more steps "
                                                 "(checkpointed; the model so far is saved; --resume continues the schedule)"),
        threads: Optional[int] = typer.Option(
            None, "--threads", help="CPU threads for torch, and processes making the training data (default: every core)"),
        batch_size: Optional[int] = typer.Option(None, "--batch-size", help="override the recipe's batch size"),
        weighting: Optional[str] = typer.Option(None, "--weighting", help="mdlm (1/t ELBO) or mgdm (token reweighting)"),
        recipe_file: Optional[Path] = typer.Option(None, "--recipe", help="a JSON file of recipe fields to change "
                                                   "(stages, dim, max_length, steps, ...; --steps and --batch-size win)"),
        init: Optional[Path] = typer.Option(None, "--init", help="start from this model directory's weights (same shape "
                                            "and vocabulary; a fresh optimiser and schedule): fine-tune it on the recipe's data"),
        no_eval: bool = typer.Option(False, "--no-eval", help="skip the evaluation in the model card"),
        log_file: Optional[Path] = typer.Option(None, "--log", help="append status lines to this file"),
        json_out: bool = typer.Option(False, "--json", help="print one JSON object"),
        domain: Optional[Path] = typer.Option(None, "--domain", help="pddl: the domain file"),
        problem: Optional[Path] = typer.Option(None, "--problem", help="pddl: a problem file whose objects and initial "
                                               "state seed the training problems"),
        problems: Optional[Path] = typer.Option(None, "--problems", help="pddl: a folder of more such problem files (*.pddl)"),
        examples: Optional[int] = typer.Option(None, "--examples", help="pddl: training problems to make (default 3000)"),
        oracle: Optional[str] = typer.Option(None, "--oracle", help="pddl: the planner solving them: bfs (default), astar, or "
                                             "fast-downward (optional extra, for problems too large for the others)"),
        state_view: Optional[str] = typer.Option(None, "--state-view", help="pddl: write the state after each step "
                                                 "into the template, as groups of predicates (e.g. 'at,carry;=at-robby'; "
                                                 "docs/pddl.md); a resumed run keeps its own"),
        object_names: Optional[str] = typer.Option(None, "--object-names", help="pddl: kinds (default: untyped objects "
                                                   "named after the static unary predicates that type them, ball3) or types "
                                                   "(declared types only, o3); a resumed run keeps its own"),
        object_order: Optional[str] = typer.Option(None, "--object-order", help="pddl: sorted (default: a kind's objects "
                                                   "numbered 0, 1, ... in the order of their names) or drawn (numbers drawn at "
                                                   "random from the pool); a resumed run keeps its own"),
        goal_view: Optional[str] = typer.Option(None, "--goal-view", help="pddl: split (the goal atoms still to reach "
                                                "written apart from those the initial state holds) or whole (as given); "
                                                "a resumed run keeps its own"),
    ) -> None:
        """Train ENV's small diffusion model on generated, oracle-solved instances (pddl: on walks from your problems)."""
        if out is not None:
            check_output_folder(out, option="--out")
        if log_file is not None:
            check_output_file(log_file, option="--log")
        from dream_agent.training import RECIPES, train
        from dream_agent.training.objective import WEIGHTINGS

        if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
            raise ValueError(f"unknown device {device!r}; allowed: cpu, cuda")
        if steps is not None and steps < 0:
            raise ValueError(f"--steps must be >= 0 (0: an untrained model of the same shape), got {steps}")
        if weighting is not None and weighting not in WEIGHTINGS:
            raise ValueError(f"unknown weighting {weighting!r}; allowed: {', '.join(WEIGHTINGS)}")
        if env != PDDL and env not in RECIPES:
            raise ValueError(f"no training recipe for {env!r}; known: {', '.join(sorted(RECIPES))}, pddl")
        if env != PDDL and (domain or problem or problems or examples is not None or oracle is not None
                            or object_names is not None or object_order is not None or state_view is not None
                            or goal_view is not None):
            raise ValueError("--domain, --problem, --problems, --examples, --oracle, --object-names, --object-order, "
                             "--state-view and --goal-view belong to `train pddl`")
        if object_names not in (None, "kinds", "types"):
            raise ValueError(f"unknown --object-names {object_names!r}; allowed: kinds, types")
        from environments.pddl.names import OBJECT_ORDERS

        if object_order not in (None, *OBJECT_ORDERS):
            raise ValueError(f"unknown --object-order {object_order!r}; allowed: {', '.join(OBJECT_ORDERS)}")
        from environments.pddl.templates import GOAL_VIEWS

        if goal_view not in (None, *GOAL_VIEWS):
            raise ValueError(f"unknown --goal-view {goal_view!r}; allowed: {', '.join(GOAL_VIEWS)}")
        if stop_after is not None and stop_after < 0:
            raise ValueError(f"--stop-after must be >= 0, got {stop_after}")
        if env == PDDL and init is not None:
            raise ValueError("--init fine-tunes a built-in environment's model; `train pddl` starts from its own")
        if init is not None and not init.is_dir():
            raise ValueError(f"--init: {str(init)!r} is not a model directory")
        if env == PDDL and recipe_file is not None:
            raise ValueError("--recipe changes a built-in recipe; `train pddl` takes --steps, --batch-size and --weighting")
        if examples is not None and examples < 1:
            raise ValueError(f"--examples must be >= 1, got {examples}")

        def log(line: str) -> None:
            if log_file is not None:
                with open(log_file, "a", encoding="utf-8") as handle:
                    handle.write(line + "\n")

        if env == PDDL:
            result = _train_pddl(domain, problem, problems, out, steps, examples=examples or 3000, seed=seed, device=device, resume=resume,
                                 threads=threads, evaluate=not no_eval, progress=not json_out, log=log,
                                 batch_size=batch_size, weighting=weighting, stop_after=stop_after, oracle=oracle,
                                 object_kinds=object_names != "types", object_order=object_order or "sorted",
                                 state_view=state_view, goal_view=goal_view)
        else:
            result = train(env, steps, out, seed=seed, device=device, resume=resume, threads=threads, evaluate=not no_eval,
                           progress=not json_out, log=log, batch_size=batch_size, weighting=weighting, stop_after=stop_after,
                           recipe_file=recipe_file, init=init)
        summary = {"env": env, "out": str(result.out_dir), "steps": result.steps, "final_loss": result.final_loss,
                   "params": result.n_params, "examples": result.n_examples, "wall_s": round(result.wall_s, 1),
                   "hardware": result.hardware}
        if json_out:
            print_json(summary)
        else:
            typer.echo(f"saved {result.out_dir} ({result.n_params:,} parameters, {result.steps} steps, "
                       f"{result.wall_s / 60:.1f} min, final loss {result.final_loss:.4f})")
