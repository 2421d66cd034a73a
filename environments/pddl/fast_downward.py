"""Fast Downward as an optional oracle, through unified-planning (`pip install 'dream-agent[planners]'`).

The pure-Python searches (`environments.pddl.oracle`) stay the default and always work; they
bound their search by states, so large problems (PlanBench logistics with five or more packages)
run out of their bound. Fast Downward's optimal configuration (A* with an admissible heuristic)
solves those in a fraction of a second, which makes training data at the evaluation's sizes.
Its plan is mapped back onto the project's own ground actions, so everything downstream (templates,
checks, costs) is the project's; a plan the project's simulator does not accept is an error.
"""

from __future__ import annotations

import importlib
import time
import warnings

from constraints.errors import InputError
from environments.pddl.grounding import GroundAction, GroundTask
from environments.pddl.oracle import SearchResult

PLANNER = "fast-downward-opt"
INSTALL = "pip install 'dream-agent[planners]' (the up-fast-downward package)"


def fast_downward_search(domain_pddl: str, problem_pddl: str, task: GroundTask, *, timeout: float = 30.0,
                         **_bounds: object) -> SearchResult:
    """An optimal plan for `task` (whose domain and problem texts are given) by Fast Downward.

    Bounds other than `timeout` (the pure-Python search's `max_nodes`) do not apply and are ignored.

    Raises:
        InputError: the optional packages are missing, or unified-planning cannot read the domain.
    """
    try:
        import unified_planning.shortcuts as up
        from unified_planning.engines import PlanGenerationResultStatus as Status
        from unified_planning.io import PDDLReader
        importlib.import_module("up_fast_downward")  # the engine unified-planning will run
    except ImportError:
        raise InputError(f"the fast-downward oracle needs optional packages: {INSTALL}") from None
    up.get_environment().credits_stream = None  # no banner on stdout
    start = time.perf_counter()
    try:
        problem = PDDLReader().parse_problem_string(domain_pddl, problem_pddl)
    except Exception as err:  # unified-planning raises many kinds; the user needs its first line
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputError(f"the fast-downward oracle cannot read this domain or problem: {first}") from None
    with warnings.catch_warnings():  # the Status below says when the planner does not support the problem
        warnings.simplefilter("ignore", UserWarning)
        with up.OneshotPlanner(name=PLANNER) as planner:
            result = planner.solve(problem, timeout=timeout)
    seconds = time.perf_counter() - start
    if result.plan is None:
        reason = {Status.UNSOLVABLE_PROVEN: "unsolvable: proven by fast-downward",
                  Status.TIMEOUT: f"timeout: no plan found within {timeout:g} s",
                  Status.UNSUPPORTED_PROBLEM: "unsupported: fast-downward's optimal search does not take this problem's "
                                              "features (conditional effects, ...); use the oracle bfs or astar"}.get(
            result.status, f"no plan: fast-downward ended with {result.status.name.lower()}")
        return SearchResult(None, reason, 0, seconds)
    by_name = {(a.name.lower(), tuple(x.lower() for x in a.args)): a for a in task.actions}
    plan: list[GroundAction] = []
    for step in result.plan.actions:
        key = (step.action.name.lower(), tuple(str(p).lower() for p in step.actual_parameters))
        if key not in by_name:
            raise InputError(f"fast-downward planned {key[0]}({', '.join(key[1])}), which is not a ground action "
                             "of this task as the project reads it")
        plan.append(by_name[key])
    return SearchResult(tuple(plan), "solved", 0, seconds, sum(a.cost or 0 for a in plan))
