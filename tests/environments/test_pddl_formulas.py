"""ADL formulas (environments.pddl.formulas): grounding to negation normal form, literals, truth on
atom sets and bit sets, PDDL text, and the reasons `explain` gives for a false formula."""

from __future__ import annotations

import doctest

import environments.pddl.formulas
from environments.pddl.formulas import (
    FALSE,
    TRUE,
    compile_mask,
    conjunction,
    disjunction,
    explain,
    formula_atoms,
    ground_formula,
    holds,
    literals,
    negation,
    params_text,
    text,
)

P, Q, R = ("atom", ("p",)), ("atom", ("q",)), ("atom", ("r",))
BALL, ROOM = frozenset({"ball"}), frozenset({"room"})
OBJECTS = {"ball": ("b1", "b2"), "room": ("hall", "attic")}


def objects_of(types: frozenset) -> tuple[str, ...]:
    return tuple(o for t in sorted(types) for o in OBJECTS.get(t, ()))


def at(thing: str, place: str) -> tuple:
    return ("atom", ("at", thing, place))


def test_doctests():
    assert doctest.testmod(environments.pddl.formulas).failed == 0


class TestConjunctionDisjunction:
    def test_flatten_and_fold(self):
        assert conjunction([P, ("and", (Q, R))]) == ("and", (P, Q, R))
        assert disjunction([P, ("or", (Q, R))]) == ("or", (P, Q, R))
        assert conjunction([("or", (P, Q)), R]) == ("and", (("or", (P, Q)), R))  # an or inside an and stays
        assert conjunction([P]) == P and disjunction([Q]) == Q
        assert conjunction([P, FALSE, Q]) == FALSE and disjunction([P, TRUE]) == TRUE


class TestNegation:
    def test_pushed_down_to_atoms(self):
        assert negation(("and", (P, ("not", Q)))) == ("or", (("not", P), Q))
        assert negation(("or", (P, Q))) == ("and", (("not", P), ("not", Q)))
        assert negation(("not", P)) == P and negation(P) == ("not", P)


class TestGroundFormula:
    def test_binds_and_folds_equality(self):
        assert ground_formula(("eq", "?x", "hall"), {"?x": "hall"}, objects_of) == TRUE
        assert ground_formula(("eq", "hall", "?x"), {"?x": "hall"}, objects_of) == TRUE
        assert ground_formula(("eq", "hall", "?x"), {"?x": "attic"}, objects_of) == FALSE

    def test_static_atoms_fold_everywhere(self):
        static = {("lit", "hall"): True, ("lit", "attic"): False}.get
        lit = ("atom", ("lit", "?r"))
        assert ground_formula(lit, {"?r": "hall"}, objects_of, static) == TRUE
        assert ground_formula(lit, {"?r": "attic"}, objects_of, static) == FALSE
        assert ground_formula(("atom", ("robot", "?r")), {"?r": "hall"}, objects_of, static) == ("atom", ("robot", "hall"))
        assert ground_formula(("and", (lit, at("b1", "?r"))), {"?r": "hall"}, objects_of, static) == at("b1", "hall")
        assert ground_formula(("not", lit), {"?r": "attic"}, objects_of, static) == TRUE
        # inside quantifiers, nested ones too: only the lit room remains
        somewhere = ("exists", (("?r", ROOM),), ("and", (lit, ("forall", (("?b", BALL),), at("?b", "?r")))))
        assert ground_formula(somewhere, {}, objects_of, static) == ("and", (at("b1", "hall"), at("b2", "hall")))
        assert ground_formula(("not", somewhere), {}, objects_of, static) == ("or", (("not", at("b1", "hall")),
                                                                                     ("not", at("b2", "hall"))))


class TestLiterals:
    def test_split_of_a_ground_conjunction(self):
        rest = ("or", (Q, R))
        assert literals(("and", (P, ("not", Q), rest))) == ({("p",)}, {("q",)}, (rest,))
        assert literals(P) == ({("p",)}, frozenset(), ())
        assert literals(("not", Q)) == (frozenset(), {("q",)}, ())
        assert literals(TRUE) == (frozenset(), frozenset(), ())
        assert literals(FALSE) is None


class TestTruth:
    BITS = {("p",): 1, ("q",): 2, ("r",): 4}

    def same(self, f) -> None:
        test = compile_mask(f, lambda atom: self.BITS.get(atom, 0))
        for s in range(8):
            state = frozenset(a for a, bit in self.BITS.items() if s & bit)
            assert test(s) is holds(f, state), (f, s)

    def test_bit_sets_agree_with_atom_sets(self):
        for f in [("and", (P, ("not", Q))), ("and", (P, Q)), ("and", ()), ("or", ()), ("or", (P, ("not", R))),
                  ("and", (P, ("or", (Q, R)))), ("not", ("and", (P, Q))), P, ("not", P)]:
            self.same(f)

    def test_an_atom_that_is_never_true(self):
        z = ("atom", ("z",))
        never = compile_mask(("and", (P, z)), lambda atom: self.BITS.get(atom, 0))
        assert [never(s) for s in range(8)] == [False] * 8
        assert compile_mask(("and", (P, ("not", z))), lambda atom: self.BITS.get(atom, 0))(1) is True


