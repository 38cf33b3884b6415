"""The sampling loop: classifier-free guidance, grammar masks, nudges, temperature / top-k / top-p.

Conditional and unconditional rows run in one batch (``2B`` rows) so guidance costs one forward
pass per token. A single row replaying an earlier bar (a returning section, ``grammar.py``) feeds the bar's forced
tokens in one forward pass, as a prefix is fed: no choice is made there, so one pass for the bar costs about what
two steps did. Rows that finish leave the batch. When a sequence outgrows the context (the positions
the model saw in training), the cache restarts from the control prefix plus the most recent half-window
of tokens. Without the cache (``use_cache=False``, text2midi's way and the reference for tests) every
token recomputes the whole sequence.
"""

from __future__ import annotations

import functools
import math
import random
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from typing import Protocol

import torch
from torch import Tensor

from .decoder import DecodeSession, FastDecoder
from .errors import MusicGenError
from .grammar import MAX_NUDGED_SHARE, GrammarState, NextTokens
from .tokenizer import MusicTokenizer

INVALID_PROBABILITIES = "the model produced invalid probabilities (NaN): its weights may be corrupt"


@dataclass(frozen=True)
class SamplingConfig:
    temperature: float = 1.0
    top_k: int = 40
    top_p: float = 0.95
    cfg_scale: float = 1.5
    seed: int | None = None
    max_new_tokens: int = 4096
    use_cache: bool = True
    context: int | None = None  # positions the model attends to; None: its max_seq_len


class Lift(Protocol):
    """Anything that lifts logits by the decoding rows' places: a :class:`PitchLift`, a drum fill, or several."""

    def lift(self, logits: Tensor, grammars: list[GrammarState], nexts: list[NextTokens]) -> None: ...


class PitchLift:
    """Logit lifts for some pitches that change which pitch is played, not whether a note is: the pitches'
    total probability stays as it was, against moving on to the next position, bar or instrument.

    ``values`` holds one row of lifts per situation; :meth:`rows` says which row each decoding row is in (by
    default: row 1 at a key's anchors, row 0 elsewhere; a chord plan has rows per chord, see ``pulls.py``).
    """

    def __init__(self, columns: Tensor, values: Tensor) -> None:
        self.columns = columns  # (P,) every Pitch token
        self.values = values  # (K, P) the lift of each pitch in each situation

    def rows(self, grammars: list[GrammarState]) -> list[int]:
        return [int(grammar.at_anchor) for grammar in grammars]

    def lift(self, logits: Tensor, grammars: list[GrammarState], nexts: list[NextTokens]) -> None:
        """Lift ``logits`` in place where a pitched note may come next."""
        if any(n.pitched for n in nexts):
            self.apply(logits, self.rows(grammars))

    def apply(self, logits: Tensor, rows: list[int]) -> None:
        """Lift the rows of ``logits`` (R, V) in place, each by its own row of ``values``."""
        pitches = logits.index_select(1, self.columns)
        which = int(rows[0]) if all(row == rows[0] for row in rows) else [int(row) for row in rows]
        lifted = pitches + self.values[which]
        # how much the lift multiplies the pitches' total probability, as a log (lifts of a hundred overflow exp);
        # NaN where no pitch may come
        grown = (pitches.log_softmax(1) + self.values[which]).logsumexp(1, keepdim=True)
        logits.index_copy_(1, self.columns, lifted.sub_(grown.nan_to_num_(0.0)))


