"""Closed-loop planning: keep one plan step at a time, each drafted from the state the kept steps reach.

An open-loop draft asks the model to infill the whole plan from the initial state, so to choose
step k it must work out, from the k - 1 steps before it, where everything now is. Re-planning
writes that state into the context instead (model-predictive control over symbols): the
environment restates the problem from the state reached (`Restartable.restart`, one step less
of budget), the refine loop drafts the rest of the plan with the usual options (constraint tier,
rounds, candidates), and either that draft is valid, and the plan is done, or the first step of
its best draft (the fewest violations: for a PDDL goal, the fewest unmet goal atoms) is kept and
the loop goes on from the state it reaches, until the step budget is spent.

The cost is one refine run per kept step: several times the model calls of an open-loop plan.
Keeping the draft that leaves the fewest goal atoms unmet is a greedy walk on goal distance, which
solves some problems with no trained model at all (gripper: an untrained control as often as the
trained model), so its figures belong beside an untrained control, apart from the `local` tier's.
"""

from __future__ import annotations

import time
from typing import Any, Sequence

from constraints.errors import InputError
from dream_agent.protocols import DiffusionLM
from environments.base import Environment, Restartable
from planners.compile import compile_template
from planners.options import PlanOptions
from planners.refinement import refine_batch
from planners.result import PlanResult
from planners.solving import prepare, rendering_for, request_for


def replan_batch(env: Environment, problems: Sequence[Any], model: DiffusionLM, *,
                 options: PlanOptions = PlanOptions()) -> list[PlanResult]:
    """Plan each problem closed-loop (see the module docstring); the problems of one iteration share a batch.

    Raises:
        InputError: the environment cannot restate a problem part-way (not `Restartable`).
    """
    if not isinstance(env, Restartable):
        raise InputError(f"{env.name} cannot re-plan part-way: only action plans whose environment restates a "
                         "problem from a reached state can (PDDL domains, Blocksworld)")
    options = options.for_environment(env)
    rendering = rendering_for(model, options)
    prepared = [prepare(env, p) for p in problems]
    current = list(prepared)  # each problem restated from the state its kept steps reach
    kept: list[list[Any]] = [[] for _ in prepared]
    nfe, rounds = [0] * len(prepared), [0] * len(prepared)
    open_, seconds, start = set(range(len(prepared))), [0.0] * len(prepared), time.perf_counter()
    while open_:
        order = sorted(open_)
        drafts = refine_batch(model, [request_for(env, current[i], model, options) for i in order], options=options)
        for i, draft in zip(order, drafts):
            nfe[i] += draft.nfe
            rounds[i] += draft.rounds
            plan = list(env.parse_plan(current[i], draft.values, rendering))
            if not draft.solved and plan and current[i].max_steps > 1:
                try:
                    current[i] = env.restart(current[i], plan[:1])
                    kept[i].append(plan[0])
                    continue
                except InputError:  # the step does not apply (the model alone may draft such steps)
                    pass
            kept[i] += plan  # a valid rest of the plan, or the last draft as it stands
            open_.discard(i)
            seconds[i] = time.perf_counter() - start
    return [_result(env, prepared[i], kept[i], model, rendering, rounds[i], nfe[i], seconds[i])
            for i in range(len(prepared))]


def _result(env: Environment, problem: Any, plan: list[Any], model: DiffusionLM, rendering: str, rounds: int,
            nfe: int, seconds: float) -> PlanResult:
    """`plan` checked over the problem's own template."""
    canvas = compile_template(env.template(problem, rendering), model.tokenizer, shift=model.denoiser.shift)
    values = env.plan_to_values(problem, plan, rendering)
    violations = tuple(env.check_values(problem, values, rendering))
    return PlanResult(values=values, text=canvas.template.fill(values), solved=not violations, violations=violations,
                      rounds=rounds, nfe=nfe, seconds=seconds, slots=dict(canvas.slots))
