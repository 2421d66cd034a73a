"""Generic checkers over filled slot values: each returns Violations that blame slots, never raises.

Every factory returns a named constraint (see `constraints.violation.Constraint`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

import networkx as nx
import pydantic

from constraints.errors import InputError
from constraints.violation import Violation


def _names(slot_names: str | Iterable[str], what: str) -> tuple[str, ...]:
    names = (slot_names,) if isinstance(slot_names, str) else tuple(slot_names)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise InputError(f"{what}: give one or more slot names, got {slot_names!r}")
    return names


@dataclass(frozen=True)
class OneOf:
    """Each named slot holds one of `values`."""

    slot_names: tuple[str, ...]
    values: frozenset[str]
    name: str = "one_of"

    def __call__(self, values: Mapping[str, str]) -> list[Violation]:
        shown = ", ".join(sorted(self.values)[:8]) + (", ..." if len(self.values) > 8 else "")
        return [
            Violation(self.name, f"slot {s} holds {values.get(s, '')!r}, allowed: {shown}", kind="domain", slots=(s,))
            for s in self.slot_names
            if values.get(s, "") not in self.values
        ]


def one_of(slot_names: str | Iterable[str], values: Iterable[str]) -> OneOf:
    """Each of `slot_names` must hold one of `values` (blames each slot outside them).

    >>> one_of(["a", "b"], ["x", "y"])({"a": "x", "b": "z"})[0].slots
    ('b',)
    """
    allowed = frozenset(values)
    if not allowed:
        raise InputError("one_of: give at least one allowed value")
    return OneOf(_names(slot_names, "one_of"), allowed)


@dataclass(frozen=True)
class Matches:
    """Each named slot's whole value matches a regular expression."""

    slot_names: tuple[str, ...]
    pattern: re.Pattern
    name: str = "matches"

    def __call__(self, values: Mapping[str, str]) -> list[Violation]:
        return [
            Violation(self.name, f"slot {s} holds {values.get(s, '')!r}, which does not match /{self.pattern.pattern}/",
                      kind="syntax", slots=(s,))
            for s in self.slot_names
            if not self.pattern.fullmatch(values.get(s, ""))
        ]


def matches(slot_names: str | Iterable[str], regex: str) -> Matches:
    """The whole value of each slot must match `regex` (blames each slot that does not).

    >>> matches("n", r"\\d+")({"n": "12a"})[0].kind
    'syntax'
    """
    try:
        pattern = re.compile(regex)
    except re.error as err:
        raise InputError(f"matches: bad regular expression {regex!r}: {err}") from None
    return Matches(_names(slot_names, "matches"), pattern)


@dataclass(frozen=True)
class AllDifferent:
    """No two named slots hold the same value (values in `ignore` never clash)."""

    slot_names: tuple[str, ...]
    blame: str = "all"
    ignore: frozenset[str] = frozenset({""})
    name: str = "all_different"

    def __call__(self, values: Mapping[str, str]) -> list[Violation]:
        holders: dict[str, list[str]] = {}
        for s in self.slot_names:
            v = values.get(s, "")
            if v not in self.ignore:
                holders.setdefault(v, []).append(s)
        out = []
        for v, slots in holders.items():
            if len(slots) > 1:
                blamed = tuple(slots) if self.blame == "all" else tuple(slots[1:])
                out.append(Violation(self.name, f"slots {', '.join(slots)} all hold {v!r}", kind="duplicate",
                                     slots=blamed, details={"value": v}))
        return out


def all_different(slot_names: Iterable[str], *, blame: str = "all", ignore: Iterable[str] = ("",)) -> AllDifferent:
    """The named slots must hold pairwise different values.

    Args:
        slot_names: the slots compared.
        blame: ``all`` blames every slot holding a repeated value; ``later`` keeps the first
            holder and blames the others.
        ignore: values that may repeat (by default the empty value of unfilled slots).

    >>> all_different(["a", "b", "c"], blame="later")({"a": "1", "b": "2", "c": "1"})[0].slots
    ('c',)
    """
    if blame not in ("all", "later"):
        raise ValueError(f"unknown blame {blame!r}; valid: all, later")
    return AllDifferent(_names(slot_names, "all_different"), blame, frozenset(ignore))


