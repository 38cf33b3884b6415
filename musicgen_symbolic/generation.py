"""The sampling loop: KV cache, classifier-free guidance, temperature / top-k / top-p, grammar masks.

Conditional and unconditional rows run in one batch (``2B`` rows) so guidance costs one forward
pass per token. When the sequence outgrows the model's context, the cache is rebuilt from the
control prefix plus the most recent half-window of tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from .grammar import GrammarState
from .model import KVCache, MusicTransformer


@dataclass(frozen=True)
class SamplingConfig:
    temperature: float = 1.0
    top_k: int = 40
    top_p: float = 0.95
    cfg_scale: float = 1.5
    seed: int | None = None
    max_new_tokens: int = 4096
    use_cache: bool = True


def filter_logits(logits: Tensor, top_k: int, top_p: float) -> Tensor:
    """Keep the top-k tokens, then the smallest set whose probability reaches top_p. (B, V)."""
    if top_k and top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if 0 < top_p < 1:
        sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
        cumulative = sorted_logits.softmax(-1).cumsum(-1)
        drop = cumulative - sorted_logits.softmax(-1) >= top_p  # keep the token that crosses top_p
        sorted_logits = sorted_logits.masked_fill(drop, float("-inf"))
        logits = torch.full_like(logits, float("-inf")).scatter(-1, order, sorted_logits)
    return logits


class Sampler:
    """Runs one batch of rows to completion under their grammars."""

    def __init__(self, model: MusicTransformer, config: SamplingConfig) -> None:
        self.model = model
        self.config = config
        self.generator = torch.Generator().manual_seed(config.seed if config.seed is not None else torch.seed())

    @torch.inference_mode()
    def run(
        self,
        prefixes: Tensor,  # (B, P) control prefix + BOS for the conditional rows
        null_prefix: Tensor,  # (P,) all-NONE prefix + BOS for the unconditional rows
        memory: Tensor,  # (B, S, d_text)
        memory_mask: Tensor,  # (B, S)
        grammars: list[GrammarState],
        on_token: callable | None = None,
        logit_bias: Tensor | None = None,  # (V,) added to the guided logits, e.g. the key's scale
    ) -> list[list[int]]:
        config, model = self.config, self.model
        B, P = prefixes.shape
        guided = config.cfg_scale != 1.0
        if guided:
            null_memory, null_mask = model.null_condition(B, memory.shape[1])
            prefixes = torch.cat([prefixes, null_prefix.expand(B, P)])
            memory, memory_mask = torch.cat([memory, null_memory]), torch.cat([memory_mask, null_mask])
        window = model.config.max_seq_len
        sequences = torch.zeros(B, 0, dtype=torch.long)  # finished rows keep receiving padding
        lengths = [0] * B
        cache = KVCache(model.config, prefixes.shape[0], memory.dtype, memory.device) if config.use_cache else None
        logits = model(prefixes, memory, memory_mask, cache)[:, -1]
        for step in range(config.max_new_tokens):
            next_tokens = self._choose(logits, B, guided, grammars, config.max_new_tokens - step, logit_bias)
            for row, token in enumerate(next_tokens):
                if not grammars[row].finished:
                    grammars[row].advance(token)
                    lengths[row] += 1
                    if on_token is not None:
                        on_token(row, token)
            sequences = torch.cat([sequences, torch.tensor(next_tokens).unsqueeze(1)], dim=1)
            if all(g.finished for g in grammars):
                break
            column = sequences[:, -1:].repeat(2 if guided else 1, 1)
            if cache is not None and cache.length < window:
                logits = model(column, memory, memory_mask, cache)[:, -1]
            else:
                logits = self._recompute(prefixes, sequences, memory, memory_mask, cache, guided)
        return [sequences[row, : lengths[row]].tolist() for row in range(B)]

    def _recompute(self, prefixes, sequences, memory, memory_mask, cache, guided) -> Tensor:  # noqa: ANN001
        """Full forward over prefix + the latest tokens that fit (no-cache mode, or a full cache)."""
        window, P = self.model.config.max_seq_len, prefixes.shape[1]
        keep = (window - P) if cache is None else (window - P) // 2
        body = sequences[:, -keep:]
        if guided:
            body = torch.cat([body, body])
        if cache is not None:
            cache.reset()
        return self.model(torch.cat([prefixes, body], dim=1), memory, memory_mask, cache)[:, -1]

    def _choose(
        self,
        logits: Tensor,
        B: int,
        guided: bool,
        grammars: list[GrammarState],
        tokens_left: int,
        logit_bias: Tensor | None = None,
    ) -> list[int]:
        config = self.config
        logits = logits.float()
        if guided:
            conditional, unconditional = logits[:B], logits[B:]
            logits = unconditional + config.cfg_scale * (conditional - unconditional)
        if logit_bias is not None:
            logits = logits + logit_bias
        allowed = torch.from_numpy(np.stack([g.allowed(tokens_left) for g in grammars]))
        logits = logits.masked_fill(~allowed, float("-inf"))
        if config.temperature < 1e-6:  # greedy (also avoids 0/0 in float32)
            return logits.argmax(-1).tolist()
        logits = logits - logits.max(dim=-1, keepdim=True).values  # keeps tiny temperatures finite
        logits = filter_logits(logits / config.temperature, config.top_k, config.top_p)
        probs = logits.softmax(-1)
        return torch.multinomial(probs, 1, generator=self.generator).squeeze(1).tolist()
