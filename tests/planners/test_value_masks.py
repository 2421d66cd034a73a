"""Value masks: choice slots take one of their choices in any filling order; allow/ban tokens; environment rules."""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constraints import InputError
from dream_agent.denoise import ALGORITHMS, denoise
from planners.compile import compile_template, decode_slots
from planners import value_masks
from planners.value_masks import ValueMasks
from scripted_lm import RandomLogits, tokenizer

ACTIONS = ("pick", "pick up", "put down", "open the door", "up")
TEMPLATE = "step 1 : {a|" + ",".join(ACTIONS) + "} then {b|x,y z} {c:<=3} ."


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
        out = ValueMasks(c)(0, x, logits_for(c))
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
        out = ValueMasks(c)(0, x, logits_for(c))
        assert allowed_at(out, 0, a0) == set(ids(tok, "pick"))
        assert allowed_at(out, 0, a2) == {tok.pad_id}
        x[0, a1] = tok.pad_id  # an empty second position: one-word values only
        out = ValueMasks(c)(0, x, logits_for(c))
        assert allowed_at(out, 0, a0) == set(ids(tok, "pick up"))

    def test_max_length_slot_keeps_empty_as_a_tail(self):
        tok = tokenizer()
        c = compile_template(TEMPLATE, tok)
        c0, c1, c2 = c.slots["c"]
        x = torch.tensor([c.ids])
        x[0, c1] = tok.pad_id
        x[0, c0] = ids(tok, "red")[0]
        out = ValueMasks(c)(0, x, logits_for(c))
        assert allowed_at(out, 0, c2) == {tok.pad_id}  # nothing after an empty position
        x = torch.tensor([c.ids])
        x[0, c2] = ids(tok, "cup")[0]
        out = ValueMasks(c)(0, x, logits_for(c))
        assert tok.pad_id not in allowed_at(out, 0, c0) | allowed_at(out, 0, c1)  # no empty before text

    def test_exact_length_slot_is_never_empty(self):
        tok = tokenizer()
        c = compile_template("{a:2}", tok)
        out = ValueMasks(c)(0, torch.tensor([c.ids]), logits_for(c))
        assert tok.pad_id not in allowed_at(out, 0, 0) and len(allowed_at(out, 0, 0)) == tok.vocab_size - 1

    def test_allow_and_ban_lists(self):
        tok = tokenizer()
        c = compile_template("{d:2} {e:<=2} {f|1,2,3}", tok)
        hook = ValueMasks(c, allow={"d": ["1", "2", "3"], "e": [["1"], ["2", "3"]]}, ban={"d": ["2"], "f": ["3"]})
        out = hook(0, torch.tensor([c.ids]), logits_for(c))
        assert allowed_at(out, 0, 0) == set(ids(tok, "1 3")) == allowed_at(out, 0, 1)
        # an empty tail stays possible in a max_length slot
        assert allowed_at(out, 0, 2) == {*ids(tok, "1"), tok.pad_id}
        assert allowed_at(out, 0, 3) == {*ids(tok, "2 3"), tok.pad_id}
        assert allowed_at(out, 0, 4) == set(ids(tok, "1 2"))

    def test_bad_lists(self):
        tok = tokenizer()
        c = compile_template("{d:2} {f|1,2}", tok)
        with pytest.raises(InputError, match="exclude every choice"):
            ValueMasks(c, ban={"f": ["1", "2"]})
        with pytest.raises(InputError, match="no slot 'g'"):
            ValueMasks(c, allow={"g": ["1"]})
        with pytest.raises(InputError, match="2 positions, got 3"):
            ValueMasks(c, allow={"d": [["1"], ["2"], ["3"]]})
        with pytest.raises(InputError, match="leave no token"):
            ValueMasks(c, allow={"d": ["1"]}, ban={"d": ["1"]})
        with pytest.raises(InputError, match="expected exactly one"):
            ValueMasks(c, allow={"d": ["1 2"]})

    def test_batch_rows_follow_their_own_canvas(self):
        tok = tokenizer()
        c1 = compile_template("{a|x,y} {b:1}", tok)
        c2 = compile_template("{b:1} {a|cup,plate}", tok)
        x = torch.tensor([c1.ids, c2.ids])
        out = ValueMasks([c1, c2])(0, x, logits_for(c1, 2))
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
        fixed = ValueMasks(c).repair(x)
        # the choice agreeing with most committed tokens (ties: choice order) is "pick up"
        assert fixed[0, [a0, a1]].tolist() == ids(tok, "pick up")
        assert fixed[0, a2] == tok.mask_id  # open positions stay open
        assert ValueMasks(c).tokens_hook(0, fixed) is None  # consistent: nothing to do


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), steps=st.integers(1, 8), alg=st.sampled_from(ALGORITHMS),
       temperature=st.sampled_from([0.0, 1.0]), threshold=st.sampled_from([None, 0.3]))
