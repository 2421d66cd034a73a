"""What the refine loop takes and gives: its options, its result and the trace of its drafts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from constraints.errors import InputError
from constraints.violation import Violation
from dream_agent.denoise import ALGORITHMS
from planners.remask import POLICIES


@dataclass(frozen=True)
class PlanOptions:
    """Knobs of the infill -> check -> remask loop (sampling knobs follow `denoise`).

    Attributes:
        steps: denoising steps of the first round (the whole canvas); later rounds scale it
            by the share of tokens re-masked (see `planners.refine.round_steps`).
        alg, alg_temp, temperature, top_p, top_k, confidence_threshold: passed to `denoise`.
        seed: seeds the sampling generator (one per call).
        max_rounds: most denoise rounds (1 = no refinement).
        max_nfe: most model forward calls per plan (None: no limit).
        timeout_s: wall-clock limit (None: no limit); checked before each round, and later
            rounds get only the steps the measured time per model call leaves room for.
        remask: the remask policy (`planners.remask.POLICIES`).
        remask_k: extra low-confidence tokens for `blamed_plus_lowconf`.
        keep_trace: record every intermediate draft in the result.
        retry_temperature: greedy decoding (temperature 0) stops refining a plan once a round
            would repeat an earlier one; the rounds left then go to sampled restarts at this
            temperature (None: stop instead).
    """

    steps: int = 32
    alg: str = "entropy"
    alg_temp: float | None = None
    temperature: float = 0.0
    top_p: float | None = None
    top_k: int | None = None
    confidence_threshold: float | None = None
    seed: int = 0
    max_rounds: int = 4
    max_nfe: int | None = None
    timeout_s: float | None = None
    remask: str = "blamed"
    remask_k: int = 4
    keep_trace: bool = False
    retry_temperature: float | None = 0.7

    def __post_init__(self) -> None:
        for name in ("steps", "max_rounds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"{name} must be an integer >= 1, got {value!r}")
        nfe = self.max_nfe
        if nfe is not None and (isinstance(nfe, bool) or not isinstance(nfe, int) or nfe < 1):
            raise InputError(f"max_nfe must be an integer >= 1 or None, got {self.max_nfe!r}")
        if self.timeout_s is not None and not self.timeout_s > 0:
            raise InputError(f"timeout_s must be > 0 or None, got {self.timeout_s!r}")
        if self.alg not in ALGORITHMS:
            raise InputError(f"unknown alg {self.alg!r}; valid: {', '.join(ALGORITHMS)}")
        if self.remask not in POLICIES:
            raise InputError(f"unknown remask policy {self.remask!r}; valid: {', '.join(POLICIES)}")
        if isinstance(self.remask_k, bool) or not isinstance(self.remask_k, int) or self.remask_k < 0:
            raise InputError(f"remask_k must be an integer >= 0, got {self.remask_k!r}")
        if not 0 <= self.temperature < float("inf"):
            raise InputError(f"temperature must be a finite number >= 0, got {self.temperature!r}")
        if self.retry_temperature is not None and not 0 < self.retry_temperature < float("inf"):
            raise InputError(f"retry_temperature must be a finite number > 0 or None, got {self.retry_temperature!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not -(2**63) <= self.seed < 2**64:
            raise InputError(f"seed must be a 64-bit integer, got {self.seed!r}")


@dataclass(frozen=True)
class TraceEvent:
    """One moment of the loop.

    Attributes:
        kind: "step" (a draft after a denoising step) or "check" (a draft checked after a round).
        index: which plan of a batch (0 for a single plan).
        round: 1-based round.
        step: 0-based step within the round (-1 for a check event).
        tokens: the canvas tokens (fixed text included; the mask id at open positions).
        values: slot values decoded from `tokens` (unfilled positions decode as the mask token).
        blamed: slots blamed by the check (check events).
        remasked: token positions opened again for the next round (check events).
        violations: how many violations the check found (check events).
    """

    kind: str
    index: int
    round: int
    step: int
    tokens: tuple[int, ...]
    values: dict[str, str]
    blamed: tuple[str, ...] = ()
    remasked: tuple[int, ...] = ()
    violations: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("tokens", "blamed", "remasked"):
            d[key] = list(d[key])
        return d


@dataclass(frozen=True)
class PlanResult:
    """The best plan seen (fewest violations; the earliest on ties) and what it cost.

    Attributes:
        values: slot name -> filled value.
        text: the template with its slots filled.
        solved: no violations remain.
        violations: the violations of the returned plan.
        rounds: denoise rounds run.
        nfe: model forward calls made for this plan.
        seconds: wall time until this plan finished.
        tokens: the canvas tokens of the returned plan.
        trace: every step and check event, when `keep_trace` was set.
    """

    values: dict[str, str]
    text: str
    solved: bool
    violations: tuple[Violation, ...]
    rounds: int
    nfe: int
    seconds: float
    tokens: tuple[int, ...] = ()
    trace: tuple[TraceEvent, ...] | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "values": dict(self.values),
            "text": self.text,
            "solved": self.solved,
            "violations": [v.to_dict() for v in self.violations],
            "rounds": self.rounds,
            "nfe": self.nfe,
            "seconds": round(self.seconds, 4),
            "tokens": list(self.tokens),
            **({"trace": [e.to_dict() for e in self.trace]} if self.trace is not None else {}),
        }
