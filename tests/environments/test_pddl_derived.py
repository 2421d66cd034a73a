"""Derived predicates (`:derived`): semantics, refusals, and agreement with unified-planning.

unified-planning 1.3 cannot read `:derived`, so the outside check runs it on the same domain with
every derived atom written out by hand as its definition; the project reads the derived version.
"""

import random

import pytest

from constraints.errors import InputError
from environments.pddl import load_pddl
from environments.pddl.parsing import parse_domain_text

DERIVED = """(define (domain dblocks) (:requirements :strips :typing :adl :derived-predicates)
  (:types block)
  (:predicates (on ?x - block ?y - block) (ontable ?x - block) (holding ?x - block) (alarm)
               (clear ?x - block) (handempty) (tower-top ?x - block))
  (:derived (handempty) (not (exists (?x - block) (holding ?x))))
  (:derived (clear ?x - block) (and (not (holding ?x)) (not (exists (?y - block) (on ?y ?x)))))
  (:derived (tower-top ?x - block) (and (clear ?x) (not (ontable ?x))))
  (:action pick-up :parameters (?x - block) :precondition (and (clear ?x) (ontable ?x) (handempty))
     :effect (and (not (ontable ?x)) (holding ?x)))
  (:action put-down :parameters (?x - block) :precondition (holding ?x) :effect (and (not (holding ?x)) (ontable ?x)))
  (:action stack :parameters (?x - block ?y - block) :precondition (and (holding ?x) (clear ?y))
     :effect (and (not (holding ?x)) (on ?x ?y) (when (tower-top ?y) (alarm))))
  (:action unstack :parameters (?y - block ?x - block) :precondition (and (on ?y ?x) (clear ?y) (handempty))
     :effect (and (holding ?y) (not (on ?y ?x)))))"""

# The same domain with each derived atom replaced by its definition, by hand.
CLEAR = "(and (not (holding {0})) (not (exists (?z - block) (on ?z {0}))))"
HANDEMPTY = "(not (exists (?z - block) (holding ?z)))"
INLINED = f"""(define (domain dblocks) (:requirements :strips :typing :adl)
  (:types block)
  (:predicates (on ?x - block ?y - block) (ontable ?x - block) (holding ?x - block) (alarm))
  (:action pick-up :parameters (?x - block) :precondition (and {CLEAR.format("?x")} (ontable ?x) {HANDEMPTY})
     :effect (and (not (ontable ?x)) (holding ?x)))
  (:action put-down :parameters (?x - block) :precondition (holding ?x) :effect (and (not (holding ?x)) (ontable ?x)))
  (:action stack :parameters (?x - block ?y - block) :precondition (and (holding ?x) {CLEAR.format("?y")})
     :effect (and (not (holding ?x)) (on ?x ?y) (when (and {CLEAR.format("?y")} (not (ontable ?y))) (alarm))))
  (:action unstack :parameters (?y - block ?x - block) :precondition (and (on ?y ?x) {CLEAR.format("?y")} {HANDEMPTY})
     :effect (and (holding ?y) (not (on ?y ?x)))))"""


def _problem(blocks: list[str], on: list[tuple[str, str]], goal: str, name: str = "p") -> str:
    above = {b for b, _ in on}
    init = " ".join(f"(on {a} {b})" for a, b in on) + " " + " ".join(f"(ontable {b})" for b in blocks if b not in above)
    return f"(define (problem {name}) (:domain dblocks) (:objects {' '.join(blocks)} - block) (:init {init}) (:goal {goal}))"


PROBLEM = _problem(["a", "b", "c", "d"], [("a", "b")], "(and (on c a) (alarm) (handempty))")
PROBLEM_INLINED = _problem(["a", "b", "c", "d"], [("a", "b")], f"(and (on c a) (alarm) {HANDEMPTY})")


def test_derived_atoms_hold_where_their_rules_do():
    env, problem = load_pddl(DERIVED, PROBLEM)
    # unstack ?y ?x binds the rule's ?x to the action's ?y: the body's own ?y must not capture it.
    assert env.check(problem, ["(unstack a b)", "(put-down a)", "(pick-up c)", "(stack c b)", "(pick-up a)"]) != []
    plan = ["(pick-up c)", "(stack c a)"]  # a is a tower top (clear, on b): stacking on it rings
    report = env.report(problem, plan)
    assert report.is_valid, report.violations
    bad, _ = env.check(problem, ["(pick-up b)"])  # b is under a: not clear
    assert bad.steps == (0,) and bad.reason == "step 1 (pick-up b): (on a b) is true (exists ?y - block, with ?y = a)"
    [unmet] = env.check(problem, ["(pick-up c)", "(stack c d)"])  # d is on the table: no alarm
    assert unmet.kind == "missing_step" and "(alarm) is false" in unmet.reason
    found = env.search(problem)
    assert [str(a) for a in found.plan] == plan
    rules = env.slot_rules(env.prepare(problem), "compact", "local")  # the hard constraints read them too
    assert set(rules.allowed_values({})["s0.act"]) == {"pick-up", "unstack"}
    assert set(rules.allowed_values({"s0.act": "pick-up"})["s0.arg0"]) == {"c", "d"}