def test_choice_slots_always_hold_a_choice(seed, steps, alg, temperature, threshold):
    """Random logits, random filling orders, parallel commits: every choice slot holds one of its choices."""
    tok = tokenizer()
    c = compile_template(TEMPLATE + " {d|pick up,pick,up} {e|open the door,open}", tok)
    denoiser = RandomLogits(tok, seed=seed)
    hook = ValueMasks([c, c])
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


def test_bpe_choices_hold_on_random_dream(random_dream):
    """Multi-token BPE values on a random-weight Dream model: structure holds without training."""
    lm = random_dream
    c = compile_template("Plan: {a|pick up,put down,open the fridge} then {b|wait,go home}.", lm.tokenizer, shift=True)
    hook = ValueMasks([c] * 3)
    x = torch.tensor([c.ids] * 3)
    for seed in range(2):
        out = denoise(lm.denoiser, x, steps=3, alg="origin", temperature=1.0, logits_hook=hook,
                      tokens_hook=hook.tokens_hook, generator=torch.Generator().manual_seed(seed))
        for row in out.tokens:
            values = decode_slots(c, row)
            assert values["a"] in c.slot("a").choices and values["b"] in c.slot("b").choices


class Rules:
    """SlotRules from a function of the committed values, with a fixed fill order; records each `partial`."""

    def __init__(self, allowed, order=()):
        self.allowed, self.order, self.seen = allowed, [list(g) for g in order], []

    def allowed_values(self, partial):
        self.seen.append(dict(partial))
        return self.allowed(partial)

    def fill_order(self):
        return self.order


def canvas_batch(tok, *canvases):
    """Right-padded (B, L) canvas tensor and zero logits for canvases of different lengths."""
    width = max(len(c.ids) for c in canvases)
    x = torch.full((len(canvases), width), tok.pad_id)
    for b, c in enumerate(canvases):
        x[b, : len(c.ids)] = torch.tensor(c.ids)
    return x, torch.zeros(len(canvases), width, tok.vocab_size)


