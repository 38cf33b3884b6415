"""A procedural composer: multi-track pieces in many styles, as an endless source of training data.

A piece is planned top-down (style → tempo, key, metre, instrumentation, form, chords) and each part is
then rendered bar by bar. Bass, comping and drum rhythms are small templates written on a sixteenth-note
grid, one cell per beat, so the same template fits 4/4, 3/4 or 5/4; compound beats (the dotted quarters
of 6/8, 12/8, 7/8) use a second set of six-sixteenth cells. The aim is not good music but idiomatic
enough music that a model conditioned on the attributes learns what "bossa nova", "3/4" or "dark"
mean, with enough randomness that tens of thousands of pieces all differ.

Times are in quarter notes until the very end, where they become seconds.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TypeVar

import numpy as np
import pretty_midi

from ..attributes import DRUMS, GENRES, MOODS, Attributes, Key, program_name, program_of
from ..constants import TIME_SIGNATURES
from ..errors import MusicGenError

T = TypeVar("T")

# The token grammar allows 16 notes to start at one position (an eighth of a beat); keep a margin.
MAX_NOTES_TOGETHER = 14

# Register of each role (lowest, highest MIDI pitch).
RANGES = {"bass": (28, 55), "comp": (48, 76), "arp": (48, 76), "pad": (48, 76), "melody": (60, 88), "counter": (55, 79)}

# --------------------------------------------------------------------------- randomness


class Dice:
    """``numpy.random.default_rng(seed)``, made cheap for the thousands of scalar draws in a piece.

    Uniforms are drawn from the generator in blocks and handed out one by one: numpy's per-call
    overhead would otherwise dominate the time to compose a piece.
    """

    def __init__(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)
        self._block: list[float] = []
        self._next = 0

    def random(self) -> float:
        if self._next >= len(self._block):
            self._block = self._rng.random(1024).tolist()
            self._next = 0
        value = self._block[self._next]
        self._next += 1
        return value

    def chance(self, p: float) -> bool:
        return self.random() < p

    def integer(self, low: int, high: int) -> int:
        """An integer in [low, high] (both included)."""
        return low + int(self.random() * (high - low + 1))

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def weighted(self, items: Sequence[T], weights: Sequence[float]) -> T:
        target = self.random() * sum(weights)
        for item, weight in zip(items, weights, strict=True):
            target -= weight
            if target < 0:
                return item
        return items[-1]


# --------------------------------------------------------------------------- metre


@dataclass(frozen=True)
class Meter:
    signature: tuple[int, int]
    beats: tuple[tuple[float, float], ...]  # (offset, length) of every felt beat, in quarter notes
    strong: tuple[int, ...]  # indices of the beats that carry weight

    @property
    def bar(self) -> float:
        return self.signature[0] * 4 / self.signature[1]

    @property
    def simple(self) -> bool:
        return all(length == 1.0 for _, length in self.beats)


_EIGHTH_GROUPS = {
    (3, 8): (3,),
    (5, 8): (2, 3),
    (6, 8): (3, 3),
    (7, 8): (2, 2, 3),
    (9, 8): (3, 3, 3),
    (12, 8): (3, 3, 3, 3),
}
_STRONG_BEATS = {
    (2, 4): (0, 1),
    (4, 4): (0, 2),
    (5, 4): (0, 3),
    (6, 4): (0, 3),
    (5, 8): (0, 1),
    (6, 8): (0, 1),
    (7, 8): (0, 2),
    (12, 8): (0, 2),
}


@cache
def meter_of(signature: tuple[int, int]) -> Meter:
    numerator, denominator = signature
    lengths = [g * 0.5 for g in _EIGHTH_GROUPS[signature]] if denominator == 8 else [4 / denominator] * numerator
    offsets = [sum(lengths[:i]) for i in range(len(lengths))]
    return Meter(signature, tuple(zip(offsets, lengths, strict=True)), _STRONG_BEATS.get(signature, (0,)))


# --------------------------------------------------------------------------- harmony

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


# --------------------------------------------------------------------------- rhythm templates


@dataclass(frozen=True)
class Template:
    """A one-bar rhythm as beat cells of four sixteenths (simple beats) and six (compound beats).

    Cells are used in turn, one per beat, starting again when they run out. Symbols: ``-`` holds the
    previous note, ``.`` is a rest, anything else starts a note whose meaning the part decides.
    """

    simple: str
    compound: str = ""
    legato: float = 0.92


BASS = {
    "whole": Template("R---------------", "R-----------"),
    "half": Template("R-------5-------", "R-----5-----"),
    "pulse": Template("R---", "R---5-"),
    "root_fifth": Template("R-..5-..", "R-----5-----", 0.8),
    "eighths": Template("R-R-", "R-R-R-", 0.8),
    "octaves": Template("R-8-", "R-8-5-", 0.7),
    "pop": Template("R-----R-R---5---", "R---R-"),
    "syncopated": Template("R--R--R-....R-5-", "R--R--"),
    "funk": Template("R--R--8-.R.5-7g.", "R-.g8.", 0.6),
    "funk2": Template("R-.gR8.R..R-5-8.", "R-.gR.", 0.6),
    "offbeat": Template("..R-", "..R-R-", 0.7),
    "rolling": Template("gRRR", "gRRgRR", 0.6),
    "reggae": Template(".R-5-R-..3-5-8-.", "R--5-.", 0.85),
    "reggae2": Template("R-----R-5-3-R...", "R---3-", 0.85),
    "tumbao": Template("......R-----5---", "...R--"),
    "bossa": Template("R-----R-5-----5-", "R---5-"),
    "boombap": Template("R-----.R..R-----", "R----R"),
    "808": Template("R-------..R.R---", "R-----"),
    "boogie": Template("R-3-5-6-7-6-5-3-", "R-3-5-", 0.8),
    "gallop": Template("R-RRR-RRR-RRR-RR", "R-RR-R", 0.6),
    "chug": Template("RRRR", "RRRRRR", 0.6),
    "arp": Template("R-5-8-5-", "R-5-8-", 0.85),
    "pedal": Template("T---------------", "T-----------"),
    "waltz": Template("F---........", "F-----", 0.9),
    "walking": Template("R---W---W---A---", "R-----A-----", 0.85),
}

COMP = {
    "block": Template("C---------------", "C-----------"),
    "half": Template("C-------C-------", "C-----"),
    "quarters": Template("C---", "C---c-", 0.85),
    "eighths": Template("C-c-", "C-c-c-", 0.8),
    "push": Template("C-----C---C-C---", "C---c-", 0.9),
    "strum": Template("C---C-c-.-c-C-c-", "C-c-c-", 0.9),
    "strum2": Template("C---c-C-.-C-c-C-", "C---c-", 0.9),
    "skank": Template("....C-......C-..", "...C--", 0.5),
    "offbeats": Template("..C.", "..C.C.", 0.5),
    "stabs": Template("..C.C..C.c..C...", "..C..c", 0.5),
    "chicken": Template("c.C.c.C.c.C.c.C.", "c.C.c.", 0.5),
    "charleston": Template("C-----C-........", "C---..", 0.7),
    "anticipate": Template("......C-....C-..", "...C..", 0.7),
    "freddie": Template("C-..", "C-.c-.", 0.6),
    "bossa": Template("C-.C-.C-..C-.C-.", "C-.C-.", 0.8),
    "montuno": Template("H.L.H.LH.L.H.LH.", "H.LH.L", 0.8),
    "waltz": Template("....C-..C-..", "..C-C-", 0.7),
    "afterbeat": Template("..C-", "..C-C-", 0.6),
    "power": Template("P-P-", "P-P-P-", 0.85),
    "chug": Template("Pppp", "Pp.Pp.", 0.6),
    "boogie": Template("P-P-Q-Q-", "P-Q-P-", 0.85),
    "chorale": Template("C---", "C-----", 0.95),
}

ARP = {
    "up": Template("1-2-3-4-", "1-2-3-", 0.95),
    "updown": Template("1-2-3-4-5-4-3-2-", "1-2-3-4-3-2-", 0.95),
    "sixteenths": Template("1234", "123432", 0.9),
    "alberti": Template("1-3-2-3-", "1-3-2-", 0.9),
    "broken": Template("1---2-3-", "1-2-3-", 0.95),
    "ostinato": Template("1313", "131313", 0.8),
}


@cache
def template_events(template: Template, signature: tuple[int, int]) -> tuple[tuple[str, float, float], ...]:
    """Lay a template over one bar: (symbol, start, length) in quarter notes from the bar's start."""
    meter = meter_of(signature)
    simple = [template.simple[i : i + 4] for i in range(0, len(template.simple), 4)]
    compound = [template.compound[i : i + 6] for i in range(0, len(template.compound), 6)] or ["C-----"]
    events: list[list] = []
    holding = False
    n_simple = n_compound = 0
    for offset, length in meter.beats:
        if length == 1.0:
            cell, n_simple = simple[n_simple % len(simple)], n_simple + 1
        else:
            cell, n_compound = compound[n_compound % len(compound)], n_compound + 1
        step = length / len(cell)
        for j, symbol in enumerate(cell):
            if symbol == "-":
                if holding:
                    events[-1][2] += step
            elif symbol == ".":
                holding = False
            else:
                events.append([symbol, offset + j * step, step])
                holding = True
    return tuple((s, start, length) for s, start, length in events)


# --------------------------------------------------------------------------- drums

KICK, RIM, SNARE, CLAP, CLOSED, PEDAL, OPEN, CRASH, RIDE, TAMB, COWBELL = 36, 37, 38, 39, 42, 44, 46, 49, 51, 54, 56
HI_CONGA, OPEN_CONGA, SHAKER, CLAVES, FLOOR_TOM, LOW_TOM = 62, 63, 70, 75, 41, 45
TOMS = (50, 48, 47, 45, 43, 41)
DRUM_VELOCITY = {"X": 112, "x": 90, "o": 48}


@dataclass(frozen=True)
class Groove:
    """One bar of drums: a pattern string per drum; the grid is the bar divided by the string length."""

    signature: tuple[int, int]
    parts: tuple[tuple[int, str], ...]
    triplets: bool = False  # fills on a triplet grid


def _g(parts: dict[int, str], signature: tuple[int, int] = (4, 4), triplets: bool = False) -> Groove:
    return Groove(signature, tuple(parts.items()), triplets)


