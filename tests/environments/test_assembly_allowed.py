"""Assembly hard constraints (`AssemblySteps`, the search tier's `AssemblySearchSteps`): oracle plans stay
allowed, allowed steps are never blamed, wasted steps and dead ends are refused."""

from __future__ import annotations

import random

import pytest

from constraints import InputError
from environments import get_environment
from environments.assembly.allowed import AssemblySearchSteps, AssemblySteps
from environments.assembly.templates import EMPTY

ENV = get_environment("assembly")
TASKS = [(k, seed, False) for k in range(3, 7) for seed in range(5)] + [(k, 7, True) for k in range(3, 7)]
TIERS = ("local", "search")


def task(k: int, seed: int, deadlines: bool = False):
    problem = ENV.generate(seed, n_parts=k, deadlines=deadlines)
    return problem, ENV.solve(problem)


def open_slots(problem) -> dict[str, str | None]:
    return {f"s{i}_{x}": None for i in range(problem.max_steps) for x in ("act", "arg")}


def prefix(values: dict[str, str], n: int) -> dict[str, str]:
    """The slot values of steps 0..n-1."""
    return {name: v for name, v in values.items() if int(name[1:].split("_")[0]) < n}


def choices(problem) -> dict[str, set[str]]:
    return {s.name: set(s.choices) for s in ENV.template(problem).slots}


def walk(rules, problem, rng: random.Random, length: int, start: dict | None = None) -> dict[str, str | None]:
    """Commit `length` steps: those of `start` (slot values), then random allowed ones one slot at a
    time (the action first, then its argument)."""
    partial = open_slots(problem)
    for i in range(length):
        if start and f"s{i}_act" in start:
            partial |= {f"s{i}_act": start[f"s{i}_act"], f"s{i}_arg": start[f"s{i}_arg"]}
            continue
        for x in ("act", "arg"):
            partial[f"s{i}_{x}"] = rng.choice(sorted(rules.allowed_values(partial)[f"s{i}_{x}"]))
    return partial


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("k, seed, deadlines", TASKS)
def test_the_oracle_plan_is_allowed_step_by_step(k, seed, deadlines, tier):
    problem, plan = task(k, seed, deadlines)
    values = ENV.plan_to_values(problem, plan)
    rules, domain = ENV.slot_rules(problem, tier=tier), choices(problem)
    partial = open_slots(problem)
    for i in range(problem.max_steps):
        for x in ("act", "arg"):
            name = f"s{i}_{x}"
            allowed = rules.allowed_values(partial)
            assert values[name] in allowed[name], (plan, i, allowed[name])
            assert all(set(vals) <= domain[slot] for slot, vals in allowed.items())
            partial[name] = values[name]
        if i < len(plan):  # the goal holds only once the whole plan is in: no empty step before
            assert EMPTY not in rules.allowed_values(partial | {f"s{i}_act": None, f"s{i}_arg": None})[f"s{i}_act"]


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("k, seed, deadlines", TASKS[::2])
def test_every_allowed_step_after_allowed_steps_is_never_blamed(k, seed, deadlines, tier):
    problem, plan = task(k, seed, deadlines)
    rules, rng = ENV.slot_rules(problem, tier=tier), random.Random(seed)
    values = ENV.plan_to_values(problem, plan)
    reached_goal = 0
    for trial in range(8):
        # half the walks follow the oracle plan for a while first (some to its end), to get near and past the goal
        follow = (0, len(plan), 0, rng.randrange(len(plan)))[trial % 4]
        i = rng.randrange(follow, problem.max_steps)
        partial = walk(rules, problem, rng, i, prefix(values, follow))
        acts = rules.allowed_values(partial)[f"s{i}_act"]
        assert acts
        for act in acts:
            for arg in rules.allowed_values(partial | {f"s{i}_act": act})[f"s{i}_arg"]:
                found = ENV.check_values(problem, partial | {f"s{i}_act": act, f"s{i}_arg": arg})
                blamed = [v for v in found if v.steps and f"s{i}_act" in v.slots]
                if act == EMPTY:
                    missing = [v for v in found if v.kind == "missing_step"]
                    reached_goal += not missing
                    if acts != {EMPTY}:  # offered beside other steps only once the goal holds
                        blamed += missing
                assert blamed == [], (act, arg, blamed)
    assert reached_goal  # the walks did reach the goal


def test_the_empty_step_is_offered_once_the_goal_holds():
    problem, plan = task(5, 1)
    values = ENV.plan_to_values(problem, plan)
    rules, n = ENV.slot_rules(problem), len(plan)
    partial = open_slots(problem) | prefix(values, n)
    assert EMPTY in rules.allowed_values(partial)[f"s{n}_act"]
    partial |= {f"s{n}_act": EMPTY}
    assert rules.allowed_values(partial)[f"s{n}_arg"] == {EMPTY}
    partial |= {f"s{n}_arg": EMPTY}  # and the state stays known: still the empty step, or a step that takes effect
    assert EMPTY in rules.allowed_values(partial)[f"s{n + 1}_act"]
    assert rules.allowed_values(partial | {f"s{n + 1}_act": "inspect"})[f"s{n + 1}_arg"] == set()  # all inspected


def glued_task():
    for seed in range(50):
        problem, plan = task(6, seed)
        kinds = {p.fasten for p in problem.parts}
        if {"glue", "screw"} <= kinds:
            return problem, plan
    raise AssertionError("no generated task has both glued and screwed parts")


