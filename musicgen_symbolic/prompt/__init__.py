"""Prompt → explicit musical attributes (tempo, key, metre, instruments, genre, mood, length).

The parser is deliberately rule-based: every attribute it finds becomes a control token that the
model and the constrained decoder obey exactly, so it must be predictable. Explicit arguments
(CLI flags, API keywords) override what the prompt says (:class:`AttributeOverrides`).

One module per attribute finds it in a prompt (``tempo``, ``key``, ``metre``, ``length``, ``instruments``,
``labels`` for genre and mood), each with the patterns it reads; they share ``negation`` ("not too fast") and
``text`` (normalising, numbers, idioms). The words they read are :mod:`musicgen_symbolic.lexicon`; ``values``
checks single values given on their own.
"""

from __future__ import annotations

from ..errors import MusicGenError
from ..vocabulary import Attributes
from .instruments import _find_instruments
from .key import _find_key
from .labels import _find_genre, _find_mood
from .length import _find_length
from .metre import _find_time_signature
from .overrides import AttributeOverrides
from .tempo import _find_tempo
from .text import _normalise
from .values import (
    check_bars,
    check_seconds,
    parse_genre,
    parse_instrument,
    parse_instruments,
    parse_key,
    parse_mood,
    parse_tempo,
    parse_time_signature,
)

__all__ = [
    "AttributeOverrides",
    "check_bars",
    "check_seconds",
    "parse_genre",
    "parse_instrument",
    "parse_instruments",
    "parse_key",
    "parse_mood",
    "parse_prompt",
    "parse_tempo",
    "parse_time_signature",
]


def parse_prompt(prompt: str, genre: str | None = None) -> Attributes:
    """Extract every attribute the prompt states; the rest stay ``None``. ``genre`` (a flag's) decides what a
    plain "bass" or "guitar" in the prompt is, instead of the prompt's own genre."""
    if not prompt or not prompt.strip():
        raise MusicGenError("the prompt is empty: describe the music, e.g. 'a calm piano piece in D minor'")
    text = _normalise(prompt)
    bars, seconds = _find_length(text)
    found_genre = _find_genre(text)
    instruments, without = _find_instruments(text, parse_genre(genre) if genre is not None else found_genre)
    return Attributes(
        tempo=_find_tempo(text),
        key=_find_key(" ".join(prompt.split())),
        time_signature=_find_time_signature(text),
        instruments=instruments,
        without=without,
        genre=found_genre,
        mood=_find_mood(text),
        bars=bars,
        seconds=seconds,
    )
