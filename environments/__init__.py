"""Planning domains with exact oracles, templates and checkers (no torch)."""

from __future__ import annotations

from constraints import InputError
from environments.base import Environment


def _kitchen() -> Environment:
    from environments.kitchen import KitchenEnvironment

    return KitchenEnvironment()


def _assembly() -> Environment:
    from environments.assembly import AssemblyEnvironment

    return AssemblyEnvironment()


# name -> factory; imported lazily so one domain's import cost is paid only when it is used.
ENVIRONMENTS = {"kitchen": _kitchen, "assembly": _assembly}


def get_environment(name: str) -> Environment:
    """The environment registered as `name`; InputError lists the known names otherwise."""
    if name not in ENVIRONMENTS:
        raise InputError(f"unknown environment {name!r}; environments: {', '.join(sorted(ENVIRONMENTS))}")
    return ENVIRONMENTS[name]()


__all__ = ["ENVIRONMENTS", "Environment", "get_environment"]
