"""The plan layer: templates compiled to canvases, the infill -> check -> remask loop, remask policies.

Read `refinement` first: `refine_batch` takes compiled `Request`s and `PlanOptions`; `solving`
bridges an environment (through its protocol) to those requests.
"""

from planners.compile import Canvas, compile_template, decode_slots, parse_template
from planners.domains import DomainHook, domain_hook
from planners.options import OPTION_NAMES, PlanOptions
from planners.refinement import Request, domain_violations, plan, refine, refine_batch, requests_for, round_steps
from planners.remasking import POLICIES, blamed_slots, remask_positions
from planners.result import PlanResult, TraceEvent
from planners.solving import solve, solve_batch

__all__ = [
    "OPTION_NAMES",
    "POLICIES",
    "Canvas",
    "DomainHook",
    "PlanOptions",
    "PlanResult",
    "Request",
    "TraceEvent",
    "blamed_slots",
    "compile_template",
    "decode_slots",
    "domain_hook",
    "domain_violations",
    "parse_template",
    "plan",
    "refine",
    "refine_batch",
    "remask_positions",
    "requests_for",
    "round_steps",
    "solve",
    "solve_batch",
]
