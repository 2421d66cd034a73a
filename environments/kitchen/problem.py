"""The kitchen world: locations, objects, goals and user constraints as pydantic models."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Default layout: (x, y) positions in metres; travel cost is the Manhattan distance.
DEFAULT_LAYOUT: dict[str, tuple[int, int]] = {
    "counter": (0, 0),
    "table": (4, 0),
    "fridge": (0, 2),
    "cabinet": (1, 3),
    "sink": (1, 0),
    "microwave": (2, 3),
    "stove": (3, 3),
    "dishwasher": (2, 0),
    "shelf": (5, 2),
    "trash": (5, 0),
}
OPENABLE = ("fridge", "cabinet", "microwave", "dishwasher")
DEFAULT_CAPACITY = {"fridge": 3, "cabinet": 3, "microwave": 1, "dishwasher": 4, "stove": 2, "sink": 3}
OPEN_CAPACITY = 6  # receptacles not listed above (counter, table, shelf)
HEATERS = ("microwave", "stove")
STATES = ("clean", "hot", "cold", "sliced")
PROPERTIES = ("metal", "perishable", "sliceable", "knife")
# Object kinds and their properties; names are a kind, optionally followed by a digit ("plate2").
KINDS: dict[str, tuple[str, ...]] = {
    "mug": (), "cup": (), "plate": (), "bowl": (),
    "fork": ("metal",), "spoon": ("metal",), "pan": ("metal",), "can": ("metal",),
    "knife": ("metal", "knife"),
    "apple": ("perishable", "sliceable"), "tomato": ("perishable", "sliceable"),
    "lettuce": ("perishable", "sliceable"), "bread": ("sliceable",), "potato": ("sliceable",),
    "milk": ("perishable",), "egg": ("perishable",),
}
ACTIONS: dict[str, int] = {  # action name -> arity
    "goto": 1, "open": 1, "close": 1, "pick": 1, "place": 2,
    "wash": 1, "heat": 1, "cool": 1, "slice": 1, "throw": 1,
}


class KitchenObject(BaseModel):
    """An object: where it starts, its properties (metal, perishable, ...) and states (clean, hot, ...)."""

    model_config = ConfigDict(frozen=True)
    name: str
    location: str
    properties: tuple[str, ...] = ()
    states: tuple[str, ...] = ()


class GoalItem(BaseModel):
    """`object` must end in `location` ("trash" means thrown away) with every state in `states`."""

    model_config = ConfigDict(frozen=True)
    object: str
    location: str
    states: tuple[str, ...] = ()


class Before(BaseModel):
    """Action `first` must happen before every `then` action ("wash(mug)" before "place(mug, cabinet)")."""

    model_config = ConfigDict(frozen=True)
    type: Literal["before"] = "before"
    first: str
    then: str


class CloseWithin(BaseModel):
    """After each open(receptacle), a close(receptacle) must follow within `steps` steps."""

    model_config = ConfigDict(frozen=True)
    type: Literal["close_within"] = "close_within"
    receptacle: str
    steps: int = Field(ge=1)


class Deadline(BaseModel):
    """`object` must be placed in `location` at plan step `step` (0-based) or earlier."""

    model_config = ConfigDict(frozen=True)
    type: Literal["deadline"] = "deadline"
    object: str
    location: str
    step: int = Field(ge=0)


class DistanceBudget(BaseModel):
    """Total travel distance at most `budget`."""

    model_config = ConfigDict(frozen=True)
    type: Literal["distance_budget"] = "distance_budget"
    budget: int = Field(ge=0)


class NoMetalInMicrowave(BaseModel):
    """Never put or heat a metal object in the microwave."""

    model_config = ConfigDict(frozen=True)
    type: Literal["no_metal_in_microwave"] = "no_metal_in_microwave"


class NoHotInFridge(BaseModel):
    """Never put or cool a hot object in the fridge."""

    model_config = ConfigDict(frozen=True)
    type: Literal["no_hot_in_fridge"] = "no_hot_in_fridge"


KitchenConstraint = Annotated[
    Union[Before, CloseWithin, Deadline, DistanceBudget, NoMetalInMicrowave, NoHotInFridge], Field(discriminator="type")
]
TASKS = ("pick_place", "clean_place", "heat_place", "cool_place", "slice_place", "pick_two", "tidy", "set_table")


class KitchenProblem(BaseModel):
    """A kitchen task: layout (positions, capacities), robot start, objects, goal, constraints, step bound."""

    model_config = ConfigDict(frozen=True)
    layout: dict[str, tuple[int, int]] = Field(default_factory=lambda: dict(DEFAULT_LAYOUT))
    capacity: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_CAPACITY))
    start: str = "counter"
    objects: tuple[KitchenObject, ...]
    task: str = "pick_place"
    goal: tuple[GoalItem, ...]
    constraints: tuple[KitchenConstraint, ...] = ()
    max_steps: int = Field(default=16, ge=1, le=64)

    @model_validator(mode="after")
    def _check_names(self) -> "KitchenProblem":
        locs = set(self.layout)
        if len(set(self.layout.values())) != len(self.layout):
            raise ValueError("two locations share a position; every location needs its own (x, y)")
        if self.start not in locs:
            raise ValueError(f"start {self.start!r} is not a location; locations: {sorted(locs)}")
        for name in self.layout:
            if name in KINDS or name in ACTIONS or not name.isidentifier():
                raise ValueError(f"location name {name!r} must be a word that is not an object kind or action")
        names = [o.name for o in self.objects]
        if len(set(names)) != len(names):
            raise ValueError(f"object names must be unique, got {names}")
        for obj in self.objects:
            if obj.name in locs or not obj.name.isidentifier():
                raise ValueError(f"object name {obj.name!r} must be a word that is not a location")
            if obj.location not in locs or obj.location == "trash":
                raise ValueError(f"object {obj.name!r} starts at {obj.location!r}; allowed: {sorted(locs - {'trash'})}")
            for p in obj.properties:
                if p not in PROPERTIES:
                    raise ValueError(f"object {obj.name!r} has unknown property {p!r}; allowed: {PROPERTIES}")
            for s in obj.states:
                if s not in STATES:
                    raise ValueError(f"object {obj.name!r} has unknown state {s!r}; allowed: {STATES}")
        for item in self.goal:
            if item.object not in names:
                raise ValueError(f"goal names unknown object {item.object!r}; objects: {names}")
            if item.location not in locs:
                raise ValueError(f"goal location {item.location!r} unknown; locations: {sorted(locs)}")
            for s in item.states:
                if s not in STATES:
                    raise ValueError(f"goal state {s!r} unknown; allowed: {STATES}")
        for c in self.constraints:
            if isinstance(c, CloseWithin) and c.receptacle not in OPENABLE:
                raise ValueError(f"close_within names {c.receptacle!r}; it must be one of {OPENABLE}")
            if isinstance(c, Deadline) and (c.object not in names or c.location not in locs):
                raise ValueError(f"deadline names unknown object/location {c.object!r}/{c.location!r}")
        return self

    def distance(self, a: str, b: str) -> int:
        """Travel cost between two locations (Manhattan distance of their positions)."""
        (xa, ya), (xb, yb) = self.layout[a], self.layout[b]
        return abs(xa - xb) + abs(ya - yb)

    def capacity_of(self, loc: str) -> int:
        """How many objects `loc` holds at most (0 for the trash: things are thrown, not placed)."""
        if loc == "trash":
            return 0
        return self.capacity.get(loc, OPEN_CAPACITY)
