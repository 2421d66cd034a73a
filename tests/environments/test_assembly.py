"""Assembly domain: DP oracle optimality, checker blame, templates, cycles, PDDL cross-check."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constraints import InputError
from environments import get_environment
from environments.assembly import (
    AssemblyEnvironment, AssemblyProblem, Part, Subassembly, check, generate, makespan, optimize, plan_to_pddl, to_pddl,
)
from environments.base import Environment

ENV = AssemblyEnvironment()


def small(**kw):
    base = dict(parts=(Part(name="base", fasten="glue", cure=3), Part(name="frame", fasten="screw"), Part(name="lid", fasten="none")),
                precedence=(("base", "frame"), ("frame", "lid")), subassemblies=(Subassembly(name="sub1", parts=("base", "frame")),),
                tool_change=2)
    base.update(kw)
    return AssemblyProblem(**base)


@pytest.mark.parametrize("n", [3, 6, 9])
@pytest.mark.parametrize("deadlines", [False, True])
def test_generated_plans_are_valid_with_the_oracle_makespan(n, deadlines):
    for seed in range(3):
        inst = generate(seed, n_parts=n, deadlines=deadlines)
        assert ENV.check(inst.problem, inst.plan) == []
        assert makespan(inst.problem, inst.plan) == inst.makespan


def _brute_force(p):
    """Exhaustive search over every action (waits of 1-3 included) using only the simulator as the model."""
    import heapq

    from environments.assembly.checks import simulate

    names = [x.name for x in p.parts]
    actions = [f"change_tool({t})" for t in ("gripper", "screwdriver", "glue_gun")]
    actions += [f"{a}({n})" for a in ("fetch", "insert", "screw", "glue") for n in names]
    actions += [f"inspect({s.name})" for s in p.subassemblies] + [f"wait({k})" for k in range(1, 4)]

    def key(plan):
        st = simulate(p, plan).state
        return (st.tool, st.holding, tuple(sorted(st.stage.items())), tuple(sorted(st.timer.items())), tuple(sorted(st.inspected)))

    frontier, seen = [(0, [])], set()
    while frontier:
        t, plan = heapq.heappop(frontier)
        k = key(plan)
        if k in seen:
            continue
        seen.add(k)
        if not check(p, plan):
            return t
        for a in actions:
            tr = simulate(p, plan + [a])
            if not tr.violations:
                heapq.heappush(frontier, (tr.state.time, plan + [a]))
    return None


def test_oracle_is_optimal_against_brute_force():
    p = small()
    sol = optimize(p)
    assert _brute_force(p) == sol.makespan


def test_cycle_is_an_input_error_naming_it():
    with pytest.raises(InputError, match="cycle: a -> b -> c -> a|cycle: b -> c -> a -> b|cycle: c -> a -> b -> c"):
        ENV.parse_problem({"parts": [{"name": n} for n in "abc"], "precedence": [["a", "b"], ["b", "c"], ["c", "a"]]})
    with pytest.raises(InputError, match="unknown part"):
        ENV.parse_problem({"parts": [{"name": "a"}], "precedence": [["a", "z"]]})
    with pytest.raises(InputError):
        generate(0, n_parts=40)


def test_ordering_blames_both_ends_of_the_edge():
    p = small()
    plan = ["fetch(base)", "insert(base)", "fetch(frame)", "insert(frame)", "change_tool(glue_gun)", "glue(base)"]
    v = [x for x in ENV.check(p, plan) if x.kind == "ordering"]
    assert [(x.constraint, x.steps) for x in v] == [("precedence(base, frame)", (3, 5))]
    # glued but not cured yet: blame the insert and the glue step
    plan = ["fetch(base)", "insert(base)", "change_tool(glue_gun)", "glue(base)", "change_tool(gripper)", "fetch(frame)", "insert(frame)"]
    slow = small(parts=(Part(name="base", fasten="glue", cure=6), Part(name="frame", fasten="screw"), Part(name="lid", fasten="none")))
    v = [x for x in ENV.check(slow, plan) if x.kind == "ordering"]
    assert v[0].steps == (6, 3) and "cures" in v[0].reason


def test_resources_deadline_precondition_unknown():
    p = small(fixtures=1, parts=(Part(name="base", fasten="glue", cure=5), Part(name="frame", fasten="glue", cure=5),
                                  Part(name="lid", fasten="none")), precedence=())
    plan = ["fetch(base)", "insert(base)", "fetch(frame)", "insert(frame)", "screw(base)", "change_tool(glue_gun)",
            "glue(base)", "glue(frame)", "fly(lid)", "insert(lid)"]
    v = ENV.check(p, plan)
    got = [(x.kind, x.steps) for x in v if x.steps]
    assert ("precondition", (4,)) in got  # base is glued, not screwed
    assert ("resource", (7,)) in got  # fixture full
    assert ("unknown", (8,)) in got and ("precondition", (9,)) in got
    assert [x.constraint for x in v if x.kind == "resource"] == ["fixtures"]
    v = ENV.check(small(), ["change_tool(screwdriver)", "fetch(base)"])
    assert [(x.kind, x.constraint, x.steps) for x in v if x.steps] == [("resource", "tool", (1,))]
    late = small(subassemblies=(Subassembly(name="sub1", parts=("base",), deadline=4),))
    plan = ["fetch(base)", "insert(base)", "change_tool(glue_gun)", "glue(base)", "wait(3)", "inspect(sub1)"]
    assert [(x.kind, x.steps) for x in ENV.check(late, plan) if x.kind == "deadline"] == [("deadline", (5,))]
    assert optimize(late).plan is None  # 2 + 2 + 1 + 3 + 1 > 4


def _goal_blame(problem, plan):
    values = ENV.plan_to_values(problem, plan)
    found = ENV.check_values(problem, values)
    assert found and {v.kind for v in found} == {"missing_step"}
    return set(found[0].slots)


def _slots_from(problem, step):
    return {f"s{i}_{f}" for i in range(step, problem.max_steps) for f in ("act", "arg")}


def test_a_spent_budget_redrafts_from_the_first_unneeded_step():
    # a tool change undone before it is used spends the step the plan lacks at the end
    plan = ["fetch(base)", "insert(base)", "change_tool(screwdriver)", "change_tool(glue_gun)", "glue(base)",
            "change_tool(gripper)", "wait(3)", "fetch(frame)"]
    p = small(max_steps=len(plan))
    assert _goal_blame(p, plan) == _slots_from(p, 2)


def test_a_dead_end_redrafts_from_the_step_that_led_into_it():
    # frame fetched before base is done: the full arm can do nothing more, so only the empty step is allowed
    p = small(max_steps=8)
    plan = ["fetch(base)", "insert(base)", "fetch(frame)"]
    assert _goal_blame(p, plan) == _slots_from(p, 2)


def test_an_early_stop_that_is_no_dead_end_blames_the_first_empty_step():
    p = small(max_steps=8)
    plan = ["fetch(base)", "insert(base)", "change_tool(glue_gun)", "glue(base)"]
    assert _goal_blame(p, plan) == {"s4_act", "s4_arg"}


def test_a_spent_budget_with_every_step_needed_blames_the_last_step():
    plan = ["fetch(lid)", "insert(lid)"]  # lid is done once inserted: both steps are needed
    p = small(max_steps=len(plan), precedence=())
    assert _goal_blame(p, plan) == {"s1_act", "s1_arg"}


@pytest.mark.parametrize("rendering", ["compact", "text"])
def test_template_round_trip(rendering):
    inst = generate(4, n_parts=6, deadlines=True)
    t = ENV.template(inst.problem, rendering)
    values = ENV.plan_to_values(inst.problem, inst.plan, rendering)
    assert set(values) == {s.name for s in t.slots}
    assert ENV.parse_plan(inst.problem, values, rendering) == inst.plan
    assert ENV.check_values(inst.problem, values, rendering) == []
    if rendering == "compact":
        assert set(t.fill(values).split()) <= set(ENV.vocabulary())
        values["s0_act"] = "none"
        assert all(x.slots for x in ENV.check_values(inst.problem, values))
    assert "by time" in ENV.instruction(inst.problem)


def test_registry():
    env = get_environment("assembly")
    assert isinstance(env, Environment) and env.name == "assembly"


def test_pddl_export_validates_with_unified_planning():
    pytest.importorskip("unified_planning")
    from unified_planning.engines import ValidationResultStatus
    from unified_planning.io import PDDLReader
    from unified_planning.shortcuts import PlanValidator, get_environment as up_env

    up_env().credits_stream = None
    inst = generate(1, n_parts=6)
    domain, text = to_pddl(inst.problem)
    problem = PDDLReader().parse_problem_string(domain, text)
    non_wait = [i for i, s in enumerate(inst.plan) if not s.startswith("wait")]
    for plan, want in ((inst.plan, ValidationResultStatus.VALID),
                       ([s for i, s in enumerate(inst.plan) if i != non_wait[-1]], ValidationResultStatus.INVALID)):
        up_plan = PDDLReader().parse_plan_string(problem, "\n".join(plan_to_pddl(inst.problem, plan)))
        with PlanValidator(problem_kind=problem.kind) as validator:
            assert validator.validate(problem, up_plan).status == want


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(2, 7), st.booleans(), st.data())
def test_oracle_plans_pass_and_dropped_steps_are_caught(seed, n, deadlines, data):
    inst = generate(seed, n_parts=n, deadlines=deadlines)
    assert ENV.check(inst.problem, inst.plan) == []
    i = data.draw(st.integers(0, len(inst.plan) - 1))
    dropped = inst.plan[:i] + inst.plan[i + 1:]
    assert ENV.check(inst.problem, dropped), f"dropping step {i} ({inst.plan[i]}) went unnoticed"
    if i + 1 < len(inst.plan):
        swapped = list(inst.plan)
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
        assert ENV.check(inst.problem, swapped) or makespan(inst.problem, swapped) >= inst.makespan
