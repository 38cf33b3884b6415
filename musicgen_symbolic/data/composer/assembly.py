"""Assembly: plan a piece, render its parts, and write the notes out as MIDI with the attributes they show."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pretty_midi

from ...midi_io import key_signature
from ...vocabulary import DRUMS, Attributes, program_name, program_of
from .melody import render_melody
from .parts import render_bass, render_chords, render_counter, render_drums, render_pad
from .plan import Note, PiecePlan, plan_piece
from .styles import Part

# The token grammar allows 16 notes to start at one position (an eighth of a beat); keep a margin.
MAX_NOTES_TOGETHER = 14


@dataclass
class ComposedPiece:
    midi: pretty_midi.PrettyMIDI
    attributes: Attributes


def compose_piece(seed: int, style: str | None = None) -> ComposedPiece:
    """A new multi-track piece; the same seed (and style) always gives the same piece.

    ``style`` is one of :data:`STYLES` (each a genre name of :data:`vocabulary.GENRE_LABELS`); ``None`` lets
    the seed choose.
    """
    piece, parts = plan_piece(seed, style)
    _render(piece, parts)
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


def _render(piece: PiecePlan, parts: list[Part]) -> None:
    """Write every part's notes, in the order of the parts (they draw from the same dice)."""
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


def _sound_the_downbeat(piece: PiecePlan) -> None:
    """Make sure something starts at time 0, where a piece (and its token sequence) begins.

    An off-beat part entering alone (a reggae skank after a drumless intro) would leave the first
    position empty; the earliest pitched note is then anticipated on the downbeat.
    """
    firsts = [(min(part, key=lambda n: n.start), program) for program, part in piece.notes.items() if part]
    if not firsts or min(note.start for note, _ in firsts) < 1e-9:
        return
    pitched = [(note, program) for note, program in firsts if program != DRUMS] or firsts
    (pitch, start, _, velocity), program = min(pitched, key=lambda f: (f[0].start, f[1]))
    piece.notes[program].append(Note(pitch, 0.0, min(start, 1.0), velocity))


def to_midi(piece: PiecePlan) -> pretty_midi.PrettyMIDI:
    """Quarter notes → seconds, one instrument per program, and the last chord held to the final bar line."""
    seconds = 60.0 / piece.tempo
    total = piece.bars * piece.meter.bar * seconds
    _thin(piece.notes)
    midi = pretty_midi.PrettyMIDI(initial_tempo=piece.tempo)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(*piece.meter.signature, 0.0))
    midi.key_signature_changes.append(key_signature(piece.key))
    for program in sorted(piece.notes):
        instrument = _instrument(program, piece.notes[program], seconds, total)
        if instrument.notes:
            midi.instruments.append(instrument)
    pitched = [n for i in midi.instruments if not i.is_drum for n in i.notes]
    if pitched:
        last = max(pitched, key=lambda n: (n.end, n.start))
        last.end = total
    return midi


def _instrument(program: int, notes: list[Note], seconds: float, total: float) -> pretty_midi.Instrument:
    """One program's notes in seconds, cut at the piece's end; notes left too short to hear are dropped."""
    drums = program == DRUMS
    instrument = pretty_midi.Instrument(program=0 if drums else program, is_drum=drums, name=program_name(program))
    for pitch, start, end, velocity in sorted(notes, key=lambda n: (n.start, n.pitch)):
        begin, finish = start * seconds, min(end * seconds, total)
        if finish - begin > 1e-4:
            instrument.notes.append(pretty_midi.Note(velocity=velocity, pitch=pitch, start=begin, end=finish))
    return instrument


def _thin(notes: dict[int, list[Note]]) -> None:
    """Where too many notes start together, drop inner voices of the thickest chord until few enough."""
    counts = Counter(round(n.start * 8) for part in notes.values() for n in part)
    for bucket in sorted(b for b, c in counts.items() if c > MAX_NOTES_TOGETHER):
        for _ in range(counts[bucket] - MAX_NOTES_TOGETHER):
            together = {
                p: sorted(n for n in part if round(n.start * 8) == bucket) for p, part in notes.items() if p != DRUMS
            }
            program = max(together, key=lambda p: (len(together[p]), p))
            if len(together[program]) < 2:
                break
            notes[program].remove(together[program][len(together[program]) // 2])
