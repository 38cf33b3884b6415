"""The plan of a piece: everything decided before the parts are rendered, and the notes as they are written.

A piece is planned top-down from its style: mode and mood, key, tempo, metre, length, scale, form,
chords, instrumentation. The order of the draws from the piece's dice is part of what a seed means:
changing it changes every piece.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

from ...constants import TIME_SIGNATURES
from ...errors import MusicGenError
from ...vocabulary import DRUMS, GENRE_LABELS, MOOD_LABELS, Key
from .dice import Dice
from .harmony import SCALES, Chord, parse_chord, parse_progression
from .metre import Meter, meter_of
from .styles import ENERGY, MAJOR_MOODS, MINOR_MOODS, SIBLINGS, STYLES, STYLES_TABLE, Part, Style


class Note(NamedTuple):
    """A note as the parts write it; times are in quarter notes from the start of the piece."""

    pitch: int
    start: float
    end: float
    velocity: int


@dataclass(frozen=True)
class Segment:
    """One chord inside one bar; times are quarter notes from the bar's start."""

    start: float
    end: float
    chord: Chord


@dataclass
class PiecePlan:
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
    notes: dict[int, list[Note]] = field(default_factory=dict)  # per program (or DRUMS)

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
        self.notes.setdefault(program, []).append(Note(pitch, begin, finish, velocity))

    def _swing(self, t: float) -> float:
        if self.swing is None:
            return t
        pair = self.style.swing_unit * 2
        whole, rest = divmod(t, pair)
        return whole * pair + self.swing * pair if abs(rest - self.style.swing_unit) < 1e-6 else t


def plan_piece(seed: int, style_name: str | None) -> tuple[PiecePlan, list[Part]]:
    """The plan of the piece this seed (and style, or the seed's choice of one) gives, and its parts."""
    dice = Dice(seed)
    genre = style_name if style_name is not None else dice.pick(STYLES)
    style = _style(genre)
    mode, mood = _choose_mode_and_mood(style, dice)
    key = Key(dice.integer(0, 11), mode)
    energy = ENERGY[mood]
    tempo = _choose_tempo(style, energy, dice)
    meter = _choose_meter(style, dice)
    bars = dice.pick(style.bars)
    scale = _choose_scale(style, key, dice)
    phrases = _form(bars, dice)
    progressions = _choose_progressions(style, key, dice)
    harmony = _harmony(progressions, phrases, key, meter, bars, dice)
    parts = _instrumentation(style, dice)
    levels = [0.9 if i == 0 and len(phrases) >= 3 else 1.05 if label != "A" else 1.0 for i, label in enumerate(phrases)]
    swing = dice.uniform(*style.swing) if style.swing and meter.simple else None
    muted = _mutes(parts, len(phrases), dice)
    loudness = 52 + 36 * (energy - 0.65) / 0.45 + dice.uniform(-6, 6)
    plan = PiecePlan(
        style=style,
        genre=genre,
        mood=mood,
        tempo=tempo,
        key=key,
        scale=scale,
        meter=meter,
        bars=bars,
        harmony=harmony,
        phrases=phrases,
        energy=levels,
        muted=muted,
        swing=swing,
        loudness=loudness,
        dice=dice,
    )
    return plan, parts


def _style(genre: str) -> Style:
    if genre not in STYLES_TABLE:
        raise MusicGenError(f"unknown style {genre!r}: choose one of {', '.join(STYLES)}")
    return STYLES_TABLE[genre]


def _choose_mode_and_mood(style: Style, dice: Dice) -> tuple[str, str]:
    mode = "minor" if dice.chance(style.minor) else "major"
    avoid = MAJOR_MOODS if mode == "minor" else MINOR_MOODS
    moods = [m for m in style.moods if m not in avoid] or list(style.moods)
    return mode, dice.pick(moods)


def _choose_tempo(style: Style, energy: float, dice: Dice) -> float:
    """Somewhere in the style's range, higher for energetic moods."""
    low, high = style.tempo
    return float(round(low + (high - low) * (0.6 * dice.random() + 0.4 * min(1.0, (energy - 0.65) / 0.45))))


def _choose_meter(style: Style, dice: Dice) -> Meter:
    signatures = list(style.meters)
    return meter_of(dice.weighted(signatures, [style.meters[s] for s in signatures]))


def _choose_scale(style: Style, key: Key, dice: Dice) -> tuple[int, ...]:
    """The pitch classes of one of the style's scales for the key's mode."""
    scale_name = dice.pick(style.minor_scales if key.mode == "minor" else style.major_scales)
    return tuple(sorted((key.tonic + i) % 12 for i in SCALES[scale_name]))


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
        if program in SIBLINGS and dice.chance(0.15):
            program = dice.pick(SIBLINGS[program])
        swapped.append((role, program))
    while len({p for _, p in swapped}) > 6:
        swapped.pop()
    return swapped


def check_styles() -> None:
    """Fail at import, not mid-build, if a style names a genre, mood or metre the tokenizer lacks."""
    for name, style in STYLES_TABLE.items():
        unknown = ([name] if name not in GENRE_LABELS else []) + [m for m in style.moods if m not in MOOD_LABELS]
        unknown += [f"{n}/{d}" for n, d in style.meters if (n, d) not in TIME_SIGNATURES]
        if unknown:
            raise AssertionError(f"composer style {name!r} uses unknown labels {unknown}")


check_styles()
