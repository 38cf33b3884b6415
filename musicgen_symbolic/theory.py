"""Music theory: chords, their symbols and Roman numerals, and naming the chord that a bar's notes sound.

A room of its own, apart from the token grammar (which says only what may follow what) and the sampler (which
only draws): the prompt parser reads progressions through it, the planner writes them, the sampler's pulls and
the evaluation hear them.

Chord symbols (``parse_symbol``) follow lead-sheet usage: a root (``C``, ``F#``, ``Bb``), a quality (``m``,
``7``, ``maj7``, ``m7b5``, ``dim7``, ``sus4``, ``6``, ``9``, ``add9`` and their common spellings: ``-``, ``Δ``,
``ø``, ``°``, ``+``, ``M7``, ``min``), and an optional bass (``C/E``). Roman numerals (``parse_roman``) are
read in a key: upper case major, lower case minor, ``°`` / ``ø`` / ``+`` and the same suffixes; an accidental
(``bVI``) is measured from the major scale on the tonic, a plain numeral from the key's own scale (natural
minor in a minor key, where ``vii°`` is still the leading-tone chord), so "i bVI bIII bVII" and "i VI III VII"
name the same chords in A minor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np

from .vocabulary import PITCH_CLASSES, Key

# Quality → intervals above the root (root first). The names are the ones chord symbols print.
QUALITIES: dict[str, tuple[int, ...]] = {
    "": (0, 4, 7),
    "m": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10),
    "mMaj7": (0, 3, 7, 11),
    "m7b5": (0, 3, 6, 10),
    "dim7": (0, 3, 6, 9),
    "7sus4": (0, 5, 7, 10),
    "6": (0, 4, 7, 9),
    "m6": (0, 3, 7, 9),
    "9": (0, 4, 7, 10, 2),
    "maj9": (0, 4, 7, 11, 2),
    "m9": (0, 3, 7, 10, 2),
    "add9": (0, 4, 7, 2),
}
# The triad family of each quality: what "root + quality" accuracy compares (mir_eval's "majmin"-like level).
FAMILY = {
    **dict.fromkeys(("", "7", "maj7", "6", "9", "maj9", "add9"), "maj"),
    **dict.fromkeys(("m", "m7", "mMaj7", "m6", "m9"), "min"),
    **dict.fromkeys(("dim", "m7b5", "dim7"), "dim"),
    "aug": "aug",
    **dict.fromkeys(("sus2", "sus4", "7sus4"), "sus"),
}
SEVENTHS = frozenset(q for q, intervals in QUALITIES.items() if len(intervals) >= 4 and q not in ("add9", "6", "m6"))

# How lead sheets spell each quality, longest first when read (so "maj7" is not "m" + "aj7").
_SPELLINGS: dict[str, str] = {
    "": "",
    "maj": "",
    "M": "",
    "major": "",
    "m": "m",
    "min": "m",
    "-": "m",
    "minor": "m",
    "dim": "dim",
    "°": "dim",
    "o": "dim",
    "aug": "aug",
    "+": "aug",
    "sus2": "sus2",
    "sus4": "sus4",
    "sus": "sus4",
    "7": "7",
    "dom7": "7",
    "maj7": "maj7",
    "M7": "maj7",
    "Δ": "maj7",
    "Δ7": "maj7",
    "ma7": "maj7",
    "m7": "m7",
    "min7": "m7",
    "-7": "m7",
    "mMaj7": "mMaj7",
    "m(maj7)": "mMaj7",
    "mM7": "mMaj7",
    "m7b5": "m7b5",
    "m7(b5)": "m7b5",
    "ø": "m7b5",
    "ø7": "m7b5",
    "-7b5": "m7b5",
    "dim7": "dim7",
    "°7": "dim7",
    "o7": "dim7",
    "7sus4": "7sus4",
    "7sus": "7sus4",
    "6": "6",
    "m6": "m6",
    "min6": "m6",
    "9": "9",
    "maj9": "maj9",
    "M9": "maj9",
    "m9": "m9",
    "min9": "m9",
    "add9": "add9",
    "add2": "add9",
}
_SUFFIX = "|".join(re.escape(s) for s in sorted(_SPELLINGS, key=len, reverse=True) if s)
_NOTE = r"[A-G](?:#|b|♯|♭)?"
SYMBOL_RE = re.compile(rf"({_NOTE})({_SUFFIX})?(?:/({_NOTE}))?")
_NUMERALS = {"I": 0, "II": 1, "III": 2, "IV": 3, "V": 4, "VI": 5, "VII": 6}
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
NATURAL_MINOR = (0, 2, 3, 5, 7, 8, 10)
MINOR_SCALE = (*NATURAL_MINOR, 11)  # natural minor with harmonic minor's leading tone
# Roman-numeral suffixes: the symbol's, plus the figured-bass shorthand of harmony textbooks.
_ROMAN_SUFFIXES = {**_SPELLINGS, "h7": "m7b5", "ø7": "m7b5", "o7": "dim7", "°7": "dim7"}
_ROMAN_SUFFIX = "|".join(re.escape(s) for s in sorted(_ROMAN_SUFFIXES, key=len, reverse=True) if s)
ROMAN_RE = re.compile(rf"(b|#|♭|♯)?(VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)({_ROMAN_SUFFIX})?")
_ACCIDENTALS = {"#": 1, "♯": 1, "b": -1, "♭": -1, "": 0, None: 0}


@dataclass(frozen=True)
class Chord:
    """A chord: root pitch class, quality (a key of ``QUALITIES``), and a bass other than the root (slash chords)."""

    root: int
    quality: str = ""
    bass: int | None = None

    @property
    def tones(self) -> tuple[int, ...]:
        """Pitch classes, root first."""
        return tuple((self.root + i) % 12 for i in QUALITIES[self.quality])

    @property
    def family(self) -> str:
        return FAMILY[self.quality]

    @property
    def lowest(self) -> int:
        """The pitch class the bass plays: the slash bass, else the root."""
        return self.root if self.bass is None else self.bass

    @property
    def symbol(self) -> str:
        name = PITCH_CLASSES[self.root] + self.quality
        return name if self.bass is None else f"{name}/{PITCH_CLASSES[self.bass]}"

    def spelled(self, key: Key | None) -> str:
        """The symbol with the key's accidentals: sharps in G, D, A, E, B, F♯ major and their relative minors, flats
        elsewhere ("Gb" in D♭ major, "F#" in D major)."""
        if key is None:
            return self.symbol
        names = SHARP_NAMES if _uses_sharps(key) else FLAT_NAMES
        name = names[self.root] + self.quality
        return name if self.bass is None else f"{name}/{names[self.bass]}"

    def __str__(self) -> str:
        return self.symbol


SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")


def _uses_sharps(key: Key) -> bool:
    major_tonic = key.tonic if key.mode == "major" else (key.tonic + 3) % 12
    return major_tonic in (7, 2, 9, 4, 11, 6)  # G D A E B F#; C has neither


def pitch_class(name: str) -> int:
    """``"F#"``, ``"Bb"``, ``"E♭"`` → 0–11."""
    letter, accidental = name[0].upper(), name[1:]
    return ("C D EF G A B".index(letter) + _ACCIDENTALS[accidental]) % 12


@cache
def parse_symbol(text: str) -> Chord:
    """A lead-sheet chord symbol: ``"Am7"``, ``"F#m7b5"``, ``"C/E"``, ``"Gsus4"``, ``"Bb°7"``; ``ValueError`` if not."""
    match = SYMBOL_RE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a chord symbol (e.g. Am, F#m7b5, Cmaj7, C/E, Gsus4)")
    root, suffix, bass = match.groups()
    return Chord(pitch_class(root), _SPELLINGS[suffix or ""], pitch_class(bass) if bass else None)


@cache
def parse_roman(text: str, key: Key) -> Chord:
    """A Roman numeral in ``key``: ``"V7"``, ``"ii"``, ``"bVI"``, ``"vii°"``, ``"iiø7"``, ``"IVmaj7"``."""
    match = ROMAN_RE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a Roman numeral (e.g. I, ii7, V7, bVI, vii°)")
    accidental, numeral, suffix = match.groups()
    degree = _NUMERALS[numeral.upper()]
    minor_key = key.mode == "minor"
    if accidental:  # measured from the major scale on the tonic
        step = MAJOR_SCALE[degree] + _ACCIDENTALS[accidental]
    elif minor_key and numeral == "vii":  # the leading-tone chord of a minor key
        step = 11
    else:
        step = (NATURAL_MINOR if minor_key else MAJOR_SCALE)[degree]
    quality = _ROMAN_SUFFIXES[suffix or ""]
    if numeral.islower() and FAMILY[quality] == "maj":  # "ii7" is minor seventh, "vi" minor
        quality = {"": "m", "7": "m7", "maj7": "mMaj7", "6": "m6", "9": "m9"}.get(quality, quality)
    return Chord((key.tonic + step) % 12, quality)


def roman_of(chord: Chord, key: Key) -> str:
    """The chord as a Roman numeral in ``key`` (accidentals from the major scale): ``"bVII"``, ``"ii7"``."""
    step = (chord.root - key.tonic) % 12
    if step in MAJOR_SCALE:
        accidental, degree = "", MAJOR_SCALE.index(step)
    else:
        accidental, degree = "b", MAJOR_SCALE.index(step + 1)
    numeral = list(_NUMERALS)[degree]
    family = chord.family
    suffix = {"m": "", "m7": "7", "m6": "6", "m9": "9", "dim": "°", "m7b5": "ø7", "dim7": "°7", "aug": "+"}.get(
        chord.quality, chord.quality
    )
    return accidental + (numeral.lower() if family in ("min", "dim") else numeral) + suffix


# ---------------------------------------------------------------------------- hearing a chord

# The qualities a bar is labelled with: triads, sixths, the common sevenths and sus; rarer colours (9, add9) are
# heard as their triad or seventh, which is what a chord symbol of the bar would most likely say. Chords with the
# same notes (Csus2 and Gsus4, C6 and Am7, Am6 and F#m7b5) are told apart by the bass.
CHORD_LABELS = ("", "m", "dim", "aug", "sus2", "sus4", "6", "m6", "7", "maj7", "m7", "m7b5", "dim7")
# A quality the labeller never names → the label it hears such a chord as (its seventh or triad).
HEARD_AS = {"9": "7", "maj9": "maj7", "m9": "m7", "add9": "", "mMaj7": "m", "7sus4": "sus4"}
_TEMPLATES = np.array(
    [
        [1.0 if pc in Chord(root, quality).tones else 0.0 for pc in range(12)]
        for quality in CHORD_LABELS
        for root in range(12)
    ]
)
_SIMPLER = np.array([0.0 if len(QUALITIES[q]) == 3 else 0.06 for q in CHORD_LABELS for _ in range(12)])
_RARER = np.array(
    [
        0.04 if q in ("aug", "sus2", "sus4", "dim7", "dim") else 0.02 if q in ("6", "m6") else 0.0
        for q in CHORD_LABELS
        for _ in range(12)
    ]
)


def label_chord(weights: np.ndarray, bass: int | None = None) -> Chord | None:
    """The chord that pitch-class ``weights`` (12 values, e.g. seconds sounded, stressed notes counting more)
    sound, or ``None`` for fewer than two pitch classes.

    Template matching: a chord's score is the share of the weight on its tones, less a share for each of its
    tones that is not heard (an unheard third is no minor chord), less a small cost for four-note and rarer
    chords, plus a bonus when the lowest note is its root: so a held triad with a passing seventh stays a triad.
    """
    weights = np.asarray(weights, dtype=float)
    total = weights.sum()
    if total <= 0 or np.count_nonzero(weights > total * 0.05) < 2:
        return None
    share = weights / total
    covered = _TEMPLATES @ share
    heard = share > 0.04
    missing = (_TEMPLATES * ~heard).sum(1) / _TEMPLATES.sum(1)
    score = covered - 0.5 * missing - _SIMPLER - _RARER
    if bass is not None:
        score = score + 0.08 * (np.arange(len(score)) % 12 == bass)
    best = int(np.argmax(score))
    return Chord(best % 12, CHORD_LABELS[best // 12])


# ---------------------------------------------------------------------------- progressions


@dataclass(frozen=True)
class Step:
    """One chord of a progression and how many bars it lasts (0.5: half a bar). ``chord`` is a chord symbol
    ("Am7") or, in a progression written in Roman numerals, a numeral ("V7") read in the piece's key."""

    chord: str
    bars: float = 1.0


