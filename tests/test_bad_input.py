"""Bad and hostile input: one clear error (exit code 2 on the CLI), never a traceback or a hang."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch
import typer
from helpers import REPO
from typer.testing import CliRunner

from constraints.errors import InputError
from dream_agent.cli import infill as infill_cli
from dream_agent.cli import validate as validate_cli
from dream_agent.denoise import denoise
from dream_agent.loading import load_model
from dream_agent.tiny import TinyConfig, TinyMDM, save_tiny
from dream_agent.vocab_tokenizer import VocabTokenizer
from environments import get_environment

BLOCKS_DOMAIN = REPO / "environments" / "blocksworld" / "data" / "blocksworld-4ops.pddl"
TEXT = "pick <mask> then place <mask> shelf"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    infill_cli.register(app)
    validate_cli.register(app)
    return app


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory) -> Path:
    tok = VocabTokenizer(["pick", "place", "cup", "plate", "shelf", "then"])
    torch.manual_seed(0)
    net = TinyMDM(TinyConfig(vocab_size=tok.vocab_size, max_length=10, dim=16, n_layers=1, n_heads=2, ffn_dim=32))
    return save_tiny(net, tok, tmp_path_factory.mktemp("m") / "tiny")


def one_line_error(app: typer.Typer, *args: str) -> str:
    """Run the CLI; assert exit code 2 and a single `error:` line; return that line."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == "" and result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    return result.stderr


# --- model directories ------------------------------------------------------------------------


def test_truncated_dream_shard(app, tmp_path) -> None:
    from dream_agent.testing import build_random_dream_checkpoint

    root = build_random_dream_checkpoint(tmp_path / "dream", hidden_size=16, layers=1, heads=2, kv_heads=1,
                                         intermediate=32, bpe_vocab=300, shards=2)
    shard = root / "model-00002-of-00002.safetensors"
    shard.write_bytes(shard.read_bytes()[:100])
    err = one_line_error(app, "infill", "--model", root, "a <|mask|> b")
    assert "model-00002-of-00002.safetensors" in err and "cannot read safetensors" in err


def test_dtype_is_checked_for_every_model_type(app, tiny_dir) -> None:
    with pytest.raises(InputError, match="dtype 'int8' is not supported"):
        load_model(tiny_dir, dtype="int8")
    assert "dtype 'int8'" in one_line_error(app, "infill", "--model", tiny_dir, "--dtype", "int8", TEXT)


# --- infill options ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--temperature", "inf"], "--temperature must be a finite number from 0 to 10000"),
        (["--seed", str(10**30)], "--seed must be a 64-bit integer"),
    ],
)
def test_infill_options(app, tiny_dir, options: list[str], message: str) -> None:
    start = time.perf_counter()
    assert message in one_line_error(app, "infill", "--model", tiny_dir, *options, TEXT)
    assert time.perf_counter() - start < 10


def test_infill_steps_past_the_masks_are_capped(app, tiny_dir) -> None:
    """More steps than masks would only add model calls that commit nothing (100000 ran for hours)."""
    import json

    start = time.perf_counter()
    result = CliRunner().invoke(app, ["infill", "--model", str(tiny_dir), "--steps", "100000", "--json", TEXT])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["nfe"] <= 2 and time.perf_counter() - start < 10
    err = one_line_error(app, "infill", "--model", tiny_dir, "--steps", str(10**30), TEXT)
    assert "--steps must be an integer from 1 to 1000000" in err


def test_denoise_rejects_what_would_fail_deep_inside(tiny_dir) -> None:
    lm = load_model(tiny_dir)
    mask = lm.denoiser.mask_id
    x = torch.tensor([[0, mask, mask]])
    with pytest.raises(ValueError, match="temperature must be a finite number"):
        denoise(lm.denoiser, x, steps=2, temperature=float("inf"))
    with pytest.raises(ValueError, match=r"logits_hook must return a tensor of shape \(1, 3, 8\)"):
        denoise(lm.denoiser, x, steps=2, logits_hook=lambda step, x, logits: logits[:, :1])
    with pytest.raises(ValueError, match="logits_hook must return a tensor"):
        denoise(lm.denoiser, x, steps=2, logits_hook=lambda step, x, logits: None)
    with pytest.raises(ValueError, match="the logits hold NaN"):
        denoise(lm.denoiser, x, steps=2, temperature=1.0,
                logits_hook=lambda step, x, logits: torch.full_like(logits, float("nan")))
    with pytest.raises(ValueError, match="tokens_hook must return a tensor or None, got str"):
        denoise(lm.denoiser, x, steps=2, tokens_hook=lambda step, x: "x")


def test_plan_options(tiny_dir) -> None:
    from planners import PlanOptions, plan

    lm = load_model(tiny_dir)
    with pytest.raises(InputError, match="temperature must be a finite number"):
        plan(lm, "pick {a|cup,plate}", temperature=float("inf"))
    with pytest.raises(InputError, match="seed must be a 64-bit integer, got 'x'"):
        PlanOptions.of(seed="x")
    with pytest.raises(TypeError, match="template must be a Template or template text, got NoneType"):
        plan(lm, None)


def test_template_slot_size_is_bounded() -> None:
    from planners import parse_template

    for text in ("{a:99999999999}", "{a:<=131073}", "{a:" + "9" * 5000 + "}"):
        with pytest.raises(InputError, match=r"must be N or <=N with N >= 1 \(at most 131072\)"):
            parse_template(text)
    assert parse_template("{a:<=131072}").slots[0].max_length == 131072


