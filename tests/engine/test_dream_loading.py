"""Loading a Dream checkpoint from disk the way a user does, with no remote code."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import torch

from constraints.errors import InputError
from dream_agent import DiffusionLM, Denoiser, Tokenizer, build_random_dream_checkpoint, load_dream, load_model
from dream_agent.dream import DreamDenoiser
from dream_agent.testing import REMOTE_CODE_FILES, REMOTE_CODE_MARKER


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_random_dream_checkpoint(tmp_path_factory.mktemp("dream") / "Dream-tiny", seed=3)


@pytest.fixture(scope="module")
def lm(checkpoint: Path) -> DiffusionLM:
    return load_model(checkpoint)


def copy_of(checkpoint: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(checkpoint, target)
    return target


def edit_json(file: Path, **changes: object) -> None:
    data = json.loads(file.read_text())
    data.update(changes)
    file.write_text(json.dumps(data))


def test_layout_is_dreams(checkpoint: Path) -> None:
    config = json.loads((checkpoint / "config.json").read_text())
    assert config["model_type"] == "Dream" and config["architectures"] == ["DreamModel"]
    assert config["auto_map"]["AutoModel"] == "modeling_dream.DreamModel"
    index = json.loads((checkpoint / "model.safetensors.index.json").read_text())
    assert set(index["weight_map"].values()) == {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}
    assert "model.layers.1.self_attn.q_proj.bias" in index["weight_map"]
    assert "model.layers.1.self_attn.o_proj.bias" not in index["weight_map"]
    tokenizer_config = json.loads((checkpoint / "tokenizer_config.json").read_text())
    assert tokenizer_config["tokenizer_class"] == "DreamTokenizer"
    for name in REMOTE_CODE_FILES + ("vocab.json", "merges.txt", "generation_config.json", "special_tokens_map.json"):
        assert (checkpoint / name).is_file()


def remote_code_modules(checkpoint: Path) -> list[str]:
    """Modules imported from the checkpoint folder or from transformers' dynamic-modules cache."""
    from transformers.utils import HF_MODULES_CACHE

    folders = [checkpoint.resolve(), Path(HF_MODULES_CACHE).resolve()]
    found = []
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        inside = file is not None and any(Path(file).resolve().is_relative_to(folder) for folder in folders)
        if inside or name == "transformers_modules" or name.startswith("transformers_modules."):
            found.append(name)
    return found


def test_loads_without_running_checkpoint_code(tmp_path: Path) -> None:
    # a loader that ran the checkpoint's code and swallowed the error would still be caught:
    # the stand-ins leave a marker before they raise, and their modules stay registered
    checkpoint = build_random_dream_checkpoint(tmp_path / "Dream-trap", seed=1)
    lm = load_model(checkpoint)
    load_dream(checkpoint, dtype="bfloat16")
    assert isinstance(lm.denoiser, DreamDenoiser)
    assert isinstance(lm.denoiser, Denoiser) and isinstance(lm.tokenizer, Tokenizer)
    assert lm.name == "Dream-trap"
    assert not (checkpoint / REMOTE_CODE_MARKER).exists()
    assert remote_code_modules(checkpoint) == []


def test_the_remote_code_stand_ins_are_observable(tmp_path: Path) -> None:
    # running a stand-in leaves the marker in its checkpoint even when it runs from a copy
    checkpoint = build_random_dream_checkpoint(tmp_path / "Dream-trap", seed=1)
    elsewhere = tmp_path / "cache" / "modeling_dream.py"
    elsewhere.parent.mkdir()
    shutil.copy(checkpoint / "modeling_dream.py", elsewhere)
    source = elsewhere.read_text()
    with pytest.raises(RuntimeError, match="remote code from the checkpoint was executed"):
        exec(compile(source, str(elsewhere), "exec"), {"__file__": str(elsewhere), "__name__": "trap"})
    assert (checkpoint / REMOTE_CODE_MARKER).read_text() == "trap"
    assert (elsewhere.parent / REMOTE_CODE_MARKER).is_file()


