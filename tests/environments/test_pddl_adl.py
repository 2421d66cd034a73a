"""Tests for ADL in environments.pddl: conditional effects, quantifiers, disjunctions, costs, diagnostics."""

import pytest
from helpers import SHARED_DATA

from constraints.errors import InputError
from environments.pddl import apply, load_pddl, parse_domain_text
from environments.pddl.checks import failed_preconditions

DATA = SHARED_DATA / "pddl"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"public PDDL samples not found at {DATA} (../shared/data/pddl)")

# Two rooms, balls, one hand. ADL: forall/exists/or/imply in preconditions, when + forall in effects.
ROOMS = """(define (domain rooms) (:requirements :adl)
  (:types room ball) (:constants hall - room)
  (:predicates (at ?b - ball ?r - room) (robot ?r - room) (holding ?b - ball) (lit ?r - room) (toggled ?r - room))
  (:action move :parameters (?from ?to - room)
     :precondition (and (robot ?from) (imply (not (lit ?to)) (= ?to hall)))
     :effect (and (robot ?to) (not (robot ?from))
                  (forall (?b - ball) (when (holding ?b) (and (at ?b ?to) (not (at ?b ?from)))))))
  (:action pick :parameters (?b - ball ?r - room)
     :precondition (and (robot ?r) (at ?b ?r) (forall (?x - ball) (not (holding ?x))))
     :effect (holding ?b))
  (:action drop :parameters (?b - ball)
     :precondition (exists (?r - room) (and (robot ?r) (or (lit ?r) (= ?r hall))))
     :effect (not (holding ?b)))
  (:action toggle :parameters (?r - room)
     :precondition (robot ?r)
     :effect (and (when (lit ?r) (not (lit ?r))) (when (not (lit ?r)) (lit ?r)) (not (toggled ?r)) (toggled ?r))))"""
PROBLEM = """(define (problem p) (:domain rooms) (:objects kitchen attic - room b1 b2 - ball)
  (:init (robot hall) (at b1 hall) (at b2 hall) (lit kitchen))
  (:goal (and (forall (?b - ball) (imply (at ?b kitchen) (not (holding ?b)))) (exists (?b - ball) (at ?b kitchen)))))"""


@pytest.fixture(scope="module")
def rooms():
    return load_pddl(ROOMS, PROBLEM)


def test_conditional_effects_read_the_state_before_the_action(rooms):
    env, problem = rooms
    # toggle: (when (lit r) (not (lit r))) and (when (not (lit r)) (lit r)) flip once, not twice
    report = env.report(problem, ["(move hall kitchen)", "(toggle kitchen)", "(move kitchen hall)", "(move hall kitchen)"])
    [bad, _] = report.violations
    assert bad.kind == "precondition" and bad.steps == (3,)
    assert bad.reason == "step 4 (move hall kitchen): (or (lit kitchen) (= kitchen hall)) is false"
    # forall + when: only the held ball moves
    plan = ["(pick b1 hall)", "(move hall kitchen)", "(drop b1)"]
    assert env.check(problem, plan) == []
    task = env.task(problem)
    state = task.init
    for step in plan[:2]:
        action = next(a for a in task.actions if str(a) == step)
        state = apply(action, state)
    assert ("at", "b1", "kitchen") in state and ("at", "b2", "hall") in state and ("at", "b1", "hall") not in state


def test_adds_win_over_deletes_of_the_same_atom(rooms):
    env, problem = rooms
    task = env.task(problem)
    toggle = next(a for a in task.actions if str(a) == "(toggle hall)")
    assert ("toggled", "hall") in apply(toggle, task.init)


def test_forall_precondition_names_its_witness(rooms):
    env, problem = rooms
    [bad, _] = env.check(problem, ["(pick b1 hall)", "(pick b2 hall)"])
    assert bad.steps == (1,) and bad.details["failed"] == ["(holding b1) is true (forall ?x - ball, with ?x = b1)"]


def test_exists_or_and_imply_diagnostics(rooms):
    env, problem = rooms
    [bad, _] = env.check(problem, ["(move hall attic)"])  # imply: attic is dark and not the hall
    assert bad.steps == (0,) and bad.details["failed"] == ["(or (lit attic) (= attic hall)) is false"]
    plan = ["(pick b1 hall)", "(move hall kitchen)", "(toggle kitchen)", "(drop b1)"]
    [bad, _] = env.check(problem, plan)  # no room that is lit or the hall holds the robot
    assert bad.steps == (3,) and bad.details["failed"][0].startswith("(exists (?r - room) ") and "no ?r - room makes it true" in bad.reason


def test_quantified_goals_and_unmet_goal_explanations(rooms):
    env, problem = rooms
    [unmet] = env.check(problem, ["(pick b1 hall)", "(move hall kitchen)"])
    assert unmet.kind == "missing_step"
    assert unmet.details["unmet"] == ["(or (not (at b1 kitchen)) (not (holding b1))) is false (forall ?b - ball, with ?b = b1)"]
    [unmet] = env.check(problem, [])
    assert "no ?b - ball makes it true" in unmet.reason
    plan = env.solve(problem)
    assert plan == ["(pick b1 hall)", "(move hall kitchen)", "(drop b1)"] and env.check(problem, plan) == []


