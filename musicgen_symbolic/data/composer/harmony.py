"""Harmony: scales, chords from Roman numerals, and placing pitch classes in a register."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

SCALES = {
    "ionian": (0, 2, 4, 5, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "major_penta": (0, 2, 4, 7, 9),
    "aeolian": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "harmonic": (0, 2, 3, 5, 7, 8, 11),
    "minor_penta": (0, 3, 5, 7, 10),
    "blues": (0, 3, 5, 6, 7, 10),
}
_DEGREES = {"I": 0, "II": 2, "III": 4, "IV": 5, "V": 7, "VI": 9, "VII": 11}
# (suffix, is upper case) → intervals above the root; None as case means "either".
_QUALITIES = {
    ("", True): (0, 4, 7),
    ("", False): (0, 3, 7),
    ("7", True): (0, 4, 7, 10),
    ("7", False): (0, 3, 7, 10),
    ("maj7", True): (0, 4, 7, 11),
    ("maj7", False): (0, 3, 7, 11),
    ("6", True): (0, 4, 7, 9),
    ("6", False): (0, 3, 7, 9),
    ("9", True): (0, 4, 7, 10, 14),
    ("9", False): (0, 3, 7, 10, 14),
    ("add9", True): (0, 4, 7, 14),
    ("add9", False): (0, 3, 7, 14),
    ("sus4", None): (0, 5, 7),
    ("sus2", None): (0, 2, 7),
    ("o", None): (0, 3, 6),
    ("o7", None): (0, 3, 6, 9),
    ("h7", None): (0, 3, 6, 10),
    ("+", None): (0, 4, 8),
}
_CHORD_RE = re.compile(r"(b|#)?(VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)(.*)")


@dataclass(frozen=True)
class Chord:
    root: int  # pitch class
    intervals: tuple[int, ...]  # above the root, root first

    @property
    def pcs(self) -> tuple[int, ...]:
        return tuple((self.root + i) % 12 for i in self.intervals)


@cache
def parse_chord(symbol: str, tonic: int) -> Chord:
    """A Roman numeral relative to the *major* scale of the tonic: "bVI", "ii7", "V7", "iih7", "Imaj7"."""
    match = _CHORD_RE.fullmatch(symbol)
    if not match:
        raise ValueError(f"bad chord symbol {symbol!r}")
    accidental, numeral, suffix = match.groups()
    root = (tonic + _DEGREES[numeral.upper()] + {"b": -1, "#": 1, None: 0}[accidental]) % 12
    intervals = _QUALITIES.get((suffix, numeral.isupper())) or _QUALITIES[(suffix, None)]
    return Chord(root, intervals)


def parse_progression(text: str, tonic: int, bars_per_chord: int = 1) -> list[tuple[Chord, ...]]:
    """ "I V vi IV" → one tuple of chords per bar; "ii7-V7" splits a bar between two chords."""
    bars = [tuple(parse_chord(s, tonic) for s in token.split("-")) for token in text.split()]
    return [bar for bar in bars for _ in range(bars_per_chord)]


def chord_scale(chord: Chord, scale: tuple[int, ...]) -> tuple[int, ...]:
    """The scale bent to fit the chord: a chord tone outside the scale replaces its scale neighbours."""
    pcs = set(scale)
    for tone in chord.pcs:
        if tone not in pcs:
            pcs -= {(tone + 1) % 12, (tone - 1) % 12}
            pcs.add(tone)
    return tuple(sorted(pcs))


def place(pc: int, low: int, high: int) -> int:
    """The lowest pitch of this pitch class in [low, high] (high - low must be at least 11)."""
    return low + (pc - low) % 12 if high - low >= 11 else min(high, low + (pc - low) % 12)


def fold(pitch: int, low: int, high: int) -> int:
    """Move a pitch by octaves into [low, high]."""
    while pitch < low:
        pitch += 12
    while pitch > high:
        pitch -= 12
    return max(low, pitch)
