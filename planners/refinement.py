"""The infill -> check -> remask loop: denoise the canvases, check the plans, re-mask what is blamed, repeat.

Each canvas of a batch is one `Job` (`planners.jobs`). A round is one `denoise` call over the
active jobs (right-padded, with an attention mask) for each sampling setting in use: greedy
jobs, and jobs restarted with sampling after a stall. Each job runs its own step count and draws
from its own generator, so its plan does not depend on the other jobs of the batch. A job stops
when its plan is valid or its budget is spent; it returns the best draft it saw (fewest
violations, the earliest on ties).
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any, Callable, Mapping, Sequence

import torch

from constraints.errors import InputError
from constraints.template import Template
from constraints.violation import Constraint, Violation, check_all
from dream_agent.denoise import DeferHook, LogitsHook, denoise
from dream_agent.options import SamplingOptions
from dream_agent.protocols import DiffusionLM
from planners.compile import Canvas, compile_template, decode_slots
from planners.jobs import Budget, Check, Draft, Job, Request, next_seed
from planners.options import PlanOptions
from planners.remasking import blamed_slots, remask_positions
from planners.result import PlanResult, TraceEvent
from planners.value_masks import SlotRules, SlotTokens, ValueMasks

OnStep = Callable[[TraceEvent], None]


def round_steps(steps: int, n_remasked: int, n_open: int) -> int:
    """Steps for a round that re-opens `n_remasked` of the canvas's `n_open` slot tokens.

    The first round spends `steps` on all `n_open` tokens; a later round keeps that rate of
    tokens per step, so re-masking 4 of 64 tokens costs 1/16 of the steps (at least one).

    >>> round_steps(32, 64, 64), round_steps(32, 4, 64), round_steps(32, 1, 64)
    (32, 2, 1)
    """
    return max(1, math.ceil(steps * n_remasked / max(n_open, 1)))


def choice_violations(canvas: Canvas, values: Mapping[str, str]) -> list[Violation]:
    """A violation for each choice slot whose value is not one of its choices."""
    out = []
    for name in canvas.choices:
        choices = canvas.slot(name).choices
        if values.get(name, "") not in choices and values.get(name, "").strip() not in {c.strip() for c in choices}:
            out.append(Violation("choices", f"slot {name} holds {values.get(name, '')!r}, not one of its choices",
                                 kind="domain", slots=(name,)))
    return out


def pattern_violations(canvas: Canvas, values: Mapping[str, str]) -> list[Violation]:
    """A violation for each pattern slot whose value does not fullmatch its pattern."""
    out = []
    for name, automaton in canvas.patterns.items():
        value = values.get(name, "")
        if not automaton.matches(value):
            out.append(Violation("pattern", f"slot {name} holds {value!r}, which does not match {automaton.pattern!r}",
                                 kind="domain", slots=(name,)))
    return out


def refine_batch(
    model: DiffusionLM,
    requests: Sequence[Request],
    *,
    options: PlanOptions = PlanOptions(),
    on_step: OnStep | None = None,
) -> list[PlanResult]:
    """Fill every request's canvas, refining blamed slots until its check passes or its budget ends.

    With `options.n_candidates` K > 1 each request runs as K jobs, rows of the same batch: the
    first with the options' sampling, the others sampled (at the options' temperature, or when that
    is 0 at `candidate_temperature`, else `retry_temperature`, else 1.0), each checked and remasked
    on its own blame. A request stops at its first valid plan; of candidates valid in the same
    round the lower `rank` wins. Its NFE counts the model calls any of its candidates took part in (a call carries several
    rows; greedy and sampled rows go in separate calls), its rounds the most any ran; `max_nfe`
    bounds that count, the request's, not each candidate's. With `options.late_candidates` the
    others join only after the first candidate's first draft fails its check; with
    `options.retry_alg_temp` they also draw their unmasking order.

    Each job of a round runs the step count it asks for, capped by its own NFE budget, and draws
    from its own generator (seeded from the seed and its candidate number, `planners.jobs.row_seed`),
    so a plan is the same at any batch size; each job's `nfe` counts the model calls it took
    part in. Events carry the job's `index`. Rounds and time apply per job, `max_nfe` per request. Without sampling
    (temperature 0, no alg_temp, alg other than "origin") a job stalls once its next round
    would start from a canvas (and step count) it already started from; with
    `options.retry_temperature` it then restarts from the empty canvas with sampling, as a row
    of the same batch, for the rounds left, and keeps the best draft over both attempts.
    """
    for i, request in enumerate(requests):
        if len(request.canvas.ids) > model.denoiser.max_length:
            which = f"problem {i + 1} of {len(requests)}" if len(requests) > 1 else "the problem"
            raise InputError(f"{which} needs {len(request.canvas.ids)} tokens (template with its prefix); the model "
                             f"accepts at most {model.denoiser.max_length}: give a smaller problem or a model trained "
                             "with a larger max_length")
    sampling = options.sampling
    sampled = _sampled(sampling, options,
                       sampling.temperature or options.candidate_temperature or options.retry_temperature or 1.0)
    jobs = [Job(i, k, r, sampling if k == 0 else sampled, sampling.steps_for(len(r.canvas.open_positions)))
            for i, r in enumerate(requests) for k in range(options.n_candidates)]
    budget = Budget(options, jobs)
    emit = _recorder(options, on_step)
    for job in jobs:
        job.start()
        job.waiting = bool(options.late_candidates) and job.candidate > 0
        if not job.canvas.open_positions:  # nothing to fill: check the fixed text once
            job.rounds = 1
            _absorb(job, list(job.canvas.ids), job.confidence, 0, options, emit)
            job.done = True
    while True:
        if options.late_candidates:
            _wake_late_candidates(jobs)
        active = [job for job in jobs if not job.done and not job.waiting and not _stops(job, budget, options)]
        if not active:
            break
        for group in _by_sampling(active):
            kept = []
            for job in group:
                n = budget.steps(job)
                if n < 1:  # the budget leaves this job no denoiser call
                    job.done, job.seconds = True, budget.elapsed()
                else:
                    kept.append((job, n))
            if not kept:
                continue
            group, steps = [job for job, _ in kept], [n for _, n in kept]
            t0, first_call = time.perf_counter(), budget.calls
            drafts, calls = _denoise_round(model, group, steps, emit)
            budget.record(time.perf_counter() - t0, calls)
            for job, (tokens, confidence, nfe) in zip(group, drafts):
                job.calls.update(range(first_call, first_call + nfe))
                job.seen.add((tuple(job.tokens), job.steps))
                job.rounds += 1
                _absorb(job, tokens, confidence, nfe, options, emit)
                if job.done:
                    job.seconds = budget.elapsed()
        if options.n_candidates > 1:
            _stop_solved_requests(jobs, budget)
    return [_request_result(group, options.keep_trace) for group in _by_request(jobs)]


def _by_request(jobs: list[Job]) -> list[list[Job]]:
    """The jobs of each request, in request order."""
    groups: dict[int, list[Job]] = {}
    for job in jobs:
        groups.setdefault(job.index, []).append(job)
    return list(groups.values())


def _wake_late_candidates(jobs: list[Job]) -> None:
    """Late candidates join once their request's first candidate has a draft that fails its check (or has stopped)."""
    for group in _by_request(jobs):
        first = group[0]
        if first.done or (first.best is not None and first.best.violations):
            for job in group[1:]:
                job.waiting = False


