"""Structured output as a plan template: a pydantic schema becomes fixed JSON keys and value slots.

Enumerations (Literal, Enum, bool, small bounded ints) become domain slots; strings with a
`pattern`, dates, times and UUIDs, larger bounded ints and bounded floats become pattern slots
(`planners.patterns`); other values become slots whose tokens are restricted by class (text,
digits), so a filled template always parses.

Bounds as patterns: a bounded int's pattern is the exact range (`int_range_pattern`), so every
value is in range by construction; a bounded float's pattern fixes the sign and the integer
digits the bounds allow, and pydantic's own check of the exact bound blames the slot otherwise.
"""

from __future__ import annotations

import datetime
import enum
import json
import math
import types
import typing
import uuid
from dataclasses import dataclass
from typing import Any, Literal, Mapping

import annotated_types
from pydantic import BaseModel, ValidationError

from constraints import InputError, Slot, Template, Violation
from dream_agent.runnables.schema_values import compact_lists, convert_text, get_value, put_value, is_related, to_float

MAX_DEPTH = 32  # nested fields and list items, outermost first
MAX_SEGMENTS = 16_384  # fixed texts and slots of one template: far past any model's canvas

# How a slot's text becomes a Python value before pydantic sees it.
Convert = Literal["str", "int", "bool", "literal", "float_int", "float_frac"]
# Which tokens a non-domain slot may hold (the chat model turns this into a logits hook).
TokenClass = Literal["text", "char", "digits"]


@dataclass(frozen=True)
class FieldSlot:
    """One slot of a schema template and where its value goes.

    Attributes:
        slot: the slot's name in the template.
        path: keys and list indices locating the value in the output object.
        convert: how the slot's text becomes a value.
        token_class: allowed tokens for non-domain slots (None for domain slots).
        required: the slot must hold at least one token (list items past min_length may be empty).
        choices: for domain slots, the Python value behind each allowed text.
    """

    slot: str
    path: tuple[str | int, ...]
    convert: Convert
    token_class: TokenClass | None = None
    required: bool = True
    choices: tuple[tuple[str, Any], ...] = ()
    pattern: str | None = None


