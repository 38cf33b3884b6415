"""Continuing someone's MIDI file: its bars become the start of the token sequence, and the model plays on.

What the file gives (:func:`read_primer`):

- **its bars**, counted from time 0 at the file's metre(s). The continuation starts at the bar line after the last
  sound; a note that ends less than a sixteenth past a bar line (a human player's overhang) ends in the bar before.
- **tempo, metre, key and instruments**: the tempo and metre in force at that bar line, the file's last key
  signature (else the key its notes imply), every track's instrument. The prompt and the flags may change them.
- **its tokens**, made as training data's are (REMI from the file's ticks, one ``Tempo`` token, chord tokens where the
  tokenizer has them), so the model reads the file as it read music in training. Notes off the token grid
  (an eighth of a beat) are quantised in the model's view only: the file written keeps them as they were.

The continuation's form and chord plan count bars from the join (:class:`ShiftedForm`, :class:`ShiftedPlan`): eight
new bars are a phrase with its own chords, cadence and held end; a replayed bar copies a bar of the continuation.
:func:`join` writes the file's notes exactly as they were, then the new bars from the next bar line.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import pretty_midi
import symusic

from .constants import PITCH_RANGE, POSITIONS_PER_BEAT, TIME_SIGNATURES
from .errors import MusicGenError
from .grammar import Constraints, Grammar, first_misfit, with_one_tempo
from .midi_io import key_of_signature, key_signature, set_markers, set_resolution, set_tempo_from
from .musicality import bar_chords
from .theory import MAJOR_SCALE, NATURAL_MINOR, Chord, scale_of
from .tokenizer import KIND, MusicTokenizer
from .vocabulary import Key, program_name, program_of

OVERHANG_BEATS = 0.25  # a note ending this little past a bar line ends in the bar before it
DRUM_PITCH_RANGE = (27, 88)  # the drum notes the tokenizer writes (miditok's default, as ``build_remi`` keeps it)
END_TEXT = "end"  # the text event ``midi_io.score_to_midi`` puts at a generated file's end
MAX_RESOLUTION = 32767  # ticks a beat a MIDI file can say
UNSET_KEY_NUMBER = 0  # pretty_midi's C major: what a key signature nobody set says
KEY_BARS = 16  # the key the notes imply is heard over the file's last bars: where the continuation goes on


@dataclass
class Primer:
    """A file's bars before the join, as the model reads them and as the output keeps them."""

    midi: pretty_midi.PrettyMIDI  # the file, without anything from the join on
    bars: int  # bars before the join
    join_tick: int  # the bar line where the continuation starts, in the file's ticks
    tempo: float  # in force at the join
    time_signature: tuple[int, int]  # in force at the join
    key: Key | None  # the key signature where the notes agree, else the key the notes imply (``_key_of``)
    programs: tuple[int, ...]  # every instrument that plays before the join (``vocabulary.DRUMS`` for drums)
    tokens: list[int] = field(repr=False)  # Bar … for every bar before the join (no prefix, no BOS, no EOS)
    notes: int = 0
    quantised: int = 0  # notes that start off the token grid (the model hears them moved)
    out_of_range: tuple[str, ...] = ()  # notes the model cannot read (kept in the file), named with track and bar
    file_bars: int = 0  # bars the whole file has
    loop: tuple[Chord, ...] | None = None  # the chords it plays on with, half bar by half bar (:func:`heard_loop`)

    @property
    def join_time(self) -> float:
        return float(self.midi.tick_to_time(self.join_tick))


