"""Read STRIPS PDDL (typing, constants, negative preconditions, equality) into lifted frozen data.

Parsing uses the `pddl` package (AI-Planning): a light, pure-Python parser with no solver engines,
chosen over unified-planning because only parsing is needed here and checking must stay light.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lark import Lark
from lark.exceptions import UnexpectedInput
from pddl.exceptions import PDDLError, PDDLMissingRequirementError
from pddl.logic.base import And, ExistsCondition, ForallCondition, Imply, Not, OneOf, Or
from pddl.logic.effects import Forall, When
from pddl.logic.predicates import EqualTo, Predicate
from pddl.parser import GRAMMAR_FILE, PARSERS_DIRECTORY
from pddl.parser.domain import DomainTransformer
from pddl.parser.problem import ProblemTransformer

from constraints.errors import InputError

Atom = tuple[str, ...]  # ("on", "a", "b"); in schemas, arguments may be "?x" variables

# Requirements whose features this reader cannot execute, with the name users see.
UNSUPPORTED_REQUIREMENTS = {
    "conditional-effects": "conditional effects (:conditional-effects)",
    "derived-predicates": "derived predicates (:derived-predicates)",
    "fluents": "numeric/object fluents (:fluents)",
    "numeric-fluents": "numeric fluents (:numeric-fluents)",
    "object-fluents": "object fluents (:object-fluents)",
    "non-deterministic": "non-deterministic effects (:non-deterministic)",
    "action-costs": "action costs (:action-costs)",
}
# Requirements a domain may declare while using only STRIPS; using the feature is still refused.
FORMULA_REQUIREMENTS = {
    "disjunctive-preconditions": "disjunctive preconditions (or / imply)",
    "universal-preconditions": "universal quantifiers (forall)",
    "existential-preconditions": "existential quantifiers (exists)",
    "quantified-preconditions": "quantifiers (forall / exists)",
    "adl": "ADL features",
}
# Keywords the grammar itself rejects; found in the text first so the error names the feature.
UNSUPPORTED_KEYWORDS = {
    ":durative-action": "durative actions (:durative-actions)",
    ":timed-initial-literals": "timed initial literals",
    ":duration-inequalities": "duration inequalities",
    ":continuous-effects": "continuous effects",
    ":process": "processes (PDDL+)",
    ":event": "events (PDDL+)",
    ":preferences": "preferences",
    ":constraints": "state-trajectory constraints (:constraints)",
}


@dataclass(frozen=True)
class Schema:
    """A lifted action: typed parameters and literal lists over variables and constants."""

    name: str
    params: tuple[tuple[str, frozenset[str]], ...]  # (variable "?x", allowed types)
    pre_pos: tuple[Atom, ...]
    pre_neg: tuple[Atom, ...]
    add: tuple[Atom, ...]
    delete: tuple[Atom, ...]
    equal: tuple[tuple[str, str], ...] = ()  # pairs that must be the same object
    unequal: tuple[tuple[str, str], ...] = ()  # pairs that must differ


@dataclass(frozen=True)
class LiftedDomain:
    """A parsed domain: type parents, typed constants, predicate arities and action schemas."""

    name: str
    types: tuple[tuple[str, str | None], ...]  # (type, parent); "object" is the root
    constants: tuple[tuple[str, frozenset[str]], ...]
    predicates: tuple[tuple[str, int], ...]
    schemas: tuple[Schema, ...]


@dataclass(frozen=True)
class LiftedProblem:
    """A parsed problem: typed objects, the initial atoms and the goal literals."""

    name: str
    domain_name: str
    objects: tuple[tuple[str, frozenset[str]], ...]
    init: frozenset[Atom]
    goal_pos: frozenset[Atom]
    goal_neg: frozenset[Atom]


@lru_cache(maxsize=None)
def _grammar(kind: str) -> Lark:
    """The package's LALR grammar, compiled once per start symbol (compiling takes ~50 ms)."""
    return Lark(GRAMMAR_FILE.read_text(), parser="lalr", import_paths=[PARSERS_DIRECTORY], start=kind)


