"""Training data made in several processes: the oracle's searches are plain Python, one core each.

`data_pool(work, workers)` gives a `run(job, seeds, on_chunk)` that calls `work(job, chunk)` over
consecutive chunks of seeds, in forked worker processes or in this one, and returns the results
in seed order, so the data is the same for any number of workers. Workers are forked with `work`
already in place (environments need not pickle); only a job key and seeds travel to them.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

CHUNK = 100  # seeds per task: small enough for an even split and a moving progress bar

Work = Callable[[Any, Sequence[int]], list]
Run = Callable[[Any, Sequence[int], Callable[[int], None] | None], list]

_work: Work | None = None  # a worker's `work`, installed when it is forked


def data_workers(threads: int | None) -> int:
    """Processes for data: the CPU threads asked for training, else every core."""
    return max(1, threads if threads is not None else (os.cpu_count() or 1))


@contextmanager
def data_pool(work: Work, workers: int) -> Iterator[Run]:
    """A `run(job, seeds, on_chunk)` over `workers` processes (one, or no fork on this platform: this process)."""
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield lambda job, seeds, on_chunk=None: _collect(map(lambda chunk: work(job, chunk), _chunks(seeds)), seeds, on_chunk)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                             initializer=_install, initargs=(work,)) as pool:
        yield lambda job, seeds, on_chunk=None: _collect(pool.map(_call, [(job, c) for c in _chunks(seeds)]), seeds, on_chunk)


def _chunks(seeds: Sequence[int]) -> list[Sequence[int]]:
    return [seeds[i:i + CHUNK] for i in range(0, len(seeds), CHUNK)]


def _collect(results: Iterator[list], seeds: Sequence[int], on_chunk: Callable[[int], None] | None) -> list:
    out: list = []
    for chunk, result in zip(_chunks(seeds), results):
        out += result
        if on_chunk is not None:
            on_chunk(len(chunk))
    return out


def _install(work: Work) -> None:
    global _work
    _work = work


def _call(args: tuple[Any, Sequence[int]]) -> list:
    assert _work is not None, "a data worker runs only in a pool made by data_pool"
    return _work(*args)
