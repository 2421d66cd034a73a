"""Tests for environments.pddl.parsing and grounding: features, errors, typing, constants, equality."""

import pytest

from constraints.errors import InputError
from environments.pddl import check_plan, ground, load_pddl, parse_domain_text, parse_problem_text, search

NEG_DOMAIN = """(define (domain lamp) (:requirements :strips :negative-preconditions)
  (:predicates (on ?l) (broken ?l))
  (:action switch-on :parameters (?l) :precondition (and (not (on ?l)) (not (broken ?l))) :effect (on ?l))
  (:action switch-off :parameters (?l) :precondition (on ?l) :effect (not (on ?l))))"""
NEG_PROBLEM = "(define (problem p) (:domain lamp) (:objects l1 l2) (:init (on l1) (broken l2)) (:goal (and (on l1))))"

TYPED_DOMAIN = """(define (domain shop) (:requirements :strips :typing :equality)
  (:types fruit tool - item  apple - fruit  place)
  (:constants home - place)
  (:predicates (at ?i - item ?p - place) (holding ?i - item) (free))
  (:action take :parameters (?i - item ?p - place) :precondition (and (at ?i ?p) (free))
     :effect (and (holding ?i) (not (at ?i ?p)) (not (free))))
  (:action bring :parameters (?i - fruit ?from - place) :precondition (and (holding ?i) (not (= ?from home)))
     :effect (and (at ?i home) (free) (not (holding ?i)))))"""
TYPED_PROBLEM = """(define (problem buy) (:domain shop) (:objects gala - apple hammer - tool market - place)
  (:init (at gala market) (at hammer market) (free)) (:goal (and (at gala home))))"""


def _feature_domain(requirement: str, body: str) -> str:
    return f"(define (domain d) (:requirements :strips {requirement}) (:predicates (p ?x) (q ?x)) {body})"


@pytest.mark.parametrize(
    "text, feature",
    [
        (_feature_domain("", "(:action a :parameters (?x) :precondition (preference p1 (p ?x)) :effect (q ?x))"), "preferences"),
        (_feature_domain("", "(:functions (fuel)) (:action a :parameters (?x) :precondition (>= (fuel) 1) :effect (q ?x))"), "numeric fluents"),
        (_feature_domain("", "(:action a :parameters (?x) :precondition (p ?x) :effect (oneof (q ?x) (p ?x)))"), "non-deterministic"),
        (_feature_domain("", "(:constraints (always (p a))) (:action a :parameters (?x) :precondition (p ?x) :effect (q ?x))"), "trajectory constraints"),
        (_feature_domain("", "(:process flow :parameters (?x) :precondition (p ?x) :effect (q ?x))"), "PDDL\\+"),
        (_feature_domain(":derived-predicates", "(:derived (q ?x) (or (p ?x) (q ?x))) (:action a :parameters (?x) :precondition (q ?x) :effect (p ?x))"), "recursive derived predicates \\(q -> q\\)"),
        (_feature_domain(":numeric-fluents", "(:functions (fuel)) (:action a :parameters (?x) :precondition (p ?x) :effect (increase (fuel) 1))"), "numeric fluents"),
        (_feature_domain(":durative-actions", "(:durative-action a :parameters (?x) :duration (= ?duration 1) :condition (at start (p ?x)) :effect (at end (q ?x)))"), "durative actions"),
    ],
)
def test_unsupported_features_are_named(text, feature):
    with pytest.raises(InputError, match=feature):
        parse_domain_text(text)


def test_syntax_error_is_one_input_error_with_location():
    with pytest.raises(InputError) as info:
        parse_domain_text("(define (domain d) (:predicates (p ?x)) (:action a :parameters (?x) :precondition (p ?x)")
    message = str(info.value)
    assert message.startswith("PDDL syntax error in domain at line 1, column")
    assert "\n" not in message and info.value.__cause__ is None


def test_problem_syntax_error_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="syntax error in problem at line 2"):
        parse_problem_text("(define (problem p) (:domain d)\n (:objects a) (:init (p a) (:goal (p a)))")
    with pytest.raises(InputError, match="not found"):
        load_pddl(tmp_path / "nope.pddl", tmp_path / "nope2.pddl")


def test_negative_preconditions():
    env, problem = load_pddl(NEG_DOMAIN, NEG_PROBLEM.replace("(goal (and (on l1))", "(goal (and (on l1))"))
    task = env.task(problem)
    assert task.is_goal(task.init)  # l1 is already on
    other, p2 = load_pddl(NEG_DOMAIN, NEG_PROBLEM.replace("(:goal (and (on l1)))", "(:goal (and (on l2) (not (on l1))))"))
    assert other.solve(p2) is None  # l2 is broken: switching it on is never allowed
    assert other.search(p2).reason.startswith("unsolvable")
    _, p3 = load_pddl(NEG_DOMAIN, NEG_PROBLEM.replace("(:goal (and (on l1)))", "(:goal (and (not (on l1))))"))
    assert other.solve(p3) == ["(switch-off l1)"]
    [bad, _] = other.check(p3, ["(switch-on l1)", "(switch-off l1)"])
    assert bad.kind == "precondition" and bad.steps == (0,) and "(on l1) is true" in bad.reason