class TestText:
    def test_pddl_text_with_binding(self):
        assert text(("eq", "?x", "hall"), {"?x": "attic"}) == "(= attic hall)"
        assert text(("eq", "hall", "?x"), {"?x": "attic"}) == "(= hall attic)"
        assert text(("not", at("?b", "?r")), {"?b": "b1", "?r": "hall"}) == "(not (at b1 hall))"
        assert text(("and", ())) == "(and)" and text(("or", (P, Q))) == "(or (p) (q))"

    def test_a_quantifier_shadows_its_variables(self):
        f = ("forall", (("?b", BALL),), at("?b", "?r"))
        assert text(f, {"?b": "b1", "?r": "hall"}) == "(forall (?b - ball) (at ?b hall))"

    def test_params_text(self):
        params = (("?x", BALL), ("?y", frozenset({"object"})), ("?z", frozenset({"room", "ball"})))
        assert params_text(params) == "?x - ball ?y ?z - (either ball room)"


class TestExplain:
    def why(self, f, state=(), binding=None):
        return explain(f, binding or {}, frozenset(state), objects_of)

    def test_true_formulas_need_no_reason(self):
        assert self.why(P, [("p",)]) == [] and self.why(("not", Q)) == []

    def test_literals(self):
        assert self.why(at("?b", "hall"), binding={"?b": "b1"}) == ["(at b1 hall) is false"]
        assert self.why(("not", P), [("p",)]) == ["(p) is true"]

    def test_equality(self):
        assert self.why(("eq", "?x", "hall"), binding={"?x": "attic"}) == ["attic and hall are different objects"]
        assert self.why(("eq", "hall", "?x"), binding={"?x": "attic"}) == ["hall and attic are different objects"]
        assert self.why(("not", ("eq", "?x", "?y")), binding={"?x": "b1", "?y": "b1"}) == ["b1 and b1 are the same object"]

    def test_and_blames_each_false_part_and_or_is_blamed_whole(self):
        f = ("and", (at("?b", "hall"), Q, ("exists", (("?x", BALL),), at("?x", "?r"))))
        assert self.why(f, [("q",)], {"?b": "b2", "?r": "attic"}) == [
            "(at b2 hall) is false", "(exists (?x - ball) (at ?x attic)) is false: no ?x - ball makes it true"]
        assert self.why(("or", (P, at("?b", "hall"))), binding={"?b": "b1"}) == ["(or (p) (at b1 hall)) is false"]

    def test_negated_and_or(self):
        # not (or ...) must fail: each true part; not (and ...) is blamed whole
        assert self.why(("not", ("or", (P, Q, R))), [("p",), ("r",)]) == ["(p) is true", "(r) is true"]
        assert self.why(("not", ("and", (P, Q))), [("p",), ("q",)]) == ["(and (p) (q)) is true"]

    def test_forall_names_its_first_witness(self):
        f = ("forall", (("?b", BALL), ("?r", ROOM)), ("or", (("not", at("?b", "?r")), ("atom", ("lit", "?r")))))
        state = [("at", "b2", "attic"), ("at", "b1", "hall"), ("lit", "hall")]
        assert self.why(f, state) == ["(or (not (at b2 attic)) (lit attic)) is false (forall ?b - ball ?r - room, with ?b = b2, ?r = attic)"]

    def test_a_type_test_names_the_object_and_the_types(self):
        # (exists (?t - ball) (= ?t o)): how typed parameters of derived predicates read
        def is_a(types, obj):
            return ("exists", (("?t", types),), ("eq", "?t", obj))

        assert self.why(is_a(BALL, "?o"), binding={"?o": "hall"}) == ["hall is not of type ball"]
        assert self.why(is_a(BALL | ROOM, "x")) == ["x is not of type ball or room"]
        assert self.why(("not", is_a(BALL, "b1"))) == ["b1 is of type ball"]

    def test_nested_quantifiers_keep_the_outer_witness(self):
        f = ("forall", (("?r", ROOM),), ("exists", (("?b", BALL),), at("?b", "?r")))
        assert self.why(f, [("at", "b1", "hall")]) == [
            "(exists (?b - ball) (at ?b attic)) is false: no ?b - ball makes it true (forall ?r - room, with ?r = attic)"]

    def test_negated_quantifiers(self):
        some = ("exists", (("?b", BALL),), at("?b", "hall"))
        assert self.why(("not", some), [("at", "b2", "hall")]) == ["(at b2 hall) is true (exists ?b - ball, with ?b = b2)"]
        every = ("forall", (("?b", BALL),), at("?b", "?r"))
        assert self.why(("not", every), [("at", "b1", "hall"), ("at", "b2", "hall")], {"?r": "hall", "?b": "x"}) == [
            "(forall (?b - ball) (at ?b hall)) is true"]


def test_formula_atoms_lists_atoms_as_written():
    f = ("and", (P, ("not", Q), ("or", (("eq", "?x", "?y"), ("forall", (("?b", BALL),), at("?b", "?r"))))))
    assert list(formula_atoms(f)) == [("p",), ("q",), ("at", "?b", "?r")]
    assert list(formula_atoms(("exists", (("?b", BALL),), ("not", R)))) == [("r",)]
