"""Milliseconds per step of the value masks against the hooks they replaced, on a Dream-size vocabulary.

The old hooks (`planners/domains.py`, `planners/allowed.py`, `allowed_tokens_hook`) are loaded
from git (`--ref`, default 4e0e43b, the last commit that had them) into temporary modules and timed side by side with
`planners.value_masks.ValueMasks` on the same canvases and logits (151,665 tokens per position):

    PYTHONPATH=. python bench/value_masks.py [--device cuda] [--calls 30]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
import types

import torch

from dream_agent.vocab_tokenizer import VocabTokenizer
from environments import get_environment
from planners.compile import compile_template
from planners.value_masks import ValueMasks

DREAM_VOCAB = 151_665


class DreamSizeTokenizer:
    """A word tokenizer whose ids sit in a Dream-size vocabulary (mask and pad at its end)."""

    def __init__(self, words: list[str]) -> None:
        self.inner = VocabTokenizer(words)
        self.vocab_size, self.mask_id, self.pad_id = DREAM_VOCAB, DREAM_VOCAB - 1, DREAM_VOCAB - 2

    def encode(self, text: str) -> list[int]:
        return self.inner.encode(text)

    def decode(self, ids: list[int]) -> str:
        special = {self.mask_id: self.inner.mask_id, self.pad_id: self.inner.pad_id}
        return self.inner.decode([special.get(int(i), int(i)) for i in ids])


class OldCanvas:
    """A canvas as the old hooks read it (`domains`, `Slot.domain`)."""

    def __init__(self, canvas) -> None:
        self._canvas, self.domains = canvas, canvas.choices

    def __getattr__(self, name):
        return getattr(self._canvas, name)

    def slot(self, name):
        slot = self._canvas.slot(name)
        return types.SimpleNamespace(**vars(slot), domain=slot.choices)


class OldEnv:
    """The environment method the old hook called, answered by today's slot rules."""

    def __init__(self, rules):
        self.rules = rules

    def allowed_values(self, problem, partial, rendering):
        return self.rules.allowed_values(partial)


def old_module(ref: str, path: str) -> types.ModuleType:
    module = types.ModuleType(f"old_{path.replace('/', '_')}")
    exec(compile(subprocess.check_output(["git", "show", f"{ref}:{path}"], text=True), path, "exec"), module.__dict__)
    return module


def ms_per_call(hook, x: torch.Tensor, base: torch.Tensor, calls: int) -> float:
    logits, times = base.clone(), []
    for _ in range(calls + 3):
        logits.copy_(base)
        if logits.is_cuda:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        hook(0, x, logits)
        if logits.is_cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times[3:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="4e0e43b", help="git ref holding the old hooks")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    domains = old_module(args.ref, "planners/domains.py")
    allowed = old_module(args.ref, "planners/allowed.py")
    classes = old_module(args.ref, "dream_agent/runnables/token_classes.py")
    torch.manual_seed(0)

    env = get_environment("sudoku")
    problem = env.generate(0)
    tok = DreamSizeTokenizer(env.vocabulary())
    sudoku = compile_template(env.template(problem), tok)
    x = torch.tensor([sudoku.ids], device=args.device)
    base = torch.randn(1, len(sudoku.ids), DREAM_VOCAB, device=args.device)
    old_choices = domains.domain_hook([OldCanvas(sudoku)])
    old_rules = allowed.AllowedValuesHook(OldEnv(env.slot_rules(problem)), problem, OldCanvas(sudoku), "compact", [])

    def old_both(step, xs, logits):  # as the refine loop chained them: the user hook, then the domain hook
        logits[0:1] = old_rules(step, xs[0:1], logits[0:1])
        return old_choices(step, xs, logits)

    text = compile_template("1 {name:<=16} | {code:<=8} | {n:<=4} |", tok)
    rows = torch.rand(DREAM_VOCAB) < 0.95  # a text-like token class: most of the vocabulary
    allow = {name: rows.unsqueeze(0).repeat(len(text.slots[name]), 1) for name in text.slots}
    positions = torch.tensor([p for name in text.slots for p in text.slots[name]])
    old_class = classes.allowed_tokens_hook(positions, torch.cat(list(allow.values())))
    old_tail = domains.domain_hook([OldCanvas(text)])
    xt = torch.tensor([text.ids], device=args.device)
    base_t = torch.randn(1, len(text.ids), DREAM_VOCAB, device=args.device)

    def old_text(step, xs, logits):
        return old_tail(step, xs, old_class(step, xs, logits))

    cases = [
        ("sudoku 9x9, choices", old_choices, ValueMasks(sudoku), x, base),
        ("sudoku 9x9, choices + rules", old_both, ValueMasks(sudoku, rules=[env.slot_rules(problem)]), x, base),
        ("text slots, token-class rows", old_text, ValueMasks(text, allow=allow), xt, base_t),
    ]
    print(f"vocabulary {DREAM_VOCAB:,}, device {args.device}, median of {args.calls} calls")
    print(f"{'case':32} {'old ms':>8} {'new ms':>8}")
    for name, old, new, xs, logits in cases:
        if not torch.equal(old(0, xs, logits.clone()), new(0, xs, logits.clone())):
            raise SystemExit(f"{name}: the old and new masks disagree")
        print(f"{name:32} {ms_per_call(old, xs, logits, args.calls):8.2f} {ms_per_call(new, xs, logits, args.calls):8.2f}")
    t0 = time.perf_counter()
    ValueMasks(text, allow=allow)
    print(f"building the text-slot masks once per round: {1000 * (time.perf_counter() - t0):.1f} ms")


if __name__ == "__main__":
    main()
