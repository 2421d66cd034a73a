"""Structured output with pattern slots: string patterns, formats, bounded ints and floats."""

from __future__ import annotations

import datetime
import re
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from dream_agent.loading import load_model
from dream_agent.runnables.schema_convert import _json_type
from dream_agent.runnables.schema_template import FORMATS, int_range_pattern, schema_template
from dream_agent.runnables.structured import fill_schema
from dream_agent.testing import build_random_dream_checkpoint
from planners.options import PlanOptions


class Event(BaseModel):
    code: str = Field(pattern=r"[A-Z]{3}-\d{2}")
    day: datetime.date
    at: datetime.time
    id: uuid.UUID
    year: int = Field(ge=-20000, le=20000)
    score: float = Field(ge=-5.5, le=12.25)


@settings(max_examples=60, deadline=None)
@given(lo=st.integers(-3000, 3000), width=st.integers(0, 3000))
def test_int_range_pattern_is_exact(lo, width):
    pattern = int_range_pattern(lo, lo + width)
    assert all(bool(re.fullmatch(pattern, str(n))) == (lo <= n <= lo + width) for n in range(lo - 50, lo + width + 50))


def test_formats_bounds_and_patterns_become_pattern_slots():
    slots = {s.name: s for s in schema_template(Event).template.slots}
    assert slots["code"].pattern == r"[A-Z]{3}-\d{2}" and slots["day"].pattern == FORMATS["date"][0]
    assert slots["id"].pattern == FORMATS["uuid"][0] and slots["year"].pattern == int_range_pattern(-20000, 20000)
    assert slots["score"].pattern.startswith("-?")


def test_json_schema_formats_and_patterns():
    assert _json_type({"type": "string", "format": "date"}, "d") is datetime.date
    email = _json_type({"type": "string", "format": "email"}, "e")
    assert schema_template(type("M", (BaseModel,), {"__annotations__": {"e": email}})).template.slots[0].pattern


def test_filled_events_validate_on_random_dream(tmp_path):
    lm = load_model(build_random_dream_checkpoint(tmp_path / "d"))
    st_ = schema_template(Event)
    for seed in range(1):
        result = fill_schema(lm, st_, lm.tokenizer.encode("Event:"),
                             options=PlanOptions.of(seed=seed, temperature=1.0, max_rounds=8))
        assert re.fullmatch(r"[A-Z]{3}-\d{2}", result.values["code"])
        assert re.fullmatch(FORMATS["uuid"][0], result.values["id"])
        assert -20000 <= int(result.values["year"]) <= 20000
        assert result.instance is not None, result.errors
