"""Text to speech, and a spoken voice over the music.

::

    from musicgen_symbolic.voice import speak, save_speech, mix_voice_over

    samples, rate = speak("Welcome to the show. This one is at 120 bpm.")  # float32 mono, 22,050 Hz (piper)
    save_speech("Welcome to the show.", "voice.wav", engine="espeak", voice="en-gb", rate=1.1)
    mix_voice_over("song.wav", "voice.wav", "song-with-voice.wav", at=4.0, duck_db=-12.0)

:func:`speak` checks the text (not empty, at most ``MAX_TEXT_CHARS`` characters: refused before any work), the
rate and the engine's voice, then normalises the text (:mod:`.normalise`: numbers, abbreviations, symbols in
words), cuts it at sentence ends into chunks the engine can say, says them one by one and joins them with short
pauses between fades (:mod:`.joins`, no clicks). The result is peak-normalised to -1 dBFS. Engines are listed in
:mod:`.engines`; mixing over music is :mod:`.mixing`.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..constants import PEAK_DBFS
from ..errors import MusicGenError
from .engines import DEFAULT_ENGINE, ENGINES, Engine, engine_for
from .joins import joined
from .mixing import VoiceOver, duck_gain, mix_voice_over, speech_spans, voice_over, voice_over_parts
from .normalise import normalise_text, split_sentences

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "MAX_TEXT_CHARS",
    "Engine",
    "VoiceOver",
    "duck_gain",
    "engine_for",
    "mix_voice_over",
    "normalise_text",
    "save_speech",
    "speak",
    "speech_spans",
    "split_sentences",
    "voice_over",
    "voice_over_parts",
]

MAX_TEXT_CHARS = 5000  # about five minutes of speech
MIN_RATE, MAX_RATE = 0.5, 2.0
PEAK = 10 ** (PEAK_DBFS / 20)  # as loud as the music's peak


def speak(text: str, engine: str | None = None, voice: str | None = None, rate: float = 1.0) -> tuple[np.ndarray, int]:
    """Say ``text``: float32 mono samples (peak -1 dBFS) and their sampling rate.

    ``engine``: ``piper`` (default), ``espeak`` or ``transformers:MODEL``; ``voice``: the engine's voice (None: its
    default); ``rate``: speaking rate, 0.5 (slower) to 2 (faster)."""
    text = check_text(text)
    rate = check_rate(rate)
    tts = engine_for(engine)
    chosen = tts.voice_for(voice)
    spoken = normalise_text(text)
    if not any(character.isalnum() for character in spoken):
        raise MusicGenError("the text has no words to say (only punctuation?)")
    chunks = split_sentences(spoken, tts.max_chars)
    said, sample_rate = [], 0
    for chunk in chunks:
        samples, sample_rate = tts.say(chunk, chosen, rate)
        said.append(samples)
    audio = joined(said, sample_rate, rate)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak < 1e-5:
        raise MusicGenError(f"the {tts.name} engine said nothing audible for this text")
    return (audio * (PEAK / peak)).astype(np.float32), sample_rate


def save_speech(
    text: str, path: str | Path, engine: str | None = None, voice: str | None = None, rate: float = 1.0
) -> Path:
    """:func:`speak` ``text`` into a mono 16-bit WAV at ``path`` (written atomically)."""
    from ..audio_backend import save_wav

    samples, sample_rate = speak(text, engine=engine, voice=voice, rate=rate)
    return save_wav(samples, sample_rate, path)


def check_text(text: str) -> str:
    """``text`` stripped; one clear error if it is not text, empty, or longer than ``MAX_TEXT_CHARS``."""
    if not isinstance(text, str):
        raise MusicGenError(f"the text to say must be a string, got {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise MusicGenError(
            f"the text is {len(text):,} characters long: at most {MAX_TEXT_CHARS:,} are spoken at once (split it)"
        )
    if not text.strip():
        raise MusicGenError("the text to say is empty")
    return text.strip()


def check_rate(rate: float) -> float:
    try:
        value = float(rate)
    except (TypeError, ValueError):
        raise MusicGenError(f"rate must be a number, got {rate!r}") from None
    if isinstance(rate, bool) or not math.isfinite(value) or not MIN_RATE <= value <= MAX_RATE:
        raise MusicGenError(f"rate must be {MIN_RATE:g} (slower) to {MAX_RATE:g} (faster), got {rate!r}")
    return value
