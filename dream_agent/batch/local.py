"""The `local` engine: chunks run in this process (one worker) or in a pool of worker processes.

Each worker process loads the models it needs once and keeps them; results come back as each
chunk finishes. A worker process that dies takes its chunks with it: they are run once more in a
fresh pool, then answered with error lines.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Iterable, Iterator

from dream_agent.batch.lines import Line, error_line
from dream_agent.batch.work import Chunk, run_chunk

ATTEMPTS = 2  # runs of a chunk whose worker process died, before its lines get error lines


def failed(chunk: Chunk, err: BaseException) -> list[dict[str, Any]]:
    """Error lines for every line of a chunk that could not run."""
    message = f"{type(err).__name__}: {err}"
    return [error_line(Line(item.number, item.id), message) for item in chunk.items]


def run_safely(chunk: Chunk, device: str) -> list[dict[str, Any]]:
    """`run_chunk`, with an unexpected failure (not bad input) as error lines so the batch goes on."""
    try:
        return run_chunk(chunk, device)
    except Exception as err:  # noqa: BLE001 - a batch answers every line, whatever broke
        return failed(chunk, err)


def run_local(chunks: Iterable[Chunk], *, workers: int = 1, device: str = "cpu") -> Iterator[list[dict[str, Any]]]:
    """The output lines of each chunk, as chunks finish.

    Args:
        chunks: the work.
        workers: 1 runs every chunk in this process; N > 1 starts N worker processes (spawned, each
            with cpu_count // N torch threads) and keeps 2 chunks per worker in flight.
        device: where models run ("cpu", "cuda", ...).
    """
    if workers == 1:
        for chunk in chunks:
            yield run_safely(chunk, device)
        return
    threads = max(1, (os.cpu_count() or 1) // workers)
    todo = list(chunks)
    todo.reverse()  # pop() from the end takes them in order
    attempts: dict[int, int] = {}
    while todo:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(threads,))
        pending: dict[Future, Chunk] = {}
        broken = False
        try:
            while todo or pending:
                while todo and not broken and len(pending) < 2 * workers:
                    chunk = todo.pop()
                    pending[pool.submit(run_chunk, chunk, device)] = chunk
                if not pending:
                    break
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    chunk = pending.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool as err:
                        broken = True
                        attempts[id(chunk)] = attempts.get(id(chunk), 0) + 1
                        if attempts[id(chunk)] < ATTEMPTS:
                            todo.append(chunk)
                        else:
                            yield failed(chunk, err)
                    except Exception as err:  # noqa: BLE001 - see run_safely
                        yield failed(chunk, err)
        finally:
            pool.shutdown(wait=not broken, cancel_futures=True)


def _init_worker(threads: int) -> None:
    """A worker process's torch threads: its share of the cores."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)
