"""The work of a batch: input lines read into requests (in the driver), and chunks of them run (in a worker).

A `Chunk` is what one worker call gets: lines of one command, environment and options, up to
`batch_size` of them. Solve chunks go through the model's batch dimension in one call of
`dream_agent.planning.solve_batch`; validate chunks through `environments.validation`, the code
`PlanValidator` calls. Both answer each line with an output dict (`{"id": ..., ...}`), and a
line's bad input is an error line, never an exception that stops its chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from constraints.errors import InputError
from dream_agent.batch.lines import Line, error_line
from environments import get_environment
from environments.validation import validate_request
from planners.options import PlanOptions

COMMANDS: tuple[str, ...] = ("validate", "solve", "plan")
SOLVE_KEYS = ("env", "problem", "options")
FILE_KEYS = ("domain", "problem", "plan")  # request values that may name a file to read


@dataclass(frozen=True)
class Item:
    """One line ready for a worker: its id and number, and what the worker needs (a request or a parsed problem)."""

    id: Any
    number: int
    payload: Any


@dataclass(frozen=True)
class Chunk:
    """Lines that one worker call handles together.

    Attributes:
        command: "validate", or "solve" (`plan` lines are solve lines).
        env: the environment name (solve), or the default one for lines without "env" (validate).
        options: the plan options of every line (solve).
        model: a checkpoint directory, or None for the model shipped for `env` (solve).
        items: the lines.
    """

    command: str
    env: str | None
    options: PlanOptions | None
    model: str | None
    items: tuple[Item, ...]


def read_file_value(value: Any) -> Any:
    """A string that names an existing file becomes the file's text; anything else is returned as is.

    Files are read where the lines are read, so workers on other machines get self-contained requests.
    """
    if not isinstance(value, str) or "\n" in value or value.lstrip().startswith("(") or len(value) > 4096:
        return value
    try:
        path = Path(value).expanduser()
        if not path.is_file():
            return value
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read {value!r}: {err}") from None


def solve_work(line: Line, default_env: str | None, default_options: Mapping[str, Any]) -> tuple[tuple[str, PlanOptions], Item]:
    """(group key, item) of a solve/plan line: its environment, options and parsed problem.

    Raises:
        InputError: unknown keys, an unknown environment, bad options or a problem the environment cannot read.
    """
    request = dict(line.request or {})
    unknown = sorted(set(request) - set(SOLVE_KEYS))
    if unknown:
        raise InputError(f"unknown key(s) {', '.join(unknown)}; a solve/plan line has id, {', '.join(SOLVE_KEYS)}")
    name = request.get("env", default_env)
    if name is None:
        raise InputError('no "env" (one of the environment names, e.g. "sudoku")')
    if "problem" not in request:
        raise InputError('no "problem"')
    env = get_environment(name)
    line_options = request.get("options") or {}
    if not isinstance(line_options, Mapping):
        raise InputError(f'"options" must be an object of option names, got {type(line_options).__name__}')
    options = PlanOptions.from_mapping({**default_options, **line_options})
    problem = env.parse_problem(read_file_value(request["problem"]))
    if env.name == "sudoku" and problem.size == 4:  # as `dream-agent solve sudoku` does: the 4x4 model
        env = get_environment("sudoku4x4")
    return (env.name, options), Item(line.id, line.number, problem)


def validate_work(line: Line) -> Item:
    """The item of a validate line: its request, with files named under domain/problem/plan read."""
    request = dict(line.request or {})
    for key in FILE_KEYS:
        if key in request:
            request[key] = read_file_value(request[key])
    return Item(line.id, line.number, request)


def run_chunk(chunk: Chunk, device: str = "cpu") -> list[dict[str, Any]]:
    """The output lines of a chunk (in its order); a line's bad input is its error line."""
    if chunk.command == "validate":
        return [_validate(item, chunk.env) for item in chunk.items]
    return _solve(chunk, device)


def _validate(item: Item, env: str | None) -> dict[str, Any]:
    try:
        return {"id": item.id, **validate_request(item.payload, env).to_dict()}
    except (InputError, ValueError, TypeError) as err:
        return error_line(Line(item.number, item.id), str(err))


def _solve(chunk: Chunk, device: str) -> list[dict[str, Any]]:
    env = get_environment(chunk.env)
    lm = load_model_for(chunk.env, chunk.model, device)
    try:
        return _solve_items(env, lm, chunk.items, chunk.options)
    except (InputError, ValueError) as err:
        if len(chunk.items) == 1:
            return [error_line(Line(chunk.items[0].number, chunk.items[0].id), str(err))]
    # one line's bad input (e.g. a template longer than the model reads) fails its batch: find it
    return [row for item in chunk.items for row in _solve(Chunk(chunk.command, chunk.env, chunk.options, chunk.model,
                                                                 (item,)), device)]


def _solve_items(env: Any, lm: Any, items: tuple[Item, ...], options: PlanOptions) -> list[dict[str, Any]]:
    from dream_agent.planning import result_fields, solve_batch
    from planners.solving import rendering_for

    problems = [item.payload for item in items]
    results = solve_batch(env, problems, lm, options=options)
    rendering = rendering_for(lm, options)
    return [{"id": item.id, **result_fields(env, problem, result, options, rendering)}
            for item, problem, result in zip(items, problems, results)]


def load_model_for(env_name: str, model: str | None, device: str) -> Any:
    """The model of a solve chunk on `device`, loaded once per process."""
    if model is None:
        from dream_agent.models import default_model

        return default_model(env_name, device)
    from dream_agent.planning import load_cached

    return load_cached(model, device=device)
