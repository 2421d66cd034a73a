"""Tests for environments.pddl.checks and templates: plan reading, blame, slot values, round trips."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from environments.blocksworld import Blocksworld
from environments.pddl import NOOP, PAD, check_plan, load_pddl, read_plan
from environments.pddl.checks import ground_step, parse_step
from environments.pddl.grounding import apply, is_applicable

ENV = Blocksworld()
# a on c; b, d on the table; goal: a on b on c.
PROBLEM = ENV.parse_problem(
    "(define (problem t) (:domain blocksworld-4ops) (:objects a b c d)"
    " (:init (handempty) (on a c) (ontable c) (ontable b) (ontable d) (clear a) (clear b) (clear d))"
    " (:goal (and (on a b) (on b c))))"
)
PLAN = ["(unstack a c)", "(put-down a)", "(pick-up b)", "(stack b c)", "(pick-up a)", "(stack a b)"]


def test_read_plan_formats():
    text = "; plan\n(UNSTACK a c)\n\nput-down a ; why\n0.000: (pick-up b) [1.000]\n(stack b c)(pick-up a)\n; cost = 6 (unit cost)"
    assert read_plan(text) == ["(unstack a c)", "(put-down a)", "(pick-up b)", "(stack b c)", "(pick-up a)"]
    assert read_plan("") == []


def test_read_plan_comments_end_at_the_first_semicolon_and_junk_lines_stay_whole():
    assert read_plan("(unstack a c) ; then; put it down\n(put-down a)") == ["(unstack a c)", "(put-down a)"]
    assert read_plan("(unstack a c)junk\n(put-down a)") == ["(unstack a c)junk", "(put-down a)"]


def test_parse_step_needs_both_parentheses_or_none():
    assert parse_step(" (Stack a B) ") == ("stack", ("a", "b")) == parse_step("stack a b")
    assert parse_step("(stack a b") is None and parse_step("stack a b)") is None and parse_step("()") is None


def test_ground_step_names_the_domain_actions_and_is_silent_on_success():
    task = ENV.task(PROBLEM)
    action, kind, reason = ground_step(task, "(unstack a c)")
    assert str(action) == "(unstack a c)" and (kind, reason) == ("", "")
    assert ground_step(task, "(fly a)") == (None, "unknown", "unknown action 'fly'; actions: pick-up, put-down, stack, unstack")


@pytest.mark.parametrize("junk", ["(unstack a c)b034ow+bc", ")(unstack a c)", "x (unstack a c)"])
def test_text_around_an_action_is_not_an_action(junk):
    plan = "\n".join([junk, *PLAN[1:]])
    found = ENV.check(PROBLEM, plan)
    assert found and found[0].kind == "syntax" and found[0].steps == (0,)
    assert ENV.check(PROBLEM, "\n".join(PLAN)) == []


def test_optimal_plan_is_valid_and_checks_as_text():
    assert ENV.solve(PROBLEM) == PLAN
    assert ENV.check(PROBLEM, PLAN) == []
    assert ENV.check(PROBLEM, "\n".join(PLAN)) == []


def test_precondition_blamed_at_first_failing_step_with_atom():
    plan = ["(unstack a c)", "(put-down a)", "(pick-up b)", "(stack b d)", "(stack a b)"]
    [bad, missing] = ENV.check(PROBLEM, plan)
    assert bad.kind == "precondition" and bad.steps == (4,)
    assert bad.reason == "step 5 (stack a b): (holding a) is false"
    assert bad.details["failed"] == ["(holding a) is false"]
    assert missing.kind == "missing_step" and missing.steps == () and "(on a b) is false" in missing.reason


def test_missing_step_names_unmet_goals():
    [v] = ENV.check(PROBLEM, PLAN[:4])
    assert v.kind == "missing_step" and v.steps == () and v.details["unmet"] == ["(on a b) is false"]


@pytest.mark.parametrize(
    "step, kind, text",
    [
        ("(fly a)", "unknown", "unknown action 'fly'"),
        ("(unstack a)", "unknown", "takes 2 argument(s), got 1"),
        ("(unstack a z)", "unknown", "unknown object 'z'"),
        ("unstack (a c", "syntax", "not an action"),
    ],
)
def test_unknown_actions_arity_objects(step, kind, text):
    violations = ENV.check(PROBLEM, ["(unstack a c)", step, "(stack a b)"])
    assert violations[0].kind == kind and violations[0].steps == (1,) and text in violations[0].reason
    assert violations[0].reason.startswith(f"step 2 {step}: ") and violations[0].details == {"step": step}
    assert violations[0].constraint == "pddl"


@pytest.mark.parametrize("rendering", ["compact", "text"])
def test_template_round_trip_and_slot_blame(rendering):
    template = ENV.template(PROBLEM, rendering)
    values = ENV.plan_to_values(PROBLEM, PLAN, rendering)
    assert {s.name for s in template.slots} == set(values)
    for slot in template.slots:
        assert slot.choices is None or values[slot.name] in slot.choices
    assert ENV.parse_plan(PROBLEM, values, rendering) == PLAN
    assert ENV.check_values(PROBLEM, values, rendering) == []
    broken = ENV.plan_to_values(PROBLEM, PLAN[:2] + ["(stack b c)"] + PLAN[3:], rendering)  # drop pick-up b
    [bad, _] = ENV.check_values(PROBLEM, broken, rendering)
    assert bad.steps == (2,) and bad.slots[0] == "s2" + (".act" if rendering == "compact" else "")


def test_compact_template_shape_vocabulary_and_noop():
    template = ENV.template(PROBLEM)
    assert len([s for s in template.slots if s.name.endswith(".act")]) == len(PLAN)
    text = template.fill(ENV.plan_to_values(PROBLEM, PLAN))
    # the problem (init and goal atoms) comes first as context, then the plan
    assert text.startswith("init ") and " goal " in text
    assert " plan ( unstack a c ) ( put-down a _ )" in text
    assert set(text.split()) <= set(ENV.vocabulary())
    short = ENV.plan_to_values(PROBLEM.model_copy(update={"max_steps": 8}), PLAN)
    assert short["s7.act"] == NOOP and short["s7.arg0"] == PAD
    values = dict(short, **{"s1.act": NOOP, "s1.arg0": PAD})  # an empty step in the middle is skipped
    plan = ENV.parse_plan(PROBLEM.model_copy(update={"max_steps": 8}), values)
    assert plan == [PLAN[0]] + PLAN[2:]
    [missing] = ENV.check_values(PROBLEM.model_copy(update={"max_steps": 8}), ENV.plan_to_values(PROBLEM.model_copy(update={"max_steps": 8}), PLAN[:4]))
    assert missing.kind == "missing_step" and missing.slots[0] == "s4.act"
    weird = dict(short, **{"s0.act": "fly"})
    assert ENV.check_values(PROBLEM.model_copy(update={"max_steps": 8}), weird)[0].slots == ("s0.act", "s0.arg0", "s0.arg1")


def test_typed_argument_domains():
    domain = """(define (domain m) (:requirements :strips :typing) (:types robot room)
      (:predicates (at ?r - robot ?x - room))
      (:action move :parameters (?r - robot ?from ?to - room) :precondition (at ?r ?from)
        :effect (and (at ?r ?to) (not (at ?r ?from)))))"""
    problem = "(define (problem p) (:domain m) (:objects r1 - robot k l - room) (:init (at r1 k)) (:goal (at r1 l)))"
    env, p = load_pddl(domain, problem)
    slots = {s.name: s.choices for s in env.template(p).slots}
    assert slots["s0.arg0"] == ("r1", PAD) and slots["s0.arg1"] == ("k", "l", PAD)
    assert env.solve(p) == ["(move r1 k l)"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), blocks=st.integers(3, 5), data=st.data())
def test_oracle_validates_and_changed_steps_are_blamed(seed, blocks, data):
    problem = ENV.generate(seed, blocks=blocks)
    plan = ENV.solve(problem)
    assert plan and ENV.check(problem, plan) == []
    i = data.draw(st.integers(0, len(plan) - 1))
    # An optimal plan has no spare step: without step i it fails, never before step i.
    dropped = ENV.check(problem, plan[:i] + plan[i + 1 :])
    assert dropped and all(s >= i for v in dropped for s in v.steps)
    # Replacing step i by an action inapplicable there is blamed exactly at step i.
    task = ENV.task(problem)
    state = task.init
    for step in plan[:i]:
        state = apply(next(a for a in task.actions if str(a) == step), state)
    wrong = [str(a) for a in task.actions if not is_applicable(a, state)]
    altered = plan[:i] + [data.draw(st.sampled_from(wrong))] + plan[i + 1 :]
    first = ENV.check(problem, altered)[0]
    assert first.kind == "precondition" and first.steps == (i,)


# Rooms in a row; moving needs a different, lit room (equality and negative preconditions, a negative goal).
WALK = load_pddl(
    """(define (domain walk) (:requirements :strips :typing :equality :negative-preconditions) (:types room)
      (:predicates (at ?x - room) (dark ?x - room))
      (:action move :parameters (?from ?to - room) :precondition (and (at ?from) (not (= ?from ?to)) (not (dark ?to)))
        :effect (and (at ?to) (not (at ?from)))))""",
    "(define (problem p) (:domain walk) (:objects k l c - room) (:init (at k) (dark c)) (:goal (and (at l) (not (dark c)))))",
)


def test_report_counts_the_steps_run_and_where_the_goal_was_missed():
    env, problem = WALK
    report = env.report(problem, ["(move k l)", "(move l k)", "(move k l)"])
    assert (report.executed, report.cost) == (3, 3)
    [goal] = report.violations
    assert (goal.constraint, goal.kind, goal.steps) == ("pddl", "missing_step", ())
    assert goal.reason == "goal not reached at the end of the plan: (dark c) is true"
    assert goal.details == {"unmet": ["(dark c) is true"]}


def test_a_false_equality_is_blamed_and_the_goal_is_checked_before_it():
    env, problem = WALK
    report = env.report(problem, ["(move k l)", "(move l l)", "(move l k)"])
    assert report.executed == 1
    bad, goal = report.violations
    assert (bad.constraint, bad.kind, bad.steps) == ("pddl", "precondition", (1,))
    assert bad.reason == "step 2 (move l l): an equality precondition is false"
    assert bad.details == {"step": "(move l l)", "failed": ["an equality precondition is false"]}
    assert goal.reason == "goal not reached before the failing step: (dark c) is true"
    [bad, goal] = env.report(problem, ["(move l c)"]).violations
    assert bad.reason == "step 1 (move l c): (at l) is false, (dark c) is true"
    assert goal.reason == "goal not reached before the failing step: (at l) is false, (dark c) is true"


def test_check_plan_reports_under_the_given_constraint_name():
    env, problem = WALK
    found = check_plan(env.task(problem), ["(move k k)"], "walk")
    assert [v.constraint for v in found] == ["walk", "walk"]


def test_a_spent_budget_redrafts_from_the_first_steps_the_plan_does_without():
    # a block picked up and put back down spends two of the eight steps: the goal is one step short
    wasted = ["(pick-up d)", "(put-down d)"]
    plan = PLAN[:2] + wasted + PLAN[2:5]
    problem = PROBLEM.model_copy(update={"max_steps": len(plan)})
    [missing] = ENV.check_values(problem, ENV.plan_to_values(problem, plan))
    assert missing.kind == "missing_step"
    assert missing.slots[0] == "s2.act" and missing.slots[-1] == f"s{len(plan) - 1}.arg1"
    # every step needed and the budget spent: no slot is named, so the refine loop redrafts the whole plan
    problem = PROBLEM.model_copy(update={"max_steps": 4})
    [missing] = ENV.check_values(problem, ENV.plan_to_values(problem, PLAN[:4]))
    assert missing.kind == "missing_step" and missing.slots == ()


def test_beside_a_failing_last_step_a_goal_with_no_room_blames_that_step():
    # the budget is spent and the last step has lost its second block: mend it, then judge the goal
    plan = PLAN[:3] + ["(stack b)"]
    problem = PROBLEM.model_copy(update={"max_steps": 4})
    values = ENV.plan_to_values(problem, PLAN[:4])
    values["s3.arg1"] = "_"
    bad, missing = ENV.check_values(problem, values)
    assert bad.steps == (3,) and missing.kind == "missing_step"
    assert bad.slots == missing.slots == ("s3.act", "s3.arg0", "s3.arg1")
    assert ENV.parse_plan(problem, values) == plan
