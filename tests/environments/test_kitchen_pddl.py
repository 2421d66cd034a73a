"""Kitchen PDDL export cross-checked with unified-planning's plan validator."""

import pytest

from environments.kitchen import TASKS, generate, plan_to_pddl, search, to_pddl, unexported

up = pytest.importorskip("unified_planning")
from unified_planning.engines import ValidationResultStatus  # noqa: E402
from unified_planning.io import PDDLReader  # noqa: E402
from unified_planning.shortcuts import PlanValidator, get_environment  # noqa: E402

get_environment().credits_stream = None


def validate(problem, plan):
    domain, text = to_pddl(problem)
    up_problem = PDDLReader().parse_problem_string(domain, text)
    up_plan = PDDLReader().parse_plan_string(up_problem, "\n".join(plan_to_pddl(problem, plan)))
    with PlanValidator(problem_kind=up_problem.kind) as validator:
        return validator.validate(up_problem, up_plan).status


@pytest.mark.parametrize("task", TASKS)
def test_optimal_plans_validate_and_a_dropped_step_does_not(task):
    inst = generate(5, task=task)
    assert unexported(inst.problem) == []
    assert validate(inst.problem, inst.plan) == ValidationResultStatus.VALID
    corrupted = inst.plan[:1] + inst.plan[2:]
    assert validate(inst.problem, corrupted) == ValidationResultStatus.INVALID


def test_exported_constraints_are_enforced_by_the_validator():
    inst = generate(3, task="clean_place", constraints=True)
    p = inst.problem
    assert set(unexported(p)) <= {"distance_budget", "close_within", "deadline"}
    kept = tuple(c for c in p.constraints if c.type in ("before", "no_metal_in_microwave", "no_hot_in_fridge"))
    p = p.model_copy(update={"constraints": kept})
    assert unexported(p) == []
    plan = search(p).plan
    assert validate(p, plan) == ValidationResultStatus.VALID
    # moving the wash after the placement breaks the exported before-constraint
    wash = next(i for i, s in enumerate(plan) if s.startswith("wash("))
    place = max(i for i, s in enumerate(plan) if s.startswith("place("))
    bad = plan[:wash] + plan[wash + 1:place + 1] + ["pick(" + plan[wash][5:-1] + ")", "goto(sink)"] + [plan[wash]]
    assert validate(p, bad) == ValidationResultStatus.INVALID
