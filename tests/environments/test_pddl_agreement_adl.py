"""Agreement of the PDDL checker with unified-planning's validator on every public sample domain.

Valid plans (the oracle's, or random executable walks where the oracle is slow) and corruptions of
them (a step dropped, two swapped, a foreign or unknown action, a wrong arity, a wrong argument,
the plan truncated) must get the same verdict, the same first failing step and the same cost.
unified-planning cannot read a plan that names an unknown action or object: its first failing
step is then the first line it cannot read, unless the plan before that line already fails.
"""

import random
import re

import pytest
from helpers import SHARED_DATA

from environments.pddl import load_pddl

up = pytest.importorskip("unified_planning")
from unified_planning.engines import SequentialPlanValidator, ValidationResultStatus  # noqa: E402
from unified_planning.io import PDDLReader  # noqa: E402
from unified_planning.shortcuts import get_environment  # noqa: E402

DATA = SHARED_DATA / "pddl"
PLANBENCH = SHARED_DATA / "planbench" / "logistics"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"public PDDL samples not found at {DATA} (../shared/data/pddl)")
# (folder, problem files): every public sample domain, most with all its problems.
SAMPLES = [
    ("gripper", ["prob01", "prob03"]),
    ("logistics", ["instance-1", "instance-10", "instance-100"]),
    ("depots", ["instance-10", "instance-1"]),
    ("blocksworld", ["instance-2", "instance-10", "instance-50", "instance-100", "instance-200", "hard-instance-1"]),
    ("household_viplan", ["sorting_books", "cleaning_out_drawers", "putting_away_toys", "organizing_file_cabinet"]),
    ("alfworld", ["example_problem"]),
]
PLANBENCH_LOGISTICS = 6  # instances in the default run; the slow run takes 40
ORACLE = {"max_nodes": 20_000, "timeout": 5.0}
# Action costs (a constant and a function of :init) with a quantified conditional effect.
COST_DOMAIN = """(define (domain roads) (:requirements :typing :adl :action-costs)
  (:types city box) (:predicates (at ?c - city) (road ?a ?b - city) (in ?x - box ?c - city) (loaded ?x - box))
  (:functions (total-cost) - number (length ?a ?b - city) - number)
  (:action drive :parameters (?a ?b - city) :precondition (and (at ?a) (or (road ?a ?b) (road ?b ?a)))
     :effect (and (at ?b) (not (at ?a)) (increase (total-cost) (length ?a ?b))
                  (forall (?x - box) (when (loaded ?x) (and (in ?x ?b) (not (in ?x ?a)))))))
  (:action load :parameters (?x - box ?c - city) :precondition (and (at ?c) (in ?x ?c)) :effect (and (loaded ?x) (increase (total-cost) 1)))
  (:action unload :parameters (?x - box) :precondition (loaded ?x) :effect (not (loaded ?x))))"""


def _cost_problem(n: int) -> str:
    length = {("a", "b"): n, ("b", "c"): 2, ("c", "d"): 1, ("a", "d"): 7}
    values = " ".join(
        f"(= (length {p} {q}) {length.get((p, q), length.get((q, p), 9))})" for p in "abcd" for q in "abcd"
    )  # every pair defined: unified-planning refuses undefined initial numbers
    return f"""(define (problem trip{n}) (:domain roads) (:objects a b c d - city x y - box)
  (:init (at a) (road a b) (road b c) (road c d) (road a d) (in x a) (in y b) (= (total-cost) 0) {values})
  (:goal (and (in x d) (in y c) (forall (?z - box) (not (loaded ?z))))) (:metric minimize (total-cost)))"""


COST_PROBLEMS = [_cost_problem(n) for n in (1, 3, 6)]


def _up_texts(domain: str, problem: str) -> tuple[str, str]:
    """Texts unified-planning reads: it refuses problem object types the domain does not declare
    (alfworld), so those are declared for it, as kinds of object."""
    declared = re.search(r"\(:types([^()]*)\)", domain, re.IGNORECASE)
    objects = re.search(r"\(:objects([^()]*)\)", problem, re.IGNORECASE)
    words = objects.group(1).lower().split() if objects else []
    used = {words[k + 1] for k, w in enumerate(words[:-1]) if w == "-"}
    known = set(declared.group(1).lower().split()) if declared else set()
    missing = sorted(used - known - {"object"})
    if missing:
        domain = re.sub(r"(\(:predicates)", f"(:types {' '.join(missing)} - object)\n    \\1", domain, count=1)
        domain = re.sub(r"(\(define\s*\(domain\s+[\w-]+\))", "\\1 (:requirements :adl :typing)", domain, count=1)
    return domain, problem


def _walk(task, rng: random.Random, length: int) -> list[str]:
    from environments.pddl import apply, is_applicable

    state, plan = task.init, []
    for _ in range(length):
        options = [a for a in task.actions if is_applicable(a, state)]
        if not options:
            break
        action = rng.choice(options)
        plan.append(str(action))
        state = apply(action, state)
    return plan