def test_a_derived_parameter_type_is_checked():
    domain = """(define (domain typed) (:requirements :typing :derived-predicates)
      (:types block pad) (:predicates (free ?x - block) (used ?x) (done))
      (:derived (free ?x - block) (not (used ?x)))
      (:action poke :parameters (?o) :precondition (free ?o) :effect (and (used ?o) (done))))"""
    problem = "(define (problem q) (:domain typed) (:objects b - block p - pad) (:init) (:goal (done)))"
    env, task = load_pddl(domain, problem)
    assert env.check(task, ["(poke b)"]) == []
    bad = env.check(task, ["(poke p)"])[0]  # the body holds for p, but p is no block
    assert bad.steps == (0,) and bad.reason == "step 1 (poke p): p is not of type block"


@pytest.mark.parametrize(
    "body, problem_init, message",
    [
        ("(:derived (q ?x) (r ?x)) (:derived (r ?x) (q ?x))", "", "recursive derived predicates \\(q -> r -> q\\)"),
        ("(:derived (q ?x) (p ?x)) (:action set :parameters (?x) :precondition (p ?x) :effect (q ?x))", "",
         "an effect changes q, a derived predicate"),
        ("(:derived (q ?x) (p ?x)) (:derived (s ?x ?y) (p ?x))", "", "declared in :predicates"),
        ("(:derived (q ?x ?y) (p ?x))", "", "has 2 parameter\\(s\\), declared with 1"),
        ("(:derived (q ?x) (p ?x))", "(q a)", "problem :init sets \\(q a\\), but q is a derived predicate"),
    ],
)
def test_bad_derived_predicates_are_one_clear_error(body, problem_init, message):
    domain = f"(define (domain d) (:requirements :adl :derived-predicates) (:predicates (p ?x) (q ?x) (r ?x)) {body})"
    problem = f"(define (problem e) (:domain d) (:objects a) (:init (p a) {problem_init}) (:goal (q a)))"
    with pytest.raises(InputError, match=message):
        load_pddl(domain, problem)


def test_a_derived_rule_may_use_other_derived_predicates_and_several_rules_mean_or():
    domain = parse_domain_text("""(define (domain d) (:requirements :adl :derived-predicates)
      (:predicates (p ?x) (r ?x) (q ?x) (s ?x))
      (:derived (q ?x) (p ?x)) (:derived (q ?x) (r ?x)) (:derived (s ?x) (not (q ?x)))
      (:action go :parameters (?x) :precondition (s ?x) :effect (p ?x)))""")
    [go] = domain.schemas
    assert go.pre_neg == (("p", "?x"), ("r", "?x"))  # not (p or r)


def test_checker_agrees_with_unified_planning_on_the_written_out_domain():
    pytest.importorskip("unified_planning")
    from test_pddl_agreement_adl import _corruptions, _up_verdict, _walk
    from unified_planning.engines import SequentialPlanValidator
    from unified_planning.io import PDDLReader
    from unified_planning.shortcuts import get_environment

    get_environment().credits_stream = None
    reader, validator, rng, cases = PDDLReader(), SequentialPlanValidator(), random.Random(7), 0
    problems = [(PROBLEM, PROBLEM_INLINED)]
    for seed in range(6):
        r = random.Random(seed)
        blocks = ["a", "b", "c", "d", "e"][: r.randint(3, 5)]
        order = r.sample(blocks, len(blocks))
        on = [(order[k], order[k + 1]) for k in range(len(order) - 1) if r.random() < 0.5]
        top = r.choice(blocks)
        problems.append((_problem(blocks, on, f"(and (tower-top {top}) (handempty))", f"r{seed}"),
                         _problem(blocks, on, f"(and {CLEAR.format(top)} (not (ontable {top})) {HANDEMPTY})", f"r{seed}")))
    for derived_text, inlined_text in problems:
        env, problem = load_pddl(DERIVED, derived_text)
        task = env.task(problem)
        up_problem = reader.parse_problem_string(INLINED, inlined_text)
        found = env.search(problem)
        plans = ([[str(a) for a in found.plan]] if found.plan else []) + [_walk(task, rng, rng.randint(3, 10)) for _ in range(3)]
        for plan in plans:
            for candidate in [plan] + _corruptions(plan, task, rng):
                report = env.report(problem, candidate)
                up_valid, up_step, _ = _up_verdict(reader, validator, up_problem, candidate)
                ours = next((v.steps[0] for v in report.violations if v.steps), None)
                assert (report.is_valid, ours) == (up_valid, up_step), (candidate, report.violations)
                cases += 1
    assert cases >= 150
