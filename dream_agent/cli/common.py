"""What every CLI command shares: one-line errors with exit code 2, and JSON output."""

from __future__ import annotations

import functools
import json
import sys
from typing import Any, Callable, TypeVar

import typer

from constraints.errors import InputError

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str) -> None:
    """Print one clear line to stderr and exit with code 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def friendly_errors(func: F) -> F:
    """Turn bad input (InputError, ValueError, missing files) into one line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (InputError, ValueError, FileNotFoundError, NotADirectoryError, KeyError) as err:
            message = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
            fail(str(message))

    return wrapper  # type: ignore[return-value]


def name_flags(err: InputError, flags: dict[str, str]) -> InputError:
    """The error of an option as the command line spells it: "steps must ..." -> "--steps must ..."."""
    message = str(err)
    for name, flag in flags.items():
        if message.startswith(f"{name} "):
            return InputError(flag + message[len(name):])
    return err


def print_json(obj: Any) -> None:
    """One JSON object on stdout."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
