"""ADL formulas as nested tuples: ground them over typed objects, evaluate them, explain why one is false.

A formula is one of
    ("atom", atom)                      ("eq", term, term)
    ("not", f)                          ("and", (f, ...))    ("or", (f, ...))
    ("forall", params, f)               ("exists", params, f)
where `params` is ((variable, types), ...); `(imply a b)` is read as `(or (not a) b)`.
Grounding expands quantifiers over the objects of their types and folds equality and static
atoms (predicates no action changes) to constants, so a ground formula has no variables.
Explanations work on the lifted formula with a binding, so they can name a quantifier's witness.
"""

from __future__ import annotations

import re
from itertools import product
from typing import Callable, Iterable, Mapping

from constraints.errors import InputError
from constraints.limits import MAX_GROUND_FORMULA

Atom = tuple[str, ...]
Formula = tuple
TRUE: Formula = ("and", ())
FALSE: Formula = ("or", ())
ObjectsOf = Callable[[frozenset], tuple[str, ...]]


def atom_text(atom: Atom) -> str:
    """PDDL text of an atom: ("on", "a", "b") -> "(on a b)"."""
    return "(" + " ".join(atom) + ")"


def bind_atom(atom: Atom, binding: Mapping[str, str]) -> Atom:
    return (atom[0], *(binding.get(t, t) for t in atom[1:]))


def bindings(params: tuple, objects_of: ObjectsOf) -> Iterable[dict[str, str]]:
    """Every assignment of objects (of the right types) to the variables of `params`."""
    names = [var for var, _ in params]
    for values in product(*(objects_of(types) for _, types in params)):
        yield dict(zip(names, values))


def conjunction(parts: Iterable[Formula]) -> Formula:
    """An "and" of `parts`, flattened and folded (FALSE if one part is FALSE)."""
    out: list[Formula] = []
    for part in parts:
        if part == FALSE:
            return FALSE
        out.extend(part[1] if part[0] == "and" else (part,))
    return out[0] if len(out) == 1 else ("and", tuple(out))


def disjunction(parts: Iterable[Formula]) -> Formula:
    """An "or" of `parts`, flattened and folded (TRUE if one part is TRUE)."""
    out: list[Formula] = []
    for part in parts:
        if part == TRUE:
            return TRUE
        out.extend(part[1] if part[0] == "or" else (part,))
    return out[0] if len(out) == 1 else ("or", tuple(out))


def negation(f: Formula) -> Formula:
    """`not f`, pushed down to atoms (negation normal form)."""
    kind = f[0]
    if kind == "not":
        return f[1]
    if kind == "and":
        return disjunction(negation(g) for g in f[1])
    if kind == "or":
        return conjunction(negation(g) for g in f[1])
    return ("not", f)


def expansion(f: Formula, objects_of: ObjectsOf) -> int:
    """How many atoms and comparisons grounding `f` writes: a quantifier multiplies its body by its bindings.

    >>> expansion(("forall", (("?x", frozenset()), ("?y", frozenset())), ("atom", ("on", "?x", "?y"))), lambda t: "abc")
    9
    """
    kind = f[0]
    if kind in ("atom", "eq"):
        return 1
    if kind == "not":
        return expansion(f[1], objects_of)
    if kind in ("and", "or"):
        return max(1, sum(expansion(g, objects_of) for g in f[1]))
    count = 1
    for _, types in f[1]:
        count *= len(objects_of(types))
    return count * expansion(f[2], objects_of)


def check_expansion(size: int, what: str) -> None:
    """Refuse a formula whose grounding would write more than MAX_GROUND_FORMULA instances.

    Raises:
        InputError: naming `what` (e.g. "the goal") and its size.
    """
    if size > MAX_GROUND_FORMULA:
        raise InputError(
            f"{what} expands to {size:,} ground instances over the problem's objects; at most {MAX_GROUND_FORMULA:,} "
            "are allowed (fewer objects, or fewer variables per quantifier)"
        )


