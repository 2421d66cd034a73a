"""The domain hook: slots only take allowed values, in any filling order, plus allow/ban lists."""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constraints import InputError
from dream_agent.denoise import ALGORITHMS, denoise
from planners.compile import compile_template, decode_slots
from planners.domains import domain_hook
from scripted_lm import RandomLogits, one_thread, random_dream, tokenizer  # noqa: F401 (fixture)

ACTIONS = ("pick", "pick up", "put down", "open the door", "up")
TEMPLATE = "step 1 : {a|" + ",".join(ACTIONS) + "} then {b|x,y z} {c:<=3} ."

pytestmark = pytest.mark.usefixtures("one_thread")


def ids(tok, text):
    return tok.encode(text)


def logits_for(canvas, batch=1):
    return torch.zeros(batch, len(canvas.ids), canvas.tokenizer.vocab_size)


def allowed_at(logits, row, pos):
    return set(torch.isfinite(logits[row, pos]).nonzero().flatten().tolist())


class TestHookMasks:
    def test_open_slot_allows_first_tokens_of_every_value(self):
        tok = tokenizer()
        c = compile_template(TEMPLATE, tok)
        x = torch.tensor([c.ids])
        out = domain_hook(c)(0, x, logits_for(c))
        first = {ids(tok, v)[0] for v in ACTIONS}
        a0, a1, a2 = c.slots["a"]
        assert allowed_at(out, 0, a0) == first
        # position 1 of "pick" is empty; of "pick up" is "up"; ...
        assert allowed_at(out, 0, a1) == {tok.pad_id, *ids(tok, "up down the")}
        assert allowed_at(out, 0, a2) == {tok.pad_id, *ids(tok, "door")}

    def test_committed_token_narrows_the_other_positions_in_any_order(self):
        tok = tokenizer()
        c = compile_template(TEMPLATE, tok)
        a0, a1, a2 = c.slots["a"]
        x = torch.tensor([c.ids])
        x[0, a1] = ids(tok, "up")[0]  # filled out of order: the second token first
        out = domain_hook(c)(0, x, logits_for(c))
        assert allowed_at(out, 0, a0) == set(ids(tok, "pick"))
        assert allowed_at(out, 0, a2) == {tok.pad_id}
        x[0, a1] = tok.pad_id  # an empty second position: one-word values only
        out = domain_hook(c)(0, x, logits_for(c))
        assert allowed_at(out, 0, a0) == set(ids(tok, "pick up"))

    def test_max_length_slot_keeps_empty_as_a_tail(self):
        tok = tokenizer()
        c = compile_template(TEMPLATE, tok)
        c0, c1, c2 = c.slots["c"]
        x = torch.tensor([c.ids])
        x[0, c1] = tok.pad_id
        x[0, c0] = ids(tok, "red")[0]
        out = domain_hook(c)(0, x, logits_for(c))
        assert allowed_at(out, 0, c2) == {tok.pad_id}  # nothing after an empty position
        x = torch.tensor([c.ids])
        x[0, c2] = ids(tok, "cup")[0]
        out = domain_hook(c)(0, x, logits_for(c))
        assert tok.pad_id not in allowed_at(out, 0, c0) | allowed_at(out, 0, c1)  # no empty before text

    def test_exact_length_slot_is_never_empty(self):
        tok = tokenizer()
        c = compile_template("{a:2}", tok)
        out = domain_hook(c)(0, torch.tensor([c.ids]), logits_for(c))
        assert tok.pad_id not in allowed_at(out, 0, 0) and len(allowed_at(out, 0, 0)) == tok.vocab_size - 1

    def test_allow_and_ban_lists(self):
        tok = tokenizer()
        c = compile_template("{d:2} {e:<=2} {f|1,2,3}", tok)
        hook = domain_hook(c, allow={"d": ["1", "2", "3"], "e": [["1"], ["2", "3"]]}, ban={"d": ["2"], "f": ["3"]})
        out = hook(0, torch.tensor([c.ids]), logits_for(c))
        assert allowed_at(out, 0, 0) == set(ids(tok, "1 3")) == allowed_at(out, 0, 1)
        # an empty tail stays possible in a max_length slot
        assert allowed_at(out, 0, 2) == {*ids(tok, "1"), tok.pad_id}
        assert allowed_at(out, 0, 3) == {*ids(tok, "2 3"), tok.pad_id}
        assert allowed_at(out, 0, 4) == set(ids(tok, "1 2"))

    def test_bad_lists(self):
        tok = tokenizer()
        c = compile_template("{d:2} {f|1,2}", tok)
        with pytest.raises(InputError, match="exclude every value"):
            domain_hook(c, ban={"f": ["1", "2"]})
        with pytest.raises(InputError, match="no slot 'g'"):
            domain_hook(c, allow={"g": ["1"]})
        with pytest.raises(InputError, match="2 positions, got 3"):
            domain_hook(c, allow={"d": [["1"], ["2"], ["3"]]})
        with pytest.raises(InputError, match="leave no token"):
            domain_hook(c, allow={"d": ["1"]}, ban={"d": ["1"]})
        with pytest.raises(InputError, match="expected exactly one"):
            domain_hook(c, allow={"d": ["1 2"]})

    def test_batch_rows_follow_their_own_canvas(self):
        tok = tokenizer()
        c1 = compile_template("{a|x,y} {b:1}", tok)
        c2 = compile_template("{b:1} {a|cup,plate}", tok)
        x = torch.tensor([c1.ids, c2.ids])
        out = domain_hook([c1, c2])(0, x, logits_for(c1, 2))
        assert allowed_at(out, 0, 0) == set(ids(tok, "x y"))
        assert allowed_at(out, 1, 1) == set(ids(tok, "cup plate"))
        assert len(allowed_at(out, 1, 0)) == tok.vocab_size - 1  # not the empty token

    def test_repair_of_a_parallel_commit(self):
        tok = tokenizer()
        c = compile_template(TEMPLATE, tok)
        a0, a1, a2 = c.slots["a"]
        x = torch.tensor([c.ids])
        # one step committed "put" and "up" together: each fits some value, the pair fits none
        x[0, a0], x[0, a1] = ids(tok, "put")[0], ids(tok, "up")[0]
        fixed = domain_hook(c).repair(x)
        # the value agreeing with most committed tokens (ties: domain order) is "pick up"
        assert fixed[0, [a0, a1]].tolist() == ids(tok, "pick up")
        assert fixed[0, a2] == tok.mask_id  # open positions stay open
        assert domain_hook(c).tokens_hook(0, fixed) is None  # consistent: nothing to do


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), steps=st.integers(1, 8), alg=st.sampled_from(ALGORITHMS),
       temperature=st.sampled_from([0.0, 1.0]), threshold=st.sampled_from([None, 0.3]))
