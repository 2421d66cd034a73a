"""State-annotated templates: the state after each step as slots, the goal's values fixed at the end."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from constraints.template import Slot
from environments import get_environment
from environments.blocksworld import Blocksworld
from environments.pddl.environment import STATE_CONSTRAINT
from environments.pddl.states import CLOSE, OPEN

MODELS = Path(__file__).resolve().parents[2] / "dream_agent" / "models"


def _text(env, problem, values) -> str:
    return "".join(values[s.name] if isinstance(s, Slot) else s for s in env.template(problem).segments)


@pytest.fixture(scope="module")
def env():
    return get_environment("blocksworld-states")


def test_each_step_writes_what_every_block_stands_on(env):
    problem = env.prepare(env.parse_problem(
        "(define (problem p) (:domain blocksworld-4ops) (:objects a b c)"
        " (:init (handempty) (ontable a) (on b a) (clear b) (ontable c) (clear c)) (:goal (and (on a c))))"))
    plan = env.solve(problem)
    assert plan == ["(unstack b a)", "(put-down b)", "(pick-up a)", "(stack a c)"]
    text = _text(env, problem, env.plan_to_values(problem, plan))
    assert "( unstack b a ) [ a table b hand c table ]" in text
    assert "( put-down b _ ) [ a table b table c table ]" in text
    assert "( stack a c ) [ a c b table c table ]" in text
    assert text.endswith("( noop _ _ ) [ a c b table c table ]")  # the empty steps keep the last state
    last = [s.name for s in env.template(problem).segments if isinstance(s, Slot)][-2:]
    assert last == ["s7.at1", "s7.at2"]  # "a c" is the goal's: fixed text in the last step


def test_round_trip_and_the_plain_vocabulary_is_unchanged(env):
    plain = Blocksworld()
    shipped = json.loads((MODELS / "blocksworld" / "config.json").read_text())["vocab"]
    assert plain.vocabulary() == shipped[:len(plain.vocabulary())]  # the shipped model reads plain templates as before
    assert env.vocabulary() == plain.vocabulary() + [OPEN, CLOSE, "table", "hand"]
    for seed in range(5):
        problem = env.prepare(env.generate(seed, blocks=4))
        plan = env.solve(problem)
        values = env.plan_to_values(problem, plan)
        assert env.parse_plan(problem, values) == plan
        assert env.check_values(problem, values) == []
        # the model's words fit its vocabulary
        assert set(_text(env, problem, values).split()) <= set(env.vocabulary())


def _fill_order_walk(env, problem, values):
    """Commit the oracle's values group by group; every value must be allowed when its slot is open."""
    rules = env.slot_rules(problem)
    partial = {name: None for name in values}
    for group in rules.fill_order():
        allowed = rules.allowed_values(partial)
        for name in group:
            assert name in allowed and values[name] in allowed[name], (name, values[name], allowed.get(name))
        for name in group:
            partial[name] = values[name]


@pytest.mark.parametrize("blocks", [3, 5])
def test_local_rules_never_exclude_an_optimal_plan(env, blocks):
    for seed in range(4):
        problem = env.prepare(env.generate(seed, blocks=blocks))
        _fill_order_walk(env, problem, env.plan_to_values(problem, env.solve(problem)))


def test_committed_step_pins_its_state_and_a_committed_state_picks_the_step(env):
    problem = env.prepare(env.generate(1, blocks=4))
    values = env.plan_to_values(problem, env.solve(problem))
    rules = env.slot_rules(problem)
    partial = {name: None for name in values}
    for name in ("s0.act", "s0.arg0", "s0.arg1"):
        partial[name] = values[name]
    allowed = rules.allowed_values(partial)
    for k in range(4):
        assert allowed[f"s0.at{k}"] == {values[f"s0.at{k}"]}
    # with the action open, a committed state value keeps only the steps that reach it
    partial = {name: None for name in values}
    held = next(k for k in range(4) if values[f"s0.at{k}"] == "hand")
    partial[f"s0.at{held}"] = "hand"
    allowed = rules.allowed_values(partial)
    assert allowed["s0.act"] <= {"pick-up", "unstack"}
    assert allowed["s0.arg0"] == {"abcd"[held]}