@dataclass(frozen=True)
class Progression:
    """Chords in order, repeated to fill the piece. ``roman``: the steps are Roman numerals (they need a key)."""

    steps: tuple[Step, ...]
    roman: bool = False
    name: str | None = None  # a named progression's name ("andalusian cadence"), for the understood line

    def chords(self, key: Key | None) -> list[tuple[Chord, float]]:
        """Each step as a chord with its bars; Roman numerals are read in ``key`` (required for them)."""
        if self.roman and key is None:
            raise ValueError("a progression in Roman numerals needs a key")
        read = (lambda text: parse_roman(text, key)) if self.roman else parse_symbol
        return [(read(step.chord), step.bars) for step in self.steps]

    @property
    def bars(self) -> float:
        return sum(step.bars for step in self.steps)

    def __str__(self) -> str:
        text = " ".join(step.chord if step.bars == 1 else f"{step.chord}:{step.bars:g}" for step in self.steps)
        return f"{self.name} ({text})" if self.name else text


def loop_halves(progression: Progression, key: Key | None) -> tuple[Chord, ...]:
    """One pass of the progression, chord by half bar (a chord shorter than half a bar counts in the half bar where
    it starts); a pass that ends mid-bar holds its last chord to the bar line, so every repeat starts on a bar."""
    halves: list[Chord] = []
    for chord, bars in progression.chords(key):
        halves.extend([chord] * max(1, round(bars * 2)))
    if not halves:
        raise ValueError("an empty progression")
    if len(halves) % 2:
        halves.append(halves[-1])
    return tuple(halves)


