"""`dream-agent solve sudoku|countdown`: solve a puzzle offline with the shipped small model."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dream_agent.cli import solve_common as sc
from dream_agent.cli.common import friendly_errors

solve_app = typer.Typer(help="Solve a puzzle with a diffusion model (exit 0 solved, 1 not solved, 2 bad input).",
                        no_args_is_help=True)


@solve_app.command("sudoku")
@friendly_errors
def sudoku(
    puzzle: str = typer.Argument(..., help="81 or 16 digits, 0 or . for blanks (Dream's row lines work too)"),
    steps: Optional[int] = sc.STEPS, alg: Optional[str] = sc.ALG, threshold: Optional[float] = sc.THRESHOLD,
    max_rounds: Optional[int] = sc.MAX_ROUNDS, seed: Optional[int] = sc.SEED, model: Optional[Path] = sc.MODEL,
    constraints: Optional[str] = sc.CONSTRAINTS, no_hard_constraints: bool = sc.NO_HARD,
    candidates: Optional[int] = sc.candidates_option("sudoku", "sudoku4x4"), trace: Optional[Path] = sc.TRACE, temperature: Optional[float] = sc.TEMPERATURE,
    json_out: bool = sc.JSON,
) -> None:
    """Fill a 9x9 or 4x4 Sudoku; prints the solution grid (or JSON with --json)."""
    from dream_agent.planning import result_fields
    from environments import get_environment

    problem = get_environment("sudoku").parse_problem(puzzle)
    env = get_environment("sudoku4x4" if problem.size == 4 else "sudoku")
    options = sc.plan_options(
        steps=steps, alg=alg, threshold=threshold, max_rounds=max_rounds, seed=seed, temperature=temperature,
        constraints=constraints, no_hard_constraints=no_hard_constraints, trace=trace, candidates=candidates)
    result, options = sc.run_solve(env, problem, model=model, trace=trace, quiet=json_out, options=options)
    out = result_fields(env, problem, result, options, options.rendering)
    solution = out["solution"]

    def human() -> None:
        n = problem.size
        for r in range(n):
            typer.echo(" ".join(solution[r * n : (r + 1) * n]))
        typer.echo(f"{'solved' if result.solved else 'NOT solved'} in {result.rounds} round(s), {result.nfe} NFE, "
                   f"{result.seconds:.2f}s")
        for v in result.violations:
            typer.echo(f"  - {v.reason}")

    sc.emit(out, json_out, human)


@solve_app.command("countdown")
@friendly_errors
def countdown(
    numbers: str = typer.Option(..., "--numbers", help="comma-separated numbers, e.g. 86,28,13,31"),
    target: int = typer.Option(..., "--target", help="the number to reach"),
    steps: Optional[int] = sc.STEPS, alg: Optional[str] = sc.ALG, threshold: Optional[float] = sc.THRESHOLD,
    max_rounds: Optional[int] = sc.MAX_ROUNDS, seed: Optional[int] = sc.SEED, model: Optional[Path] = sc.MODEL,
    constraints: Optional[str] = sc.CONSTRAINTS, no_hard_constraints: bool = sc.NO_HARD,
    candidates: Optional[int] = sc.candidates_option("countdown"), trace: Optional[Path] = sc.TRACE, temperature: Optional[float] = sc.TEMPERATURE,
    json_out: bool = sc.JSON,
) -> None:
    """Reach the target with + - * / using each number once; prints the equations (or JSON)."""
    from dream_agent.planning import result_fields
    from environments import get_environment

    env = get_environment("countdown")
    problem = env.parse_problem(f"{numbers.strip().strip(',')},{target}")
    options = sc.plan_options(
        steps=steps, alg=alg, threshold=threshold, max_rounds=max_rounds, seed=seed, temperature=temperature,
        constraints=constraints, no_hard_constraints=no_hard_constraints, trace=trace, candidates=candidates)
    result, options = sc.run_solve(env, problem, model=model, trace=trace, quiet=json_out, options=options)
    out = result_fields(env, problem, result, options, options.rendering)
    answer = out["answer"]

    def human() -> None:
        typer.echo(answer)
        typer.echo(f"{'solved' if result.solved else 'NOT solved'} in {result.rounds} round(s), {result.nfe} NFE, "
                   f"{result.seconds:.2f}s")
        for v in result.violations:
            typer.echo(f"  - {v.reason}")

    sc.emit(out, json_out, human)


def register(app: typer.Typer) -> None:
    """Add the `solve` command group."""
    app.add_typer(solve_app, name="solve")
