"""Sentences said one by one, joined into one utterance without clicks.

Each chunk is trimmed of the silence its engine put around it (below ``SILENCE_DB`` under the chunk's peak, with
``MARGIN_S`` kept), faded in and out over ``FADE_S`` (a raised cosine, so the first and last samples are 0), and
the chunks are joined with ``PAUSE_S`` of silence (scaled by 1 / rate): a join is then a pause between two
fades, never a jump from one waveform into another.
"""

from __future__ import annotations

import numpy as np

FADE_S = 0.010
MARGIN_S = 0.030
PAUSE_S = 0.30
SILENCE_DB = -45.0


def trimmed(samples: np.ndarray, rate: int) -> np.ndarray:
    """``samples`` without the silence before the first and after the last sound (``MARGIN_S`` kept)."""
    if samples.size == 0:
        return samples
    peak = float(np.max(np.abs(samples)))
    if peak == 0.0:
        return samples[:0]
    loud = np.flatnonzero(np.abs(samples) > peak * 10 ** (SILENCE_DB / 20))
    margin = round(MARGIN_S * rate)
    return samples[max(0, loud[0] - margin) : loud[-1] + 1 + margin]


def faded(samples: np.ndarray, rate: int) -> np.ndarray:
    """``samples`` with raised-cosine fades in and out, each ``FADE_S`` long (shorter for a very short chunk)."""
    out = np.array(samples, dtype=np.float32)
    n = min(round(FADE_S * rate), out.size // 2)
    if n > 0:
        ramp = (0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)).astype(np.float32)  # 0 … just under 1
        out[:n] *= ramp
        out[-n:] *= ramp[::-1]
    return out


def joined(chunks: list[np.ndarray], rate: int, speaking_rate: float = 1.0) -> np.ndarray:
    """The chunks trimmed, faded and joined with pauses of ``PAUSE_S / speaking_rate`` seconds."""
    pause = np.zeros(round(PAUSE_S / speaking_rate * rate), dtype=np.float32)
    parts: list[np.ndarray] = []
    for chunk in chunks:
        chunk = trimmed(np.asarray(chunk, dtype=np.float32), rate)
        if chunk.size == 0:
            continue
        if parts:
            parts.append(pause)
        parts.append(faded(chunk, rate))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
