"""Planning domains with exact oracles, templates and checkers (no torch)."""

from environments.base import RENDERINGS, Environment, Rendering
from environments.blocksworld import Blocksworld

# Registry: environment name -> class (instantiated without arguments).
ENVIRONMENTS: dict[str, type] = {
    "blocksworld": Blocksworld,
}


def get_environment(name: str) -> Environment:
    """A new environment by registry name; unknown names raise ValueError listing the known ones."""
    if name not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {name!r}; known: {', '.join(sorted(ENVIRONMENTS))}")
    return ENVIRONMENTS[name]()


__all__ = ["ENVIRONMENTS", "RENDERINGS", "Environment", "Rendering", "get_environment"]