def _stop_solved_requests(jobs: list[Job], budget: Budget) -> None:
    """A request with a valid plan needs no more rounds from its other candidates."""
    for group in _by_request(jobs):
        if any(job.best is not None and not job.best.violations for job in group):
            for job in group:
                if not job.done:
                    job.done, job.seconds = True, budget.elapsed()


def _request_result(group: list[Job], keep_trace: bool) -> PlanResult:
    """The request's result: its preferred candidate's plan, with the cost of all its candidates."""
    chosen = min(group, key=Job.preference).result(keep_trace)
    if len(group) == 1:
        return chosen
    trace = None if not keep_trace else tuple(e for job in group for e in job.trace)
    return dataclasses.replace(chosen, rounds=max(j.rounds for j in group), nfe=len(set().union(*(j.calls for j in group))),
                               seconds=max(j.seconds for j in group), trace=trace)


def _sampled(sampling: SamplingOptions, options: PlanOptions, temperature: float) -> SamplingOptions:
    """The sampling of extra candidates and stall restarts: `temperature`, `options.retry_alg_temp` where
    set, and a seed of their own (so a restart does not replay its greedy draft; each row adds its candidate)."""
    order = {} if options.retry_alg_temp is None else {"alg_temp": options.retry_alg_temp}
    return sampling.replace(temperature=temperature, seed=next_seed(sampling.seed), **order)