def read_primer(
    midi: pretty_midi.PrettyMIDI, tokenizer: MusicTokenizer, grammar: Grammar, from_bar: int | None = None
) -> Primer:
    """The bars of ``midi`` before the join: all of them, or those before bar ``from_bar`` (1-based: "another
    ending" from there). Raises a one-line :class:`MusicGenError` for what the tokens cannot hold."""
    lines, file_bars, bars = check_continuable(midi, from_bar)
    kept = _before(midi, lines[bars])
    tempi = kept.get_tempo_changes()[1]
    tempo = round(float(tempi[-1]), 2) if len(tempi) else 120.0  # 70, not the 69.99998 a MIDI tempo event holds
    metre = _metre_at(kept, lines[bars])
    tokens = _tokens(kept, bars, metre, tempo, tokenizer, grammar)
    programs = tuple(sorted({program_of(i) for i in kept.instruments if i.notes}))
    notes = sum(len(i.notes) for i in kept.instruments)
    since = kept.tick_to_time(lines[max(0, bars - KEY_BARS)])
    primer = Primer(
        kept, bars, lines[bars], tempo, metre, _key_of(kept, since), programs, tokens,
        notes=notes, quantised=_off_grid(kept), file_bars=file_bars, out_of_range=_out_of_range(kept, lines),
    )  # fmt: skip
    primer.loop = heard_loop(primer)
    return primer


def check_continuable(midi: pretty_midi.PrettyMIDI, from_bar: int | None = None) -> tuple[list[int], int, int]:
    """The file's bar lines (ticks), its bars, and the bars kept before the join; a one-line error for a file the
    tokens cannot hold or a ``from_bar`` outside it (cheap: callers check before loading a model)."""
    if not any(instrument.notes for instrument in midi.instruments):
        raise MusicGenError("the file has no notes to continue")
    lines = bar_lines(midi)
    file_bars = _bars_sounding(midi, lines)
    bars = file_bars
    if from_bar is not None:
        if from_bar < 2:
            raise MusicGenError(f"--from-bar {from_bar}: keep at least bar 1 (to start afresh, use generate)")
        if from_bar > file_bars:
            raise MusicGenError(
                f"--from-bar {from_bar}: the file has {file_bars} bars; to add bars after them, leave --from-bar out"
            )
        bars = from_bar - 1
    _check_representable(midi, lines, lines[bars])
    return lines, file_bars, bars


# ---------------------------------------------------------------------------- bars
def bar_lines(midi: pretty_midi.PrettyMIDI) -> list[int]:
    """The tick of every bar line from 0 to one bar past the last sound, at the metre in force (4/4 before any)."""
    changes = sorted(midi.time_signature_changes, key=lambda t: t.time)
    metres = [(int(midi.time_to_tick(t.time)), t.numerator, t.denominator) for t in changes]
    if not metres or metres[0][0] > 0:
        metres.insert(0, (0, 4, 4))
    end = midi.time_to_tick(_last_sound(midi))
    lines, tick, index = [0], 0, 0
    while tick <= end:
        while index + 1 < len(metres) and metres[index + 1][0] <= tick:
            index += 1
        _, numerator, denominator = metres[index]
        tick += round(numerator * midi.resolution * 4 / denominator)
        lines.append(tick)
    return lines


def _last_sound(midi: pretty_midi.PrettyMIDI) -> float:
    """The end of the last note, or a later text event (a generated file's ``end`` marker keeps its silent bars)."""
    ends = [note.end for instrument in midi.instruments for note in instrument.notes]
    return max(ends + [text.time for text in midi.text_events])


def _bars_sounding(midi: pretty_midi.PrettyMIDI, lines: list[int]) -> int:
    """Bars up to the last sound (an overhang of ``OVERHANG_BEATS`` past a bar line does not count), and at least up
    to the bar where the last note starts (a short last hit, such as a cymbal on the final downbeat, has its bar)."""
    end = midi.time_to_tick(_last_sound(midi)) - OVERHANG_BEATS * midi.resolution
    sounding = sum(1 for line in lines[:-1] if line < end)
    last_start = max(midi.time_to_tick(n.start) for instrument in midi.instruments for n in instrument.notes)
    return max(1, sounding, _bar_of(lines, last_start))


def _metre_at(midi: pretty_midi.PrettyMIDI, tick: int) -> tuple[int, int]:
    before = [t for t in midi.time_signature_changes if midi.time_to_tick(t.time) < max(tick, 1)]
    last = max(before, key=lambda t: t.time, default=None)
    return (last.numerator, last.denominator) if last else (4, 4)


