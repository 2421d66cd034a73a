"""Derived predicates (`:derived`), compiled away by substituting each rule's body for its atoms.

A derived atom holds in a state when the body of one of its rules holds there. For rules that do
not depend on themselves (directly or through other derived predicates) that is exactly the body,
so every precondition, effect condition and goal that mentions a derived atom is rewritten into
plain ADL before grounding; the simulator, the checker, the search and the hard constraints then
need nothing new. A rule's typed parameters become a type test on the arguments, and quantified
variables of a body get fresh names so that an action's own variables are never captured.
Recursive rules (a transitive closure such as `above`) are refused by name: they need a fixpoint
per state, which this compilation does not compute.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count
from typing import Iterator

from constraints.errors import InputError
from environments.pddl.formulas import Formula, bind_atom, conjunction, disjunction, negation

Atom = tuple[str, ...]
Params = tuple[tuple[str, frozenset[str]], ...]


@dataclass(frozen=True)
class DerivedRule:
    """`(:derived (name ?x - t ...) body)`: `name(args)` holds where `body` does."""

    name: str
    params: Params
    body: Formula


class DerivedRules:
    """The rules of one domain, and the rewriting of formulas that mention derived atoms."""

    def __init__(self, rules: tuple[DerivedRule, ...]) -> None:
        self.rules: dict[str, list[DerivedRule]] = {}
        for rule in rules:
            self.rules.setdefault(rule.name, []).append(rule)
        self._fresh: Iterator[int] = count(1)
        self._expanded: dict[str, tuple[DerivedRule, ...]] = {}
        for name in self.rules:
            self._expand_rules(name, ())

    def __bool__(self) -> bool:
        return bool(self.rules)

    def is_derived(self, predicate: str) -> bool:
        return predicate in self.rules

    def expand(self, f: Formula) -> Formula:
        """`f` with every derived atom replaced by its rules' bodies (a disjunction), in NNF."""
        return self._rewrite(f, ()) if self.rules else f

    def _expand_rules(self, name: str, stack: tuple[str, ...]) -> tuple[DerivedRule, ...]:
        if name in stack:
            cycle = " -> ".join((*stack[stack.index(name):], name))
            raise InputError(f"unsupported PDDL feature in domain: recursive derived predicates ({cycle}); "
                             "supported: derived predicates whose rules do not depend on themselves")
        if name not in self._expanded:
            self._expanded[name] = tuple(DerivedRule(r.name, r.params, self._rewrite(r.body, (*stack, name)))
                                         for r in self.rules[name])
        return self._expanded[name]

    def _rewrite(self, f: Formula, stack: tuple[str, ...]) -> Formula:
        kind = f[0]
        if kind == "atom":
            return self._atom(f[1], stack) if f[1][0] in self.rules else f
        if kind == "not":
            return negation(self._rewrite(f[1], stack))
        if kind in ("and", "or"):
            parts = (self._rewrite(g, stack) for g in f[1])
            return conjunction(parts) if kind == "and" else disjunction(parts)
        if kind in ("forall", "exists"):
            return (kind, f[1], self._rewrite(f[2], stack))
        return f  # ("eq", a, b)

    def _atom(self, atom: Atom, stack: tuple[str, ...]) -> Formula:
        bodies = []
        for rule in self._expand_rules(atom[0], stack):
            binding = {var: arg for (var, _), arg in zip(rule.params, atom[1:])}
            body = self._substitute(rule.body, binding)
            tests = [self._type_test(arg, types) for (_, types), arg in zip(rule.params, atom[1:]) if types != {"object"}]
            bodies.append(conjunction([*tests, body]))
        return disjunction(bodies)

    def _type_test(self, term: str, types: frozenset[str]) -> Formula:
        """True when `term` is an object of one of `types`: (exists (?v - types) (= ?v term))."""
        var = f"?type#{next(self._fresh)}"
        return ("exists", ((var, types),), ("eq", var, term))

    def _substitute(self, f: Formula, binding: dict[str, str]) -> Formula:
        kind = f[0]
        if kind == "atom":
            return ("atom", bind_atom(f[1], binding))
        if kind == "eq":
            return ("eq", binding.get(f[1], f[1]), binding.get(f[2], f[2]))
        if kind == "not":
            return ("not", self._substitute(f[1], binding))
        if kind in ("and", "or"):
            return (kind, tuple(self._substitute(g, binding) for g in f[1]))
        fresh = {var: f"{var}#{next(self._fresh)}" for var, _ in f[1]}
        params = tuple((fresh[var], types) for var, types in f[1])
        return (kind, params, self._substitute(f[2], {**binding, **fresh}))


__all__ = ["DerivedRule", "DerivedRules"]
