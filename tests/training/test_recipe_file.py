"""`train ENV --recipe FILE`: a JSON file of recipe fields; bad files get one line before any data is made."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from dream_agent.cli import _register, app
from dream_agent.tiny import read_tiny_config

SMALL = {"dim": 32, "n_layers": 1, "n_heads": 2, "ffn_dim": 64, "max_length": 40, "batch_size": 8, "warmup": 1,
         "stages": [{"knobs": [{"difficulty": "easy"}], "examples": 12},
                    {"knobs": [{"givens": 5}], "start": 0.5, "examples": 12}]}


def _train(tmp_path, recipe, *extra: str):
    _register()
    path = tmp_path / "recipe.json"
    path.write_text(recipe if isinstance(recipe, str) else json.dumps(recipe))
    return CliRunner().invoke(app, ["train", "sudoku4x4", "--recipe", str(path), "--out", str(tmp_path / "m"),
                                    "--threads", "1", "--no-eval", "--json", *extra])


def test_a_recipe_file_sets_the_shape_the_data_and_the_schedule(tmp_path):
    result = _train(tmp_path, {**SMALL, "steps": 4}, "--batch-size", "4")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["steps"] == 4 and summary["examples"] == 24
    config, _ = read_tiny_config(tmp_path / "m")
    assert (config.dim, config.n_layers, config.max_length) == (32, 1, 40)
    card = (tmp_path / "m" / "card.md").read_text()
    assert "4 x batch 4" in card  # --batch-size wins over the file
    assert f"--recipe {tmp_path / 'recipe.json'}" in card


@pytest.mark.parametrize("recipe, message", [
    ("{not json", "is not JSON"),
    ({"layers": 2}, "layers: Extra inputs are not permitted (fields: stages, dim"),
    ({"stages": [{"knobs": [{"difficulty": "easy"}], "start": 1.5}]}, "stages.0.start"),
    ({"stages": []}, "stages"),
    ({"stages": [{"knobs": [{"colour": 9}]}]}, "stage 1: knobs {'colour': 9} are not accepted by sudoku4x4's generator"),
    ({"stages": [{"knobs": [{"difficulty": "fiendish"}]}]}, "stage 1: knobs {'difficulty': 'fiendish'}"),
    ({"eval_knobs": {"n": 4}}, "eval_knobs"),
    ({"weighting": "bogus"}, "weighting"),
    ({"solutions": "all"}, "solutions"),
])
def test_a_bad_recipe_file_gets_one_line(tmp_path, recipe, message):
    result = _train(tmp_path, recipe)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "m" / "train_data.safetensors").exists()


def test_a_missing_recipe_file_and_pddl_are_refused(tmp_path):
    _register()
    missing = CliRunner().invoke(app, ["train", "sudoku4x4", "--recipe", str(tmp_path / "nope.json"),
                                       "--out", str(tmp_path / "m")])
    assert missing.exit_code == 2 and "recipe file" in missing.output
    pddl = CliRunner().invoke(app, ["train", "pddl", "--recipe", str(tmp_path / "r.json"), "--out", str(tmp_path / "m")])
    assert pddl.exit_code == 2 and "--recipe changes a built-in recipe" in pddl.output


def test_sampled_solutions_answer_with_one_of_the_solutions_at_random():
    from dream_agent.training.data import encode_solution, make_examples
    from dream_agent.vocab_tokenizer import VocabTokenizer
    from environments import get_environment

    env = get_environment("countdown")
    problem = env.parse_problem({"numbers": [86, 28, 13, 31], "target": 96})
    answers = {tuple(env.sample_solution(problem, seed)) for seed in range(12)}
    assert len(answers) >= 3 and all(not env.check(problem, list(a)) for a in answers)
    assert env.sample_solution(problem, 5) == env.sample_solution(problem, 5)
    tokenizer = VocabTokenizer(env.vocabulary())
    knobs = {"n": 4}
    oracle = make_examples(env, tokenizer, knobs, range(40))
    sampled = make_examples(env, tokenizer, knobs, range(40), sampled=True)
    assert len(oracle) == len(sampled) and oracle != sampled
    first = env.generate(0, **knobs)  # seed 0's example answers with seed 0's sampled solution
    assert sampled[0] == encode_solution(env, first, env.plan_to_values(first, env.sample_solution(first, 0)), tokenizer)
