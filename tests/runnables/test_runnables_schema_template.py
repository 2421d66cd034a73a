"""Pydantic schema -> template: fixed JSON keys, typed value slots, assembly, and blame on failure."""

from __future__ import annotations

import enum
import json
from typing import Literal, Optional

import pytest
from pydantic import BaseModel, Field, field_validator

from constraints import Slot
from dream_agent.runnables.schema_template import schema_template


class Shade(enum.Enum):
    light = "light"
    dark = "dark"


class Place(BaseModel):
    room: str
    floor: int = Field(ge=0, le=3)


class Item(BaseModel):
    name: str
    count: int
    price: float
    fragile: bool
    shade: Shade
    size: Literal["S", "M"]
    tags: list[str] = Field(max_length=2)
    code: str = Field(max_length=4)
    place: Place
    note: Optional[str] = None


def test_template_text_and_slots():
    st = schema_template(Item)
    skeleton = st.template.fill({s.name: "#" for s in st.template.slots})
    assert skeleton == ('{"name": "#", "count": #, "price": #.#, "fragile": #, "shade": "#", "size": "#", '
                        '"tags": ["#", "#"], "code": "#", "place": {"room": "#", "floor": #}, "note": "#"}')
    slots = {s.name: s for s in st.template.slots}
    assert slots["fragile"].choices == ("true", "false") and slots["shade"].choices == ("light", "dark")
    assert slots["size"].choices == ("S", "M") and slots["place.floor"].choices == ("0", "1", "2", "3")
    assert slots["code"].max_length == 4 and st.field("code").token_class == "char"
    assert st.field("count").token_class == "digits" and st.field("name").token_class == "text"
    assert [st.field(n).required for n in ("tags.0", "tags.1")] == [True, False]


def test_values_round_trip_and_short_lists():
    st = schema_template(Item)
    item = Item(name="cup", count=12, price=3.5, fragile=True, shade=Shade.dark, size="M", tags=["a"], code="x1",
                place=Place(room="hall", floor=2), note="ok")
    values = st.values_of(item)
    assert values["tags.1"] == "" and values["price#int"] == "3" and values["price#frac"] == "5"
    instance, blamed, errors = st.validate(values)
    assert instance == item and blamed == [] and errors == []
    assert json.loads(st.template.fill(values))["place"] == {"room": "hall", "floor": 2}


def test_failures_blame_their_slots():
    class Odd(BaseModel):
        a: int
        b: int

        @field_validator("b")
        @classmethod
        def _odd(cls, value: int) -> int:
            if value % 2 == 0:
                raise ValueError("b must be odd")
            return value

    st = schema_template(Odd)
    instance, blamed, errors = st.validate({"a": "1", "b": "4"})
    assert instance is None and blamed == ["b"] and "b must be odd" in errors[0]
    [violation] = st.violations({"a": "x", "b": "3"})  # "x" is not a number
    assert violation.slots == ("a",) and violation.kind == "schema"


def test_unsupported_types_are_named():
    class Bad(BaseModel):
        pairs: dict[str, int]

    with pytest.raises(ValueError, match="pairs.*not supported"):
        schema_template(Bad)
    with pytest.raises(ValueError, match="BaseModel"):
        schema_template(dict)


def test_wide_int_ranges_become_pattern_slots_of_the_exact_range():
    class Zip(BaseModel):
        code: int = Field(ge=10000, le=99999)

    st = schema_template(Zip)
    assert st.template.slots == (Slot("code", max_length=7, pattern="[1-9]\\d\\d\\d\\d"),)
    assert st.field("code").token_class is None
    assert st.validate({"code": "123"})[1] == ["code"]  # out of range: remasked