def _stops(job: Job, budget: Budget, options: PlanOptions) -> bool:
    """Whether `job` ends before the next round; a greedy job that stalls may restart with sampling."""
    if budget.is_spent(job):
        job.done, job.seconds = True, budget.elapsed()
        return True
    if job.repeats():
        if options.retry_temperature is None or job.restarted:
            job.done, job.seconds = True, budget.elapsed()
            return True
        # a sampled restart: its own seed, so that it does not replay the greedy draft
        job.sampling = _sampled(job.sampling, options, options.retry_temperature)
        job.restarted = True
        job.start()
    return False


def _by_sampling(jobs: list[Job]) -> list[list[Job]]:
    """Jobs grouped by how they sample (one denoise call each; seeds may differ), in first-seen order."""
    groups: dict[tuple, list[Job]] = {}
    for job in jobs:
        groups.setdefault(tuple(job.sampling.denoise_kwargs().items()), []).append(job)
    return list(groups.values())


def _recorder(options: PlanOptions, on_step: OnStep | None) -> Callable[[Job, TraceEvent], None] | None:
    """Where events go: the job's trace and/or `on_step`; None when nobody listens."""
    if not options.keep_trace and on_step is None:
        return None

    def emit(job: Job, event: TraceEvent) -> None:
        if options.keep_trace:
            job.trace.append(event)
        if on_step is not None:
            on_step(event)

    return emit


