"""Read PDDL domains and problems (STRIPS, typing, ADL, action costs) into lifted frozen data.

The reader is the project's own (`sexpr.read_sexpr` plus the sections below). It accepts what
VAL and unified-planning accept: `forall` inside `when`, features used without being declared in
:requirements, and problem objects of types the domain never declares (read as kinds of
`object`). Features it cannot execute are refused by name, one line each.
"""

from __future__ import annotations

from dataclasses import dataclass

from constraints.errors import InputError
from environments.pddl.derived import DerivedRule, DerivedRules
from environments.pddl.formulas import FALSE, TRUE, Formula, conjunction, disjunction, literals, negation
from environments.pddl.sexpr import SList, read_sexpr, where

Atom = tuple[str, ...]  # ("on", "a", "b"); in schemas, arguments may be "?x" variables
SUPPORTED = ("STRIPS with typing, constants, negative preconditions, equality, ADL (forall, exists, or, imply, when), "
             "action costs and non-recursive derived predicates")
# Declaring one of these is enough to be refused: the reader cannot execute any of them.
UNSUPPORTED_REQUIREMENTS = {
    "durative-actions": "durative actions (:durative-actions)",
    "duration-inequalities": "duration inequalities",
    "continuous-effects": "continuous effects",
    "timed-initial-literals": "timed initial literals",
    "object-fluents": "object fluents (:object-fluents)",
    "non-deterministic": "non-deterministic effects (:non-deterministic)",
    "preferences": "preferences",
    "constraints": "state-trajectory constraints (:constraints)",
    "time": "PDDL+ processes and events (:time)",
}
# Domain sections refused by name.
UNSUPPORTED_SECTIONS = {
    ":durative-action": "durative actions (:durative-actions)",
    ":process": "processes (PDDL+)",
    ":event": "events (PDDL+)",
    ":constraints": "state-trajectory constraints (:constraints)",
}
NUMERIC_EFFECTS = ("increase", "decrease", "assign", "scale-up", "scale-down")
COMPARISONS = ("<", ">", "<=", ">=")
TOTAL_COST = "total-cost"
TEMPORAL = ("at", "over", "always", "sometime", "within", "at-most-once", "sometime-after", "sometime-before", "hold-during")


@dataclass(frozen=True)
class Effect:
    """A conditional or quantified effect: for each binding of `params`, if `condition` holds
    in the state before the action, delete `delete` and add `add`."""

    params: tuple[tuple[str, frozenset[str]], ...]
    condition: Formula
    add: tuple[Atom, ...]
    delete: tuple[Atom, ...]


@dataclass(frozen=True)
class Schema:
    """A lifted action: typed parameters, its precondition and its effects.

    The precondition's top-level literals are `pre_pos`, `pre_neg`, `equal`, `unequal`; any other
    conjunct (or, forall, exists, ...) is in `pre_rest`. Unconditional effect literals are `add` and
    `delete`; conditional and quantified ones are `effects`. `cost` is the `(increase (total-cost) c)`
    amount: a number, a function atom read from the problem's :init, or None (no cost effect).
    """

    name: str
    params: tuple[tuple[str, frozenset[str]], ...]  # (variable "?x", allowed types)
    pre_pos: tuple[Atom, ...]
    pre_neg: tuple[Atom, ...]
    add: tuple[Atom, ...]
    delete: tuple[Atom, ...]
    equal: tuple[tuple[str, str], ...] = ()  # pairs that must be the same object
    unequal: tuple[tuple[str, str], ...] = ()  # pairs that must differ
    pre_rest: tuple[Formula, ...] = ()
    effects: tuple[Effect, ...] = ()
    cost: float | Atom | None = None
    precondition: Formula = TRUE  # the whole precondition, for explanations

    @property
    def is_strips(self) -> bool:
        return not self.pre_rest and not self.effects


@dataclass(frozen=True)
class LiftedDomain:
    """A parsed domain: type parents, typed constants, predicate arities and action schemas.

    `has_costs` is True when the domain declares `total-cost` or increases it: plan quality is then
    the total cost (actions without an increase cost 0), else the number of steps.
    """

    name: str
    types: tuple[tuple[str, str | None], ...]  # (type, parent); "object" is the root
    constants: tuple[tuple[str, frozenset[str]], ...]
    predicates: tuple[tuple[str, int], ...]
    schemas: tuple[Schema, ...]
    has_costs: bool = False
    functions: tuple[tuple[str, int], ...] = ()
    derived: tuple[DerivedRule, ...] = ()  # already substituted into the schemas; goals get it when bound


