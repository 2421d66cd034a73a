"""Kitchen domain: oracle optimality, checker blame per violation kind, templates, corruption detection."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constraints import InputError
from environments import get_environment
from environments.base import Environment
from environments.kitchen import (
    TASKS, GoalItem, KitchenEnvironment, KitchenObject, KitchenProblem, check, generate, plan_cost, search,
)
from environments.kitchen.problem import (
    Before, CloseWithin, Deadline, DistanceBudget, NoHotInFridge, NoMetalInMicrowave,
)

ENV = KitchenEnvironment()
TINY = {"counter": (0, 0), "sink": (1, 0), "cabinet": (1, 2), "table": (3, 0)}


def kinds(violations):
    return sorted(v.kind for v in violations)


def problem(**kw):
    base = dict(objects=(KitchenObject(name="mug", location="sink"),), goal=(GoalItem(object="mug", location="cabinet"),))
    base.update(kw)
    return KitchenProblem(**base)


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("constraints", [False, True])
def test_generated_plans_are_valid_and_cost_what_the_search_says(task, constraints):
    for seed in range(2):
        inst = generate(seed, task=task, constraints=constraints)
        assert inst.problem.task == task
        assert ENV.check(inst.problem, inst.plan) == []
        assert plan_cost(inst.problem, inst.plan) == inst.cost
        assert len(inst.plan) <= inst.problem.max_steps


def test_generator_is_deterministic():
    assert generate(7, constraints=True) == generate(7, constraints=True)


@pytest.mark.parametrize("seed", range(4))
def test_heuristic_search_matches_plain_uniform_cost(seed):
    inst = generate(seed, task=TASKS[seed * 2 % len(TASKS)], constraints=seed % 2 == 1)
    assert search(inst.problem, heuristic=False).cost == inst.cost


def _brute_force_cost(p, bound):
    """Cheapest valid plan by exhaustive depth-first enumeration over all grounded actions (simulator only)."""
    objs, locs = [o.name for o in p.objects], list(p.layout)
    actions = [f"goto({l})" for l in locs] + [f"{v}({l})" for v in ("open", "close") for l in locs]
    actions += [f"{v}({o})" for v in ("pick", "wash", "heat", "cool", "slice", "throw") for o in objs]
    actions += [f"place({o}, {l})" for o in objs for l in locs]
    best = [bound + 1]

    def dfs(plan):
        cost = plan_cost(p, plan)
        if cost >= best[0]:
            return
        if not check(p, plan):
            best[0] = cost
            return
        from environments.kitchen.checks import simulate
        for a in actions:
            nxt = plan + [a]
            if not simulate(p, nxt).violations:  # prune prefixes with a failing step
                dfs(nxt)

    dfs([])
    return best[0]


@pytest.mark.parametrize("goal_state,constraints", [((), ()), (("clean",), (Before(first="wash(mug)", then="place(mug, cabinet)"),))])
def test_oracle_is_optimal_against_brute_force(goal_state, constraints):
    p = KitchenProblem(layout=TINY, capacity={"cabinet": 2, "sink": 2}, start="table",
                       objects=(KitchenObject(name="mug", location="counter"),),
                       goal=(GoalItem(object="mug", location="cabinet", states=goal_state),), constraints=constraints)
    found = search(p)
    assert _brute_force_cost(p, found.cost + 2) == found.cost


# --- each violation kind, blamed at the right steps ---------------------------------------------------------

def test_unknown_action_and_object_are_violations_not_exceptions():
    p = problem()
    v = ENV.check(p, ["fly(mug)", "goto(sink)", "pick(unicorn)", "goto sink"])
    assert [(x.kind, x.steps) for x in v if x.kind in ("unknown", "syntax")] == [("unknown", (0,)), ("unknown", (2,)), ("syntax", (3,))]


def test_precondition_and_missing_step():
    p = problem(start="sink")
    v = ENV.check(p, ["place(mug, sink)"])
    assert v[0].kind == "precondition" and v[0].steps == (0,) and "gripper is empty" in v[0].reason
    assert "missing_step" in kinds(v)
    assert kinds(ENV.check(p, [])) == ["missing_step"]


def test_extra_steps():
    p = problem(start="sink")
    v = ENV.check(p, ["goto(sink)", "pick(mug)", "goto(cabinet)", "open(cabinet)", "place(mug, cabinet)"])
    assert [(x.kind, x.steps) for x in v] == [("extra_step", (0,))]
    v = ENV.check(p, ["pick(mug)", "goto(cabinet)", "open(cabinet)", "place(mug, cabinet)", "close(cabinet)"])
    assert [(x.kind, x.steps) for x in v] == [("extra_step", (4,))]


def test_ordering_blames_both_ends():
    p = problem(start="sink", goal=(GoalItem(object="mug", location="cabinet", states=("clean",)),),
                constraints=(Before(first="wash(mug)", then="place(mug, cabinet)"),))
    plan = ["pick(mug)", "goto(cabinet)", "open(cabinet)", "place(mug, cabinet)", "pick(mug)", "goto(sink)", "wash(mug)"]
    v = [x for x in ENV.check(p, plan) if x.kind == "ordering"]
    assert len(v) == 1 and v[0].steps == (3, 6) and "wash(mug) must happen first" in v[0].reason


def test_close_within_blames_open_and_late_close():
    p = problem(objects=(KitchenObject(name="milk", location="table", properties=("perishable",)),),
                goal=(GoalItem(object="milk", location="fridge"),), start="fridge",
                constraints=(CloseWithin(receptacle="fridge", steps=1),))
    v = ENV.check(p, ["open(fridge)", "goto(table)", "pick(milk)", "goto(fridge)", "place(milk, fridge)", "close(fridge)"])
    assert [(x.kind, x.steps) for x in v] == [("ordering", (0, 5))]


def test_resources_gripper_capacity_budget():
    p = problem(objects=(KitchenObject(name="mug", location="sink"), KitchenObject(name="cup", location="sink"),
                         KitchenObject(name="bowl", location="microwave")),
                goal=(GoalItem(object="mug", location="microwave"),), start="sink", constraints=(DistanceBudget(budget=4),))
    plan = ["pick(mug)", "pick(cup)", "goto(microwave)", "open(microwave)", "place(mug, microwave)"]
    v = ENV.check(p, plan)
    got = [(x.constraint, x.kind, x.steps) for x in v if x.kind == "resource"]
    assert got == [("gripper", "resource", (1,)), ("capacity", "resource", (4,))]
    p2 = p.model_copy(update={"constraints": (DistanceBudget(budget=3),)})
    v2 = [x for x in ENV.check(p2, plan) if x.constraint.startswith("distance")]
    assert v2[0].kind == "resource" and v2[0].steps == (2,)


def test_deadline():
    p = problem(objects=(KitchenObject(name="milk", location="table", properties=("perishable",)),),
                goal=(GoalItem(object="milk", location="fridge"),), start="table",
                constraints=(Deadline(object="milk", location="fridge", step=2),))
    v = ENV.check(p, ["pick(milk)", "goto(fridge)", "open(fridge)", "place(milk, fridge)"])
    assert [(x.kind, x.steps) for x in v] == [("deadline", (3,))]


def test_safety():
    p = problem(objects=(KitchenObject(name="fork", location="counter", properties=("metal",)),
                         KitchenObject(name="egg", location="counter", properties=("perishable",))),
                goal=(GoalItem(object="egg", location="fridge"),), constraints=(NoMetalInMicrowave(), NoHotInFridge()))
    v = ENV.check(p, ["pick(fork)", "goto(microwave)", "open(microwave)", "heat(fork)", "place(fork, microwave)"])
    assert [(x.kind, x.steps) for x in v if x.kind == "safety"] == [("safety", (3,)), ("safety", (4,))]
    v = ENV.check(p, ["pick(egg)", "goto(stove)", "heat(egg)", "goto(fridge)", "open(fridge)", "place(egg, fridge)"])
    assert [(x.constraint, x.steps) for x in v] == [("no_hot_in_fridge", (5,))]


# --- templates, parsing, registry ----------------------------------------------------------------------------

@pytest.mark.parametrize("rendering", ["compact", "text"])
def test_template_round_trip_and_slot_blame(rendering):
    inst = generate(3, task="clean_place", constraints=True)
    t = ENV.template(inst.problem, rendering)
    values = ENV.plan_to_values(inst.problem, inst.plan, rendering)
    assert set(values) == {s.name for s in t.slots}
    assert ENV.parse_plan(inst.problem, values, rendering) == inst.plan
    assert ENV.check_values(inst.problem, values, rendering) == []
    if rendering == "compact":
        vocab = set(ENV.vocabulary())
        assert set(t.fill(values).split()) <= vocab
        for s in t.slots:
            assert values[s.name] in s.choices
        values["s0_act"] = "none"
        v = ENV.check_values(inst.problem, values, rendering)
        assert v and all(x.slots for x in v)
    else:
        assert "1. " + inst.plan[0] in t.fill(values)


def test_instruction_and_format_plan():
    inst = generate(0, task="clean_place", constraints=True)
    text = ENV.instruction(inst.problem)
    assert "Put a clean" in text and "Never put anything metal in the microwave." in text
    assert ENV.format_plan(["place( mug ,cabinet)", "junk!"]) == ["place(mug, cabinet)", "junk!"]


def test_registry_and_protocol():
    env = get_environment("kitchen")
    assert isinstance(env, Environment) and env.name == "kitchen"
    with pytest.raises(InputError, match="unknown environment .kitchn.; valid names: .*kitchen"):
        get_environment("kitchn")


def test_bad_input_raises_clear_errors():
    with pytest.raises(InputError, match="unknown kitchen task 'cook'"):
        generate(0, task="cook")
    with pytest.raises(InputError, match="garage"):
        ENV.parse_problem({"objects": [{"name": "mug", "location": "garage"}], "goal": []})
    with pytest.raises(InputError):
        ENV.parse_problem("{not json")
    with pytest.raises(InputError):
        ENV.format_plan(42)


# --- property tests --------------------------------------------------------------------------------------------

instances = st.builds(lambda seed, task, c: generate(seed, task=task, constraints=c),
                      st.integers(0, 10_000), st.sampled_from(TASKS[:6]), st.booleans())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances, st.data())
def test_single_corruptions_are_caught(inst, data):
    p, plan = inst.problem, inst.plan
    assert ENV.check(p, plan) == []
    i = data.draw(st.integers(0, len(plan) - 1))
    dropped = plan[:i] + plan[i + 1:]
    assert ENV.check(p, dropped), f"dropping step {i} went unnoticed"  # every step costs >= 1 and the plan is optimal
    words = list(p.layout) + [o.name for o in p.objects]
    altered = list(plan)
    altered[i] = data.draw(st.sampled_from([f"{a}({w})" for a in ("goto", "pick", "wash", "open") for w in words]))
    if i + 1 < len(plan):
        swapped = list(plan)
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
    else:
        swapped = plan
    for other in (altered, swapped):
        if other != plan:  # either caught, or a valid plan that is no cheaper than the optimum
            assert ENV.check(p, other) or plan_cost(p, other) >= inst.cost
