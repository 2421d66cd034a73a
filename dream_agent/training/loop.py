"""`train`: fit a tiny MDM to an environment's oracle plans, with checkpoints, exact resume and a card.

Library entry point of `dream-agent train`. The run is repeatable with a seed: the data, the
masks and the batch order all come from seeded generators, and a resumed run continues with
the saved optimiser and generator states, so it ends with the same weights as an uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import json
import math
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import safetensors.torch
import torch

from constraints.errors import InputError
from dream_agent.tiny import TinyConfig, TinyMDM, read_tiny_config, save_tiny
from dream_agent.training.card import CardText, write_card
from dream_agent.training.data import Example, collate, make_examples
from dream_agent.training.objective import diffusion_loss
from dream_agent.training.recipes import Recipe, get_recipe
from dream_agent.training.recipe_file import read_recipe_file
from dream_agent.training.workers import data_pool, data_workers
from dream_agent.vocab_tokenizer import VocabTokenizer
from environments import get_environment

CHECKPOINT = "checkpoint.pt"
DATA_CACHE = "train_data.safetensors"
TRAIN_SEED_BASE = 10_000_000  # training instances use seeds from here on; evaluations use small seeds
LOSS_WINDOW = 100  # steps averaged into a run's final loss


@dataclass(frozen=True)
class TrainResult:
    """What a run produced and what it cost."""

    out_dir: Path
    steps: int
    final_loss: float  # mean over the last LOSS_WINDOW steps (one batch's loss is noisy)
    losses: tuple[float, ...]
    n_params: int
    n_examples: int
    wall_s: float
    hardware: str


def _tokenizer(env: Any) -> VocabTokenizer:
    return VocabTokenizer(env.vocabulary())


def build_data(recipe: Recipe, env: Any, tokenizer: VocabTokenizer, seed: int, progress: Any = None,
               workers: int = 1) -> list[list[Example]]:
    """One pool of examples per curriculum stage (seeds disjoint from evaluation seeds), made in
    `workers` processes; the pools do not depend on how many."""
    prepare = env.prepare  # the planner's view of a problem (e.g. a step budget)
    settings = [knobs for stage in recipe.stages for knobs in stage.knobs]
    pools, j = [], 0
    sampled = recipe.solutions == "sampled"
    with data_pool(lambda j, seeds: make_examples(env, tokenizer, settings[j], seeds, prepare, sampled), workers) as run:
        for s, stage in enumerate(recipe.stages):
            pool: list[Example] = []
            for k, knobs in enumerate(stage.knobs):
                base = TRAIN_SEED_BASE + seed * 1_000_000 + (s * 16 + k) * 20_000
                task = progress.add_task(f"data {knobs}", total=stage.examples) if progress else None
                tick = (lambda n, task=task: progress.advance(task, n)) if progress else None
                pool += run(j, range(base, base + stage.examples), tick)
                j += 1
            pools.append(pool)
    return pools


def _save_pools(pools: list[list[Example]], path: Path, data_key: str) -> None:
    tensors = {}
    for i, pool in enumerate(pools):
        tensors[f"len{i}"] = torch.tensor([len(e.ids) for e in pool], dtype=torch.long)
        tensors[f"ids{i}"] = torch.tensor([t for e in pool for t in e.ids], dtype=torch.long)
        tensors[f"slot{i}"] = torch.tensor([m for e in pool for m in e.slot_mask], dtype=torch.bool)
    safetensors.torch.save_file(tensors, str(path), metadata={"data_key": data_key})


def _load_pools(path: Path, data_key: str) -> list[list[Example]]:
    """The cached pools; a cache made by other data settings is refused (a resumed run would silently
    train on data its recipe does not describe). Caches written before keys were kept are read as they are."""
    with safetensors.safe_open(str(path), framework="pt") as handle:
        saved = (handle.metadata() or {}).get("data_key")
    if saved is not None and saved != data_key:
        raise InputError(f"{path} holds training data made by other settings ({saved[:300]}); resume with the "
                         f"recipe and seed it was made with, or remove the file to make new data")
    tensors = safetensors.torch.load_file(str(path))
    pools = []
    for i in range(sum(k.startswith("len") for k in tensors)):
        ids, slot, start, pool = tensors[f"ids{i}"].tolist(), tensors[f"slot{i}"].tolist(), 0, []
        for n in tensors[f"len{i}"].tolist():
            pool.append(Example(tuple(ids[start : start + n]), tuple(slot[start : start + n])))
            start += n
        pools.append(pool)
    return pools


def _lr(step: int, recipe: Recipe, total: int) -> float:
    """Linear warm-up, then cosine decay to a tenth of the peak."""
    if step < recipe.warmup:
        return recipe.lr * (step + 1) / recipe.warmup
    progress = (step - recipe.warmup) / max(1, total - recipe.warmup)
    return recipe.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def hardware(device: str) -> str:
    """A one-line description of where training ran."""
    if device.startswith("cuda") and torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)} (CUDA)"
    return f"CPU {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"


def train(
    env_name: str,
    steps: int | None = None,
    out_dir: str | Path | None = None,
    *,
    seed: int = 0,
    device: str = "cpu",
    resume: bool = False,
    checkpoint_every: int = 100,
    progress: bool = True,
    evaluate: bool = True,
    threads: int | None = None,
    stop_after: int | None = None,
    log: Callable[[str], None] | None = None,
    recipe_file: str | Path | None = None,
    init: str | Path | None = None,
    **overrides: Any,
) -> TrainResult:
    """Train the small MDM of `env_name` and save it (config.json, model.safetensors, card.md).

    Args:
        env_name: a registered environment with a recipe (`dream_agent.training.RECIPES`).
        steps: optimiser steps (default: the recipe's); 0 writes the untrained control, a model of
            the same shape and vocabulary that has learnt nothing (what the constraints do alone).
        out_dir: model directory (default: ``./models/<env_name>``).
        seed: seeds data, initial weights, masks and batch order.
        device: "cpu" or "cuda".
        resume: continue from ``out_dir/checkpoint.pt`` when it exists.
        checkpoint_every: steps between checkpoints.
        progress: show a progress bar.
        evaluate: solve fresh instances at the end of the run (or of this sitting) and put the figures in the card.
        threads: CPU threads for torch and processes making the data (None: torch's default threads, every core for data).
        stop_after: end this sitting after so many more steps (checkpointed; the model so far is saved and
            its card says at which step of the schedule; `resume` continues it later).
        log: called with a status line now and then (e.g. a log file writer).
        recipe_file: a JSON file of recipe fields to change (`dream_agent.training.recipe_file`);
            `overrides` win over it.
        init: a model directory of this recipe's shape and vocabulary whose weights start the run
            (with a fresh optimiser and schedule): fine-tuning a model on another data mix.
        **overrides: recipe fields to change (dim, n_layers, batch_size, lr, weighting, ...).

    Returns:
        The TrainResult.
    """
    env = get_environment(env_name)
    from_file = read_recipe_file(recipe_file, env) if recipe_file is not None else {}
    recipe = get_recipe(env_name).with_overrides(**from_file).with_overrides(steps=steps, **overrides)
    named = f" --recipe {recipe_file}" if recipe_file is not None else ""
    # the overrides the CLI has flags for, so the card's command trains the same model
    flags = "".join(f" --{name.replace('_', '-')} {overrides[name]}" for name in ("batch_size", "weighting")
                    if overrides.get(name) is not None)
    if init is not None:
        flags += f" --init {init}"
    card = CardText(reproduce=f"dream-agent train {recipe.env} --steps {recipe.steps} --seed {seed}{named}{flags}")

    def evaluation(model_dir: Path) -> dict[str, Any]:
        from dream_agent.training.card import evaluate_model

        return evaluate_model(env, model_dir, recipe.eval_knobs, recipe.eval_n)

    return fit(recipe, env, out_dir or Path("models") / env_name,
               lambda bar: build_data(recipe, env, VocabTokenizer(env.vocabulary()), seed, bar, data_workers(threads)),
               json.dumps({"env": recipe.env, "seed": seed,
                           "stages": [[list(stage.knobs), stage.examples] for stage in recipe.stages],
                           **({"solutions": recipe.solutions} if recipe.solutions != "oracle" else {})}, sort_keys=True),
               seed=seed, device=device, resume=resume, checkpoint_every=checkpoint_every, progress=progress,
               evaluate=evaluation if evaluate else None, threads=threads, stop_after=stop_after, log=log, card=card,
               init=init)


def fit(
    recipe: Recipe,
    env: Any,
    out_dir: str | Path,
    make_pools: Callable[[Any], list[list[Example]]],
    data_key: str,
    *,
    seed: int = 0,
    device: str = "cpu",
    resume: bool = False,
    checkpoint_every: int = 100,
    progress: bool = True,
    evaluate: Callable[[Path], dict[str, Any]] | None = None,
    threads: int | None = None,
    stop_after: int | None = None,
    log: Callable[[str], None] | None = None,
    card: CardText | None = None,
    init: str | Path | None = None,
) -> TrainResult:
    """The training run behind `train` (and `train_pddl`): data, model, optimiser loop, checkpoints, card.

    Args:
        recipe: shape, data mix and schedule; `max_length=None` takes the longest training canvas
            (a quarter more when `recipe.shift`, which trains every position: room for larger problems).
        env: the environment (its vocabulary is the model's).
        out_dir: the model directory.
        make_pools: progress bar -> one pool of examples per curriculum stage (cached in
            ``out_dir/train_data.safetensors`` for resuming).
        data_key: what the pools are made from (generator settings, counts, seed): a resumed run
            refuses a cache made from anything else.
        evaluate: model directory -> the card's figures (None: no evaluation).
        card: the card's data description and reproduce command.
        init: a model directory whose weights start the run (a checkpoint being resumed wins).
        Other arguments: see `train`.
    """
    if threads is not None:
        torch.set_num_threads(threads)
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InputError("device 'cuda' asked for but torch sees no CUDA device; use --device cpu")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = _tokenizer(env)
    say = log or (lambda line: None)
    start_from = _init_config(init, tokenizer) if init is not None else None  # checked before the data is made

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   disable=not progress)
    with bar:
        cache = out / DATA_CACHE
        if recipe.steps == 0 and recipe.max_length is not None:  # the untrained control: no data needed
            pools = [[] for _ in recipe.stages]
        elif resume and cache.is_file():
            pools = _load_pools(cache, data_key)
        else:
            t0 = time.perf_counter()
            pools = make_pools(bar)
            _save_pools(pools, cache, data_key)
            say(f"data: {sum(map(len, pools))} examples in {time.perf_counter() - t0:.0f}s")
        longest = max((len(e.ids) for pool in pools for e in pool), default=0)
        if recipe.max_length is None:
            recipe = recipe.with_overrides(max_length=longest * 5 // 4 if recipe.shift else longest)
        if longest > recipe.max_length:
            raise InputError(f"{recipe.env}: training canvases reach {longest} tokens; raise max_length ({recipe.max_length})")
        if recipe.steps == 0:
            pools = [[] for _ in recipe.stages]

        torch.manual_seed(seed)
        config = TinyConfig(vocab_size=tokenizer.vocab_size, max_length=recipe.max_length, dim=recipe.dim,
                            n_layers=recipe.n_layers, n_heads=recipe.n_heads, ffn_dim=recipe.ffn_dim)
        model = TinyMDM(config).to(device)
        optim = torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay, betas=(0.9, 0.98))
        generator = torch.Generator().manual_seed(seed)
        start, losses, wall = 0, [], 0.0
        ckpt = out / CHECKPOINT
        if start_from is not None and not (resume and ckpt.is_file()):
            _load_init(model, start_from, init)
            say(f"weights from {init}")
        if resume and ckpt.is_file():
            state = torch.load(ckpt, map_location=device, weights_only=True)
            try:
                model.load_state_dict(state["model"])
            except RuntimeError:  # another dim, depth or max_length
                raise InputError(f"{ckpt} was saved by a model of another shape than this recipe's ({config}); "
                                 "resume with the recipe it was made with") from None
            optim.load_state_dict(state["optim"])
            generator.set_state(state["generator"].cpu())  # map_location moved it with the weights
            start, losses, wall = int(state["step"]), list(state["losses"]), float(state["wall"])
            say(f"resumed at step {start}")

        task = bar.add_task(f"train {recipe.env}", total=recipe.steps, completed=start)
        t_start = time.perf_counter() - wall
        model.train()
        end = recipe.steps if stop_after is None else min(recipe.steps, start + stop_after)
        joined, active = -1, []
        for step in range(start, end):
            stages = sum(step >= stage.start * recipe.steps for stage in recipe.stages)
            if stages != joined:  # a stage joined the mix: rebuild the pool (not every step: it is long)
                joined = stages
                active = [e for pool, stage in zip(pools, recipe.stages) if step >= stage.start * recipe.steps for e in pool]
            picks = torch.randint(len(active), (recipe.batch_size,), generator=generator).tolist()
            batch = [active[i] for i in picks]
            shifts = _shifts(batch, recipe.max_length, generator) if recipe.shift else None
            ids, slot, attn = collate(batch, tokenizer.pad_id, shifts)
            for group in optim.param_groups:
                group["lr"] = _lr(step, recipe, recipe.steps)
            result = diffusion_loss(lambda x, a: model(x.to(device), a.to(device)), ids.to(device), slot.to(device),
                                    tokenizer.mask_id, generator, attention_mask=attn, weighting=recipe.weighting)
            optim.zero_grad(set_to_none=True)
            result.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optim.step()
            losses.append(float(result.loss.detach()))
            bar.update(task, advance=1, description=f"train {recipe.env} loss {losses[-1]:.3f} acc {result.masked_acc:.2f}")
            done = step + 1
            if done % checkpoint_every == 0 or done == end:
                wall = time.perf_counter() - t_start
                torch.save({"model": model.state_dict(), "optim": optim.state_dict(), "generator": generator.get_state(),
                            "step": done, "losses": losses, "wall": wall}, ckpt)
                recent = losses[-checkpoint_every:]
                say(f"step {done}/{recipe.steps} loss {sum(recent) / len(recent):.4f} acc {result.masked_acc:.3f} wall {wall:.0f}s")
    wall = time.perf_counter() - t_start
    finished = end == recipe.steps
    model.eval()
    n_params = sum(p.numel() for p in model.parameters())
    save_tiny(model.cpu(), tokenizer, out)
    figures = None
    if not finished and card is not None:  # a sitting's model: the same weights come from a run stopped there
        card = dataclasses.replace(card, reproduce=f"{card.reproduce} --stop-after {end}")
    if evaluate is not None:
        figures = evaluate(out)
        say(f"eval: {figures}")
    recent = losses[-LOSS_WINDOW:]
    result = TrainResult(out, end, sum(recent) / len(recent) if recent else math.nan, tuple(losses), n_params,
                         sum(map(len, pools)), wall, hardware(device))
    write_card(out, recipe, result, seed, figures, card)
    return result


def _init_config(init: str | Path, tokenizer: VocabTokenizer) -> TinyConfig:
    """The shape of the model directory `init`, refused when its vocabulary is not this environment's."""
    config, vocab = read_tiny_config(init)
    if vocab.tokens != tokenizer.tokens:
        raise InputError(f"--init {init}: its vocabulary differs from this environment's ({vocab.vocab_size} against "
                         f"{tokenizer.vocab_size} tokens); start from a model trained for this environment")
    return config


def _load_init(model: TinyMDM, config: TinyConfig, init: str | Path) -> None:
    """Copy the weights of the model directory `init` (shape `config`) into `model`."""
    if dataclasses.replace(config, dropout=model.config.dropout) != model.config:
        raise InputError(f"--init {init}: a model of another shape ({config}) than this recipe's ({model.config}); "
                         "give the recipe its shape (--recipe) or start from a model of this one")
    try:
        safetensors.torch.load_model(model, str(Path(init) / "model.safetensors"), strict=True)
    except (FileNotFoundError, RuntimeError) as err:
        raise InputError(f"--init {init}: its weights do not load ({str(err).splitlines()[0][:200]})") from None


def _shifts(batch: list[Example], max_length: int, generator: torch.Generator) -> list[int]:
    """Per row, how many padding positions go in front (so every position up to max_length is trained)."""
    return [int(torch.randint(max_length - len(e.ids) + 1, (1,), generator=generator)) for e in batch]