GROOVES = {
    "pop": _g({KICK: "X.....x.X.......", SNARE: "....X.......X...", CLOSED: "x.x.x.x.x.x.x.x."}),
    "pop16": _g({KICK: "X.......X.x.....", SNARE: "....X.......X...", CLOSED: "xoxoxoxoxoxoxoxo"}),
    "rock": _g({KICK: "X.......X.X.....", SNARE: "....X.......X...", CLOSED: "X.x.X.x.X.x.X.x."}),
    "rock_ride": _g({KICK: "X..x....X.......", SNARE: "....X.......X...", RIDE: "x.x.x.x.x.x.x.x."}),
    "halftime": _g({KICK: "X.....x...x.....", SNARE: "........X.......", CLOSED: "x.x.x.x.x.x.x.x."}),
    "metal": _g({KICK: "xxxxxxxxxxxxxxxx", SNARE: "....X.......X...", RIDE: "x.x.x.x.x.x.x.x."}),
    "gallop": _g({KICK: "X.xxX.xxX.xxX.xx", SNARE: "....X.......X...", CLOSED: "x.x.x.x.x.x.x.x."}),
    "thrash": _g({KICK: "X.x.X.x.X.x.X.x.", SNARE: "..X...X...X...X.", RIDE: "X...X...X...X..."}),
    "four_floor": _g(
        {KICK: "X...X...X...X...", CLAP: "....X.......X...", OPEN: "..X...X...X...X.", CLOSED: "xo.oxo.oxo.oxo.o"}
    ),
    "house": _g(
        {KICK: "X...X...X...X...", CLAP: "....X.......X...", OPEN: "..x...x...x...x.", SHAKER: "xoxoxoxoxoxoxoxo"}
    ),
    "techno": _g(
        {KICK: "X...X...X...X...", OPEN: "..x...x...x...x.", CLOSED: "xo.oxo.oxo.oxo.o", RIM: "......x.......x."}
    ),
    "techno_ride": _g(
        {KICK: "X...X...X...X...", RIDE: "..X...X...X...X.", CLAP: "....x.......x...", RIM: "...x..x....x..x."}
    ),
    "disco": _g(
        {KICK: "X...X...X...X...", SNARE: "....X.......X...", OPEN: "..X...X...X...X.", CLOSED: "xo.oxo.oxo.oxo.o"}
    ),
    "funk": _g({KICK: "X.....X...X..x..", SNARE: "....X..o.o..X..o", CLOSED: "XxxxXxxxXxxxXxxx"}),
    "funk2": _g({KICK: "X..x..X...x.....", SNARE: "....X.o..o..X.o.", CLOSED: "x.x.x.x.x.x.x.x."}),
    "one_drop": _g({KICK: "........X.......", RIM: "........X.......", CLOSED: "x.x.x.x.x.x.x.x."}),
    "steppers": _g({KICK: "X...X...X...X...", RIM: "........X.......", CLOSED: "x.xxx.xxx.xxx.xx"}),
    "rockers": _g({KICK: "X.......X.......", SNARE: "....X.......X...", CLOSED: "x.x.x.x.x.x.x.x."}),
    "boom_bap": _g({KICK: "X......x..X.....", SNARE: "....X.......X...", CLOSED: "x.x.x.x.x.x.x.x."}),
    "boom_bap2": _g(
        {KICK: "X.x.......X..x..", SNARE: "....X.......X...", CLOSED: "x.x.x.x.x.x.x.x.", OPEN: "..............x."}
    ),
    "trap": _g({KICK: "X.......x.X.....", CLAP: "........X.......", CLOSED: "xxxxxxxxxxxxxxxx"}),
    "lofi": _g({KICK: "X.....x...x.....", SNARE: "........X.......", CLOSED: "x.x.x.x.x.x.x.x."}),
    "lofi2": _g({KICK: "X.........X.....", SNARE: "....x.......x...", CLOSED: "x.xxx.x.x.xxx.x."}),
    "swing": _g(
        {RIDE: "X..x.xX..x.x", PEDAL: "...x.....x..", KICK: "o.....o.....", SNARE: ".....o.....o"}, triplets=True
    ),
    "swing2": _g({RIDE: "x..X.xx..X.x", PEDAL: "...x.....x..", SNARE: "........o..o"}, triplets=True),
    "shuffle": _g({CLOSED: "X.xX.xX.xX.x", KICK: "X.....X.....", SNARE: "...X.....X.."}, triplets=True),
    "shuffle_ride": _g({RIDE: "x.xx.xx.xx.x", KICK: "X..o..X..o..", SNARE: "...X.....X.."}, triplets=True),
    "bossa": _g({KICK: "X..xX..xX..xX..x", RIM: "X..x..x...x..x..", CLOSED: "x.x.x.x.x.x.x.x."}),
    "bossa2": _g({KICK: "X..xX..xX..xX..x", RIM: "X..x..x...x..x..", SHAKER: "xoxoxoxoxoxoxoxo"}),
    "salsa": _g(
        {
            CLAVES: "x..x..x...x.x...",
            COWBELL: "X.x.X.x.X.x.X.x.",
            HI_CONGA: "o.o.X.o.o.o.....",
            OPEN_CONGA: "............X.X.",
            KICK: "......x.........",
        }
    ),
    "samba": _g({KICK: "x...X...x...X...", SHAKER: "XoxoXoxoXoxoXoxo", RIM: "x..x..x...x..x.."}),
    "dembow": _g({KICK: "X...X...X...X...", SNARE: "...x..x....x..x.", CLOSED: "x.x.x.x.x.x.x.x."}),
    "ballad": _g({KICK: "X.......X.x.....", RIM: "....x.......x...", CLOSED: "x.x.x.x.x.x.x.x."}),
    "ballad_ride": _g({KICK: "X.........x.....", SNARE: "....x.......x...", RIDE: "x.x.x.x.x.x.x.x."}),
    "motown": _g(
        {KICK: "X.....x.X.......", SNARE: "....X.......X...", TAMB: "....x.......x...", CLOSED: "x.x.x.x.x.x.x.x."}
    ),
    "soul": _g({KICK: "X..x....X.x.....", SNARE: "....X.......X...", CLOSED: "x.x.x.x.x.x.x.x."}),
    "train": _g({KICK: "X.......X.......", SNARE: "ooooXoooooooXooo"}),
    "two_step": _g(
        {KICK: "X.......X.......", SNARE: "....X.......X...", CLOSED: "x.x.x.x.x.x.x.x.", TAMB: "....x.......x..."}
    ),
    "march": _g({KICK: "X...x...", SNARE: "x.xxX.x."}, (2, 4)),
    "march4": _g({KICK: "X...x...X...x...", SNARE: "X.xxx.x.X.xxx.xx"}),
    "waltz": _g({KICK: "X...........", SNARE: "....x...x...", CLOSED: "....x...x..."}, (3, 4)),
    "jazz_waltz": _g({RIDE: "X..x.xx..", PEDAL: "...x..x..", KICK: "o........"}, (3, 4), triplets=True),
    "six_eight": _g({KICK: "X.....x.....", SNARE: "......X.....", CLOSED: "x.x.x.x.x.x."}, (6, 8)),
    "twelve_eight": _g(
        {KICK: "X.........x.X...........", SNARE: "......X...........X.....", CLOSED: "x.x.x.x.x.x.x.x.x.x.x.x."},
        (12, 8),
    ),
    "cinematic": _g({FLOOR_TOM: "X..x..x.X..x..x.", LOW_TOM: "....x.......x...", KICK: "X.......X......."}),
    "cinematic2": _g({KICK: "X.....x.X.....x.", SNARE: "....x.......x...", FLOOR_TOM: "......x.......xx"}),
    "folk": _g({KICK: "X.......X.......", TAMB: "..x...x...x...x."}),
    "folk_waltz": _g({KICK: "X...........", TAMB: "....x...x..."}, (3, 4)),
    "synthwave": _g(
        {KICK: "X.......X.......", SNARE: "....X.......X...", CLAP: "....x.......x...", CLOSED: "x.x.x.x.x.x.x.x."}
    ),
    "breakbeat": _g({KICK: "X.........X.....", SNARE: "....X..o.o..X...", CLOSED: "x.x.x.x.x.x.x.x."}),
    "electro": _g({KICK: "X......x..X.....", CLAP: "....X.......X...", CLOSED: "xxxxxxxxxxxxxxxx"}),
}