def test_special_ids_come_from_the_files(checkpoint: Path, lm: DiffusionLM) -> None:
    config = json.loads((checkpoint / "config.json").read_text())
    decoder = json.loads((checkpoint / "tokenizer_config.json").read_text())["added_tokens_decoder"]
    by_name = {entry["content"]: int(key) for key, entry in decoder.items()}
    assert lm.denoiser.mask_id == lm.tokenizer.mask_id == config["mask_token_id"] == by_name["<|mask|>"]
    assert lm.denoiser.pad_id == lm.tokenizer.pad_id == config["pad_token_id"] == by_name["<|endoftext|>"]
    assert lm.tokenizer.mask_token == "<|mask|>"
    assert lm.tokenizer.encode("<|mask|>") == [lm.denoiser.mask_id]
    assert lm.tokenizer.vocab_size == len(decoder) + len(json.loads((checkpoint / "vocab.json").read_text()))
    assert lm.denoiser.model.config.vocab_size >= lm.tokenizer.vocab_size


def test_changed_ids_are_followed(checkpoint: Path, tmp_path: Path) -> None:
    # a checkpoint whose pad differs from eos: the ids are read, not assumed
    target = copy_of(checkpoint, tmp_path)
    (im_end,) = load_model(target).tokenizer.encode("<|im_end|>")
    edit_json(target / "generation_config.json", pad_token_id=im_end)
    assert load_model(target).denoiser.pad_id == im_end


def test_tokenizer_round_trip_and_chat_template(lm: DiffusionLM) -> None:
    text = "Pick up the cup <|mask|> and place it on the shelf.\n  Ünïcode ✓ 漢字"
    ids = lm.tokenizer.encode(text)
    assert lm.tokenizer.decode(ids) == text
    prompt = lm.tokenizer.apply_chat_template([{"role": "user", "content": "Plan a trip."}])
    assert prompt.endswith("<|im_start|>assistant\n") and "<|im_start|>user\nPlan a trip.<|im_end|>" in prompt
    ids = lm.tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=True)
    assert lm.tokenizer.decode(ids) == lm.tokenizer.apply_chat_template([{"role": "user", "content": "hi"}])


def test_denoiser_runs_on_a_canvas(lm: DiffusionLM) -> None:
    tokenizer, denoiser = lm.tokenizer, lm.denoiser
    canvas = torch.tensor([tokenizer.encode("Stack block A on") + [denoiser.mask_id] * 5])
    logits = denoiser(canvas)
    assert logits.shape == (1, canvas.shape[1], denoiser.model.config.vocab_size)
    assert torch.isfinite(logits).all() and logits.dtype == torch.float32
    assert denoiser.max_length == 2048 and denoiser.shift is True


def test_same_logits_as_loaded_weights_say(checkpoint: Path, lm: DiffusionLM) -> None:
    # single-file and sharded layouts load the same network
    single = build_random_dream_checkpoint(checkpoint.parent / "single", seed=3, shards=1)
    x = torch.tensor([[5, 6, 7, lm.denoiser.mask_id]])
    assert torch.equal(load_model(single).denoiser(x), lm.denoiser(x))


def test_bfloat16(checkpoint: Path, lm: DiffusionLM) -> None:
    bf16 = load_dream(checkpoint, dtype="bfloat16")
    assert bf16.denoiser.dtype == torch.bfloat16
    assert all(p.dtype == torch.bfloat16 for p in bf16.denoiser.model.parameters())
    x = torch.tensor([lm.tokenizer.encode("Open the fridge") + [lm.denoiser.mask_id] * 3])
    low, full = bf16.denoiser(x), lm.denoiser(x)
    assert low.dtype == torch.bfloat16
    assert torch.allclose(low.float(), full, atol=0.1)


