"""bench/gpu_throughput.py: the toy run on a CPU, the Dream 7B geometry, and the full run on a GPU."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest
import torch
from helpers import REPO

from constraints.errors import InputError

SCRIPT = REPO / "bench" / "gpu_throughput.py"


def run_script(*args: str, timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=REPO, capture_output=True, text=True, timeout=timeout)


def test_toy_run_on_cpu(tmp_path):
    out = tmp_path / "result.json"
    proc = run_script("--toy", "--device", "cpu", "--repeats", "2", "--out", str(out), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "| new tokens | steps | threshold | NFE | seconds | tokens/s | ms/step |" in proc.stdout
    result = json.loads(out.read_text())
    assert [r["canvas"] for r in result["forward"]] == [16, 24]
    rows = [(r["new_tokens"], r["steps"], r["threshold"]) for r in result["denoise"]]
    assert rows == [(8, 8, None), (8, 4, None), (8, 2, None), (8, 8, 0.9),
                    (16, 16, None), (16, 8, None), (16, 4, None), (16, 16, 0.9)]
    for r in result["denoise"]:
        assert r["tokens_per_s"] > 0 and 1 <= r["nfe"] <= r["steps"]
        if r["threshold"] is None:
            assert r["nfe"] == r["steps"]  # the scheduled runs use every step


def test_toy_eval_on_cpu(tmp_path):
    out, eval_out = tmp_path / "result.json", tmp_path / "eval"
    proc = run_script("--toy", "--device", "cpu", "--repeats", "1", "--tokens", "8", "--step-fractions", "1",
                      "--eval", "--eval-tasks", "sudoku4x4", "--eval-limit", "1", "--out", str(out),
                      "--eval-out", str(eval_out), timeout=180)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())["eval"]
    assert [r["setting"] for r in result["rows"]] == ["baseline", "template", "layer"]
    assert all(r["well_formed"] == 1.0 and r["nfe"] <= 24 for r in result["rows"][1:])
    assert (eval_out / "results.md").is_file() and (eval_out / "sudoku4x4" / "results.json").is_file()
    assert "| sudoku4x4 | layer | 24 | 1 |" in proc.stdout


def test_eval_without_weights_is_a_clear_error():
    proc = run_script("--device", "cpu", "--eval", timeout=60)
    assert proc.returncode == 2 and "--eval needs --model DIR" in proc.stderr and "Traceback" not in proc.stderr


@pytest.fixture(scope="module")
def bench_module():
    spec = importlib.util.spec_from_file_location("gpu_throughput", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_dream_7b_geometry_has_its_parameter_count(bench_module):
    from dream_agent.dream.config import DreamConfig
    from dream_agent.dream.modeling import DreamModel

    with torch.device("meta"):
        model = DreamModel(DreamConfig(**bench_module.DREAM_7B))
    assert sum(p.numel() for p in model.parameters()) == 7_615_616_512  # Qwen2.5-7B / Dream 7B: 7.62B


def test_no_cuda_is_a_clear_error(bench_module, tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(InputError, match="CUDA is not available"):
        bench_module.main(["--toy", "--device", "cuda", "--out", str(tmp_path / "r.json")])


@pytest.mark.gpu
def test_full_geometry_on_gpu(tmp_path):
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    proc = run_script("--device", "cuda", "--tokens", "64", "--out", str(tmp_path / "r.json"), timeout=600)
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["parameters"] == 7_615_616_512 and all(r["tokens_per_s"] > 0 for r in result["denoise"])