def _value_masks(jobs: Sequence[Job]) -> tuple[LogitsHook, Callable[[torch.Tensor], torch.Tensor], DeferHook]:
    """The hard constraints of a round's rows as one logits hook, the repair of parallel commits, and
    the fill order's defer hook."""
    requests = [job.request for job in jobs]
    masks = ValueMasks([r.canvas for r in requests], allow=[r.allow for r in requests], ban=[r.ban for r in requests],
                       rules=[r.rules for r in requests], choices=[r.choices for r in requests])
    extra = [(b, r.logits_hook) for b, r in enumerate(requests) if r.logits_hook is not None]

    def logits_hook(step: int, xs: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        for b, hook in extra:
            logits[b : b + 1] = hook(step, xs[b : b + 1], logits[b : b + 1])
        return masks(step, xs, logits)

    return logits_hook, masks.repair, masks.deferred


def _denoise_round(model: DiffusionLM, jobs: list[Job], steps: list[int],
                   emit: Callable | None) -> tuple[list[tuple[list[int], list[float], int]], int]:
    """One batched denoise call over `jobs`, each with its own `steps` and generator.

    Returns per job (tokens, confidence, the model calls it took part in), and the steps run.
    """
    denoiser = model.denoiser
    mask_id = denoiser.mask_id
    lengths = [len(job.tokens) for job in jobs]
    width = max(lengths)
    fill = denoiser.pad_id if denoiser.pad_id is not None else (0 if mask_id != 0 else 1)
    x = torch.full((len(jobs), width), fill, dtype=torch.long)  # (B, L) right-padded
    for b, job in enumerate(jobs):
        x[b, : lengths[b]] = torch.tensor(job.tokens)
    attention_mask = None
    if min(lengths) < width:
        attention_mask = (torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]).long()  # (B, L)
        attention_mask = attention_mask.to(denoiser.device)
    x = x.to(denoiser.device)
    logits_hook, repair, defer_hook = _value_masks(jobs)
    # which rows take part in the current step: as `denoise` decides (open positions, steps left)
    live = [bool((x[b] == mask_id).any()) for b in range(len(jobs))]

    def tokens_hook(step: int, xs: torch.Tensor) -> torch.Tensor | None:
        fixed = repair(xs)
        still_open = (fixed == mask_id).any(dim=1).tolist()
        for b, job in enumerate(jobs):
            if not live[b]:
                continue
            if emit is not None:
                held = fixed[b, : lengths[b]].tolist()
                emit(job, TraceEvent("step", job.index, job.rounds + 1, step, tuple(held),
                                     decode_slots(job.canvas, held), candidate=job.candidate))
            live[b] = still_open[b] and step + 1 < steps[b]
        return None if fixed is xs else fixed

    generators = [job.generator_on(x.device) for job in jobs]
    out = denoise(denoiser, x, steps=steps, attention_mask=attention_mask, logits_hook=logits_hook,
                  tokens_hook=tokens_hook, defer_hook=defer_hook, generator=generators, **jobs[0].sampling.denoise_kwargs())
    drafts = [(out.tokens[b, : lengths[b]].tolist(), out.confidence[b, : lengths[b]].tolist(), int(out.row_nfe[b]))
              for b in range(len(jobs))]
    return drafts, out.nfe


def _absorb(job: Job, tokens: list[int], confidence: list[float], nfe: int, options: PlanOptions,
            emit: Callable | None) -> None:
    """Take a round's draft: check it, keep it if best, and re-mask what is blamed."""
    canvas = job.canvas
    job.nfe += nfe
    job.confidence = [c if not math.isnan(c) else old for c, old in zip(confidence, job.confidence)]
    values = decode_slots(canvas, tokens)
    found = job.request.check(values)
    if found is None:
        raise TypeError("the check returned None; it must return a list of Violation")
    violations = tuple(choice_violations(canvas, values)) + tuple(pattern_violations(canvas, values)) + tuple(found)
    if job.best is None or len(violations) < len(job.best.violations):
        job.best = Draft(tuple(tokens), values, violations)
    draft, positions = tuple(tokens), ()
    if not violations:
        job.done = True
    else:
        positions = remask_positions(options.remask, canvas, violations, confidence=job.confidence,
                                     k=options.remask_k)
        for p in positions:
            tokens[p] = canvas.mask_id
        job.steps = round_steps(job.first_steps, len(positions), len(canvas.open_positions))
    if emit is not None:
        blamed = blamed_slots(canvas, violations) if violations else ()
        emit(job, TraceEvent("check", job.index, job.rounds, -1, draft, values,
                             tuple(canvas.slots) if blamed is None else blamed, positions, len(violations),
                             candidate=job.candidate))
    job.tokens = tokens