def _before(midi: pretty_midi.PrettyMIDI, tick: int) -> pretty_midi.PrettyMIDI:
    """A copy of ``midi`` without anything from ``tick`` on (notes that start before it are kept whole)."""
    kept = _copy(midi)
    end = kept.tick_to_time(tick)
    for instrument in kept.instruments:
        instrument.notes = [n for n in instrument.notes if n.start < end]
        instrument.control_changes = [c for c in instrument.control_changes if c.time < end]
        instrument.pitch_bends = [b for b in instrument.pitch_bends if b.time < end]
    kept.instruments = [i for i in kept.instruments if i.notes]
    _name_tracks(kept)
    kept.time_signature_changes = [t for t in kept.time_signature_changes if t.time < end]
    kept.key_signature_changes = [k for k in kept.key_signature_changes if k.time < end]
    kept.lyrics = [lyric for lyric in kept.lyrics if lyric.time < end]
    kept.text_events = [t for t in kept.text_events if t.time < end and t.text != END_TEXT]
    kept.markers = [(time, text) for time, text in getattr(midi, "markers", []) if time < end]
    set_tempo_from(kept, tick, None)
    return kept


def _copy(midi: pretty_midi.PrettyMIDI) -> pretty_midi.PrettyMIDI:
    """A copy of ``midi`` whose notes, tracks and event lists can change without touching it (a twentieth of what
    ``copy.deepcopy`` costs on a long file: 0.04 s instead of 0.8 s for 43,000 notes). Control changes, pitch bends
    and meta events are shared: they are never changed in place here."""
    out = copy.copy(midi)
    out.instruments = []
    for instrument in midi.instruments:
        track = copy.copy(instrument)
        track.notes = [pretty_midi.Note(n.velocity, n.pitch, n.start, n.end) for n in instrument.notes]
        track.control_changes, track.pitch_bends = list(instrument.control_changes), list(instrument.pitch_bends)
        out.instruments.append(track)
    for name in ("time_signature_changes", "key_signature_changes", "lyrics", "text_events", "_tick_scales"):
        setattr(out, name, list(getattr(midi, name)))
    if hasattr(midi, "markers"):
        out.markers = list(midi.markers)
    return out


def _name_tracks(midi: pretty_midi.PrettyMIDI) -> None:
    """Tracks named alike are named after their instruments: a type 0 file's one track name is every channel's."""
    names = [i.name for i in midi.instruments]
    for instrument in midi.instruments:
        if not instrument.name.strip() or names.count(instrument.name) > 1:
            instrument.name = program_name(program_of(instrument))


# ---------------------------------------------------------------------------- what the tokens can hold
def _check_representable(midi: pretty_midi.PrettyMIDI, lines: list[int], join: int) -> None:
    """One clear error for a metre before the ``join`` tick that the tokens cannot hold: the bars would be wrong."""
    end = midi.tick_to_time(join)
    for change in sorted(midi.time_signature_changes, key=lambda t: t.time):
        if change.time >= end:
            break
        metre = (change.numerator, change.denominator)
        if metre not in TIME_SIGNATURES:
            bar = _bar_of(lines, midi.time_to_tick(change.time))
            known = ", ".join(f"{n}/{d}" for n, d in TIME_SIGNATURES)
            raise MusicGenError(f"bar {bar} is in {metre[0]}/{metre[1]}: the model knows {known}")


def _pitch_range(instrument: pretty_midi.Instrument) -> tuple[int, int]:
    """The notes the tokens hold for this instrument (inclusive)."""
    return DRUM_PITCH_RANGE if instrument.is_drum else (PITCH_RANGE[0], PITCH_RANGE[1] - 1)


def _out_of_range(midi: pretty_midi.PrettyMIDI, lines: list[int]) -> tuple[str, ...]:
    """Each note the tokens cannot hold (an E8 above the piano's C8, a drum sound beyond the kit's), named with its
    track and bar: the model reads the file without them, and the file written keeps them."""
    found = []
    for instrument in midi.instruments:
        low, high = _pitch_range(instrument)
        for note in instrument.notes:
            if not low <= note.pitch <= high:
                what = "a drum note" if instrument.is_drum else pretty_midi.note_number_to_name(note.pitch)
                bar = _bar_of(lines, midi.time_to_tick(note.start))
                found.append(f"{what} (MIDI {note.pitch}) in {_track_name(instrument)!r}, bar {bar}")
    return tuple(found)


