"""The fundamental frequency (f0) of a voice over time, by YIN (de Cheveigné & Kawahara, 2002), in numpy.

YIN finds, in each frame, the smallest lag whose cumulative-mean-normalised difference falls below
``THRESHOLD`` (then the lag's local minimum, refined by a parabola), else its deepest dip if below ``FALLBACK``: the
period of the voice. Frames quieter than ``SILENCE_DB`` under the loudest frame, or with no dip that deep, are
unvoiced (NaN); a running median over ``SMOOTHING`` frames removes single-frame octave jumps. The difference
function comes from FFT cross-correlations, a block of frames at a time, so memory stays small for long files.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import MusicGenError

FMIN, FMAX = 60.0, 500.0  # Hz: the range of speaking (and most singing) voices
THRESHOLD = 0.15
FALLBACK = 0.35  # no dip below THRESHOLD: the deepest dip still counts if below this (breathy or creaky voice)
SMOOTHING = 5  # frames: a running median removes single-frame octave jumps
SILENCE_DB = -40.0
BLOCK_FRAMES = 512


def pitch_track(
    samples: np.ndarray, rate: int, hop: int = 256, fmin: float = FMIN, fmax: float = FMAX
) -> tuple[np.ndarray, np.ndarray]:
    """(frame times in seconds, f0 in Hz with NaN where unvoiced) of mono ``samples`` ((n,) or (n, channels),
    mixed to mono); frame ``t`` starts at ``t * hop`` and spans two periods of ``fmin``."""
    if not 0 < fmin < fmax < rate / 2:
        raise MusicGenError(f"pitch range {fmin:g}–{fmax:g} Hz must lie between 0 and half the sample rate")
    mono = np.asarray(samples, dtype=np.float64)
    mono = mono.mean(axis=1) if mono.ndim == 2 else mono
    max_lag = math.ceil(rate / fmin)
    min_lag = max(2, math.floor(rate / fmax))
    width = 2 * max_lag
    if mono.size < width:
        mono = np.pad(mono, (0, width - mono.size))
    starts = np.arange(0, mono.size - width + 1, hop)
    f0 = np.full(starts.size, np.nan)
    energy = np.array([np.sum(mono[s : s + max_lag] ** 2) for s in starts])
    loud = energy >= energy.max() * 10 ** (SILENCE_DB / 10) if energy.size and energy.max() > 0 else energy > 0
    for begin in range(0, starts.size, BLOCK_FRAMES):
        index = starts[begin : begin + BLOCK_FRAMES]
        frames = mono[index[:, None] + np.arange(width)]
        f0[begin : begin + index.size] = _yin(frames, max_lag, min_lag, rate)
    f0[~loud] = np.nan
    return (starts + max_lag) / rate, _median_smoothed(f0, SMOOTHING)


def _median_smoothed(f0: np.ndarray, width: int) -> np.ndarray:
    """A running median of the voiced frames (NaN frames stay NaN and are left out of their neighbours' medians)."""
    if f0.size == 0 or width <= 1:
        return f0
    half = width // 2
    padded = np.pad(f0, half, constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, width)
    smoothed = np.full_like(f0, np.nan)
    voiced = np.isfinite(f0)
    if voiced.any():
        with np.errstate(all="ignore"):
            smoothed[voiced] = np.nanmedian(windows[voiced], axis=1)
    return smoothed


def _yin(frames: np.ndarray, max_lag: int, min_lag: int, rate: int) -> np.ndarray:
    """f0 of each frame (rows of 2 * max_lag samples), NaN where no period is found."""
    head = frames[:, :max_lag]
    size = 1 << (2 * frames.shape[1] - 1).bit_length()
    correlation = np.fft.irfft(np.fft.rfft(frames, size) * np.conj(np.fft.rfft(head, size)), size)[:, :max_lag]
    squares = np.cumsum(np.pad(frames**2, ((0, 0), (1, 0))), axis=1)
    lags = np.arange(max_lag)
    shifted_energy = squares[:, lags + max_lag] - squares[:, lags]  # sum of x[j + lag]^2 for j < max_lag
    difference = squares[:, [max_lag]] + shifted_energy - 2 * correlation
    difference[:, 0] = 0.0
    running = np.cumsum(difference[:, 1:], axis=1)
    normalised = np.ones_like(difference)
    normalised[:, 1:] = difference[:, 1:] * lags[1:] / np.where(running > 0, running, 1.0)
    f0 = np.full(frames.shape[0], np.nan)
    for row, curve in enumerate(normalised):
        below = np.flatnonzero(curve[min_lag:] < THRESHOLD)
        if below.size:
            lag = min_lag + int(below[0])
        else:
            lag = min_lag + int(np.argmin(curve[min_lag:]))
            if curve[lag] >= FALLBACK:
                continue
        while lag + 1 < max_lag and curve[lag + 1] < curve[lag]:
            lag += 1
        f0[row] = rate / _refined(curve, lag)
    return f0


def _refined(curve: np.ndarray, lag: int) -> float:
    """The lag of the parabola's minimum through ``curve`` at lag - 1, lag, lag + 1."""
    if lag <= 0 or lag + 1 >= curve.size:
        return float(lag)
    left, centre, right = curve[lag - 1], curve[lag], curve[lag + 1]
    bend = left - 2 * centre + right
    return float(lag + 0.5 * (left - right) / bend) if bend > 0 else float(lag)
