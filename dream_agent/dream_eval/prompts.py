"""Prompts in Dream's planning-eval format, and answer extraction from raw generations.

Sudoku and Countdown prompts are those of Dream's `eval/eval_planning.py` (an instruction, K
worked examples from the head of the data file, then the query); blocksworld uses PlanBench's
domain description with its one-shot "[STATEMENT] ... [PLAN] ... [PLAN END]" layout. A base
model reads the plain few-shot text; an instruct model gets it as one user turn of its chat
template, the answer being the assistant's turn.
"""

from __future__ import annotations

from typing import Any, Sequence

from constraints.errors import InputError
from dream_agent.dream_eval.data import EvalItem

PROMPT_STYLES: tuple[str, ...] = ("auto", "plain", "chat")

# Dream's instruction lines, by task / Countdown size (eval/eval_planning.py eval_cd3/4/5, eval_sudoku).
_COUNTDOWN_INSTRUCTIONS = {
    3: "Given 4 numbers, use +-*/ to operate over the first three numbers to achieve the last number.",
    4: "Given 5 numbers, use +-*/ to operate over the first four numbers to achieve the fifth number.",
    5: "Given 6 numbers, use +-*/ to operate over the first five numbers to achieve the last number.",
}
_SUDOKU_INSTRUCTION = (
    "Fill the positions where the values are 0 in a 4x4 grid with digits 1-4 so that each column, each row, "
    "and each of the four 2x2 subgrids that compose the grid contains all of the digits from 1 to 4."
)
PLAN_OPEN, PLAN_CLOSE = "[PLAN]", "[PLAN END]"


def few_shot_prompt(task: str, shots: Sequence[EvalItem], item: EvalItem) -> str:
    """The plain few-shot prompt of `item` after the worked examples `shots`.

    The text ends where the answer starts: "Output: " (Countdown), "Output:\\n " (Sudoku, with
    Dream's trailing space), "[PLAN]\\n" (blocksworld).
    """
    if task == "countdown":
        size = len(item.problem.numbers)
        if size not in _COUNTDOWN_INSTRUCTIONS:
            raise InputError(f"{item.name}: Dream's prompts cover 3 to 5 source numbers, got {size}")
        head = _COUNTDOWN_INSTRUCTIONS[size] + "\n\n"
        examples = "\n\n".join(f"Input: {s.input}\nOutput: {s.output}" for s in shots)
        return head + examples + f"\n\nInput: {item.input}\nOutput: "
    if task == "sudoku4x4":
        examples = "\n\n".join(f"Input:\n{s.input}\nOutput:\n{s.output}" for s in shots)
        return _SUDOKU_INSTRUCTION + "\n\n" + examples + f"\n\nInput:\n{item.input}\nOutput:\n "
    if task == "blocksworld":
        examples = "".join(_statement(s) + f"{s.output}\n{PLAN_CLOSE}\n\n" for s in shots)
        return item.context + examples + _statement(item)
    raise InputError(f"unknown task {task!r}")


def _statement(item: EvalItem) -> str:
    return f"[STATEMENT]\n{item.input}\n\nMy plan is as follows:\n\n{PLAN_OPEN}\n"


def resolve_style(style: str, model_name: str) -> str:
    """'plain' or 'chat': 'auto' picks chat for a model whose name says Instruct (Dream-v0-Instruct-7B).

    >>> resolve_style("auto", "Dream-v0-Instruct-7B"), resolve_style("auto", "Dream-v0-Base-7B")
    ('chat', 'plain')
    """
    if style not in PROMPT_STYLES:
        raise InputError(f"unknown prompt style {style!r}; valid: {', '.join(PROMPT_STYLES)}")
    if style == "auto":
        return "chat" if "instruct" in model_name.lower() else "plain"
    return style


def prompt_ids(tokenizer: Any, text: str, style: str) -> list[int]:
    """Token ids of a prompt: the plain text, or one user turn of the chat template plus the
    assistant header (the user turn loses its trailing whitespace: the assistant turn starts the answer).

    Raises:
        InputError: chat style with a tokenizer that has no chat template.
    """
    if style == "plain":
        return [int(t) for t in tokenizer.encode(text)]
    if style != "chat":
        raise InputError(f"prompt style must be plain or chat here, got {style!r}")
    render = getattr(tokenizer, "apply_chat_template", None)
    if render is None:
        raise InputError(f"{type(tokenizer).__name__} has no chat template; use the plain prompt style")
    chat = render([{"role": "user", "content": text.rstrip()}], add_generation_prompt=True)
    return [int(t) for t in tokenizer.encode(chat)]


def decode_answer(tokenizer: Any, ids: Sequence[int]) -> str:
    """Generated ids as text with special tokens skipped, as Dream's eval decodes them."""
    hf = getattr(tokenizer, "hf", None)
    if hf is not None:
        return hf.decode([int(i) for i in ids], skip_special_tokens=True, clean_up_tokenization_spaces=False)
    special = {tokenizer.mask_id, tokenizer.pad_id}
    return tokenizer.decode([int(i) for i in ids if int(i) not in special])


def extract_answer(task: str, generation: str) -> str:
    """Dream's post-processing of a decoded generation (eval/eval_planning.py), per task.

    Countdown: up to Llama's '<|end_of_text|>' (as Dream writes it), then the first line.
    Sudoku: up to '<|endoftext|>', then up to the first blank line, spaces removed.
    Blocksworld: up to '[PLAN END]', then up to the first blank line.

    >>> extract_answer("sudoku4x4", "1234\\n3412\\n 4123\\n2341\\n\\nInput:")
    '1234\\n3412\\n4123\\n2341'
    """
    if task == "countdown":
        return generation.split("<|end_of_text|>")[0].split("\n")[0]
    if task == "sudoku4x4":
        return generation.split("<|endoftext|>")[0].split("\n\n")[0].replace(" ", "")
    if task == "blocksworld":
        return generation.split(PLAN_CLOSE)[0].split("\n\n")[0].strip()
    raise InputError(f"unknown task {task!r}")
