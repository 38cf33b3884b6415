"""Decoded tokens → a MIDI file any DAW imports cleanly; atomic file writing.

The file is type 1: a first track with the tempo, time-signature and key-signature meta events,
then one track per instrument named after its General MIDI instrument, with its program change;
drums sit on channel 10. The tempo written is the exact one requested, not the nearest token bin.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from pathlib import Path

import pretty_midi
import symusic

from .errors import MusicGenError
from .outputs import publish, temporary_beside
from .vocabulary import DRUMS, Key, program_name, program_of


def score_to_midi(
    score: symusic.Score,
    tempo: float,
    time_signature: tuple[int, int] | None = None,
    key: Key | None = None,
    end: float | None = None,
) -> pretty_midi.PrettyMIDI:
    """Build a PrettyMIDI from a decoded score, timing every note at ``tempo`` quarter notes/min.

    With ``end`` (seconds), notes are cut at the end of the last bar so the file is exactly as long as asked.
    """
    seconds_per_tick = 60.0 / (tempo * score.ticks_per_quarter)
    midi = pretty_midi.PrettyMIDI(resolution=480, initial_tempo=tempo)
    if time_signature is None and len(score.time_signatures):
        first = score.time_signatures[0]
        time_signature = (first.numerator, first.denominator)
    if time_signature:
        midi.time_signature_changes.append(pretty_midi.TimeSignature(*time_signature, 0.0))
    if key is not None:
        midi.key_signature_changes.append(key_signature(key))
    by_program: dict[int, pretty_midi.Instrument] = {}
    for track in score.tracks:
        program = program_of(track)
        if program not in by_program:
            by_program[program] = pretty_midi.Instrument(
                program=max(program, 0), is_drum=program == DRUMS, name=program_name(program)
            )
        for note in track.notes:
            start = note.time * seconds_per_tick
            stop = (note.time + max(int(note.duration), 1)) * seconds_per_tick
            if end is not None:
                if start >= end:
                    continue
                stop = min(stop, end)
            by_program[program].notes.append(pretty_midi.Note(int(note.velocity), int(note.pitch), start, stop))
    if end is not None and end > 0:
        # A marker just before the end keeps trailing silent bars in the file, so DAWs see the full length.
        midi.text_events.append(pretty_midi.Text("end", max(0.0, end - 1e-3)))
    for program in sorted(by_program, key=lambda p: (p == DRUMS, p)):
        instrument = by_program[program]
        instrument.notes.sort(key=lambda n: (n.start, n.pitch))
        midi.instruments.append(instrument)
    return midi


def key_signature(key: Key, time: float = 0.0) -> pretty_midi.KeySignature:
    """``key`` as a MIDI key signature: pretty_midi numbers the major keys 0–11 and the minor ones 12–23."""
    return pretty_midi.KeySignature(key.tonic + (12 if key.mode == "minor" else 0), time)


def key_of_signature(signature: pretty_midi.KeySignature) -> Key:
    """The key a MIDI key signature names (the inverse of :func:`key_signature`)."""
    number = signature.key_number
    return Key(number % 12, "minor" if number >= 12 else "major")


def hold_last_notes(midi: pretty_midi.PrettyMIDI, start: float, end: float) -> None:
    """A held final chord: the pitched notes that start at or after ``start`` (the last bar) ring until ``end``, and
    those still sounding from before stop at ``start``, where the chord arrives (a note held over it would blur it,
    and one of the same pitch would cut the chord's note short in the file)."""
    for instrument in midi.instruments:
        if instrument.is_drum:
            continue
        for note in instrument.notes:
            if note.start >= start - 1e-6:
                note.end = max(note.end, end)
            elif note.end > start:
                note.end = start


TEMPO_TOLERANCE = 1e-5  # a MIDI tempo is whole microseconds a beat: 70 bpm is written as 69.99998


def set_tempo_from(midi: pretty_midi.PrettyMIDI, tick: int, bpm: float | None) -> None:
    """From ``tick`` on, play at ``bpm`` (None: as before ``tick``), dropping later tempo changes. Notes keep their
    times in seconds; those before ``tick`` keep their ticks too.

    pretty_midi has no public call for this: its tempo map is ``_tick_scales`` (tick, seconds per tick), which it
    writes as the file's tempo events, and the tick-to-time table built from it."""
    scales = [(t, scale) for t, scale in midi._tick_scales if t < tick] or midi._tick_scales[:1]
    if bpm is not None:
        scale = 60.0 / (bpm * midi.resolution)
        if not math.isclose(scales[-1][1], scale, rel_tol=TEMPO_TOLERANCE):
            scales.append((tick, scale))
    midi._tick_scales = scales
    midi._update_tick_to_time(max(tick, midi.time_to_tick(midi.get_end_time())) + 1)


def set_resolution(midi: pretty_midi.PrettyMIDI, resolution: int) -> None:
    """Write ``midi`` at ``resolution`` ticks a beat, a whole multiple of its own: every tick it had stays a tick
    (times multiplied), so its notes keep their places exactly, and finer ones become possible."""
    if resolution % midi.resolution:
        raise ValueError(f"resolution {resolution} is not a multiple of {midi.resolution}")
    factor = resolution // midi.resolution
    midi._tick_scales = [(tick * factor, scale / factor) for tick, scale in midi._tick_scales]
    midi.resolution = resolution
    midi._update_tick_to_time(midi.time_to_tick(midi.get_end_time()) * factor + 1)


def scale_velocities(midi: pretty_midi.PrettyMIDI, spans: list[tuple[float, float, float]]) -> None:
    """Multiply the velocity of each note starting in a (start, end, factor) span, in seconds (kept within 1–127)."""
    for start, end, factor in spans:
        for instrument in midi.instruments:
            for note in instrument.notes:
                if start - 1e-6 <= note.start < end - 1e-6:
                    note.velocity = max(1, min(127, round(note.velocity * factor)))


def midi_bytes(midi: pretty_midi.PrettyMIDI) -> bytes:
    """The file's bytes, with the markers set by :func:`set_markers` (pretty_midi itself writes none)."""
    buffer = io.BytesIO()
    midi.write(buffer)
    markers = getattr(midi, "markers", None)
    return _with_markers(buffer.getvalue(), markers, midi) if markers else buffer.getvalue()


def set_markers(midi: pretty_midi.PrettyMIDI, markers: list[tuple[float, str]]) -> None:
    """Marker events (time in seconds, text) for the first track, e.g. the chord symbols: DAWs show them above
    the arrangement. Written by :func:`midi_bytes` and :func:`save_midi`."""
    midi.markers = sorted(markers)


def markers_of(data: bytes) -> list[tuple[int, str]]:
    """(tick, text) of every marker event in a MIDI file's bytes."""
    import mido

    found = []
    for track in mido.MidiFile(file=io.BytesIO(data)).tracks:
        tick = 0
        for message in track:
            tick += message.time
            if message.type == "marker":
                found.append((tick, message.text))
    return found


def _with_markers(data: bytes, markers: list[tuple[float, str]], midi: pretty_midi.PrettyMIDI) -> bytes:
    import mido

    file = mido.MidiFile(file=io.BytesIO(data))
    first = file.tracks[0]
    absolute, tick = [], 0
    for message in first:
        tick += message.time
        absolute.append((tick, 0, message))
    for time, text in markers:
        absolute.append((midi.time_to_tick(time), 1, mido.MetaMessage("marker", text=text)))
    absolute.sort(key=lambda item: (item[0], item[2].type == "end_of_track", item[1]))
    first.clear()
    previous = 0
    for tick, _, message in absolute:
        first.append(message.copy(time=tick - previous))
        previous = tick
    out = io.BytesIO()
    file.save(file=out)
    return out.getvalue()


# What a MIDI file read as input may hold (load_midi): far beyond any song, short of what costs minutes or gigabytes.
MAX_MIDI_BYTES = 16 * 2**20
MAX_MIDI_NOTES = 500_000
MAX_MIDI_TRACKS = 256
MAX_MIDI_SECONDS = 3_600.0


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place (``outputs.py``: the
    temporary file names this process, so one left by a killed run is removed by the next)."""
    path = Path(path)
    if path.is_dir():
        raise MusicGenError(f"output path {path} is a folder: give a file name")
    temporary = temporary_beside(path)
    try:
        write(temporary)
        publish(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def save_midi(midi: pretty_midi.PrettyMIDI, path: str | Path) -> Path:
    data = midi_bytes(midi)
    return write_atomic(path, lambda tmp: tmp.write_bytes(data))


def load_midi(path: str | Path, markers: bool = False) -> pretty_midi.PrettyMIDI:
    """Open a MIDI file for rendering, analysis or training data, with a clear error for anything else, and for a
    file too large to handle (``MAX_MIDI_BYTES``; then ``MAX_MIDI_NOTES`` notes, ``MAX_MIDI_TRACKS`` tracks and
    ``MAX_MIDI_SECONDS``), before its cost grows with it. With ``markers``, its marker events too (pretty_midi skips
    them), as :func:`set_markers` sets them, so that a file written from it keeps them."""
    path = Path(path)
    if not path.is_file():
        raise MusicGenError(f"no such MIDI file: {path}")
    size = path.stat().st_size
    if size > MAX_MIDI_BYTES:
        raise MusicGenError(f"{path} has {size / 2**20:.0f} MiB: MIDI files of at most {MAX_MIDI_BYTES >> 20} MiB")
    try:
        midi = pretty_midi.PrettyMIDI(str(path))
    except Exception as error:  # mido/pretty_midi raise many types on malformed input
        raise MusicGenError(f"{path} is not a readable MIDI file ({type(error).__name__}: {error})") from error
    notes = sum(len(instrument.notes) for instrument in midi.instruments)
    if notes > MAX_MIDI_NOTES or len(midi.instruments) > MAX_MIDI_TRACKS:
        raise MusicGenError(
            f"{path} has {notes:,} notes in {len(midi.instruments)} tracks: "
            f"at most {MAX_MIDI_NOTES:,} notes and {MAX_MIDI_TRACKS} tracks"
        )
    seconds = midi.get_end_time()
    if seconds > MAX_MIDI_SECONDS:
        raise MusicGenError(f"{path} lasts {seconds / 60:,.0f} minutes: at most {MAX_MIDI_SECONDS / 60:.0f}")
    if markers:
        set_markers(midi, [(float(midi.tick_to_time(tick)), text) for tick, text in markers_of(path.read_bytes())])
    return midi