def test_glued_parts_are_never_screwed_and_numbers_never_inserted():
    problem, plan = glued_task()
    glued = {p.name for p in problem.parts if p.fasten == "glue"}
    screwed = {p.name for p in problem.parts if p.fasten == "screw"}
    rules, rng = ENV.slot_rules(problem), random.Random(0)
    values = ENV.plan_to_values(problem, plan)
    seen = set()
    for trial in range(40):
        i = rng.randrange(len(plan))
        partial = open_slots(problem) | prefix(values, i)
        if trial % 2:  # an open step earlier on: the state is unknown from there
            partial |= {f"s{rng.randrange(i + 1)}_{x}": None for x in ("act", "arg")}
        for act, banned in (("screw", glued), ("glue", screwed), ("insert", set())):
            args = set(rules.allowed_values(partial | {f"s{i}_act": act})[f"s{i}_arg"])
            assert not args & banned and not any(a.isdigit() for a in args), (act, args)
            seen |= args
    assert seen & screwed and seen & glued  # the rules did offer parts to fasten


def test_the_empty_step_is_refused_before_the_goal_and_unknowns_follow_it():
    problem, plan = task(4, 2)
    rules = ENV.slot_rules(problem)
    assert EMPTY not in rules.allowed_values(open_slots(problem))["s0_act"]
    # committed anyway, it leaves the state unknown: every typed step is allowed after it
    after = rules.allowed_values(open_slots(problem) | {"s0_act": EMPTY, "s0_arg": EMPTY})
    fastenings = {p.fasten for p in problem.parts} - {"none"}
    assert set(after["s1_act"]) == {"change_tool", "fetch", "insert", "wait", "inspect", EMPTY} | fastenings
    assert {p.name for p in problem.parts} <= set(after["s1_arg"])


def test_tiers_and_renderings_behave_as_the_other_environments():
    problem, plan = task(4, 3)
    n = problem.max_steps
    local, search = ENV.slot_rules(problem), ENV.slot_rules(problem, tier="search")
    assert local.fill_order() == search.fill_order() == [[f"s{i}_act", f"s{i}_arg"] for i in range(n)]
    values = ENV.plan_to_values(problem, plan)
    for cut in (0, 3, len(plan)):
        partial = open_slots(problem) | prefix(values, cut)
        assert local.allowed_values(partial) == AssemblySteps(problem)(partial)
        assert search.allowed_values(partial) == AssemblySearchSteps(problem)(partial)
        assert all(set(v) <= set(local.allowed_values(partial)[k]) for k, v in search.allowed_values(partial).items())
    text = ENV.slot_rules(problem, "text")  # no value rules, the same step order
    assert text.fill_order() == [[f"s{i}"] for i in range(n)]
    assert text.allowed_values({f"s{i}": None for i in range(n)}) == {}
    with pytest.raises(InputError, match="local, search"):
        ENV.slot_rules(problem, "compact", "none")
    with pytest.raises(ValueError, match="rendering"):
        ENV.slot_rules(problem, "html")


def state_after(problem, steps: list[str], tier: str = "local"):
    """The slot values of `steps` (action strings) and the rules' allowed values for the next step."""
    rules = ENV.slot_rules(problem, tier=tier)
    values = ENV.plan_to_values(problem, steps)
    partial = open_slots(problem) | prefix(values, len(steps))
    i = len(steps)
    acts = rules.allowed_values(partial)[f"s{i}_act"]
    return {act: set(rules.allowed_values(partial | {f"s{i}_act": act})[f"s{i}_arg"]) for act in acts}


def test_a_wait_is_allowed_only_while_a_glue_cures_and_never_past_the_longest_cure():
    problem, plan = glued_task()
    glued = next(p for p in problem.parts if p.fasten == "glue")
    assert "wait" not in state_after(problem, [])  # nothing cures: a wait only moves the clock
    # the oracle plan up to just after the glue step: the part cures, and waits reach at most its cure
    at = next(i for i, step in enumerate(plan) if step == f"glue({glued.name})") + 1
    waits = state_after(problem, plan[:at]).get("wait", set())
    assert waits and max(map(int, waits)) <= glued.cure


def test_the_search_tier_refuses_tools_with_nothing_to_do_and_a_change_right_after_a_change():
    problem, _ = task(4, 3)
    tools = state_after(problem, [], "search").get("change_tool", set())
    assert tools == set()  # nothing is inserted yet, the gripper is on: no other tool has work
    assert state_after(problem, [])["change_tool"] == {"screwdriver", "glue_gun"}  # the local tier allows them
    screwed = next(p.name for p in problem.parts if p.fasten == "screw"
                   and not any(b == p.name for _, b in problem.precedence))
    steps = [f"fetch({screwed})", f"insert({screwed})", "change_tool(screwdriver)"]
    assert "change_tool" not in state_after(problem, steps, "search")
    assert "change_tool" in state_after(problem, steps)


def test_the_search_tier_fetches_a_part_only_once_its_predecessors_are_fastened():
    problem, _ = task(5, 1)
    later = {b for _, b in problem.precedence}
    first = {p.name for p in problem.parts} - later
    assert state_after(problem, [], "search")["fetch"] == first
    assert state_after(problem, [])["fetch"] == {p.name for p in problem.parts}