def test_last_step_reaches_the_fixed_goal_values_where_one_can(env):
    problem = env.prepare(env.parse_problem(
        "(define (problem p) (:domain blocksworld-4ops) (:objects a b)"
        " (:init (handempty) (ontable a) (clear a) (ontable b) (clear b)) (:goal (and (on a b))))").model_copy(
        update={"max_steps": 2}))
    values = {name: None for name in env.plan_to_values(problem, ["(pick-up a)", "(stack a b)"])}
    values.update({"s0.act": "pick-up", "s0.arg0": "a", "s0.arg1": "_"})
    allowed = env.slot_rules(problem).allowed_values(values)
    assert allowed["s1.act"] == {"stack"} and allowed["s1.arg1"] == {"b"}  # put-down a would miss "a b"


def test_a_failing_plan_blames_its_wrong_states_and_a_valid_one_does_not(env):
    problem = env.prepare(env.generate(2, blocks=4))
    plan = env.solve(problem)
    values = env.plan_to_values(problem, plan)
    wrong = dict(values, **{"s0.at0": "hand" if values["s0.at0"] != "hand" else "table"})
    assert env.check_values(problem, wrong) == []  # the plan is the answer; its notes are the model's own
    broken = dict(wrong, **{f"s{len(plan) - 1}.act": "noop", f"s{len(plan) - 1}.arg0": "_", f"s{len(plan) - 1}.arg1": "_"})
    found = env.check_values(problem, broken)
    states = [v for v in found if v.constraint == STATE_CONSTRAINT]
    assert states and states[0].slots == ("s0.at0",) and "after step 1" in states[0].reason
    assert any(v.constraint == "pddl" for v in found)


def test_the_canvas_limit_counts_the_state_words():
    plain, annotated = Blocksworld(), Blocksworld(states=True)
    problem = plain.generate(0, blocks=6)
    plain.max_tokens = annotated.max_tokens = 400
    assert plain._fitting_steps(problem, plain.task(problem)) > 2 * annotated._fitting_steps(problem, annotated.task(problem))


def test_random_walk_states_match_the_simulator(env):
    rng = random.Random(0)
    problem = env.prepare(env.generate(7, blocks=5))
    task = env.task(problem)
    state, plan = task.init, []
    from environments.pddl.grounding import apply, is_applicable

    for _ in range(6):
        action = rng.choice([a for a in task.actions if is_applicable(a, state)])
        state = apply(action, state)
        plan.append(str(action))
    values = env.plan_to_values(problem, plan)
    assert [values[f"s5.at{k}"] for k in range(5)] == list(env.states.read(task, state))


class WhereBallsAre:
    """A user's view of gripper: where each ball is (a room or a gripper), and the robot's room."""

    words = ("robby",)

    def variables(self, task):
        return (*sorted(o for o, in (a[1:] for a in task.init if a[0] == "ball")), "robby")

    def domains(self, task):
        rooms = tuple(sorted(a[1] for a in task.init if a[0] == "room"))
        grippers = tuple(sorted(a[1] for a in task.init if a[0] == "gripper"))
        return tuple(rooms + grippers for _ in self.variables(task)[:-1]) + (rooms,)

    def read(self, task, state):
        where = {a[1]: a[2] for a in state if a[0] in ("at", "carry")}
        robby = next(a[1] for a in state if a[0] == "at-robby")
        return (*(where[b] for b in self.variables(task)[:-1]), robby)

    def goal_values(self, task):
        return {a[1]: a[2] for a in task.goal_pos if a[0] == "at"}


