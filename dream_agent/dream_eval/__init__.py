"""Dream 7B planning eval: Dream's published protocol (baseline) vs the same model with the plan layer.

A façade over the engine, the planners and the environments, like the CLI that drives it.
"""

from dream_agent.dream_eval.baseline import ItemResult, run_baseline
from dream_agent.dream_eval.data import EvalItem, default_data_path, load_items
from dream_agent.dream_eval.layer import run_layer
from dream_agent.dream_eval.metrics import countdown_correct, sudoku_correct
from dream_agent.dream_eval.prompts import extract_answer, few_shot_prompt
from dream_agent.dream_eval.protocol import TASKS, Protocol, protocol_for
from dream_agent.dream_eval.report import Row, to_markdown, write_report
from dream_agent.dream_eval.run import DEFAULT_SETTINGS, SETTINGS, EvalRun, evaluate
from dream_agent.dream_eval.tasks import Score, score_answer

__all__ = [
    "DEFAULT_SETTINGS",
    "SETTINGS",
    "TASKS",
    "EvalItem",
    "EvalRun",
    "ItemResult",
    "Protocol",
    "Row",
    "Score",
    "countdown_correct",
    "default_data_path",
    "evaluate",
    "extract_answer",
    "few_shot_prompt",
    "load_items",
    "protocol_for",
    "run_baseline",
    "run_layer",
    "score_answer",
    "sudoku_correct",
    "to_markdown",
    "write_report",
]
