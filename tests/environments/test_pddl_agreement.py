"""Agreement of the PDDL checker with unified-planning's plan validator on PlanBench blocksworld.

Reference plans and corrupted ones (a step dropped, two steps swapped, a step altered) must get
the same verdict, and invalid ones the same first inapplicable step.
"""

import random

import pytest
from helpers import SHARED_DATA

from environments.blocksworld import DOMAIN_FILE, Blocksworld, load_planbench

PLANBENCH = SHARED_DATA / "planbench" / "blocksworld"
needs_planbench = pytest.mark.skipif(not PLANBENCH.is_dir(), reason=f"PlanBench data not found at {PLANBENCH} (../shared/data/planbench)")
N_INSTANCES = 110  # every 4th PlanBench instance with a reference plan (4-5 blocks), plus 3-block ones


def _corruptions(plan: list[str], objects: tuple[str, ...], rng: random.Random) -> list[list[str]]:
    i = rng.randrange(len(plan))
    dropped = plan[:i] + plan[i + 1 :]
    swapped = plan[:]
    if len(plan) > 1:
        j = rng.randrange(len(plan) - 1)
        swapped[j], swapped[j + 1] = swapped[j + 1], swapped[j]
    name, *args = plan[i].strip("()").split()
    args = [rng.choice([o for o in objects if o != a]) if k == len(args) - 1 else a for k, a in enumerate(args)]
    altered = plan[:i] + ["(" + " ".join([name, *args]) + ")"] + plan[i + 1 :]
    return [dropped, swapped, altered]


def _agreement(env, items, domain_path):
    """Compare verdicts on each (problem file, problem, plan) and three corruptions of the plan."""
    pytest.importorskip("unified_planning")
    from unified_planning.engines import SequentialPlanValidator, ValidationResultStatus
    from unified_planning.io import PDDLReader
    from unified_planning.shortcuts import get_environment

    get_environment().credits_stream = None
    reader, validator = PDDLReader(), SequentialPlanValidator()
    rng = random.Random(0)
    counts = {"cases": 0, "valid": 0, "invalid": 0, "inapplicable step": 0, "goal unmet": 0}
    for path, problem, plan in items:
        name = path.name
        up_problem = reader.parse_problem(str(domain_path), str(path))
        for candidate in [plan] + _corruptions(plan, env.task(problem).object_names(), rng):
            up_plan = reader.parse_plan_string(up_problem, "\n".join(candidate))
            result = validator.validate(up_problem, up_plan)
            up_valid = result.status == ValidationResultStatus.VALID
            violations = env.check(problem, candidate)
            assert (not violations) == up_valid, (name, candidate, violations, result)
            if result.inapplicable_action is not None:
                up_step = next(k for k, a in enumerate(up_plan.actions) if a is result.inapplicable_action)
                assert violations[0].kind == "precondition" and violations[0].steps == (up_step,), (name, candidate)
                counts["inapplicable step"] += 1
            elif not up_valid:
                assert [v.kind for v in violations] == ["missing_step"], (name, candidate)
                counts["goal unmet"] += 1
            counts["cases"] += 1
            counts["valid" if up_valid else "invalid"] += 1
    assert counts["cases"] == 4 * len(items)
    assert counts["valid"] >= len(items) and counts["invalid"] >= 2 * len(items)
    return counts


@needs_planbench
def test_checker_agrees_with_unified_planning():
    env = Blocksworld()
    items = [(PLANBENCH / "generated_basic" / n, p, plan) for n, p, plan in load_planbench(PLANBENCH) if plan]
    items = items[::4][: N_INSTANCES - 10]
    items += [(PLANBENCH / "generated_basic_3" / n, p, env.solve(p))
              for n, p, _ in load_planbench(PLANBENCH, three_blocks=True)[:10]]
    assert len(items) >= 100
    print(f"agreement: {_agreement(env, items, PLANBENCH / 'domain.pddl')}")


def test_checker_agrees_with_unified_planning_on_generated_instances(tmp_path):
    """The same agreement without PlanBench's files: 100 random 3-6 block instances, oracle plans."""
    env = Blocksworld()
    items = []
    for seed in range(100):
        problem = env.generate(seed, blocks=3 + seed % 4)
        plan = env.solve(problem)
        if not plan:  # start == goal: nothing to corrupt
            continue
        path = tmp_path / f"problem-{seed}.pddl"
        path.write_text(problem.pddl, encoding="utf-8")
        items.append((path, problem, plan))
    assert len(items) >= 90
    print(f"agreement: {_agreement(env, items, DOMAIN_FILE)}")
