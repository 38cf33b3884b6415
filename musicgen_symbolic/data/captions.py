"""Attributes → MidiCaps-style captions in many phrasings, naming all or only some attributes.

Training draws a fresh caption for every crop: a random subset of the piece's attributes is
mentioned, and the same subset goes into the control prefix, exactly as the prompt parser would
extract it at generation time.
"""

from __future__ import annotations

import numpy as np

from ..lexicon import GENRES, MOODS, TEMPO_WORDS
from ..vocabulary import PITCH_CLASSES, Attributes, program_name

_TEMPO_WORD_BY_RANGE = (
    (60, "slow"),
    (80, "laid-back"),
    (100, "andante"),
    (118, "moderato"),
    (135, "upbeat"),
    (170, "fast"),
)
_PIECE_WORDS = ("piece", "song", "track", "tune", "composition", "instrumental", "sketch", "loop", "number")
_OPENERS = ("", "a ", "an ", "write a ", "generate a ", "compose a ", "make me a ", "i want a ", "")


def _tempo_phrase(tempo: float, rng: np.random.Generator) -> str:
    choice = rng.integers(4)
    if choice == 0:
        return f"at {round(tempo)} bpm"
    if choice == 1:
        return f"{round(tempo)} bpm"
    if choice == 2:
        return f"tempo {round(tempo)}"
    words = [w for w, bpm in TEMPO_WORDS.items() if abs(bpm - tempo) <= 6 and w.isalpha()]
    return f"at {round(tempo)} bpm" if not words else f"at {round(tempo)} bpm, {rng.choice(words)}"


def _key_phrase(attributes: Attributes, rng: np.random.Generator) -> str:
    key = attributes.key
    spelled_out = rng.random() < 0.2  # "E flat minor", "F sharp major"
    name = key.name.replace("b ", " flat ").replace("# ", " sharp ") if spelled_out else key.name
    short = key.name.split()[0] + ("m" if key.mode == "minor" else "")  # "Ebm", "F#"
    return str(rng.choice([f"in {name}", f"in the key of {name}", f"key: {name}", f"in {short}", f"{name}"]))


def _meter_phrase(signature: tuple[int, int], rng: np.random.Generator) -> str:
    text = f"{signature[0]}/{signature[1]}"
    return str(rng.choice([f"in {text}", f"{text} time", f"time signature {text}", text]))


def _instrument_phrase(programs: tuple[int, ...], rng: np.random.Generator) -> str:
    names = [program_name(p).lower() for p in programs]
    names = [("drums" if n == "drums" else n) for n in names]
    rng.shuffle(names)
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return str(rng.choice([f"with {listed}", f"for {listed}", f"featuring {listed}", f"played on {listed}"]))


_DEGREES = {
    0: "I",
    1: "bII",
    2: "II",
    3: "bIII",
    4: "III",
    5: "IV",
    6: "#IV",
    7: "V",
    8: "bVI",
    9: "VI",
    10: "bVII",
    11: "VII",
}
_ROOTS = {name: pc for pc, name in enumerate(PITCH_CLASSES)}


def roman_progression(chords: list[str], tonic: int, limit: int = 4) -> str:
    """Bar chords as Roman numerals relative to ``tonic`` (lower case = minor), consecutive repeats merged.

    Roman numerals rather than chord names: "Am" in a caption would read as a key request.
    """
    numerals: list[str] = []
    for chord in chords:
        if not chord:
            continue
        minor = chord.endswith("m")
        numeral = _DEGREES[(_ROOTS[chord.rstrip("m")] - tonic) % 12]
        numeral = numeral.lower() if minor else numeral
        if not numerals or numerals[-1] != numeral:
            numerals.append(numeral)
    return " - ".join(numerals[:limit])


def _feature_phrases(features: dict, rng: np.random.Generator) -> list[str]:
    phrases = []
    if features.get("key") and features.get("chords") and rng.random() < 0.3:
        progression = roman_progression(features["chords"], features["key"][0])
        if progression.count("-") >= 1:
            phrases.append(str(rng.choice([f"over a {progression} progression", f"chords {progression}"])))
    if features.get("density") and rng.random() < 0.25:
        phrases.append(str(rng.choice([f"{features['density']} texture", f"with a {features['density']} texture"])))
    if features.get("register") and rng.random() < 0.2:
        phrases.append(f"mostly in a {features['register']} register")
    return phrases


def describe(attributes: Attributes, mention: set[str], rng: np.random.Generator, features: dict | None = None) -> str:
    """One caption naming exactly the attributes in ``mention`` (a subset of the piece's attributes).

    With ``features`` (from :func:`..features.describe_midi`), it may also describe the chords, the
    density and the register, which reach the model through the text encoder only.
    """
    a = attributes
    genre = str(rng.choice((a.genre, *GENRES[a.genre]))) if "genre" in mention and a.genre else ""
    mood = str(rng.choice((a.mood, *MOODS[a.mood][:3]))) if "mood" in mention and a.mood else ""
    head = " ".join(w for w in (mood, genre, str(rng.choice(_PIECE_WORDS))) if w)
    parts = [str(rng.choice(_OPENERS)) + head]
    extras = []
    if "key" in mention and a.key:
        extras.append(_key_phrase(a, rng))
    if "tempo" in mention and a.tempo:
        extras.append(_tempo_phrase(a.tempo, rng))
    if "time_signature" in mention and a.time_signature:
        extras.append(_meter_phrase(a.time_signature, rng))
    if "instruments" in mention and a.instruments:
        extras.append(_instrument_phrase(a.instruments, rng))
    if features:
        extras.extend(_feature_phrases(features, rng))
    rng.shuffle(extras)
    separator = str(rng.choice([" ", ", "]))
    return separator.join(parts + extras).strip()


def choose_mention(attributes: Attributes, rng: np.random.Generator, keep: float = 0.7) -> set[str]:
    """A random subset of the attributes the piece has; each kept with probability ``keep``."""
    present = [
        name for name in ("key", "tempo", "time_signature", "instruments", "genre", "mood") if getattr(attributes, name)
    ]
    return {name for name in present if rng.random() < keep}


def restrict(attributes: Attributes, mention: set[str]) -> Attributes:
    """The attributes a prompt parser would recover from a caption that names only ``mention``."""
    return Attributes(
        **{
            name: getattr(attributes, name) if name in mention else None
            for name in ("tempo", "key", "time_signature", "instruments", "genre", "mood")
        }
    )