def test_domain_slots_always_hold_an_allowed_value(seed, steps, alg, temperature, threshold):
    """Random logits, random filling orders, parallel commits: every domain value is allowed."""
    tok = tokenizer()
    c = compile_template(TEMPLATE + " {d|pick up,pick,up} {e|open the door,open}", tok)
    denoiser = RandomLogits(tok, seed=seed)
    hook = domain_hook([c, c])
    x = torch.tensor([c.ids, c.ids])
    out = denoise(denoiser, x, steps=steps, alg=alg, temperature=temperature, alg_temp=0.5 if seed % 2 else None,
                  confidence_threshold=threshold, logits_hook=hook, tokens_hook=hook.tokens_hook,
                  generator=torch.Generator().manual_seed(seed))
    for row in out.tokens:
        values = decode_slots(c, row)
        for name in c.choices:
            assert values[name] in c.slot(name).choices
            assert tuple(row[list(c.slots[name])].tolist()) in c.choices[name]  # the value's own tokens
        assert tok.mask_id not in row.tolist()


def test_bpe_domain_values_hold_on_random_dream(tmp_path_factory):
    """Multi-token BPE values on a random-weight Dream model: structure holds without training."""
    lm = random_dream(tmp_path_factory)
    c = compile_template("Plan: {a|pick up,put down,open the fridge} then {b|wait,go home}.", lm.tokenizer, shift=True)
    hook = domain_hook([c] * 3)
    x = torch.tensor([c.ids] * 3)
    for seed in range(2):
        out = denoise(lm.denoiser, x, steps=3, alg="origin", temperature=1.0, logits_hook=hook,
                      tokens_hook=hook.tokens_hook, generator=torch.Generator().manual_seed(seed))
        for row in out.tokens:
            values = decode_slots(c, row)
            assert values["a"] in c.slot("a").choices and values["b"] in c.slot("b").choices