@cache
def generic_groove(signature: tuple[int, int], hat: int, snare: int) -> Groove:
    """A plain groove for any metre: kick on the strong beats, snare between them, hats on eighths."""
    meter = meter_of(signature)
    steps = round(meter.bar * 4)
    kick, backbeat, hats = ["."] * steps, ["."] * steps, ["."] * steps
    strong = list(meter.strong) + [len(meter.beats)]
    for index in meter.strong:
        kick[round(meter.beats[index][0] * 4)] = "X" if index == 0 else "x"
    snare_beats = [a + (b - a) // 2 for a, b in zip(strong, strong[1:], strict=False) if b - a >= 2]
    if not snare_beats and len(meter.beats) > 1:
        snare_beats = [len(meter.beats) - 1]
    for index in snare_beats:
        backbeat[round(meter.beats[index][0] * 4)] = "X"
    for step in range(0, steps, 2):
        hats[step] = "x"
    return _g({KICK: "".join(kick), snare: "".join(backbeat), hat: "".join(hats)}, signature)


# --------------------------------------------------------------------------- styles

Part = tuple[str, int]  # (role, GM program or DRUMS)


@dataclass(frozen=True)
class Style:
    tempo: tuple[int, int]
    meters: dict[tuple[int, int], float]
    minor: float  # probability of a minor key
    moods: tuple[str, ...]
    palettes: tuple[tuple[Part, ...], ...]
    major: tuple[str, ...]  # progressions in major keys
    minor_progressions: tuple[str, ...]
    bass: tuple[str, ...]
    comp: tuple[str, ...]
    grooves: tuple[str, ...] = ()
    extras: tuple[Part, ...] = ()  # parts a piece may add to its palette
    major_scales: tuple[str, ...] = ("ionian",)
    minor_scales: tuple[str, ...] = ("aeolian",)
    voicings: tuple[str, ...] = ("close", "open")
    melody_units: tuple[float, ...] = (0.5,)
    density: tuple[float, float] = (0.35, 0.65)
    swing: tuple[float, float] | None = None  # where the off-beat falls, as a fraction of the pair
    swing_unit: float = 0.5  # 0.5: swung eighths, 0.25: swung sixteenths
    kit: tuple[int, int] = (CLOSED, SNARE)  # hat and snare of the generic groove in odd metres
    bars: tuple[int, ...] = (4, 6, 8, 8, 8, 12, 12, 16, 16, 16, 20, 24)
    chord_bars: tuple[int, ...] = (1,)  # bars each chord of a progression lasts
    drums_optional: bool = False  # whether a piece may leave out the drums of its palette


D = DRUMS  # shorthand for the palettes below
POP_MAJOR = ("I V vi IV", "vi IV I V", "I vi IV V", "I IV vi V", "IV I V vi", "I V IV V", "I iii IV V")
POP_MINOR = ("i bVI bIII bVII", "i bVII bVI bVII", "i iv bVI bVII", "i bVI bVII i", "i iv v i")
JAZZ_MAJOR = (
    "ii7 V7 Imaj7 Imaj7",
    "Imaj7 vi7 ii7 V7",
    "iii7 VI7 ii7 V7",
    "Imaj7-vi7 ii7-V7",
    "ii7 V7 iii7-VI7 ii7-V7",
    "Imaj7 IV7 iii7 VI7 ii7 V7 Imaj7 Imaj7",
)
JAZZ_MINOR = (
    "iih7 V7 i7 i7",
    "i7 iv7 bVII7 bIIImaj7 bVImaj7 iih7 V7 i7",
    "i6 iv7 iih7-V7 i6",
    "i7 i7 iv7 iv7 bVI7 V7 i7 i7",
)

STYLES_TABLE: dict[str, Style] = {
    "pop": Style(
        tempo=(88, 128),
        meters={(4, 4): 0.9, (6, 8): 0.05, (12, 8): 0.05},
        minor=0.3,
        moods=("happy", "uplifting", "energetic", "romantic", "melancholic", "dreamy"),
        palettes=(
            (("comp", 0), ("bass", 33), ("drums", D), ("melody", 81)),
            (("comp", 27), ("bass", 33), ("drums", D), ("melody", 0), ("pad", 48)),
            (("comp", 4), ("bass", 38), ("drums", D), ("pad", 89), ("melody", 80)),
        ),
        extras=(("pad", 48), ("arp", 0), ("counter", 61), ("comp", 25)),
        major=POP_MAJOR,
        minor_progressions=POP_MINOR,
        bass=("pop", "pulse", "eighths", "half", "syncopated"),
        comp=("quarters", "push", "strum", "block", "eighths"),
        grooves=("pop", "pop16", "halftime", "six_eight", "twelve_eight"),
        major_scales=("ionian", "major_penta"),
        minor_scales=("aeolian", "minor_penta"),
    ),
    "rock": Style(
        tempo=(96, 152),
        meters={(4, 4): 0.92, (12, 8): 0.05, (6, 8): 0.03},
        minor=0.4,
        moods=("energetic", "happy", "dark", "epic", "uplifting", "tense"),
        palettes=(
            (("comp", 30), ("bass", 34), ("drums", D), ("melody", 29)),
            (("comp", 27), ("bass", 34), ("drums", D), ("melody", 29), ("pad", 18)),
            (("comp", 30), ("bass", 33), ("drums", D), ("comp", 0)),
        ),
        extras=(("pad", 18), ("comp", 25), ("melody", 81), ("pad", 48)),
        major=("I IV V IV", "I bVII IV I", "I V vi IV", "I IV I V", "I V IV IV", "I bIII IV I"),
        minor_progressions=("i bVII bVI bVII", "i bIII bVII IV", "i iv bVII i", "i bVI bVII i", "i bVII i bVII"),
        bass=("eighths", "root_fifth", "pulse", "octaves"),
        comp=("power", "strum", "eighths", "push", "chug"),
        grooves=("rock", "rock_ride", "halftime", "twelve_eight", "six_eight"),
        major_scales=("mixolydian", "major_penta", "ionian"),
        minor_scales=("minor_penta", "aeolian", "dorian"),
        voicings=("power", "power", "close"),
        density=(0.3, 0.6),
    ),
    "metal": Style(
        tempo=(110, 190),
        meters={(4, 4): 0.85, (7, 8): 0.05, (6, 8): 0.05, (12, 8): 0.05},
        minor=0.92,
        moods=("energetic", "dark", "epic", "tense"),
        palettes=(
            (("comp", 30), ("bass", 34), ("drums", D), ("melody", 29)),
            (("comp", 30), ("bass", 33), ("drums", D), ("pad", 48), ("melody", 81)),
            (("comp", 30), ("bass", 34), ("drums", D), ("pad", 19)),
        ),
        extras=(("pad", 52), ("melody", 29), ("pad", 48)),
        major=("I bVII IV I", "I bVI bVII I"),
        minor_progressions=(
            "i bVI bVII i",
            "i bII i bVII",
            "i i bVI bVII",
            "i bVII bVI V",
            "i iv bVI V",
            "i i bII bII",
        ),
        bass=("chug", "gallop", "eighths"),
        comp=("chug", "power", "power"),
        grooves=("metal", "gallop", "thrash", "rock", "six_eight"),
        minor_scales=("aeolian", "phrygian", "harmonic"),
        voicings=("power",),
        melody_units=(0.25, 0.5),
        density=(0.4, 0.75),
        kit=(RIDE, SNARE),
    ),
    "jazz": Style(
        tempo=(70, 220),
        meters={(4, 4): 0.85, (3, 4): 0.1, (5, 4): 0.05},
        minor=0.35,
        moods=("relaxing", "calm", "romantic", "happy", "mysterious", "melancholic", "energetic"),
        palettes=(
            (("comp", 0), ("bass", 32), ("drums", D), ("melody", 65)),
            (("comp", 0), ("bass", 32), ("drums", D), ("melody", 56)),
            (("comp", 26), ("bass", 32), ("drums", D), ("melody", 66)),
            (("melody", 11), ("comp", 0), ("bass", 32), ("drums", D)),
        ),
        extras=(("comp", 26), ("counter", 57), ("melody", 0), ("pad", 61)),
        major=JAZZ_MAJOR,
        minor_progressions=JAZZ_MINOR,
        bass=("walking", "walking", "half"),
        comp=("charleston", "anticipate", "freddie", "block"),
        grooves=("swing", "swing2", "jazz_waltz"),
        major_scales=("ionian", "lydian", "major_penta"),
        minor_scales=("dorian", "aeolian", "harmonic"),
        voicings=("rootless", "shell", "close"),
        density=(0.45, 0.8),
        swing=(0.6, 0.68),
        kit=(RIDE, SNARE),
    ),
    "swing": Style(
        tempo=(120, 210),
        meters={(4, 4): 1.0},
        minor=0.2,
        moods=("happy", "energetic", "romantic", "uplifting"),
        palettes=(
            (("comp", 61), ("bass", 32), ("drums", D), ("melody", 66), ("comp", 0)),
            (("comp", 0), ("bass", 32), ("drums", D), ("melody", 71)),
            (("melody", 56), ("pad", 65), ("bass", 32), ("drums", D), ("comp", 26)),
        ),
        extras=(("counter", 57), ("comp", 25), ("pad", 61)),
        major=(
            "I vi ii7 V7",
            "Imaj7 VI7 ii7 V7",
            "I I7 IV iv I V7 I V7",
            "III7 VI7 II7 V7",
            "ii7 V7 I6 I6",
            "I6 vi7 ii7 V7",
        ),
        minor_progressions=("i6 iih7-V7 i6 V7", "i7 iv7 iih7 V7"),
        bass=("walking",),
        comp=("freddie", "charleston", "anticipate"),
        grooves=("swing", "swing2"),
        major_scales=("ionian", "major_penta"),
        voicings=("shell", "close", "rootless"),
        density=(0.45, 0.8),
        swing=(0.62, 0.7),
        kit=(RIDE, SNARE),
    ),
    "bossa nova": Style(
        tempo=(116, 146),
        meters={(4, 4): 1.0},
        minor=0.4,
        moods=("relaxing", "romantic", "calm", "melancholic", "dreamy"),
        palettes=(
            (("comp", 24), ("bass", 32), ("drums", D), ("melody", 73)),
            (("comp", 24), ("bass", 32), ("drums", D), ("melody", 0)),
            (("comp", 24), ("bass", 32), ("drums", D), ("melody", 65), ("pad", 48)),
        ),
        extras=(("pad", 48), ("comp", 0), ("counter", 71)),
        major=(
            "Imaj7 Imaj7 II7 II7 ii7 ii7 V7 V7",
            "Imaj7 II7 ii7 V7",
            "ii7 V7 Imaj7 vi7",
            "Imaj7 vi7 ii7 V7",
            "Imaj7 IVmaj7 iii7 VI7",
        ),
        minor_progressions=("i7 iv7 iih7 V7", "i6 i6 iv7 V7", "i7 bVImaj7 iih7 V7"),
        bass=("bossa",),
        comp=("bossa", "bossa", "anticipate"),
        grooves=("bossa", "bossa2"),
        minor_scales=("dorian", "aeolian"),
        voicings=("close", "shell"),
        density=(0.35, 0.6),
        kit=(CLOSED, RIM),
    ),
    "lo-fi": Style(
        tempo=(68, 92),
        meters={(4, 4): 1.0},
        minor=0.55,
        moods=("calm", "relaxing", "melancholic", "dreamy", "peaceful"),
        palettes=(
            (("comp", 4), ("bass", 33), ("drums", D), ("melody", 11)),
            (("comp", 0), ("bass", 33), ("drums", D), ("melody", 26)),
            (("comp", 4), ("bass", 32), ("drums", D), ("pad", 89)),
        ),
        extras=(("melody", 24), ("pad", 89), ("melody", 73), ("arp", 108)),
        major=(
            "Imaj7 vi7 ii7 V7",
            "IVmaj7 iii7 ii7 Imaj7",
            "IVmaj7 V7 iii7 vi7",
            "ii9 V9 Imaj7 Imaj7",
            "Imaj7 iii7 IVmaj7 iv7",
        ),
        minor_progressions=("i7 iv7 bVII7 bIIImaj7", "i9 bVImaj7 iv7 V7", "i7 bVImaj7 bIIImaj7 bVII7", "iih7 V7 i7 i7"),
        bass=("syncopated", "boombap", "whole", "half"),
        comp=("block", "half", "anticipate", "push"),
        grooves=("lofi", "lofi2"),
        major_scales=("ionian", "major_penta"),
        minor_scales=("dorian", "aeolian", "minor_penta"),
        voicings=("close", "rootless", "open"),
        density=(0.2, 0.45),
        swing=(0.54, 0.6),
        swing_unit=0.25,
        bars=(4, 8, 8, 12, 16, 16, 24),
    ),
    "edm": Style(
        tempo=(118, 140),
        meters={(4, 4): 1.0},
        minor=0.6,
        moods=("energetic", "uplifting", "happy", "epic", "dreamy"),
        palettes=(
            (("melody", 81), ("bass", 38), ("drums", D), ("pad", 90)),
            (("melody", 80), ("bass", 39), ("drums", D), ("comp", 0), ("pad", 89)),
            (("melody", 81), ("bass", 38), ("drums", D), ("comp", 62)),
        ),
        extras=(("arp", 81), ("pad", 50), ("arp", 80)),
        major=("vi IV I V", "I V vi IV", "IV V vi vi", "IV I V vi"),
        minor_progressions=("i bVI bIII bVII", "i bVII bVI bVII", "i iv bVI bVII", "bVI bVII i i", "i bVI bVII bVII"),
        bass=("offbeat", "octaves", "rolling", "pulse"),
        comp=("stabs", "offbeats", "push", "block"),
        grooves=("four_floor", "house", "techno"),
        minor_scales=("aeolian", "minor_penta"),
        melody_units=(0.25, 0.5),
        density=(0.35, 0.6),
        bars=(8, 8, 12, 16, 16, 24),
    ),
    "techno": Style(
        tempo=(122, 142),
        meters={(4, 4): 1.0},
        minor=0.85,
        moods=("energetic", "dark", "tense", "mysterious"),
        palettes=(
            (("bass", 38), ("drums", D), ("arp", 81)),
            (("bass", 39), ("drums", D), ("melody", 87), ("pad", 95)),
            (("bass", 38), ("drums", D), ("comp", 62), ("pad", 90)),
        ),
        extras=(("pad", 95), ("arp", 80), ("comp", 62)),
        major=("I I I I", "I bVII I bVII"),
        minor_progressions=("i i i i", "i i bVII bVII", "i iv i iv", "i bII i i", "i i bVI bVII"),
        bass=("rolling", "offbeat", "octaves"),
        comp=("stabs", "offbeats", "chicken"),
        grooves=("techno", "techno_ride", "four_floor"),
        minor_scales=("aeolian", "phrygian", "minor_penta"),
        melody_units=(0.25,),
        density=(0.2, 0.45),
        bars=(8, 8, 12, 16, 16, 24),
    ),
    "electronic": Style(
        tempo=(84, 128),
        meters={(4, 4): 0.95, (6, 8): 0.05},
        minor=0.6,
        moods=("dreamy", "energetic", "mysterious", "melancholic", "uplifting"),
        palettes=(
            (("melody", 81), ("bass", 38), ("drums", D), ("pad", 90)),
            (("melody", 80), ("bass", 39), ("drums", D), ("pad", 88), ("arp", 4)),
            (("melody", 84), ("bass", 38), ("drums", D), ("pad", 50), ("comp", 62)),
        ),
        extras=(("arp", 81), ("pad", 91), ("counter", 50)),
        major=("I V vi IV", "IVmaj7 V vi vi", "I iii vi IV", "vi IV I V"),
        minor_progressions=("i bVI bIII bVII", "i bVI bVII i", "i bIII bVII iv", "i bVII bVI V"),
        bass=("octaves", "eighths", "arp", "offbeat"),
        comp=("block", "push", "stabs"),
        grooves=("synthwave", "breakbeat", "electro", "four_floor"),
        minor_scales=("aeolian", "dorian"),
        melody_units=(0.25, 0.5),
    ),
    "ambient": Style(
        tempo=(56, 92),
        meters={(4, 4): 0.7, (3, 4): 0.15, (6, 8): 0.15},
        minor=0.5,
        moods=("calm", "peaceful", "dreamy", "mysterious", "melancholic", "relaxing"),
        palettes=(
            (("pad", 88), ("pad", 89), ("counter", 48), ("melody", 11)),
            (("pad", 89), ("counter", 48), ("melody", 0)),
            (("pad", 92), ("pad", 94), ("counter", 52), ("arp", 46)),
            (("pad", 95), ("pad", 88), ("melody", 9)),
        ),
        extras=(("arp", 46), ("bass", 42), ("melody", 73), ("pad", 52)),
        major=("Imaj7 IVmaj7", "Iadd9 vi7 IVmaj7 Iadd9", "I iii IV I", "Isus2 IVadd9", "IVmaj7 Imaj7"),
        minor_progressions=("i7 bVImaj7", "i9 iv7", "i bVI bIII bVII", "i7 bIIImaj7 bVImaj7 iv7", "i i iv iv"),
        bass=("pedal", "whole"),
        comp=("block",),
        grooves=(),
        major_scales=("lydian", "ionian", "major_penta"),
        minor_scales=("aeolian", "dorian"),
        melody_units=(1.0, 2.0),
        density=(0.3, 0.55),
        chord_bars=(1, 2, 2),
    ),
    "funk": Style(
        tempo=(92, 122),
        meters={(4, 4): 1.0},
        minor=0.6,
        moods=("energetic", "happy"),
        palettes=(
            (("comp", 28), ("bass", 36), ("drums", D), ("comp", 7), ("melody", 61)),
            (("comp", 7), ("bass", 33), ("drums", D), ("pad", 4), ("melody", 66)),
            (("comp", 27), ("bass", 36), ("drums", D), ("melody", 62)),
        ),
        extras=(("pad", 16), ("melody", 61), ("comp", 4)),
        major=("I7 IV7", "I7 I7 IV7 I7", "I9 IV9", "ii7 V7"),
        minor_progressions=("i7 IV7", "i7 i7 IV7 IV7", "i7 i7 iv7 i7", "i9 i9 iv9 bVII9", "i7 bIII7 IV7 i7"),
        bass=("funk", "funk2", "syncopated"),
        comp=("stabs", "chicken", "anticipate"),
        grooves=("funk", "funk2"),
        major_scales=("mixolydian", "major_penta"),
        minor_scales=("dorian", "minor_penta", "blues"),
        voicings=("close", "shell"),
        melody_units=(0.25,),
        density=(0.25, 0.5),
        swing=(0.5, 0.56),
        swing_unit=0.25,
    ),
    "reggae": Style(
        tempo=(66, 96),
        meters={(4, 4): 1.0},
        minor=0.45,
        moods=("relaxing", "happy", "calm", "uplifting"),
        palettes=(
            (("comp", 27), ("bass", 33), ("drums", D), ("comp", 16), ("melody", 56)),
            (("comp", 28), ("bass", 33), ("drums", D), ("comp", 0), ("melody", 22)),
            (("comp", 27), ("bass", 33), ("drums", D), ("melody", 57)),
        ),
        extras=(("comp", 16), ("counter", 61), ("melody", 21)),
        major=("I IV", "I V vi IV", "I IV V IV", "I ii IV V", "I I IV V"),
        minor_progressions=("i iv", "i bVII", "i iv v iv", "i bVII bVI bVII", "i7 iv7"),
        bass=("reggae", "reggae2"),
        comp=("skank", "offbeats"),
        grooves=("one_drop", "steppers", "rockers"),
        major_scales=("ionian", "major_penta"),
        minor_scales=("dorian", "aeolian", "minor_penta"),
        density=(0.3, 0.55),
        swing=(0.52, 0.6),
        kit=(CLOSED, RIM),
    ),
    "hip-hop": Style(
        tempo=(72, 100),
        meters={(4, 4): 1.0},
        minor=0.65,
        moods=("dark", "energetic", "relaxing", "melancholic", "tense"),
        palettes=(
            (("comp", 0), ("bass", 38), ("drums", D), ("pad", 48)),
            (("comp", 4), ("bass", 33), ("drums", D), ("melody", 61)),
            (("bass", 38), ("drums", D), ("melody", 10), ("pad", 89)),
            (("bass", 33), ("drums", D), ("melody", 0), ("arp", 45)),
        ),
        extras=(("pad", 48), ("melody", 80), ("arp", 10)),
        major=("Imaj7 vi7 ii7 V7", "IVmaj7 iii7 vi7 vi7", "Imaj7 IVmaj7"),
        minor_progressions=("i iv", "i bVI", "i7 iv7 bVI bVII", "i bVI bIII bVII", "i i bVI V"),
        bass=("808", "boombap", "whole"),
        comp=("block", "anticipate", "stabs"),
        grooves=("boom_bap", "boom_bap2", "trap"),
        minor_scales=("aeolian", "minor_penta", "harmonic"),
        density=(0.2, 0.45),
        swing=(0.52, 0.6),
        swing_unit=0.25,
        bars=(4, 8, 8, 12, 16, 16, 24),
    ),
    "ballad": Style(
        tempo=(58, 84),
        meters={(4, 4): 0.6, (6, 8): 0.2, (3, 4): 0.1, (12, 8): 0.1},
        minor=0.45,
        moods=("romantic", "sad", "melancholic", "calm", "peaceful", "uplifting"),
        palettes=(
            (("arp", 0), ("pad", 48), ("melody", 42)),
            (("comp", 0), ("bass", 33), ("drums", D), ("pad", 48), ("melody", 53)),
            (("arp", 25), ("bass", 32), ("drums", D), ("melody", 0)),
            (("comp", 4), ("bass", 35), ("drums", D), ("melody", 65)),
        ),
        extras=(("pad", 48), ("counter", 40), ("melody", 73), ("bass", 0)),
        major=("I V vi iii IV I IV V", "I vi IV V", "I iii IV V", "vi IV I V", "I V vi IV", "I IV I V"),
        minor_progressions=("i bVI bIII bVII", "i iv v i", "i bVI iv V", "i bVII bVI V"),
        bass=("whole", "half", "root_fifth"),
        comp=("block", "half", "quarters"),
        grooves=("ballad", "ballad_ride", "six_eight", "twelve_eight"),
        kit=(CLOSED, RIM),
        density=(0.3, 0.55),
        drums_optional=True,
    ),
    "waltz": Style(
        tempo=(84, 180),
        meters={(3, 4): 1.0},
        minor=0.4,
        moods=("romantic", "happy", "melancholic", "peaceful", "dreamy"),
        palettes=(
            (("bass", 0), ("comp", 0), ("melody", 40)),
            (("comp", 21), ("bass", 32), ("melody", 40)),
            (("comp", 0), ("bass", 43), ("melody", 71), ("pad", 48)),
            (("comp", 48), ("bass", 42), ("melody", 73), ("arp", 46)),
        ),
        extras=(("drums", D), ("counter", 42), ("pad", 48)),
        major=("I IV V7 I", "I I V7 V7 V7 V7 I I", "I vi ii V7", "I IV I V7"),
        minor_progressions=("i iv V7 i", "i i V7 V7 V7 V7 i i", "i bVI iv V7"),
        bass=("waltz",),
        comp=("waltz",),
        grooves=("waltz", "jazz_waltz", "folk_waltz"),
        minor_scales=("harmonic", "aeolian"),
        melody_units=(0.5, 1.0),
        density=(0.4, 0.7),
    ),
    "march": Style(
        tempo=(100, 128),
        meters={(2, 4): 0.55, (4, 4): 0.45},
        minor=0.2,
        moods=("energetic", "epic", "happy", "uplifting"),
        palettes=(
            (("melody", 56), ("bass", 58), ("drums", D), ("comp", 61)),
            (("comp", 57), ("bass", 58), ("drums", D), ("melody", 71), ("pad", 60)),
            (("comp", 61), ("bass", 58), ("drums", D), ("melody", 73)),
        ),
        extras=(("counter", 72), ("counter", 60), ("pad", 48)),
        major=("I IV V7 I", "I I V7 V7 V7 V7 I I", "I I IV IV V7 V7 I I", "I V7 I V7 I IV V7 I"),
        minor_progressions=("i iv V7 i", "i i V7 i"),
        bass=("root_fifth", "pulse"),
        comp=("afterbeat",),
        grooves=("march", "march4"),
        minor_scales=("harmonic",),
        density=(0.45, 0.75),
    ),
    "disco": Style(
        tempo=(110, 128),
        meters={(4, 4): 1.0},
        minor=0.45,
        moods=("happy", "energetic", "uplifting", "romantic"),
        palettes=(
            (("comp", 28), ("bass", 33), ("drums", D), ("melody", 48), ("comp", 0)),
            (("comp", 4), ("bass", 33), ("drums", D), ("melody", 61), ("pad", 49)),
            (("comp", 27), ("bass", 38), ("drums", D), ("pad", 50), ("melody", 81)),
        ),
        extras=(("pad", 48), ("counter", 61), ("arp", 0)),
        major=("I vi ii V", "ii7 V7 Imaj7 vi7", "Imaj7 ii7", "IVmaj7 iii7 ii7 Imaj7"),
        minor_progressions=("i7 iv7", "i7 bVII7 bVImaj7 V7", "i7 iv7 bVII7 bIIImaj7"),
        bass=("octaves",),
        comp=("chicken", "offbeats", "stabs"),
        grooves=("disco", "four_floor"),
        minor_scales=("dorian", "aeolian"),
        melody_units=(0.25, 0.5),
    ),
    "soul": Style(
        tempo=(68, 110),
        meters={(4, 4): 0.85, (12, 8): 0.15},
        minor=0.4,
        moods=("romantic", "happy", "melancholic", "uplifting", "calm"),
        palettes=(
            (("comp", 4), ("bass", 33), ("drums", D), ("melody", 61), ("pad", 16)),
            (("comp", 0), ("bass", 33), ("drums", D), ("pad", 48), ("melody", 65)),
            (("comp", 27), ("bass", 33), ("drums", D), ("pad", 16), ("melody", 53)),
        ),
        extras=(("counter", 61), ("pad", 48), ("comp", 4)),
        major=("I IV", "Imaj7 iii7 vi7 IV", "I vi IV V", "IVmaj7 iii7 ii7 Imaj7", "I I7 IV iv"),
        minor_progressions=("i7 iv7", "i7 bVImaj7 V7 i7", "i7 iv7 bVII7 bIIImaj7"),
        bass=("syncopated", "pop", "pulse"),
        comp=("quarters", "push", "block", "stabs"),
        grooves=("motown", "soul", "twelve_eight"),
        major_scales=("ionian", "major_penta"),
        minor_scales=("dorian", "minor_penta"),
        voicings=("close", "open", "shell"),
    ),
    "blues": Style(
        tempo=(60, 140),
        meters={(4, 4): 0.75, (12, 8): 0.25},
        minor=0.25,
        moods=("melancholic", "sad", "relaxing", "energetic", "happy"),
        palettes=(
            (("comp", 0), ("bass", 32), ("drums", D), ("melody", 26)),
            (("comp", 27), ("bass", 33), ("drums", D), ("melody", 22)),
            (("comp", 16), ("bass", 33), ("drums", D), ("melody", 66)),
            (("comp", 29), ("bass", 33), ("drums", D), ("melody", 29), ("pad", 16)),
        ),
        extras=(("pad", 16), ("comp", 0), ("counter", 61)),
        major=(
            "I7 IV7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7",
            "I7 I7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 I7",
            "I7 V7 IV7 IV7 I7 V7 I7 V7",
            "I7 IV7 I7 I7 IV7 IV7 I7 VI7 ii7 V7 I7-VI7 ii7-V7",
        ),
        minor_progressions=("i7 iv7 i7 i7 iv7 iv7 i7 i7 bVI7 V7 i7 V7", "i7 i7 i7 i7 iv7 iv7 i7 i7 V7 iv7 i7 V7"),
        bass=("walking", "boogie", "pulse"),
        comp=("boogie", "quarters", "charleston", "block"),
        grooves=("shuffle", "shuffle_ride", "twelve_eight"),
        major_scales=("blues", "minor_penta", "mixolydian"),
        minor_scales=("blues", "minor_penta"),
        voicings=("close", "shell"),
        density=(0.3, 0.6),
        swing=(0.64, 0.7),
        bars=(8, 12, 12, 12, 24),
    ),
    "country": Style(
        tempo=(88, 150),
        meters={(4, 4): 0.85, (3, 4): 0.15},
        minor=0.1,
        moods=("happy", "uplifting", "melancholic", "relaxing", "romantic"),
        palettes=(
            (("comp", 25), ("bass", 33), ("drums", D), ("arp", 105), ("melody", 40)),
            (("comp", 25), ("bass", 32), ("drums", D), ("melody", 27)),
            (("arp", 105), ("bass", 32), ("melody", 40), ("comp", 25)),
        ),
        extras=(("melody", 22), ("pad", 16), ("comp", 0)),
        major=("I IV V I", "I I IV I V V I I", "I V IV I", "I IV I V", "vi IV I V", "I IV ii V"),
        minor_progressions=("i bVII bVI bVII", "i iv bVII bIII"),
        bass=("root_fifth", "pulse"),
        comp=("strum", "strum2", "afterbeat"),
        grooves=("train", "two_step", "folk_waltz"),
        major_scales=("major_penta", "ionian", "mixolydian"),
        minor_scales=("minor_penta", "dorian"),
        drums_optional=True,
    ),
    "latin": Style(
        tempo=(90, 130),
        meters={(4, 4): 1.0},
        minor=0.55,
        moods=("energetic", "happy", "romantic", "dark"),
        palettes=(
            (("comp", 0), ("bass", 32), ("drums", D), ("melody", 56)),
            (("comp", 24), ("bass", 32), ("drums", D), ("melody", 73)),
            (("comp", 0), ("bass", 33), ("drums", D), ("pad", 61), ("melody", 66)),
            (("melody", 23), ("counter", 40), ("comp", 0), ("bass", 32)),
        ),
        extras=(("counter", 57), ("pad", 61), ("comp", 24)),
        major=("I IV V IV", "ii7 V7 Imaj7 Imaj7", "I V7 V7 I", "Imaj7 vi7 ii7 V7"),
        minor_progressions=("i iv V7 i", "i bVII bVI V7", "i iv bVII bIII", "i bVI iih7 V7", "i7 iv7 i7 V7"),
        bass=("tumbao", "tumbao", "bossa"),
        comp=("montuno", "anticipate", "push"),
        grooves=("salsa", "samba", "dembow"),
        minor_scales=("harmonic", "aeolian", "dorian"),
        density=(0.4, 0.7),
        kit=(CLOSED, RIM),
        drums_optional=True,
    ),
    "folk": Style(
        tempo=(78, 140),
        meters={(4, 4): 0.35, (3, 4): 0.25, (6, 8): 0.3, (2, 4): 0.1},
        minor=0.45,
        moods=("peaceful", "happy", "melancholic", "calm", "uplifting", "romantic"),
        palettes=(
            (("comp", 25), ("melody", 40), ("counter", 73), ("bass", 32)),
            (("arp", 24), ("melody", 73), ("bass", 42)),
            (("comp", 21), ("melody", 40), ("comp", 25)),
            (("comp", 25), ("arp", 105), ("melody", 22), ("bass", 33)),
            (("arp", 46), ("melody", 74), ("pad", 48)),
        ),
        extras=(("drums", D), ("counter", 42), ("melody", 109)),
        major=("I IV I V", "I V IV I", "I IV V I", "I bVII IV I", "I vi IV V", "I I IV V"),
        minor_progressions=("i bVII i bVII", "i bIII bVII i", "i bVI bVII i", "i bVII bVI bVII", "i IV i bVII"),
        bass=("root_fifth", "whole", "pulse"),
        comp=("strum", "strum2", "quarters", "block"),
        grooves=("folk", "folk_waltz"),
        major_scales=("ionian", "major_penta", "mixolydian"),
        minor_scales=("dorian", "aeolian"),
        density=(0.5, 0.8),
        kit=(TAMB, LOW_TOM),
    ),
    "cinematic": Style(
        tempo=(60, 112),
        meters={(4, 4): 0.7, (3, 4): 0.1, (6, 8): 0.1, (12, 8): 0.05, (5, 4): 0.05},
        minor=0.65,
        moods=("epic", "dark", "tense", "mysterious", "sad", "uplifting"),
        palettes=(
            (("arp", 48), ("melody", 60), ("bass", 43), ("drums", D)),
            (("pad", 48), ("arp", 0), ("melody", 42), ("pad", 52)),
            (("comp", 61), ("arp", 48), ("bass", 43), ("drums", D), ("pad", 52)),
            (("pad", 49), ("arp", 46), ("melody", 73), ("bass", 42)),
        ),
        extras=(("pad", 52), ("counter", 60), ("melody", 40), ("bass", 58)),
        major=("I V vi IV", "I bVI bVII I", "I iii vi IV", "IV I V vi", "I bVII IV I"),
        minor_progressions=(
            "i bVI bIII bVII",
            "i bVI bVII i",
            "i iv bVI V",
            "i bVI iv bVII",
            "i bII i bVII",
            "i i bVI bVI",
        ),
        bass=("pedal", "whole", "eighths", "half"),
        comp=("block", "half", "eighths"),
        grooves=("cinematic", "cinematic2"),
        major_scales=("ionian", "lydian"),
        minor_scales=("aeolian", "harmonic", "dorian"),
        voicings=("open", "close"),
        melody_units=(0.5, 1.0),
        density=(0.3, 0.6),
        kit=(CLOSED, LOW_TOM),
        chord_bars=(1, 1, 2),
        drums_optional=True,
    ),
}
STYLES: tuple[str, ...] = tuple(STYLES_TABLE)

_SIBLINGS = {
    0: (1, 2),
    4: (5,),
    24: (25,),
    25: (24,),
    27: (26,),
    30: (29,),
    33: (34, 35),
    34: (33,),
    38: (39,),
    48: (49, 50),
    56: (59,),
    65: (64, 66),
    66: (65, 67),
    80: (81,),
    81: (80, 84),
    88: (89, 91),
    89: (88, 92),
    90: (89, 95),
    40: (110,),
}
_ENERGY = {
    "calm": 0.7,
    "peaceful": 0.65,
    "relaxing": 0.7,
    "happy": 0.9,
    "sad": 0.68,
    "melancholic": 0.72,
    "energetic": 1.1,
    "dark": 0.95,
    "romantic": 0.75,
    "epic": 1.1,
    "uplifting": 0.95,
    "mysterious": 0.8,
    "tense": 1.0,
    "dreamy": 0.7,
}
_MINOR_MOODS = {"sad", "melancholic", "dark", "mysterious", "tense"}
_MAJOR_MOODS = {"happy", "uplifting", "peaceful"}


# --------------------------------------------------------------------------- the plan of a piece


@dataclass(frozen=True)
class Segment:
    """One chord inside one bar; times are quarter notes from the bar's start."""

    start: float
    end: float
    chord: Chord


@dataclass
class Piece:
    """Everything decided before the parts are rendered, plus the notes as they are written."""

    style: Style
    genre: str
    mood: str
    tempo: float
    key: Key
    scale: tuple[int, ...]  # pitch classes
    meter: Meter
    bars: int
    harmony: list[tuple[Segment, ...]]  # per bar
    phrases: list[str]  # a section label per four-bar phrase
    energy: list[float]  # a loudness factor per phrase
    muted: set[tuple[str, int]]  # (role, phrase) pairs left silent
    swing: float | None
    loudness: float  # mean velocity
    dice: Dice
    notes: dict[int, list[tuple[int, float, float, int]]] = field(default_factory=dict)

    def segment_at(self, bar: int, t: float) -> Segment:
        for segment in self.harmony[bar]:
            if t < segment.end - 1e-9:
                return segment
        return self.harmony[bar][-1]

    def next_chord(self, bar: int, segment: Segment) -> Chord:
        segments = self.harmony[bar]
        index = segments.index(segment)
        if index + 1 < len(segments):
            return segments[index + 1].chord
        return self.harmony[bar + 1][0].chord if bar + 1 < self.bars else self.harmony[0][0].chord

    def silent(self, role: str, bar: int) -> bool:
        return (role, bar // 4) in self.muted

    def velocity(self, bar: int, t: float, offset: float = 0.0) -> int:
        """Loudness from the mood, the phrase, the metric position and a little randomness."""
        accent = 8.0 if t == 0 else 3.0 if any(abs(t - o) < 1e-9 for o, _ in self.meter.beats) else -3.0
        value = (self.loudness + offset) * self.energy[bar // 4] + accent + self.dice.uniform(-6, 6)
        return max(1, min(127, int(value)))

    def add(
        self, program: int, pitch: int, bar: int, start: float, end: float, velocity: int, legato: float = 1.0
    ) -> None:
        """Write a note; times are from the bar's start, swung here and then shortened by ``legato``."""
        origin = bar * self.meter.bar
        begin, finish = self._swing(origin + start), self._swing(origin + end)
        finish = begin + (finish - begin) * legato
        self.notes.setdefault(program, []).append((pitch, begin, finish, velocity))

    def _swing(self, t: float) -> float:
        if self.swing is None:
            return t
        pair = self.style.swing_unit * 2
        whole, rest = divmod(t, pair)
        return whole * pair + self.swing * pair if abs(rest - self.style.swing_unit) < 1e-6 else t


def _choose_mode_and_mood(style: Style, dice: Dice) -> tuple[str, str]:
    mode = "minor" if dice.chance(style.minor) else "major"
    avoid = _MAJOR_MOODS if mode == "minor" else _MINOR_MOODS
    moods = [m for m in style.moods if m not in avoid] or list(style.moods)
    return mode, dice.pick(moods)


def _choose_meter(style: Style, dice: Dice) -> Meter:
    signatures = list(style.meters)
    return meter_of(dice.weighted(signatures, [style.meters[s] for s in signatures]))


def _choose_progressions(style: Style, key: Key, dice: Dice) -> dict[str, list[tuple[Chord, ...]]]:
    """A main progression for "A" phrases and, sometimes, another for the other sections."""
    options = style.minor_progressions if key.mode == "minor" else style.major
    chord_bars = dice.pick(style.chord_bars)
    main = dice.pick(options)
    other = dice.pick(options) if dice.chance(0.5) else main
    return {"A": parse_progression(main, key.tonic, chord_bars), "B": parse_progression(other, key.tonic, chord_bars)}


def _form(bars: int, dice: Dice) -> list[str]:
    labels = ["A"]
    for _ in range(1, math.ceil(bars / 4)):
        roll = dice.random()
        labels.append("A" if roll < 0.45 else "B" if roll < 0.85 else "C")
    return labels


def _split_bar(chords: tuple[Chord, ...], meter: Meter) -> tuple[Segment, ...]:
    """Share a bar's beats between its chords (the first chord gets the extra beat)."""
    count = min(len(chords), len(meter.beats))
    beats = len(meter.beats)
    bounds = [math.ceil(i * beats / count) for i in range(count + 1)]
    starts = [meter.beats[b][0] if b < beats else meter.bar for b in bounds]
    return tuple(Segment(starts[i], starts[i + 1], chords[i]) for i in range(count))


def _harmony(
    progressions: dict, phrases: list[str], key: Key, meter: Meter, bars: int, dice: Dice
) -> list[tuple[Segment, ...]]:
    position = {"A": 0, "B": 0}
    harmony = []
    for bar in range(bars):
        label = "A" if phrases[bar // 4] == "A" else "B"
        progression = progressions[label]
        harmony.append(_split_bar(progression[position[label] % len(progression)], meter))
        position[label] += 1
    if dice.chance(0.6):  # end on the tonic
        first = progressions["A"][0][0]
        tonic = first if first.root == key.tonic else parse_chord("i" if key.mode == "minor" else "I", key.tonic)
        harmony[-1] = _split_bar((tonic,), meter)
    return harmony


def _mutes(parts: list[Part], phrases: int, dice: Dice) -> set[tuple[str, int]]:
    """Intros without drums or melody, a breakdown without drums: not every part plays throughout."""
    roles = {role for role, _ in parts}
    muted: set[tuple[str, int]] = set()
    if phrases >= 3:
        for role, p in (("drums", 0.25), ("melody", 0.3), ("pad", 0.2), ("counter", 0.3)):
            if role in roles and dice.chance(p):
                muted.add((role, 0))
    if phrases >= 4 and "drums" in roles and dice.chance(0.2):
        muted.add(("drums", dice.integer(1, phrases - 2)))
    return muted


def _instrumentation(style: Style, dice: Dice) -> list[Part]:
    """A palette of the style, sometimes with a part dropped, added or swapped for a sibling."""
    parts = list(dice.pick(style.palettes))
    droppable = [p for p in parts if p[0] in ("pad", "counter", "arp")]
    if droppable and len(parts) > 3 and dice.chance(0.3):
        parts.remove(dice.pick(droppable))
    if style.extras and dice.chance(0.35):
        extra = dice.pick(style.extras)
        if extra[1] not in {p for _, p in parts} and extra[0] not in {r for r, _ in parts if r in ("drums", "melody")}:
            parts.append(extra)
    if style.drums_optional and len(parts) > 3 and ("drums", DRUMS) in parts and dice.chance(0.15):
        parts.remove(("drums", DRUMS))
    swapped = []
    for role, program in parts:
        if program in _SIBLINGS and dice.chance(0.15):
            program = dice.pick(_SIBLINGS[program])
        swapped.append((role, program))
    while len({p for _, p in swapped}) > 6:
        swapped.pop()
    return swapped


def plan_piece(seed: int, style_name: str | None) -> tuple[Piece, list[Part]]:
    dice = Dice(seed)
    genre = style_name if style_name is not None else dice.pick(STYLES)
    if genre not in STYLES_TABLE:
        raise MusicGenError(f"unknown style {genre!r}: choose one of {', '.join(STYLES)}")
    style = STYLES_TABLE[genre]
    mode, mood = _choose_mode_and_mood(style, dice)
    key = Key(dice.integer(0, 11), mode)
    energy = _ENERGY[mood]
    low, high = style.tempo
    tempo = float(round(low + (high - low) * (0.6 * dice.random() + 0.4 * min(1.0, (energy - 0.65) / 0.45))))
    meter = _choose_meter(style, dice)
    bars = dice.pick(style.bars)
    scale_name = dice.pick(style.minor_scales if mode == "minor" else style.major_scales)
    scale = tuple(sorted((key.tonic + i) % 12 for i in SCALES[scale_name]))
    phrases = _form(bars, dice)
    progressions = _choose_progressions(style, key, dice)
    harmony = _harmony(progressions, phrases, key, meter, bars, dice)
    parts = _instrumentation(style, dice)
    levels = [0.9 if i == 0 and len(phrases) >= 3 else 1.05 if label != "A" else 1.0 for i, label in enumerate(phrases)]
    swing = dice.uniform(*style.swing) if style.swing and meter.simple else None
    piece = Piece(
        style,
        genre,
        mood,
        tempo,
        key,
        scale,
        meter,
        bars,
        harmony,
        phrases,
        levels,
        _mutes(parts, len(phrases), dice),
        swing,
        52 + 36 * (energy - 0.65) / 0.45 + dice.uniform(-6, 6),
        dice,
    )
    return piece, parts


# --------------------------------------------------------------------------- parts


def _template_for(piece: Piece, table: dict[str, Template], main: str, options: Sequence[str]) -> Template:
    """The part's own pattern most of the time, now and then another of the style's."""
    return table[main] if piece.dice.chance(0.85) else table[piece.dice.pick(options)]


def render_bass(piece: Piece, program: int) -> None:
    dice = piece.dice
    main = dice.pick(piece.style.bass)
    low = dice.integer(28, 36)
    for bar in range(piece.bars):
        if piece.silent("bass", bar):
            continue
        if main == "walking":
            _walk(piece, program, bar, low)
            continue
        template = _template_for(piece, BASS, main, piece.style.bass)
        for symbol, start, length in template_events(template, piece.meter.signature):
            segment = piece.segment_at(bar, start)
            end = min(start + length, segment.end)
            pitch = _bass_pitch(piece, symbol, segment, bar, low)
            ghost = symbol == "g"
            velocity = piece.velocity(bar, start, -30 if ghost else 0)
            piece.add(program, pitch, bar, start, end, velocity, 0.4 if ghost else template.legato)


def _bass_pitch(piece: Piece, symbol: str, segment: Segment, bar: int, low: int) -> int:
    chord = segment.chord
    root = place(chord.root, low, low + 11)
    steps = {
        "5": 7,
        "8": 12,
        "3": chord.intervals[1],
        "6": 9,
        "7": chord.intervals[3] if len(chord.intervals) > 3 else 10,
        "F": 7 * (bar % 2),
    }
    if symbol == "T":
        return place(piece.key.tonic, low, low + 11)
    if symbol == "A":
        return fold(place(piece.next_chord(bar, segment).root, low, low + 11) + piece.dice.pick((-1, 1)), 28, 55)
    if symbol == "W":
        return fold(root + piece.dice.pick(chord.intervals[1:]), 28, 55)
    return fold(root + steps.get(symbol, 0), 28, 55)


def _walk(piece: Piece, program: int, bar: int, low: int) -> None:
    """A walking line: the root on the chord's first beat, chord and scale tones, then an approach note."""
    dice = piece.dice
    for segment in piece.harmony[bar]:
        beats = [(o, n) for o, n in piece.meter.beats if segment.start - 1e-9 <= o < segment.end - 1e-9]
        root = place(segment.chord.root, low, low + 11)
        pitch = root
        for index, (offset, length) in enumerate(beats):
            if index == 0:
                pitch = root + (12 if dice.chance(0.2) and root + 12 <= 55 else 0)
            elif index == len(beats) - 1:
                target = place(piece.next_chord(bar, segment).root, low, low + 11)
                pitch = target + dice.pick((-1, 1, -2, 2)) if dice.chance(0.7) else target + 7
            else:
                tones = [fold(root + i, 28, 55) for i in segment.chord.intervals] + [
                    p for p in range(pitch - 2, pitch + 3) if p % 12 in piece.scale
                ]
                pitch = dice.pick([t for t in tones if t != pitch] or tones)
            pitch = fold(pitch, 28, 55)
            piece.add(program, pitch, bar, offset, offset + length, piece.velocity(bar, offset), 0.85)


def voice_chord(chord: Chord, kind: str, previous: tuple[int, ...] | None, center: int) -> tuple[int, ...]:
    """Pitches for a chord in the comping register, moving as little as possible from the last voicing."""
    low, high = RANGES["comp"]
    if kind == "power":
        root = place(chord.root, 48, 59)
        return (root, root + 7, root + 12)
    intervals = chord.intervals
    if kind == "shell" and len(intervals) >= 4:
        intervals = (0, intervals[1], intervals[3])
    elif kind == "rootless":
        intervals = tuple(intervals[1:]) + ((14,) if len(intervals) < 5 else ())
    pcs = [(chord.root + i) % 12 for i in intervals]
    best: tuple[float, tuple[int, ...]] | None = None
    for inversion in range(len(pcs)):
        order = pcs[inversion:] + pcs[:inversion]
        for base in (center - 10, center - 4):
            pitches = [place(order[0], base, base + 11)]
            for pc in order[1:]:
                pitches.append(pitches[-1] + ((pc - pitches[-1]) % 12 or 12))
            if kind == "open" and len(pitches) >= 3:
                pitches[-2] -= 12
                pitches.sort()
            voicing = tuple(fold(p, low, high) for p in pitches)
            cost = _voicing_cost(voicing, previous, center)
            if best is None or cost < best[0]:
                best = (cost, voicing)
    assert best is not None
    return tuple(sorted(set(best[1])))


def _voicing_cost(voicing: tuple[int, ...], previous: tuple[int, ...] | None, center: int) -> float:
    spread = max(voicing) - min(voicing)
    cost = abs(sum(voicing) / len(voicing) - center) * (0.3 if previous else 1.0) + max(0, spread - 16)
    if previous:
        cost += sum(abs(a - b) for a, b in zip(sorted(voicing), sorted(previous), strict=False))
    return cost


def render_chords(piece: Piece, program: int, role: str) -> None:
    """Comping (``comp``) or broken chords (``arp``) from the templates, voice-led from chord to chord."""
    dice = piece.dice
    table = ARP if role == "arp" else COMP
    options = list(ARP) if role == "arp" else list(piece.style.comp)
    main = dice.pick(options)
    kind = "close" if role == "arp" else dice.pick(piece.style.voicings)
    center = dice.integer(58, 66)
    previous: tuple[int, ...] | None = None
    current: tuple[Segment, tuple[int, ...]] | None = None
    for bar in range(piece.bars):
        if piece.silent(role, bar):
            continue
        template = _template_for(piece, table, main, options)
        for symbol, start, length in template_events(template, piece.meter.signature):
            segment = piece.segment_at(bar, start)
            if current is None or current[0] is not segment:
                previous = voice_chord(segment.chord, kind, previous, center)
                current = (segment, previous)
            end = min(start + length, segment.end)
            soft = symbol in "cp"
            velocity = piece.velocity(bar, start, -22 if soft else -6)
            for pitch in _chord_notes(symbol, current[1], segment.chord):
                piece.add(program, pitch, bar, start, end, velocity, template.legato * (0.6 if soft else 1.0))


def _chord_notes(symbol: str, voicing: tuple[int, ...], chord: Chord) -> tuple[int, ...]:
    if symbol in "Cc":
        return voicing
    if symbol.isdigit():
        extended = voicing + tuple(p + 12 for p in voicing if p + 12 <= RANGES["arp"][1])
        return (extended[(int(symbol) - 1) % len(extended)],)
    half = (len(voicing) + 1) // 2
    if symbol == "H":
        return voicing[-half:]
    if symbol == "L":
        return voicing[:half]
    root = place(chord.root, 48, 59)
    return (root, root + (9 if symbol == "Q" else 7))  # P, p: power dyad; Q: the boogie sixth


def render_pad(piece: Piece, program: int) -> None:
    """Long chords, held across bars while the harmony stays put (up to four bars)."""
    dice = piece.dice
    center = dice.integer(58, 68)
    previous: tuple[int, ...] | None = None
    held: list[tuple[int, Segment]] = []
    for bar in range(piece.bars):
        for segment in piece.harmony[bar]:
            silent = piece.silent("pad", bar)
            if held and (silent or segment.chord != held[0][1].chord or len(held) >= 4):
                previous = _hold(piece, program, held, previous, center)
                held = []
            if not silent:
                held.append((bar, segment))
    if held:
        _hold(piece, program, held, previous, center)


def _hold(
    piece: Piece, program: int, held: list[tuple[int, Segment]], previous: tuple[int, ...] | None, center: int
) -> tuple[int, ...]:
    (bar, first), (last_bar, last) = held[0], held[-1]
    voicing = voice_chord(first.chord, "close", previous, center)
    end = (last_bar - bar) * piece.meter.bar + last.end
    velocity = piece.velocity(bar, 1.0, -18)
    for pitch in voicing:
        piece.add(program, pitch, bar, first.start, end, velocity)
    return voicing


def render_counter(piece: Piece, program: int) -> None:
    """A slow line of guide tones (thirds and sevenths), moving by the smallest step to each new chord."""
    dice = piece.dice
    low, high = RANGES["counter"]
    pitch = dice.integer(62, 70)
    for bar in range(piece.bars):
        if piece.silent("counter", bar):
            continue
        for segment in piece.harmony[bar]:
            chord = segment.chord
            guides = [(chord.root + i) % 12 for i in chord.intervals[1:2] + chord.intervals[3:4]]
            pitch = min((p for p in range(low, high + 1) if p % 12 in guides), key=lambda p: (abs(p - pitch), p))
            length = segment.end - segment.start
            if length >= 2 and dice.chance(0.4):
                half = segment.start + length / 2
                piece.add(program, pitch, bar, segment.start, half, piece.velocity(bar, segment.start, -10), 0.95)
                other = min(
                    (p for p in range(low, high + 1) if p % 12 in chord.pcs and p != pitch),
                    key=lambda p: abs(p - pitch),
                )
                piece.add(program, other, bar, half, segment.end, piece.velocity(bar, half, -12), 0.95)
            else:
                piece.add(
                    program, pitch, bar, segment.start, segment.end, piece.velocity(bar, segment.start, -10), 0.95
                )


# ............................................................................ melody


@dataclass(frozen=True)
class Motif:
    rhythm: tuple[tuple[float, float], ...]  # (start, length) within one bar
    steps: tuple[int, ...]  # scale steps: from the anchor for the first note, then from note to note


_STEPS = (-4, -3, -2, -1, 0, 1, 2, 3, 4, 5)
_STEP_WEIGHTS = (0.3, 0.6, 1.6, 3.0, 1.0, 3.0, 1.6, 0.6, 0.4, 0.2)
_PHRASE_SHAPES = ("AaAc", "ABAc", "AaBc", "ABac", "AAAc", "AaAa")


def _new_motif(piece: Piece, unit: float, density: float) -> Motif:
    dice, meter = piece.dice, piece.meter
    beat_starts = {o for o, _ in meter.beats}
    strong = {meter.beats[i][0] for i in meter.strong}
    grid = [i * unit for i in range(int(round(meter.bar / unit)))]
    onsets = []
    for t in grid:
        weight = 1.4 if t in strong else 1.1 if t in beat_starts else 0.75 if (t * 2) % 1 == 0 else 0.5
        if dice.chance(min(0.95, density * weight)) or (t == 0 and dice.chance(0.7)):
            onsets.append(t)
    onsets = onsets or [0.0]
    rhythm = []
    for i, t in enumerate(onsets):
        gap = (onsets[i + 1] if i + 1 < len(onsets) else meter.bar) - t
        length = gap if i + 1 < len(onsets) or dice.chance(0.5) else min(gap, max(unit, 1.0))
        rhythm.append((t, length))
    steps = [dice.integer(-3, 3)] + [dice.weighted(_STEPS, _STEP_WEIGHTS) for _ in rhythm[1:]]
    return Motif(tuple(rhythm), tuple(steps))


def _vary(motif: Motif, piece: Piece) -> Motif:
    """A recognisable relative: inverted, with a new tail, with a note dropped, or moved up or down."""
    dice = piece.dice
    kind = dice.pick(("invert", "tail", "drop", "shift", "shift"))
    steps, rhythm = list(motif.steps), list(motif.rhythm)
    if kind == "invert":
        steps = steps[:1] + [-s for s in steps[1:]]
    elif kind == "tail" and len(steps) > 1:
        steps[-1] = dice.weighted(_STEPS, _STEP_WEIGHTS)
    elif kind == "drop" and len(rhythm) > 2:
        index = dice.integer(1, len(rhythm) - 1)
        start, _ = rhythm[index - 1]
        rhythm[index - 1] = (start, rhythm[index][0] + rhythm[index][1] - start)
        del rhythm[index], steps[index]
    else:
        steps[0] += dice.pick((-2, -1, 1, 2))
    return Motif(tuple(rhythm), tuple(steps))


def _cadence(motif: Motif, meter: Meter) -> Motif:
    """The motif's first half, then a long note on a strong beat to close the phrase."""
    index = meter.strong[-1] if len(meter.strong) > 1 else len(meter.beats) // 2
    landing = meter.beats[index][0] if index > 0 else meter.bar / 2
    kept = [(s, min(n, landing - s)) for s, n in motif.rhythm if s < landing]
    steps = list(motif.steps[: len(kept)]) + [0]
    return Motif(tuple(kept) + ((landing, meter.bar - landing),), tuple(steps))


@lru_cache(maxsize=4096)
def _melody_pitches(
    chord: Chord, scale: tuple[int, ...], low: int, high: int
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(scale pitches, chord-tone pitches) available to a melody over this chord."""
    pcs = set(chord_scale(chord, scale))
    tones = set(chord.pcs)
    return (
        tuple(p for p in range(low, high + 1) if p % 12 in pcs),
        tuple(p for p in range(low, high + 1) if p % 12 in tones),
    )


def _nearest(pitches: tuple[int, ...], target: int) -> int:
    index = bisect_left(pitches, target)
    candidates = pitches[max(0, index - 1) : index + 1]
    return min(candidates, key=lambda p: (abs(p - target), p))


def _step(pitches: tuple[int, ...], pitch: int, steps: int) -> int:
    index = pitches.index(_nearest(pitches, pitch)) + steps
    if not 0 <= index < len(pitches):
        index -= 2 * steps
    return pitches[max(0, min(len(pitches) - 1, index))]


def render_melody(piece: Piece, program: int, role: str = "melody") -> None:
    """Phrases of four bars built from a motif, its variations and a cadence; strong beats take chord tones."""
    dice, style = piece.dice, piece.style
    unit = dice.pick(style.melody_units)
    density = dice.uniform(*style.density)
    anchor = dice.integer(67, 78)
    low, high = max(60, anchor - 10), min(88, anchor + 10)
    motifs: dict[str, Motif] = {}
    for index, label in enumerate(piece.phrases):
        main = motifs.setdefault(label, _new_motif(piece, unit, density))
        other = _new_motif(piece, unit, density)
        shape = dice.pick(_PHRASE_SHAPES)
        for k, letter in enumerate(shape):
            bar = index * 4 + k
            if bar >= piece.bars:
                break
            if piece.silent(role, bar):
                continue
            motif = main if letter == "A" else other if letter == "B" else _vary(main, piece)
            if letter == "c":
                motif = _cadence(main, piece.meter)
            if bar == piece.bars - 1:
                motif = _cadence(motif, piece.meter)
            _play_motif(piece, program, bar, motif, anchor, (low, high), final=letter == "c" or bar == piece.bars - 1)


def _play_motif(
    piece: Piece, program: int, bar: int, motif: Motif, anchor: int, span: tuple[int, int], final: bool
) -> None:
    strong = {piece.meter.beats[i][0] for i in piece.meter.strong}
    beat_starts = {o for o, _ in piece.meter.beats}
    pitch = anchor
    for n, ((start, length), steps) in enumerate(zip(motif.rhythm, motif.steps, strict=True)):
        segment = piece.segment_at(bar, start)
        scale, tones = _melody_pitches(segment.chord, piece.scale, *span)
        pitch = _step(scale, pitch, steps)
        last = n == len(motif.rhythm) - 1
        if final and last:
            roots = tuple(p for p in tones if p % 12 == segment.chord.root)
            pitch = _nearest(roots or tones, pitch)
        elif start in strong or (start in beat_starts and piece.dice.chance(0.5)):
            pitch = _nearest(tones, pitch)
        velocity = piece.velocity(bar, start, 6)
        piece.add(program, pitch, bar, start, start + length, velocity, 0.9)


# ............................................................................ drums


def render_drums(piece: Piece) -> None:
    dice, style, meter = piece.dice, piece.style, piece.meter
    fitting = [GROOVES[g] for g in style.grooves if GROOVES[g].signature == meter.signature]
    groove = dice.pick(fitting) if fitting else generic_groove(meter.signature, *style.kit)
    crash_next = dice.chance(0.5)
    for bar in range(piece.bars):
        if piece.silent("drums", bar):
            crash_next = True
            continue
        phrase_end = (bar + 1) % 4 == 0 or bar == piece.bars - 2
        fill = bar < piece.bars - 1 and phrase_end and dice.chance(0.7 if (bar + 1) % 8 == 0 else 0.35)
        fill_from = _fill_start(meter, dice) if fill else meter.bar
        _groove_bar(piece, groove, bar, fill_from)
        if fill:
            _fill(piece, groove, bar, fill_from)
        if crash_next:
            piece.add(DRUMS, CRASH, bar, 0.0, 1.0, piece.velocity(bar, 0.0, 20))
        crash_next = fill or (bar + 1 < piece.bars and (bar + 1) % 4 == 0 and dice.chance(0.3))


def _fill_start(meter: Meter, dice: Dice) -> float:
    beats = len(meter.beats)
    count = 1 if beats < 3 else dice.integer(1, min(2, beats - 1))
    return meter.beats[beats - count][0]


def _groove_bar(piece: Piece, groove: Groove, bar: int, until: float) -> None:
    dice = piece.dice
    bar_length = piece.meter.bar
    for drum, pattern in groove.parts:
        step = bar_length / len(pattern)
        for i, symbol in enumerate(pattern):
            t = i * step
            if symbol == "." or t >= until - 1e-9:
                continue
            if (symbol == "o" and dice.chance(0.3)) or (drum != KICK and symbol == "x" and dice.chance(0.04)):
                continue
            hit = drum
            if drum == CLOSED and i == len(pattern) - 2 and dice.chance(0.25):
                hit = OPEN
            velocity = max(
                1,
                min(
                    127,
                    int(DRUM_VELOCITY[symbol] * piece.energy[bar // 4] * (piece.loudness / 75) + dice.uniform(-7, 7)),
                ),
            )
            piece.add(DRUMS, hit, bar, t, t + min(step, 0.25), velocity)
            if drum == CLOSED and len(pattern) == 16 and dice.chance(0.06):  # a quick hat roll
                piece.add(DRUMS, CLOSED, bar, t + step / 2, t + step, max(1, velocity - 20))
    kicks = dict(groove.parts).get(KICK, "")
    if len(kicks) == 16 and dice.chance(0.25):  # an extra kick somewhere
        step = dice.integer(1, 15)
        t = step * bar_length / 16
        if kicks[step] == "." and t < until:
            piece.add(DRUMS, KICK, bar, t, t + 0.25, piece.velocity(bar, t, -10))


def _fill(piece: Piece, groove: Groove, bar: int, start: float) -> None:
    """Snare and toms to the bar line, on sixteenths (or triplets in swung grooves), getting louder."""
    dice = piece.dice
    step = 1 / 3 if groove.triplets else 0.25
    count = int(round((piece.meter.bar - start) / step))
    kind = dice.pick(("snare", "toms", "mixed"))
    tom = dice.integer(0, 2)
    for i in range(count):
        if i and dice.chance(0.2):
            continue
        if kind == "snare" or (kind == "mixed" and i < count // 2):
            drum = SNARE
        else:
            drum = TOMS[min(len(TOMS) - 1, tom + i * 4 // max(1, count))]
        t = start + i * step
        velocity = max(1, min(127, int(70 + 45 * i / max(1, count) + dice.uniform(-6, 6))))
        piece.add(DRUMS, drum, bar, t, t + step, velocity)
    piece.add(DRUMS, KICK, bar, start, start + step, piece.velocity(bar, start))


# --------------------------------------------------------------------------- assembly


@dataclass
class ComposedPiece:
    midi: pretty_midi.PrettyMIDI
    attributes: Attributes


def compose_piece(seed: int, style: str | None = None) -> ComposedPiece:
    """A new multi-track piece; the same seed (and style) always gives the same piece.

    ``style`` is one of :data:`STYLES` (each a genre name of :data:`attributes.GENRES`); ``None`` lets
    the seed choose.
    """
    piece, parts = plan_piece(seed, style)
    for role, program in parts:
        if role == "drums":
            render_drums(piece)
        elif role == "bass":
            render_bass(piece, program)
        elif role in ("comp", "arp"):
            render_chords(piece, program, role)
        elif role == "pad":
            render_pad(piece, program)
        elif role == "counter":
            render_counter(piece, program)
        else:
            render_melody(piece, program)
    _sound_the_downbeat(piece)
    midi = to_midi(piece)
    programs = tuple(sorted(program_of(i) for i in midi.instruments))
    attributes = Attributes(
        tempo=piece.tempo,
        key=piece.key,
        time_signature=piece.meter.signature,
        instruments=programs,
        genre=piece.genre,
        mood=piece.mood,
        bars=piece.bars,
        seconds=None,
    )
    return ComposedPiece(midi, attributes)


def _sound_the_downbeat(piece: Piece) -> None:
    """Make sure something starts at time 0, where a piece (and its token sequence) begins.

    An off-beat part entering alone (a reggae skank after a drumless intro) would leave the first
    position empty; the earliest pitched note is then anticipated on the downbeat.
    """
    firsts = [(min(part, key=lambda n: n[1]), program) for program, part in piece.notes.items() if part]
    if not firsts or min(note[1] for note, _ in firsts) < 1e-9:
        return
    pitched = [(note, program) for note, program in firsts if program != DRUMS] or firsts
    (pitch, start, _, velocity), program = min(pitched, key=lambda f: (f[0][1], f[1]))
    piece.notes[program].append((pitch, 0.0, min(start, 1.0), velocity))


def to_midi(piece: Piece) -> pretty_midi.PrettyMIDI:
    """Quarter notes → seconds, one instrument per program, and the last chord held to the final bar line."""
    seconds = 60.0 / piece.tempo
    total = piece.bars * piece.meter.bar * seconds
    _thin(piece.notes)
    midi = pretty_midi.PrettyMIDI(initial_tempo=piece.tempo)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(*piece.meter.signature, 0.0))
    midi.key_signature_changes.append(
        pretty_midi.KeySignature(piece.key.tonic + (12 if piece.key.mode == "minor" else 0), 0.0)
    )
    for program in sorted(piece.notes):
        drums = program == DRUMS
        instrument = pretty_midi.Instrument(program=0 if drums else program, is_drum=drums, name=program_name(program))
        for pitch, start, end, velocity in sorted(piece.notes[program], key=lambda n: (n[1], n[0])):
            begin, finish = start * seconds, min(end * seconds, total)
            if finish - begin > 1e-4:
                instrument.notes.append(pretty_midi.Note(velocity=velocity, pitch=pitch, start=begin, end=finish))
        if instrument.notes:
            midi.instruments.append(instrument)
    pitched = [n for i in midi.instruments if not i.is_drum for n in i.notes]
    if pitched:
        last = max(pitched, key=lambda n: (n.end, n.start))
        last.end = total
    return midi


def _thin(notes: dict[int, list[tuple[int, float, float, int]]]) -> None:
    """Where too many notes start together, drop inner voices of the thickest chord until few enough."""
    counts = Counter(round(n[1] * 8) for part in notes.values() for n in part)
    for bucket in sorted(b for b, c in counts.items() if c > MAX_NOTES_TOGETHER):
        for _ in range(counts[bucket] - MAX_NOTES_TOGETHER):
            together = {
                p: sorted(n for n in part if round(n[1] * 8) == bucket) for p, part in notes.items() if p != DRUMS
            }
            program = max(together, key=lambda p: (len(together[p]), p))
            if len(together[program]) < 2:
                break
            notes[program].remove(together[program][len(together[program]) // 2])


def _check_tables() -> None:
    """Fail at import, not mid-build, if a style names a genre, mood or metre the tokenizer lacks."""
    for name, style in STYLES_TABLE.items():
        unknown = ([name] if name not in GENRES else []) + [m for m in style.moods if m not in MOODS]
        unknown += [f"{n}/{d}" for n, d in style.meters if (n, d) not in TIME_SIGNATURES]
        if unknown:
            raise AssertionError(f"composer style {name!r} uses unknown labels {unknown}")


_check_tables()
