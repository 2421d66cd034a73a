"""The environment protocol: every registered environment, `prepare` and the `SlotRules` capability."""

from __future__ import annotations

import pytest

from environments import ENVIRONMENTS, get_environment
from environments.assembly.allowed import AssemblySteps
from environments.base import Environment, SlotRules
from environments.countdown.allowed import countdown_allowed_values, countdown_local_values
from environments.kitchen.allowed import kitchen_allowed_values
from environments.pddl.allowed import pddl_allowed_values
from environments.pddl.environment import DEFAULT_MAX_STEPS, PDDLEnvironment, PDDLProblem
from environments.sudoku.allowed import sudoku_allowed_values

RULED = ["assembly", "blocksworld", "countdown", "kitchen", "sudoku", "sudoku4x4"]


def knobs(name: str) -> dict:
    return {"blocks": 4} if name == "blocksworld" else {}


def partials(env, problem, rendering):
    """Slot maps with nothing committed, then a growing prefix of the oracle plan committed."""
    slots = [s.name for s in env.template(problem, rendering).slots]
    values = env.plan_to_values(problem, env.solve(problem), rendering)
    for k in (0, len(slots) // 3, len(slots) // 2, len(slots)):
        yield {s: values.get(s) if i < k else None for i, s in enumerate(slots)}


@pytest.mark.parametrize("name", sorted(ENVIRONMENTS))
def test_every_registered_environment_satisfies_the_protocol(name):
    env = get_environment(name)
    assert isinstance(env, Environment)
    problem = env.prepare(env.generate(0, **knobs(name)))
    assert isinstance(problem, env.problem_type)
    for rendering in ("compact", "text"):
        rules = env.slot_rules(problem, rendering)
        assert rules is None or isinstance(rules, SlotRules)


@pytest.mark.parametrize("name", sorted(ENVIRONMENTS))
def test_prepare_is_idempotent(name):
    env = get_environment(name)
    once = env.prepare(env.generate(1, **knobs(name)))
    assert env.prepare(once) == once


def test_prepare_leaves_every_non_pddl_problem_unchanged():
    for name in ("assembly", "countdown", "kitchen", "sudoku", "sudoku4x4"):
        env = get_environment(name)
        problem = env.generate(2)
        assert env.prepare(problem) is problem


@pytest.mark.parametrize("blocks", [2, 3, 5, 8])
def test_prepare_gives_blocksworld_four_steps_per_block_after_the_first(blocks):
    env = get_environment("blocksworld")
    problem = env.generate(0, blocks=blocks)
    assert problem.max_steps is None
    assert env.prepare(problem).max_steps == max(4, 4 * (blocks - 1))
    assert env.prepare(problem.model_copy(update={"max_steps": 3})).max_steps == 3  # a given budget is kept


def test_prepare_gives_other_pddl_domains_the_default_budget():
    bw = get_environment("blocksworld")
    env = PDDLEnvironment(bw.domain_pddl)
    problem = PDDLProblem(pddl=bw.generate(0, blocks=3).pddl)
    assert env.prepare(problem).max_steps == DEFAULT_MAX_STEPS


def test_assembly_rules_are_effective_actions_step_by_step():
    env = get_environment("assembly")
    problem = env.prepare(env.generate(0, n_parts=4))
    rules = env.slot_rules(problem)
    n = problem.max_steps
    assert rules.fill_order() == [[f"s{i}_act", f"s{i}_arg"] for i in range(n)]
    for partial in partials(env, problem, "compact"):
        assert rules.allowed_values(partial) == AssemblySteps(problem)(partial)
    text = env.slot_rules(problem, "text")  # no value rules, the same step order
    assert text.fill_order() == [[f"s{i}"] for i in range(n)]
    assert all(text.allowed_values(partial) == {} for partial in partials(env, problem, "text"))


@pytest.mark.parametrize("name", ["sudoku", "sudoku4x4"])
def test_sudoku_rules_are_the_cell_digits_in_any_order(name):
    env = get_environment(name)
    problem = env.prepare(env.generate(3))
    for rendering in ("compact", "text"):
        rules = env.slot_rules(problem, rendering)
        assert rules.fill_order() == []
        for partial in partials(env, problem, rendering):
            assert rules.allowed_values(partial) == sudoku_allowed_values(problem, partial)


@pytest.mark.parametrize("rendering", ["compact", "text"])
def test_countdown_rules_are_exact_arithmetic_one_equation_after_another(rendering):
    env = get_environment("countdown")
    problem = env.prepare(env.generate(4))
    local, search = env.slot_rules(problem, rendering), env.slot_rules(problem, rendering, "search")
    order = [[f"{p}{i}" for p in ("a", "op", "b", "r")] for i in range(len(problem.numbers) - 1)]
    assert local.fill_order() == search.fill_order() == order
    for partial in partials(env, problem, rendering):
        compact = rendering == "compact"
        assert search.allowed_values(partial) == countdown_allowed_values(problem, partial, compact, env.digits)
        assert local.allowed_values(partial) == countdown_local_values(problem, partial, compact, env.digits)


def test_kitchen_rules_are_effective_actions_step_by_step():
    env = get_environment("kitchen")
    problem = env.prepare(env.generate(5))
    rules = env.slot_rules(problem)
    n = problem.max_steps
    assert rules.fill_order() == [[f"s{i}_act", f"s{i}_a1", f"s{i}_a2"] for i in range(n)]
    for partial in partials(env, problem, "compact"):
        assert rules.allowed_values(partial) == kitchen_allowed_values(problem, partial)
    text = env.slot_rules(problem, "text")  # no value rules, the same step order
    assert text.fill_order() == [[f"s{i}"] for i in range(n)]
    assert all(text.allowed_values(partial) == {} for partial in partials(env, problem, "text"))


def test_blocksworld_rules_are_applicable_actions_step_by_step():
    env = get_environment("blocksworld")
    problem = env.prepare(env.generate(6, blocks=4))
    task, n = env.task(problem), problem.max_steps
    rules = env.slot_rules(problem)
    assert rules.fill_order() == [[f"s{i}.act", f"s{i}.arg0", f"s{i}.arg1"] for i in range(n)]
    for partial in partials(env, problem, "compact"):
        assert rules.allowed_values(partial) == pddl_allowed_values(task, partial, n)
    text = env.slot_rules(problem, "text")
    assert text.fill_order() == [[f"s{i}"] for i in range(n)]
    assert all(text.allowed_values(partial) == {} for partial in partials(env, problem, "text"))


def test_unknown_rendering_is_refused():
    for name in ("assembly", "blocksworld", "countdown", "sudoku"):
        env = get_environment(name)
        with pytest.raises(ValueError, match="rendering"):
            env.slot_rules(env.prepare(env.generate(0, **knobs(name))), "html")


@pytest.mark.parametrize("name, knobs", [("kitchen", {"n_objects": 4}), ("assembly", {"n_parts": 5})])
def test_action_plan_domains_keep_the_generators_plan_and_search_for_other_tasks(name, knobs, monkeypatch):
    """Training data asks for the plan of each task right after generating it: one search, not two."""
    env = get_environment(name)
    searches: list[object] = []
    oracle = type(env).oracle
    problem = env.generate(7, **knobs)
    expected = oracle(problem)
    monkeypatch.setattr(type(env), "oracle", staticmethod(lambda p: searches.append(p) or oracle(p)))
    kept = env.solve(problem)
    assert searches == [] and kept == expected and env.solve(problem.model_dump()) == expected
    other = env.generate(8, **knobs)
    assert env.solve(problem) == kept and searches == [problem]  # not the last generated one: searched
    assert env.solve(other) is not None and len(searches) == 1