class Sampler:
    """Runs one batch of rows to completion under their grammars."""

    def __init__(self, decoder: FastDecoder, config: SamplingConfig, tokenizer: MusicTokenizer | None = None) -> None:
        self.decoder = decoder
        self.config = config
        self.tokenizer = tokenizer  # for restarts: the instrument in force at a window's start
        self.guided = config.cfg_scale != 1.0
        self.random = random.Random(config.seed)  # None seeds from the system

    @torch.inference_mode()
    def run(
        self,
        prefixes: Tensor,  # (B, P) control prefix + BOS for the conditional rows
        null_prefix: Tensor,  # (P,) all-NONE prefix + BOS for the unconditional rows
        memory: Tensor,  # (B, S, d_text)
        memory_mask: Tensor,  # (B, S)
        grammars: list[GrammarState],
        on_token: Callable[[int, int], None] | None = None,
        logit_bias: Tensor | None = None,  # (V,) added to the guided logits, e.g. the key's scale
        pitch_lift: Lift | None = None,  # e.g. the key's tonic chord, or the chords of a plan
        primer: list[int] | None = None,  # every row starts with these tokens (a file being continued)
    ) -> list[list[int]]:
        """The tokens of each row (``primer``, then those generated), ending with EOS."""
        config = self.config
        B, P = prefixes.shape
        if self.guided:
            null_memory, null_mask = self.decoder.null_condition(B, memory.shape[1])
            prefixes = torch.cat([prefixes, null_prefix.expand(B, P)])
            memory, memory_mask = torch.cat([memory, null_memory]), torch.cat([memory_mask, null_mask])
        session = self.decoder.start(memory, memory_mask, config.context)
        sequences: list[list[int]] = [list(primer or ()) for _ in range(B)]
        active = list(range(B))  # the rows still decoding, in session order
        logits = session.feed(self._opening(prefixes, sequences, session.capacity), all_logits=False)
        used = 0  # tokens generated by the longest row
        while used < config.max_new_tokens:
            states = [grammars[row] for row in active]
            tokens = self._choose(logits, states, config.max_new_tokens - used, logit_bias, pitch_lift)
            for row, token in zip(active, tokens, strict=True):
                grammars[row].advance(token)
                sequences[row].append(token)
                if on_token is not None:
                    on_token(row, token)
            used += 1
            going = [i for i, row in enumerate(active) if not grammars[row].finished]
            if not going:
                break
            if len(going) < len(active):
                kept = going + [len(active) + i for i in going] if self.guided else going
                session.keep(kept)
                prefixes = prefixes[kept]
                active, tokens = [active[i] for i in going], [tokens[i] for i in going]
            if len(active) == 1 and config.use_cache:  # a replayed bar: its tokens in one forward pass
                forced = grammars[active[0]].take_forced(config.max_new_tokens - used)
                for token in forced:
                    sequences[active[0]].append(token)
                    if on_token is not None:
                        on_token(active[0], token)
                used += len(forced)
                tokens = tokens + forced
            if config.use_cache and session.length + len(tokens) // len(active) <= session.capacity:
                if len(tokens) > len(active):
                    logits = session.feed(torch.tensor([tokens] * (2 if self.guided else 1)), all_logits=False)
                else:
                    logits = session.step(torch.tensor(tokens * 2 if self.guided else tokens))
            else:
                logits = self._restart(session, prefixes, [sequences[row] for row in active])
        return sequences

    def _opening(self, prefixes: Tensor, rows: list[list[int]], capacity: int) -> Tensor:
        """The first forward pass's tokens: the prefixes, then each row's primer, or as much of its end as
        :func:`primer_window` keeps."""
        if not rows[0]:
            return prefixes
        keep = primer_window(len(rows[0]), capacity, prefixes.shape[1])
        body = torch.tensor([self._window(row, keep) for row in rows])
        return torch.cat([prefixes, torch.cat([body, body]) if self.guided else body], dim=1)

    def _restart(self, session: DecodeSession, prefixes: Tensor, rows: list[list[int]]) -> Tensor:
        """Run prefix + the latest tokens that fit from an empty cache (every step without the cache)."""
        window, P = session.capacity, prefixes.shape[1]
        keep = (window - P) if not self.config.use_cache else (window - P) // 2
        body = torch.tensor([self._window(row, keep) for row in rows])
        if self.guided:
            body = torch.cat([body, body])
        session.truncate(0)
        return session.feed(torch.cat([prefixes, body], dim=1), all_logits=False)

    def _window(self, row: list[int], keep: int) -> list[int]:
        """The latest ``keep`` tokens of ``row``, with the instrument in force at their first note named.

        With ``Program`` tokens only at changes, the notes at a window's start may belong to an instrument named
        before it; training crops get that ``Program`` token back, so the window does too, in place of the
        window's first token (or of the first note itself, when the window starts with one).
        """
        window = row[-keep:]
        if self.tokenizer is None or len(row) <= keep:
            return window
        carried = self.tokenizer.carry_program(row[:-keep], window)
        if len(carried) == keep:
            return window
        return carried[:1] + carried[2:] if carried[0] != window[0] else carried[1:]

    def _choose(
        self,
        logits: Tensor,
        grammars: list[GrammarState],
        tokens_left: int,
        logit_bias: Tensor | None = None,
        pitch_lift: Lift | None = None,
    ) -> list[int]:
        """One token per row: guidance, grammar mask and bias, temperature, the nudge, then top-k and top-p sampling."""
        config = self.config
        rows = len(grammars)
        nexts = [g.next_tokens(tokens_left) for g in grammars]
        masks = nexts[0].logits if rows == 1 else torch.stack([n.logits for n in nexts])
        if self.guided:
            conditional = logits[:rows]
            logits = self._guide(logits, nexts)
            metre = [n.metre_choice for n in nexts]
            if any(metre):  # the metre the prompt did not name: unguided (see _guide)
                logits = torch.where(torch.tensor(metre).unsqueeze(1), conditional, logits)
        endings = [(row, n.ending) for row, n in enumerate(nexts) if n.ending is not None]
        if endings:  # moving on counts as ending (see grammar.NextTokens.ending)
            logits = logits.clone()
            for row, columns in endings:
                eos = grammars[row].g.eos_id
                logits[row, eos] = torch.cat([logits[row, columns], logits[row, eos : eos + 1]]).logsumexp(0)
        logits = logits + masks
        for row, (grammar, allowed) in enumerate(zip(grammars, nexts, strict=True)):
            unplayable = grammar.unplayable() if allowed.pitched or allowed.instrument_choice else None
            if unplayable is not None and len(unplayable):  # (see GrammarState.unplayable)
                kept = logits[row, unplayable]
                logits[row, unplayable] = float("-inf")
                if not bool(logits[row].isfinite().any()):  # nothing else may come: the grammar's choice stands
                    logits[row, unplayable] = kept
        if logit_bias is not None:
            logits += logit_bias
        if pitch_lift is not None:
            pitch_lift.lift(logits, grammars, nexts)
        greedy = config.temperature < 1e-6  # (also avoids 0/0 in float32)
        if not greedy and config.temperature != 1.0:  # before the nudge, so that its shares hold at any temperature
            logits = (logits - logits.amax(-1, keepdim=True)) / config.temperature  # finite for tiny temperatures
        choosing = zip(grammars, nexts, strict=True)
        nudged = [(row, g.nudges) for row, (g, n) in enumerate(choosing) if g.nudges and n.instrument_choice]
        if nudged:
            _nudge(logits, nudged)
        if greedy:
            if logits.isnan().any():
                raise MusicGenError(INVALID_PROBABILITIES)
            return logits.argmax(-1).tolist()
        values, indices = logits, None
        if config.top_k and config.top_k < logits.shape[-1]:
            values, indices = logits.topk(config.top_k)  # sorted, largest first
        elif config.top_p < 1:
            values, indices = logits.sort(descending=True)
        probs = values.softmax(-1)
        if config.top_p < 1:  # keep the smallest prefix whose probability reaches top_p
            probs = probs * (probs.cumsum(-1) - probs < config.top_p)
        return [self._draw(row, order) for row, order in zip(probs.tolist(), _rows(indices, rows), strict=True)]

    def _guide(self, logits: Tensor, nexts: list[NextTokens]) -> Tensor:
        """Guided logits u + s·(c − u), except where a row chooses its next instrument (and, in ``_choose``, the
        metre of a prompt that names none: guidance pushed the conditional's rare metres up, so jazz came out in
        5/4 in 14 of 16 samples at ``--cfg 3`` and in 1 of 16 without guidance).

        There the conditional distribution decides which instrument plays next, or whether the piece moves on:
        the grammar already limits those choices to the requested instruments, and guidance against a model that
        does not know them mostly silences some of them (measured: the bass, 5 notes in 8 bars instead of 30).
        Where the instrument playing may also carry on (``Program`` tokens only come at changes), the
        conditional probability of carrying on is kept and shared among its notes by the guided logits, so
        pitches stay guided.
        """
        rows, vocabulary = len(nexts), logits.shape[-1]
        conditional = logits[:rows]
        guided = torch.lerp(logits[rows:], conditional, self.config.cfg_scale)
        if not any(n.instrument_choice for n in nexts):
            return guided
        # On the notes, the guided logits shifted so that their total probability is the conditional one: the
        # result equals the mix up to a constant per row, which sampling ignores. Only note columns need the sums.
        if rows == 1:
            notes, columns = nexts[0].note_starts, nexts[0].note_columns
            if notes is None:
                return conditional
            on_notes = torch.cat([conditional, guided]).index_select(1, columns).logsumexp(-1, keepdim=True)
            return torch.where(notes, guided + (on_notes[0] - on_notes[1]), conditional)
        everywhere, nowhere = _everywhere_nowhere(vocabulary)
        notes = [n.note_starts if n.instrument_choice and n.note_starts is not None else nowhere for n in nexts]
        choosing = [n.instrument_choice for n in nexts]
        use_guided = torch.stack([note if choice else everywhere for choice, note in zip(choosing, notes, strict=True)])
        if all(note is nowhere for note in notes):
            return torch.where(use_guided, guided, conditional)
        notes = torch.stack(notes)
        columns = notes.any(0).nonzero().squeeze(1)
        on_notes = torch.stack([conditional, guided]).index_select(2, columns)
        on_notes = on_notes.masked_fill(~notes.index_select(1, columns), float("-inf")).logsumexp(-1, keepdim=True)
        shift = torch.where(on_notes[1].isfinite(), on_notes[0] - on_notes[1], 0.0)  # rows without notes: none
        return torch.where(use_guided, guided + shift, conditional)

    def _draw(self, weights: list[float], order: list[int] | None) -> int:
        """Sample an index in proportion to ``weights`` (a few dozen values: cheaper in Python than a tensor op)."""
        cumulative = list(accumulate(weights))
        if not cumulative[-1] > 0:  # NaN or nothing left: never return a token the grammar may forbid
            raise MusicGenError(INVALID_PROBABILITIES)
        pick = min(bisect_right(cumulative, self.random.random() * cumulative[-1]), len(weights) - 1)
        while weights[pick] == 0.0:  # a boundary draw can land on a zero-weight slot; step back to a real one
            pick -= 1
        return order[pick] if order is not None else pick


