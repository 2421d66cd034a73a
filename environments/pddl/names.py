"""What a model trained on a PDDL domain needs to know about names: the domain's structural
fingerprint, and canonical object tokens so that one model reads problems whatever they call
their objects.

A trained model records the domain's name and fingerprint; planning with it on a domain of a
different structure is refused. Problem objects are written in the compact template as tokens
`<type><j>` ("o3" for untyped objects, "truck5" for an object of type truck). The order says
which j an object gets:

- "sorted": the objects of a type, sorted by name (digits as numbers: ball2 before ball10), get
  0, 1, 2, ... A token then also says where its object stands among its kind, the same way in
  every problem, so a small model learns to read and copy objects far sooner (gripper models:
  docs/pddl.md); problems with more objects of a type than any training problem use tokens the
  model has not trained on.
- "drawn": j drawn without replacement from `range(pool)` by a generator seeded with the
  problem's text: the same problem always reads the same way, and training problems (each a
  different text) spread over every token of the pool, so no token is tied to one object.

Untyped domains often type their objects with static unary predicates instead ((room rooma),
(ball ball1) in gripper). With `kinds` (a model records it), an untyped object is named after
the first such predicate true of it initially ("room2", "ball7"), so the model reads an object's
role from its token instead of looking it up in the initial state.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import re
from typing import Mapping

from constraints.errors import InputError
from environments.pddl.grounding import GroundTask, static_predicates
from environments.pddl.parsing import LiftedDomain


def domain_fingerprint(domain: LiftedDomain) -> str:
    """A short hash of the domain's structure: types, constants, predicates and action signatures
    with their preconditions and effects (case, layout and comments do not count).

    Two domain files with the same fingerprint ground the same actions for the same problem.
    """
    parts = [
        "types:" + ",".join(sorted(f"{t}<{p}" for t, p in domain.types)),
        "constants:" + ",".join(sorted(f"{c}:{'|'.join(sorted(ts))}" for c, ts in domain.constants)),
        "predicates:" + ",".join(sorted(f"{p}/{n}" for p, n in domain.predicates)),
        "functions:" + ",".join(sorted(f"{f}/{n}" for f, n in domain.functions)),
    ]
    for schema in sorted(domain.schemas, key=lambda s: s.name):
        parts.append(f"action:{_canonical(schema)}")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def _canonical(value: object) -> str:
    """A text of a value that does not depend on set order (frozensets are written sorted)."""
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(_canonical(v) for v in value)) + "}"
    if isinstance(value, (tuple, list)):
        return "(" + ",".join(_canonical(v) for v in value) + ")"
    if dataclasses.is_dataclass(value):
        return type(value).__name__ + _canonical(tuple(getattr(value, f.name) for f in dataclasses.fields(value)))
    return repr(value)


def type_prefix(type_name: str) -> str:
    """The token prefix of objects of a type: "o" for untyped objects, else the type's name."""
    return "o" if type_name == "object" else type_name


def object_type(types: frozenset[str]) -> str:
    """The one type an object's tokens are named after (the first declared, by name)."""
    return sorted(types)[0] if types else "object"


def kind_predicates(domain: LiftedDomain) -> tuple[str, ...]:
    """The domain's static unary predicates, sorted: the types an untyped domain writes as atoms."""
    static = static_predicates(domain)
    return tuple(sorted(name for name, arity in domain.predicates if arity == 1 and name in static))


def object_kind(task: GroundTask, name: str, types: frozenset[str], kinds: tuple[str, ...] = ()) -> str:
    """What an object's tokens are named after: its declared type, else (untyped) the first of
    `kinds` true of it in the initial state, else "object"."""
    declared = object_type(types)
    if declared != "object":
        return declared
    return next((kind for kind in kinds if (kind, name) in task.init), "object")


def object_groups(task: GroundTask, kinds: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """The problem's objects by what their tokens are named after (`object_kind`)."""
    groups: dict[str, list[str]] = {}
    for name, types in task.problem.objects:
        groups.setdefault(object_kind(task, name, types, kinds), []).append(name)
    return groups


OBJECT_ORDERS = ("drawn", "sorted")  # see the module docstring


def check_object_order(order: str) -> str:
    """`order` when it is one of OBJECT_ORDERS, else an InputError naming the allowed ones."""
    if order not in OBJECT_ORDERS:
        raise InputError(f"unknown object order {order!r}; allowed: {', '.join(OBJECT_ORDERS)}")
    return order


def object_tokens(task: GroundTask, pool: int, seed_text: str, kinds: tuple[str, ...] = (),
                  order: str = "drawn") -> dict[str, str]:
    """Problem object -> its token, for a model that knows `pool` tokens per type (and per kind);
    `order` (`OBJECT_ORDERS`) says which token each object gets.

    Raises:
        InputError: the problem has more objects of one type than the model has tokens for it.
    """
    check_object_order(order)
    rng = random.Random(int.from_bytes(hashlib.sha256(seed_text.encode("utf-8")).digest()[:8], "big"))
    groups = object_groups(task, kinds)
    tokens: dict[str, str] = {}
    for type_name, names in groups.items():
        if len(names) > pool:
            raise InputError(f"the problem has {len(names)} objects of type {type_name!r}; the model was trained "
                             f"with room for {pool} per type")
        if order == "sorted":
            names, numbers = sorted(names, key=_natural), range(len(names))
        else:
            numbers = rng.sample(range(pool), len(names))
        for name, j in zip(names, numbers):
            tokens[name] = f"{type_prefix(type_name)}{j}"
    return tokens


def _natural(name: str) -> list:
    """Sort key reading digit runs as numbers: ball2 before ball10."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name) if part]


def token_vocabulary(domain: LiftedDomain, pool: int, kinds: tuple[str, ...] = ()) -> list[str]:
    """Every object token of a domain's problems: `pool` per type (untyped problems use "object"),
    then `pool` per kind."""
    types = sorted({t for t, _ in domain.types} | {"object"})
    words = [f"{type_prefix(t)}{j}" for t in types for j in range(pool)]
    return words + [f"{k}{j}" for k in kinds if k not in types for j in range(pool)]


def rename(names: Mapping[str, str], word: str) -> str:
    """`names[word]` when it has one, else the word itself (constants keep their names)."""
    return names.get(word, word)
