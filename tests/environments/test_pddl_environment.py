"""Tests for environments.pddl.environment: loading, the random-walk generator, protocol, templates."""

import pytest

from constraints.errors import InputError
from environments.base import Environment
from environments.pddl import PDDLEnvironment, PDDLProblem, load_pddl
from environments.pddl import templates as tpl

DOMAIN = """(define (domain grid) (:requirements :strips :typing)
  (:types cell robot)
  (:predicates (at ?r - robot ?c - cell) (adj ?a ?b - cell) (painted ?c - cell))
  (:action move :parameters (?r - robot ?a ?b - cell) :precondition (and (at ?r ?a) (adj ?a ?b))
     :effect (and (at ?r ?b) (not (at ?r ?a))))
  (:action paint :parameters (?r - robot ?c - cell) :precondition (at ?r ?c) :effect (painted ?c)))"""
PROBLEM = """(define (problem line) (:domain grid) (:objects c1 c2 c3 - cell r - robot)
  (:init (at r c1) (adj c1 c2) (adj c2 c1) (adj c2 c3) (adj c3 c2)) (:goal (and (painted c3))))"""


def test_load_from_strings_and_protocol():
    env, problem = load_pddl(DOMAIN, PROBLEM)
    assert isinstance(env, Environment) and env.name == "pddl-grid"
    assert env.solve(problem) == ["(move r c1 c2)", "(move r c2 c3)", "(paint r c3)"]
    assert env.format_plan(["(paint  r c3)"]) == ["(paint r c3)"]
    assert {"move", "paint", "c1", "c3", "r", "(", ")", tpl.NOOP, tpl.PAD} <= set(env.vocabulary())
    assert env.parse_problem(PROBLEM) == problem and env.parse_problem({"pddl": PROBLEM}) == problem


def test_bad_inputs():
    with pytest.raises(InputError, match="fields: pddl"):
        load_pddl(DOMAIN, PROBLEM)[0].parse_problem({"pddl": PROBLEM, "steps": 3})
    with pytest.raises(InputError, match="for domain 'other' but the domain is 'grid'"):
        load_pddl(DOMAIN, PROBLEM.replace("(:domain grid)", "(:domain other)"))
    with pytest.raises(ValueError, match="allowed: astar, bfs"):
        PDDLEnvironment(DOMAIN, oracle="dfs")
    with pytest.raises(InputError, match="needs a base problem"):
        PDDLEnvironment(DOMAIN).generate(0)


def test_random_walk_generator_is_seeded_and_solvable():
    env, _ = load_pddl(DOMAIN, PROBLEM)
    first = env.generate(5, walk_length=6, goal_atoms=2)
    assert first == env.generate(5, walk_length=6, goal_atoms=2)
    for seed in range(10):
        problem = env.generate(seed)
        plan = env.solve(problem)
        assert plan and env.check(problem, plan) == []


def test_text_template_in_pddl_words_and_free_text_fallback(monkeypatch):
    env, problem = load_pddl(DOMAIN, PROBLEM)
    template = env.template(problem, "text")
    values = env.plan_to_values(problem, env.solve(problem), "text")
    assert template.fill(values) == "(move r c1 c2)\n(move r c2 c3)\n(paint r c3)\n"
    assert "(move r c2 c3)" in template.slots[0].choices and tpl.PDDL_WORDING.empty in template.slots[0].choices
    values["s1"] = "(jump r c3)"
    [bad, _] = env.check_values(problem, values, "text")
    assert bad.kind == "unknown" and bad.slots == ("s1",) and bad.steps == (1,)
    monkeypatch.setattr(tpl, "MAX_TEXT_DOMAIN", 2)
    assert env.template(problem, "text").slots[0].max_length == tpl.TEXT_MAX_TOKENS
    with pytest.raises(ValueError, match="unknown rendering"):
        env.template(problem, "html")


def test_max_steps_from_problem_and_oracle():
    env, problem = load_pddl(DOMAIN, PROBLEM)
    assert env.max_steps(problem) == 3
    longer = PDDLProblem(pddl=PROBLEM, max_steps=5)
    assert len([s for s in env.template(longer).slots if s.name.endswith(".act")]) == 5
    assert env.parse_plan(longer, env.plan_to_values(longer, ["(paint r c1)"])) == ["(paint r c1)"]


CARRY = """(define (domain carry) (:requirements :strips)
  (:predicates (room ?r) (ball ?b) (at ?b ?r) (at-robby ?r) (holding ?b) (free))
  (:action move :parameters (?a ?b) :precondition (and (room ?a) (room ?b) (at-robby ?a))
     :effect (and (at-robby ?b) (not (at-robby ?a))))
  (:action pick :parameters (?b ?r) :precondition (and (ball ?b) (at ?b ?r) (at-robby ?r) (free))
     :effect (and (holding ?b) (not (at ?b ?r)) (not (free))))
  (:action drop :parameters (?b ?r) :precondition (and (holding ?b) (at-robby ?r))
     :effect (and (at ?b ?r) (free) (not (holding ?b)))))"""
CARRY_PROBLEM = """(define (problem two) (:domain carry) (:objects rooma roomb ball1 ball2)
  (:init (room rooma) (room roomb) (ball ball1) (ball ball2) (at ball1 rooma) (at ball2 rooma) (at-robby rooma) (free))
  (:goal (and (at ball1 roomb) (at ball2 roomb))))"""


def test_grown_goals_copy_objects_with_their_goals():
    env, base = load_pddl(CARRY, CARRY_PROBLEM)
    env = PDDLEnvironment(CARRY, base_problems=[base])
    assert env.generate(3, clones=2) == env.generate(3, clones=2, grown_goals=0.0)  # off: the same draws as before
    grown = [env.generate(seed, clones=2, grown_goals=1.0) for seed in range(12)]
    # copies of balls only (a copied room doubles goals that then clash: the oracle finds no plan)
    balls = [p for p in grown if ("ball1c" in p.pddl or "ball2c" in p.pddl) and "roomac" not in p.pddl and "roombc" not in p.pddl]
    assert balls and all(p != base for p in grown)
    for problem in balls:
        task = env.task(problem)
        copies = {atom[1] for atom in task.init if atom[0] == "ball" and "c" in atom[1][4:]}
        assert copies and all(("at", ball, "roomb") in task.goal_pos for ball in copies)  # each copy goes where its source goes
        plan = env.solve(problem)
        assert plan and len(plan) > len(env.solve(base)) and env.check(problem, plan) == []
