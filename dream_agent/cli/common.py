"""What every CLI command shares: one-line errors with exit code 2, and JSON output."""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, TypeVar

import typer

from constraints.errors import InputError
from constraints.limits import describe_os_error, read_text

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str) -> None:
    """Print one clear line to stderr and exit with code 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def friendly_errors(func: F) -> F:
    """Turn bad input (InputError, ValueError, unreadable paths, input nested past Python's recursion
    limit) into one line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (InputError, ValueError, KeyError) as err:
            message = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
            fail(str(message))
        except OSError as err:  # a path too long, a folder where a file should be, no permission
            fail(os_error_message(err))
        except RecursionError:
            fail("the input nests too deeply to read")

    return wrapper  # type: ignore[return-value]


def os_error_message(err: OSError) -> str:
    """An OSError as one line naming the file (cut short) and the reason.

    >>> os_error_message(OSError(36, "File name too long", "/tmp/" + "a" * 300))[:28]
    "'/tmp/aaaaaaaaaaaaaaaaaaaaaa"
    """
    if err.filename is None:
        return str(err)
    name = str(err.filename)
    shown = repr(name if len(name) <= 80 else name[:77] + "...")
    return f"{shown}: {describe_os_error(err)}"


def name_flags(err: InputError, flags: dict[str, str]) -> InputError:
    """The error of an option as the command line spells it: "steps must ..." -> "--steps must ..."."""
    message = str(err)
    for name, flag in flags.items():
        if message.startswith(f"{name} "):
            return InputError(flag + message[len(name):])
    return err


def check_output_file(path: str | Path, suffixes: tuple[str, ...] = (), *, option: str) -> Path:
    """Refuse an output file the command could not write, before any work is done.

    Args:
        path: the file the command will write.
        suffixes: the allowed suffixes, e.g. (".png", ".gif"); empty allows any.
        option: the option that named it, e.g. "--trace", to name in the error.

    Raises:
        InputError: the path is a folder, its folder is missing or not writable, the file
            exists and is not writable, or its suffix is not one of `suffixes`.
    """
    try:
        return _check_output_file(Path(path), suffixes, option)
    except OSError as err:  # e.g. a name longer than the file system allows
        raise InputError(f"{option} {os_error_message(err)}") from None


def _check_output_file(path: Path, suffixes: tuple[str, ...], option: str) -> Path:
    if suffixes and path.suffix.lower() not in suffixes:
        raise InputError(f"{option} must name a {' or '.join(suffixes)} file, got {str(path)!r}")
    if path.is_dir():
        raise InputError(f"{option} {str(path)!r} is a folder; name a file")
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"{option} {str(path)!r}: folder {str(folder)!r} does not exist")
    if not os.access(path if path.exists() else folder, os.W_OK):
        raise InputError(f"{option} {str(path)!r} is not writable")
    return path


def check_output_folder(path: str | Path, *, option: str) -> Path:
    """Refuse an output folder the command could not create or write into, before any work.

    Missing folders are fine (the command creates them) as long as the nearest existing one
    is a writable folder.

    Raises:
        InputError: the path or one above it is a file, or the nearest existing folder is not writable.
    """
    path = Path(path)
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{option} {str(path)!r}: {str(existing)!r} is a file, not a folder")
    if not os.access(existing, os.W_OK):
        raise InputError(f"{option} {str(path)!r}: folder {str(existing)!r} is not writable")
    return path


def pddl_source(path: Path, label: str) -> str:
    """The text of a PDDL file (at most MAX_FILE_BYTES), or its path when it does not read as PDDL text,
    so that the PDDL reader names the file in its error."""
    text = read_text(path, f"{label} file")
    return text if text.lstrip().startswith(("(", ";")) else str(path)


def print_json(obj: Any) -> None:
    """One JSON object on stdout."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