def _bar_of(lines: list[int], tick: int) -> int:
    """The 1-based bar holding ``tick``."""
    return max(1, int(np.searchsorted(lines, tick, side="right")))


def _track_name(instrument: pretty_midi.Instrument) -> str:
    return instrument.name.strip() or program_name(program_of(instrument))


def _off_grid(midi: pretty_midi.PrettyMIDI) -> int:
    """Notes that start between the token grid's steps (``POSITIONS_PER_BEAT`` a beat). (Lengths are rounded to the
    nearest the tokens hold anyway, and drum hits have none.)"""
    step = midi.resolution / POSITIONS_PER_BEAT
    ticks = np.array([midi.time_to_tick(n.start) for i in midi.instruments for n in i.notes], dtype=float)
    return int(np.count_nonzero(np.abs(ticks / step - np.round(ticks / step)) > 1e-6))


def _key_of(midi: pretty_midi.PrettyMIDI, since: float = 0.0) -> Key | None:
    """The key the continuation goes on in: the file's last key signature where its notes agree (the same scale: the
    signature's key or its relative), else the key the notes since ``since`` imply. Many files carry a C major
    signature that nobody set (a sequencer's default) over music in another key, so C major itself is taken only
    from the notes."""
    from .evaluation import estimate_key

    heard = estimate_key(midi, start=since)
    if not midi.key_signature_changes:
        return heard
    signature = max(midi.key_signature_changes, key=lambda k: k.time)
    written = key_of_signature(signature)
    if heard is None or (signature.key_number != UNSET_KEY_NUMBER and _scale_of(written) == _scale_of(heard)):
        return written
    return heard


def _scale_of(key: Key) -> frozenset[int]:
    steps = MAJOR_SCALE if key.mode == "major" else NATURAL_MINOR
    return frozenset((key.tonic + step) % 12 for step in steps)


# ---------------------------------------------------------------------------- tokens
def _tokens(
    midi: pretty_midi.PrettyMIDI,
    bars: int,
    metre: tuple[int, int],
    tempo: float,
    tokenizer: MusicTokenizer,
    grammar: Grammar,
) -> list[int]:
    """The file's bars as the model reads them: REMI from its ticks, chord tokens where the tokenizer has them,
    one tempo token, and a ``Bar`` for each silent bar at the end (a note that rounds past the join is left out)."""
    ids = tokenizer.encode_score(_score_of(midi))
    if tokenizer.chords:
        ids = tokenizer.with_chords(ids, bar_chords(midi, per_half_bar=True))
    body = with_one_tempo(ids, grammar, tempo)
    if body is None:
        raise MusicGenError("the file has no notes the model can read before the bars it keeps")
    kind = tokenizer.tables.kind
    bar_starts = np.flatnonzero(kind[body] == KIND["Bar"])
    if len(bar_starts) > bars:  # a last note just before the join, rounded onto the grid's next step: the next bar
        body = body[: int(bar_starts[bars])]
    written = min(len(bar_starts), bars)
    silent = [tokenizer.vocab["Bar_None"], grammar.time_signature_id[metre]]
    if tokenizer.chords:
        silent += [tokenizer.chord_id(None)] * 2
    body += silent * (bars - written)
    misfit = first_misfit(body, grammar.start(Constraints(bars=bars)))
    if misfit is not None:
        bar = int(np.count_nonzero(kind[body[: misfit + 1]] == KIND["Bar"]))
        token = tokenizer.id_to_token[body[misfit]]
        raise MusicGenError(f"bar {bar} of the file reads as tokens the model cannot continue ({token})")
    return body