def _parse(text: str, kind: str):
    # A fresh transformer per text: the package's transformers keep per-file state.
    tree = _grammar(kind).parse(text)
    return (DomainTransformer() if kind == "domain" else ProblemTransformer()).transform(tree)


def _strip_comments(text: str) -> str:
    return re.sub(r";[^\n]*", "", text)


def _scan_unsupported(text: str, what: str) -> None:
    lowered = _strip_comments(text).lower()
    # Declared requirements first: the grammar may stop at the feature's syntax before naming it.
    for group in re.findall(r"\(\s*:requirements([^()]*)\)", lowered):
        for key in group.split():
            if key.lstrip(":") in UNSUPPORTED_REQUIREMENTS:
                raise _unsupported(UNSUPPORTED_REQUIREMENTS[key.lstrip(":")], what)
    for keyword, feature in UNSUPPORTED_KEYWORDS.items():
        if re.search(re.escape(keyword) + r"(?![\w-])", lowered) or (keyword == ":durative-action" and ":durative-actions" in lowered):
            raise InputError(f"unsupported PDDL feature in {what}: {feature}; supported: STRIPS with typing, constants, negative preconditions, equality")


def _unsupported(feature: str, where: str) -> InputError:
    return InputError(f"unsupported PDDL feature in {where}: {feature}; supported: STRIPS with typing, constants, negative preconditions, equality")


def _run_parser(text: str, what: str):
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"empty {what}: give PDDL text starting with (define ...)")
    _scan_unsupported(text, what)
    try:
        return _parse(text, what)
    except UnexpectedInput as err:
        detail = re.sub(r",? at line \d+,? col(umn)? \d+\.?$", "", str(err).strip().splitlines()[0])
        raise InputError(f"PDDL syntax error in {what} at line {err.line}, column {err.column}: {detail}") from None
    except Exception as err:  # noqa: BLE001 - lark wraps the transformer's errors in VisitError
        inner = getattr(err, "orig_exc", err)
    if isinstance(inner, PDDLMissingRequirementError):
        key = str(inner.requirement).lstrip(":").lower()
        feature = {**UNSUPPORTED_REQUIREMENTS, **FORMULA_REQUIREMENTS}.get(key)
        if feature:
            raise _unsupported(feature, what)
        raise InputError(f"invalid PDDL {what}: it uses :{key} without declaring it in :requirements")
    if isinstance(inner, (PDDLError, AssertionError, ValueError, TypeError, KeyError)):
        message = getattr(inner, "message", None) or str(inner) or type(inner).__name__
        raise InputError(f"invalid PDDL {what}: {message}")
    raise inner


def _types_of(term) -> frozenset[str]:
    tags = getattr(term, "type_tags", None) or frozenset()
    return frozenset(str(t).lower() for t in tags) or frozenset({"object"})


def _term(term) -> str:
    text = str(term)
    return text if text.startswith("?") else text.lower()


def _atom(pred: Predicate) -> Atom:
    return (str(pred.name).lower(), *(_term(t) for t in pred.terms))


def _literals(formula, where: str, allow_equality: bool = True):
    """Yield (positive, atom-or-equality) pairs of a conjunction of literals."""
    if formula is None:
        return
    if isinstance(formula, And):
        for operand in formula.operands:
            yield from _literals(operand, where, allow_equality)
        return
    positive = True
    if isinstance(formula, Not):
        positive, formula = False, formula.argument
        if isinstance(formula, Not):  # double negation
            yield from _literals(formula.argument, where, allow_equality)
            return
    if isinstance(formula, EqualTo) and allow_equality:
        yield positive, ("=", _term(formula.left), _term(formula.right))
    elif isinstance(formula, Predicate):
        yield positive, _atom(formula)
    else:
        raise _unsupported(_feature_name(formula), where)


