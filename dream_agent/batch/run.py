"""`run`: a JSON lines file of requests in, a JSON lines file of results out, on this machine or on Ray.

Lines are read and checked here; the good ones are grouped by (environment, options), cut into
chunks of `batch_size` and handed to an engine; each result line is written as it arrives.
Rerunning with the same output file resumes: complete lines are kept, a torn last line is cut,
and only the ids missing from the output are processed.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from constraints.errors import InputError
from dream_agent.batch.lines import Line, Writer, error_line, read_lines, resume
from dream_agent.batch.work import COMMANDS, Chunk, Item, solve_work, validate_work

ENGINES: tuple[str, ...] = ("local", "ray")
BATCH_SIZES: dict[str, int] = {"validate": 256, "solve": 16, "plan": 16}  # default lines per chunk
MAX_BATCH_SIZE = 4096  # lines per chunk: a solve chunk is one model batch, rows x canvas in memory
MAX_WORKERS = 256

OnProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class BatchSummary:
    """What a run did.

    Attributes:
        lines: lines in the input (blank lines not counted).
        resumed: lines already answered in the output file, skipped.
        duplicates: lines whose id an earlier line already has, skipped (the first one is answered).
        processed: lines answered by this run (`errors` of them with an error line).
        errors: error lines written by this run.
        seconds: wall time of the run.
        rate: `processed` per second.
    """

    command: str
    engine: str
    workers: int | None
    batch_size: int
    lines: int
    resumed: int
    duplicates: int
    processed: int
    errors: int
    seconds: float
    rate: float
    output: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def run(
    command: str,
    input: str | Path,
    output: str | Path,
    *,
    engine: str = "local",
    workers: int | None = None,
    batch_size: int | None = None,
    ray_address: str | None = None,
    env: str | None = None,
    model: str | Path | None = None,
    device: str | None = None,
    options: Mapping[str, Any] | None = None,
    on_progress: OnProgress | None = None,
) -> BatchSummary:
    """Answer every line of `input` in `output` (appending; resuming what an earlier run left).

    Args:
        command: "validate", "solve" or "plan" (solve and plan read the same lines).
        input: JSON lines, each an object with an "id" and the request (see docs/batch.md).
        output: JSON lines, one `{"id": ..., ...}` per input line, in the order they finish.
        engine: "local" (this machine) or "ray" (a Ray instance or cluster).
        workers: local: worker processes (default 1: this process); ray: actors (default one
            per CPU slot, or per GPU).
        batch_size: lines per model call (solve) or per task (validate); default BATCH_SIZES.
        ray_address: the Ray cluster to join; None starts one on this machine for the run.
        env: the environment of lines without "env" (like `PlanValidator(env)`).
        model: a checkpoint directory for every solve line (default: the model shipped for its env).
        device: where models run (default "cpu"; on Ray "cuda" when the cluster has GPUs).
        options: plan options for every line (names of `PlanOptions.from_mapping`); a line's
            "options" go on top.
        on_progress: called with (lines answered, lines to answer) after each written line.

    Raises:
        InputError: a bad argument, a missing input, or an output that is not a result file.

    Duplicate ids: the first line with an id is answered; later lines with the same id are
    skipped and counted in `duplicates`, so the output holds each id once.
    """
    if command not in COMMANDS:
        raise InputError(f"unknown batch command {command!r}; valid: {', '.join(COMMANDS)}")
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; valid: {', '.join(ENGINES)}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS):
        raise InputError(f"--workers must be an integer from 1 to {MAX_WORKERS}, got {workers!r}")
    size = BATCH_SIZES[command] if batch_size is None else batch_size
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_BATCH_SIZE:
        raise InputError(f"--batch-size must be an integer from 1 to {MAX_BATCH_SIZE}, got {size!r}")
    if ray_address is not None and engine != "ray":
        raise InputError("--ray-address needs --engine ray")
    if model is not None and not Path(model).is_dir():
        raise InputError(f"--model {str(model)!r} is not a folder")
    default_options = dict(options or {})
    if command != "validate":
        from planners.options import PlanOptions

        PlanOptions.from_mapping(default_options)  # bad run-wide options fail before any work

    start = time.perf_counter()
    lines = read_lines(input)
    done = resume(output)
    todo, duplicates = _select(lines, done)
    total, answered, errors = len(todo), 0, 0
    if on_progress is not None:
        on_progress(0, total)
    with Writer(output) as writer:
        def write(rows: list[dict[str, Any]]) -> None:
            nonlocal answered, errors
            for row in rows:
                writer.write([row])
                answered += 1
                errors += "error" in row
                if on_progress is not None:
                    on_progress(answered, total)

        chunks, bad = _chunks(command, todo, size, env, None if model is None else str(model), default_options)
        write(bad)
        for rows in _engine(engine, chunks, workers, ray_address, device):
            write(rows)
    seconds = time.perf_counter() - start
    return BatchSummary(command=command, engine=engine, workers=workers, batch_size=size, lines=len(lines),
                        resumed=len(lines) - total - duplicates, duplicates=duplicates, processed=answered,
                        errors=errors, seconds=round(seconds, 3), rate=round(answered / seconds, 2) if seconds else 0.0,
                        output=str(output))


def _select(lines: list[Line], done: set[str]) -> tuple[list[Line], int]:
    """The lines to answer (not in the output yet, first of their id) and how many duplicates were skipped."""
    todo, seen, duplicates = [], set(), 0
    for line in lines:
        if line.key in seen:
            duplicates += 1
            continue
        seen.add(line.key)
        if line.key not in done:
            todo.append(line)
    return todo, duplicates


def _chunks(command: str, lines: list[Line], size: int, env: str | None, model: str | None,
            options: dict[str, Any]) -> tuple[list[Chunk], list[dict[str, Any]]]:
    """Chunks of up to `size` lines of one (environment, options), in input order, and the error lines of bad ones."""
    groups: dict[Any, list[Item]] = {}
    bad: list[dict[str, Any]] = []
    for line in lines:
        if line.error is not None:
            bad.append(error_line(line, line.error))
            continue
        try:
            if command == "validate":
                key, item = (env, None), validate_work(line)
            else:
                key, item = solve_work(line, env, options)
        except (InputError, ValueError, TypeError) as err:
            bad.append(error_line(line, str(err)))
            continue
        groups.setdefault(key, []).append(item)
    kind = "validate" if command == "validate" else "solve"
    chunks = [Chunk(kind, name, opts, None if kind == "validate" else model, tuple(items[i:i + size]))
              for (name, opts), items in groups.items() for i in range(0, len(items), size)]
    return chunks, bad


def _engine(engine: str, chunks: list[Chunk], workers: int | None, address: str | None,
            device: str | None) -> Iterator[list[dict[str, Any]]]:
    if engine == "local":
        from dream_agent.batch.local import run_local

        return run_local(chunks, workers=workers or 1, device=device or "cpu")
    if engine == "ray":
        try:
            from dream_agent.batch.ray_engine import run_ray
        except ImportError:
            raise InputError('--engine ray needs Ray: pip install "dream-agent[ray]"') from None
        return run_ray(chunks, workers=workers, address=address, device=device)
    raise InputError(f"unknown engine {engine!r}; valid: {', '.join(ENGINES)}")
