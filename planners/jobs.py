"""A refine job: one row of the loop's batch, with its request, its draft, its own generator and budget.

A job's tokens depend on nothing but its request, its options, its candidate number and its own
history: it follows its own step counts and draws from its own generator (`row_seed`), so a plan
is the same whatever other problems share its batch.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import torch

from constraints.violation import Violation
from dream_agent.denoise import LogitsHook
from dream_agent.options import SamplingOptions
from planners.compile import Canvas
from planners.options import PlanOptions
from planners.result import PlanResult, TraceEvent
from planners.value_masks import SlotRules, SlotTokens

Check = Callable[[dict[str, str]], list[Violation]]


def next_seed(seed: int) -> int:
    """The seed after `seed` (sampled candidates and restarts), within the 64 bits a seed may take.

    >>> next_seed(7), next_seed(2**64 - 1)
    (8, 0)
    """
    return seed + 1 if seed + 1 < 2**64 else 0


def row_seed(seed: int, candidate: int) -> int:
    """The seed of one candidate's generator: `seed` itself for the first, a hash of both for the others.

    It depends on nothing else in the batch, so a row draws the same numbers whatever rows run beside it.

    >>> row_seed(7, 0), row_seed(7, 1) == row_seed(7, 1), row_seed(7, 1) == row_seed(8, 1)
    (7, True, False)
    """
    if candidate == 0:
        return seed
    return int.from_bytes(hashlib.blake2b(f"{seed}/{candidate}".encode(), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class Draft:
    """A checked draft of one canvas."""

    tokens: tuple[int, ...]
    values: dict[str, str]
    violations: tuple[Violation, ...]


@dataclass(frozen=True)
class Request:
    """One canvas to fill and what judges it: the unit `refine_batch` takes per row.

    The canvas carries its slots' choices and patterns (compiled once by `requests_for`).
    """

    canvas: Canvas
    check: Check
    logits_hook: LogitsHook | None = None  # an extra hook on this row (row 0 of the tensors it sees)
    allow: SlotTokens | None = None
    ban: SlotTokens | None = None
    rules: SlotRules | None = None  # the environment's hard constraints for this problem
    choices: bool = True  # enforce slot value sets while denoising (off: the model alone)
    rank: Callable[[dict[str, str]], Any] | None = None  # of two valid plans the lower rank wins (e.g. length)


@dataclass(eq=False)
class Job:
    """The loop's state for one request."""

    index: int  # which request
    candidate: int  # which of the request's candidates (0: the options' own sampling)
    request: Request
    sampling: SamplingOptions
    first_steps: int  # steps of a round over the whole canvas
    tokens: list[int] = field(default_factory=list)
    confidence: list[float] = field(default_factory=list)
    steps: int = 0  # steps the next round asks for
    seen: set[tuple[tuple[int, ...], int]] = field(default_factory=set)  # (canvas, steps) of rounds run
    rounds: int = 0
    nfe: int = 0
    calls: set[int] = field(default_factory=set)  # which model calls of the run this job took part in
    seconds: float = 0.0
    done: bool = False
    restarted: bool = False
    waiting: bool = False  # a late candidate before its request's first draft failed (`PlanOptions.late_candidates`)
    best: Draft | None = None
    trace: list[TraceEvent] = field(default_factory=list)
    generator: torch.Generator | None = None  # this row's own draws (made on its first round)

    @property
    def canvas(self) -> Canvas:
        return self.request.canvas

    def start(self) -> None:
        """Open every slot position again (the first round, or a restart with its own sampling)."""
        self.tokens = list(self.canvas.ids)
        self.confidence = [math.nan] * len(self.canvas.ids)
        self.steps = self.first_steps
        self.generator = None

    def generator_on(self, device: torch.device) -> torch.Generator:
        """This job's own generator, seeded from its sampling seed and candidate number only."""
        if self.generator is None:
            seed = row_seed(self.sampling.seed, self.candidate)
            self.generator = torch.Generator(device=device).manual_seed(seed)
        return self.generator

    def repeats(self) -> bool:
        """Whether the next round would start from a canvas (and step count) a greedy round already ran."""
        return self.sampling.is_greedy and (tuple(self.tokens), self.steps) in self.seen

    def preference(self) -> tuple:
        """Sort key among one request's candidates: valid first, then lower rank, fewer violations, earlier."""
        best = self.best
        if best is None:
            return (1, 0, math.inf, self.candidate)
        rank = self.request.rank(best.values) if not best.violations and self.request.rank is not None else 0
        return (int(bool(best.violations)), rank, len(best.violations), self.candidate)

    def result(self, keep_trace: bool) -> PlanResult:
        best = self.best
        if best is None:
            spent = Violation("budget", "the budget ran out before the first round", kind="constraint")
            best = Draft(tuple(self.canvas.ids), {name: "" for name in self.canvas.slots}, (spent,))
        return PlanResult(best.values, self.canvas.template.fill(best.values), not best.violations,
                          best.violations, self.rounds, self.nfe, self.seconds, best.tokens,
                          dict(self.canvas.slots), tuple(self.trace) if keep_trace else None)


class Budget:
    """Rounds, model calls and wall time: when a job stops, and how many steps a round may take.

    `max_nfe` bounds the model calls of a whole request: the calls any of its candidates took
    part in, counted once (a call carrying several candidates of one request is one call).
    """

    def __init__(self, options: PlanOptions, jobs: Sequence[Job] = ()) -> None:
        self.options = options
        self.start = time.perf_counter()
        self.round_seconds = 0.0
        self.calls = 0
        self.siblings: dict[int, list[Job]] = {}
        for job in jobs:
            self.siblings.setdefault(job.index, []).append(job)

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def request_nfe(self, job: Job) -> int:
        """The model calls `job`'s request has taken part in so far, through any of its candidates."""
        group = self.siblings.get(job.index, [job])
        return job.nfe if len(group) == 1 else len(set().union(*(j.calls for j in group)))

    def is_spent(self, job: Job) -> bool:
        o = self.options
        return (job.rounds >= o.max_rounds or (o.max_nfe is not None and self.request_nfe(job) >= o.max_nfe)
                or (o.timeout_s is not None and self.elapsed() >= o.timeout_s))

    def steps(self, job: Job) -> int:
        """Steps for `job`'s next round: what it asks for, within its request's NFE budget and the time left (0: stop)."""
        steps = job.steps
        if self.options.max_nfe is not None:
            steps = min(steps, self.options.max_nfe - self.request_nfe(job))
        if self.options.timeout_s is not None and self.calls:
            steps = min(steps, int((self.options.timeout_s - self.elapsed()) / (self.round_seconds / self.calls)))
        return max(steps, 0)

    def record(self, seconds: float, calls: int) -> None:
        self.round_seconds += seconds
        self.calls += calls
