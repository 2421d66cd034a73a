"""Other schema forms LangChain users pass (TypedDict, JSON Schema) as pydantic models.

Structured output for these returns plain dicts, as LangChain's own models do.
"""

from __future__ import annotations

import datetime
import typing
import uuid
from typing import Any, Literal, Optional

import typing_extensions
from pydantic import BaseModel, Field, create_model

from constraints import InputError

_JSON_TYPES: dict[str, Any] = {"string": str, "integer": int, "number": float, "boolean": bool}


def as_pydantic(schema: Any) -> tuple[type[BaseModel], bool]:
    """(a pydantic model class, whether results should be returned as dicts) for `schema`.

    Accepts a pydantic BaseModel class, a TypedDict class, or a JSON Schema dict of an object.

    Raises:
        InputError: any other form, or a JSON Schema construct with no template equivalent.
    """
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return schema, False
    if isinstance(schema, type) and typing_extensions.is_typeddict(schema):
        hints = typing.get_type_hints(schema, include_extras=True)
        required = getattr(schema, "__required_keys__", set(hints))
        fields = {name: (hint, ... if name in required else None) for name, hint in hints.items()}
        return create_model(schema.__name__, __doc__=schema.__doc__, **fields), True
    if isinstance(schema, dict) and schema.get("type") == "object" and "properties" in schema:
        return _from_json_schema(schema, schema.get("title", "Output")), True
    raise InputError(
        f"structured output needs a pydantic BaseModel class, a TypedDict or a JSON Schema object, got {schema!r}"
    )


def _from_json_schema(schema: dict, name: str) -> type[BaseModel]:
    required = set(schema.get("required", []))
    fields: dict[str, Any] = {}
    for key, spec in schema["properties"].items():
        annotation = _json_type(spec, f"{name}_{key}")
        info = Field(... if key in required else None, description=spec.get("description"))
        fields[key] = (annotation if key in required else Optional[annotation], info)
    return create_model(str(name).replace(" ", "_") or "Output", __doc__=schema.get("description"), **fields)


def _email() -> Any:
    from dream_agent.runnables.schema_template import FORMATS

    return typing.Annotated[str, Field(pattern=FORMATS["email"][0])]


# JSON Schema string formats with a template equivalent (each a pattern slot)
_FORMATS = {"date": lambda: datetime.date, "time": lambda: datetime.time, "uuid": lambda: uuid.UUID, "email": _email}


def _json_type(spec: dict, name: str) -> Any:
    if "anyOf" in spec or "oneOf" in spec:
        # a template slot has one type: take the first alternative it can express (strings first)
        options = [s for s in spec.get("anyOf", spec.get("oneOf")) if s.get("type") != "null"]
        options.sort(key=lambda s: s.get("type") != "string")
        for option in options:
            try:
                return _json_type({**option, **{k: v for k, v in spec.items() if k == "description"}}, name)
            except InputError:
                continue
    if "enum" in spec:
        return Literal[tuple(spec["enum"])]
    kind = spec.get("type")
    if kind == "object" and spec.get("properties"):
        return _from_json_schema(spec, spec.get("title", name))
    if kind == "array":
        item = _json_type(spec.get("items", {"type": "string"}), name + "_item")
        bounds = {k: spec[j] for k, j in (("max_length", "maxItems"), ("min_length", "minItems")) if j in spec}
        return typing.Annotated[list[item], Field(**bounds)] if bounds else list[item]
    if kind == "string" and spec.get("format") in _FORMATS:
        return _FORMATS[spec["format"]]()
    if kind in _JSON_TYPES:
        bounds = {k: spec[j] for k, j in (("ge", "minimum"), ("le", "maximum"), ("gt", "exclusiveMinimum"),
                                          ("lt", "exclusiveMaximum"), ("max_length", "maxLength"),
                                          ("min_length", "minLength"), ("pattern", "pattern")) if j in spec}
        return typing.Annotated[_JSON_TYPES[kind], Field(**bounds)] if bounds else _JSON_TYPES[kind]
    raise InputError(f"JSON Schema property {name!r}: {spec!r} has no template equivalent; "
                     "allowed: string, integer, number, boolean, enum, array, object with properties")
