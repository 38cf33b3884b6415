"""The inference engine: a trained :class:`MusicTransformer` packed for fast token-by-token decoding.

Why a second forward pass beside ``MusicTransformer.forward`` (which stays the reference, used in
training): at batch 1–2 a CPU decoding step is bound by reading weights and by the fixed cost of
each tensor operation, not by arithmetic. So this engine

* stores each Linear weight as int8 with one scale per output channel (torch's weight-only int8
  kernel reads 4× fewer bytes than fp32), or as bf16, or as fp32 (``precision``). Beyond
  ``INT8_KERNEL_MAX_ROWS`` rows (prefixes, restarts) and for bf16 and fp32 weights, products run in
  oneDNN on weights packed once in its layout, with GELU fused in (at 500 rows, the MLP's first
  product with its GELU takes 0.71 ms instead of 1.31 ms in MKL);
* preallocates a static KV cache once per generation, so restarting it (a full context window)
  only moves a length; with grouped-query attention it holds one key/value head per group, and a
  step attends each group's query heads to it in one product (split in parts when there are fewer
  rows than threads, so that every thread has work);
* folds cross-attention into two small matrix products per layer: the text is fixed for the whole
  generation, so ``W_q`` is multiplied into the text keys and ``W_proj`` into the text values once;
  rows that share a text (the samples of one prompt, the unconditional rows of guidance) share those
  keys and values, so a step at batch 16 reads them twice, not sixteen times;
* runs a step as a flat sequence of tensor operations: no ``nn.Module`` dispatch, rotary positions
  as one complex multiplication, the residual stream in fp32 and matrix inputs in the weights' dtype;
  after the int8 kernel, GELU takes its tanh form at up to ``TANH_GELU_MAX_ROWS`` rows, where it is faster
  than the exact form (they differ by < 1e-3); oneDNN fuses the exact form.

Without torch's int8 kernel (older torch builds), ``int8`` falls back to ``bf16``; without oneDNN, dense
products run in MKL (``x @ W.T``).

Tests check that fp32 packing reproduces the reference logits and that decoding with the cache gives
the same tokens as recomputing the whole sequence for every token.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from .constants import DEFAULT_PRECISION, PRECISIONS
from .model import MusicTransformer, null_condition, rotary_tables

INT8_KERNEL_MAX_ROWS = 32  # measured inside decoding steps: int8 beats oneDNN's bf16 at 8 rows, ties at 16; MKL at 32
TANH_GELU_MAX_ROWS = 4  # measured: tanh GELU 5.0 µs vs exact 8.4 µs at 2 rows, 34 µs vs 11 µs at 16


@functools.cache
def int8_supported() -> bool:
    """Whether this torch build runs the weight-only int8 kernel on bf16 inputs (probed once)."""
    try:
        out = torch._weight_int8pack_mm(
            torch.ones(1, 32, dtype=torch.bfloat16),
            torch.ones(8, 32, dtype=torch.int8),
            torch.ones(8, dtype=torch.bfloat16),
        )
    except (AttributeError, RuntimeError, NotImplementedError):
        return False
    return bool(torch.allclose(out.float(), torch.full((1, 8), 32.0)))


@functools.cache
def onednn_supported(dtype: torch.dtype) -> bool:
    """Whether this torch build runs oneDNN's linear on prepacked ``dtype`` weights (probed once per dtype)."""
    try:
        packed = torch.ops.mkldnn._reorder_linear_weight(torch.ones(8, 32, dtype=dtype), 1)
        x = torch.full((1, 32), 0.03125, dtype=dtype)
        plain = torch.ops.mkldnn._linear_pointwise(x, packed, None, "none", [], "none")
        fused = torch.ops.mkldnn._linear_pointwise(x, packed, None, "gelu", [], "none")
    except (AttributeError, RuntimeError, NotImplementedError):
        return False
    expected = torch.ones(1, 8)
    tolerance = 1e-2 if dtype == torch.bfloat16 else 1e-4
    return bool(
        torch.allclose(plain.float(), expected) and torch.allclose(fused.float(), F.gelu(expected), atol=tolerance)
    )


