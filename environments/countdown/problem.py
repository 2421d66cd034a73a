"""Countdown problems at the boundary: the pydantic problem and parsing of the datasets' formats.

Accepted: Dream's / "Beyond Autoregression"'s "86,28,13,31,96" (numbers, then the target), their
JSON lines {"input": ..., "output": ...}, d1's {"input": "30,100,93", "output": "23"} (output =
target), and dicts {"numbers": [...], "target": T}.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from constraints.errors import InputError
from constraints.limits import loads_json

MAX_NUMBERS = 8
MAX_NUMBER = 999_999
MAX_TARGET = 999_999_999
_WHOLE = re.compile(r"[0-9]{1,12}")


class CountdownProblem(BaseModel):
    """Reach `target` from `numbers` (each used once) with + - * and exact division."""

    model_config = ConfigDict(frozen=True)

    numbers: tuple[int, ...]
    target: int

    @field_validator("numbers", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(whole_number(tok, "number") for tok in re.split(r"[,\s]+", value.strip()) if tok)
        return value

    @field_validator("target", mode="before")
    @classmethod
    def _target(cls, value: Any) -> Any:
        return whole_number(value, "target") if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check(self) -> CountdownProblem:
        if not 2 <= len(self.numbers) <= MAX_NUMBERS:
            raise InputError(f"countdown needs 2 to {MAX_NUMBERS} numbers, got {len(self.numbers)}")
        for x in self.numbers:
            if not 1 <= x <= MAX_NUMBER:
                raise InputError(f"number {x} is out of range; numbers must be 1..{MAX_NUMBER}")
        if not 0 <= self.target <= MAX_TARGET:
            raise InputError(f"target {self.target} is out of range; targets must be 0..{MAX_TARGET}")
        return self

    def as_input(self) -> str:
        """Dream's input line: the numbers, then the target, comma-separated."""
        return ",".join(str(x) for x in (*self.numbers, self.target))


def whole_number(text: Any, what: str) -> int:
    """A whole number from text of digits (at most 12, so huge inputs never reach int())."""
    token = str(text).strip()
    if not _WHOLE.fullmatch(token):
        shown = token if len(token) <= 30 else token[:27] + "..."
        if token and all(ch in "0123456789" for ch in token):
            raise InputError(f"{what} {shown!r} is too large; at most 12 digits")
        raise InputError(f"{what} {shown!r} is not a whole number (digits only)")
    return int(token)


def parse_countdown(data: Any) -> CountdownProblem:
    """A CountdownProblem from any accepted form.

    Raises:
        InputError: naming the bad value (not a number, too large, too few numbers, bad type).
    """
    if isinstance(data, CountdownProblem):
        return data
    try:
        return CountdownProblem.model_validate(_as_fields(data))
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ()))
        message = str(first.get("msg", err)).removeprefix("Value error, ")
        raise InputError(f"{where}: {message}" if where else message) from None


def _as_fields(data: Any) -> dict[str, Any]:
    if isinstance(data, str):
        text = data.strip()
        if text.startswith("{"):
            try:
                return _as_fields(loads_json(text, "countdown input"))
            except json.JSONDecodeError as err:
                raise InputError(f"countdown input looks like JSON but does not parse: {err}") from None
        values = [whole_number(tok, "number") for tok in re.split(r"[,\s]+", text) if tok]
        if len(values) < 3:
            raise InputError(f"give the numbers then the target, e.g. '86,28,13,31,96'; got {text!r}")
        return {"numbers": tuple(values[:-1]), "target": values[-1]}
    if isinstance(data, dict):
        if "numbers" in data:
            if "target" not in data:
                raise InputError("a countdown dict with 'numbers' also needs 'target'")
            return {"numbers": data["numbers"], "target": data["target"]}
        if "input" in data:
            output = str(data.get("output", "")).strip()
            if output and "=" not in output:  # d1's format: input = numbers, output = target
                return {"numbers": data["input"], "target": output}
            return _as_fields(str(data["input"]))
        raise InputError(f"a countdown dict needs 'numbers' and 'target', or 'input'; got keys {sorted(data)}")
    raise InputError(f"cannot read a countdown problem from {type(data).__name__}; give a string or a dict")
