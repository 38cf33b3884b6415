"""A small decoder-only Transformer over music tokens, cross-attending to text embeddings.

Read top to bottom: config → rotary embeddings → KV cache → attention → block → model.
Each block is causal self-attention (rotary positions, KV cache), cross-attention to the frozen
text encoder's token embeddings, and an MLP. The unconditional ("null") text condition used by
classifier-free guidance is a learned vector inside the model.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn


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

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ModelConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def rotary_tables(head_dim: int, length: int, base: float) -> tuple[Tensor, Tensor]:
    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    angles = torch.outer(torch.arange(length, dtype=torch.float32), inv_freq)  # (L, hd/2)
    return angles.cos(), angles.sin()


def apply_rotary(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """x: (B, H, T, hd); cos/sin: (T, hd/2)."""
    x1, x2 = x[..., 0::2], x[..., 1::2]
    rotated = torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1)
    return rotated.flatten(-2).type_as(x)


class KVCache:
    """Preallocated keys/values for every layer, plus the cross-attention keys/values of the text."""

    def __init__(self, config: ModelConfig, batch: int, dtype: torch.dtype, device: torch.device) -> None:
        head_dim = config.d_model // config.n_head
        shape = (batch, config.n_head, config.max_seq_len, head_dim)
        self.keys = [torch.zeros(shape, dtype=dtype, device=device) for _ in range(config.n_layer)]
        self.values = [torch.zeros(shape, dtype=dtype, device=device) for _ in range(config.n_layer)]
        self.cross: list[tuple[Tensor, Tensor] | None] = [None] * config.n_layer
        self.length = 0

    def reset(self) -> None:
        self.length = 0


class SelfAttention(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model, bias=False)
        self.proj = nn.Linear(config.d_model, config.d_model, bias=False)
        self.dropout = config.dropout

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor, cache: KVCache | None, layer: int) -> Tensor:
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))  # (B, H, T, hd)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        past = 0
        if cache is not None:
            past = cache.length
            cache.keys[layer][:, :, past : past + T] = k
            cache.values[layer][:, :, past : past + T] = v
            k = cache.keys[layer][:, :, : past + T]
            v = cache.values[layer][:, :, : past + T]
        if past == 0:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=T > 1, dropout_p=self._dropout_p())
        elif T == 1:
            y = F.scaled_dot_product_attention(q, k, v)
        else:  # several new tokens after a cached past: each sees the past and its predecessors
            mask = torch.ones(T, past + T, dtype=torch.bool, device=x.device).tril(diagonal=past)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))

    def _dropout_p(self) -> float:
        return self.dropout if self.training else 0.0


class CrossAttention(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.q = nn.Linear(config.d_model, config.d_model, bias=False)
        self.kv = nn.Linear(config.d_model, 2 * config.d_model, bias=False)
        self.proj = nn.Linear(config.d_model, config.d_model, bias=False)

    def forward(self, x: Tensor, memory: Tensor, memory_mask: Tensor, cache: KVCache | None, layer: int) -> Tensor:
        B, T, C = x.shape
        hd = C // self.n_head
        q = self.q(x).view(B, T, self.n_head, hd).transpose(1, 2)
        if cache is not None and cache.cross[layer] is not None:
            k, v = cache.cross[layer]
        else:
            S = memory.shape[1]
            k, v = self.kv(memory).split(C, dim=2)
            k, v = (t.view(B, S, self.n_head, hd).transpose(1, 2) for t in (k, v))  # (B, H, S, hd)
            if cache is not None:
                cache.cross[layer] = (k, v)
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

    def forward(self, x, cos, sin, memory, memory_mask, cache, layer):  # noqa: ANN001, ANN201
        x = x + self.self_attn(self.ln_self(x), cos, sin, cache, layer)
        x = x + self.cross_attn(self.ln_cross(x), memory, memory_mask, cache, layer)
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
        cos, sin = rotary_tables(config.d_model // config.n_head, config.max_seq_len, config.rope_base)
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
        """The unconditional text memory: the learned null vector, then masked padding."""
        memory = torch.zeros(
            batch, length, self.config.d_text, device=self.null_text.device, dtype=self.null_text.dtype
        )
        memory[:, 0] = self.null_text[0, 0]
        mask = torch.zeros(batch, length, dtype=torch.bool, device=memory.device)
        mask[:, 0] = True
        return memory, mask

    def forward(
        self,
        tokens: Tensor,  # (B, T) token ids
        memory: Tensor,  # (B, S, d_text) text embeddings
        memory_mask: Tensor,  # (B, S) True where a text token is real
        cache: KVCache | None = None,
    ) -> Tensor:
        """Logits (B, T, vocab). With a cache, ``tokens`` continue the cached sequence."""
        T = tokens.shape[1]
        start = cache.length if cache is not None else 0
        if start + T > self.config.max_seq_len:
            raise ValueError(f"sequence of {start + T} tokens exceeds max_seq_len={self.config.max_seq_len}")
        cos, sin = self.rope_cos[start : start + T], self.rope_sin[start : start + T]
        text = self.text_projection(memory) if cache is None or cache.cross[0] is None else memory
        x = self.token_embedding(tokens)
        for layer, block in enumerate(self.blocks):
            x = block(x, cos, sin, text, memory_mask, cache, layer)
        if cache is not None:
            cache.length += T
        return self.lm_head(self.ln_final(x))