def test_failed_preconditions_explain_formulas_only_with_the_task(rooms):
    env, problem = rooms
    task = env.task(problem)
    state = task.init
    for step in ["(pick b1 hall)", "(move hall kitchen)", "(toggle kitchen)"]:
        state = apply(next(a for a in task.actions if str(a) == step), state)
    move = next(a for a in task.actions if str(a) == "(move attic kitchen)")
    assert failed_preconditions(move, state, task) == ["(robot attic) is false", "(or (lit kitchen) (= kitchen hall)) is false"]
    # without the task the lifted formula is not known: its literals, then one line for the rest
    assert failed_preconditions(move, state) == ["(robot attic) is false", "a precondition formula is false"]


def test_slot_rules_offer_only_applicable_adl_actions(rooms):
    env, problem = rooms
    rules = env.slot_rules(problem)
    allowed = rules.allowed_values({"s0.act": "pick", "s0.arg0": "b1", "s0.arg1": "hall", "s1.act": None})
    assert allowed["s1.act"] == {"move", "toggle", "drop"}  # pick is blocked by the forall over held balls
    allowed = rules.allowed_values({"s0.act": "move", "s0.arg0": "hall", "s0.arg1": None})
    assert allowed["s0.arg1"] == {"kitchen"}  # the attic is dark; staying in the hall changes nothing


COSTS = """(define (domain roads) (:requirements :typing :action-costs)
  (:types city) (:predicates (at ?c - city) (road ?a ?b - city))
  (:functions (total-cost) - number (length ?a ?b - city) - number)
  (:action drive :parameters (?a ?b - city) :precondition (and (at ?a) (road ?a ?b))
     :effect (and (at ?b) (not (at ?a)) (increase (total-cost) (length ?a ?b))))
  (:action fly :parameters (?a ?b - city) :precondition (at ?a) :effect (and (at ?b) (not (at ?a)) (increase (total-cost) 10)))
  (:action wait :parameters () :precondition (and) :effect (and)))"""
COST_PROBLEM = """(define (problem trip) (:domain roads) (:objects a b c d - city)
  (:init (at a) (road a b) (road b c) (road c d) (= (length a b) 2) (= (length b c) 3) (= (length c d) 1) (= (total-cost) 0))
  (:goal (at d)) (:metric minimize (total-cost)))"""


@pytest.mark.parametrize("algorithm", ["bfs", "astar"])
def test_action_costs_give_the_cheapest_plan_and_its_cost(algorithm):
    env, problem = load_pddl(COSTS, COST_PROBLEM)
    result = env.search(problem, algorithm=algorithm)
    assert [str(a) for a in result.plan] == ["(drive a b)", "(drive b c)", "(drive c d)"] and result.cost == 6
    report = env.report(problem, ["(wait)", "(fly a d)"])
    assert report.is_valid and report.cost == 10  # an action without an increase costs 0
    assert env.report(problem, ["(drive a b)", "(fly b d)", "(drive d a)"]).cost == 12  # cost of the steps run
    [bad, _] = env.check(problem, ["(drive a b)", "(fly b d)", "(fly d a)", "(drive a c)"])
    assert bad.steps == (3,) and bad.details["failed"] == ["(road a c) is false"]


def test_a_cost_without_a_value_is_blamed_at_its_step():
    env, problem = load_pddl(COSTS, COST_PROBLEM.replace("(road c d)", "(road c d) (road b d)"))  # no (length b d)
    report = env.report(problem, ["(drive a b)", "(drive b d)", "(wait)"])
    assert (report.executed, report.cost) == (1, 2)
    bad, goal = report.violations
    assert (bad.constraint, bad.kind, bad.steps) == ("pddl", "precondition", (1,))
    assert bad.reason == "step 2 (drive b d): its cost (length b d) has no value in the problem's :init"
    assert bad.details == {"step": "(drive b d)", "failed": [bad.reason]}
    assert goal.reason == "goal not reached before the failing step: (at d) is false"


def test_lenient_reading_of_real_domains():
    """forall inside when (household), undeclared requirements and object types (alfworld)."""
    if not DATA.is_dir():
        pytest.skip("public PDDL samples not found")
    env, problem = load_pddl(DATA / "alfworld" / "domain.pddl", DATA / "alfworld" / "example_problem.pddl")
    assert env.solve(problem) == ["(examineobjectinlight book-1 desklamp-1 desk-1)"]
    [bad, _] = env.check(problem, ["(pickupobjectfromreceptacle desklamp-1 desk-1)"])
    assert bad.details["failed"] == ["(islight desklamp-1) is true", "(holds book-1) is true (forall ?t, with ?t = book-1)"]
    rules = env.slot_rules(problem.model_copy(update={"max_steps": 2}))
    first = rules.allowed_values({"s0.act": None})["s0.act"]
    assert "gotoreceptacle" in first and "openreceptacle" not in first  # every drawer is open already


@pytest.mark.parametrize(
    "body, feature",
    [
        ("(:functions (fuel)) (:action a :parameters () :precondition (and) :effect (increase (fuel) 1))", "numeric fluents"),
        ("(:functions (total-cost)) (:action a :parameters (?x) :precondition (and) :effect (when (p ?x) (increase (total-cost) 1)))",
         "conditional or quantified action costs"),
        ("(:durative-action a :parameters () :duration (= ?duration 1) :condition (at start (p a)) :effect (at end (p a)))", "durative actions"),
    ],
)
def test_refused_features_one_line_each(body, feature):
    with pytest.raises(InputError, match=feature) as info:
        parse_domain_text(f"(define (domain d) (:requirements :adl) (:constants a) (:predicates (p ?x)) {body})")
    assert "\n" not in str(info.value)
