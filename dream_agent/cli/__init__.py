"""The `dream-agent` command line: one module per command, registered here."""

from __future__ import annotations

import sys

import typer

# typer raises click's exceptions from the click it bundles (newer typer) or from click itself
_click_exceptions = sys.modules[typer.BadParameter.__module__]
# typer 0.2x bundles click without its Abort; typer's own Abort is the one it raises then
_ABORTS = tuple({typer.Abort, getattr(_click_exceptions, "Abort", typer.Abort)})

app = typer.Typer(
    name="dream-agent",
    help="Constraint-aware planning with masked diffusion language models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    # a root callback keeps every command a named subcommand, even while only one is registered
    pass


# Each command module adds its commands to `app` (keep this list sorted).
_COMMAND_MODULES: tuple[str, ...] = (
    "batch",
    "eval",
    "infill",
    "models",
    "plan",
    "solve",
    "train",
    "validate",
)


def _register() -> None:
    import importlib

    for module in _COMMAND_MODULES:
        importlib.import_module(f"dream_agent.cli.{module}").register(app)


def main(args: list[str] | None = None) -> None:
    """Entry point of the `dream-agent` console script.

    Bad usage (an unknown option, a missing one, a value of the wrong type) is one line on
    stderr, `error: ...`, and exit code 2, like every other bad input; help exits 0.
    """
    _register()
    try:
        code = app(args=args, standalone_mode=False)
    except _click_exceptions.ClickException as err:
        help_without_args = getattr(_click_exceptions, "NoArgsIsHelpError", None)
        if help_without_args is not None and isinstance(err, help_without_args):
            typer.echo(err.format_message())  # no arguments: the help, as --help prints it
            sys.exit(0)
        message = " ".join(err.format_message().split())  # one line, whatever click wrapped
        context = getattr(err, "ctx", None)
        hint = f" (see '{context.command_path} --help')" if context is not None else ""
        typer.echo(f"error: {message}{hint}", err=True)
        sys.exit(2 if isinstance(err, _click_exceptions.UsageError) else err.exit_code)
    except _ABORTS:
        typer.echo("error: aborted", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
