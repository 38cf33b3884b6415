"""Prompt → explicit musical attributes (tempo, key, metre, instruments, genre, mood, length, chord progression).

The parser is deliberately rule-based: every attribute it finds becomes a control token that the
model and the constrained decoder obey exactly, so it must be predictable. Explicit arguments
(CLI flags, API keywords) override what the prompt says (:class:`AttributeOverrides`).

One module per attribute finds it in a prompt (``tempo``, ``key``, ``metre``, ``length``, ``instruments``,
``labels`` for genre and mood, ``chords``, ``form``), each with the patterns it reads; they share ``negation`` ("not too
fast") and ``text`` (normalising, numbers, idioms). The words they read are :mod:`musicgen_symbolic.lexicon`; ``values``
checks single values given on their own.
"""

from __future__ import annotations

import functools

from ..errors import MusicGenError
from ..vocabulary import Attributes
from .chords import _find_chords, _first_chords, _without_chord_symbols
from .form import _find_form, _find_loop
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
    parse_chords,
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
    "parse_chords",
    "parse_genre",
    "parse_instrument",
    "parse_instruments",
    "parse_key",
    "parse_mood",
    "parse_prompt",
    "parse_tempo",
    "parse_time_signature",
]


MAX_PROMPT_CHARACTERS = 4_000


def parse_prompt(prompt: str, genre: str | None = None, key: str | None = None) -> Attributes:
    """Extract every attribute the prompt states; the rest stay ``None``. ``genre`` (a flag's) decides what a
    plain "bass" or "guitar" in the prompt is, instead of the prompt's own genre; ``key`` (a flag's) which form a
    named progression takes ("a 12-bar blues" in a minor key is a minor blues), instead of the prompt's key."""
    if prompt is not None and not isinstance(prompt, str):
        raise MusicGenError(f"the prompt must be text, got {type(prompt).__name__}")
    if not prompt or not prompt.strip():
        raise MusicGenError("the prompt is empty: describe the music, e.g. 'a calm piano piece in D minor'")
    if len(prompt) > MAX_PROMPT_CHARACTERS:
        raise MusicGenError(
            f"the prompt has {len(prompt):,} characters: at most {MAX_PROMPT_CHARACTERS:,} (the text encoder reads "
            "about the first thousand anyway)"
        )
    try:
        prompt.encode("utf-8")
    except UnicodeEncodeError as error:  # a lone surrogate: bytes that were not UTF-8 (os.fsdecode's escapes)
        raise MusicGenError(f"the prompt is not valid text at character {error.start + 1}: is it UTF-8?") from None
    if isinstance(genre, (str, type(None))) and isinstance(key, (str, type(None))):
        return _parse_once(prompt, genre, key)
    return _parse(prompt, genre, key)  # a wrong type: parse_genre / parse_key say so


@functools.lru_cache(maxsize=256)
def _parse_once(prompt: str, genre: str | None, key: str | None) -> Attributes:
    """The same prompt is parsed once: the CLI reads it before loading the model (to refuse bad input early),
    the generator again; Attributes are immutable, so sharing them is safe."""
    return _parse(prompt, genre, key)


def _parse(prompt: str, genre: str | None, key: str | None) -> Attributes:
    text = _normalise(prompt)
    bars, seconds = _find_length(text)
    found_genre = _find_genre(text)
    instruments, without = _find_instruments(text, parse_genre(genre) if genre is not None else found_genre)
    spaced = " ".join(prompt.split())
    # A key named besides a row of chord symbols is the key ("Em C G D over a Bbm drone"), else one its first chord
    # names ("Am F C G": A minor); no other chord of the row names a key.
    found_key = _find_key(_without_chord_symbols(spaced)) or _find_key(spaced, _first_chords(spaced))
    return Attributes(
        tempo=_find_tempo(text),
        key=found_key,
        time_signature=_find_time_signature(text),
        instruments=instruments,
        without=without,
        genre=found_genre,
        mood=_find_mood(text),
        bars=bars,
        seconds=seconds,
        chords=_find_chords(spaced, parse_key(key) if key is not None else found_key),
        form=_find_form(text, spaced),
        loop=_find_loop(text),
    )