def test_context_limit(lm: DiffusionLM) -> None:
    too_long = torch.full((1, 2049), lm.denoiser.mask_id)
    with pytest.raises(InputError, match="2049 tokens .* limit of 2048"):
        lm.denoiser(too_long)


def test_bad_input_ids(lm: DiffusionLM) -> None:
    with pytest.raises(InputError, match="shape"):
        lm.denoiser(torch.tensor([1, 2, 3]))
    with pytest.raises(InputError, match="token ids must lie"):
        lm.denoiser(torch.tensor([[1, 10**6]]))


def test_missing_directory_and_files(checkpoint: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="checkpoint directory not found"):
        load_model(tmp_path / "nowhere")
    for name, pattern in [
        ("config.json", r"config\.json: file not found"),
        ("vocab.json", r"vocab\.json: file not found"),
        ("merges.txt", r"merges\.txt: file not found"),
        ("model-00002-of-00002.safetensors", r"model-00002-of-00002\.safetensors: shard named in"),
    ]:
        target = copy_of(checkpoint, tmp_path / name)
        (target / name).unlink()
        with pytest.raises(InputError, match=pattern):
            load_model(target)


def test_missing_weights(checkpoint: Path, tmp_path: Path) -> None:
    target = copy_of(checkpoint, tmp_path)
    for file in target.glob("model*.safetensors*"):
        file.unlink()
    with pytest.raises(InputError, match="no weights found"):
        load_model(target)
    target = copy_of(checkpoint, tmp_path / "partial")
    index = json.loads((target / "model.safetensors.index.json").read_text())
    index["weight_map"] = {k: v for k, v in index["weight_map"].items() if v.startswith("model-00001")}
    (target / "model.safetensors.index.json").write_text(json.dumps(index))
    (target / "model-00002-of-00002.safetensors").unlink()
    with pytest.raises(InputError, match="weights do not match config.json .*missing: .*lm_head.weight"):
        load_model(target)


def test_config_problems(checkpoint: Path, tmp_path: Path) -> None:
    cases = [
        ({"model_type": "llama"}, r"model_type 'llama' is not supported .*Dream, dream-agent-mdm.*from_transformers"),
        ({"rope_scaling": {"type": "yarn", "factor": 4.0}}, "rope_scaling .* not supported"),
        ({"hidden_size": 48}, "shape"),
        ({"num_key_value_heads": 3}, "not divisible by num_key_value_heads 3"),
        ({"hidden_act": "gelu"}, "hidden_act 'gelu'"),
        ({"mask_token_id": 3}, "mask_token_id 3 .* has id"),
    ]
    for index, (changes, pattern) in enumerate(cases):
        target = copy_of(checkpoint, tmp_path / str(index))
        edit_json(target / "config.json", **changes)
        with pytest.raises(InputError, match=pattern):
            load_model(target)
    with pytest.raises(InputError, match="model_type is 'llama', expected 'Dream'"):
        load_dream(tmp_path / "0" / "copy")


def test_dtype_and_device_errors(checkpoint: Path) -> None:
    with pytest.raises(InputError, match="dtype 'int8' is not supported"):
        load_model(checkpoint, dtype="int8")
    with pytest.raises(InputError, match="device 'tpu'"):
        load_model(checkpoint, device="tpu")
    if not torch.cuda.is_available():
        with pytest.raises(InputError, match="CUDA is not available"):
            load_model(checkpoint, device="cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_bfloat16_matches_cpu(checkpoint: Path, lm: DiffusionLM) -> None:
    gpu = load_model(checkpoint, dtype="bfloat16", device="cuda")
    x = torch.tensor([lm.tokenizer.encode("Open the fridge") + [lm.denoiser.mask_id] * 3])
    logits = gpu.denoiser(x)
    assert logits.device.type == "cuda"
    assert torch.allclose(logits.float().cpu(), lm.denoiser(x), atol=0.1)