def _score_of(midi: pretty_midi.PrettyMIDI) -> symusic.Score:
    """The file in ticks, as symusic would read it (without writing and parsing it again: a sixth of the time a
    continuation takes)."""
    score = symusic.Score(midi.resolution)
    for change in midi.time_signature_changes:
        score.time_signatures.append(
            symusic.TimeSignature(midi.time_to_tick(change.time), change.numerator, change.denominator)
        )
    for time, bpm in zip(*midi.get_tempo_changes(), strict=True):
        score.tempos.append(symusic.Tempo(midi.time_to_tick(time), float(bpm)))
    for instrument in midi.instruments:
        track = symusic.Track(instrument.name, int(instrument.program), bool(instrument.is_drum))
        low, high = _pitch_range(instrument)
        for note in sorted(instrument.notes, key=lambda n: (n.start, n.pitch, n.end)):  # a file's event order
            if not low <= note.pitch <= high:
                continue  # out of the tokens' range (``_out_of_range``)
            start = midi.time_to_tick(note.start)
            track.notes.append(
                symusic.Note(start, max(1, midi.time_to_tick(note.end) - start), note.pitch, note.velocity)
            )
        score.tracks.append(track)
    return score


# ---------------------------------------------------------------------------- the file's chords
LOOP_PERIODS = (1, 2, 4, 8)  # bars: a file whose last bars repeat their chords at one of these is a loop of them
MIN_LOOP_EVIDENCE = 4  # bars: a loop is heard where at least this many (and two passes) repeat it
DIATONIC_SHARE = 0.75  # of the half bars: chords made of the key's notes (harmonic minor's leading tone too)
LONGEST_LOOP = 8  # bars: otherwise the continuation plays on over the chords of the file's last bars, at most this many


def heard_loop(primer: Primer) -> tuple[Chord, ...] | None:
    """The chords the continuation plays on, half bar by half bar, as the file's bars are heard (a chord a bar,
    ``musicality.bar_chords``): its loop, where its last bars repeat one (the shortest period of ``LOOP_PERIODS``
    that its last two passes, and at least ``MIN_LOOP_EVIDENCE`` bars, follow: a held last chord is no one-bar
    vamp), else its last ``LONGEST_LOOP`` bars. The first half bar after the join is the
    loop's first, so the harmony goes on where the file left it. A half bar with no chord heard keeps the chord
    before it; None where no chord is heard at all (drums alone), or where a quarter of them are outside the key."""
    bars = bar_chords(primer.midi)[: primer.bars]  # a bar's chord: half bars alone were heard too often wrong
    halves = [chord for chord in bars for _ in range(2)] + [None] * (2 * (primer.bars - len(bars)))
    known = [c for c in halves if c is not None]
    if not known:
        return None
    filled, last = [], known[0]
    for chord in halves:
        last = chord or last
        filled.append(last)
    if primer.key is None or sum(_diatonic(chord, primer.key) for chord in filled) < DIATONIC_SHARE * len(filled):
        return None  # chords heard outside the key (a power chord heard as major in a minor key): not a loop to keep
    for period in LOOP_PERIODS:
        span = 2 * max(2 * period, MIN_LOOP_EVIDENCE)  # half bars that must repeat at the period
        if 2 * primer.bars >= span and all(
            filled[-span + i] == filled[-span + i + 2 * period] for i in range(span - 2 * period)
        ):
            return tuple(filled[-2 * period :])  # its last pass: `period` bars, two chords each
    return tuple(filled[-2 * min(primer.bars, LONGEST_LOOP) :])


def _diatonic(chord: Chord, key: Key) -> bool:
    return set(chord.tones) <= set(scale_of(key))


