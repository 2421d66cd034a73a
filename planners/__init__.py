"""The plan layer: template compilation, the infill -> check -> remask loop, remask policies."""

from planners.domains import DomainHook, domain_hook
from planners.refine import choice_violations, plan, refine, refine_batch, round_steps
from planners.remask import POLICIES, blamed_slots, remask_positions
from planners.result import PlanOptions, PlanResult, TraceEvent

# last, so that `planners.remask` names the function (the module stays `planners.remask` in imports)
from planners.compile import Canvas, compile_template, decode_slots, parse_template, remask  # noqa: E402

__all__ = [
    "POLICIES",
    "Canvas",
    "DomainHook",
    "PlanOptions",
    "PlanResult",
    "TraceEvent",
    "blamed_slots",
    "choice_violations",
    "compile_template",
    "decode_slots",
    "domain_hook",
    "parse_template",
    "plan",
    "refine",
    "refine_batch",
    "remask",
    "remask_positions",
    "round_steps",
]