@dataclass(frozen=True)
class Precedence:
    """Plan steps (values of `step_slots`, in order) follow the order of a DAG's edges."""

    graph: Any = field(compare=False)
    step_slots: tuple[str, ...]
    require_predecessors: bool = False
    name: str = "precedence"

    def __call__(self, values: Mapping[str, str]) -> list[Violation]:
        plan = [values.get(s, "").strip() for s in self.step_slots]
        first: dict[str, int] = {}
        for i, step in enumerate(plan):
            if step in self.graph and step not in first:
                first[step] = i
        out = []
        for v, iv in sorted(first.items(), key=lambda kv: kv[1]):
            for u in sorted(nx.ancestors(self.graph, v), key=str):
                path = " -> ".join(map(str, nx.shortest_path(self.graph, u, v)))
                if u in first and first[u] > iv:
                    iu = first[u]
                    out.append(Violation(
                        self.name, f"step {iv + 1} {v!r} comes before step {iu + 1} {u!r}, but {path}",
                        kind="ordering", slots=(self.step_slots[iv], self.step_slots[iu]), steps=(iv, iu),
                        details={"before": u, "after": v}))
                elif u not in first and self.require_predecessors:
                    out.append(Violation(
                        self.name, f"step {iv + 1} {v!r} needs {u!r} earlier in the plan ({path})",
                        kind="ordering", slots=(self.step_slots[iv],), steps=(iv,), details={"before": u, "after": v}))
        return out


def precedence(graph: nx.DiGraph, step_slots: Iterable[str], *, require_predecessors: bool = False) -> Precedence:
    """A plan's steps must respect the edges of `graph` (u -> v: u happens before v).

    Step values are matched to graph nodes by text (stripped); steps that are not nodes are
    not ordered. Ordering follows paths, so u -> w -> v also orders u before v. A violated
    order blames both steps' slots.

    Args:
        graph: a networkx DiGraph over step values; it must be acyclic.
        step_slots: the slots holding the plan's steps, in plan order.
        require_predecessors: also blame a step whose graph ancestors are absent before it.

    Raises:
        InputError: the graph has a cycle (the message names one).

    >>> g = nx.DiGraph([("open", "take")])
    >>> precedence(g, ["s1", "s2"])({"s1": "take", "s2": "open"})[0].slots
    ('s1', 's2')
    """
    if not isinstance(graph, nx.DiGraph):
        raise InputError(f"precedence: graph must be a networkx DiGraph, got {type(graph).__name__}")
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        cycle = None
    if cycle is not None:
        nodes = [str(e[0]) for e in cycle] + [str(cycle[0][0])]
        raise InputError(f"precedence: the graph has a cycle {' -> '.join(nodes)}; precedence needs a DAG")
    return Precedence(graph, _names(step_slots, "precedence"), require_predecessors)


@dataclass(frozen=True)
class CountBounds:
    """How many named slots hold a matching value stays within [min_count, max_count]."""

    slot_names: tuple[str, ...]
    predicate: Callable[[str], bool] = field(compare=False)
    what: str
    min_count: int | None = None
    max_count: int | None = None
    name: str = "count_bounds"

    def __call__(self, values: Mapping[str, str]) -> list[Violation]:
        hits = tuple(s for s in self.slot_names if self.predicate(values.get(s, "")))
        misses = tuple(s for s in self.slot_names if s not in hits)
        if self.max_count is not None and len(hits) > self.max_count:
            # the surplus could be any of the holders, so all of them are blamed
            return [Violation(self.name, f"{len(hits)} slots hold {self.what}, at most {self.max_count} allowed",
                              slots=hits, details={"count": len(hits)})]
        if self.min_count is not None and len(hits) < self.min_count:
            return [Violation(self.name, f"{len(hits)} slots hold {self.what}, at least {self.min_count} needed",
                              slots=misses, details={"count": len(hits)})]
        return []


