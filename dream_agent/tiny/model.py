"""The project's small masked diffusion model: a bidirectional pre-norm transformer."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class TinyConfig:
    """Shape of a tiny MDM. `vocab_size` includes the mask and pad tokens."""

    vocab_size: int
    max_length: int = 128
    dim: int = 128
    n_layers: int = 4
    n_heads: int = 4
    ffn_dim: int = 512
    dropout: float = 0.0

    def __post_init__(self) -> None:
        for name in ("vocab_size", "max_length", "dim", "n_layers", "n_heads", "ffn_dim"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"TinyConfig.{name} must be an integer >= 1, got {value!r}")
        if self.dim % self.n_heads:
            raise ValueError(f"TinyConfig.dim ({self.dim}) must be a multiple of n_heads ({self.n_heads})")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"TinyConfig.dropout must be in [0, 1), got {self.dropout!r}")

    def to_dict(self) -> dict:
        return asdict(self)


class Block(nn.Module):
    """Pre-norm attention + MLP, each with a residual; attention sees every (real) position."""

    def __init__(self, config: TinyConfig) -> None:
        super().__init__()
        self.n_heads = config.n_heads
        self.dropout = config.dropout
        self.norm1 = nn.LayerNorm(config.dim)
        self.qkv = nn.Linear(config.dim, 3 * config.dim)
        self.proj = nn.Linear(config.dim, config.dim)
        self.norm2 = nn.LayerNorm(config.dim)
        self.mlp = nn.Sequential(
            nn.Linear(config.dim, config.ffn_dim), nn.GELU(), nn.Linear(config.ffn_dim, config.dim)
        )

    def forward(self, h: torch.Tensor, key_mask: torch.Tensor | None) -> torch.Tensor:
        batch, length, dim = h.shape
        q, k, v = self.qkv(self.norm1(h)).split(dim, dim=-1)
        # (B, heads, L, dim / heads)
        q, k, v = (t.view(batch, length, self.n_heads, -1).transpose(1, 2) for t in (q, k, v))
        drop = self.dropout if self.training else 0.0
        # no causal mask: every position attends to the whole canvas, padding excluded
        att = F.scaled_dot_product_attention(q, k, v, attn_mask=key_mask, dropout_p=drop)
        h = h + F.dropout(self.proj(att.transpose(1, 2).reshape(batch, length, dim)), drop, self.training)
        return h + F.dropout(self.mlp(self.norm2(h)), drop, self.training)


class TinyMDM(nn.Module):
    """Token ids (B, L) -> logits (B, L, V); position i predicts the token at position i.

    Learned absolute positions rather than RoPE: tiny models serve fixed-layout canvases
    (a Sudoku cell, a plan step's slot) where the absolute position itself carries meaning,
    and `max_length` is fixed at training time anyway. The output head is tied to the token
    embedding: with vocabularies of tens to hundreds of words this halves the embedding
    parameters and is the usual choice for small language models (GPT-2, nanoGPT).
    """

    def __init__(self, config: TinyConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.dim)
        self.pos = nn.Embedding(config.max_length, config.dim)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.norm = nn.LayerNorm(config.dim)
        self.head = nn.Linear(config.dim, config.vocab_size, bias=False)
        self.head.weight = self.embed.weight  # tied, see the class docstring
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        length = input_ids.shape[1]
        positions = torch.arange(length, device=input_ids.device)
        h = self.embed(input_ids) + self.pos(positions)  # (B, L, dim)
        key_mask = None
        if attention_mask is not None:
            key_mask = attention_mask.bool()[:, None, None, :]  # (B, 1, 1, L): True = may attend
        for block in self.blocks:
            h = block(h, key_mask)
        return self.head(self.norm(h))  # (B, L, V)
