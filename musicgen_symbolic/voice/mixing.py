"""A spoken voice over music: the voice placed at a time, the music ducked under it, mixed to 16-bit stereo.

Where the voice speaks is read from its RMS envelope (``FRAME_S`` frames louder than ``SPEECH_DB`` under its
loudest frame), with gaps shorter than ``HOLD_S`` bridged: the music stays down through the pauses between words
and short sentences (no pumping) and comes back up in longer pauses. Around each stretch of speech, the music's
gain falls by ``duck_db`` over ``attack`` seconds *before* the voice starts (the mix is offline, so it can look
ahead: the first syllable is never masked) and rises back over ``release`` seconds after it ends; the ramps are
linear in dB. Outside these ramps the music's gain is exactly 1 (its samples are unchanged).

Levels: the voice is scaled to the music's peak before mixing (a voice as loud as the loudest music, which the
ducking makes clear), and the mix is peak-normalised to -1 dBFS like :func:`musicgen_symbolic.render.to_pcm16`.
A voice that runs past the music's end lengthens the mix with silence under it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import MusicGenError

FRAME_S = 0.020
SPEECH_DB = -35.0
HOLD_S = 0.5
MAX_DUCK_DB = 60.0
MAX_RAMP_S = 5.0
MAX_AT_S = 3600.0


@dataclass(frozen=True)
class VoiceOver:
    """A mix and its parts, float (n, 2) at ``rate``, all the same length and aligned (before normalisation)."""

    mix: np.ndarray  # ducked music + voice
    music: np.ndarray  # the music after ducking (silence where the voice ran past its end)
    voice: np.ndarray  # the voice alone, placed at ``at_seconds`` (the ``voice.wav`` stem)
    gain: np.ndarray  # (n,) the music's gain, 1 where it is untouched
    rate: int


def speech_spans(voice: np.ndarray, rate: int, hold: float = HOLD_S) -> list[tuple[int, int]]:
    """[start, end) sample spans where ``voice`` (mono) speaks: frames of ``FRAME_S`` whose RMS is within
    ``SPEECH_DB`` of the loudest frame, gaps shorter than ``hold`` seconds bridged."""
    voice = np.asarray(voice, dtype=np.float64)
    frame = max(1, round(FRAME_S * rate))
    count = math.ceil(voice.size / frame)
    if count == 0:
        return []
    padded = np.pad(voice, (0, count * frame - voice.size)).reshape(count, frame)
    rms = np.sqrt(np.mean(padded**2, axis=1))
    loudest = float(rms.max())
    if loudest == 0.0:
        return []
    loud = np.flatnonzero(rms >= loudest * 10 ** (SPEECH_DB / 20))
    spans: list[tuple[int, int]] = []
    for index in loud:
        start, end = int(index) * frame, min(voice.size, (int(index) + 1) * frame)
        if spans and start - spans[-1][1] < hold * rate:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def duck_gain(
    length: int, rate: int, spans: list[tuple[int, int]], duck_db: float, attack: float, release: float
) -> np.ndarray:
    """The music's gain (length,): ``10 ** (duck_db / 20)`` within ``spans``, ramping (linearly in dB) from 1 over
    ``attack`` seconds before each span and back to 1 over ``release`` seconds after it; exactly 1 elsewhere."""
    depth = np.zeros(length, dtype=np.float64)  # 0: untouched, 1: fully ducked
    up, down = max(0, round(attack * rate)), max(0, round(release * rate))
    for start, end in spans:
        start, end = max(0, start), min(length, end)
        if start >= end:
            continue
        depth[start:end] = 1.0
        if up:
            lo = max(0, start - up)
            depth[lo:start] = np.maximum(depth[lo:start], (np.arange(lo, start) - (start - up)) / up)
        if down:
            hi = min(length, end + down)
            depth[end:hi] = np.maximum(depth[end:hi], 1.0 - np.arange(1, hi - end + 1) / down)
    gain = np.ones(length, dtype=np.float64)
    ducked = depth > 0
    gain[ducked] = 10 ** (duck_db * depth[ducked] / 20)
    return gain


def voice_over_parts(
    music: np.ndarray,
    music_rate: int,
    voice: np.ndarray,
    voice_rate: int,
    at_seconds: float = 0.0,
    duck_db: float = -12.0,
    attack: float = 0.05,
    release: float = 0.3,
) -> VoiceOver:
    """The voice-over's aligned parts (float, before normalisation): see :func:`voice_over`."""
    _check_settings(music_rate, voice_rate, at_seconds, duck_db, attack, release)
    music = _stereo(music, "music")
    voice = _mono(voice)
    if voice_rate != music_rate:
        from scipy.signal import resample_poly

        divisor = math.gcd(int(music_rate), int(voice_rate))
        voice = resample_poly(voice, int(music_rate) // divisor, int(voice_rate) // divisor)
    start = round(at_seconds * music_rate)
    length = max(music.shape[0], start + voice.size)
    placed = np.zeros(length, dtype=np.float64)
    placed[start : start + voice.size] = voice
    music_peak = float(np.max(np.abs(music))) if music.size else 0.0
    voice_peak = float(np.max(np.abs(placed))) if placed.size else 0.0
    if music_peak > 0 and voice_peak > 0:
        placed *= music_peak / voice_peak
    spans = [(start + a, start + b) for a, b in speech_spans(voice, int(music_rate))]
    gain = duck_gain(length, int(music_rate), spans, duck_db, attack, release)
    longer = np.zeros((length, 2), dtype=np.float64)
    longer[: music.shape[0]] = music
    ducked = longer * gain[:, None]
    voice_stereo = np.repeat(placed[:, None], 2, axis=1)
    return VoiceOver(mix=ducked + voice_stereo, music=ducked, voice=voice_stereo, gain=gain, rate=int(music_rate))


def voice_over(
    music: np.ndarray,
    music_rate: int,
    voice: np.ndarray,
    voice_rate: int,
    at_seconds: float = 0.0,
    duck_db: float = -12.0,
    attack: float = 0.05,
    release: float = 0.3,
) -> np.ndarray:
    """``voice`` (mono) spoken over ``music`` ((n, 2) or (n,), float or int16) from ``at_seconds``, the music
    ducked by ``duck_db`` dB (≤ 0) where it speaks: 16-bit stereo at ``music_rate``, peak-normalised to -1 dBFS."""
    from ..render import to_pcm16

    parts = voice_over_parts(music, music_rate, voice, voice_rate, at_seconds, duck_db, attack, release)
    return to_pcm16(parts.mix)


def mix_voice_over(
    music_wav: str | Path,
    voice: str | Path | tuple[np.ndarray, int],
    out_wav: str | Path,
    at: float = 0.0,
    duck_db: float = -12.0,
    attack: float = 0.05,
    release: float = 0.3,
    voice_stem: str | Path | None = None,
) -> Path:
    """Write ``music_wav`` with ``voice`` (a WAV file or (mono samples, rate)) over it to ``out_wav`` (16-bit
    stereo, -1 dBFS, atomic); with ``voice_stem``, also the placed voice alone there (same length, normalised
    on its own like the other stems)."""
    from ..plots import read_wav
    from ..render import to_pcm16, write_wav

    music, music_rate = read_wav(music_wav)
    if isinstance(voice, tuple):
        samples, voice_rate = voice
    else:
        samples, voice_rate = read_wav(voice)
    parts = voice_over_parts(music, music_rate, samples, voice_rate, at, duck_db, attack, release)
    written = write_wav(out_wav, to_pcm16(parts.mix), parts.rate)
    if voice_stem is not None:
        write_wav(voice_stem, to_pcm16(parts.voice), parts.rate)
    return written


def _check_settings(
    music_rate: int, voice_rate: int, at_seconds: float, duck_db: float, attack: float, release: float
) -> None:
    for label, rate in (("music", music_rate), ("voice", voice_rate)):
        if isinstance(rate, bool) or not isinstance(rate, (int, np.integer)) or rate <= 0:
            raise MusicGenError(f"the {label}'s sample rate must be a positive whole number, got {rate!r}")
    if not _finite(at_seconds) or not 0 <= at_seconds <= MAX_AT_S:
        raise MusicGenError(f"the voice starts at 0 to {MAX_AT_S:g} seconds, got {at_seconds!r}")
    if not _finite(duck_db) or not -MAX_DUCK_DB <= duck_db <= 0:
        raise MusicGenError(f"duck must be 0 to -{MAX_DUCK_DB:g} dB (how far the music drops), got {duck_db!r}")
    for label, value in (("attack", attack), ("release", release)):
        if not _finite(value) or not 0 <= value <= MAX_RAMP_S:
            raise MusicGenError(f"{label} must be 0 to {MAX_RAMP_S:g} seconds, got {value!r}")


def _finite(value: object) -> bool:
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _as_float(samples: np.ndarray, label: str) -> np.ndarray:
    samples = np.asarray(samples)
    if samples.dtype == np.int16:
        return samples.astype(np.float64) / 32768.0
    if not np.issubdtype(samples.dtype, np.floating):
        raise MusicGenError(f"the {label} must be float or int16 samples, got {samples.dtype}")
    samples = samples.astype(np.float64)
    if not np.all(np.isfinite(samples)):
        raise MusicGenError(f"the {label} contains NaN or infinite values")
    return samples


def _stereo(samples: np.ndarray, label: str) -> np.ndarray:
    samples = _as_float(samples, label)
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.ndim != 2 or samples.shape[1] not in (1, 2):
        raise MusicGenError(f"the {label} must have shape (n,), (n, 1) or (n, 2), got {samples.shape}")
    return np.repeat(samples, 2, axis=1) if samples.shape[1] == 1 else samples


def _mono(samples: np.ndarray) -> np.ndarray:
    samples = _as_float(samples, "voice")
    if samples.ndim == 2 and samples.shape[1] >= 1:
        samples = samples.mean(axis=1)
    if samples.ndim != 1 or samples.size == 0:
        raise MusicGenError(f"the voice must be mono samples of shape (n,), got {samples.shape}")
    return samples
