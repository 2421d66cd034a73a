"""The rules read against a canvas step after step give the masks a fresh reading gives (the caches change no output)."""

from __future__ import annotations

import random

import pytest
import torch

from dream_agent.vocab_tokenizer import VocabTokenizer
from environments import get_environment
from planners.compile import compile_template, decode_slots
from planners.rule_reader import RuleReader
from planners.value_masks import ValueMasks
from scripted_lm import tokenizer


def reference_partial(canvas, row):
    """The committed values as a full decode of the row reads them (no cache)."""
    values = decode_slots(canvas, row)
    return {name: None if any(row[p] == canvas.mask_id for p in positions) else values[name]
            for name, positions in canvas.slots.items()}


def commit_sequence(env_name, problem, seed):
    """A canvas, its rules, and the rows of a random filling order with random (also wrong) tokens."""
    env = get_environment(env_name)
    problem = env.prepare(env.parse_problem(problem))
    tok = VocabTokenizer(env.vocabulary())
    canvas = compile_template(env.template(problem, "compact"), tok)
    rules = env.slot_rules(problem, "compact", "local")
    rng = random.Random(seed)
    row = list(canvas.ids)
    rows = [list(row)]
    open_positions = list(canvas.open_positions)
    rng.shuffle(open_positions)
    while open_positions:
        for _ in range(rng.randint(1, 4)):
            if open_positions:
                row[open_positions.pop()] = rng.randrange(tok.vocab_size - 2)  # any word, the empty one included
        rows.append(list(row))
    return canvas, rules, rows


CASES = [("sudoku", get_environment("sudoku").generate(3, difficulty="medium")),
         ("kitchen", get_environment("kitchen").generate(1, task="tidy", n_objects=4)),
         ("blocksworld", get_environment("blocksworld").generate(2, blocks=4))]


@pytest.mark.parametrize("env_name, problem", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("seed", [0, 1])
def test_a_reader_used_step_after_step_reads_what_a_fresh_one_reads(env_name, problem, seed):
    canvas, rules, rows = commit_sequence(env_name, problem, seed)
    reused = RuleReader(canvas, rules)
    for row in rows:
        fresh = RuleReader(canvas, rules)
        assert reused.partial(row) == reference_partial(canvas, row)
        assert reused.restrictions(row) == fresh.restrictions(row)
        assert reused.later_positions(row) == fresh.later_positions(row)


class TwoWordRules:
    """Multi-token slots whose allowed values depend on what the other slot holds (as lists or frozensets)."""

    def __init__(self, kind):
        self.kind = kind

    def allowed_values(self, partial):
        first = partial.get("a")
        return {"a": self.kind(["pick up", "put down", "open"]),
                "b": self.kind(["the cup", "the plate"] if first in (None, "pick up") else ["the door", "cup"])}

    def fill_order(self):
        return []


@pytest.mark.parametrize("kind", [list, frozenset])
def test_multi_token_slots_read_step_after_step_equal_a_fresh_reading(kind):
    tok = tokenizer()
    canvas = compile_template("step {a:<=2} then {b:<=2} .", tok)
    rules = TwoWordRules(kind)
    words = [tok.encode(w)[0] for w in ("pick", "up", "put", "down", "open", "the", "cup", "plate", "door")]
    reused = RuleReader(canvas, rules)  # one reader for every row (a repair may change committed tokens)
    for seed in range(20):
        rng, row = random.Random(seed), list(canvas.ids)
        for position in rng.sample(canvas.open_positions, len(canvas.open_positions)):
            row[position] = rng.choice(words + [tok.pad_id])
            assert reused.partial(row) == reference_partial(canvas, row)
            assert reused.restrictions(row) == RuleReader(canvas, rules).restrictions(row)


@pytest.mark.parametrize("env_name, problem", CASES, ids=[c[0] for c in CASES])
def test_value_masks_used_for_a_whole_round_equal_fresh_ones_at_every_step(env_name, problem):
    canvas, rules, rows = commit_sequence(env_name, problem, 5)
    masks = ValueMasks([canvas], rules=[rules])
    logits = torch.randn(1, len(canvas.ids), canvas.tokenizer.vocab_size, generator=torch.Generator().manual_seed(0))
    for step, row in enumerate(rows):
        x = torch.tensor([row])
        out = masks(step, x, logits.clone())
        assert torch.equal(out, ValueMasks([canvas], rules=[rules])(step, x, logits.clone()))