# --- files ------------------------------------------------------------------------------------


def test_non_utf8_plan_file_is_named(app, tmp_path) -> None:
    plan = tmp_path / "plan.txt"
    plan.write_bytes(b"(pick-up a)\n\xff\xfe\n")
    problem = tmp_path / "p.pddl"
    problem.write_text("(define (problem p) (:domain blocksworld-4ops) (:objects a) "
                       "(:init (handempty) (ontable a) (clear a)) (:goal (holding a)))")
    err = one_line_error(app, "validate", "--domain", BLOCKS_DOMAIN, "--problem", problem, "--plan", plan)
    assert f"plan file '{plan}' is not UTF-8 text" in err


def test_non_utf8_eval_data_is_named(tmp_path) -> None:
    from dream_agent.dream_eval.data import load_items

    data = tmp_path / "d.jsonl"
    data.write_bytes(b'{"input": "\xff"}\n')
    with pytest.raises(InputError, match=r"d\.jsonl: not UTF-8 text \(byte 11\)"):
        load_items("countdown", data)


# --- environments -----------------------------------------------------------------------------


def test_get_environment_with_a_non_string() -> None:
    with pytest.raises(InputError, match=r"unknown environment \[\]; valid names: assembly"):
        get_environment([])


@pytest.mark.parametrize("plan", [[None], [5], (1, 2), [["pick-up", "a"]], None, 5])
def test_pddl_plan_of_non_strings(plan) -> None:
    env = get_environment("blocksworld")
    problem = env.generate(0)
    with pytest.raises(InputError, match="plan step 1 is|a PDDL plan is a plan text or a list of action strings"):
        env.check(problem, plan)


def test_validate_never_grounds_a_huge_domain(tmp_path) -> None:
    """6 parameters over 60 objects is 4.7e10 ground actions; checking one step needs one."""
    from environments.pddl import load_pddl
    from environments.validation import validate

    domain = tmp_path / "wide.pddl"
    domain.write_text("(define (domain wide) (:requirements :strips) (:predicates (p ?a) (q ?a ?b ?c ?d ?e ?f))"
                      " (:action go :parameters (?a ?b ?c ?d ?e ?f)"
                      " :precondition (and (p ?a) (p ?b) (p ?c) (p ?d) (p ?e) (p ?f)) :effect (q ?a ?b ?c ?d ?e ?f)))")
    objects = " ".join(f"o{i}" for i in range(60))
    init = " ".join(f"(p o{i})" for i in range(60))
    problem = tmp_path / "wide-1.pddl"
    problem.write_text(f"(define (problem w) (:domain wide) (:objects {objects}) (:init {init})"
                       " (:goal (q o0 o1 o2 o3 o4 o5)))")
    start = time.perf_counter()
    env, task = load_pddl(domain, problem)
    assert validate(env, task, "(go o0 o1 o2 o3 o4 o5)").valid
    report = validate(env, task, "(go o0 o1 o2 o3 o4 zz)")
    assert not report.valid and "unknown object 'zz'" in report.violations[0]["reason"]
    assert time.perf_counter() - start < 5


def test_sudoku_solver_is_quick_on_hard_grids() -> None:
    env = get_environment("sudoku")
    start = time.perf_counter()
    assert env.solve(env.parse_problem("0" * 81)) is not None
    seventeen = "000000010400000000020000000000050407008000300001090000300400200050100000000806000"
    solution = env.solve(env.parse_problem(seventeen))
    assert solution is not None and env.check(env.parse_problem(seventeen), solution) == []
    assert time.perf_counter() - start < 5


def test_countdown_solver_search_is_bounded() -> None:
    from environments.countdown.oracle import solve_countdown

    primes = (2, 3, 5, 7, 11, 13, 17, 19)  # unsolvable for this target; a full proof takes ~6e6 expansions
    start = time.perf_counter()
    assert solve_countdown(primes, 123456789, max_expansions=20_000) is None
    assert time.perf_counter() - start < 2
    assert solve_countdown((100, 75, 50, 25, 6, 3, 8, 9), 952, max_expansions=20_000) is not None


def test_arithmetic_refuses_deep_nesting() -> None:
    from dream_agent.dream_eval.metrics import NotArithmetic, arithmetic

    with pytest.raises(NotArithmetic):
        arithmetic("1" + "+1" * 50_000)
    with pytest.raises(NotArithmetic):
        arithmetic("__import__('os')")


@pytest.mark.parametrize("name", ["sudoku", "countdown", "blocksworld", "kitchen", "assembly"])
def test_slot_values_must_be_a_mapping(name: str) -> None:
    env = get_environment(name)
    problem = env.generate(0)
    for values in (None, "s0=pick"):
        with pytest.raises(TypeError, match="slot values must be a mapping of slot name -> text"):
            env.check_values(problem, values)
    assert isinstance(env.check_values(problem, {"s0_act": None, "s0.act": None, "a0": None}), list)


@pytest.mark.parametrize("name", ["sudoku", "countdown", "blocksworld"])
def test_solve_reads_or_rejects_what_it_is_given(name: str) -> None:
    with pytest.raises(InputError):
        get_environment(name).solve(None)


def test_pddl_format_plan_of_non_strings() -> None:
    env = get_environment("blocksworld")
    with pytest.raises(InputError, match="plan step 1 is int"):
        env.format_plan([5])
    assert env.format_plan("(pick-up  a)\n(stack a b)") == ["(pick-up a)", "(stack a b)"]
