"""The `ray` engine: Ray actors hold the models and plan chunks; validation chunks run as plain Ray tasks.

The only module that imports `ray` (an import-linter contract). Without an address it starts a
Ray instance on this machine for the run; with one it joins that cluster, where every node must
have this package installed. Actors take one CPU slot each, or one GPU with `device="cuda"`
(the default when the cluster has GPUs). A dead actor is restarted (`max_restarts`) and the chunk
it was running is sent again (`max_task_retries`); results are yielded as they arrive.
"""

from __future__ import annotations

import os
import uuid
from typing import Any, Iterable, Iterator

import ray
from ray.exceptions import RayError

from constraints.errors import InputError
from dream_agent.batch.local import failed, run_safely
from dream_agent.batch.work import Chunk

ACTOR_PREFIX = "dream-agent-batch-"  # actors are named ACTOR_PREFIX + run id + "-" + index


class Planner:
    """A Ray actor: plans chunks with the models it loads once and keeps."""

    def __init__(self, device: str) -> None:
        self.device = device

    def run(self, chunk: Chunk) -> list[dict[str, Any]]:
        return run_safely(chunk, self.device)


def run_ray(
    chunks: Iterable[Chunk],
    *,
    workers: int | None = None,
    address: str | None = None,
    device: str | None = None,
    max_restarts: int = 4,
    max_task_retries: int = 4,
) -> Iterator[list[dict[str, Any]]]:
    """The output lines of each chunk, as chunks finish on the Ray cluster.

    Args:
        chunks: the work.
        workers: planner actors (default: one per GPU with device cuda, else one per CPU slot).
        address: a Ray cluster to join ("auto", "ray://host:10001", ...); None starts a local
            instance for this run (or uses the one this process already started).
        device: where the actors' models run; None: "cuda" when the cluster has GPUs, else "cpu".
        max_restarts: restarts of a dead actor.
        max_task_retries: sends of a chunk whose actor died.
    """
    started = not ray.is_initialized()
    if started:
        if address is None:
            ray.init(num_cpus=max(workers or 1, os.cpu_count() or 1), include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    actors: list[Any] = []
    try:
        resources = ray.cluster_resources()
        gpus, cpus = int(resources.get("GPU", 0)), int(resources.get("CPU", 0))
        device = device or ("cuda" if gpus else "cpu")
        on_gpu = device.startswith("cuda")
        slots = gpus if on_gpu else cpus
        workers = workers or max(1, slots)
        if workers > slots:
            raise InputError(f"--workers {workers} but the Ray cluster has {slots} {'GPU' if on_gpu else 'CPU'} slot(s)")
        yield from _dispatch(list(chunks), actors, workers, device, on_gpu, max_restarts, max_task_retries)
    finally:
        for actor in actors:
            ray.kill(actor)
        if started:
            ray.shutdown()


def _dispatch(chunks: list[Chunk], actors: list[Any], workers: int, device: str, on_gpu: bool, max_restarts: int,
              max_task_retries: int) -> Iterator[list[dict[str, Any]]]:
    """Keep two chunks in flight per actor (and per worker for validation tasks); yield results as they come."""
    run_id = uuid.uuid4().hex[:8]
    planner = ray.remote(num_cpus=0 if on_gpu else 1, num_gpus=1 if on_gpu else 0, max_restarts=max_restarts,
                         max_task_retries=max_task_retries)(Planner)
    validate = ray.remote(num_cpus=1, max_retries=max_task_retries)(run_safely)
    load: dict[int, int] = {}
    pending: dict[Any, tuple[Chunk, int | None]] = {}
    todo = list(reversed(chunks))
    while todo or pending:
        while todo and len(pending) < 2 * workers:
            chunk = todo.pop()
            if chunk.command == "validate":
                pending[validate.remote(chunk, device)] = (chunk, None)
                continue
            if not actors:
                actors.extend(planner.options(name=f"{ACTOR_PREFIX}{run_id}-{i}").remote(device) for i in range(workers))
                load.update({i: 0 for i in range(workers)})
            index = min(load, key=load.__getitem__)
            load[index] += 1
            pending[actors[index].run.remote(chunk)] = (chunk, index)
        ready, _ = ray.wait(list(pending), num_returns=1)
        chunk, index = pending.pop(ready[0])
        if index is not None:
            load[index] -= 1
        try:
            yield ray.get(ready[0])
        except RayError as err:  # the actor died more often than it may restart, or the task was lost
            yield failed(chunk, err)
