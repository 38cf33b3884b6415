"""The melody (and any second melody): four-bar phrases built from a motif, its variations and a cadence."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from .harmony import Chord, chord_scale
from .metre import Meter
from .plan import PiecePlan


@dataclass(frozen=True)
class Motif:
    rhythm: tuple[tuple[float, float], ...]  # (start, length) within one bar
    steps: tuple[int, ...]  # scale steps: from the anchor for the first note, then from note to note


_STEPS = (-4, -3, -2, -1, 0, 1, 2, 3, 4, 5)
_STEP_WEIGHTS = (0.3, 0.6, 1.6, 3.0, 1.0, 3.0, 1.6, 0.6, 0.4, 0.2)
_PHRASE_SHAPES = ("AaAc", "ABAc", "AaBc", "ABac", "AAAc", "AaAa")


def _new_motif(piece: PiecePlan, unit: float, density: float) -> Motif:
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


def _vary(motif: Motif, piece: PiecePlan) -> Motif:
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


def render_melody(piece: PiecePlan, program: int, role: str = "melody") -> None:
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
    piece: PiecePlan, program: int, bar: int, motif: Motif, anchor: int, span: tuple[int, int], final: bool
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
