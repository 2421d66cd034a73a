"""What the fuzz tests share: the run sizes (a quick default, a long run under `-m slow`) and the contract.

The contract of every parser of user text: a value, or the package's `InputError` with a message;
never another exception, never a hang (each example has a deadline).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constraints.errors import InputError

# examples per property: the default run, and the long run (`pytest -m slow tests/fuzz`)
SIZES = [pytest.param(60, id="quick"), pytest.param(3000, id="long", marks=pytest.mark.slow)]
DEADLINE = timedelta(seconds=5)  # one example; generous for a loaded shared machine, far below a hang


def fuzz(examples: int, strategy: st.SearchStrategy, check: Callable[[Any], None]) -> None:
    """Run `check` on `examples` values drawn from `strategy`, each within DEADLINE."""
    run = settings(max_examples=examples, deadline=DEADLINE, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                          HealthCheck.data_too_large])(given(strategy)(check))
    run()


def value_or_input_error(parse: Callable[[Any], Any], data: Any) -> Any:
    """`parse(data)`, or None when it raised InputError with a message; any other exception fails the test."""
    try:
        return parse(data)
    except InputError as err:
        assert str(err).strip(), f"InputError without a message for {data!r}"
        return None


# JSON values, nested a little; strings drawn from a small alphabet so that keys sometimes match
SCALARS = st.none() | st.booleans() | st.integers(-10**13, 10**13) | st.floats(allow_nan=True) | \
    st.text("0123456789.,-+*/= abc{}[]()\n", max_size=30)
KEYS = st.sampled_from(["puzzle", "givens", "size", "numbers", "target", "input", "output", "id", "env", "problem",
                        "plan", "answer", "solution", "options", "objects", "task", "goal", "x"]) | st.text(max_size=5)
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(KEYS, inner, max_size=5),
                           max_leaves=20)
JSON_TEXT = JSON_VALUES.map(lambda v: json.dumps(v, allow_nan=True))


def deep_json(depth: int) -> str:
    """JSON text nested `depth` levels deep."""
    return "[" * depth + "]" * depth