def count_bounds(
    slot_names: Iterable[str],
    *,
    value: str | None = None,
    regex: str | None = None,
    min_count: int | None = None,
    max_count: int | None = None,
) -> CountBounds:
    """Bound how many of `slot_names` hold `value` (or match `regex`; neither: are non-empty).

    Too many blames the slots that hold it; too few blames the slots that do not.

    >>> steps = count_bounds(["s1", "s2", "s3"], min_count=2)
    >>> steps({"s1": "go", "s2": "", "s3": ""})[0].slots
    ('s2', 's3')
    """
    if value is not None and regex is not None:
        raise InputError("count_bounds: give value or regex, not both")
    if min_count is None and max_count is None:
        raise InputError("count_bounds: give min_count, max_count or both")
    if min_count is not None and max_count is not None and min_count > max_count:
        raise InputError(f"count_bounds: min_count {min_count} exceeds max_count {max_count}")
    if regex is not None:
        pattern = matches("_", regex).pattern
        return CountBounds(_names(slot_names, "count_bounds"), lambda v: bool(pattern.fullmatch(v)),
                           f"a value matching /{regex}/", min_count, max_count)
    if value is not None:
        return CountBounds(_names(slot_names, "count_bounds"), lambda v: v == value, repr(value), min_count, max_count)
    return CountBounds(_names(slot_names, "count_bounds"), lambda v: v.strip() != "", "a value", min_count, max_count)


FieldSpec = Mapping[str, "str | Sequence[str]"]


@dataclass(frozen=True)
class PydanticCheck:
    """The assembled output validates against a pydantic model; failing fields blame their slots."""

    model_cls: type[pydantic.BaseModel]
    assemble: Callable[[Mapping[str, str]], Any] | None = field(compare=False)
    fields: FieldSpec | None = field(default=None, compare=False)
    name: str = "schema"

    def _data(self, values: Mapping[str, str]) -> Any:
        if self.assemble is not None:
            return self.assemble(values)
        if self.fields is not None:
            return {f: (values.get(s, "") if isinstance(s, str) else [values.get(x, "") for x in s])
                    for f, s in self.fields.items()}
        return dict(values)

    def _blame(self, loc: tuple) -> tuple[str, ...]:
        """The slots behind an error location: ("steps", 2, ...) -> the third slot of "steps"."""
        if not loc:
            return ()
        head = str(loc[0])
        spec = None if self.fields is None else self.fields.get(head)
        if spec is None:
            return (head,) if self.fields is None else ()
        if isinstance(spec, str):
            return (spec,)
        if len(loc) > 1 and isinstance(loc[1], int) and 0 <= loc[1] < len(spec):
            return (spec[loc[1]],)
        return tuple(spec)

    def __call__(self, values: Mapping[str, str]) -> list[Violation]:
        try:
            data = self._data(values)
        except (ValueError, TypeError, KeyError, IndexError) as err:
            return [Violation(self.name, f"the output could not be assembled: {err}", kind="schema")]
        try:
            self.model_cls.model_validate(data)
        except pydantic.ValidationError as err:
            return [Violation(self.name, f"{'.'.join(map(str, e['loc'])) or 'output'}: {e['msg']}", kind="schema",
                              slots=self._blame(tuple(e["loc"])), details={"loc": list(e["loc"])})
                    for e in err.errors()]
        return []


def pydantic_check(
    model_cls: type[pydantic.BaseModel],
    assemble: Callable[[Mapping[str, str]], Any] | FieldSpec | None = None,
    *,
    field_slots: FieldSpec | None = None,
) -> PydanticCheck:
    """Validate the output assembled from slot values with `model_cls`.

    Args:
        model_cls: a pydantic model class.
        assemble: how slot values become the model's input. None: the values dict itself
            (field names are slot names). A mapping field -> slot name (the field gets that
            slot's value) or field -> list of slot names (a list of their values). A callable
            values -> data; then give `field_slots` (same mapping form) to say which slots
            each field comes from, or errors name no slot (and every slot is reopened).
        field_slots: with a callable `assemble`, field -> slot name(s) for blaming.

    >>> class Step(pydantic.BaseModel):
    ...     count: int
    >>> pydantic_check(Step, {"count": "n"})({"n": "three"})[0].slots
    ('n',)
    """
    if not (isinstance(model_cls, type) and issubclass(model_cls, pydantic.BaseModel)):
        raise InputError(f"pydantic_check: model_cls must be a pydantic BaseModel class, got {model_cls!r}")
    if callable(assemble):
        return PydanticCheck(model_cls, assemble, field_slots or {})
    if assemble is not None and not isinstance(assemble, Mapping):
        raise InputError("pydantic_check: assemble must be None, a mapping or a callable, "
                         f"got {type(assemble).__name__}")
    return PydanticCheck(model_cls, None, assemble)
