"""The plan layer: template compilation, value masks, the infill -> check -> remask loop, remask policies."""

from planners.refine import choice_violations, plan, refine, refine_batch, round_steps
from planners.remask import POLICIES, blamed_slots, remask_positions
from planners.result import PlanOptions, PlanResult, TraceEvent
from planners.value_masks import SlotRules, SlotTokens, ValueMasks

# last, so that `planners.remask` names the function (the module stays `planners.remask` in imports)
from planners.compile import Canvas, compile_template, decode_slots, parse_template, remask  # noqa: E402

__all__ = [
    "POLICIES",
    "Canvas",
    "PlanOptions",
    "PlanResult",
    "SlotRules",
    "SlotTokens",
    "TraceEvent",
    "ValueMasks",
    "blamed_slots",
    "choice_violations",
    "compile_template",
    "decode_slots",
    "parse_template",
    "plan",
    "refine",
    "refine_batch",
    "remask",
    "remask_positions",
    "round_steps",
]