def requests_for(
    model: DiffusionLM,
    templates: Sequence[Template | str],
    checks: Check | Sequence[Check],
    *,
    prefixes: Sequence[str | Sequence[int]] | None = None,
    logits_hooks: Sequence[LogitsHook | None] | None = None,
    allow: Sequence[SlotTokens | None] | None = None,
    ban: Sequence[SlotTokens | None] | None = None,
    rules: Sequence[SlotRules | None] | None = None,
    patterns: Sequence[Mapping[str, str] | None] | None = None,
) -> list[Request]:
    """Compile each template (after its prefix) once, and pair it with its check and constraints.

    `patterns` gives, per template, slot name -> a regular expression the slot's value must
    fullmatch (see `planners.patterns`); a pattern no value of its slot's budget can match
    raises InputError here, before any model call.
    """
    n = len(templates)
    checks = [checks] * n if callable(checks) else list(checks)
    columns = {"checks": checks, "prefixes": prefixes, "logits_hooks": logits_hooks, "allow": allow, "ban": ban,
               "rules": rules, "patterns": patterns}
    columns = {what: [None] * n if seq is None else list(seq) for what, seq in columns.items()}
    for what, seq in columns.items():
        if len(seq) != n:
            raise ValueError(f"{what}: got {len(seq)} entries for {n} templates")
    shift = model.denoiser.shift
    return [Request(compile_template(t, model.tokenizer, prefix=p or "", shift=shift, patterns=x), c, h, a, b, r)
            for t, c, p, h, a, b, r, x in zip(templates, *columns.values())]


def refine(
    model: DiffusionLM,
    template: Template | str,
    check: Check,
    *,
    options: PlanOptions = PlanOptions(),
    prefix: str | Sequence[int] = "",
    logits_hook: LogitsHook | None = None,
    on_step: OnStep | None = None,
    allow: SlotTokens | None = None,
    ban: SlotTokens | None = None,
    patterns: Mapping[str, str] | None = None,
) -> PlanResult:
    """Fill `template` with `model`, refining blamed slots until `check` finds nothing or the budget ends.

    Args:
        model: the diffusion LM (denoiser + tokenizer).
        template: a Template or template text (see `planners.compile`).
        check: slot values -> violations (violations blame slot names).
        options: sampling, budgets, remask policy, trace.
        prefix: prompt text or token ids placed before the template.
        logits_hook: an extra `(step, x, logits) -> logits` hook, applied before the value masks.
        on_step: called with every TraceEvent as it happens (drafts after each step, checks).
        allow / ban: per-slot allowed and banned tokens (see `planners.value_masks.ValueMasks`).
        patterns: slot name -> a regular expression the value must fullmatch, e.g.
            ``{"phone": r"[0-9]{3}-[0-9]{4}"}`` (the same as ``{phone:<=9~[0-9]{3}-[0-9]{4}}``).

    Returns:
        The PlanResult of the best plan seen.
    """
    requests = requests_for(model, [template], [check], prefixes=[prefix], logits_hooks=[logits_hook],
                            allow=[allow], ban=[ban], patterns=[patterns])
    return refine_batch(model, requests, options=options, on_step=on_step)[0]


def plan(
    model: DiffusionLM,
    template: Template | str,
    constraints: Sequence[Constraint] = (),
    *,
    options: PlanOptions | None = None,
    prefix: str | Sequence[int] = "",
    on_step: OnStep | None = None,
    allow: SlotTokens | None = None,
    ban: SlotTokens | None = None,
    patterns: Mapping[str, str] | None = None,
    **overrides: Any,
) -> PlanResult:
    """Plan with a template and constraints: the generic Python entry point.

    Args:
        model: the diffusion LM.
        template: a Template or template text, e.g. ``"Step 1: {action|pick,place} the {obj:<=3}."``.
        constraints: checkers (see `constraints.checkers`), run on every draft.
        options: a PlanOptions; keyword `overrides` (steps=..., seed=...) replace its fields.
        prefix, on_step, allow, ban, patterns: as in `refine`.

    Returns:
        The PlanResult, e.g. ``plan(lm, "{a|x,y} {b|x,y}", [all_different(["a", "b"])], steps=8)``.
    """
    opts = (options or PlanOptions()).replace(**overrides) if overrides else (options or PlanOptions())
    constraints = list(constraints)
    return refine(model, template, lambda values: check_all(constraints, values), options=opts, prefix=prefix,
                  on_step=on_step, allow=allow, ban=ban, patterns=patterns)
