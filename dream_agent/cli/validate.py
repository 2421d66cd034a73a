"""`dream-agent validate`: check a Sudoku solution, a Countdown answer or a PDDL plan.

Exit codes: 0 valid, 1 invalid (the report says why), 2 bad input (one line on stderr).
Cells are 0-based [row, col] and steps 0-based in JSON; the readable report counts from 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from constraints.errors import InputError
from constraints.limits import is_file, read_text
from dream_agent.cli.common import fail, friendly_errors, pddl_source, print_json


def _emit(report: Any, as_json: bool) -> None:
    """Print the report (JSON or readable) and exit 0 when valid, 1 when not."""
    if as_json:
        print_json(report.to_dict())
    else:
        from rich.console import Console
        from rich.table import Table

        console = Console()
        cost = "" if report.cost is None else f", cost {report.cost:g}"
        if report.valid:
            console.print(f"[green]valid[/green] ({report.environment}{cost})")
        else:
            ran = "" if report.executed is None else f"; {report.executed} step(s) ran{cost}"
            table = Table(title=f"invalid ({report.environment}): {len(report.violations)} violation(s){ran}")
            for column in ("where", "kind", "reason"):
                table.add_column(column)
            for v in report.violations:
                where = []
                if v["steps"]:
                    where.append("step " + ", ".join(str(s + 1) for s in v["steps"]))
                if v["cells"]:
                    where.append(" ".join(f"r{r + 1}c{c + 1}" for r, c in v["cells"]))
                table.add_row("; ".join(where) or "-", v["kind"], v["reason"])
            console.print(table)
    raise typer.Exit(code=0 if report.valid else 1)


def _group_json(ctx: typer.Context) -> bool:
    """Whether --json was given before the subcommand."""
    return bool(isinstance(ctx.obj, dict) and ctx.obj.get("json"))


def _read_plan_text(plan: str) -> str:
    """A plan file's text, or `plan` itself when it is inline actions like '(unstack a c)'.

    Text that cannot name a file (too long for a path, a NUL) is never looked up as one.
    """
    if is_file(plan):
        return read_text(plan, "plan file")
    if plan.lstrip().startswith("("):
        return plan
    shown = repr(plan if len(plan) <= 80 else plan[:77] + "...")
    raise InputError(f"plan file {shown} not found (give a file, or actions inline like '(pick-up a)')")


def register(app: typer.Typer) -> None:
    """Add the `validate` command group to `app`."""
    group = typer.Typer(
        help="Validate a plan: `validate sudoku`, `validate countdown`, or PDDL with --domain/--problem/--plan.",
        add_completion=False,
    )

    @group.callback(invoke_without_command=True)
    @friendly_errors
    def validate_pddl(
        ctx: typer.Context,
        domain: Optional[Path] = typer.Option(None, "--domain", help="PDDL domain file."),
        problem: Optional[Path] = typer.Option(None, "--problem", help="PDDL problem file."),
        plan: Optional[str] = typer.Option(None, "--plan", help="Plan file (one action a line, ';' comments)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Validate a PDDL plan against a domain and problem."""
        given = [x is not None for x in (domain, problem, plan)]
        if ctx.invoked_subcommand is not None:
            ctx.obj = {"json": as_json}  # `validate --json sudoku ...` means the same as `validate sudoku --json`
            if any(given):
                fail(f"--domain/--problem/--plan do not combine with `validate {ctx.invoked_subcommand}`")
            return
        if not all(given):
            fail("give --domain, --problem and --plan together, or use `validate sudoku` / `validate countdown`")
        domain_text, problem_text = pddl_source(domain, "domain"), pddl_source(problem, "problem")
        try:
            from environments.pddl import load_pddl, read_plan
        except ImportError:
            raise InputError("PDDL support (environments.pddl) is not available in this installation") from None
        from environments.validation import validate

        env, pddl_problem = load_pddl(domain_text, problem_text)
        _emit(validate(env, pddl_problem, read_plan(_read_plan_text(plan))), as_json)

    @group.command("sudoku")
    @friendly_errors
    def validate_sudoku(
        ctx: typer.Context,
        puzzle: str = typer.Option(..., "--puzzle", help="81 or 16 cells, 0 or . for blanks (rows may be lines)."),
        solution: str = typer.Option(..., "--solution", help="The filled grid, same layout."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Validate a Sudoku solution (9x9 or 4x4)."""
        from environments.sudoku import SudokuEnv
        from environments.validation import validate

        _emit(validate(SudokuEnv(), puzzle, solution), as_json or _group_json(ctx))

    @group.command("countdown")
    @friendly_errors
    def validate_countdown(
        ctx: typer.Context,
        numbers: str = typer.Option(..., "--numbers", help="Comma-separated numbers, e.g. 86,28,13,31."),
        target: str = typer.Option(..., "--target", help="The number to reach."),
        answer: str = typer.Option(..., "--answer", help="Equations, e.g. '86+28=114,31-13=18,114-18=96'."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Validate a Countdown answer."""
        from environments.countdown import CountdownEnv
        from environments.validation import validate

        problem = {"numbers": numbers, "target": target}
        _emit(validate(CountdownEnv(), problem, answer), as_json or _group_json(ctx))

    app.add_typer(group, name="validate")