def _corruptions(plan: list[str], task, rng: random.Random) -> list[list[str]]:
    """Dropped, swapped, foreign, unknown, wrong arity, wrong argument, truncated."""
    if not plan:
        return []
    i = rng.randrange(len(plan))
    out = [plan[:i] + plan[i + 1 :]]
    if len(plan) > 1:
        j = rng.randrange(len(plan) - 1)
        out.append(plan[:j] + [plan[j + 1], plan[j]] + plan[j + 2 :])
    out.append(plan[:i] + [str(rng.choice(task.actions))] + plan[i + 1 :])  # a ground action from anywhere
    out.append(plan[:i] + ["(teleport " + " ".join(plan[i].strip("()").split()[1:]) + ")"] + plan[i + 1 :])
    name, *args = plan[i].strip("()").split()
    out.append(plan[:i] + ["(" + " ".join([name, *args, args[0] if args else "x"]) + ")"] + plan[i + 1 :])
    if args:
        objects = task.object_names()
        k = rng.randrange(len(args))
        swapped = [rng.choice(objects) if n == k else a for n, a in enumerate(args)]
        out.append(plan[:i] + ["(" + " ".join([name, *swapped]) + ")"] + plan[i + 1 :])
        out.append(plan[:i] + ["(" + " ".join([name, *args[:-1], "nowhere"]) + ")"] + plan[i + 1 :])
    out.append(plan[: len(plan) // 2])
    return out


def _up_verdict(reader, validator, up_problem, plan: list[str]) -> tuple[bool, int | None, float | None]:
    """(valid, first failing step or None, cost) as unified-planning sees the plan."""
    try:
        up_plan = reader.parse_plan_string(up_problem, "\n".join(plan))
        unreadable = None
    except Exception:  # noqa: BLE001 - an unknown action/object or a wrong arity: find the first unreadable line
        unreadable = next(k for k in range(len(plan)) if not _readable(reader, up_problem, plan[: k + 1]))
        up_plan = reader.parse_plan_string(up_problem, "\n".join(plan[:unreadable]))
    result = validator.validate(up_problem, up_plan)
    cost = next(iter(result.metric_evaluations.values()), None) if result.metric_evaluations else None
    if result.inapplicable_action is not None:
        return False, next(k for k, a in enumerate(up_plan.actions) if a is result.inapplicable_action), cost
    if unreadable is not None:
        return False, unreadable, None
    return result.status == ValidationResultStatus.VALID, None, cost


def _readable(reader, up_problem, plan: list[str]) -> bool:
    try:
        reader.parse_plan_string(up_problem, "\n".join(plan))
        return True
    except Exception:  # noqa: BLE001
        return False


def _agree(domain_text: str, problem_texts: list[tuple[str, str]], rng: random.Random, counts: dict) -> None:
    get_environment().credits_stream = None
    reader, validator = PDDLReader(), SequentialPlanValidator()
    for label, problem_text in problem_texts:
        env, problem = load_pddl(domain_text, problem_text)
        task = env.task(problem)
        up_problem = reader.parse_problem_string(*_up_texts(domain_text, problem_text))
        found = env.search(problem, **ORACLE)
        plans = [[str(a) for a in found.plan]] if found.plan else []
        plans += [_walk(task, rng, rng.randint(3, 12)) for _ in range(2)]
        for plan in plans:
            for candidate in [plan] + _corruptions(plan, task, rng):
                report = env.report(problem, candidate)
                up_valid, up_step, up_cost = _up_verdict(reader, validator, up_problem, candidate)
                ours = next((v.steps[0] for v in report.violations if v.steps), None)
                assert report.is_valid == up_valid, (label, candidate, report.violations)
                assert ours == up_step, (label, candidate, report.violations, up_step)
                if up_valid and up_cost is not None:
                    assert report.cost == up_cost, (label, candidate, report.cost, up_cost)
                    counts["costs compared"] += 1
                counts[label.split("/")[0]] += 1
                counts["valid" if up_valid else "invalid"] += 1


def _read(path) -> str:
    return path.read_text(encoding="utf-8")


@needs_data
@pytest.mark.parametrize("planbench", [pytest.param(PLANBENCH_LOGISTICS, id="default"), pytest.param(40, id="large", marks=pytest.mark.slow)])
def test_checker_agrees_with_unified_planning_on_every_sample_domain(planbench):
    rng, counts = random.Random(0), {"valid": 0, "invalid": 0, "costs compared": 0}
    for folder, problems in SAMPLES:
        counts[folder] = 0
        domain = _read(DATA / folder / "domain.pddl")
        _agree(domain, [(f"{folder}/{p}", _read(DATA / folder / f"{p}.pddl")) for p in problems], rng, counts)
    if PLANBENCH.is_dir():
        counts["planbench-logistics"] = 0
        files = sorted((PLANBENCH / "generated_basic").glob("instance-*.pddl"), key=lambda p: int(re.sub(r"\D", "", p.stem)))
        items = [(f"planbench-logistics/{f.stem}", _read(f)) for f in files[:planbench]]
        _agree(_read(PLANBENCH / "domain.pddl"), items, rng, counts)
    counts["roads (action costs)"] = 0
    _agree(COST_DOMAIN, [(f"roads (action costs)/{k}", text) for k, text in enumerate(COST_PROBLEMS)], rng, counts)
    print(f"agreement: {counts}")
    assert counts["valid"] + counts["invalid"] >= 500 and counts["valid"] >= 30 and counts["costs compared"] >= 3
