"""`train_pddl`: a small MDM for any PDDL domain, trained on problems made from the user's own files.

Training problems are random walks from the given problems' initial states (and from states
reached by earlier walks) with goals relabelled from what the walks reached
(`environments.pddl.walks`), each solved optimally by the environment's oracle within a bound
(problems it cannot solve in time are skipped). Objects are written as canonical tokens
(`environments.pddl.names`), so the model reads problems whatever they call their objects.
The model directory records the domain it serves in domain.json (name, structural fingerprint,
the domain text, the object pool and the step budget); planning refuses it for another domain.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Callable, Sequence

from constraints.errors import InputError
from dream_agent.training.card import CardText
from dream_agent.training.data import Example, encode_solution
from dream_agent.training.loop import TRAIN_SEED_BASE, TrainResult, _tokenizer, fit
from dream_agent.training.recipes import Recipe, Stage
from dream_agent.training.workers import data_pool, data_workers
from environments.pddl import PDDLEnvironment, PDDLProblem
from environments.pddl.environment import DEFAULT_ORACLE
from environments.pddl.names import domain_fingerprint, kind_predicates, object_groups
from environments.pddl.oracle import relaxed_plan_length
from environments.pddl.states import PredicateGroups
from environments.pddl.record import DOMAIN_RECORD, domain_record, environment_for_model, read_domain_record, write_domain_record

RATIO_SAMPLE = 1000  # training problems that set the model's steps per relaxed step
GIVEN_EVAL = 10  # the card solves at most this many of the given problems
# canvases per problem a plan request runs with a trained PDDL model (domain.json; --candidates
# overrides): 8 took Blocksworld from 35% to 85% and Kitchen from 65% to 80% (docs/results.md)
PLAN_CANDIDATES = 8
DATA_LIMITS = {"max_nodes": 20_000, "timeout": 2.0}  # the oracle's bound per training problem


WALK_KNOBS = {"walk_length": 60, "goal_atoms": 10, "restarts": 1, "far_goals": 0.3, "novelty": 0.9, "clones": 4}


def pddl_recipe(name: str, knobs: dict[str, Any] | None = None, examples: int = 3000, **overrides: Any) -> Recipe:
    """The default recipe for a PDDL domain: a model of about 0.4M parameters, half an hour on one CPU thread
    (gripper: 800 steps of batch 16 gave a model worse than an untrained one, 4,000 of batch 32 a better one).

    Generator knobs (`PDDLEnvironment.generate`): up to 4 objects copied (larger problems than the
    given ones), walks of 1..60 steps that mostly seek atoms not seen yet, goals of up to 10 atoms,
    up to one walk moving the start state, 30% of the goals from a walk of their own.
    """
    knobs = dict(WALK_KNOBS if knobs is None else knobs)
    base = Recipe(name, (Stage((knobs,), 0.0, examples),), dim=96, n_layers=3, n_heads=4, ffn_dim=384, max_length=None,
                  batch_size=32, lr=2e-3, warmup=50, steps=4000, eval_knobs=knobs, eval_n=30, shift=True)
    return base.with_overrides(**overrides)


def _solved_problems(env: PDDLEnvironment, knobs: dict[str, Any], seeds: Sequence[int],
                     limits: dict[str, Any], suffixes: int = 0) -> list[tuple[PDDLProblem, list[str]]]:
    """The problems of `seeds` the oracle solves within `limits`, each followed by up to `suffixes`
    of its mid-plan restarts (`plan_suffixes`)."""
    out, plans = [], {}
    for seed in seeds:
        problem = env.generate(seed, **knobs)
        if problem.pddl not in plans:  # a problem kept with its own goal comes back often
            result = env.search(problem, **limits)
            plans[problem.pddl] = None if result.plan is None else [str(a) for a in result.plan]
        plan = plans[problem.pddl]
        if plan:
            out.append((problem, plan))
            if suffixes:
                out += plan_suffixes(env, problem, plan, random.Random(seed), suffixes)
    return out


def plan_suffixes(env: PDDLEnvironment, problem: PDDLProblem, plan: Sequence[str], rng: random.Random,
                  most: int) -> list[tuple[PDDLProblem, list[str]]]:
    """Up to `most` problems that start part-way along a shortest `plan`: the state after k steps
    (k drawn from 1..len-1) as the initial state, the same goal, and the plan's last steps, which
    are a shortest plan from there (a shorter one would shorten the whole plan). They show the
    model states where part of the goal already holds, at no oracle cost."""
    out = []
    for k in sorted(rng.sample(range(1, len(plan)), min(most, len(plan) - 1))):
        try:
            restarted = env.restart(problem, plan[:k])
        except InputError:  # a goal that is not a conjunction of literals is not restated
            break
        out.append((PDDLProblem(pddl=restarted.pddl), list(plan[k:])))  # the budget is the trainer's
    return out


def train_pddl(
    domain: str,
    problems: Sequence[str],
    out_dir: str | Path,
    steps: int | None = None,
    *,
    seed: int = 0,
    device: str = "cpu",
    object_pool: int | None = None,
    object_kinds: bool = True,
    object_order: str = "sorted",
    resume: bool = False,
    evaluate: bool = True,
    progress: bool = True,
    threads: int | None = None,
    stop_after: int | None = None,
    checkpoint_every: int = 100,
    log: Callable[[str], None] | None = None,
    reproduce: str | None = None,
    knobs: dict[str, Any] | None = None,
    examples: int = 3000,
    limits: dict[str, Any] | None = None,
    suffixes: int = 0,
    oracle: str | None = None,
    state_view: str | None = None,
    goal_view: str = "whole",
    **overrides: Any,
) -> TrainResult:
    """Train a small MDM for a PDDL domain from problems over it and save it with its domain record.

    Args:
        domain: the domain's PDDL text.
        problems: PDDL texts of the user's problems: their objects and initial states seed the walks.
        out_dir: the model directory.
        steps: optimiser steps (default: the recipe's); 0 writes the untrained control (same shape).
        object_pool: object tokens per type (default: twice the most objects of one type, at least 16).
        object_kinds: name untyped objects after the static unary predicates that type them ("ball3"
            instead of "o3"; `environments.pddl.names`). A resumed run keeps the naming it began with.
        object_order: which token each object gets: "sorted" (0, 1, ... in the order of their names) or
            "drawn" (at random from the pool; `environments.pddl.names`). A resumed run keeps its own.
        reproduce: the command line that reads the same files (the card adds --steps and --seed).
        knobs: `PDDLEnvironment.generate` arguments (default: `WALK_KNOBS`).
        examples: training problems to make (those the oracle cannot solve within `limits` are skipped).
        limits: the oracle's bound per problem (default: `DATA_LIMITS`).
        suffixes: mid-plan restarts added per solved problem (`plan_suffixes`; no oracle calls).
        state_view: write the state after each step into the template, as these predicate groups see it
            (`environments.pddl.states.PredicateGroups`, e.g. "at,carry;=at-robby"). A resumed run keeps its own.
        goal_view: "split" writes the goal atoms still to reach apart from those already true
            (`environments.pddl.templates.compact_context`); "whole" as given. A resumed run keeps its own.
        oracle: the planner solving them (`PDDLEnvironment` oracles; default bfs). "fast-downward" (optional
            packages) solves problems far beyond the pure-Python searches' bounds; only `limits`' timeout applies to it.
        Other arguments: see `dream_agent.training.train`; `overrides` change recipe fields.
    """
    if not problems:
        raise InputError("training for a PDDL domain needs at least one problem (--problem P.pddl)")
    bases = [PDDLProblem(pddl=text) for text in problems]
    probe = PDDLEnvironment(domain, base_problems=bases)
    for base in bases:
        probe.parse_problem(base)
    out = Path(out_dir)
    saved = read_domain_record(out) if resume and (out / DOMAIN_RECORD).is_file() else None
    if saved is not None:  # a run goes on naming objects as it began
        environment_for_model(domain, saved, out)
        object_kinds = saved.get("object_names", "types") == "kinds"
        object_order = saved.get("object_order", "drawn")
        state_view = saved.get("state_view")
        goal_view = saved.get("goal_view", "whole")
    kinds = kind_predicates(probe.domain) if object_kinds else ()
    most = max(len(group) for base in bases for group in object_groups(probe.task(base), kinds).values())
    pool = object_pool or max(16, 2 * most)
    view = PredicateGroups(state_view) if state_view else None
    if view is not None:
        view.check(probe.domain)
    env = PDDLEnvironment(domain, base_problems=bases, object_pool=pool, object_kinds=object_kinds,
                          object_order=object_order, goal_view=goal_view,
                          oracle=oracle or DEFAULT_ORACLE, states=view)
    recipe = pddl_recipe(env.name, knobs, examples, steps=steps, **overrides)
    limits = dict(limits or DATA_LIMITS)
    names = [probe.task(b).problem.name for b in bases]
    if saved is not None:
        env.default_max_steps = int(saved["max_steps"])
    tokenizer = _tokenizer(env)
    (stage,) = recipe.stages
    knobs = stage.knobs[0]

    def make_pools(bar: Any) -> list[list[Example]]:
        base = TRAIN_SEED_BASE + seed * 1_000_000
        task = bar.add_task(f"data: walks solved by the oracle ({env.domain.name})", total=stage.examples) if bar else None
        with data_pool(lambda _, seeds: _solved_problems(env, knobs, seeds, limits, suffixes), data_workers(threads)) as run:
            solved = run(None, range(base, base + stage.examples), (lambda n: bar.advance(task, n)) if bar else None)
        if not solved:
            raise InputError(f"{env.domain.name}: the oracle solved none of the walk problems within {limits}")
        longest = max(len(plan) for _, plan in solved)
        env.default_max_steps = longest + (longest + 3) // 4  # room for plans a quarter longer than the longest seen
        write_domain_record(out, domain_record(env, domain, names, env.default_max_steps, PLAN_CANDIDATES,
                                               relaxed_ratio(env, solved[:RATIO_SAMPLE])))
        examples = []
        for problem, plan in solved:
            problem = env.prepare(problem)
            examples.append(encode_solution(env, problem, env.plan_to_values(problem, plan, "compact"), tokenizer))
        return [examples]

    def evaluation(model_dir: Path) -> dict[str, Any]:
        from dream_agent.training.card import evaluate_model

        walks = {**recipe.eval_knobs, "own_goals": 0.0}
        figures = evaluate_model(env, model_dir, walks, recipe.eval_n)
        figures["what"] = "walk problems from seeds never used in training"
        given.update(evaluate_model(env, model_dir, {}, problems=bases[:GIVEN_EVAL]))
        return figures

    given: dict[str, Any] = {}

    card = CardText(
        reproduce=f"{reproduce or 'dream-agent train pddl --domain D.pddl --problem P.pddl'} --steps {recipe.steps} --seed {seed}",
        data=(f"problems made from {_listing(names)} (generator knobs {knobs}: random walks with goals relabelled "
              f"from reached atoms), solved optimally by the oracle ({env.oracle}, bound {limits}; unsolved ones skipped)"
              + (f", each with up to {suffixes} restarts part-way along its plan" if suffixes else "")),
        about=(f"Serves the PDDL domain `{env.domain.name}` (fingerprint `{domain_fingerprint(env.domain)}`, recorded "
               f"in domain.json with the object pool ({pool} tokens per type"
               + (f" and per kind: {', '.join(kinds)}" if kinds else "")
               + f", objects numbered {'in the order of their names' if object_order == 'sorted' else 'at random'}) and the step budget)."
               + (f" Its template writes the state after each step as the predicate groups `{state_view}` see it."
                  if state_view else "")
               + (" Its template writes the goal atoms still to reach apart from those the initial state holds."
                  if goal_view == "split" else "")),
    )
    data_key = json.dumps({"domain": domain_fingerprint(env.domain), "problems": names, "knobs": knobs,
                           "examples": stage.examples, "limits": limits, "seed": seed, "pool": pool,
                           "suffixes": suffixes, **({"object_names": "kinds"} if object_kinds else {}),
                           **({"object_order": object_order} if object_order != "drawn" else {}),
                           **({"state_view": state_view} if state_view else {}),
                           **({"goal_view": goal_view} if goal_view != "whole" else {}),
                           **({"oracle": oracle} if oracle and oracle != DEFAULT_ORACLE else {})},
                          sort_keys=True)
    result = fit(recipe, env, out, make_pools, data_key, seed=seed, device=device, resume=resume, checkpoint_every=checkpoint_every,
                 progress=progress, evaluate=evaluation if evaluate else None, threads=threads,
                 stop_after=stop_after, log=log, card=card)
    if given:
        with open(out / "card.md", "a", encoding="utf-8") as card_file:
            card_file.write(f"\nThe given problems ({_listing(names[:GIVEN_EVAL])}): solved {given['local']['solved']:.0%} with local "
                            f"constraints + remasking, {given['model_only']['solved']:.0%} by the model alone.\n")
    return result


def relaxed_ratio(env: PDDLEnvironment, solved: Sequence[tuple[PDDLProblem, Sequence[str]]]) -> float | None:
    """The most steps an optimal plan took per step of its problem's relaxed plan (None: no such pair)."""
    ratios = []
    for problem, plan in solved:
        relaxed = relaxed_plan_length(env.task(problem))
        if relaxed:
            ratios.append(len(plan) / relaxed)
    return round(max(ratios), 4) if ratios else None


def _listing(names: Sequence[str]) -> str:
    return ", ".join(names) if len(names) <= 4 else f"{len(names)} problems ({', '.join(names[:2])}, ...)"