def _copy(tensor: Tensor) -> Tensor:
    """A CPU fp32 copy that later changes to the model (or its device) cannot reach."""
    return tensor.detach().to("cpu", torch.float32, copy=True)


class PackedLinear:
    """``x @ weight.T`` for ``x`` (N, in) in the engine's compute dtype; the result has that dtype too."""

    def __init__(self, weight: Tensor, precision: str) -> None:
        weight = _copy(weight)
        self.quantised: tuple[Tensor, Tensor] | None = None
        if precision == "int8":
            scales = (weight.abs().amax(dim=1).clamp(min=1e-12) / 127).to(torch.bfloat16)
            integers = (weight / scales.float()[:, None]).round().clamp(-127, 127).to(torch.int8).contiguous()
            self.quantised = (integers, scales)
            weight = integers.float() * scales.float()[:, None]  # the same integers and scales as the int8 kernel
        dtype = torch.float32 if precision == "fp32" else torch.bfloat16
        self.onednn = onednn_supported(dtype)
        # Without oneDNN, a bf16 product falls back to a plain loop: on a CPU without bf16 instructions a
        # 600×256×1024 product took 0.27 s against 0.004 s in fp32, and the prefills and cache refills of one
        # 16-bar metal piece (2,800 tokens) 15 of its 20 s. There the many-row products run in fp32 and round back.
        self.upcast = dtype == torch.bfloat16 and not self.onednn
        if self.onednn:
            self.dense = torch.ops.mkldnn._reorder_linear_weight(weight.to(dtype), 16)  # 16: a row-count hint
        else:  # MKL is faster on (in, out) than on F.linear's layout
            self.dense = weight.t().contiguous().to(torch.float32 if self.upcast else dtype)

    def __call__(self, x: Tensor) -> Tensor:
        return self.kernel(x.shape[0])(x)

    def kernel(self, rows: int, gelu: bool = False) -> Callable[[Tensor], Tensor]:
        """The product for inputs of ``rows`` rows, followed by GELU if asked; chosen once per batch size,
        because a decoding step calls it for every token."""
        if self.quantised is not None and rows <= INT8_KERNEL_MAX_ROWS:
            integers, scales = self.quantised
            multiply = torch._weight_int8pack_mm
            if gelu:
                form = "tanh" if rows <= TANH_GELU_MAX_ROWS else "none"
                return lambda x: F.gelu(multiply(x, integers, scales), approximate=form)
            return lambda x: multiply(x, integers, scales)
        dense = self.dense
        if self.onednn:
            linear = torch.ops.mkldnn._linear_pointwise
            post = "gelu" if gelu else "none"
            return lambda x: linear(x, dense, None, post, [], "none")
        if self.upcast:
            if gelu:
                return lambda x: F.gelu(x.float() @ dense).to(torch.bfloat16)
            return lambda x: (x.float() @ dense).to(torch.bfloat16)
        if gelu:
            return lambda x: F.gelu(x @ dense)
        return lambda x: x @ dense


_Norm = tuple[tuple[int, ...], Tensor, Tensor, float]  # torch.layer_norm's arguments after the input


@dataclass
class _Layer:
    norm_self: _Norm
    qkv: PackedLinear
    proj_self: PackedLinear
    norm_cross: _Norm
    q_cross: Tensor  # (H, hd, C) fp32, folded into the text keys per generation
    kv_cross: Tensor  # (2C, C) fp32
    proj_cross: Tensor  # (H, C, hd) fp32, folded into the text values per generation
    norm_mlp: _Norm
    up: PackedLinear
    down: PackedLinear


def _norm_of(module: torch.nn.LayerNorm) -> _Norm:
    return (tuple(module.normalized_shape), _copy(module.weight), _copy(module.bias), module.eps)


