"""A small decoder-only Transformer over music tokens, cross-attending to text embeddings.

Read top to bottom: config → rotary embeddings → attention → block → model.
Each block is causal self-attention (rotary positions; optionally grouped-query, where several query
heads share one key/value head), cross-attention to the frozen
text encoder's token embeddings, and an MLP. The unconditional ("null") text condition used by
classifier-free guidance is a learned vector inside the model. Generation does not call this
forward pass: :mod:`.decoder` packs these weights into a faster KV-cached engine.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# Bounds on a config's sizes, checked before anything is allocated: a model folder's config.json is input, and
# absurd sizes would otherwise allocate gigabytes before failing (the bundled model: 1,732 / 256 / 4 / 4 / 384 / 1,024).
SIZE_LIMITS = {
    "vocab_size": (1, 65_536),
    "d_model": (1, 8_192),
    "n_layer": (1, 128),
    "n_head": (1, 128),
    "d_text": (1, 8_192),
    "max_seq_len": (1, 65_536),
    "n_kv_head": (1, 128),
}

MAX_PARAMETERS = 2_000_000_000


@dataclass
class ModelConfig:
    vocab_size: int
    d_model: int = 256
    n_layer: int = 4
    n_head: int = 4
    d_text: int = 384
    max_seq_len: int = 1024
    dropout: float = 0.0
    rope_base: float = 10_000.0
    n_kv_head: int | None = None  # key/value heads (grouped-query attention); None: one per query head

    def __post_init__(self) -> None:
        for name, (low, high) in SIZE_LIMITS.items():
            value = getattr(self, name)
            if value is None and name == "n_kv_head":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number {low}–{high}, got {value!r}")
        if isinstance(self.dropout, bool) or not isinstance(self.dropout, (int, float)) or not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be 0 ≤ dropout < 1, got {self.dropout!r}")
        if isinstance(self.rope_base, bool) or not isinstance(self.rope_base, (int, float)) or not self.rope_base > 1:
            raise ValueError(f"rope_base must be a number above 1, got {self.rope_base!r}")
        if self.approximate_parameters > MAX_PARAMETERS:
            raise ValueError(f"about {self.approximate_parameters:,} parameters: more than {MAX_PARAMETERS:,}")
        if self.d_model % self.n_head:
            raise ValueError(f"d_model {self.d_model} is not a multiple of n_head {self.n_head}")
        if self.n_kv_head is not None and self.n_kv_head < 1:
            raise ValueError(f"n_kv_head must be at least 1, got {self.n_kv_head}")
        if self.n_head % self.kv_heads:
            raise ValueError(f"n_head {self.n_head} is not a multiple of n_kv_head {self.kv_heads}")

    @property
    def approximate_parameters(self) -> int:
        """Self- and cross-attention plus the MLP, ~16·d² a layer, and the embedding: within a few % of the truth."""
        return 16 * self.n_layer * self.d_model**2 + self.vocab_size * self.d_model

    @property
    def kv_heads(self) -> int:
        return self.n_kv_head or self.n_head

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_head

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ModelConfig:
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:  # a setting this version cannot honour would give wrong shapes or silently different music
            raise ValueError(f"unknown settings {', '.join(unknown)}: saved by a newer musicgen-symbolic? upgrade it")
        return cls(**data)


def rotary_tables(head_dim: int, length: int, base: float) -> tuple[Tensor, Tensor]:
    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    angles = torch.outer(torch.arange(length, dtype=torch.float32), inv_freq)  # (L, hd/2)
    return angles.cos(), angles.sin()


def apply_rotary(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """x: (B, H, T, hd); cos/sin: (T, hd/2)."""
    x1, x2 = x[..., 0::2], x[..., 1::2]
    rotated = torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1)
    return rotated.flatten(-2).type_as(x)


def null_condition(null_text: Tensor, batch: int, length: int = 1) -> tuple[Tensor, Tensor]:
    """The unconditional text memory (batch, length, d_text): the learned null vector, then masked padding."""
    memory = torch.zeros(batch, length, null_text.shape[-1], device=null_text.device, dtype=null_text.dtype)
    memory[:, 0] = null_text[0, 0]
    mask = torch.zeros(batch, length, dtype=torch.bool, device=memory.device)
    mask[:, 0] = True
    return memory, mask


class SelfAttention(nn.Module):
    """Causal self-attention; with ``n_kv_head < n_head`` each key/value head serves a group of query heads."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.n_head, self.n_kv_head, self.head_dim = config.n_head, config.kv_heads, config.head_dim
        kv_width = self.n_kv_head * self.head_dim
        self.qkv = nn.Linear(config.d_model, config.d_model + 2 * kv_width, bias=False)
        self.proj = nn.Linear(config.d_model, config.d_model, bias=False)
        self.dropout = config.dropout

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
        B, T, C = x.shape
        H, G, hd = self.n_head, self.n_kv_head, self.head_dim
        q, k, v = self.qkv(x).split([C, G * hd, G * hd], dim=2)
        q = q.view(B, T, H, hd).transpose(1, 2)  # (B, H, T, hd)
        k, v = (t.view(B, T, G, hd).transpose(1, 2) for t in (k, v))  # (B, G, T, hd)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        dropout = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=dropout, enable_gqa=G != H)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