class TestRules:
    def test_rules_restrict_their_own_batch_row(self):
        tok = tokenizer()
        c0 = compile_template("{a|x,y} {b:1}", tok)
        c1 = compile_template("{b:1} then {a:<=2}", tok)
        rules = Rules(lambda partial: {"a": ["pick up", "put", "pick up the door"], "b": ["cup", "plate"], "zz": ["x"]})
        masks = ValueMasks([c0, c1], rules=[None, rules])
        x, logits = canvas_batch(tok, c0, c1)
        out = masks(0, x, logits.clone())
        b0, = c1.slots["b"]
        a0, a1 = c1.slots["a"]
        assert rules.seen[-1] == {"b": None, "a": None}
        assert allowed_at(out, 1, b0) == set(ids(tok, "cup plate"))
        assert allowed_at(out, 1, a0) == set(ids(tok, "pick put"))  # "pick up the door" does not fit
        assert allowed_at(out, 1, a1) == {*ids(tok, "up"), tok.pad_id}
        # row 0 is left to its own canvas: its choices and the never-empty exact-length slot
        alone = ValueMasks([c0, c1])(0, x, logits.clone())
        assert torch.equal(out[0], alone[0])
        x[1, b0], x[1, a0] = ids(tok, "cup")[0], ids(tok, "put")[0]
        out = masks(1, x, logits.clone())
        assert rules.seen[-1] == {"b": "cup", "a": None}
        assert allowed_at(out, 1, a1) == {tok.pad_id}

    def test_a_dead_end_leaves_the_slot_free(self):
        tok = tokenizer()
        c = compile_template("step {a:<=2}", tok)
        masks = ValueMasks([c, c], rules=[None, Rules(lambda partial: {"a": ["plate"]})])
        x, logits = canvas_batch(tok, c, c)
        a0, a1 = c.slots["a"]
        x[1, a0] = ids(tok, "pick")[0]  # committed before the rules ruled it out: no allowed value agrees
        out = masks(0, x, logits)
        assert len(allowed_at(out, 1, a1)) == tok.vocab_size

    def test_positions_committed_together_are_made_to_agree_with_the_rules(self):
        tok = tokenizer()
        c = compile_template("{a|pick,put} {b|cup,plate,x}", tok)

        def steps(partial):  # "pick" takes "cup" or "plate", "put" takes "x"
            a, b = partial.get("a"), partial.get("b")
            return {"a": ["put"] if b == "x" else ["pick"] if b in ("cup", "plate") else ["pick", "put"],
                    "b": ["x"] if a == "put" else ["cup", "plate"] if a == "pick" else ["cup", "plate", "x"]}

        masks = ValueMasks([c, c], rules=[None, Rules(steps)])
        x, _ = canvas_batch(tok, c, c)
        (a,), (b,) = c.slots["a"], c.slots["b"]
        logits = torch.zeros(2, len(c.ids), tok.vocab_size)
        logits[1, b, ids(tok, "plate")[0]] = 1.0  # of the allowed words at b, the step's logits prefer plate
        masks(0, x, logits)
        both = x.clone()
        both[:, a], both[:, b] = ids(tok, "pick")[0], ids(tok, "x")[0]  # each allowed alone, not together
        fixed = masks.tokens_hook(0, both)
        assert decode_slots(c, fixed[1]) == {"a": "pick", "b": "plate"}  # left to right: a stays, b is mended
        assert decode_slots(c, fixed[0]) == {"a": "pick", "b": "x"}  # the row without rules is left alone
        one = x.clone()
        one[1, b] = ids(tok, "x")[0]  # a single commit obeyed the step's masks: nothing to mend
        assert masks.tokens_hook(0, one) is None

    def test_fill_order_flattens_the_later_groups_of_its_row(self):
        tok = tokenizer()
        c = compile_template("{a:1} {b:1} {c:1}", tok)
        masks = ValueMasks([c, c], rules=[None, Rules(lambda partial: {}, order=[["a"], ["b"], ["c"]])])
        x, _ = canvas_batch(tok, c, c)
        logits = torch.randn(2, len(c.ids), tok.vocab_size)
        out = masks(0, x, logits.clone())
        (a,), (b,), (cc,) = c.slots["a"], c.slots["b"], c.slots["c"]
        words = [t for t in range(tok.vocab_size) if t != tok.pad_id]
        assert torch.equal(out[1, a, words], logits[1, a, words])  # the current group keeps its logits
        assert (out[1, b, words] == 0).all() and (out[1, cc, words] == 0).all()  # later groups: flat
        assert torch.equal(out[0, :, words], logits[0, :, words])  # the row without rules
        x[1, a] = ids(tok, "cup")[0]
        out = masks(1, x, logits.clone())
        assert torch.equal(out[1, b, words], logits[1, b, words]) and (out[1, cc, words] == 0).all()

    def test_the_later_groups_wait_and_the_denoiser_commits_them_last(self):
        tok = tokenizer()
        c = compile_template("{a:1} {b|cup,plate} {c|cup,plate}", tok)
        masks = ValueMasks([c, c], rules=[None, Rules(lambda partial: {}, order=[["a"], ["b"], ["c"]])])
        x, _ = canvas_batch(tok, c, c)
        (a,), (b,), (cc,) = c.slots["a"], c.slots["b"], c.slots["c"]
        masks(0, x, torch.zeros(2, len(c.ids), tok.vocab_size))
        waiting = masks.deferred(0, x)
        assert waiting[1].nonzero().flatten().tolist() == [b, cc] and not waiting[0].any()
        x[1, a] = ids(tok, "cup")[0]
        assert masks.deferred(1, x)[1].nonzero().flatten().tolist() == [cc]

        class Unsure:  # at slot a the model spreads over the whole vocabulary; b and c have two choices each
            mask_id, pad_id, max_length, device, shift = tok.mask_id, tok.pad_id, 16, torch.device("cpu"), False

            def __call__(self, input_ids, attention_mask=None):
                return torch.zeros(*input_ids.shape, tok.vocab_size)

        order = []
        x, _ = canvas_batch(tok, c, c)
        denoise(Unsure(), x, steps=6, logits_hook=masks, defer_hook=masks.deferred,
                tokens_hook=lambda step, xs: order.append([int(xs[1, p] != tok.mask_id) for p in (a, b, cc)]))
        # in the fill order: flat choices alone (50% sure) would come before a (1/V sure)
        seen = [state for state in dict.fromkeys(map(tuple, order)) if any(state)]
        assert seen[0] == (1, 0, 0) and set(seen) <= {(1, 0, 0), (1, 1, 0), (1, 1, 1)} and seen[-1] == (1, 1, 1)

    def test_choices_allow_and_rules_on_one_canvas(self):
        tok = tokenizer()
        other = compile_template("{z:1}", tok)
        c = compile_template("step {a|pick up,put down,pick} {b:<=2} .", tok)
        not_put = torch.ones(tok.vocab_size, dtype=torch.bool)
        not_put[ids(tok, "put")[0]] = False
        rules = Rules(lambda partial: {"a": ["pick up", "put down"], "b": ["red cup", "big plate", "door"]})
        masks = ValueMasks([other, c], allow=[None, {"a": not_put, "b": ["red", "big", "cup", "plate"]}],
                           rules=[None, rules])
        x, logits = canvas_batch(tok, other, c)
        out = masks(0, x, logits)
        a0, a1 = c.slots["a"]
        b0, b1 = c.slots["b"]
        # choices {pick up, put down, pick} & allow (no "put") & rules {pick up, put down}: "pick up"
        assert allowed_at(out, 1, a0) == set(ids(tok, "pick")) and allowed_at(out, 1, a1) == set(ids(tok, "up"))
        # rules {red cup, big plate, door} & allow {red, big, cup, plate} (+ the empty tail)
        assert allowed_at(out, 1, b0) == set(ids(tok, "red big"))
        assert allowed_at(out, 1, b1) == {*ids(tok, "cup plate"), tok.pad_id}


