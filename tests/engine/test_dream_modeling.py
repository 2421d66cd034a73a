"""Dream's network: parity with transformers' Qwen2 made bidirectional, attention and shift."""

from __future__ import annotations

import pytest
import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

from dream_agent.dream import DreamConfig, DreamDenoiser, DreamModel, shift_logits

CONFIG = DreamConfig(
    hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
    num_key_value_heads=2, vocab_size=96, rope_theta=10_000.0, rms_norm_eps=1e-6,
)


def random_model(seed: int = 0) -> DreamModel:
    torch.manual_seed(seed)
    model = DreamModel(CONFIG)
    with torch.no_grad():
        for name, tensor in model.named_parameters():
            if "norm" in name:
                tensor.copy_(1.0 + 0.1 * torch.randn_like(tensor))
            else:
                tensor.normal_(0.0, 0.05)  # biases too, so their loading is checked
    return model.eval()


def reference_qwen2(model: DreamModel, attn_implementation: str) -> Qwen2ForCausalLM:
    c = model.config
    config = Qwen2Config(
        vocab_size=c.vocab_size, hidden_size=c.hidden_size, intermediate_size=c.intermediate_size,
        num_hidden_layers=c.num_hidden_layers, num_attention_heads=c.num_attention_heads,
        num_key_value_heads=c.num_key_value_heads, rms_norm_eps=c.rms_norm_eps, rope_theta=c.rope_theta,
        max_position_embeddings=c.max_position_embeddings, tie_word_embeddings=False,
    )
    reference = Qwen2ForCausalLM._from_config(config, attn_implementation=attn_implementation)
    # Dream's tensor names are Qwen2's: the state dict transfers with no renaming.
    result = reference.load_state_dict(model.state_dict(), strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    return reference.eval()


def bidirectional_mask(real: torch.Tensor) -> dict[str, torch.Tensor]:
    """A prepared additive mask (B, 1, L, L): 0 where a key is visible, a large negative elsewhere.

    In transformers 5.24 `Qwen2Model.forward` accepts `attention_mask` as a dict
    {layer_type: prepared mask} and then skips `create_causal_mask`; the attention modules add
    the mask as given (eager) or pass it to SDPA with is_causal=False (a mask is present). So an
    all-zeros mask makes every layer attend bidirectionally, which is Dream's attention.
    (Setting `config.is_causal = False` also works there; the dict states the intent exactly.)
    """
    batch, length = real.shape
    mask = torch.zeros(batch, 1, length, length)
    mask.masked_fill_(~real[:, None, None, :], torch.finfo(torch.float32).min)
    return {"full_attention": mask}


@pytest.mark.parametrize("attn_implementation", ["eager", "sdpa"])
def test_forward_matches_bidirectional_qwen2(attn_implementation: str) -> None:
    model = random_model()
    reference = reference_qwen2(model, attn_implementation)
    x = torch.randint(0, CONFIG.vocab_size, (2, 17), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ours = model(x)
        theirs = reference(input_ids=x, attention_mask=bidirectional_mask(torch.ones_like(x, dtype=torch.bool))).logits
        causal = reference(input_ids=x).logits
    error = (ours - theirs).abs().max().item()
    print(f"max abs error vs transformers Qwen2 ({attn_implementation}, bidirectional, fp32): {error:.3e}")
    assert error < 1e-5
    # the reference is sensitive to the mask: run causally it disagrees, so the test can fail
    assert (ours - causal).abs().max().item() > 1e-2


def test_padded_rows_match_qwen2_with_dream_positions() -> None:
    # Dream's sampler: positions count real tokens only (cumsum - 1), padding hidden from keys.
    model = random_model(1)
    reference = reference_qwen2(model, "sdpa")
    x = torch.randint(0, CONFIG.vocab_size, (2, 10), generator=torch.Generator().manual_seed(2))
    real = torch.ones_like(x, dtype=torch.bool)
    real[0, :3] = False  # left padding in the first row
    positions = (real.long().cumsum(-1) - 1).masked_fill(~real, 1)
    with torch.no_grad():
        ours = model(x, real.long())
        theirs = reference(input_ids=x, attention_mask=bidirectional_mask(real), position_ids=positions).logits
    error = (ours - theirs)[real].abs().max().item()
    print(f"max abs error on real tokens with left padding: {error:.3e}")
    assert error < 1e-5
    # padding changes nothing for the unpadded suffix of row 0 relative to running it alone
    with torch.no_grad():
        alone = model(x[:1, 3:])
    assert torch.allclose(ours[0, 3:], alone[0], atol=1e-5)


def test_attention_is_bidirectional() -> None:
    model = random_model()
    x = torch.randint(0, CONFIG.vocab_size, (1, 12), generator=torch.Generator().manual_seed(3))
    y = x.clone()
    y[0, -1] = (x[0, -1] + 1) % CONFIG.vocab_size
    with torch.no_grad():
        delta = (model(x)[0, 0] - model(y)[0, 0]).abs().max().item()
    assert delta > 1e-4  # the first position sees the last token


def test_rope_theta_is_used() -> None:
    model = random_model()
    other = DreamModel(DreamConfig(**{**CONFIG.__dict__, "rope_theta": 1_000_000.0}))
    other.load_state_dict(model.state_dict())
    x = torch.arange(20)[None] % CONFIG.vocab_size
    with torch.no_grad():
        assert (model(x) - other.eval()(x)).abs().max().item() > 1e-4


def test_denoiser_shifts_logits_right_by_one() -> None:
    model = random_model()
    denoiser = DreamDenoiser(model, mask_id=95, pad_id=94, max_length=2048)
    x = torch.randint(0, CONFIG.vocab_size, (2, 9), generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        raw = model(x)
    shifted = denoiser(x)
    assert denoiser.shift is True
    assert torch.equal(shifted[:, 1:], raw[:, :-1])  # row i = unshifted row i - 1
    assert torch.equal(shifted[:, 0], raw[:, 0])
    assert not shifted.requires_grad
    assert torch.equal(shift_logits(raw), shifted)