def test_typing_hierarchy_constants_and_equality():
    env, problem = load_pddl(TYPED_DOMAIN, TYPED_PROBLEM)
    task = env.task(problem)
    assert set(task.objects_of(frozenset({"item"}))) == {"gala", "hammer"}
    assert task.objects_of(frozenset({"fruit"})) == ("gala",)
    assert "home" in task.objects_of(frozenset({"place"}))  # a domain constant
    assert env.solve(problem) == ["(take gala market)", "(bring gala market)"]
    [wrong_type, _] = env.check(problem, ["(take hammer market)", "(bring hammer market)"])
    assert wrong_type.kind == "domain" and wrong_type.steps == (1,) and "hammer is not of type fruit" in wrong_type.reason
    [equal, _] = env.check(problem, ["(take gala market)", "(bring gala home)"])
    assert equal.kind == "precondition" and equal.steps == (1,)
    # bring(?i, home) is pruned from grounding by the equality precondition
    assert all(a.args[-1] != "home" for a in task.actions if a.name == "bring")


def test_domain_problem_mismatch_and_undeclared_object():
    domain = parse_domain_text(NEG_DOMAIN)
    with pytest.raises(InputError, match="domain 'other'"):
        ground(domain, parse_problem_text(NEG_PROBLEM.replace("(:domain lamp)", "(:domain other)")))
    with pytest.raises(InputError, match="undeclared object 'l9'"):
        ground(domain, parse_problem_text(NEG_PROBLEM.replace("(broken l2)", "(broken l9)")))


def test_undeclared_predicates_are_refused():
    with pytest.raises(InputError, match="action a uses predicate q"):
        parse_domain_text("(define (domain d) (:predicates (p ?x)) (:action a :parameters (?x) :precondition (p ?x) :effect (q ?x)))")
    domain = parse_domain_text(NEG_DOMAIN)
    with pytest.raises(InputError, match=r"\(on l1 l2\) does not match"):
        ground(domain, parse_problem_text(NEG_PROBLEM.replace("(on l1) (broken", "(on l1 l2) (broken")))


def test_grounding_prunes_unreachable_actions():
    domain = parse_domain_text(TYPED_DOMAIN)
    task = ground(domain, parse_problem_text(TYPED_PROBLEM))
    names = {str(a) for a in task.actions}
    assert "(take gala market)" in names and "(take hammer home)" not in names  # only fruit is brought home
    assert search(task).plan is not None
    assert check_plan(task, ["(take gala market)", "(bring gala market)"]) == []


def test_either_types():
    domain = """(define (domain e) (:requirements :strips :typing) (:types cat dog bird)
      (:predicates (fed ?x - (either cat dog)))
      (:action feed :parameters (?x - (either cat dog)) :precondition (and) :effect (fed ?x)))"""
    problem = "(define (problem q) (:domain e) (:objects tom - cat rex - dog tweety - bird) (:init) (:goal (and (fed tom) (fed rex))))"
    env, p = load_pddl(domain, problem)
    assert env.solve(p) == ["(feed rex)", "(feed tom)"]
    [v, _] = env.check(p, ["(feed tweety)"])
    assert v.kind == "domain" and "not of type cat or dog" in v.reason


@pytest.mark.parametrize("text", [
    "(define (domain d) (:predicates (p)) (:action a :parameters () :precondition " + "(not " * 3000 + "(p)"
    + ")" * 3000 + " :effect (p)))",
    "(define (problem p) (:domain d) (:goal " + "(and " * 3000 + "(p)" + ")" * 3000 + "))",
])
def test_brackets_nested_past_the_limit_are_an_input_error_not_a_recursion_error(text):
    """Found by a hand-written fuzz input: the formula readers recursed until RecursionError."""
    parse = parse_problem_text if "(problem" in text else parse_domain_text
    with pytest.raises(InputError, match="line 1, column .*: brackets nested more than 64 deep"):
        parse(text)
    # 60 levels, past any real domain, still read
    deep = "(define (domain d) (:predicates (p)) (:action a :parameters () :precondition " + "(not " * 60 + "(p)" \
        + ")" * 60 + " :effect (p)))"
    assert parse_domain_text(deep).schemas[0].name == "a"


@pytest.mark.parametrize("parse, text, words", [
    (parse_domain_text, "(define (domain d) (:predicates (p)) (:action a :parameters () "
                        ":precondition (and ((p)) (p)) :effect (p)))", "a formula starts with a word"),
    (parse_domain_text, "(define (domain d) (:predicates (p)) (:action a :parameters () "
                        ":precondition (p) :effect (and ((p)))))", "an effect starts with a word"),
    (parse_problem_text, "(define (problem p) (:domain d) (:init (= (f (g)) 3)) (:goal (p)))", "bad numeric :init entry"),
])
def test_a_list_where_a_word_goes_is_an_input_error(parse, text, words):
    """Found by atheris (tests/fuzz/atheris_fuzz.py): a list as a formula's head raised TypeError (unhashable)."""
    with pytest.raises(InputError, match=words):
        parse(text)
