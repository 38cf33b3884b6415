"""The accompanying parts: bass, comping and arpeggios, pads, a counter-line of guide tones, and drums.

Each ``render_*`` writes one part into the plan's notes, bar by bar, from the style's templates and the
plan's chords. The melody has a module of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...vocabulary import DRUMS
from .dice import Dice
from .drums import CLOSED, CRASH, DRUM_VELOCITY, GROOVES, KICK, OPEN, SNARE, TOMS, Groove, generic_groove
from .harmony import Chord, fold, place
from .metre import Meter
from .plan import PiecePlan, Segment
from .rhythm import ARP, BASS, COMP, Template, template_events

# Register of each role (lowest, highest MIDI pitch).
RANGES = {"bass": (28, 55), "comp": (48, 76), "arp": (48, 76), "pad": (48, 76), "melody": (60, 88), "counter": (55, 79)}


def _template_for(piece: PiecePlan, table: dict[str, Template], main: str, options: Sequence[str]) -> Template:
    """The part's own pattern most of the time, now and then another of the style's."""
    return table[main] if piece.dice.chance(0.85) else table[piece.dice.pick(options)]


def render_bass(piece: PiecePlan, program: int) -> None:
    """The style's bass templates over the chords, or a walking line."""
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


def _bass_pitch(piece: PiecePlan, symbol: str, segment: Segment, bar: int, low: int) -> int:
    """The pitch a symbol of a bass template stands for.

    R (and g, a ghost note) is the root; 3 and 7 the chord's third and seventh; 5, 6 and 8 the fifth, sixth
    and octave; F the root and the fifth in alternate bars; T the tonic; W another chord tone; A a half step
    from the next chord's root.
    """
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


def _walk(piece: PiecePlan, program: int, bar: int, low: int) -> None:
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


def render_chords(piece: PiecePlan, program: int, role: str) -> None:
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


def render_pad(piece: PiecePlan, program: int) -> None:
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
    piece: PiecePlan, program: int, held: list[tuple[int, Segment]], previous: tuple[int, ...] | None, center: int
) -> tuple[int, ...]:
    (bar, first), (last_bar, last) = held[0], held[-1]
    voicing = voice_chord(first.chord, "close", previous, center)
    end = (last_bar - bar) * piece.meter.bar + last.end
    velocity = piece.velocity(bar, 1.0, -18)
    for pitch in voicing:
        piece.add(program, pitch, bar, first.start, end, velocity)
    return voicing


def render_counter(piece: PiecePlan, program: int) -> None:
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


# ............................................................................ drums


def render_drums(piece: PiecePlan) -> None:
    """A groove of the style in the piece's metre (or a generic one), fills at phrase ends, crashes after them."""
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
    """Where a fill starts: on the last beat, or (in a bar of three or more beats) perhaps the last two."""
    beats = len(meter.beats)
    count = 1 if beats < 3 else dice.integer(1, min(2, beats - 1))
    return meter.beats[beats - count][0]


def _groove_bar(piece: PiecePlan, groove: Groove, bar: int, until: float) -> None:
    """One bar of the groove up to ``until`` (where a fill takes over), with a few hits left out or added."""
    for drum, pattern in groove.parts:
        _play_pattern(piece, drum, pattern, bar, until)
    kicks = dict(groove.parts).get(KICK, "")
    if len(kicks) == 16 and piece.dice.chance(0.25):  # an extra kick somewhere
        step = piece.dice.integer(1, 15)
        t = step * piece.meter.bar / 16
        if kicks[step] == "." and t < until:
            piece.add(DRUMS, KICK, bar, t, t + 0.25, piece.velocity(bar, t, -10))


def _play_pattern(piece: PiecePlan, drum: int, pattern: str, bar: int, until: float) -> None:
    """One drum's pattern string: ghost notes (``o``) often dropped, now and then an open hat or a hat roll."""
    dice = piece.dice
    step = piece.meter.bar / len(pattern)
    for i, symbol in enumerate(pattern):
        t = i * step
        if symbol == "." or t >= until - 1e-9:
            continue
        if (symbol == "o" and dice.chance(0.3)) or (drum != KICK and symbol == "x" and dice.chance(0.04)):
            continue
        hit = drum
        if drum == CLOSED and i == len(pattern) - 2 and dice.chance(0.25):
            hit = OPEN
        velocity = _drum_velocity(piece, symbol, bar)
        piece.add(DRUMS, hit, bar, t, t + min(step, 0.25), velocity)
        if drum == CLOSED and len(pattern) == 16 and dice.chance(0.06):  # a quick hat roll
            piece.add(DRUMS, CLOSED, bar, t + step / 2, t + step, max(1, velocity - 20))


def _drum_velocity(piece: PiecePlan, symbol: str, bar: int) -> int:
    """The symbol's loudness (accent, normal, ghost), scaled by the phrase and the piece's mean loudness."""
    value = DRUM_VELOCITY[symbol] * piece.energy[bar // 4] * (piece.loudness / 75) + piece.dice.uniform(-7, 7)
    return max(1, min(127, int(value)))


def _fill(piece: PiecePlan, groove: Groove, bar: int, start: float) -> None:
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