def _feature_name(formula) -> str:
    if isinstance(formula, (Or, Imply)):
        return "disjunctive preconditions (or / imply)"
    if isinstance(formula, ForallCondition):
        return "universal quantifiers (forall)"
    if isinstance(formula, ExistsCondition):
        return "existential quantifiers (exists)"
    if isinstance(formula, When):
        return "conditional effects (when)"
    if isinstance(formula, Forall):
        return "universally quantified effects (forall)"
    if isinstance(formula, OneOf):
        return "non-deterministic effects (oneof)"
    if type(formula).__module__.endswith("functions"):
        return "numeric fluents (" + type(formula).__name__ + ")"
    return type(formula).__name__


def _check_requirements(requirements, where: str) -> None:
    for req in requirements:
        key = str(req).lstrip(":").lower()
        if key in UNSUPPORTED_REQUIREMENTS:
            raise _unsupported(UNSUPPORTED_REQUIREMENTS[key], where)


def _schema(action) -> Schema:
    where = f"action {action.name}"
    params = tuple((_term(v), _types_of(v)) for v in action.parameters)
    pre_pos, pre_neg, equal, unequal = [], [], [], []
    for positive, atom in _literals(action.precondition, where):
        if atom[0] == "=":
            (equal if positive else unequal).append((atom[1], atom[2]))
        else:
            (pre_pos if positive else pre_neg).append(atom)
    add, delete = [], []
    for positive, atom in _literals(action.effect, where, allow_equality=False):
        (add if positive else delete).append(atom)
    return Schema(
        str(action.name).lower(), params, tuple(pre_pos), tuple(pre_neg), tuple(add), tuple(delete), tuple(equal), tuple(unequal)
    )


def parse_domain_text(text: str) -> LiftedDomain:
    """Parse a domain; unsupported features and syntax errors raise one InputError."""
    domain = _run_parser(text, "domain")
    _check_requirements(domain.requirements, "domain")
    if domain.derived_predicates:
        raise _unsupported("derived predicates (:derived)", "domain")
    if domain.functions:
        raise _unsupported("numeric fluents (:functions)", "domain")
    types = tuple(sorted((str(t).lower(), None if p is None else str(p).lower()) for t, p in domain.types.items()))
    constants = tuple(sorted((_term(c), _types_of(c)) for c in domain.constants))
    predicates = tuple(sorted((str(p.name).lower(), p.arity) for p in domain.predicates))
    schemas = tuple(sorted((_schema(a) for a in domain.actions), key=lambda s: s.name))
    arity = dict(predicates)
    for schema in schemas:
        for atom in (*schema.pre_pos, *schema.pre_neg, *schema.add, *schema.delete):
            if arity.get(atom[0]) != len(atom) - 1:
                known = "undeclared" if atom[0] not in arity else f"declared with {arity[atom[0]]} argument(s)"
                raise InputError(f"invalid PDDL domain: action {schema.name} uses predicate {atom[0]} ({known})")
    return LiftedDomain(str(domain.name).lower(), types, constants, predicates, schemas)


def parse_problem_text(text: str) -> LiftedProblem:
    """Parse a problem; numeric init/goal parts or disjunctive goals raise InputError."""
    problem = _run_parser(text, "problem")
    _check_requirements(problem.requirements, "problem")
    init: set[Atom] = set()
    for positive, atom in _literals(And(*problem.init) if problem.init else None, "problem :init", allow_equality=False):
        if not positive:  # closed world: a negated initial atom is simply absent
            continue
        init.add(atom)
    goal_pos, goal_neg = set(), set()
    for positive, atom in _literals(problem.goal, "problem :goal", allow_equality=False):
        (goal_pos if positive else goal_neg).add(atom)
    objects = tuple(sorted((_term(o), _types_of(o)) for o in problem.objects))
    return LiftedProblem(
        str(problem.name).lower(), str(problem.domain_name).lower(), objects, frozenset(init), frozenset(goal_pos), frozenset(goal_neg)
    )
