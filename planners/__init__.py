"""The plan layer: templates compiled to canvases, value masks, the infill -> check -> remask loop.

Read `refinement` first: `refine_batch` takes compiled `Request`s and `PlanOptions`; `solving`
bridges an environment (through its protocol) to those requests; `value_masks` holds every hard
constraint on slot values as one logits hook.
"""

from planners.compile import Canvas, compile_template, decode_slots, parse_template
from planners.options import OPTION_NAMES, PlanOptions
from planners.patterns import TokenAutomaton, token_automaton
from planners.refinement import (
    Request, choice_violations, pattern_violations, plan, refine, refine_batch, requests_for, round_steps,
)
from planners.remasking import POLICIES, blamed_slots, remask_positions
from planners.result import PlanResult, TraceEvent
from planners.solving import solve, solve_batch
from planners.value_masks import SlotTokens, ValueMasks

__all__ = [
    "OPTION_NAMES",
    "POLICIES",
    "Canvas",
    "PlanOptions",
    "PlanResult",
    "Request",
    "SlotTokens",
    "TokenAutomaton",
    "TraceEvent",
    "ValueMasks",
    "blamed_slots",
    "choice_violations",
    "compile_template",
    "decode_slots",
    "parse_template",
    "pattern_violations",
    "plan",
    "refine",
    "refine_batch",
    "remask_positions",
    "requests_for",
    "round_steps",
    "solve",
    "solve_batch",
    "token_automaton",
]
