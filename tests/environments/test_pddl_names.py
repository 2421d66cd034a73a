"""Canonical object tokens, the domain fingerprint, walk problems and the gripper/logistics generators."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from constraints.errors import InputError
from environments.pddl import PDDLEnvironment, PDDLProblem
from environments.pddl.generators import gripper_problem, logistics_problem
from environments.pddl.names import domain_fingerprint, kind_predicates, object_tokens
from environments.pddl.record import domain_record, environment_from_record
from environments.pddl.walks import walk_problem

DATA = Path(__file__).resolve().parents[2] / "environments" / "pddl" / "data"
GRIPPER = (DATA / "gripper.pddl").read_text()
LOGISTICS = (DATA / "logistics.pddl").read_text()


class TestFingerprint:
    def test_layout_case_and_comments_do_not_count(self):
        env = PDDLEnvironment(GRIPPER)
        other = PDDLEnvironment("; a comment\n" + GRIPPER.upper().replace("   ", " "))
        assert domain_fingerprint(env.domain) == domain_fingerprint(other.domain)

    def test_a_changed_effect_changes_it(self):
        changed = GRIPPER.replace("(not (free ?gripper))", "")
        assert domain_fingerprint(PDDLEnvironment(changed).domain) != domain_fingerprint(PDDLEnvironment(GRIPPER).domain)


class TestObjectTokens:
    def test_same_problem_same_tokens_and_all_distinct(self):
        env = PDDLEnvironment(GRIPPER, object_pool=16)
        problem = PDDLProblem(pddl=gripper_problem(3, balls=8, rooms=3))
        names = env.names(problem)
        assert names == env.names(problem)
        assert len(set(names.values())) == len(names) == 13
        assert all(t.startswith("o") and 0 <= int(t[1:]) < 16 for t in names.values())

    def test_too_many_objects_for_the_pool_is_refused(self):
        env = PDDLEnvironment(GRIPPER, object_pool=8)
        task = env.task(PDDLProblem(pddl=gripper_problem(0, balls=8, rooms=2)))
        with pytest.raises(InputError, match="12 objects"):
            object_tokens(task, 8, "x")

    def test_template_speaks_tokens_and_plans_read_back_as_objects(self):
        env = PDDLEnvironment(GRIPPER, object_pool=16)
        problem = env.prepare(PDDLProblem(pddl=gripper_problem(5, balls=3, rooms=2)))
        plan = env.solve(problem)
        values = env.plan_to_values(problem, plan)
        assert not {v for v in values.values()} & {"ball1", "rooma", "left"}
        assert env.parse_plan(problem, values) == plan and not env.check_values(problem, values)
        words = set(env.vocabulary())
        assert set(values.values()) <= words and "ball1" not in words

    def test_hard_constraints_allow_the_applicable_actions_as_tokens(self):
        env = PDDLEnvironment(GRIPPER, object_pool=16)
        problem = env.prepare(PDDLProblem(pddl=gripper_problem(5, balls=3, rooms=2)))
        names = env.names(problem)
        allowed = env.slot_rules(problem).allowed_values({})
        first = env.solve(problem)[0].strip("()").split()
        assert first[0] in allowed["s0.act"] and names[first[1]] in allowed["s0.arg0"]



class TestObjectKinds:
    """Untyped objects named after the static unary predicates that type them (room, ball, gripper)."""

    def test_the_kinds_are_the_static_unary_predicates(self):
        assert kind_predicates(PDDLEnvironment(GRIPPER).domain) == ("ball", "gripper", "room")
        # at-robby is unary but actions change it; at and carry are binary
        assert "at-robby" not in kind_predicates(PDDLEnvironment(GRIPPER).domain)

    def test_tokens_say_what_each_object_is(self):
        env = PDDLEnvironment(GRIPPER, object_pool=16, object_kinds=True)
        problem = PDDLProblem(pddl=gripper_problem(3, balls=8, rooms=3))
        names = env.names(problem)
        kinds = {n: t.rstrip("0123456789") for n, t in names.items()}
        assert sorted(kinds.values()) == ["ball"] * 8 + ["gripper"] * 2 + ["room"] * 3
        assert all(kinds[n] == "ball" for n in names if n.startswith("ball"))
        assert len(set(names.values())) == 13 and set(names.values()) <= set(env.vocabulary())

    def test_the_context_leaves_out_what_the_tokens_say(self):
        problem = PDDLProblem(pddl=gripper_problem(4, balls=3, rooms=2))
        typed = PDDLEnvironment(GRIPPER, object_pool=16)
        kinds = PDDLEnvironment(GRIPPER, object_pool=16, object_kinds=True)
        plain = typed.template(typed.prepare(problem)).segments[0]
        short = kinds.template(kinds.prepare(problem)).segments[0]
        assert " ball o" in plain and " room o" in plain
        assert " ball ball" not in short and " room room" not in short and " at-robby room" in short
        assert len(short.split()) == len(plain.split()) - 2 * 7  # 3 balls, 2 rooms, 2 grippers

    def test_plans_read_back_as_the_problems_objects(self):
        env = PDDLEnvironment(GRIPPER, object_pool=16, object_kinds=True)
        problem = env.prepare(PDDLProblem(pddl=gripper_problem(5, balls=3, rooms=2)))
        plan = env.solve(problem)
        values = env.plan_to_values(problem, plan)
        assert env.parse_plan(problem, values) == plan and not env.check_values(problem, values)
        allowed = env.slot_rules(problem).allowed_values({})
        assert allowed["s0.arg0"] and all(v.rstrip("0123456789") in ("ball", "room", "gripper", "_")
                                          for v in allowed["s0.arg0"])

    def test_logistics_objects_are_named_by_kind(self):
        env = PDDLEnvironment(LOGISTICS, object_pool=16, object_kinds=True)
        names = env.names(PDDLProblem(pddl=logistics_problem(2, 2, 2, 2, 1)))
        assert {"obj", "truck", "airplane", "city"} <= {t.rstrip("0123456789") for t in names.values()}

    def test_declared_types_win_over_kinds(self):
        domain = """(define (domain typed) (:requirements :strips :typing) (:types box place)
          (:predicates (heavy ?b - box) (at ?b - box ?p - place))
          (:action push :parameters (?b - box ?from ?to - place)
           :precondition (and (heavy ?b) (at ?b ?from)) :effect (and (at ?b ?to) (not (at ?b ?from)))))"""
        problem = PDDLProblem(pddl="""(define (problem p) (:domain typed) (:objects b1 - box l1 l2 - place)
          (:init (heavy b1) (at b1 l1)) (:goal (at b1 l2)))""")
        env = PDDLEnvironment(domain, object_pool=16, object_kinds=True)
        assert env.kinds == ("heavy",)
        assert {t.rstrip("0123456789") for t in env.names(problem).values()} == {"box", "place"}
        assert " heavy box" in env.template(env.prepare(problem)).segments[0]  # not implied by a type's token

    def test_sorted_order_numbers_each_kind_by_name(self):
        env = PDDLEnvironment(GRIPPER, object_pool=16, object_kinds=True, object_order="sorted")
        text = gripper_problem(3, balls=5, rooms=3)
        names = env.names(PDDLProblem(pddl=text))
        assert [names[f"ball{i}"] for i in range(1, 6)] == [f"ball{j}" for j in range(5)]
        assert [names[r] for r in ("rooma", "roomb", "roomc")] == ["room0", "room1", "room2"]
        assert [names[g] for g in ("left", "right")] == ["gripper0", "gripper1"]
        swapped = PDDLProblem(pddl=text.replace("ball1 ball2", "ball2 ball1"))  # the same problem, listed otherwise
        assert env.names(swapped) == names
        ten = env.names(PDDLProblem(pddl=gripper_problem(3, balls=10, rooms=2)))
        assert (ten["ball2"], ten["ball10"]) == ("ball1", "ball9")  # digits read as numbers
        problem = env.prepare(PDDLProblem(pddl=text))
        plan = env.solve(problem)
        assert env.parse_plan(problem, env.plan_to_values(problem, plan)) == plan

    def test_an_unknown_order_is_refused_by_name(self):
        with pytest.raises(InputError, match="unknown object order 'bogus'; allowed: drawn, sorted"):
            PDDLEnvironment(GRIPPER, object_pool=16, object_order="bogus")

    def test_the_domain_record_keeps_the_order(self, tmp_path):
        from environments.pddl.record import read_domain_record, write_domain_record

        env = PDDLEnvironment(GRIPPER, object_pool=16, object_order="sorted")
        record = domain_record(env, GRIPPER, ["p"], 20)
        assert environment_from_record(GRIPPER, record).object_order == "sorted"
        older = {k: v for k, v in record.items() if k != "object_order"}  # written before the field
        assert environment_from_record(GRIPPER, older).object_order == "drawn"
        write_domain_record(tmp_path, {**record, "object_order": "shuffled"})
        with pytest.raises(InputError, match="object_order must be one of drawn, sorted, got 'shuffled'"):
            read_domain_record(tmp_path)

    def test_a_split_goal_says_which_atoms_are_still_to_reach(self):
        text = """(define (problem g) (:domain gripper-strips) (:objects rooma roomb ball1 ball2 left right)
          (:init (room rooma) (room roomb) (ball ball1) (ball ball2) (gripper left) (gripper right) (at-robby rooma)
                 (at ball1 rooma) (at ball2 rooma) (free left) (free right))
          (:goal (and (at ball1 roomb) (at ball2 rooma) (not (at ball1 rooma)) (not (carry ball2 left)))))"""
        whole = PDDLEnvironment(GRIPPER, object_pool=16, object_kinds=True, object_order="sorted")
        split = PDDLEnvironment(GRIPPER, object_pool=16, object_kinds=True, object_order="sorted", goal_view="split")
        problem = whole.prepare(PDDLProblem(pddl=text))
        assert whole.template(problem).segments[0].endswith(
            "goal at ball0 room1 at ball1 room0 not at ball0 room0 not carry ball1 gripper0 plan ")
        assert split.template(problem).segments[0].endswith(
            "goal at ball0 room1 not at ball0 room0 held at ball1 room0 not carry ball1 gripper0 plan ")
        assert split.vocabulary() == whole.vocabulary() + ["held"]  # appended: no other token moves
        reached = PDDLProblem(pddl=text.replace("(at ball1 rooma) (at ball2", "(at ball1 roomb) (at ball2"))  # nothing to reach
        assert split.template(split.prepare(reached)).segments[0].endswith(
            "goal held at ball0 room1 at ball1 room0 not at ball0 room0 not carry ball1 gripper0 plan ")
        plan = split.solve(problem)
        assert split.parse_plan(problem, split.plan_to_values(problem, plan)) == plan

    def test_the_domain_record_keeps_the_goal_view(self, tmp_path):
        from environments.pddl.record import read_domain_record, write_domain_record

        record = domain_record(PDDLEnvironment(GRIPPER, object_pool=16, goal_view="split"), GRIPPER, ["p"], 20)
        assert environment_from_record(GRIPPER, record).goal_view == "split"
        older = {k: v for k, v in record.items() if k != "goal_view"}  # written before the field
        assert environment_from_record(GRIPPER, older).goal_view == "whole"
        write_domain_record(tmp_path, {**record, "goal_view": "open"})
        with pytest.raises(InputError, match="goal_view must be one of whole, split, got 'open'"):
            read_domain_record(tmp_path)
        with pytest.raises(InputError, match="unknown goal view 'open'; allowed: whole, split"):
            PDDLEnvironment(GRIPPER, goal_view="open")

    def test_the_domain_record_keeps_the_naming(self):
        env = PDDLEnvironment(GRIPPER, object_pool=16, object_kinds=True)
        record = domain_record(env, GRIPPER, ["p"], 20, relaxed_ratio=1.4)
        assert record["object_names"] == "kinds"
        assert environment_from_record(GRIPPER, record).kinds == ("ball", "gripper", "room")
        assert environment_from_record(GRIPPER, record).relaxed_ratio == 1.4
        older = {k: v for k, v in record.items() if k != "object_names"}  # written before the field
        assert environment_from_record(GRIPPER, older).kinds == ()


def test_walk_problems_are_solvable_and_keep_the_objects():
    env = PDDLEnvironment(GRIPPER, base_problem=PDDLProblem(pddl=gripper_problem(1, balls=4, rooms=2)))
    task = env.task(env.base_problem)
    for seed in range(10):
        text = walk_problem(task, random.Random(seed), f"w{seed}", walk_length=20, goal_atoms=4, restarts=1, novelty=0.9)
        walked = env.task(PDDLProblem(pddl=text))
        assert walked.problem.objects == task.problem.objects
        assert env.solve(PDDLProblem(pddl=text))


@pytest.mark.parametrize("text", [gripper_problem(2, balls=5, rooms=3), logistics_problem(2, 2, 2, 2, 1)])
def test_generated_problems_are_solvable(text):
    env = PDDLEnvironment(GRIPPER if "gripper" in text else LOGISTICS)
    plan = env.solve(PDDLProblem(pddl=text))
    assert plan and not env.check(PDDLProblem(pddl=text), plan)