# JSON Schema string formats as the patterns of their slots (and the tokens each reserves)
FORMATS: dict[str, tuple[str, int]] = {
    "date": (r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", 12),
    "time": (r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?", 10),
    "uuid": (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", 40),
    "email": (r"[a-z0-9._+-]{1,16}@[a-z0-9-]{1,12}(\.[a-z]{2,6}){1,2}", 32),
}
_FORMAT_TYPES = {datetime.date: "date", datetime.time: "time", uuid.UUID: "uuid"}


def int_range_pattern(lo: int, hi: int) -> str:
    """A regular expression matching exactly the integers lo..hi as written in JSON.

    >>> import re
    >>> p = int_range_pattern(-12, 105)
    >>> [n for n in range(-200, 300) if re.fullmatch(p, str(n))] == list(range(-12, 106))
    True
    """
    if lo > hi:
        raise InputError(f"empty integer range {lo}..{hi}")
    parts = []
    if lo < 0:
        parts.append("-(" + "|".join(_non_negative(max(1, -hi), -lo)) + ")")
    if hi >= 0:
        parts.extend(_non_negative(max(lo, 0), hi))
    return "|".join(parts)


def _non_negative(lo: int, hi: int) -> list[str]:
    out = []
    for n in range(len(str(lo)), len(str(hi)) + 1):
        a, b = max(lo, 10 ** (n - 1) if n > 1 else 0), min(hi, 10 ** n - 1)
        if a <= b:
            out.extend(_same_length(str(a), str(b)))
    return out


def _same_length(a: str, b: str) -> list[str]:
    """Patterns for the numbers a..b, both written with the same number of digits."""
    if a == b:
        return [a]
    if set(a[1:]) <= {"0"} and set(b[1:]) <= {"9"}:  # a whole block: first digit a range, the rest any digit
        head = a[0] if a[0] == b[0] else f"[{a[0]}-{b[0]}]"
        return [head + r"\d" * (len(a) - 1)]
    if len(a) == 1:
        return [f"[{a}-{b}]"]
    if a[0] == b[0]:
        return [a[0] + x for x in _same_length(a[1:], b[1:])]
    rest = len(a) - 1
    out = [a[0] + x for x in _same_length(a[1:], "9" * rest)]
    if int(b[0]) - int(a[0]) > 1:
        out.append(f"[{int(a[0]) + 1}-{int(b[0]) - 1}]" + r"\d" * rest)
    return out + [b[0] + x for x in _same_length("0" * rest, b[1:])]


@dataclass(frozen=True)
class SchemaTemplate:
    """A pydantic schema compiled to a template, with the way back from slot values to an instance."""

    schema: type[BaseModel]
    template: Template
    fields: tuple[FieldSlot, ...]

    def field(self, slot: str) -> FieldSlot:
        """The field spec of a slot name."""
        for spec in self.fields:
            if spec.slot == slot:
                return spec
        raise KeyError(f"no slot named {slot!r}; slots: {', '.join(f.slot for f in self.fields)}")

    def assemble(self, values: Mapping[str, str]) -> dict[str, Any]:
        """The JSON-ready object spelled by slot values (before validation)."""
        obj: dict[str, Any] = {}
        floats: dict[tuple, dict[str, str]] = {}
        for spec in self.fields:
            text = values.get(spec.slot, "").strip()
            if spec.convert in ("float_int", "float_frac"):
                floats.setdefault(spec.path, {})[spec.convert] = text
                if len(floats[spec.path]) == 2:
                    parts = floats[spec.path]
                    put_value(obj, spec.path, to_float(parts["float_int"], parts["float_frac"]))
                continue
            if not text and not spec.required and isinstance(spec.path[-1], int):
                put_value(obj, spec.path, None, only_container=True)
                continue  # an optional list item left empty: the list is shorter
            put_value(obj, spec.path, convert_text(spec, text))
        return compact_lists(obj)

    def validate(self, values: Mapping[str, str]) -> tuple[BaseModel | None, list[str], list[str]]:
        """Validate slot values against the schema.

        Returns:
            (instance or None, slot names to remask, pydantic's error messages).
        """
        try:
            return self.schema.model_validate(self.assemble(values)), [], []
        except ValidationError as err:
            blamed: list[str] = []
            messages: list[str] = []
            for error in err.errors():
                loc = tuple(error["loc"])
                messages.append(f"{'.'.join(map(str, loc)) or '(model)'}: {error['msg']}")
                hit = [f.slot for f in self.fields if is_related(f.path, loc)]
                blamed.extend(s for s in (hit or [f.slot for f in self.fields]) if s not in blamed)
            return None, blamed, messages

    def violations(self, values: Mapping[str, str]) -> list[Violation]:
        """The schema's verdict on slot values as violations blaming the slots to remask."""
        try:
            self.schema.model_validate(self.assemble(values))
            return []
        except ValidationError as err:
            found = []
            for error in err.errors():
                loc = tuple(error["loc"])
                slots = tuple(f.slot for f in self.fields if is_related(f.path, loc)) or tuple(f.slot for f in self.fields)
                where = ".".join(map(str, loc)) or self.schema.__name__
                found.append(Violation("schema", f"{where}: {error['msg']}", kind="schema", slots=slots))
            return found

    def values_of(self, instance: BaseModel) -> dict[str, str]:
        """Slot values that spell `instance` (the inverse of `assemble`, for tests and examples)."""
        data = instance.model_dump(mode="json")
        values: dict[str, str] = {}
        for spec in self.fields:
            value = get_value(data, spec.path)
            if spec.convert == "float_int":
                value = str(int(abs(float(value))))
            elif spec.convert == "float_frac":
                value = f"{float(value):.6f}".split(".")[1].rstrip("0") or "0"
            elif spec.convert == "bool":
                value = "true" if value else "false"
            values[spec.slot] = "" if value is None else str(value)
        return values

    def describe(self) -> str:
        """A one-line description of the expected object, for the prompt."""
        return f"Reply with a JSON object for {self.schema.__name__}: " + json.dumps(
            {name: info.description or _type_name(info.annotation) for name, info in self.schema.model_fields.items()}
        )


def schema_template(
    schema: type[BaseModel],
    *,
    str_tokens: int = 8,
    int_tokens: int = 4,
    frac_tokens: int = 2,
    list_items: int = 3,
    max_domain: int = 1000,
    pattern_tokens: int = 24,
) -> SchemaTemplate:
    """Compile a pydantic model class to a template of JSON keys (fixed) and value slots.

    Args:
        schema: a pydantic BaseModel subclass.
        str_tokens: tokens reserved for a string value (fewer when the field has a max_length).
        int_tokens: digit tokens reserved for an unbounded int.
        frac_tokens: digit tokens after the decimal point of a float.
        list_items: items reserved for a list without a max_length.
        max_domain: bounded ints with at most this many values become domain slots (wider ranges
            become pattern slots of their exact range).
        pattern_tokens: tokens reserved for a string with a `pattern`.

    Raises:
        InputError: a field type the template cannot express (dicts, unions of several types, ...).
    """
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        raise InputError(f"structured output needs a pydantic BaseModel class, got {schema!r}")
    sizes = dict(str_tokens=str_tokens, int_tokens=int_tokens, frac_tokens=frac_tokens, list_items=list_items,
                 max_domain=max_domain, pattern_tokens=pattern_tokens)
    segments: list[str | Slot] = []
    fields: list[FieldSlot] = []
    _model(schema, (), segments, fields, sizes)
    merged: list[str | Slot] = []
    for seg in segments:  # join adjacent fixed text
        if isinstance(seg, str) and merged and isinstance(merged[-1], str):
            merged[-1] += seg
        else:
            merged.append(seg)
    return SchemaTemplate(schema=schema, template=Template(tuple(merged)), fields=tuple(fields))


def _model(model: type[BaseModel], path: tuple, segments: list, fields: list, sizes: dict) -> None:
    segments.append("{")
    for i, (name, info) in enumerate(model.model_fields.items()):
        segments.append(("" if i == 0 else ", ") + json.dumps(name) + ": ")
        _value(info.annotation, list(info.metadata), path + (name,), segments, fields, sizes, required=True)
    segments.append("}")


def _value(annotation: Any, metadata: list, path: tuple, segments: list, fields: list, sizes: dict, *, required: bool) -> None:
    annotation, metadata = _unwrap(annotation, metadata)
    name = ".".join(map(str, path))
    if len(path) > MAX_DEPTH:  # a model that contains itself would recurse forever
        raise InputError(f"field {'.'.join(map(str, path[:3]))}...: the schema nests deeper than {MAX_DEPTH} levels "
                         "(a model that contains itself cannot be a fixed template)")
    if len(segments) > MAX_SEGMENTS:  # e.g. list[int] with max_length=10**9
        raise InputError(f"field {name!r}: the schema needs more than {MAX_SEGMENTS} template pieces; "
                         "bound its lists with a smaller max_length")
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        _model(annotation, path, segments, fields, sizes)
    elif origin in (list, tuple, set, frozenset) or annotation in (list, tuple, set):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis] or [str]
        lo, hi = _bound(metadata, annotated_types.MinLen, "min_length"), _bound(metadata, annotated_types.MaxLen, "max_length")
        count = hi if hi is not None else max(sizes["list_items"], lo or 0)
        segments.append("[")
        for i in range(count):
            segments.append("" if i == 0 else ", ")
            _value(args[0], [], path + (i,), segments, fields, sizes, required=required and i < (lo if lo is not None else 1))
        segments.append("]")
    elif annotation is bool:
        _domain(name, path, (("true", True), ("false", False)), "bool", segments, fields, quoted=False)
    elif origin is Literal or (isinstance(annotation, type) and issubclass(annotation, enum.Enum)):
        options = typing.get_args(annotation) if origin is Literal else tuple(annotation)
        raw = [o.value if isinstance(o, enum.Enum) else o for o in options]
        quoted = all(isinstance(r, str) for r in raw)
        _domain(name, path, tuple((str(r).lower() if isinstance(r, bool) else str(r), o) for r, o in zip(raw, options)), "literal", segments, fields, quoted=quoted)
    elif annotation in _FORMAT_TYPES:
        _pattern_slot(name, path, *FORMATS[_FORMAT_TYPES[annotation]], segments, fields, required, quoted=True)
    elif annotation is int:
        lo, hi = _int_bounds(metadata)
        if lo is not None and hi is not None and hi - lo + 1 <= sizes["max_domain"]:
            _domain(name, path, tuple((str(v), v) for v in range(lo, hi + 1)), "int", segments, fields, quoted=False)
        elif lo is not None and hi is not None:  # a wide range: its exact pattern, one token per digit and a sign
            width = max(len(str(lo)), len(str(hi)))
            _pattern_slot(name, path, int_range_pattern(lo, hi), width + 2, segments, fields, required, quoted=False)
        else:
            width = max(len(str(abs(b))) for b in (lo, hi) if b is not None) if (lo, hi) != (None, None) else sizes["int_tokens"]
            segments.append(Slot(name, max_length=width))
            fields.append(FieldSlot(name, path, "int", "digits", required))
    elif annotation is float and _float_bounds(metadata) != (None, None):
        lo, hi = _float_bounds(metadata)
        _pattern_slot(name, path, _float_pattern(lo, hi, sizes["frac_tokens"]), sizes["int_tokens"] + sizes["frac_tokens"] + 4,
                      segments, fields, required, quoted=False)
    elif annotation is float:
        segments.append(Slot(name + "#int", max_length=sizes["int_tokens"]))
        segments.append(".")
        segments.append(Slot(name + "#frac", max_length=sizes["frac_tokens"]))
        fields.append(FieldSlot(name + "#int", path, "float_int", "digits", True))
        fields.append(FieldSlot(name + "#frac", path, "float_frac", "digits", True))
    elif annotation is str and _pattern(metadata) is not None:
        _pattern_slot(name, path, _pattern(metadata), sizes["pattern_tokens"], segments, fields, required, quoted=True)
    elif annotation is str or annotation is Any:
        max_chars = _bound(metadata, annotated_types.MaxLen, "max_length")
        # A character limit: one character per token, so the slot cannot overflow it.
        size, token_class = (min(max_chars, 64), "char") if max_chars is not None else (sizes["str_tokens"], "text")
        segments.extend(['"', Slot(name, max_length=size), '"'])
        min_chars = _bound(metadata, annotated_types.MinLen, "min_length")
        fields.append(FieldSlot(name, path, "str", token_class, required and (min_chars is None or min_chars > 0)))
    else:
        raise InputError(
            f"field {name!r}: type {annotation!r} is not supported in structured output; "
            "allowed: str, int, float, bool, Literal, Enum, list of these, nested BaseModel, Optional of these"
        )


def _pattern_slot(name: str, path: tuple, pattern: str, size: int, segments: list, fields: list, required: bool,
                  *, quoted: bool) -> None:
    slot = Slot(name, max_length=size, pattern=pattern)
    segments.extend(['"', slot, '"'] if quoted else [slot])
    fields.append(FieldSlot(name, path, "str", None, required, pattern=pattern))


def _pattern(metadata: list) -> str | None:
    for item in metadata:
        found = getattr(item, "pattern", None)
        if isinstance(found, str):
            return found
        if hasattr(item, "metadata"):  # pydantic FieldInfo nested inside Annotated
            found = _pattern(list(item.metadata))
            if found is not None:
                return found
    return None


def _float_bounds(metadata: list) -> tuple[float | None, float | None]:
    lo = hi = None
    for item in metadata:
        for attr in ("ge", "gt"):
            if getattr(item, attr, None) is not None:
                lo = float(getattr(item, attr))
        for attr in ("le", "lt"):
            if getattr(item, attr, None) is not None:
                hi = float(getattr(item, attr))
    return lo, hi


def _float_pattern(lo: float | None, hi: float | None, frac: int) -> str:
    """Sign and integer digits within the bounds, then up to `frac` fraction digits; the exact bound is pydantic's."""
    sign = "-?" if lo is None or lo < 0 else ""
    if hi is not None and hi < 0:
        sign = "-"
    top = max(abs(b) for b in (lo, hi) if b is not None)
    whole = int_range_pattern(0, int(math.floor(top))) if top < 10 ** 9 else r"\d+"
    return f"{sign}({whole})(\\.\\d{{1,{frac}}})?"


def _domain(name: str, path: tuple, choices: tuple, convert: Convert, segments: list, fields: list, *, quoted: bool) -> None:
    slot = Slot(name, choices=tuple(text for text, _ in choices))
    segments.extend(['"', slot, '"'] if quoted else [slot])
    fields.append(FieldSlot(name, path, "literal" if convert in ("literal", "int") else convert, None, True, choices))


def _unwrap(annotation: Any, metadata: list) -> tuple[Any, list]:
    """Strip Annotated (collecting its metadata) and Optional."""
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            metadata = metadata + [m for m in extra]
            continue
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation, metadata


def _bound(metadata: list, kind: type, attr: str) -> int | None:
    for item in metadata:
        if isinstance(item, kind):
            return getattr(item, attr)
        if hasattr(item, "metadata"):  # pydantic FieldInfo nested inside Annotated
            found = _bound(list(item.metadata), kind, attr)
            if found is not None:
                return found
    return None


def _int_bounds(metadata: list) -> tuple[int | None, int | None]:
    lo = hi = None
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            lo = int(item.ge)
        elif isinstance(item, annotated_types.Gt):
            lo = int(item.gt) + 1
        elif isinstance(item, annotated_types.Le):
            hi = int(item.le)
        elif isinstance(item, annotated_types.Lt):
            hi = int(item.lt) - 1
        elif isinstance(item, annotated_types.Interval):
            parts = [annotated_types.Ge(item.ge), annotated_types.Gt(item.gt), annotated_types.Le(item.le), annotated_types.Lt(item.lt)]
            sub = _int_bounds([p for p in parts if next(iter(vars(p).values())) is not None])
            lo, hi = (sub[0] if sub[0] is not None else lo), (sub[1] if sub[1] is not None else hi)
    return lo, hi


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")