def chords_per_half_bar(progression: Progression, key: Key | None, bars: int) -> list[Chord]:
    """The chord sounding in each half bar of a ``bars``-bar piece (2 · bars entries): :func:`loop_halves` repeated."""
    loop = loop_halves(progression, key)
    return [loop[half % len(loop)] for half in range(2 * bars)]


def scale_of(key: Key) -> tuple[int, ...]:
    """The key's pitch classes (a minor key keeps its leading tone)."""
    steps = MAJOR_SCALE if key.mode == "major" else MINOR_SCALE
    return tuple(sorted((key.tonic + step) % 12 for step in steps))


def chord_scale(chord: Chord, key: Key) -> tuple[int, ...]:
    """The key's scale (natural minor in a minor key) bent to fit the chord: a chord tone outside it replaces the
    scale note it alters. A major third is a raised note and replaces the one below (G♯ over E7 in A minor replaces
    G, F♯ over D7 in C replaces F); any other tone is a lowered one and replaces the one above (B♭ over B♭ in C
    replaces B, A♭ over Fm replaces A). The tonic and the chord's own tones are never removed."""
    pcs = set(MAJOR_SCALE if key.mode == "major" else NATURAL_MINOR)
    pcs = {(key.tonic + step) % 12 for step in pcs}
    keep = {key.tonic, *chord.tones}
    for interval, tone in zip(QUALITIES[chord.quality], chord.tones, strict=True):
        if tone in pcs:
            continue
        altered = (tone - 1) % 12 if interval == 4 else (tone + 1) % 12
        if altered not in keep:
            pcs.discard(altered)
        pcs.add(tone)
    if chord.bass is not None:
        pcs.add(chord.bass)
    return tuple(sorted(pcs))


def key_of_progression(progression: Progression) -> Key:
    """The key a progression of chord symbols implies where none is given: its first chord's root, minor when
    that chord is minor or diminished ("Am F C G": A minor)."""
    first = progression.chords(None)[0][0]
    return Key(first.root, "minor" if first.family in ("min", "dim") else "major")