class TestBooleanRows:
    @pytest.mark.parametrize("sparse_ids", [256, 0])  # 0: every allow row takes the dense path
    def test_rows_match_id_lists(self, monkeypatch, sparse_ids):
        monkeypatch.setattr(value_masks, "SPARSE_IDS", sparse_ids)
        tok = tokenizer()
        v = tok.vocab_size
        c = compile_template("{d:2} {e:<=2} {f|1,2,3}", tok)
        digits = torch.zeros(v + 5, dtype=torch.bool)  # as wide as a model's padded logits
        digits[ids(tok, "1 2 3")] = True
        e_rows = torch.zeros(2, v, dtype=torch.bool)
        e_rows[0, ids(tok, "1")] = True  # no empty token: the row is taken as given
        e_rows[1, [*ids(tok, "2 3"), tok.pad_id]] = True
        ban_2 = torch.zeros(v, dtype=torch.bool)
        ban_2[ids(tok, "2")] = True
        masks = ValueMasks(c, allow={"d": digits, "e": e_rows, "f": digits}, ban={"d": ban_2, "f": ["3"]})
        out = masks(0, torch.tensor([c.ids]), logits_for(c))
        assert allowed_at(out, 0, 0) == set(ids(tok, "1 3")) == allowed_at(out, 0, 1)
        assert allowed_at(out, 0, 2) == set(ids(tok, "1"))
        assert allowed_at(out, 0, 3) == {*ids(tok, "2 3"), tok.pad_id}
        assert allowed_at(out, 0, 4) == set(ids(tok, "1 2"))

    def test_bad_rows(self):
        tok = tokenizer()
        c = compile_template("{d:2}", tok)
        with pytest.raises(InputError, match="boolean row over the vocabulary"):
            ValueMasks(c, allow={"d": torch.ones(tok.vocab_size - 1, dtype=torch.bool)})
        with pytest.raises(InputError, match="2 positions, got 3 token rows"):
            ValueMasks(c, allow={"d": torch.ones(3, tok.vocab_size, dtype=torch.bool)})
        with pytest.raises(InputError, match="leave no token"):
            ValueMasks(c, allow={"d": torch.zeros(tok.vocab_size, dtype=torch.bool)})
        with pytest.raises(InputError, match="outside the vocabulary"):
            ValueMasks(c, allow={"d": [tok.vocab_size]})
