"""The infill -> check -> remask loop: denoise the canvas, check the plan, re-mask what is blamed, repeat.

Each round is one `denoise` call over every unsolved plan of a batch (right-padded, with an
attention mask); solved plans and plans out of budget drop out. The best plan seen (fewest
violations) is returned.
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
from dream_agent.denoise import LogitsHook, denoise
from dream_agent.protocols import DiffusionLM
from planners.compile import Canvas, compile_template, decode_slots
from planners.remask import blamed_slots, remask_positions
from planners.result import PlanOptions, PlanResult, TraceEvent
from planners.value_masks import SlotRules, SlotTokens, ValueMasks

Check = Callable[[dict[str, str]], list[Violation]]
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


class _Row:
    """The loop's state for one plan of the batch."""

    def __init__(self, index: int, canvas: Canvas, check: Check, hook: LogitsHook | None, allow: Any, ban: Any,
                 rules: SlotRules | None) -> None:
        self.index, self.canvas, self.check, self.hook = index, canvas, check, hook
        self.allow, self.ban, self.rules = allow, ban, rules
        self.tokens = list(canvas.ids)
        self.confidence = [math.nan] * len(canvas.ids)
        self.want = 0  # steps the next round asks for
        self.inputs: set[tuple[tuple[int, ...], int]] = set()  # (canvas, steps) of every round run
        self.rounds = self.nfe = 0
        self.done = False
        self.seconds = 0.0
        self.best: tuple[int, tuple[int, ...], dict[str, str], tuple[Violation, ...]] | None = None
        self.trace: list[TraceEvent] = []

    def result(self, keep_trace: bool) -> PlanResult:
        if self.best is None:
            values = {name: "" for name in self.canvas.slots}
            spent = Violation("budget", "the budget ran out before the first round", kind="constraint")
            self.best = (1, tuple(self.canvas.ids), values, (spent,))
        _, tokens, values, violations = self.best
        return PlanResult(values, self.canvas.template.fill(values), not violations, violations, self.rounds,
                          self.nfe, self.seconds, tokens, tuple(self.trace) if keep_trace else None)


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
    rules: SlotRules | None = None,
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
        rules: the problem's dynamic slot rules (see `planners.value_masks.SlotRules`).

    Returns:
        The PlanResult of the best plan seen.
    """
    return refine_batch(model, [template], [check], options=options, prefixes=[prefix], logits_hooks=[logits_hook],
                        on_step=on_step, allow=[allow], ban=[ban], rules=[rules])[0]


def _refine_batch_once(
    model: DiffusionLM,
    templates: Sequence[Template | str],
    checks: Check | Sequence[Check],
    *,
    options: PlanOptions = PlanOptions(),
    prefixes: Sequence[str | Sequence[int]] | None = None,
    logits_hooks: Sequence[LogitsHook | None] | None = None,
    on_step: OnStep | None = None,
    allow: Sequence[SlotTokens | None] | None = None,
    ban: Sequence[SlotTokens | None] | None = None,
    rules: Sequence[SlotRules | None] | None = None,
) -> list[PlanResult]:
    """One pass of `refine_batch` (see there), without sampled restarts."""
    n = len(templates)
    checks = [checks] * n if callable(checks) else list(checks)
    prefixes = [""] * n if prefixes is None else list(prefixes)
    hooks = [None] * n if logits_hooks is None else list(logits_hooks)
    allow = [None] * n if allow is None else list(allow)
    ban = [None] * n if ban is None else list(ban)
    rules = [None] * n if rules is None else list(rules)
    per_template = {"checks": checks, "prefixes": prefixes, "logits_hooks": hooks, "allow": allow, "ban": ban,
                    "rules": rules}
    for what, seq in per_template.items():
        if len(seq) != n:
            raise ValueError(f"{what}: got {len(seq)} entries for {n} templates")
    denoiser, tokenizer = model.denoiser, model.tokenizer
    canvases = [compile_template(t, tokenizer, prefix=p, shift=denoiser.shift) for t, p in zip(templates, prefixes)]
    for i, canvas in enumerate(canvases):
        if len(canvas.ids) > denoiser.max_length:
            raise InputError(f"template {i} with its prefix is {len(canvas.ids)} tokens; the model accepts at most "
                             f"{denoiser.max_length}")
    rows = [_Row(i, *args) for i, args in enumerate(zip(canvases, checks, hooks, allow, ban, rules))]
    emit = options.keep_trace or on_step is not None
    # without sampling, a round given a canvas it has seen before repeats its draft: stop instead
    deterministic = options.temperature == 0 and not options.alg_temp and options.alg != "origin"

    def record(row: _Row, event: TraceEvent) -> None:
        if options.keep_trace:
            row.trace.append(event)
        if on_step is not None:
            on_step(event)

    generator = torch.Generator(device=denoiser.device).manual_seed(options.seed)
    start = time.perf_counter()
    spent_s, calls = 0.0, 0
    for row in rows:
        row.want = options.steps
        if not row.canvas.open_positions:  # nothing to fill: check the fixed text once
            row.rounds, row.done = 1, True
            _absorb(row, list(row.canvas.ids), [math.nan] * len(row.canvas.ids), 0, options, record if emit else None)
    while True:
        elapsed = time.perf_counter() - start
        active = []
        for row in rows:
            if row.done:
                continue
            if (row.rounds >= options.max_rounds or (options.max_nfe is not None and row.nfe >= options.max_nfe)
                    or (options.timeout_s is not None and elapsed >= options.timeout_s)
                    or (deterministic and (tuple(row.tokens), row.want) in row.inputs)):
                row.done, row.seconds = True, elapsed
                continue
            active.append(row)
        if not active:
            break
        steps = max(row.want for row in active)
        if options.max_nfe is not None:
            steps = min(steps, min(options.max_nfe - row.nfe for row in active))
        if options.timeout_s is not None and calls:
            fit = int((options.timeout_s - elapsed) / (spent_s / calls))  # steps the time left allows
            if fit < 1:
                for row in active:
                    row.done, row.seconds = True, elapsed
                break
            steps = min(steps, fit)
        t0 = time.perf_counter()
        tokens, confidence, row_nfe, nfe = _denoise_round(model, active, steps, options, generator,
                                                          record if emit else None)
        spent_s, calls = spent_s + time.perf_counter() - t0, calls + nfe
        for b, row in enumerate(active):
            row.inputs.add((tuple(row.tokens), row.want))
            row.rounds += 1
            _absorb(row, tokens[b], confidence[b], row_nfe[b], options, record if emit else None)
            if row.done:
                row.seconds = time.perf_counter() - start
    return [row.result(options.keep_trace) for row in rows]


def refine_batch(
    model: DiffusionLM,
    templates: Sequence[Template | str],
    checks: Check | Sequence[Check],
    *,
    options: PlanOptions = PlanOptions(),
    prefixes: Sequence[str | Sequence[int]] | None = None,
    logits_hooks: Sequence[LogitsHook | None] | None = None,
    on_step: OnStep | None = None,
    allow: Sequence[SlotTokens | None] | None = None,
    ban: Sequence[SlotTokens | None] | None = None,
    rules: Sequence[SlotRules | None] | None = None,
) -> list[PlanResult]:
    """`refine` for many templates at once: one batched `denoise` call per round.

    The arguments are those of `refine`, one per template (`checks` may be one callable for
    all). A round runs the largest step count any of its plans asks for, capped so that no
    plan exceeds its NFE budget; each plan's `nfe` counts the model calls it took part in
    until it had no masks left. Events carry the plan's `index`. Budgets apply per plan.
    Without sampling (temperature 0, no alg_temp, alg other than "origin") a plan stops once
    its next round would start from a canvas (and step count) it already started from, since
    that round would only repeat an earlier draft; with `options.retry_temperature` the rounds
    left then go to sampled restarts, and each plan keeps the best draft over all attempts.
    """
    n = len(templates)
    per_item = {"prefixes": prefixes, "logits_hooks": logits_hooks, "allow": allow, "ban": ban, "rules": rules}
    checks = [checks] * n if callable(checks) else list(checks)
    results = _refine_batch_once(model, templates, checks, options=options, on_step=on_step, **per_item)
    if options.retry_temperature is None or options.temperature > 0 or options.alg_temp or options.alg == "origin":
        return results
    for attempt in range(1, options.max_rounds):
        todo = [i for i, r in enumerate(results) if not r.solved and r.rounds < options.max_rounds
                and (options.max_nfe is None or r.nfe < options.max_nfe)]
        if not todo:
            break
        retry = dataclasses.replace(
            options, temperature=options.retry_temperature, seed=options.seed + attempt,
            max_rounds=min(options.max_rounds - results[i].rounds for i in todo),
            max_nfe=None if options.max_nfe is None else min(options.max_nfe - results[i].nfe for i in todo))
        pick = {k: None if v is None else [list(v)[i] for i in todo] for k, v in per_item.items()}
        again = _refine_batch_once(model, [templates[i] for i in todo], [checks[i] for i in todo], options=retry,
                                   on_step=on_step, **pick)
        for i, new in zip(todo, again):
            results[i] = _merge_attempts(results[i], new)
    return results


def _merge_attempts(old: PlanResult, new: PlanResult) -> PlanResult:
    """The better of two attempts at one plan (fewer violations), with the cost of both."""
    best = new if len(new.violations) < len(old.violations) else old
    trace = None if old.trace is None else old.trace + (new.trace or ())
    return dataclasses.replace(best, rounds=old.rounds + new.rounds, nfe=old.nfe + new.nfe,
                               seconds=old.seconds + new.seconds, trace=trace)


def _denoise_round(model: DiffusionLM, active: list[_Row], steps: int, options: PlanOptions,
                   generator: torch.Generator, record: Callable | None) -> tuple[list, list, list[int], int]:
    """One batched denoise call over the active rows: (tokens, confidence, nfe per row, calls)."""
    denoiser = model.denoiser
    mask_id = denoiser.mask_id
    lengths = [len(row.tokens) for row in active]
    width = max(lengths)
    fill = denoiser.pad_id if denoiser.pad_id is not None else (0 if mask_id != 0 else 1)
    x = torch.full((len(active), width), fill, dtype=torch.long)  # (B, L) right-padded
    for b, row in enumerate(active):
        x[b, : lengths[b]] = torch.tensor(row.tokens)
    attention_mask = None
    if min(lengths) < width:
        attention_mask = (torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]).long()  # (B, L)
    x = x.to(denoiser.device)
    attention_mask = None if attention_mask is None else attention_mask.to(denoiser.device)
    masks = ValueMasks([row.canvas for row in active], allow=[r.allow for r in active], ban=[r.ban for r in active],
                       rules=[r.rules for r in active])
    user_hooks = [(b, row.hook) for b, row in enumerate(active) if row.hook is not None]
    # a row's nfe counts the calls until it had no masks left, as if it ran alone
    row_nfe: list[int | None] = [None if bool((x[b] == mask_id).any()) else 0 for b in range(len(active))]

    def logits_hook(step: int, xs: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        for b, hook in user_hooks:
            logits[b : b + 1] = hook(step, xs[b : b + 1], logits[b : b + 1])
        return masks(step, xs, logits)

    def tokens_hook(step: int, xs: torch.Tensor) -> torch.Tensor | None:
        fixed = masks.repair(xs)
        still_open = (fixed == mask_id).any(dim=1).tolist()
        for b, row in enumerate(active):
            if row_nfe[b] is None and not still_open[b]:
                row_nfe[b] = step + 1
            if record is not None and (row_nfe[b] is None or row_nfe[b] == step + 1):
                held = fixed[b, : lengths[b]].tolist()
                values = decode_slots(row.canvas, held)
                record(row, TraceEvent("step", row.index, row.rounds + 1, step, tuple(held), values))
        return None if fixed is xs else fixed

    out = denoise(denoiser, x, steps=steps, alg=options.alg, alg_temp=options.alg_temp, temperature=options.temperature,
                  top_p=options.top_p, top_k=options.top_k, confidence_threshold=options.confidence_threshold,
                  attention_mask=attention_mask, logits_hook=logits_hook, tokens_hook=tokens_hook, generator=generator)
    tokens = [out.tokens[b, : lengths[b]].tolist() for b in range(len(active))]
    confidence = [out.confidence[b, : lengths[b]].tolist() for b in range(len(active))]
    return tokens, confidence, [out.nfe if k is None else k for k in row_nfe], out.nfe


def _absorb(row: _Row, tokens: list[int], confidence: list[float], nfe: int, options: PlanOptions,
            record: Callable | None) -> None:
    """Take a round's draft: check it, keep it if best, and re-mask what is blamed."""
    canvas = row.canvas
    row.nfe += nfe
    row.confidence = [c if not math.isnan(c) else old for c, old in zip(confidence, row.confidence)]
    values = decode_slots(canvas, tokens)
    found = row.check(values)
    if found is None:
        raise TypeError("the check returned None; it must return a list of Violation")
    violations = tuple(choice_violations(canvas, values)) + tuple(found)
    if row.best is None or len(violations) < row.best[0]:
        row.best = (len(violations), tuple(tokens), values, violations)
    draft, positions = tuple(tokens), ()
    if not violations:
        row.done = True
    else:
        positions = remask_positions(options.remask, canvas, violations, confidence=row.confidence, k=options.remask_k)
        for p in positions:
            tokens[p] = canvas.mask_id
        row.want = round_steps(options.steps, len(positions), len(canvas.open_positions))
    if record is not None:
        blamed = blamed_slots(canvas, violations) if violations else ()
        record(row, TraceEvent("check", row.index, row.rounds, -1, draft, values,
                               tuple(canvas.slots) if blamed is None else blamed, positions, len(violations)))
    row.tokens = tokens


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
    **overrides: Any,
) -> PlanResult:
    """Plan with a template and constraints: the generic Python entry point.

    Args:
        model: the diffusion LM.
        template: a Template or template text, e.g. ``"Step 1: {action|pick,place} the {obj:<=3}."``.
        constraints: checkers (see `constraints.checkers`), run on every draft.
        options: a PlanOptions; keyword `overrides` (steps=..., seed=...) replace its fields.
        prefix, on_step, allow, ban: as in `refine`.

    Returns:
        The PlanResult, e.g. ``plan(lm, "{a|x,y} {b|x,y}", [all_different(["a", "b"])], steps=8)``.
    """
    base = options or PlanOptions()
    names = {f.name for f in dataclasses.fields(PlanOptions)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise InputError(f"unknown option(s) {', '.join(unknown)}; valid: {', '.join(sorted(names))}")
    opts = dataclasses.replace(base, **overrides)
    constraints = list(constraints)
    return refine(model, template, lambda values: check_all(constraints, values), options=opts, prefix=prefix,
                  on_step=on_step, allow=allow, ban=ban)
