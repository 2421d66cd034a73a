"""What the refine loop gives: its result and the trace of its drafts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from constraints.violation import Violation


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
        candidate: which candidate of the plan (0 unless `PlanOptions.candidates` > 1).
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
    candidate: int = 0

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
        slots: slot name -> its positions in `tokens` (the canvas's slot map).
        trace: every step and check event, when `keep_trace` was set.
        removed_steps: steps of the drafted valid plan that it did without, dropped after the
            loop (`PlanOptions.shorten`); `values`, `text` and `tokens` are the shorter plan's.
    """

    values: dict[str, str]
    text: str
    solved: bool
    violations: tuple[Violation, ...]
    rounds: int
    nfe: int
    seconds: float
    tokens: tuple[int, ...] = ()
    slots: dict[str, tuple[int, ...]] = field(default_factory=dict)
    trace: tuple[TraceEvent, ...] | None = field(default=None, repr=False)
    removed_steps: int = 0

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
            "removed_steps": self.removed_steps,
            **({"trace": [e.to_dict() for e in self.trace]} if self.trace is not None else {}),
        }