def ground_formula(
    f: Formula, binding: Mapping[str, str], objects_of: ObjectsOf, static: Callable[[Atom], bool | None] = lambda atom: None
) -> Formula:
    """`f` with variables bound, quantifiers expanded, equality and static atoms folded; in NNF.

    `static(atom)` is the truth of an atom that never changes, or None for one that may.

    >>> f = ("forall", (("?x", frozenset({"ball"})),), ("not", ("atom", ("holding", "?x"))))
    >>> ground_formula(f, {}, lambda types: ("b1", "b2"))
    ('and', (('not', ('atom', ('holding', 'b1'))), ('not', ('atom', ('holding', 'b2')))))
    """
    kind = f[0]
    if kind == "atom":
        atom = bind_atom(f[1], binding)
        value = static(atom)
        return ("atom", atom) if value is None else (TRUE if value else FALSE)
    if kind == "eq":
        return TRUE if binding.get(f[1], f[1]) == binding.get(f[2], f[2]) else FALSE
    if kind == "not":
        return negation(ground_formula(f[1], binding, objects_of, static))
    if kind in ("and", "or"):
        parts = (ground_formula(g, binding, objects_of, static) for g in f[1])
        return conjunction(parts) if kind == "and" else disjunction(parts)
    parts = (ground_formula(f[2], {**binding, **b}, objects_of, static) for b in bindings(f[1], objects_of))
    return conjunction(parts) if kind == "forall" else disjunction(parts)


def literals(f: Formula) -> tuple[frozenset[Atom], frozenset[Atom], tuple[Formula, ...]] | None:
    """(positive atoms, negative atoms, other parts) of a ground conjunction; None when `f` is FALSE."""
    if f == FALSE:
        return None
    pos, neg, rest = set(), set(), []
    for part in f[1] if f[0] == "and" else (f,):
        if part[0] == "atom":
            pos.add(part[1])
        elif part[0] == "not" and part[1][0] == "atom":
            neg.add(part[1][1])
        else:
            rest.append(part)
    return frozenset(pos), frozenset(neg), tuple(rest)


def holds(f: Formula, state: frozenset[Atom]) -> bool:
    """The truth of a ground formula in a state (the set of true atoms)."""
    kind = f[0]
    if kind == "atom":
        return f[1] in state
    if kind == "not":
        return not holds(f[1], state)
    if kind == "and":
        return all(holds(g, state) for g in f[1])
    return any(holds(g, state) for g in f[1])  # "or"


def compile_mask(f: Formula, bit: Callable[[Atom], int]) -> Callable[[int], bool]:
    """A ground formula as a test on bit-set states; `bit(atom)` is the atom's mask (0 if never true)."""
    kind = f[0]
    if kind == "and" and all(g[0] == "atom" or (g[0] == "not" and g[1][0] == "atom") for g in f[1]):
        pos = sum(bit(g[1]) for g in f[1] if g[0] == "atom")
        neg = sum(bit(g[1][1]) for g in f[1] if g[0] == "not")
        missing = any(g[0] == "atom" and not bit(g[1]) for g in f[1])
        return (lambda s: False) if missing else (lambda s: s & pos == pos and not s & neg)
    if kind == "atom":
        mask = bit(f[1])
        return lambda s: bool(s & mask)
    if kind == "not":
        inner = compile_mask(f[1], bit)
        return lambda s: not inner(s)
    tests = tuple(compile_mask(g, bit) for g in f[1])
    if kind == "and":
        return lambda s: all(t(s) for t in tests)
    return lambda s: any(t(s) for t in tests)


def text(f: Formula, binding: Mapping[str, str] | None = None) -> str:
    """PDDL text of a (lifted or ground) formula, with `binding` applied."""
    binding = binding or {}
    kind = f[0]
    if kind == "atom":
        return atom_text(bind_atom(f[1], binding))
    if kind == "eq":
        return f"(= {binding.get(f[1], f[1])} {binding.get(f[2], f[2])})"
    if kind == "not":
        return f"(not {text(f[1], binding)})"
    if kind in ("and", "or"):
        return f"({kind} {' '.join(text(g, binding) for g in f[1])})".replace(f"({kind} )", f"({kind})")
    inner = {k: v for k, v in binding.items() if k not in {var for var, _ in f[1]}}
    return f"({kind} ({params_text(f[1])}) {text(f[2], inner)})"