class FastDecoder:
    """Packed weights of one model (copies: repack after changing the model); :meth:`start` opens a session."""

    def __init__(self, model: MusicTransformer, precision: str = DEFAULT_PRECISION) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
        if precision == "int8" and not int8_supported():
            precision = "bf16"
        self.precision = precision
        self.dtype = torch.float32 if precision == "fp32" else torch.bfloat16
        config = self.config = model.config
        H, hd, C = config.n_head, config.head_dim, config.d_model

        def weight(linear: torch.nn.Linear) -> Tensor:
            return _copy(linear.weight)

        self.embedding = _copy(model.token_embedding.weight)
        self.text_projection = (weight(model.text_projection), _copy(model.text_projection.bias))
        self.null_text = _copy(model.null_text)
        self.layers = [
            _Layer(
                norm_self=_norm_of(block.ln_self),
                qkv=PackedLinear(block.self_attn.qkv.weight, precision),
                proj_self=PackedLinear(block.self_attn.proj.weight, precision),
                norm_cross=_norm_of(block.ln_cross),
                q_cross=weight(block.cross_attn.q).view(H, hd, C),
                kv_cross=weight(block.cross_attn.kv),
                proj_cross=weight(block.cross_attn.proj).view(C, H, hd).transpose(0, 1).contiguous(),
                norm_mlp=_norm_of(block.ln_mlp),
                up=PackedLinear(block.mlp.up.weight, precision),
                down=PackedLinear(block.mlp.down.weight, precision),
            )
            for block in model.blocks
        ]
        self.norm_final = _norm_of(model.ln_final)
        self.lm_head = PackedLinear(model.lm_head.weight, precision)
        cos, sin = rotary_tables(hd, config.max_seq_len, config.rope_base)
        self.rotation = torch.complex(cos, sin)  # (L, hd/2): position p turns each pair by p·θ

    def null_condition(self, rows: int, length: int) -> tuple[Tensor, Tensor]:
        return null_condition(self.null_text, rows, length)

    def start(self, memory: Tensor, memory_mask: Tensor, context: int | None = None) -> DecodeSession:
        """A session for ``memory`` (rows, S, d_text) text embeddings, ``memory_mask`` True where real.

        ``context`` caps the positions the cache holds (default: the model's ``max_seq_len``).
        """
        return DecodeSession(self, memory.float(), memory_mask, context)


