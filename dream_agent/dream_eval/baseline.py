"""The baseline setting: Dream's own protocol (prompt, then N masks denoised in Dream's order), scored.

Each item's canvas is its prompt followed by `gen_length` mask tokens, denoised in `steps`
steps with temperature 0 and the protocol's unmasking order; the generated tokens are decoded
(special tokens skipped), Dream's post-processing extracts the answer, and the answer is scored.
Dream's script runs one item at a time; items here may share a batch (right-padded, with an
attention mask that hides the padding, so each row sees exactly what it would see alone).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import torch

from dream_agent.denoise import denoise
from dream_agent.dream_eval.data import EvalItem
from dream_agent.dream_eval.prompts import decode_answer, extract_answer, few_shot_prompt, prompt_ids
from dream_agent.dream_eval.protocol import Protocol
from dream_agent.dream_eval.tasks import Score, environment, score_answer
from dream_agent.protocols import DiffusionLM


@dataclass(frozen=True)
class ItemResult:
    """One scored item of one setting.

    Attributes:
        name: the item ("cd4_test.jsonl:9").
        answer: the answer that was scored.
        raw: the decoded generation (baseline) or the filled plan text (layer).
        score: the verdicts.
        nfe: model forward calls spent on the item.
        tokens: answer tokens written (baseline: generation length; layer: slot tokens).
        seconds: wall time attributed to the item (its batch's time shared equally).
        rounds: denoise rounds (1 for the baseline).
    """

    name: str
    answer: str
    raw: str
    score: Score
    nfe: int
    tokens: int
    seconds: float
    rounds: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "answer": self.answer, "raw": self.raw, "metric": self.score.metric,
            "checker": self.score.checker, "well_formed": self.score.well_formed,
            "violations": list(self.score.violations), "nfe": self.nfe, "tokens": self.tokens,
            "seconds": round(self.seconds, 4), "rounds": self.rounds,
        }


def run_baseline(
    lm: DiffusionLM,
    task: str,
    examples: Sequence[EvalItem],
    items: Sequence[EvalItem],
    protocol: Protocol,
    *,
    steps: int | None = None,
    style: str = "plain",
    batch_size: int = 1,
    on_item: Callable[[ItemResult], None] | None = None,
) -> list[ItemResult]:
    """Generate and score every item under Dream's protocol.

    Args:
        lm: the model.
        task: "sudoku4x4", "countdown" or "blocksworld".
        examples: the few-shot examples shown before each item.
        items: the items to score.
        protocol: generation length, steps, order and sampling settings.
        steps: denoising steps (None: the protocol's); the generation length stays the protocol's.
        style: "plain" few-shot text or "chat" (one user turn of the chat template).
        batch_size: items denoised together.
        on_item: called with each ItemResult as it is scored (progress).

    Returns:
        One ItemResult per item, in order.
    """
    env = environment(task)
    denoiser, tokenizer = lm.denoiser, lm.tokenizer
    steps = steps or protocol.steps
    results: list[ItemResult] = []
    for start in range(0, len(items), max(1, batch_size)):
        batch = list(items[start : start + max(1, batch_size)])
        prompts = [prompt_ids(tokenizer, few_shot_prompt(task, examples, item), style) for item in batch]
        x, attention_mask = _canvas(prompts, protocol.gen_length, denoiser.mask_id, denoiser.pad_id)
        t0 = time.perf_counter()
        out = denoise(
            denoiser, x.to(denoiser.device), steps=steps, alg=protocol.alg, alg_temp=protocol.alg_temp or None,
            temperature=protocol.temperature, top_p=protocol.top_p if protocol.top_p < 1 else None,
            attention_mask=None if attention_mask is None else attention_mask.to(denoiser.device),
        )
        tokens = out.tokens.tolist()  # waits for the device
        seconds = (time.perf_counter() - t0) / len(batch)
        for b, item in enumerate(batch):
            generated = tokens[b][len(prompts[b]) : len(prompts[b]) + protocol.gen_length]
            raw = decode_answer(tokenizer, generated)
            answer = extract_answer(task, raw)
            result = ItemResult(item.name, answer, raw, score_answer(task, env, item, answer), out.nfe,
                                protocol.gen_length, seconds)
            results.append(result)
            if on_item is not None:
                on_item(result)
    return results


def _canvas(
    prompts: list[list[int]], gen_length: int, mask_id: int, pad_id: int | None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Prompt + gen_length masks per row, right-padded; the attention mask when rows differ in length."""
    lengths = [len(p) + gen_length for p in prompts]
    width = max(lengths)
    fill = pad_id if pad_id is not None else mask_id
    x = torch.full((len(prompts), width), fill, dtype=torch.long)  # (B, L)
    for b, ids in enumerate(prompts):
        x[b, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        x[b, len(ids) : lengths[b]] = mask_id
    if min(lengths) == width:
        return x, None
    attention_mask = (torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]).long()  # (B, L)
    return x, attention_mask
