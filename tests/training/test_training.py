"""Training a small MDM: the objective, the data, loss going down, exact resume, the card and the CLI."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

from dream_agent.training import RECIPES, Stage, diffusion_loss, train
from dream_agent.training.data import collate, encode_solution
from dream_agent.training.objective import corrupt
from dream_agent.vocab_tokenizer import VocabTokenizer
from environments import get_environment
from planners.compile import compile_template, decode_slots

SMALL = dict(dim=32, n_layers=1, n_heads=2, ffn_dim=64, max_length=32, batch_size=16, warmup=5, lr=3e-3,
             stages=(Stage(({"difficulty": "easy"},), 0.0, 40),))


def test_corrupt_masks_only_slot_positions():
    gen = torch.Generator().manual_seed(0)
    x0 = torch.arange(40).reshape(4, 10)
    slot = torch.zeros(4, 10, dtype=torch.bool)
    slot[:, 5:] = True
    xt, masked, t = corrupt(x0, slot, mask_id=99, generator=gen)
    assert not masked[:, :5].any() and masked.any(dim=1).all()  # context kept, every row trains
    assert torch.equal(xt[~masked], x0[~masked]) and (xt[masked] == 99).all()
    assert ((t > 0) & (t <= 1)).all()


def test_unknown_weighting_is_refused():
    x0 = torch.zeros(1, 3, dtype=torch.long)
    with pytest.raises(ValueError, match="weighting"):
        diffusion_loss(lambda x, a: torch.zeros(1, 3, 4), x0, x0.bool(), 1, torch.Generator(), weighting="bogus")


@pytest.mark.parametrize("name", ["sudoku4x4", "countdown", "blocksworld", "kitchen"])
def test_examples_decode_back_to_the_oracle_plan(name):
    env = get_environment(name)
    tok = VocabTokenizer(env.vocabulary())
    problem = env.prepare(env.generate(7))
    values = env.plan_to_values(problem, env.solve(problem))
    example = encode_solution(env, problem, values, tok)
    canvas = compile_template(env.template(problem), tok)
    assert decode_slots(canvas, list(example.ids)) == {k: " ".join(v.split()) for k, v in values.items()}
    assert sum(example.slot_mask) == len(canvas.open_positions)
    assert not env.check_values(problem, values)


def test_collate_pads_and_marks_real_tokens():
    env = get_environment("countdown")
    tok = VocabTokenizer(env.vocabulary())
    examples = [encode_solution(env, p, env.plan_to_values(p, env.solve(p)), tok)
                for p in (env.generate(1, n=3), env.generate(1, n=5))]
    ids, slot, attn = collate(examples, tok.pad_id)
    assert ids.shape[0] == 2 and attn[0].sum() == len(examples[0].ids) < ids.shape[1]
    assert not slot[0, len(examples[0].ids):].any()


def test_training_reduces_loss_and_writes_a_model(tmp_path):
    result = train("sudoku4x4", 40, tmp_path / "m", seed=1, progress=False, evaluate=False, threads=1, **SMALL)
    first, last = sum(result.losses[:8]) / 8, sum(result.losses[-8:]) / 8
    assert last < 0.8 * first
    assert {"config.json", "model.safetensors", "card.md"} <= {p.name for p in (tmp_path / "m").iterdir()}
    card = (tmp_path / "m" / "card.md").read_text()
    assert "parameters" in card and "wall time" in card and f"{result.n_params:,}" in card


def test_card_command_names_the_weighting(tmp_path):
    train("sudoku4x4", 0, tmp_path / "m", progress=False, evaluate=False, threads=1, weighting="mgdm")
    assert "Reproduce: `dream-agent train sudoku4x4 --steps 0 --seed 0 --weighting mgdm`" in (tmp_path / "m" / "card.md").read_text()


def test_resume_is_exact(tmp_path):
    whole = train("sudoku4x4", 8, tmp_path / "a", seed=3, progress=False, evaluate=False, threads=1,
                  checkpoint_every=4, **SMALL)
    part = train("sudoku4x4", 8, tmp_path / "b", seed=3, progress=False, evaluate=False, threads=1,
                 checkpoint_every=4, stop_after=4, **SMALL)
    assert part.steps == 4
    card = (tmp_path / "b" / "card.md").read_text()
    assert "4 x batch" in card and "cosine over 8 steps: stopped part-way" in card, card
    assert "Reproduce: `dream-agent train sudoku4x4 --steps 8 --seed 3 --batch-size 16 --stop-after 4`" in card, card
    resumed = train("sudoku4x4", 8, tmp_path / "b", seed=3, progress=False, evaluate=False, threads=1,
                    checkpoint_every=4, resume=True, **SMALL)
    assert resumed.losses == whole.losses
    a, b = load_file(str(tmp_path / "a" / "model.safetensors")), load_file(str(tmp_path / "b" / "model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_every_shipped_environment_has_a_recipe():
    from dream_agent.models import SHIPPED

    assert set(SHIPPED) <= set(RECIPES)


def test_train_cli_rejects_bad_input(tmp_path):
    import typer
    from typer.testing import CliRunner

    from dream_agent.cli import train as train_command

    app = typer.Typer()

    @app.callback()
    def main() -> None:  # keeps `train` a named subcommand
        pass

    train_command.register(app)
    runner = CliRunner()
    bad = runner.invoke(app, ["train", "chess", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "chess" in bad.output
    bad = runner.invoke(app, ["train", "sudoku4x4", "--steps=-1", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "--steps" in bad.output
    bad = runner.invoke(app, ["train", "sudoku4x4", "--stop-after=-3", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "--stop-after must be >= 0, got -3" in bad.output
    bad = runner.invoke(app, ["train", "sudoku4x4", "--init", str(tmp_path / "none"), "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "is not a model directory" in bad.output


def test_data_made_in_worker_processes_equals_data_made_in_one():
    from dream_agent.training.loop import build_data
    from dream_agent.training.recipes import Recipe

    env = get_environment("countdown")
    tokenizer = VocabTokenizer(env.vocabulary())
    recipe = Recipe("countdown", (Stage(({"n": 3}, {"n": 4}), 0.0, 150), Stage(({"n": 3},), 0.5, 120)))
    one = build_data(recipe, env, tokenizer, seed=0)
    two = build_data(recipe, env, tokenizer, seed=0, workers=2)
    assert [len(pool) for pool in one] == [300, 120]
    assert one == two


def test_resume_refuses_data_or_a_checkpoint_made_by_another_recipe(tmp_path):
    from constraints.errors import InputError

    train("sudoku4x4", 4, tmp_path / "m", seed=3, progress=False, evaluate=False, threads=1, stop_after=2, **SMALL)
    other_data = {**SMALL, "stages": (Stage(({"difficulty": "easy"},), 0.0, 41),)}
    with pytest.raises(InputError, match="holds training data made by other settings"):
        train("sudoku4x4", 4, tmp_path / "m", seed=3, progress=False, evaluate=False, threads=1, resume=True, **other_data)
    with pytest.raises(InputError, match="holds training data made by other settings"):
        train("sudoku4x4", 4, tmp_path / "m", seed=4, progress=False, evaluate=False, threads=1, resume=True, **SMALL)
    with pytest.raises(InputError, match="saved by a model of another shape"):
        train("sudoku4x4", 4, tmp_path / "m", seed=3, progress=False, evaluate=False, threads=1, resume=True,
              **{**SMALL, "dim": 48})
    resumed = train("sudoku4x4", 4, tmp_path / "m", seed=3, progress=False, evaluate=False, threads=1, resume=True, **SMALL)
    assert resumed.steps == 4


def test_init_starts_from_a_models_weights_and_refuses_another_shape(tmp_path):
    from constraints.errors import InputError

    train("sudoku4x4", 6, tmp_path / "base", seed=1, progress=False, evaluate=False, threads=1, **SMALL)
    # no steps: the weights written are the ones started from
    train("sudoku4x4", 0, tmp_path / "same", seed=2, progress=False, evaluate=False, threads=1, init=tmp_path / "base",
          **SMALL)
    base, same = (load_file(str(tmp_path / d / "model.safetensors")) for d in ("base", "same"))
    assert all(torch.equal(base[k], same[k]) for k in base)
    tuned = train("sudoku4x4", 4, tmp_path / "tuned", seed=2, progress=False, evaluate=False, threads=1,
                  init=tmp_path / "base", **SMALL)
    fresh = train("sudoku4x4", 4, tmp_path / "fresh", seed=2, progress=False, evaluate=False, threads=1, **SMALL)
    assert tuned.losses[0] < fresh.losses[0]  # it starts where the base model ended, not from scratch
    assert f"--init {tmp_path / 'base'}" in (tmp_path / "tuned" / "card.md").read_text()
    with pytest.raises(InputError, match="a model of another shape"):
        train("sudoku4x4", 1, tmp_path / "x", progress=False, evaluate=False, threads=1, init=tmp_path / "base",
              **{**SMALL, "dim": 48})
    with pytest.raises(InputError, match="its vocabulary differs from this environment's"):
        train("countdown", 1, tmp_path / "y", progress=False, evaluate=False, threads=1, init=tmp_path / "base")