def params_text(params: tuple) -> str:
    """ "?x - ball ?y" for ((?x, {ball}), (?y, {object}))."""
    words = []
    for var, types in params:
        kind = " - " + (next(iter(types)) if len(types) == 1 else f"(either {' '.join(sorted(types))})")
        words.append(var + ("" if types == frozenset({"object"}) else kind))
    return " ".join(words)


def explain(f: Formula, binding: Mapping[str, str], state: frozenset[Atom], objects_of: ObjectsOf, positive: bool = True) -> list[str]:
    """Why a lifted formula is not `positive` under `binding` in `state`: the false literals,
    for a forall the first witness that breaks it, for an exists that no object satisfies it.

    >>> f = ("forall", (("?x", frozenset({"ball"})),), ("not", ("atom", ("holding", "?x"))))
    >>> explain(f, {}, frozenset({("holding", "b2")}), lambda types: ("b1", "b2"))
    ['(holding b2) is true (forall ?x - ball, with ?x = b2)']
    """
    if _value(f, binding, state, objects_of) == positive:
        return []
    kind = f[0]
    if kind == "atom":
        return [f"{atom_text(bind_atom(f[1], binding))} is {'false' if positive else 'true'}"]
    if kind == "eq":
        a, b = binding.get(f[1], f[1]), binding.get(f[2], f[2])
        return [f"{a} and {b} are {'different objects' if positive else 'the same object'}"]
    if kind == "not":
        return explain(f[1], binding, state, objects_of, not positive)
    if (kind == "and") == positive and kind in ("and", "or"):  # and must hold / or must fail: each bad part
        return [reason for g in f[1] for reason in explain(g, binding, state, objects_of, positive)]
    if kind in ("and", "or"):
        return [f"{text(f, binding)} is {'false' if positive else 'true'}"]
    if kind == "exists" and len(f[1]) == 1 and f[2][0] == "eq" and f[2][1] == f[1][0][0]:  # a type test
        obj, types = binding.get(f[2][2], f[2][2]), f[1][0][1]
        return [f"{obj} is {'not ' if positive else ''}of type {' or '.join(sorted(types))}"]
    if (kind == "forall") == positive:  # a witness breaks it
        for b in bindings(f[1], objects_of):
            inner = {**binding, **b}
            if _value(f[2], inner, state, objects_of) != positive:
                witness = ", ".join(f"{var} = {obj}" for var, obj in b.items())
                label = f"{kind} {params_text(f[1])}, with {witness}"
                return [f"{r} ({label})" for r in explain(f[2], inner, state, objects_of, positive)]
    scope = {k: v for k, v in binding.items() if k not in {var for var, _ in f[1]}}
    return [f"{text(f, scope)} is {'false' if positive else 'true'}: no {params_text(f[1])} makes it {'true' if positive else 'false'}"
            if kind == "exists" else f"{text(f, scope)} is {'false' if positive else 'true'}"]


def shown(reason: str) -> str:
    """`reason` with the numbered names of substituted variables (`?y#3`) written as declared (`?y`)."""
    return _NUMBERED.sub(r"\1", reason)


_NUMBERED = re.compile(r"(\?[^\s()#]+)#\d+")  # '#' cannot occur in a PDDL name, only in generated variables


def _value(f: Formula, binding: Mapping[str, str], state: frozenset[Atom], objects_of: ObjectsOf) -> bool:
    return holds(ground_formula(f, binding, objects_of), state)


__all__ = [
    "FALSE", "TRUE", "Formula", "atom_text", "bind_atom", "bindings", "compile_mask", "conjunction", "disjunction",
    "explain", "formula_atoms", "ground_formula", "holds", "literals", "negation", "shown", "text",
]


def formula_atoms(f: Formula) -> Iterable[Atom]:
    """Every atom of a formula (with variables as written)."""
    if f[0] == "atom":
        yield f[1]
    elif f[0] == "not":
        yield from formula_atoms(f[1])
    elif f[0] in ("and", "or"):
        for g in f[1]:
            yield from formula_atoms(g)
    elif f[0] in ("forall", "exists"):
        yield from formula_atoms(f[2])
