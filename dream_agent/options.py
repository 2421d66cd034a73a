"""Sampling options: the knobs of `denoise`, validated once and carried as one frozen value.

Every entry point (CLI, Python, runnables) builds a `SamplingOptions` and hands it down; the
defaults below are the only ones. `steps=None` means one denoising step per open token, the
rule `steps_for` resolves.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Mapping

from constraints.errors import InputError

ALGORITHMS: tuple[str, ...] = ("origin", "maskgit_plus", "topk_margin", "entropy")
# Past this a run takes days even on a small model, and the schedule alone costs gigabytes.
MAX_STEPS = 1_000_000


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class SamplingOptions:
    """How `denoise` samples (Dream's sampler, Fast-dLLM's confidence threshold).

    Attributes:
        steps: denoising steps for a fully masked canvas; None: one per open token.
        alg: unmasking order, one of ALGORITHMS.
        alg_temp: None/0 commits the most confident positions; > 0 samples them.
        eps: the final noise level of the linear schedule.
        temperature: 0 takes the most likely token; > 0 samples.
        top_p: nucleus filtering (None: off).
        top_k: keep the k most likely tokens (None: off).
        confidence_threshold: in (0, 1]; commit every token above it (None: off).
        seed: seeds the sampling generator.
    """

    steps: int | None = None
    alg: str = "entropy"
    alg_temp: float | None = None
    eps: float = 1e-3
    temperature: float = 0.0
    top_p: float | None = None
    top_k: int | None = None
    confidence_threshold: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.steps is not None and (not _is_int(self.steps) or not 1 <= self.steps <= MAX_STEPS):
            raise InputError(f"steps must be an integer from 1 to {MAX_STEPS} or None (one per open token), "
                             f"got {self.steps!r}")
        if self.alg not in ALGORITHMS:
            raise InputError(f"unknown alg {self.alg!r}; valid: {', '.join(ALGORITHMS)}")
        if self.alg_temp is not None and not (_is_number(self.alg_temp) and self.alg_temp >= 0):
            raise InputError(f"alg_temp must be a finite number >= 0 or None, got {self.alg_temp!r}")
        if not (_is_number(self.eps) and 0 < self.eps < 1):
            raise InputError(f"eps must be in (0, 1), got {self.eps!r}")
        # past ~1e4 the logits divided by the temperature are all equal: a finite cap keeps softmax defined
        if not (_is_number(self.temperature) and 0 <= self.temperature <= 1e4):
            raise InputError(f"temperature must be a finite number from 0 to 10000, got {self.temperature!r}")
        if self.top_p is not None and not (_is_number(self.top_p) and 0 < self.top_p <= 1):
            raise InputError(f"top_p must be in (0, 1] or None, got {self.top_p!r}")
        if self.top_k is not None and not (_is_int(self.top_k) and self.top_k >= 1):
            raise InputError(f"top_k must be an integer >= 1 or None, got {self.top_k!r}")
        threshold = self.confidence_threshold
        if threshold is not None and not (_is_number(threshold) and 0 < threshold <= 1):
            raise InputError(f"confidence_threshold must be in (0, 1] or None, got {threshold!r}")
        if not _is_int(self.seed) or not -(2**63) <= self.seed < 2**64:
            raise InputError(f"seed must be a 64-bit integer, got {self.seed!r}")

    @property
    def is_greedy(self) -> bool:
        """No randomness: the same canvas always gives the same draft."""
        return self.temperature == 0 and not self.alg_temp and self.alg != "origin"

    def steps_for(self, n_open: int) -> int:
        """Steps for a canvas with `n_open` masked positions: `steps`, or one per open token.

        Past one step per open token a step commits nothing yet costs a model call, so the
        count is capped there (except for `origin`, whose steps are coin flips per token).

        >>> SamplingOptions().steps_for(10), SamplingOptions(steps=4).steps_for(10)
        (10, 4)
        >>> SamplingOptions(steps=64).steps_for(10), SamplingOptions(steps=64, alg="origin").steps_for(10)
        (10, 64)
        """
        n_open = max(1, n_open)
        if self.steps is None:
            return n_open
        return self.steps if self.alg == "origin" else min(self.steps, n_open)

    def denoise_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of `denoise` these options set (all but `steps` and `seed`)."""
        return {"alg": self.alg, "alg_temp": self.alg_temp, "eps": self.eps, "temperature": self.temperature,
                "top_p": self.top_p, "top_k": self.top_k, "confidence_threshold": self.confidence_threshold}

    def replace(self, **changes: Any) -> SamplingOptions:
        """A copy with `changes` (validated again)."""
        return dataclasses.replace(self, **changes)


SAMPLING_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(SamplingOptions))


def sampling_options(options: Mapping[str, Any]) -> SamplingOptions:
    """`SamplingOptions` from a flat mapping; unknown names raise InputError listing the valid ones."""
    unknown = sorted(set(options) - set(SAMPLING_FIELDS))
    if unknown:
        raise InputError(f"unknown sampling option(s) {', '.join(unknown)}; valid: {', '.join(SAMPLING_FIELDS)}")
    return SamplingOptions(**options)
