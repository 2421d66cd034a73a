"""Budgets hold whether or not the check can pass: rounds, NFE and wall time, and the best plan seen is kept.

The checkers here accept some fillings (the ones the drawn `goal` names), so runs end both ways:
solved before the budget, or the budget spent. `tests/planners/test_refine.py` covers checks that never pass.
"""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st
from scripted_lm import RandomLogits, lm, tokenizer

from constraints import Violation
from planners import PlanOptions, refine

TEMPLATE = "{a|cup,plate,door} {b|red,big} {c|x,y,z}"
GOALS = st.fixed_dictionaries({"a": st.sets(st.sampled_from(["cup", "plate", "door"]), min_size=1),
                               "b": st.sets(st.sampled_from(["red", "big"]), min_size=1),
                               "c": st.sets(st.sampled_from(["x", "y", "z"]), min_size=1)})


def checker(goal: dict[str, set[str]]):
    """A violation for each slot whose value is not one of the goal's; passes when all are."""
    def check(values: dict[str, str]) -> list[Violation]:
        return [Violation("goal", f"{slot} is {values[slot]!r}", slots=(slot,))
                for slot in ("a", "b", "c") if values.get(slot) not in goal[slot]]
    return check


@settings(max_examples=40, deadline=None)
@given(goal=GOALS, max_rounds=st.integers(1, 6), max_nfe=st.none() | st.integers(1, 15), steps=st.integers(1, 4),
       temperature=st.sampled_from([0.0, 1.0]), seed=st.integers(0, 2**16),
       policy=st.sampled_from(["blamed", "blamed_plus_lowconf"]))
def test_rounds_and_nfe_stay_in_budget_and_the_best_plan_is_kept(goal, max_rounds, max_nfe, steps, temperature, seed,
                                                                  policy) -> None:
    model = lm(RandomLogits(tokenizer(), seed=seed))
    checks: list[int] = []
    options = PlanOptions.of(steps=steps, max_rounds=max_rounds, max_nfe=max_nfe, temperature=temperature, seed=seed,
                             remask=policy)
    result = refine(model, TEMPLATE, checker(goal), options=options,
                    on_step=lambda event: checks.append(event.violations) if event.kind == "check" else None)
    assert 1 <= result.rounds <= max_rounds
    assert max_nfe is None or (result.nfe <= max_nfe and model.denoiser.calls <= max_nfe)
    assert checks, "every round is checked"
    assert len(result.violations) == min(checks)  # the best round's plan, never a later worse one
    assert result.solved == (min(checks) == 0)
    assert result.violations == tuple(checker(goal)(result.values))


@settings(max_examples=8, deadline=None)
@given(goal=GOALS, timeout=st.floats(0.02, 0.2), seed=st.integers(0, 2**16))
def test_wall_time_is_the_timeout_plus_at_most_one_round(goal, timeout, seed) -> None:
    model = lm(RandomLogits(tokenizer(), seed=seed, delay_s=0.005))
    rounds: list[float] = []  # when each round's check ran
    start = time.perf_counter()
    options = PlanOptions.of(steps=3, max_rounds=10_000, timeout_s=timeout, temperature=1.0, seed=seed)
    result = refine(model, TEMPLATE, checker(goal), options=options,
                    on_step=lambda event: rounds.append(time.perf_counter()) if event.kind == "check" else None)
    wall = time.perf_counter() - start
    longest = max(b - a for a, b in zip([start, *rounds], rounds))
    assert wall <= timeout + longest + 0.1, (wall, timeout, longest)  # 0.1 s: the check and bookkeeping, loaded CPU
    assert result.seconds <= wall


@settings(max_examples=15, deadline=None)
@given(goal=GOALS, candidates=st.integers(2, 4), max_rounds=st.integers(1, 4), max_nfe=st.integers(1, 10),
       seed=st.integers(0, 2**16))
def test_candidates_share_the_budget_and_a_valid_candidate_wins(goal, candidates, max_rounds, max_nfe, seed) -> None:
    model = lm(RandomLogits(tokenizer(), seed=seed))
    checks: list[int] = []
    options = PlanOptions.of(steps=2, max_rounds=max_rounds, max_nfe=max_nfe, candidates=candidates, seed=seed)
    result = refine(model, TEMPLATE, checker(goal), options=options,
                    on_step=lambda event: checks.append(event.violations) if event.kind == "check" else None)
    assert result.rounds <= max_rounds
    # max_nfe holds for the request: the greedy first candidate and the sampled others go in separate
    # denoise calls (one per sampling), and every call any of them took part in counts, once
    assert result.nfe == model.denoiser.calls <= max_nfe
    assert result.solved == (0 in checks)