def test_a_view_of_another_domain_speaks_the_object_tokens():
    from environments.pddl import PDDLEnvironment, PDDLProblem
    from environments.pddl.generators import gripper_problem

    data = Path(__file__).resolve().parents[2] / "environments" / "pddl" / "data"
    env = PDDLEnvironment((data / "gripper.pddl").read_text(), object_pool=16, object_kinds=True, states=WhereBallsAre())
    problem = env.prepare(PDDLProblem(pddl=gripper_problem(5, balls=3, rooms=2)))
    plan = env.solve(problem)
    values = env.plan_to_values(problem, plan)
    tokens = env.names(problem)
    text = _text(env, problem, values)
    assert set(text.split()) <= set(env.vocabulary())
    assert not set(text.split()) & set(tokens) - set(tokens.values())  # objects appear as their tokens only
    assert env.parse_plan(problem, values) == plan and env.check_values(problem, values) == []
    _fill_order_walk(env, problem, values)
    ball = sorted(b for b in tokens if b.startswith("ball"))[0]
    assert f" {tokens[ball]} " in text.split("[", 1)[1]  # the first state names the ball by its token


def _gripper_env(spec="at,carry;=at-robby"):
    from environments.pddl import PDDLEnvironment
    from environments.pddl.states import PredicateGroups

    data = Path(__file__).resolve().parents[2] / "environments" / "pddl" / "data"
    return PDDLEnvironment((data / "gripper.pddl").read_text(), object_pool=16, object_kinds=True,
                           states=PredicateGroups(spec))


def test_predicate_groups_give_any_domain_a_state_view():
    from environments.pddl import PDDLProblem
    from environments.pddl.generators import gripper_problem

    env = _gripper_env()
    env.states.check(env.domain)
    problem = env.prepare(PDDLProblem(pddl=gripper_problem(11, balls=4, rooms=3)))
    task = env.task(problem)
    balls = sorted(o for (o,) in (a[1:] for a in task.init if a[0] == "ball"))
    assert env.states.variables(task) == (*balls, "at-robby")
    rooms = sorted(a[1] for a in task.init if a[0] == "room")
    assert env.states.domains(task)[-1] == (*rooms, "none")
    assert env.states.read(task, task.init)[-1] == next(a[1] for a in task.init if a[0] == "at-robby")
    plan = env.solve(problem)
    values = env.plan_to_values(problem, plan)
    assert env.parse_plan(problem, values) == plan and env.check_values(problem, values) == []
    assert set(_text(env, problem, values).split()) <= set(env.vocabulary())
    _fill_order_walk(env, problem, values)
    # a ball's goal room is fixed text in the last step
    goal = {a[1]: a[2] for a in task.goal_pos if a[0] == "at"}
    assert env.states.goal_values(task) == goal


def test_predicate_groups_of_blocksworld_see_what_block_positions_see():
    from environments.pddl.environment import _states_after
    from environments.pddl.states import PredicateGroups

    env = get_environment("blocksworld-states")
    problem = env.prepare(env.generate(3, blocks=5))
    task = env.task(problem)
    view, plain = PredicateGroups("on,ontable,holding"), env.states
    named = {"ontable": "table", "holding": "hand"}
    states = [task.init, *_states_after(task, env.solve(problem))]
    assert len(states) >= 3
    for state in states:
        assert tuple(named.get(v, v) for v in view.read(task, state)) == plain.read(task, state)


@pytest.mark.parametrize("spec, message", [
    ("", "write groups of predicates"),
    ("=at-robby,at", "a '=' group names one predicate"),
    ("at,hold", "the domain has no predicate 'hold'; it has at, at-robby"),
    ("=at", "'=at' needs a one-argument predicate"),
])
def test_a_bad_state_view_names_the_problem(spec, message):
    from constraints.errors import InputError

    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        env = _gripper_env(spec)
        env.states.check(env.domain)


def test_the_domain_record_keeps_the_state_view():
    from environments.pddl.record import domain_record, environment_from_record

    env = _gripper_env()
    record = domain_record(env, "(domain text)", ["p1"], 12)
    assert record["state_view"] == "at,carry;=at-robby"
    data = Path(__file__).resolve().parents[2] / "environments" / "pddl" / "data"
    again = environment_from_record((data / "gripper.pddl").read_text(), record)
    assert again.states == env.states and again.vocabulary() == env.vocabulary()
