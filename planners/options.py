"""Plan options: the refine loop's budgets and policies on top of the engine's sampling options.

One frozen value, validated once; `PlanOptions.from_mapping` is the one constructor every entry
point (CLI, `plan()`/`solve()`, the runnables) uses on a flat mapping of option names.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from constraints.errors import InputError
from dream_agent.options import SAMPLING_FIELDS, SamplingOptions
from environments.base import RENDERINGS, TIERS, Environment
from planners.remasking import POLICIES

# The hard-constraint tiers a plan can run at: "none" is the model alone (not even a slot's value
# set is enforced); "local" and "search" are the environment's tiers (`environments.base.TIERS`).
CONSTRAINT_TIERS: tuple[str, ...] = ("none", *TIERS)
MAX_CANDIDATES = 256  # rows per problem in one batch; past this the batch, not the search, is the limit
MAX_ROUNDS = 10_000  # rounds per plan; a plan not found in 10,000 rounds is not found in 10**9 (which never ends)


# The options an environment may set for its runs where a request leaves them unset (`for_environment`).
RECOMMENDABLE: tuple[str, ...] = ("confidence_threshold", "candidate_temperature", "retry_alg_temp", "late_candidates")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_temperature(name: str, value: Any, zero_allowed: bool) -> None:
    """A temperature option: None, or a number up to 10,000 (above 0, or from 0 where `zero_allowed`)."""
    if value is None:
        return
    low_ok = isinstance(value, (int, float)) and (value >= 0 if zero_allowed else value > 0)
    if isinstance(value, bool) or not low_ok or not value <= 1e4:
        raise InputError(f"{name} must be a number in {'[' if zero_allowed else '('}0, 10000] or None, got {value!r}")


@dataclass(frozen=True)
class PlanOptions:
    """How the infill -> check -> remask loop runs.

    Attributes:
        sampling: the denoising knobs (steps, alg, temperature, seed, ...), see `SamplingOptions`.
            The first round spends `sampling.steps_for(open tokens)` steps; later rounds keep
            that rate of tokens per step (see `planners.refinement.round_steps`).
        max_rounds: most denoise rounds per plan (1 = no refinement).
        max_nfe: most model forward calls per plan (None: no limit).
        timeout_s: wall-clock limit (None: no limit); checked before each round, and later
            rounds get only the steps the measured time per model call leaves room for.
        remask: the remask policy (`planners.remasking.POLICIES`).
        remask_k: extra low-confidence tokens for `blamed_plus_lowconf`.
        retry_temperature: greedy decoding stops refining a plan once a round would repeat an
            earlier one; the rounds left then go to a sampled restart at this temperature, run
            as a row of the same batch (None: stop instead).
        candidate_temperature: the sampling temperature of the extra candidates of greedy options
            (None: the environment's recommendation, else `retry_temperature`, else 1.0). A confident
            model's candidates at a low temperature redraw its own first choice; hotter ones try others.
        retry_alg_temp: the unmasking-order temperature (Dream's `alg_temp`) of those sampled rows,
            the extra candidates and the restarts (None: they keep the options' `alg_temp`). A
            confident model samples nearly the same tokens at any temperature; a drawn order
            gives its candidates different drafts while the first one stays greedy.
        late_candidates: the extra candidates join only once the first one's draft fails its
            check, so a problem the first draft solves costs one canvas (None: the
            environment's recommendation, else False).
        constraints: the hard-constraint tier while denoising (CONSTRAINT_TIERS): "none", the model
            alone; "local" (the default), each rule checked against committed tokens only (a
            slot's value set, a peer's digit, operands still available, an action applicable
            after the committed prefix); "search", rules that look ahead (propagation,
            reachability), an opt-in assist.
        rendering: "compact" or "text" templates; None: chosen from the model's tokenizer.
        candidates: canvases per problem, rows of the same batch (the first with `sampling`, the
            others sampled); the first valid plan wins (see `planners.refinement.refine_batch`).
            None (the default): the environment's `recommended_candidates`, resolved by
            `for_environment`; a bare template (no environment) runs one.
        keep_trace: record every intermediate draft in the result.
        replan: closed-loop planning for action plans (`planners.replanning`): keep one step at a
            time, each drafted from the state the kept steps reach; one refine run per step.
        shorten: drop the steps a valid action plan does without (a block put down and picked up
            again), after the loop (`environments.shortening`); the result counts them in
            `removed_steps`. False: the plan exactly as drafted.
    """

    sampling: SamplingOptions = field(default_factory=SamplingOptions)
    max_rounds: int = 8
    max_nfe: int | None = None
    timeout_s: float | None = None
    remask: str = "blamed"
    remask_k: int = 4
    retry_temperature: float | None = 0.7
    candidate_temperature: float | None = None
    retry_alg_temp: float | None = None
    late_candidates: bool | None = None
    constraints: str = "local"
    rendering: str | None = None
    candidates: int | None = None
    keep_trace: bool = False
    replan: bool = False
    shorten: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.sampling, SamplingOptions):
            raise InputError(f"sampling must be SamplingOptions, got {type(self.sampling).__name__}")
        if not _is_int(self.max_rounds) or not 1 <= self.max_rounds <= MAX_ROUNDS:
            raise InputError(f"max_rounds must be an integer from 1 to {MAX_ROUNDS}, got {self.max_rounds!r}")
        if self.max_nfe is not None and (not _is_int(self.max_nfe) or self.max_nfe < 1):
            raise InputError(f"max_nfe must be an integer >= 1 or None, got {self.max_nfe!r}")
        timeout = self.timeout_s
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                    or not 0 < timeout < math.inf):
            raise InputError(f"timeout_s must be a number > 0 or None, got {timeout!r}")
        if self.remask not in POLICIES:
            raise InputError(f"unknown remask policy {self.remask!r}; valid: {', '.join(POLICIES)}")
        if not _is_int(self.remask_k) or self.remask_k < 0:
            raise InputError(f"remask_k must be an integer >= 0, got {self.remask_k!r}")
        _check_temperature("retry_temperature", self.retry_temperature, zero_allowed=False)
        _check_temperature("candidate_temperature", self.candidate_temperature, zero_allowed=False)
        _check_temperature("retry_alg_temp", self.retry_alg_temp, zero_allowed=True)
        if self.late_candidates is not None and not isinstance(self.late_candidates, bool):
            raise InputError(f"late_candidates must be true, false or None, got {self.late_candidates!r}")
        if self.constraints not in CONSTRAINT_TIERS:
            raise InputError(f"constraints must be one of {', '.join(CONSTRAINT_TIERS)}, got {self.constraints!r}")
        if self.rendering is not None and self.rendering not in RENDERINGS:
            raise InputError(f"rendering must be one of {', '.join(RENDERINGS)} or None, got {self.rendering!r}")
        if self.candidates is not None and (not _is_int(self.candidates) or not 1 <= self.candidates <= MAX_CANDIDATES):
            raise InputError(f"candidates must be an integer from 1 to {MAX_CANDIDATES} or None (the environment's "
                             f"recommendation), got {self.candidates!r}")
        if not isinstance(self.keep_trace, bool):
            raise InputError(f"keep_trace must be true or false, got {self.keep_trace!r}")
        if not isinstance(self.replan, bool):
            raise InputError(f"replan must be true or false, got {self.replan!r}")
        if not isinstance(self.shorten, bool):
            raise InputError(f"shorten must be true or false, got {self.shorten!r}")
        if self.replan and self.keep_trace:
            raise InputError("re-planning keeps no trace (each kept step is its own refine run); drop one of them")

    @property
    def n_candidates(self) -> int:
        """Canvases per problem: `candidates`, or 1 where no environment resolved it (a bare template).

        >>> PlanOptions().n_candidates, PlanOptions.of(candidates=4).n_candidates
        (1, 4)
        """
        return 1 if self.candidates is None else self.candidates

    def for_environment(self, env: Environment) -> PlanOptions:
        """These options with the environment's recommendations filled in where they leave a choice open.

        `candidates` unset: `env.recommended_candidates`. An environment may recommend more in
        `recommended_options` (see RECOMMENDABLE), each taken where these options leave it None;
        `confidence_threshold` only where `steps` is unset too (a schedule the user gives, e.g.
        `steps=81` for one token per step on a 9x9 grid, is kept). The one place an environment's
        recommendation enters a run (`planners.solving.solve_batch`).
        """
        changes: dict[str, Any] = {}
        if self.candidates is None:
            changes["candidates"] = env.recommended_candidates
        for name, value in getattr(env, "recommended_options", {}).items():
            if name not in RECOMMENDABLE:
                raise ValueError(f"{type(env).__name__} recommends {name!r}; recommendable: {', '.join(RECOMMENDABLE)}")
            if name == "confidence_threshold":
                if self.sampling.steps is None and self.sampling.confidence_threshold is None:
                    changes["sampling"] = self.sampling.replace(confidence_threshold=value)
            elif getattr(self, name) is None:
                changes[name] = value
        return dataclasses.replace(self, **changes) if changes else self

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any] | None = None) -> PlanOptions:
        """Options from flat names: sampling ones (steps, alg, seed, ...) and plan ones (max_rounds, ...).

        `hard_constraints` (true/false) is read as a synonym of `constraints` "local"/"none".

        Raises:
            InputError: an unknown name (listing the valid ones) or a bad value (naming it).

        >>> PlanOptions.from_mapping({"steps": 8, "max_rounds": 2}).sampling.steps
        8
        """
        options = dict(options or {})
        if not all(isinstance(name, str) for name in options):
            raise InputError("option names must be strings")
        unknown = sorted(set(options) - set(OPTION_NAMES) - {"hard_constraints"})
        if unknown:
            raise InputError(f"unknown option(s) {', '.join(unknown)}; valid: {', '.join(sorted(OPTION_NAMES))}")
        if "hard_constraints" in options:
            hard = options.pop("hard_constraints")
            if not isinstance(hard, bool):
                raise InputError(f"hard_constraints must be true or false, got {hard!r}")
            if "constraints" in options and options["constraints"] != ("local" if hard else "none"):
                raise InputError("give constraints or hard_constraints, not both")
            options["constraints"] = options.get("constraints", "local" if hard else "none")
        sampling = {k: options.pop(k) for k in SAMPLING_FIELDS if k in options}
        return cls(sampling=SamplingOptions(**sampling), **options)

    @classmethod
    def of(cls, **options: Any) -> PlanOptions:
        """`from_mapping` with keyword arguments: `PlanOptions.of(steps=8, max_rounds=2)`."""
        return cls.from_mapping(options)

    def replace(self, **changes: Any) -> PlanOptions:
        """A copy with flat `changes` (sampling names included), validated again."""
        base = self.to_dict()
        if "hard_constraints" in changes and "constraints" not in changes:
            del base["constraints"]  # the synonym given now replaces the tier held
        return PlanOptions.from_mapping({**base, **changes})

    def to_dict(self) -> dict[str, Any]:
        """The options as one flat mapping (the form `from_mapping` reads)."""
        flat = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "sampling"}
        return {**dataclasses.asdict(self.sampling), **flat}


OPTION_NAMES: tuple[str, ...] = SAMPLING_FIELDS + tuple(
    f.name for f in dataclasses.fields(PlanOptions) if f.name != "sampling")
