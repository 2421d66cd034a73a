"""`dream-agent plan`: plan a PDDL problem (blocksworld ships a model), a kitchen task or an assembly task offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from constraints.errors import InputError
from constraints.limits import read_text
from dream_agent.cli import solve_common as sc
from dream_agent.cli.common import friendly_errors, pddl_source
from environments.pddl import PDDLEnvironment

KITCHEN = "kitchen"
ASSEMBLY = "assembly"
TARGETS = f"{KITCHEN}, {ASSEMBLY}, or none with --domain/--problem"


def _pddl_env(domain: Path, problem: Path, model: Optional[Path], max_steps: Optional[int]) -> tuple[Any, Any, Optional[Path]]:
    """The environment, problem and model directory: blocksworld (PlanBench's 4-operator domain)
    gets its environment and shipped model unless --model names one trained by `train pddl`;
    other domains get the model of --model or the one shipped for them (see `pddl_environment`)."""
    from dream_agent.planning import pddl_environment
    from environments import get_environment
    from environments.pddl import load_pddl
    from environments.pddl.record import DOMAIN_RECORD

    env, base = load_pddl(pddl_source(domain, "domain"), pddl_source(problem, "problem"))
    blocks = get_environment("blocksworld")
    same = {s.name for s in env.domain.schemas} == {s.name for s in blocks.domain.schemas} and \
        set(env.domain.predicates) == set(blocks.domain.predicates)
    if same and (model is None or not _is_file(model / DOMAIN_RECORD)):
        env, base = blocks, blocks.parse_problem(base.pddl)
    else:
        env, model = pddl_environment(env.domain_pddl, model)
        base = env.parse_problem(base.pddl)
    if max_steps is not None:
        if max_steps < 1:
            raise InputError(f"--max-steps must be >= 1, got {max_steps}")
        base = base.model_copy(update={"max_steps": max_steps})
    return env, base, model


def _is_file(path: Path) -> bool:
    """Whether `path` is a file; False for a name the file system refuses (the loader then says why)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _kitchen_problem(env: Any, problem: Optional[Path], seed: int, task: Optional[str], objects: int) -> Any:
    if problem is not None:
        return env.parse_problem(read_text(problem, "kitchen problem file"))
    from environments.kitchen.problem import TASKS

    if task is not None and task not in TASKS:
        raise InputError(f"unknown kitchen task {task!r}; allowed: {', '.join(TASKS)}")
    return env.generate(seed, **({"task": task} if task else {}), n_objects=objects)


def _assembly_problem(env: Any, problem: Optional[Path], seed: int, parts: Optional[int]) -> Any:
    if problem is not None:
        if parts is not None:
            raise InputError("--parts makes a generated task; leave it out with --problem")
        return env.parse_problem(read_text(problem, "assembly problem file"))
    return env.generate(seed, **({"n_parts": parts} if parts is not None else {}))


def register(app: typer.Typer) -> None:
    """Add the `plan` command."""

    @app.command("plan")
    @friendly_errors
    def plan_command(
        what: Optional[str] = typer.Argument(None, help="'kitchen' or 'assembly' for a generated or JSON task; leave out for "
                                             "PDDL (--domain/--problem)"),
        domain: Optional[Path] = typer.Option(None, "--domain", help="PDDL domain file"),
        problem: Optional[Path] = typer.Option(None, "--problem", help="PDDL problem file, or a kitchen or assembly problem JSON file"),
        max_steps: Optional[int] = typer.Option(None, "--max-steps", help="PDDL: plan steps to allow (default: a budget per domain)"),
        task: Optional[str] = typer.Option(None, "--task", help="kitchen: task kind of a generated problem (e.g. tidy, heat_place)"),
        task_seed: int = typer.Option(0, "--task-seed", help="kitchen, assembly: seed of the generated problem"),
        objects: int = typer.Option(3, "--objects", help="kitchen: objects in a generated problem"),
        parts: Optional[int] = typer.Option(None, "--parts", help="assembly: parts in a generated task (1-16, default 6)"),
        steps: Optional[int] = sc.STEPS, alg: Optional[str] = sc.ALG, threshold: Optional[float] = sc.THRESHOLD,
        max_rounds: Optional[int] = sc.MAX_ROUNDS, seed: Optional[int] = sc.SEED, model: Optional[Path] = sc.MODEL,
        constraints: Optional[str] = sc.CONSTRAINTS, no_hard_constraints: bool = sc.NO_HARD,
        candidates: Optional[int] = sc.candidates_option(
            KITCHEN, ASSEMBLY, "blocksworld", others=f", other PDDL domains {PDDLEnvironment.recommended_candidates}"), trace: Optional[Path] = sc.TRACE, temperature: Optional[float] = sc.TEMPERATURE,
        replan: bool = typer.Option(False, "--replan", help="PDDL: closed loop, keep one step at a time, each drafted "
                                    "from the state the kept steps reach (one refine run per step)"),
        no_shorten: bool = typer.Option(False, "--no-shorten", help="keep a valid plan's detours (steps it does "
                                        "without, such as a block put down and picked up again) as drafted"),
        json_out: bool = sc.JSON,
    ) -> None:
        """Plan with a diffusion model; `solved` only when the simulator/validator accepts the plan
        (exit 0 solved, 1 not solved, 2 bad input)."""
        from dream_agent.planning import result_fields
        from environments import get_environment

        extra: dict[str, Any] = {}
        if what == KITCHEN:
            env = get_environment(KITCHEN)
            prob = _kitchen_problem(env, problem, task_seed, task, objects)
            extra["instruction"] = env.instruction(prob)
        elif what == ASSEMBLY:
            env = get_environment(ASSEMBLY)
            prob = _assembly_problem(env, problem, task_seed, parts)
        elif what is None:
            if domain is None or problem is None:
                raise InputError("give --domain D.pddl and --problem P.pddl (or plan kitchen ... / plan assembly ...)")
            env, prob, model = _pddl_env(domain, problem, model, max_steps)
        else:
            raise InputError(f"unknown planning target {what!r}; allowed: {TARGETS}")
        options = sc.plan_options(
            steps=steps, alg=alg, threshold=threshold, max_rounds=max_rounds, seed=seed, temperature=temperature,
            constraints=constraints, no_hard_constraints=no_hard_constraints, trace=trace, candidates=candidates,
            replan=replan, shorten=not no_shorten)
        result, options = sc.run_solve(env, prob, model=model, trace=trace, quiet=json_out, options=options)
        out = result_fields(env, prob, result, options, options.rendering)
        out = {"solved": out.pop("solved"), "plan": out.pop("plan"), **extra, **out}
        if options.replan:
            out["replan"] = True
        plan = out["plan"]

        def human() -> None:
            if "instruction" in extra:
                typer.echo(extra["instruction"])
            for i, step in enumerate(plan, 1):
                typer.echo(f"{i:>3}. {step}")
            typer.echo(f"{'solved' if result.solved else 'NOT solved'} in {result.rounds} round(s), {result.nfe} NFE, "
                       f"{result.seconds:.2f}s")
            if result.removed_steps:
                typer.echo(f"  ({result.removed_steps} step(s) the drafted plan did without were dropped; --no-shorten keeps them)")
            for v in result.violations:
                typer.echo(f"  - {v.reason}")

        sc.emit(out, json_out, human)
