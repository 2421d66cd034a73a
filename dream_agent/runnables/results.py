"""What the planner runnable returns: plan results and their mergeable stream chunks.

Pydantic models at the boundary; no torch and no langchain here.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from constraints import Violation


class ViolationModel(BaseModel):
    """One violation as JSON-ready data (see `constraints.Violation`)."""

    model_config = ConfigDict(frozen=True)

    constraint: str
    kind: str
    reason: str
    slots: list[str] = Field(default_factory=list)
    steps: list[int] = Field(default_factory=list)
    cells: list[list[int]] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def of(cls, violation: Violation | Mapping[str, Any]) -> ViolationModel:
        """From a `Violation` or its dict form."""
        data = violation.to_dict() if isinstance(violation, Violation) else dict(violation)
        return cls.model_validate(data)


class PlanOutput(BaseModel):
    """The result of planning one problem.

    Attributes:
        env: the environment's name.
        solved: the plan passed every checker.
        plan: the plan as JSON-ready data (the Sudoku solution string, a list of actions, ...).
        values: the filled slot values the plan was read from.
        text: the filled template.
        violations: what is still wrong (empty when solved).
        rounds, nfe, seconds: refine rounds, model forward calls, wall time.
        constraints: the hard-constraint tier the plan was made at ("none", "local", "search").
        removed_steps: detours dropped from the drafted valid plan (the `shorten` option).
    """

    env: str
    solved: bool
    plan: Any = None
    values: dict[str, str] = Field(default_factory=dict)
    text: str = ""
    violations: list[ViolationModel] = Field(default_factory=list)
    rounds: int = 0
    nfe: int = 0
    seconds: float = 0.0
    constraints: str = "local"
    removed_steps: int = 0

    def summary(self) -> str:
        """One short line for a language model reading a tool's answer."""
        if self.solved:
            return f"solved ({self.rounds} rounds, {self.nfe} model calls): {_short(self.plan)}"
        reasons = "; ".join(v.reason for v in self.violations[:3])
        more = f" (+{len(self.violations) - 3} more)" if len(self.violations) > 3 else ""
        return f"not solved after {self.rounds} rounds; {len(self.violations)} violations: {reasons}{more}"


class PlanChunk(BaseModel):
    """A piece of a streamed plan result; chunks add up (`a + b`) to the whole result.

    The stream first carries final slot values (one chunk per slot, in template order), then one
    chunk with the plan and its figures. `values` merge; other fields take the later chunk's value
    where it has one.
    """

    env: str | None = None
    solved: bool | None = None
    plan: Any = None
    values: dict[str, str] = Field(default_factory=dict)
    text: str | None = None
    violations: list[ViolationModel] | None = None
    rounds: int | None = None
    nfe: int | None = None
    seconds: float | None = None
    constraints: str | None = None
    removed_steps: int | None = None

    def __add__(self, other: Any) -> PlanChunk:
        if not isinstance(other, PlanChunk):
            return NotImplemented
        merged = self.model_dump()
        for name, value in other.model_dump().items():
            if name == "values":
                merged["values"] = {**merged["values"], **value}
            elif value is not None:
                merged[name] = value
        return PlanChunk.model_validate(merged)

    def to_output(self) -> PlanOutput:
        """The complete result (raises if the stream stopped before its last chunk)."""
        return PlanOutput.model_validate({k: v for k, v in self.model_dump().items() if v is not None})


def chunks_of(output: PlanOutput, slot_order: Iterable[str]) -> list[PlanChunk]:
    """The stream of `output`: one chunk per slot value, then the rest."""
    order = list(slot_order)
    chunks = [PlanChunk(values={name: output.values[name]}) for name in order if name in output.values]
    rest = output.model_dump(exclude={"values"})
    chunks.append(PlanChunk.model_validate({**rest, "values": {k: v for k, v in output.values.items() if k not in order}}))
    return chunks


def _short(plan: Any, limit: int = 300) -> str:
    text = plan if isinstance(plan, str) else ", ".join(map(str, plan)) if isinstance(plan, (list, tuple)) else str(plan)
    return text if len(text) <= limit else text[: limit - 3] + "..."
