"""Many candidates per problem as rows of one batch: the first valid plan wins, the lower rank among equals."""

from __future__ import annotations

import torch

from constraints import one_of
from planners import PlanOptions, Request, TraceEvent, compile_template, refine_batch, requests_for
from scripted_lm import ScriptedDenoiser, lm, tokenizer

TEMPLATE = "pick {a|x,y,z} ."


class Prefers(ScriptedDenoiser):
    """The same logits at every position: x over y over z (greedy always writes x)."""

    def score(self, x: torch.Tensor) -> torch.Tensor:
        logits = torch.full((*x.shape, self.vocab), -10.0)
        for word, value in (("x", 1.0), ("y", 0.5), ("z", 0.0)):
            logits[..., self.tok.encode(word)[0]] = value
        return logits


def run(candidates: int | None, check=one_of("a", ["z"]), **options):
    model = lm(Prefers(tokenizer()))
    events: list[TraceEvent] = []
    opts = PlanOptions.of(candidates=candidates, max_rounds=3, retry_temperature=None, **options)
    results = refine_batch(model, requests_for(model, [TEMPLATE, TEMPLATE], check), options=opts,
                           on_step=events.append)
    return results, events, model


def test_sampled_candidates_find_what_greedy_decoding_never_writes():
    alone, _, _ = run(1)
    assert not any(r.solved for r in alone) and all(r.values["a"] == "x" for r in alone)
    results, events, model = run(8)
    assert len(results) == 2 and all(r.solved and r.values["a"] == "z" for r in results)
    assert {e.candidate for e in events} == set(range(8)) and {e.index for e in events} == {0, 1}
    # the candidates are rows of the same calls: a round makes one call for greedy rows, one for sampled rows
    assert max(r.rounds for r in results) <= 3 and model.denoiser.calls <= 2 * 3


def test_a_request_stops_at_its_first_valid_plan():
    results, events, _ = run(8, check=lambda values: [])  # everything is valid
    assert all(r.solved and r.rounds == 1 for r in results)
    assert max(e.round for e in events) == 1


def test_of_plans_valid_in_the_same_round_the_lower_rank_wins():
    model = lm(Prefers(tokenizer()))
    canvas = compile_template(TEMPLATE, model.tokenizer)
    rank = {"x": 2, "y": 0, "z": 1}
    request = Request(canvas, lambda values: [], rank=lambda values: rank[values["a"]])
    greedy = refine_batch(model, [request], options=PlanOptions.of(candidates=1))[0]
    assert greedy.values["a"] == "x"
    events: list[TraceEvent] = []
    best = refine_batch(model, [request], options=PlanOptions.of(candidates=8), on_step=events.append)[0]
    written = {e.values["a"] for e in events if e.kind == "check"}
    assert len(written) > 1 and best.solved  # the sampled candidates wrote other values than x
    assert rank[best.values["a"]] == min(rank[a] for a in written)


def test_unset_candidates_are_the_environment_recommendation_and_a_bare_template_runs_one():
    from environments import get_environment

    kitchen, sudoku = get_environment("kitchen"), get_environment("sudoku")
    assert PlanOptions().candidates is None and PlanOptions().n_candidates == 1
    assert PlanOptions().for_environment(kitchen).candidates == kitchen.recommended_candidates
    assert PlanOptions().for_environment(sudoku).candidates == sudoku.recommended_candidates == 16
    explicit = PlanOptions.of(candidates=1)
    assert explicit.for_environment(kitchen).candidates == 1  # an explicit number is kept
    _, events, _ = run(None)  # refine_batch on bare templates: one canvas each
    assert {e.candidate for e in events} == {0}


def test_sudoku_recommends_a_threshold_unless_the_options_give_a_schedule_and_late_candidates():
    from environments import get_environment

    sudoku, small, kitchen = get_environment("sudoku"), get_environment("sudoku4x4"), get_environment("kitchen")
    resolved = PlanOptions().for_environment(sudoku)
    threshold = resolved.sampling.confidence_threshold
    assert threshold == sudoku.recommended_options["confidence_threshold"] and 0.99 < threshold < 1
    assert resolved.late_candidates is True and resolved.retry_alg_temp == 1.0 and resolved.candidates == 16
    assert PlanOptions.of(late_candidates=False).for_environment(sudoku).late_candidates is False  # given: kept
    assert PlanOptions.of(steps=81).for_environment(sudoku).sampling.confidence_threshold is None
    assert PlanOptions.of(confidence_threshold=0.5).for_environment(sudoku).sampling.confidence_threshold == 0.5
    assert PlanOptions().for_environment(small).sampling.confidence_threshold is None
    assert PlanOptions().for_environment(kitchen).sampling.confidence_threshold is None


def test_the_recommended_threshold_solves_a_shipped_sudoku_in_fewer_model_calls():
    from dream_agent.planning import solve_batch
    from environments import get_environment

    env = get_environment("sudoku")
    puzzles = [env.generate(seed, difficulty="medium") for seed in (0, 1)]
    default = solve_batch(env, puzzles)
    one_per_step = solve_batch(env, puzzles, steps=81)
    assert all(r.solved for r in default + one_per_step)
    assert all(2 * d.nfe <= o.nfe for d, o in zip(default, one_per_step))


def test_late_candidates_join_only_once_the_first_draft_fails_its_check():
    _, events, _ = run(4, check=one_of("a", ["x"]), late_candidates=True)
    assert {e.candidate for e in events} == {0}  # the greedy draft is valid: one canvas was run
    results, events, _ = run(4, late_candidates=True, retry_alg_temp=1.0)
    first_check = next(i for i, e in enumerate(events) if e.kind == "check")
    assert events[first_check].candidate == 0
    assert all(e.candidate == 0 for e in events[:first_check]) and {e.candidate for e in events} == {0, 1, 2, 3}
    assert all(r.solved for r in results)  # a sampled candidate found z
    _, early, _ = run(4, check=one_of("a", ["x"]))
    assert {e.candidate for e in early} == {0, 1, 2, 3}  # without: every canvas runs from the start
