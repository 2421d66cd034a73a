"""Dream 7B's published planning-eval settings, per task, with where each number comes from.

Sources (github.com/DreamLM/Dream at fac0a7f): `eval/eval_planning.py` (prompts, few-shot
count, answer extraction, default generation settings) and `eval/eval_dream_gen_planning.sh`
(the settings of the published Sudoku and CD4 runs: Dream-v0-Base-7B, bfloat16, batch 1).
"""

from __future__ import annotations

from dataclasses import dataclass

from constraints.errors import InputError

DREAM_REPO = "github.com/DreamLM/Dream@fac0a7f2664b4adf0925fe682b7866923fa2d62b"
TASKS: tuple[str, ...] = ("sudoku4x4", "countdown", "blocksworld")


@dataclass(frozen=True)
class Protocol:
    """How one task is generated and scored under Dream's protocol.

    Attributes:
        task: "sudoku4x4", "countdown" or "blocksworld".
        gen_length: tokens generated after the prompt (Dream's `max_new_tokens`).
        steps: denoising steps (Dream's `diffusion_steps`): the baseline's NFE.
        alg: unmasking order (Dream's `alg`).
        alg_temp: Dream's `alg_temp` (0: deterministic order).
        temperature: 0 = greedy tokens.
        top_p: 1 = no nucleus filtering.
        shots: few-shot examples taken from the head of the data file (and not scored).
        published: the solve rate Dream 7B reports for this setting, or None.
        source: where the settings are written.
    """

    task: str
    gen_length: int
    steps: int
    alg: str = "entropy"
    alg_temp: float = 0.0
    temperature: float = 0.0
    top_p: float = 1.0
    shots: int = 8
    published: float | None = None
    source: str = ""


_SCRIPT = "eval/eval_dream_gen_planning.sh"
_EVAL = "eval/eval_planning.py"

# Countdown settings by how many source numbers the instances have (CD3, CD4, CD5).
_COUNTDOWN = {
    # eval_planning.py's default gen_params (24 tokens, 24 steps); no published run sets CD3.
    3: Protocol("countdown", 24, 24, source=f"{_EVAL} default gen_params"),
    # The published CD4 run: 32 tokens in 32 steps, entropy order, 8 shots -> 16.0%.
    4: Protocol("countdown", 32, 32, published=0.160, source=f"{_SCRIPT} (task=cd4)"),
    # Not in Dream's scripts: four equations need about 40 tokens, so 48 tokens in 48 steps.
    5: Protocol("countdown", 48, 48, source="this project (Dream publishes no CD5 setting)"),
}

_PROTOCOLS = {
    # The published 4x4 Sudoku run: 24 tokens in 24 steps, entropy order, 8 shots -> 81.0%.
    "sudoku4x4": Protocol("sudoku4x4", 24, 24, published=0.810, source=f"{_SCRIPT} (task=sudoku)"),
    # Dream publishes no blocksworld run. Its longest planning setting (TripPlanning: 256
    # tokens in 256 steps) is reused with PlanBench's one-shot plan format.
    "blocksworld": Protocol("blocksworld", 256, 256, shots=1, source=f"{_SCRIPT} (task=trip settings) + PlanBench"),
}


def protocol_for(task: str, numbers: int | None = None) -> Protocol:
    """Dream's settings for `task` (for countdown, by how many numbers the instances use).

    Raises:
        InputError: an unknown task (the valid ones are listed) or a countdown size without settings.

    >>> protocol_for("countdown", 4).steps, protocol_for("sudoku4x4").gen_length
    (32, 24)
    """
    if task not in TASKS:
        raise InputError(f"unknown task {task!r}; valid: {', '.join(TASKS)}")
    if task != "countdown":
        return _PROTOCOLS[task]
    if numbers not in _COUNTDOWN:
        raise InputError(f"countdown settings exist for 3, 4 or 5 source numbers (CD3-CD5), got {numbers!r}")
    return _COUNTDOWN[numbers]
