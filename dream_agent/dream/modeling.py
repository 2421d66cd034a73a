"""Dream's network in plain torch: Qwen2.5 decoder layers with fully bidirectional attention.

Parameter names match Dream's published checkpoints (`model.layers.N.self_attn.q_proj.weight`,
`lm_head.weight`, ...), so its safetensors load without renaming and without remote code.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from dream_agent.dream.config import DreamConfig


class RMSNorm(nn.Module):
    """Root-mean-square norm, computed in float32 and cast back, then scaled by the weight."""

    def __init__(self, size: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        h = x.float()
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * h.to(dtype)


def rotary_cos_sin(
    position_ids: torch.Tensor, head_dim: int, theta: float, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    """cos, sin of shape (B, L, head_dim) for RoPE, computed in float32 (Su et al., 2021)."""
    inv_freq = 1.0 / (
        theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64, device=position_ids.device).float() / head_dim)
    )
    freqs = position_ids[:, :, None].float() * inv_freq[None, None, :]  # (B, L, head_dim/2)
    emb = torch.cat((freqs, freqs), dim=-1)  # (B, L, head_dim): halves, not interleaved, as Qwen2
    return emb.cos().to(dtype), emb.sin().to(dtype)


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate (B, H, L, D) queries or keys by position; cos/sin are (B, L, D)."""
    cos, sin = cos[:, None], sin[:, None]
    return x * cos + _rotate_half(x) * sin


class DreamAttention(nn.Module):
    """Grouped-query attention with q/k/v biases and no output bias, without a causal mask."""

    def __init__(self, config: DreamConfig) -> None:
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.num_kv_heads = config.num_key_value_heads
        self.head_dim = config.head_dim
        hidden = config.hidden_size
        self.q_proj = nn.Linear(hidden, self.num_heads * self.head_dim, bias=True)
        self.k_proj = nn.Linear(hidden, self.num_kv_heads * self.head_dim, bias=True)
        self.v_proj = nn.Linear(hidden, self.num_kv_heads * self.head_dim, bias=True)
        self.o_proj = nn.Linear(self.num_heads * self.head_dim, hidden, bias=False)

    def forward(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        key_mask: torch.Tensor | None,
        query_mask: torch.Tensor | None,
    ) -> torch.Tensor:
        batch, length, _ = x.shape
        q = self.q_proj(x).view(batch, length, self.num_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(batch, length, self.num_kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(batch, length, self.num_kv_heads, self.head_dim).transpose(1, 2)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)  # (B, H, L, D)
        groups = self.num_heads // self.num_kv_heads
        if groups > 1:  # query head h reads key/value head h // groups
            k = k.repeat_interleave(groups, dim=1)
            v = v.repeat_interleave(groups, dim=1)
        # key_mask (B, 1, 1, L) hides padding; no causal mask: every position sees the whole canvas.
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=key_mask, is_causal=False)
        out = out.transpose(1, 2).reshape(batch, length, self.num_heads * self.head_dim)
        if query_mask is not None:
            # Dream masks padding pairwise, so a padding row attends to nothing and its output
            # is zero; zeroing it here gives the same result without fully masked softmax rows.
            out = out * query_mask
        return self.o_proj(out)


class DreamMLP(nn.Module):
    """SwiGLU feed-forward: down(silu(gate(x)) * up(x))."""

    def __init__(self, config: DreamConfig) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DreamLayer(nn.Module):
    """Pre-norm residual block: attention, then MLP."""

    def __init__(self, config: DreamConfig) -> None:
        super().__init__()
        self.self_attn = DreamAttention(config)
        self.mlp = DreamMLP(config)
        self.input_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)

    def forward(self, x, cos, sin, key_mask, query_mask):  # noqa: ANN001, ANN201 - internal
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, key_mask, query_mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class DreamBackbone(nn.Module):
    """Embeddings, the decoder layers and the final norm (Dream's `model.*` tensors)."""

    def __init__(self, config: DreamConfig) -> None:
        super().__init__()
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = nn.ModuleList(DreamLayer(config) for _ in range(config.num_hidden_layers))
        self.norm = RMSNorm(config.hidden_size, config.rms_norm_eps)


class DreamModel(nn.Module):
    """Dream's full network: token ids (B, L) -> unshifted logits (B, L, V).

    Row i of the output is computed from the hidden state at position i; Dream was trained so
    that this row predicts token i + 1, which `DreamDenoiser` corrects by shifting.
    """

    def __init__(self, config: DreamConfig) -> None:
        super().__init__()
        self.config = config
        self.model = DreamBackbone(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        if config.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Run the network.

        Args:
            input_ids: LongTensor (B, L).
            attention_mask: optional (B, L), 1 for real tokens and 0 for padding. As in Dream's
                sampler, positions then count real tokens only (left padding keeps RoPE aligned).

        Returns:
            Logits (B, L, V) in the model's dtype, not shifted.
        """
        batch, length = input_ids.shape
        x = self.model.embed_tokens(input_ids)  # (B, L, hidden)
        key_mask = query_mask = None
        if attention_mask is not None and bool((attention_mask == 0).any()):
            real = attention_mask.to(device=input_ids.device) != 0  # (B, L) bool
            position_ids = real.long().cumsum(-1) - 1
            position_ids = position_ids.masked_fill(~real, 1)  # Dream's value for padding rows
            key_mask = real[:, None, None, :]  # (B, 1, 1, L)
            query_mask = real[:, :, None].to(x.dtype)  # (B, L, 1)
        else:
            position_ids = torch.arange(length, device=input_ids.device).expand(batch, length)
        cos, sin = rotary_cos_sin(position_ids, self.config.head_dim, self.config.rope_theta, x.dtype)
        for layer in self.model.layers:
            x = layer(x, cos, sin, key_mask, query_mask)
        return self.lm_head(self.model.norm(x))
