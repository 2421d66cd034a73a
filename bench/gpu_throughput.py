"""Forward latency and denoising throughput of a Dream-7B-geometry network (random weights, bf16).

    python bench/gpu_throughput.py --device cuda            # Dream 7B geometry, needs ~20 GB of GPU memory
    python bench/gpu_throughput.py --toy --device cpu       # tiny geometry, a few seconds on a CPU
    python bench/gpu_throughput.py --eval --model DIR       # + Dream's planning eval, every setting and task

With `--eval`, the Dream planning eval (`dream-agent eval dream --setting all`: Dream's own
protocol, the plan template alone and the full plan layer, on Sudoku 4x4, Countdown CD4 and
PlanBench blocksworld, the files shipped with the package) runs after the timings on the checkpoint in DIR; its
table is printed and written under --eval-out. `--toy --eval` runs it on a small random-weight
Dream checkpoint built on the fly. Docs: docs/dream7b.md.

Speed depends on the geometry, not on the weights, so no checkpoint is needed. With random
weights no proposal is confident, so confidence-threshold runs commit one token a step: their
rows measure the cost of that path, not the NFE a trained model saves (read the nfe column).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from constraints.errors import InputError  # noqa: E402
from dream_agent.denoise import denoise  # noqa: E402
from dream_agent.devices import resolve_device, resolve_dtype  # noqa: E402
from dream_agent.dream.config import DreamConfig  # noqa: E402
from dream_agent.dream.denoiser import DreamDenoiser  # noqa: E402
from dream_agent.dream.modeling import DreamModel  # noqa: E402

# Dream-v0-7B (Qwen2.5-7B) geometry, from its published config.json
DREAM_7B = dict(hidden_size=3584, num_hidden_layers=28, num_attention_heads=28, num_key_value_heads=4,
                intermediate_size=18944, vocab_size=152064)
TOY = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
           intermediate_size=128, vocab_size=512)


@dataclass(frozen=True)
class ForwardRow:
    canvas: int  # tokens per row of the canvas
    batch: int
    ms: float  # median forward latency


@dataclass(frozen=True)
class DenoiseRow:
    new_tokens: int
    steps: int
    threshold: float | None
    nfe: int
    seconds: float
    tokens_per_s: float
    ms_per_step: float


def build_denoiser(geometry: dict, *, dtype: torch.dtype, device: torch.device, seed: int = 0) -> DreamDenoiser:
    """A random-weight DreamModel of `geometry`, allocated directly in `dtype` on `device`."""
    config = DreamConfig(**geometry)
    with torch.device("meta"):
        model = DreamModel(config)
    model = model.to(dtype).to_empty(device=device)  # never materialise a float32 copy
    gen = torch.Generator(device=device).manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "norm" in name:
                param.fill_(1.0)
            elif name.endswith("bias"):
                param.zero_()
            else:
                param.normal_(0.0, 0.02, generator=gen)
    # the mask id only marks open positions; any id in the vocabulary serves for timing
    return DreamDenoiser(model.eval(), mask_id=config.vocab_size - 1, pad_id=None, max_length=config.context_length)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def canvas(denoiser: DreamDenoiser, prompt: int, new_tokens: int, batch: int, seed: int = 0) -> torch.Tensor:
    """Random prompt ids followed by `new_tokens` masks: (batch, prompt + new_tokens)."""
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, denoiser.mask_id, (batch, prompt), generator=gen)
    masks = torch.full((batch, new_tokens), denoiser.mask_id)
    return torch.cat([ids, masks], dim=1).to(denoiser.device)


def time_forward(denoiser: DreamDenoiser, x: torch.Tensor, repeats: int) -> float:
    """Median milliseconds of one forward call (after one warm-up call)."""
    denoiser(x)
    times = []
    for _ in range(repeats):
        _sync(denoiser.device)
        start = time.perf_counter()
        denoiser(x)
        _sync(denoiser.device)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def time_denoise(denoiser: DreamDenoiser, x: torch.Tensor, new_tokens: int, steps: int,
                 threshold: float | None, alg: str) -> DenoiseRow:
    _sync(denoiser.device)
    start = time.perf_counter()
    out = denoise(denoiser, x, steps=steps, alg=alg, confidence_threshold=threshold,
                  generator=torch.Generator(device=denoiser.device).manual_seed(0))
    _sync(denoiser.device)
    seconds = time.perf_counter() - start
    assert not (out.tokens == denoiser.mask_id).any(), "denoising left masks"
    return DenoiseRow(new_tokens, steps, threshold, out.nfe, round(seconds, 4),
                      round(new_tokens * x.shape[0] / seconds, 1), round(seconds * 1000 / max(out.nfe, 1), 2))


def run(*, toy: bool, device: str, dtype: str, batch: int, prompt: int, tokens: list[int],
        step_fractions: list[float], threshold: float, alg: str, repeats: int) -> dict:
    """Run every measurement; return a JSON-ready dict."""
    dev, torch_dtype = resolve_device(device), resolve_dtype(dtype)
    geometry = TOY if toy else DREAM_7B
    torch.manual_seed(0)
    start = time.perf_counter()
    denoiser = build_denoiser(geometry, dtype=torch_dtype, device=dev)
    build_seconds = time.perf_counter() - start
    params = sum(p.numel() for p in denoiser.model.parameters())

    forward = [ForwardRow(prompt + n, batch, round(time_forward(denoiser, canvas(denoiser, prompt, n, batch), repeats), 3))
               for n in tokens]
    rows = []
    time_denoise(denoiser, canvas(denoiser, prompt, tokens[0], batch), tokens[0], 2, None, alg)  # warm-up
    for n in tokens:
        x = canvas(denoiser, prompt, n, batch)
        for steps in sorted({max(1, round(n * f)) for f in step_fractions}, reverse=True):
            rows.append(time_denoise(denoiser, x, n, steps, None, alg))
        rows.append(time_denoise(denoiser, x, n, n, threshold, alg))
    return {
        "geometry": geometry, "parameters": params, "dtype": dtype, "alg": alg, "batch": batch, "prompt": prompt,
        "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else platform.processor() or "cpu",
        "torch": torch.__version__, "build_seconds": round(build_seconds, 2),
        "forward": [asdict(r) for r in forward], "denoise": [asdict(r) for r in rows],
    }


def markdown(result: dict) -> str:
    """The result as two markdown tables."""
    params = result["parameters"]
    size = f"{params / 1e9:.2f}B" if params >= 1e9 else f"{params / 1e6:.2f}M"
    lines = [f"Device: {result['device']}, {size} parameters, {result['dtype']}, "
             f"batch {result['batch']}, prompt {result['prompt']} tokens, alg {result['alg']}", "",
             "| canvas tokens | forward ms |", "|---:|---:|"]
    lines += [f"| {r['canvas']} | {r['ms']:.2f} |" for r in result["forward"]]
    lines += ["", "| new tokens | steps | threshold | NFE | seconds | tokens/s | ms/step |", "|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['new_tokens']} | {r['steps']} | {r['threshold'] or '-'} | {r['nfe']} | {r['seconds']:.3f} "
              f"| {r['tokens_per_s']:.1f} | {r['ms_per_step']:.2f} |" for r in result["denoise"]]
    return "\n".join(lines)


def run_eval(*, model: Path | None, toy: bool, device: str, dtype: str, tasks: list[str], limit: int | None,
             batch: int, out: Path) -> dict:
    """Dream's planning eval (baseline, template, layer) on each task; the tables go under `out/<task>/`."""
    import tempfile

    from dream_agent.dream_eval.data import default_data_path
    from dream_agent.dream_eval.report import to_markdown, write_report
    from dream_agent.dream_eval.prompts import resolve_style
    from dream_agent.dream_eval.run import SETTINGS, evaluate
    from dream_agent.loading import load_model

    if model is None:
        if not toy:
            raise InputError("--eval needs --model DIR, a downloaded Dream checkpoint (e.g. Dream-v0-Base-7B), or --toy")
        from dream_agent.testing import build_random_dream_checkpoint

        model = build_random_dream_checkpoint(Path(tempfile.mkdtemp()) / "Dream-random")
    if device.startswith("cuda"):
        torch.cuda.empty_cache()  # the timing model is gone; make room for the checkpoint
    lm = load_model(model, dtype=dtype, device=device)
    rows, reports = [], {}
    for task in tasks:
        run = evaluate(lm, task, data=default_data_path(task), limit=limit, batch_size=batch, settings=SETTINGS,
                       style=resolve_style("auto", str(Path(model).absolute())))
        reports[task] = write_report(out / task, run.rows, run.meta, run.predictions)
        rows.extend(run.rows)
    table = to_markdown(rows)
    (out / "results.md").parent.mkdir(parents=True, exist_ok=True)
    (out / "results.md").write_text(table, encoding="utf-8")
    return {"model": str(model), "dtype": dtype, "table": table, "rows": [r.__dict__ for r in rows], "files": reports}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda, cuda:N or cpu (default cuda)")
    parser.add_argument("--toy", action="store_true", help="tiny geometry: runs on a CPU in seconds")
    parser.add_argument("--dtype", default=None, help="default bfloat16 (float32 with --toy)")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--prompt", type=int, default=None, help="prompt tokens before the masks (default 128, toy 8)")
    parser.add_argument("--tokens", type=int, nargs="+", default=None, help="new tokens (default 64 128 256, toy 8 16)")
    parser.add_argument("--step-fractions", type=float, nargs="+", default=[1.0, 0.5, 0.25],
                        help="steps as fractions of the new tokens (default 1 0.5 0.25)")
    parser.add_argument("--threshold", type=float, default=0.9, help="confidence threshold for the parallel runs")
    parser.add_argument("--alg", default="entropy")
    parser.add_argument("--repeats", type=int, default=5, help="forward calls timed per canvas")
    parser.add_argument("--out", type=Path, default=Path("runs/gpu_throughput.json"))
    parser.add_argument("--eval", action="store_true", help="then run Dream's planning eval (every setting)")
    parser.add_argument("--model", type=Path, default=None, help="Dream checkpoint directory for --eval")
    parser.add_argument("--eval-tasks", nargs="+", default=None,
                        help="default: sudoku4x4 countdown blocksworld (toy: sudoku4x4 countdown)")
    parser.add_argument("--eval-limit", type=int, default=None, help="items per task (default all; toy 2)")
    parser.add_argument("--eval-batch", type=int, default=1, help="items denoised together (Dream's script: 1)")
    parser.add_argument("--eval-out", type=Path, default=Path("runs/dream_eval"))
    args = parser.parse_args(argv)
    if args.eval and args.model is None and not args.toy:  # fail before the timings, not after
        raise InputError("--eval needs --model DIR, a downloaded Dream checkpoint (e.g. Dream-v0-Base-7B), or --toy")
    if args.toy and args.device == "cpu":
        torch.set_num_threads(1)  # toy matrices are too small to gain from threads
    result = run(
        toy=args.toy, device=args.device, dtype=args.dtype or ("float32" if args.toy else "bfloat16"),
        batch=args.batch, prompt=args.prompt or (8 if args.toy else 128),
        tokens=args.tokens or ([8, 16] if args.toy else [64, 128, 256]),
        step_fractions=args.step_fractions, threshold=args.threshold, alg=args.alg, repeats=args.repeats,
    )
    print(markdown(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\nwrote {args.out}")
    if args.eval:
        result["eval"] = run_eval(
            model=args.model, toy=args.toy, device=args.device,
            dtype=args.dtype or ("float32" if args.toy else "bfloat16"),
            tasks=args.eval_tasks or (["sudoku4x4", "countdown"] + ([] if args.toy else ["blocksworld"])),
            limit=args.eval_limit or (2 if args.toy else None), batch=args.eval_batch, out=args.eval_out,
        )
        print("\n" + result["eval"]["table"] + f"\nwrote {args.eval_out}")
        args.out.write_text(json.dumps(result, indent=1) + "\n")
    return result


if __name__ == "__main__":
    try:
        main()
    except InputError as err:  # bad device or dtype: one line, exit 2, as the CLI does
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
