"""`dream-agent models`: the small models shipped in the package, with their cards."""

from __future__ import annotations

import typer

from dream_agent.cli.common import friendly_errors, print_json


def register(app: typer.Typer) -> None:
    """Add the `models` command."""

    @app.command("models")
    @friendly_errors
    def models_command(
        card: bool = typer.Option(False, "--card", help="print each model's full card"),
        json_out: bool = typer.Option(False, "--json", help="print one JSON object (cards included)"),
    ) -> None:
        """List the shipped models (environment, size, parameters) and their cards."""
        from dream_agent.models import available_models, available_pddl_models, describe_model

        found = [describe_model(name) for name in available_models()]
        found += [describe_model(f"pddl:{name}", path) for name, path in available_pddl_models().items()]
        if json_out:
            print_json({"models": found})
            return
        if not found:
            typer.echo("no shipped models found in the package")
        for info in found:
            shape = info["shape"]
            typer.echo(f"{info['env']:<22} {info['parameters']:>10,} params  {info['size_bytes'] / 1e6:5.2f} MB  "
                       f"dim {shape['dim']} x {shape['n_layers']} layers  {info['path']}")
            if card and info["card"]:
                typer.echo("")
                typer.echo(info["card"])