def primer_window(length: int, capacity: int, prefix: int) -> int:
    """How many of a primer's ``length`` tokens the first forward pass reads: all of them, or as many as a restart
    keeps (half the window after the ``prefix``), so that the model has room to play on before its cache restarts."""
    return min(length, (capacity - prefix) // 2)


def _nudge(logits: Tensor, nudged: list[tuple[int, tuple[tuple[int, float], ...]]]) -> None:
    """Raise, in place, each silent instrument's allowed Program token to its share of the probability (after
    temperature, before top-k and top-p; together at most ``MAX_NUDGED_SHARE``), unless the model gives it more."""
    for row, nudges in nudged:
        allowed = [(program, share) for program, share in nudges if math.isfinite(float(logits[row, program]))]
        if not allowed:
            continue
        wanted = sum(share for _, share in allowed)
        scale = min(1.0, MAX_NUDGED_SHARE / wanted)
        others = logits[row].index_fill(0, torch.tensor([program for program, _ in allowed]), float("-inf"))
        base = float(others.logsumexp(0)) - math.log1p(-wanted * scale)  # Σ shares of these floors = wanted·scale
        for program, share in allowed:
            logits[row, program] = max(float(logits[row, program]), base + math.log(share * scale))


@functools.cache
def _everywhere_nowhere(vocabulary: int) -> tuple[Tensor, Tensor]:
    """All-True and all-False masks over the vocabulary (shared, never written to)."""
    return torch.ones(vocabulary, dtype=torch.bool), torch.zeros(vocabulary, dtype=torch.bool)


def _rows(indices: Tensor | None, rows: int) -> list[list[int] | None]:
    return indices.tolist() if indices is not None else [None] * rows