class CrossAttention(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.q = nn.Linear(config.d_model, config.d_model, bias=False)
        self.kv = nn.Linear(config.d_model, 2 * config.d_model, bias=False)
        self.proj = nn.Linear(config.d_model, config.d_model, bias=False)

    def forward(self, x: Tensor, memory: Tensor, memory_mask: Tensor) -> Tensor:
        B, T, C = x.shape
        S, hd = memory.shape[1], C // self.n_head
        q = self.q(x).view(B, T, self.n_head, hd).transpose(1, 2)
        k, v = self.kv(memory).split(C, dim=2)
        k, v = (t.view(B, S, self.n_head, hd).transpose(1, 2) for t in (k, v))  # (B, H, S, hd)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=memory_mask[:, None, None, :])
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


class MLP(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.up = nn.Linear(config.d_model, 4 * config.d_model, bias=False)
        self.down = nn.Linear(4 * config.d_model, config.d_model, bias=False)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.dropout(self.down(F.gelu(self.up(x))))


class Block(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.ln_self = nn.LayerNorm(config.d_model)
        self.self_attn = SelfAttention(config)
        self.ln_cross = nn.LayerNorm(config.d_model)
        self.cross_attn = CrossAttention(config)
        self.ln_mlp = nn.LayerNorm(config.d_model)
        self.mlp = MLP(config)

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor, memory: Tensor, memory_mask: Tensor) -> Tensor:
        x = x + self.self_attn(self.ln_self(x), cos, sin)
        x = x + self.cross_attn(self.ln_cross(x), memory, memory_mask)
        return x + self.mlp(self.ln_mlp(x))


class MusicTransformer(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.token_embedding = nn.Embedding(config.vocab_size, config.d_model)
        self.text_projection = nn.Linear(config.d_text, config.d_model)
        self.null_text = nn.Parameter(torch.zeros(1, 1, config.d_text))
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_final = nn.LayerNorm(config.d_model)
        self.lm_head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.lm_head.weight = self.token_embedding.weight  # tied
        cos, sin = rotary_tables(config.head_dim, config.max_seq_len, config.rope_base)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.apply(self._init_weights)
        for name, parameter in self.named_parameters():
            if name.endswith(("proj.weight", "down.weight")):
                nn.init.normal_(parameter, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def weights_to_save(self) -> dict[str, Tensor]:
        """CPU copies of the state dict without the tied lm_head (safetensors refuses shared tensors)."""
        return {k: v.detach().cpu().contiguous() for k, v in self.state_dict().items() if k != "lm_head.weight"}

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def null_condition(self, batch: int, length: int = 1) -> tuple[Tensor, Tensor]:
        return null_condition(self.null_text, batch, length)

    def forward(
        self,
        tokens: Tensor,  # (B, T) token ids
        memory: Tensor,  # (B, S, d_text) text embeddings
        memory_mask: Tensor,  # (B, S) True where a text token is real
    ) -> Tensor:
        """Logits (B, T, vocab) for every position (training, and the reference for :mod:`.decoder`)."""
        T = tokens.shape[1]
        if T > self.config.max_seq_len:
            raise ValueError(f"sequence of {T} tokens exceeds max_seq_len={self.config.max_seq_len}")
        cos, sin = self.rope_cos[:T], self.rope_sin[:T]
        text = self.text_projection(memory)
        x = self.token_embedding(tokens)
        for block in self.blocks:
            x = block(x, cos, sin, text, memory_mask)
        return self.lm_head(self.ln_final(x))


def group_key_value_heads(weights: dict[str, Tensor], config: ModelConfig, n_kv_head: int) -> dict[str, Tensor]:
    """Weights of ``config``'s model converted to ``n_kv_head`` key/value heads (grouped-query attention).

    Each new key (value) head is the mean of the heads in its group, the conversion of Ainslie et al.
    (2023, "GQA"); a short re-training then recovers the quality. Other weights are unchanged.
    """
    G, hd, C = config.kv_heads, config.head_dim, config.d_model
    if n_kv_head == G:
        return dict(weights)
    if n_kv_head < 1 or G % n_kv_head:
        raise ValueError(f"cannot group {G} key/value heads into {n_kv_head}")
    converted = dict(weights)
    for name, weight in weights.items():
        if not name.endswith("self_attn.qkv.weight"):
            continue
        q, k, v = weight.split([C, G * hd, G * hd])
        k, v = (t.view(n_kv_head, G // n_kv_head, hd, C).mean(1).reshape(n_kv_head * hd, C) for t in (k, v))
        converted[name] = torch.cat([q, k, v]).contiguous()
    return converted
