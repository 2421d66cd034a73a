"""Pattern slots: the value-mask hook's cost per denoising step, NFE with and without patterns,
and the fullmatch rate over written and generated patterns.

    PYTHONPATH=. python bench/patterns.py [--patterns 300] [--seeds 3]

Vocabularies: a random-weight Dream checkpoint (Dream's layout, a small byte-level BPE), a
synthetic 151,665-token byte-level-style vocabulary (Dream's size; hook cost only), and the
shipped countdown model (a word vocabulary).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time

import torch

from dream_agent.loading import load_model
from dream_agent.testing import WRITTEN_PATTERNS, build_random_dream_checkpoint, random_patterns
from planners import ValueMasks, compile_template, plan
from planners.patterns import token_automaton

COUNTDOWN_WORDS = ["1", "2", "3", "7", "+", "-", "*", "=", ","]


class SyntheticBPE:
    """Dream-size vocabulary: 151,665 distinct pieces like a byte-level BPE's (words, ' '+words, digits, punctuation)."""

    def __init__(self, size: int = 151_665, seed: int = 0) -> None:
        rng = random.Random(seed)
        pieces = [chr(c) for c in range(32, 127)] + [" " + chr(c) for c in range(33, 127)]
        seen = set(pieces)
        letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
        while len(pieces) < size - 2:
            word = "".join(rng.choice(letters) for _ in range(rng.choice([2, 3, 4, 5, 6, 7, 8, 10, 12])))
            word = (" " if rng.random() < 0.6 else "") + word
            if word not in seen:
                seen.add(word)
                pieces.append(word)
        self.tokens = pieces + ["<|mask|>", "<|endoftext|>"]
        self.mask_id, self.pad_id, self.vocab_size = len(pieces), len(pieces) + 1, len(self.tokens)

    def encode(self, text: str) -> list[int]:
        return [self.tokens.index(ch) for ch in text]

    def decode(self, ids) -> str:
        return "".join(self.tokens[int(i)] for i in ids)


def hook_cost(tokenizer, template: str, pattern: str | None, steps: int = 20) -> tuple[float, float]:
    """(seconds to lift the pattern, ms per hook call) over a canvas filled one position per step."""
    t0 = time.perf_counter()
    canvas = compile_template(template, tokenizer, patterns={"v": pattern} if pattern else None)
    lift = time.perf_counter() - t0
    masks = ValueMasks(canvas)
    x = torch.tensor([canvas.ids])
    positions = list(canvas.slots["v"])
    generator = torch.Generator().manual_seed(0)
    times = []
    for step in range(min(steps, len(positions))):
        logits = torch.randn(1, len(canvas.ids), tokenizer.vocab_size, generator=generator)
        t = time.perf_counter()
        out = masks(step, x, logits)
        times.append(time.perf_counter() - t)
        p = positions[step]
        x[0, p] = int(out[0, p].argmax())
        x = masks.repair(x)
    return lift, 1000 * statistics.median(times)


def fullmatch(lm, patterns, seeds, words: bool, steps_div: int = 3) -> tuple[int, int, list[int], list[int]]:
    """(runs, matches, NFE with patterns, NFE without) over every pattern whose shortest match fits 24 tokens."""
    runs = ok = 0
    nfe_with, nfe_without = [], []
    for pattern in patterns:
        shortest = token_automaton(lm.tokenizer, pattern, "" if words else " ", True).shortest()
        if shortest is None or shortest > 24:
            continue
        size = shortest + 3
        text = f"numbers {{v:<={size}}} target 7" if words else f"Value: {{v:<={size}}} ."
        for seed in seeds:
            opts = dict(seed=seed, temperature=1.0, max_rounds=4, steps=max(1, size // steps_div))
            result = plan(lm, text, patterns={"v": pattern}, **opts)
            runs += 1
            ok += bool(re.fullmatch(pattern, result.values["v"]))
            nfe_with.append(result.nfe)
            nfe_without.append(plan(lm, text, **opts).nfe)
    return runs, ok, nfe_with, nfe_without


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patterns", type=int, default=300, help="generated patterns on top of the written ones")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    dream = load_model(build_random_dream_checkpoint(tempfile.mkdtemp()))
    countdown = load_model("dream_agent/models/countdown")
    big = SyntheticBPE()

    print("| vocabulary | pattern | lift once (s) | hook ms/step with pattern | without |")
    print("|---|---|---|---|---|")
    for name, tok, template, pats in [
        ("synthetic BPE, 151,665 tokens", big, "Value: {v:<=16} .", [r"[0-9]{3}-[0-9]{4}", r"[a-z]+@[a-z]+\.(com|org)", r"[A-Za-z ]{1,40}"]),
        (f"random Dream ckpt, {dream.tokenizer.vocab_size} tokens", dream.tokenizer, "Value: {v:<=16} .", [r"[0-9]{3}-[0-9]{4}", r"[a-z]+@[a-z]+\.(com|org)"]),
        ("countdown model, 21 words", countdown.tokenizer, "numbers {v:<=12} target 7", [r"[0-9]( [0-9]){1,3} [+*-] [0-9]( [0-9])?"]),
    ]:
        _, base = hook_cost(tok, template, None)
        for pattern in pats:
            lift, cost = hook_cost(tok, template, pattern)
            print(f"| {name} | `{pattern}` | {lift:.2f} | {cost:.2f} | {base:.2f} |")

    seeds = list(range(args.seeds))
    print("\n| model | runs | fullmatch | mean NFE with patterns | without |")
    print("|---|---|---|---|---|")
    for name, lm, patterns, words in [
        ("random Dream ckpt", dream, list(WRITTEN_PATTERNS) + random_patterns(args.patterns, seed=1), False),
        ("countdown model", countdown, random_patterns(max(args.patterns // 3, 1), seed=2, words=COUNTDOWN_WORDS), True),
    ]:
        runs, ok, nfe_with, nfe_without = fullmatch(lm, patterns, seeds, words)
        print(f"| {name} | {runs} | {ok}/{runs} ({100 * ok / max(runs, 1):.1f}%) | "
              f"{statistics.mean(nfe_with):.2f} | {statistics.mean(nfe_without):.2f} |")


if __name__ == "__main__":
    main()
