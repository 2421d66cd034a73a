"""A recipe file: a JSON object of recipe fields that replace a built-in recipe's, for `train --recipe`.

    {"steps": 20000, "max_length": 128,
     "stages": [{"knobs": [{"n": 3}], "examples": 20000},
                {"knobs": [{"n": 6}], "start": 0.3, "examples": 30000}]}

Fields left out keep the built-in value. Every stage's knobs are tried on the environment's
generator before any data is made, so a misspelt knob fails at once, not an hour into a run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from constraints.errors import InputError
from constraints.limits import read_text
from dream_agent.training.recipes import Stage


class StageFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    knobs: list[dict[str, Any]] = Field(min_length=1, description="generator settings, one dict each")
    start: float = Field(0.0, ge=0.0, lt=1.0, description="fraction of the steps at which the stage joins")
    examples: int = Field(4000, ge=1, description="instances generated per knob setting")


class RecipeFields(BaseModel):
    """The recipe fields a file may set (see `dream_agent.training.recipes.Recipe`)."""

    model_config = ConfigDict(extra="forbid")

    stages: Optional[list[StageFields]] = Field(None, min_length=1)
    dim: Optional[int] = Field(None, ge=8)
    n_layers: Optional[int] = Field(None, ge=1)
    n_heads: Optional[int] = Field(None, ge=1)
    ffn_dim: Optional[int] = Field(None, ge=8)
    max_length: Optional[int] = Field(None, ge=8)
    batch_size: Optional[int] = Field(None, ge=1)
    lr: Optional[float] = Field(None, gt=0.0)
    warmup: Optional[int] = Field(None, ge=0)
    weight_decay: Optional[float] = Field(None, ge=0.0)
    steps: Optional[int] = Field(None, ge=0)
    weighting: Optional[Literal["mdlm", "mgdm"]] = None
    eval_knobs: Optional[dict[str, Any]] = None
    eval_n: Optional[int] = Field(None, ge=1)
    shift: Optional[bool] = None
    solutions: Optional[Literal["oracle", "sampled"]] = None


def read_recipe_file(path: str | Path, env: Any) -> dict[str, Any]:
    """The overrides in the recipe file at `path` for `env`; a bad file raises one InputError line."""
    text = read_text(Path(path), "recipe file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"recipe file {str(path)!r} is not JSON: {err.msg} (line {err.lineno})") from None
    try:
        fields = RecipeFields.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the file"
        allowed = ", ".join(RecipeFields.model_fields)
        raise InputError(f"recipe file {str(path)!r}: {where}: {first['msg']} (fields: {allowed})") from None
    overrides = fields.model_dump(exclude_none=True, exclude={"stages"})
    if fields.stages is not None:
        overrides["stages"] = tuple(Stage(tuple(s.knobs), s.start, s.examples) for s in fields.stages)
        for i, stage in enumerate(overrides["stages"]):
            for knobs in stage.knobs:
                _try_knobs(env, knobs, f"recipe file {str(path)!r}: stage {i + 1}")
    if "eval_knobs" in overrides:
        _try_knobs(env, overrides["eval_knobs"], f"recipe file {str(path)!r}: eval_knobs")
    return overrides


def _try_knobs(env: Any, knobs: dict[str, Any], where: str) -> None:
    """Generate one instance with `knobs`, so that an unknown or bad knob is reported now."""
    try:
        env.generate(0, **knobs)
    except InputError as err:
        raise InputError(f"{where}: knobs {knobs}: {err}") from None
    except (TypeError, ValueError) as err:
        raise InputError(f"{where}: knobs {knobs} are not accepted by {env.name}'s generator ({err})") from None