@dataclass(frozen=True)
class LiftedProblem:
    """A parsed problem: typed objects, the initial atoms and the goal.

    The goal's top-level literals are `goal_pos` and `goal_neg`; other conjuncts are `goal_rest`;
    `goal` is the whole formula. `numbers` holds the :init values of cost functions.
    """

    name: str
    domain_name: str
    objects: tuple[tuple[str, frozenset[str]], ...]
    init: frozenset[Atom]
    goal_pos: frozenset[Atom]
    goal_neg: frozenset[Atom]
    goal_rest: tuple[Formula, ...] = ()
    goal: Formula = TRUE
    numbers: tuple[tuple[Atom, float], ...] = ()


def _unsupported(feature: str, where_: str) -> InputError:
    return InputError(f"unsupported PDDL feature in {where_}: {feature}; supported: {SUPPORTED}")


def _invalid(what: str, message: str, node: object = None) -> InputError:
    at = where(node)
    return InputError(f"invalid PDDL {what}: {message}" + (f" (at {at})" if at else ""))


def _read(text: str, what: str) -> tuple[str, list]:
    """(name, sections) of `(define (domain|problem NAME) sections...)`."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"empty {what}: give PDDL text starting with (define ...)")
    top = read_sexpr(text, what)
    if len(top) < 2 or top[0] != "define" or not isinstance(top[1], list) or len(top[1]) != 2 or top[1][0] != what:
        raise _invalid(what, f"expected (define ({what} NAME) ...)", top)
    sections = top[2:]
    for section in sections:
        if not isinstance(section, list) or not section or not isinstance(section[0], str) or not section[0].startswith(":"):
            raise _invalid(what, f"expected a section like (:init ...), got {_show(section)}", section)
    return top[1][1], sections


def _show(node: object) -> str:
    if isinstance(node, list):
        return "(" + " ".join(_show(n) for n in node) + ")"
    return str(node)


def _requirements(sections: list, what: str) -> set[str]:
    declared = {word.lstrip(":") for s in sections if s[0] == ":requirements" for word in s[1:] if isinstance(word, str)}
    for key in sorted(declared):
        if key in UNSUPPORTED_REQUIREMENTS:
            raise _unsupported(UNSUPPORTED_REQUIREMENTS[key], what)
    return declared


def typed_list(items: list, what: str) -> list[tuple[str, frozenset[str]]]:
    """[("a", {"t"}), ("b", {"object"})] from `a - t b` (types may be `(either t u)`)."""
    out: list[tuple[str, frozenset[str]]] = []
    pending: list[str] = []
    i = 0
    while i < len(items):
        item = items[i]
        if item == "-":
            if i + 1 >= len(items) or not pending:
                raise _invalid(what, f"a '-' without names before it or a type after it in {_show(items)}")
            kind = items[i + 1]
            if isinstance(kind, list):
                if not kind or kind[0] != "either" or not all(isinstance(k, str) for k in kind[1:]):
                    raise _invalid(what, f"bad type {_show(kind)}", kind)
                types = frozenset(kind[1:])
            else:
                types = frozenset({kind})
            out += [(name, types) for name in pending]
            pending, i = [], i + 2
            continue
        if not isinstance(item, str):
            raise _invalid(what, f"expected a name, got {_show(item)}", item)
        pending.append(item)
        i += 1
    return out + [(name, frozenset({"object"})) for name in pending]


class _Reader:
    """Formulas and effects of one domain, checked against its predicates, constants and functions."""

    def __init__(self, predicates: dict[str, int] | None, functions: dict[str, int], constants: set[str] | None) -> None:
        self.predicates, self.functions, self.constants = predicates, functions, constants
        self.uses_costs = False
        self.rules = DerivedRules(())

    def term(self, word: object, scope: set[str], where_: str) -> str:
        if not isinstance(word, str):
            raise _invalid("domain", f"{where_}: expected a variable or a constant, got {_show(word)}", word)
        if word.startswith("?") and word not in scope:
            raise _invalid("domain", f"{where_}: variable {word} is not a parameter or a quantified variable")
        if not word.startswith("?") and self.constants is not None and word not in self.constants:
            raise _invalid("domain", f"{where_}: {word} is not a declared constant")
        return word

    def atom(self, node: list, scope: set[str], where_: str) -> Atom:
        name = node[0]
        if not isinstance(name, str):
            raise _invalid("domain", f"{where_}: expected an atom, got {_show(node)}", node)
        if self.predicates is None:  # a goal read before its domain: checked when the problem is bound
            pass
        elif name not in self.predicates:
            raise InputError(f"invalid PDDL domain: {where_} uses predicate {name} (undeclared)")
        elif self.predicates[name] != len(node) - 1:
            raise InputError(f"invalid PDDL domain: {where_} uses predicate {name} (declared with {self.predicates[name]} argument(s))")
        return (name, *(self.term(t, scope, where_) for t in node[1:]))

    def formula(self, node: object, scope: set[str], where_: str) -> Formula:
        if not isinstance(node, list):
            raise _invalid("domain", f"{where_}: expected a formula, got {_show(node)}", node)
        if not node:
            return TRUE
        head = node[0]
        if not isinstance(head, str):
            raise _invalid("domain", f"{where_}: a formula starts with a word (and, or, a predicate), got {_show(node)}", node)
        if head == "and":
            return conjunction(self.formula(n, scope, where_) for n in node[1:])
        if head == "or":
            return disjunction(self.formula(n, scope, where_) for n in node[1:])
        if head == "not" and len(node) == 2:
            inner = self.formula(node[1], scope, where_)
            return negation(inner) if inner[0] != "atom" else ("not", inner)
        if head == "imply" and len(node) == 3:
            return disjunction([negation(self.formula(node[1], scope, where_)), self.formula(node[2], scope, where_)])
        if head in ("forall", "exists") and len(node) == 3 and isinstance(node[1], list):
            params = tuple(typed_list(node[1], "domain"))
            return (head, params, self.formula(node[2], scope | {v for v, _ in params}, where_))
        if head == "=" and len(node) == 3 and all(isinstance(t, str) for t in node[1:]):
            return ("eq", self.term(node[1], scope, where_), self.term(node[2], scope, where_))
        if head == "preference":
            raise _unsupported("preferences", where_)
        if head in COMPARISONS or head == "=":
            raise _unsupported(f"numeric fluents (comparison {_show(node)})", where_)
        undeclared = self.predicates is not None and head not in self.predicates
        if (head in ("at", "over") and len(node) == 3 and node[1] in ("start", "end", "all")) or (head in TEMPORAL and undeclared):
            raise _unsupported(f"temporal or trajectory operator ({head})", where_)
        return ("atom", self.atom(node, scope, where_))

    def effects(self, node: object, scope: set[str], where_: str, params=(), condition: Formula = TRUE) -> tuple[list[Effect], list]:
        """Flattened effects of `node` and the cost expressions it increases total-cost by."""
        if not isinstance(node, list):
            raise _invalid("domain", f"{where_}: expected an effect, got {_show(node)}", node)
        if not node:
            return [], []
        head = node[0]
        if not isinstance(head, str):
            raise _invalid("domain", f"{where_}: an effect starts with a word (and, not, a predicate), got {_show(node)}", node)
        if head == "and":
            effects, costs = [], []
            for part in node[1:]:
                e, c = self.effects(part, scope, where_, params, condition)
                effects, costs = effects + e, costs + c
            return effects, costs
        if head == "forall" and len(node) == 3 and isinstance(node[1], list):
            more = tuple(typed_list(node[1], "domain"))
            return self.effects(node[2], scope | {v for v, _ in more}, where_, params + more, condition)
        if head == "when" and len(node) == 3:
            cond = conjunction([condition, self.rules.expand(self.formula(node[1], scope, where_))])
            return self.effects(node[2], scope, where_, params, cond)
        if head in NUMERIC_EFFECTS:
            return [], [self.cost(node, scope, where_, conditional=bool(params) or condition != TRUE)]
        if head == "oneof":
            raise _unsupported("non-deterministic effects (oneof)", where_)
        positive = head != "not"
        target = node[1] if not positive and len(node) == 2 else node
        if not isinstance(target, list) or not target or target[0] in ("and", "or", "not", "forall", "when", "exists", "="):
            raise _invalid("domain", f"{where_}: an effect literal must be an atom or (not atom), got {_show(node)}", node)
        atom = self.atom(target, scope, where_)
        if self.rules.is_derived(atom[0]):
            raise _invalid("domain", f"{where_}: an effect changes {atom[0]}, a derived predicate (only its rules make it true)", node)
        return [Effect(params, condition, (atom,) if positive else (), () if positive else (atom,))], []

    def cost(self, node: list, scope: set[str], where_: str, conditional: bool) -> float | Atom:
        if node[0] != "increase" or len(node) != 3 or node[1] != [TOTAL_COST]:
            raise _unsupported(f"numeric fluents ({_show(node)}); only (increase (total-cost) N) is read", where_)
        if conditional:
            raise _unsupported("conditional or quantified action costs", where_)
        self.uses_costs = True
        amount = node[2]
        if isinstance(amount, str):
            try:
                value = float(amount)
            except ValueError:
                raise _invalid("domain", f"{where_}: the cost {amount!r} is not a number") from None
            if value < 0:
                raise _invalid("domain", f"{where_}: negative action cost {amount}")
            return int(value) if value.is_integer() else value
        if amount and isinstance(amount[0], str) and amount[0] in self.functions and amount[0] != TOTAL_COST:
            if self.functions[amount[0]] != len(amount) - 1:
                raise _invalid("domain", f"{where_}: function {amount[0]} takes {self.functions[amount[0]]} argument(s)")
            return (amount[0], *(self.term(t, scope, where_) for t in amount[1:]))
        raise _unsupported(f"numeric fluents (cost expression {_show(amount)}); a cost is a number or a function of :init", where_)


def _schema(node: list, reader: _Reader) -> Schema:
    if len(node) < 2 or not isinstance(node[1], str):
        raise _invalid("domain", "an action needs a name", node)
    name, where_ = node[1], f"action {node[1]}"
    fields = {}
    rest = node[2:]
    if len(rest) % 2:
        raise _invalid("domain", f"{where_}: expected :parameters, :precondition and :effect with one value each", node)
    for key, value in zip(rest[::2], rest[1::2]):
        if key not in (":parameters", ":precondition", ":effect"):
            raise _invalid("domain", f"{where_}: unknown field {_show(key)}", node)
        fields[key] = value
    params = tuple(typed_list(fields.get(":parameters", []), "domain"))
    scope = {v for v, _ in params}
    precondition = reader.rules.expand(reader.formula(fields.get(":precondition", []), scope, where_))
    split = literals(precondition)
    if split is None:
        pre_pos, pre_neg, parts = (), (), [FALSE]
    else:
        pre_pos, pre_neg, parts = sorted(split[0]), sorted(split[1]), list(split[2])
    equal = [(p[1], p[2]) for p in parts if p[0] == "eq"]
    unequal = [(p[1][1], p[1][2]) for p in parts if p[0] == "not" and p[1][0] == "eq"]
    rest_parts = [p for p in parts if p[0] != "eq" and not (p[0] == "not" and p[1][0] == "eq")]
    effects, costs = reader.effects(fields.get(":effect", []), scope, where_)
    if len(costs) > 1:
        raise _unsupported("several total-cost increases in one action", where_)
    plain = [e for e in effects if not e.params and e.condition == TRUE]
    return Schema(
        name, params, tuple(pre_pos), tuple(pre_neg),
        tuple(a for e in plain for a in e.add), tuple(a for e in plain for a in e.delete),
        tuple(equal), tuple(unequal), tuple(rest_parts), tuple(e for e in effects if e not in plain),
        costs[0] if costs else None, precondition,
    )


def _declared(sections: list, key: str) -> list:
    return [item for s in sections if s[0] == key for item in s[1:]]


def parse_domain_text(text: str) -> LiftedDomain:
    """Parse a domain; unsupported features and syntax errors raise one InputError."""
    name, sections = _read(text, "domain")
    _requirements(sections, "domain")
    for section in sections:
        if section[0] in UNSUPPORTED_SECTIONS:
            raise _unsupported(UNSUPPORTED_SECTIONS[section[0]], "domain")
        if section[0] not in (":requirements", ":types", ":constants", ":predicates", ":functions", ":action", ":derived"):
            raise _invalid("domain", f"unknown section {section[0]}", section)
    types = {t: next(iter(parents)) for t, parents in typed_list(_declared(sections, ":types"), "domain") if t != "object"}
    types = {t: (None if p == "object" else p) for t, p in types.items()}
    constants = typed_list(_declared(sections, ":constants"), "domain")
    predicates: dict[str, int] = {}
    for node in _declared(sections, ":predicates"):
        if not isinstance(node, list) or not node or not isinstance(node[0], str):
            raise _invalid("domain", f"bad predicate declaration {_show(node)}", node)
        predicates[node[0]] = len(typed_list(node[1:], "domain"))
    functions: dict[str, int] = {}
    for node in _declared(sections, ":functions"):
        if isinstance(node, list) and node and isinstance(node[0], str):
            functions[node[0]] = len(typed_list(node[1:], "domain"))
    reader = _Reader(predicates, functions, {c for c, _ in constants})
    derived = tuple(_derived_rule(s, reader, predicates) for s in sections if s[0] == ":derived")
    reader.rules = DerivedRules(derived)
    schemas = tuple(sorted((_schema(s, reader) for s in sections if s[0] == ":action"), key=lambda s: s.name))
    return LiftedDomain(
        name, tuple(sorted(types.items())), tuple(sorted(constants)), tuple(sorted(predicates.items())), schemas,
        TOTAL_COST in functions or reader.uses_costs, tuple(sorted(functions.items())), derived,
    )


def _derived_rule(node: list, reader: _Reader, predicates: dict[str, int]) -> DerivedRule:
    """`(:derived (name ?x - type ...) body)` over a predicate the domain declares."""
    if len(node) != 3 or not isinstance(node[1], list) or not node[1] or not isinstance(node[1][0], str):
        raise _invalid("domain", f"a derived predicate is (:derived (name ?x ...) formula), got {_show(node)}", node)
    name, params = node[1][0], tuple(typed_list(node[1][1:], "domain"))
    where_ = f"derived predicate {name}"
    if name not in predicates:
        raise InputError(f"invalid PDDL domain: {where_} is not declared in :predicates")
    if predicates[name] != len(params):
        raise InputError(f"invalid PDDL domain: {where_} has {len(params)} parameter(s), declared with {predicates[name]}")
    if any(not var.startswith("?") for var, _ in params):
        raise _invalid("domain", f"{where_}: its parameters must be variables, got {_show(node[1])}", node)
    return DerivedRule(name, params, reader.formula(node[2], {var for var, _ in params}, where_))


def parse_problem_text(text: str) -> LiftedProblem:
    """Parse a problem; numeric parts beyond action costs, preferences or constraints raise InputError."""
    name, sections = _read(text, "problem")
    _requirements(sections, "problem")
    domain_name = next((s[1] for s in sections if s[0] == ":domain" and len(s) == 2), None)
    if domain_name is None:
        raise _invalid("problem", "missing (:domain NAME)")
    init: set[Atom] = set()
    numbers: dict[Atom, float] = {}
    for node in _declared(sections, ":init"):
        if isinstance(node, list) and node and node[0] == "at" and len(node) == 3 and isinstance(node[2], list):
            raise _unsupported("timed initial literals", "problem :init")
        flat = isinstance(node, list) and node and all(isinstance(w, str) for w in node)
        if not flat and not (isinstance(node, list) and node and node[0] in ("=", "not")):
            raise _invalid("problem", f"an :init entry must be an atom, got {_show(node)}", node)
        if node[0] == "=":
            if len(node) != 3 or not isinstance(node[1], list) or not all(isinstance(w, str) for w in node[1]) \
                    or not isinstance(node[2], str):
                raise _invalid("problem", f"bad numeric :init entry {_show(node)}", node)
            try:
                numbers[tuple(node[1])] = float(node[2])
            except ValueError:
                raise _invalid("problem", f"bad number in {_show(node)}", node) from None
        elif node[0] == "not":
            continue  # closed world: a negated initial atom is simply absent
        else:
            init.add(tuple(node))
    goal_nodes = _declared(sections, ":goal")
    reader = _Reader(None, {}, None)
    goal = reader.formula(goal_nodes[0] if len(goal_nodes) == 1 else ["and", *goal_nodes], set(), "problem :goal")
    for section in sections:
        if section[0] == ":constraints":
            raise _unsupported("state-trajectory constraints (:constraints)", "problem")
        if section[0] == ":metric" and (len(section) != 3 or section[1] != "minimize" or section[2] != [TOTAL_COST]):
            raise _unsupported(f"numeric fluents (metric {_show(section[1:])}); only (:metric minimize (total-cost)) is read", "problem")
        if section[0] not in (":domain", ":requirements", ":objects", ":init", ":goal", ":metric"):
            raise _invalid("problem", f"unknown section {section[0]}", section)
    split = literals(goal)
    goal_pos, goal_neg, rest = split if split is not None else (frozenset(), frozenset(), (FALSE,))
    objects = tuple(sorted(typed_list(_declared(sections, ":objects"), "problem")))
    return LiftedProblem(
        name, domain_name, objects, frozenset(init), frozenset(goal_pos), frozenset(goal_neg), tuple(rest), goal,
        tuple(sorted(numbers.items())),
    )


__all__ = ["Atom", "Effect", "LiftedDomain", "LiftedProblem", "Schema", "parse_domain_text", "parse_problem_text", "typed_list"]
