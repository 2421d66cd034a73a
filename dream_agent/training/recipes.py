"""Per-environment training recipes: model shape, data mix (a curriculum), batch and schedule."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from constraints.errors import InputError
from environments.kitchen.problem import TASKS as KITCHEN_TASKS


@dataclass(frozen=True)
class Stage:
    """A group of generator settings that joins the training mix at `start` (a fraction of the steps)."""

    knobs: tuple[dict[str, Any], ...]
    start: float = 0.0
    examples: int = 4000  # instances generated per knob setting


@dataclass(frozen=True)
class Recipe:
    """How to train one environment's model. Every field can be overridden by `train(...)`."""

    env: str
    stages: tuple[Stage, ...]
    dim: int = 128
    n_layers: int = 4
    n_heads: int = 4
    ffn_dim: int = 512
    max_length: int | None = 128  # None: the longest training canvas (see `fit`)
    batch_size: int = 64
    lr: float = 1e-3
    warmup: int = 100
    weight_decay: float = 0.01
    steps: int = 3000
    weighting: str = "mdlm"
    eval_knobs: dict[str, Any] = field(default_factory=dict)
    eval_n: int = 50
    shift: bool = False  # train at random position offsets (learned positions past the longest canvas)
    solutions: str = "oracle"  # training answers: the oracle's, or "sampled" at random among the solutions

    def with_overrides(self, **overrides: Any) -> "Recipe":
        """A copy with the given non-None fields replaced."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


_BLOCKS = Stage(tuple({"blocks": b} for b in (3, 4)), 0.0, 6000)
# every task kind with 3, 4 and 5 objects from the start: 24 settings x 1,250 = 30,000 solved tasks
_KITCHEN = tuple(Stage(tuple({"task": t, "n_objects": n} for t in KITCHEN_TASKS), 0.0, 1250) for n in (3, 4, 5))

# name -> recipe (a literal registry: one entry per shipped model).
RECIPES: dict[str, Recipe] = {
    "sudoku4x4": Recipe(
        "sudoku4x4",
        (Stage(tuple({"difficulty": d} for d in ("easy", "medium", "hard")), 0.0, 3000),
         Stage(({"givens": 4}, {"givens": 5}), 0.2, 2000)),
        dim=96, n_layers=3, n_heads=4, ffn_dim=384, max_length=32, batch_size=128, steps=1500,
        eval_knobs={"difficulty": "hard"},
    ),
    # Deeper and wider than the first 9x9 model (0.8M parameters, 20,000 x 64 on a CPU: hard 53%),
    # on twice the puzzles, most of them hard, where the model must do what singles cannot:
    # 12,000 steps of batch 256 took 11.5 min on one GPU (hard 24-clue puzzles 73%, docs/results.md).
    "sudoku": Recipe(
        "sudoku",
        (Stage(({"difficulty": "easy"},), 0.0, 2000), Stage(({"difficulty": "medium"},), 0.05, 20000),
         Stage(({"difficulty": "hard"},), 0.1, 30000), Stage(({"difficulty": "hard", "givens": 24},), 0.2, 20000)),
        dim=192, n_layers=8, n_heads=6, ffn_dim=768, max_length=96, batch_size=256, lr=7e-4, warmup=500, steps=12000,
        eval_knobs={"difficulty": "medium"},
    ),
    # The shipped model's first run: resumed over several sittings, with six numbers (the classic game;
    # a six-number canvas is 110 tokens) from 30% of the steps, answers drawn among each instance's
    # solutions (the oracle's own order taught one canonical answer: CD4 33% -> 50%, docs/results.md);
    # then fine-tuned (--init) on problems drawn the CD way, bench/recipes/countdown-uniform-*.json.
    "countdown": Recipe(
        "countdown",
        (Stage(({"n": 3},), 0.0, 20000), Stage(({"n": 4},), 0.05, 30000), Stage(({"n": 5},), 0.15, 30000),
         Stage(({"n": 6},), 0.3, 30000)),
        dim=128, n_layers=4, n_heads=4, ffn_dim=512, max_length=128, batch_size=64, steps=20000,
        eval_knobs={"n": 4}, solutions="sampled",
    ),
    # 3-7 blocks on a model 3x the first's (dim 128 x 4, 3,400 x 32 on a CPU: 3-7 blocks 73%):
    # 8,000 steps of batch 128 took 8.3 min on one GPU (PlanBench 100%, 3-7 blocks 93%, docs/results.md).
    "blocksworld": Recipe(
        "blocksworld",
        (_BLOCKS, Stage(({"blocks": 5},), 0.05, 8000), Stage(({"blocks": 6},), 0.15, 8000),
         Stage(({"blocks": 7},), 0.3, 8000)),
        dim=192, n_layers=6, n_heads=6, ffn_dim=768, max_length=288, batch_size=128, lr=7e-4, warmup=300, steps=8000,
        eval_knobs={"blocks": 5},
    ),
    # The shipped recipe on the state-annotated template (environments.pddl.states): each step writes
    # what every block stands on after it, so the model picks an action with its state in view.
    "blocksworld-states": Recipe(
        "blocksworld-states",
        (_BLOCKS, Stage(({"blocks": 5},), 0.1, 6000), Stage(({"blocks": 6},), 0.3, 3000)),
        dim=128, n_layers=4, n_heads=4, ffn_dim=512, max_length=448, batch_size=32, steps=3000,
        eval_knobs={"blocks": 5},
    ),
    # the shipped model: 6,000 steps, then resumed to 9,000 (alone 57% -> 70% over every kind)
    "kitchen": Recipe(
        "kitchen",
        _KITCHEN,
        dim=128, n_layers=4, n_heads=4, ffn_dim=512, max_length=128, batch_size=64, steps=9000,
        eval_knobs={"n_objects": 4},
    ),
    # 3-6 parts (up to about 175 tokens with the plan); larger tasks come later in the schedule. A long
    # run over several sittings (checkpoints/README.md): 4,000 steps solved 2 of 12 unseen 4-part tasks;
    # 20,000 steps 83.3% of 30 unseen 3-6 part tasks at the CLI's defaults, 30,000 steps 96.7%.
    "assembly": Recipe(
        "assembly",
        (Stage(({"n_parts": 3}, {"n_parts": 4}), 0.0, 4000), Stage(({"n_parts": 5},), 0.1, 4000),
         Stage(({"n_parts": 6},), 0.25, 8000)),
        dim=128, n_layers=4, n_heads=4, ffn_dim=512, max_length=224, batch_size=32, steps=30000,
        eval_knobs={"n_parts": 6},
    ),
}


def get_recipe(env_name: str) -> Recipe:
    """The recipe for `env_name`; unknown names raise InputError listing the known ones."""
    if env_name not in RECIPES:
        raise InputError(f"no training recipe for {env_name!r}; known: {', '.join(sorted(RECIPES))}")
    return RECIPES[env_name]