# ---------------------------------------------------------------------------- counting bars from the join
@dataclass(frozen=True)
class ShiftedForm:
    """A form's rules (``form.FormPlan``) for the bars after a primer of ``offset`` bars: the primer's bars are
    the file's (nothing replayed, rested, filled or held there); bar ``offset`` is the form's first."""

    form: object  # a form.FormPlan: its bars count from the join
    offset: int

    def _inner(self, bar: int, total: int | None) -> tuple[int, int] | None:
        return None if total is None or bar < self.offset else (bar - self.offset, total - self.offset)

    def copy_of(self, bar: int, total_bars: int | None) -> int | None:
        inner = self._inner(bar, total_bars)
        source = None if inner is None else self.form.copy_of(*inner)
        return None if source is None else source + self.offset

    def variation_of(self, bar: int, total_bars: int | None) -> int | None:
        inner = self._inner(bar, total_bars)
        source = None if inner is None else self.form.variation_of(*inner)
        return None if source is None else source + self.offset

    def ends_held(self, bar: int, total_bars: int | None) -> bool:
        inner = self._inner(bar, total_bars)
        return inner is not None and self.form.ends_held(*inner)

    def fills(self, bar: int, total_bars: int | None) -> bool:
        inner = self._inner(bar, total_bars)
        return inner is not None and self.form.fills(*inner)

    def rests(self, bar: int, total_bars: int | None) -> frozenset[str]:
        inner = self._inner(bar, total_bars)
        return frozenset() if inner is None else self.form.rests(*inner)

    def starts_section(self, bar: int, total_bars: int | None) -> bool:
        inner = self._inner(bar, total_bars)
        return inner is not None and self.form.starts_section(*inner)


@dataclass(frozen=True)
class ShiftedPlan:
    """A chord plan (``planner.HarmonyPlan``) whose first half bar is the first after a primer of ``offset`` bars."""

    plan: object  # a planner.HarmonyPlan: its bars count from the join
    offset: int

    @property
    def key(self) -> Key:
        return self.plan.key

    @property
    def all_chords(self) -> list:
        return self.plan.all_chords

    def chord_at(self, half: int, total_bars: int | None):  # noqa: ANN201 (a theory.Chord)
        total = None if total_bars is None else total_bars - self.offset
        return self.plan.chord_at(max(0, half - 2 * self.offset), total)


# ---------------------------------------------------------------------------- the file written
def join(primer: Primer, new: pretty_midi.PrettyMIDI, key: Key | None) -> pretty_midi.PrettyMIDI:
    """The file's notes exactly as they were, then ``new`` (the continuation, from its time 0) from the join's bar
    line on: in the same track where the instrument was already playing, else a new one. A tempo, metre or key that
    changes at the join is written there; the markers of both are kept."""
    out = _copy(primer.midi)
    start = primer.join_time
    finest = math.lcm(out.resolution, POSITIONS_PER_BEAT)  # the file's ticks and the token grid's (220 a beat: 440)
    if finest != out.resolution and finest <= MAX_RESOLUTION:
        set_resolution(out, finest)
    tempo = float(new.get_tempo_changes()[1][0])
    set_tempo_from(out, primer.join_tick * out.resolution // primer.midi.resolution, tempo)
    metre = new.time_signature_changes[0] if new.time_signature_changes else None
    if metre is not None and (metre.numerator, metre.denominator) != primer.time_signature:
        out.time_signature_changes.append(pretty_midi.TimeSignature(metre.numerator, metre.denominator, start))
    if key is not None and key != primer.key:
        out.key_signature_changes.append(key_signature(key, start))
    tracks = {(i.program, i.is_drum): i for i in reversed(out.instruments)}
    for instrument in new.instruments:
        track = tracks.get((instrument.program, instrument.is_drum))
        if track is None:
            track = tracks[instrument.program, instrument.is_drum] = copy.deepcopy(instrument)
            track.notes = []
            out.instruments.append(track)
        track.notes += [pretty_midi.Note(n.velocity, n.pitch, n.start + start, n.end + start) for n in instrument.notes]
    out.text_events += [pretty_midi.Text(t.text, t.time + start) for t in new.text_events]
    shifted = [(time + start, text) for time, text in getattr(new, "markers", [])]
    set_markers(out, list(getattr(primer.midi, "markers", [])) + shifted)
    return out


def new_bars_for_seconds(seconds: float, tempo: float, metre: tuple[int, int]) -> int:
    """Whole bars lasting at least ``seconds`` at ``tempo`` in ``metre``."""
    bar = metre[0] * 4 / metre[1] * 60 / tempo
    return max(1, math.ceil(seconds / bar - 1e-6))
