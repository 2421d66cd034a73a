"""The `dream-agent` command line: one module per command, registered here."""

from __future__ import annotations

import typer

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


def main() -> None:
    """Entry point of the `dream-agent` console script."""
    _register()
    app()