class DecodeSession:
    """A static KV cache for ``rows`` sequences, each conditioned on its own text.

    The text's keys and values are stored per block of consecutive rows with the same text (one block
    per row when the texts do not form equal blocks), and cross-attention multiplies block by block.

    :meth:`feed` appends tokens to every row and returns their next-token logits; :meth:`step` is
    its one-token fast path; :meth:`truncate` forgets the latest tokens.
    """

    def __init__(self, decoder: FastDecoder, memory: Tensor, memory_mask: Tensor, context: int | None = None) -> None:
        config = decoder.config
        self.d = decoder
        self.rows = R = memory.shape[0]
        self.heads = H = config.n_head
        self.kv_heads = config.kv_heads
        self.head_dim = hd = config.head_dim
        self.capacity = min(context or config.max_seq_len, config.max_seq_len)
        self.length = 0
        self.kv = [torch.zeros(R, 2, self.kv_heads, self.capacity, hd) for _ in decoder.layers]  # keys, values
        self._view_cache()
        distinct, self.text_of_row = _distinct_texts(memory, memory_mask)
        memory, memory_mask = memory[distinct], memory_mask[distinct]
        U = len(distinct)
        weight, bias = decoder.text_projection
        text = F.linear(memory, weight, bias)
        S = text.shape[1]
        # scores = h · (W_q,h^T k_s) / sqrt(hd) and output = Σ p_s (W_proj,h v_s): fold both weights in once.
        self.cross: list[tuple[Tensor, Tensor]] = []
        for layer in decoder.layers:
            k, v = F.linear(text, layer.kv_cross).view(U, S, 2, H, hd).unbind(2)  # (U, S, H, hd)
            keys = torch.einsum("ushd,hdc->uchs", k, layer.q_cross) / math.sqrt(hd)
            values = torch.einsum("ushd,hcd->uhsc", v, layer.proj_cross)
            self.cross.append((keys.reshape(U, -1, H * S).contiguous(), values.reshape(U, H * S, -1).contiguous()))
        padding = ~memory_mask[:, None, None, :].expand(U, 1, H, S)
        self.cross_bias = torch.zeros(U, 1, H, S).masked_fill(padding, float("-inf")).view(U, 1, H * S)
        self.cross_shape = (H, S)
        self._arrange_texts()
        self._choose_kernels()

    def feed(self, tokens: Tensor, all_logits: bool = True) -> Tensor:
        """Append ``tokens`` (rows, T) after the cached ones; logits (rows, T, vocab), or (rows, vocab) for the last."""
        R, T = tokens.shape
        past, H, G, hd = self.length, self.heads, self.kv_heads, self.head_dim
        end = past + T
        if end > self.capacity:
            raise ValueError(f"sequence of {end} tokens exceeds the cache's {self.capacity} positions")
        rotation = self.d.rotation[past:end, None]
        mask = None
        if past and T > 1:  # each new token sees the past and its predecessors
            mask = torch.ones(T, end, dtype=torch.bool).tril(diagonal=past)
        dtype = self.d.dtype
        x = F.embedding(tokens, self.d.embedding).view(R * T, -1)
        for i, layer in enumerate(self.d.layers):
            qkv = layer.qkv(torch.layer_norm(x, *layer.norm_self).to(dtype)).float().view(R, T, H + 2 * G, hd // 2, 2)
            torch.view_as_complex(qkv)[:, :, : H + G].mul_(rotation)
            qkv = qkv.view(R, T, H + 2 * G, hd).transpose(1, 2)  # (R, heads, T, hd): queries, keys, values
            kv = self.kv[i]
            kv[:, :, :, past:end] = qkv[:, H:].unflatten(1, (2, G))
            y = F.scaled_dot_product_attention(
                qkv[:, :H],
                kv[:, 0, :, :end],
                kv[:, 1, :, :end],
                attn_mask=mask,
                is_causal=past == 0 and T > 1,
                enable_gqa=G != H,
            )
            x = x + layer.proj_self(y.transpose(1, 2).reshape(R * T, -1).to(dtype))
            x = x + self._cross(i, torch.layer_norm(x, *layer.norm_cross)).view(R * T, -1)
            up = layer.up.kernel(R * T, gelu=True)
            x = x + layer.down(up(torch.layer_norm(x, *layer.norm_mlp).to(dtype)))
        self.length = end
        x = x.view(R, T, -1)
        if not all_logits:
            x = x[:, -1]
        logits = self.d.lm_head(torch.layer_norm(x, *self.d.norm_final).to(dtype).reshape(-1, x.shape[-1]))
        return logits.float().view(*x.shape[:-1], -1)

    def step(self, tokens: Tensor) -> Tensor:
        """Append one token per row (``tokens`` of shape (rows,)); next-token logits (rows, vocab)."""
        pos = self.length
        if pos >= self.capacity:
            raise ValueError(f"the cache holds {self.capacity} tokens; truncate or restart it first")
        R, H, G, hd, dtype, splits = self.rows, self.heads, self.kv_heads, self.head_dim, self.d.dtype, self.splits
        rotation = self.d.rotation[pos]
        end = pos + 1
        x = F.embedding(tokens, self.d.embedding)
        for i, layer in enumerate(self.d.layers):
            qkv_, proj_, up_, down_ = self.kernels[i]
            qkv = qkv_(torch.layer_norm(x, *layer.norm_self).to(dtype)).float().view(R, H + 2 * G, hd // 2, 2)
            torch.view_as_complex(qkv)[:, : H + G].mul_(rotation)
            qkv = qkv.view(R, H + 2 * G, hd)
            self.kv[i].select(3, pos).copy_(qkv[:, H:].view(R, 2, G, hd))
            # One new position attends to every cached one, so a group's query heads can be its query rows.
            queries = qkv[:, :H].view(R, G * splits, H // (G * splits), hd)
            keys, values = self.keys[i].narrow(2, 0, end), self.values[i].narrow(2, 0, end)
            if splits > 1:
                keys, values = keys.expand(R, splits, end, hd), values.expand(R, splits, end, hd)
            y = F.scaled_dot_product_attention(queries, keys, values)
            x = x + proj_(y.reshape(R, -1).to(dtype))
            x = x + self._cross(i, torch.layer_norm(x, *layer.norm_cross)).view(R, -1)
            x = x + down_(up_(torch.layer_norm(x, *layer.norm_mlp).to(dtype)))
        self.length = end
        return self.head(torch.layer_norm(x, *self.d.norm_final).to(dtype)).float()

    def _choose_kernels(self) -> None:
        """The matrix products a step will use at this many rows (see PackedLinear.kernel)."""
        R = self.rows
        self.splits = self._query_splits(R)
        self.kernels = [
            (layer.qkv.kernel(R), layer.proj_self.kernel(R), layer.up.kernel(R, gelu=True), layer.down.kernel(R))
            for layer in self.d.layers
        ]
        self.head = self.d.lm_head.kernel(R)

    def _query_splits(self, rows: int) -> int:
        """Into how many parts a step splits each key/value head's queries, so that every thread has attention work.

        Attention runs one thread per (row, key/value head): one row with one key/value head would use one core.
        Split into parts, each part of the query heads reads the same cache (one row on 2 threads, at 700
        positions: 25 µs instead of 37). Only a single key/value head can be split as a view.
        """
        threads, per_group = torch.get_num_threads(), self.heads // self.kv_heads
        if self.kv_heads > 1 or rows >= threads:
            return 1
        return max(s for s in range(1, per_group + 1) if per_group % s == 0 and s <= threads // rows)

    def keep(self, rows: list[int]) -> None:
        """Keep only these rows (in this order), e.g. when the others have finished."""
        index = torch.tensor(rows)
        self.rows = len(rows)
        self._choose_kernels()
        in_order = all(a < b for a, b in zip(rows, rows[1:], strict=False))
        if in_order:  # move each kept row up in place: no copy of the whole cache
            for kv in self.kv:
                for to, row in enumerate(rows):
                    if to != row:
                        kv[to, :, :, : self.length] = kv[row, :, :, : self.length]
            self.kv = [kv[: len(rows)] for kv in self.kv]
        else:
            self.kv = [kv.index_select(0, index) for kv in self.kv]
        self._view_cache()
        self.text_of_row = self.text_of_row[index]
        self._arrange_texts()

    def _arrange_texts(self) -> None:
        """One stored text per block of rows: equal blocks of consecutive rows if the rows allow, else one per row."""
        texts, counts = torch.unique_consecutive(self.text_of_row, return_counts=True)
        if not bool((counts == counts[0]).all()):
            texts = self.text_of_row
        if len(texts) != self.cross_bias.shape[0] or not torch.equal(texts, torch.arange(len(texts))):
            self.cross = [(k.index_select(0, texts), v.index_select(0, texts)) for k, v in self.cross]
            self.cross_bias = self.cross_bias.index_select(0, texts)
        self.text_of_row = torch.arange(len(texts)).repeat_interleave(self.rows // len(texts))

    def truncate(self, length: int) -> None:
        """Forget every token after the first ``length`` (their cache slots are overwritten later)."""
        self.length = min(self.length, length)

    def _view_cache(self) -> None:
        """Each layer's keys and values as (rows, kv heads, positions, head dim) views of its cache."""
        self.keys, self.values = [kv[:, 0] for kv in self.kv], [kv[:, 1] for kv in self.kv]

    def _cross(self, i: int, h: Tensor) -> Tensor:
        """Cross-attention of ``h`` (R·T, C), rows' positions consecutive, to the text: (blocks, R·T / blocks, C)."""
        keys, values = self.cross[i]
        blocks = keys.shape[0]  # rows of one block are consecutive, and so are their T positions
        scores = torch.baddbmm(self.cross_bias, h.view(blocks, -1, h.shape[-1]), keys)
        weights = scores.view(-1, *self.cross_shape).softmax(-1).view(scores.shape)
        return torch.bmm(weights, values)


def _distinct_texts(memory: Tensor, memory_mask: Tensor) -> tuple[Tensor, Tensor]:
    """Indices of the distinct (memory, mask) rows, first occurrences in order, and each row's text among them."""
    text_of: dict[bytes, int] = {}
    distinct, text_of_row = [], []
    for row in range(memory.shape[0]):
        key = memory[row].detach().numpy().tobytes() + memory_mask[row].numpy().tobytes()
        if key not in text_of:
            text_of[key] = len(distinct)
            distinct.append(row)
        text_of_row.append(text_of[key])
    return torch.tensor(distinct), torch.tensor(text_of_row)
