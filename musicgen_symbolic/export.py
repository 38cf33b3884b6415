"""A song for other programs: stems for a DAW (one MIDI file and one WAV per track) and a MusicXML score for a
notation editor (MuseScore, Dorico, Sibelius, Finale).

Stems line up at time 0 and add up to the mix: one synthesizer plays every track, each to an output of its own
(:func:`render.render_tracks`), and every stem is scaled by the mix's gain, not its own peak, so that the stems
played together in a DAW sound like the full render, at its level. The score goes through music21's MIDI reader,
which quantises and splits overlapping notes into voices; names, drums, clefs and spelling are set right after.
"""

from __future__ import annotations

import contextlib
import copy
import io
import re
import unicodedata
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pretty_midi

from .constants import SAMPLE_RATE
from .errors import MusicGenError
from .midi_io import load_midi, midi_bytes, write_atomic
from .outputs import Outputs
from .render import (
    MAX_TRACKS_APART,
    _captured_stderr,
    _gain,
    _quiet_stderr,
    _scaled,
    open_wav,
    read_events,
    render_tracks,
    report_warnings,
)
from .vocabulary import program_name, program_of

MAX_SLUG = 40  # characters of a track's name in a stem's file name
# The score's grid: sixteenths. Not music21's default (4, 3): the generator writes on a 32nd-note grid and never
# triplets, and a triplet grid turned its notes a 32nd off the beat (and its 3/8-beat lengths) into triplets.
QUARTER_DIVISORS = (4,)


def write_stems(
    midi_path: str | Path,
    folder: str | Path,
    soundfont: str | Path | None = None,
    sample_rate: int = SAMPLE_RATE,
    mix_wav: str | Path | None = None,
    outputs: Outputs | None = None,
) -> list[Path]:
    """Write one MIDI file and one 16-bit stereo WAV per track of ``midi_path`` into ``folder``; returns the paths
    written, each stem's .mid then .wav in the file's track order, then ``mix_wav`` if given.

    Files are named after the track with its place in the file, so that a DAW lists them in order and two tracks
    of the same name never clash: ``01-electric-piano-1.mid``, ``01-electric-piano-1.wav``, ``02-acoustic-bass…``,
    ``03-drums…`` (an unnamed track is named after its General MIDI program). A track without notes gets no stem:
    a silent file is only clutter in a DAW. Each stem MIDI holds its track alone with the file's resolution, tempo
    map, time and key signatures and text events, so it starts where the song starts (and, with the generator's
    end marker, lasts as long); each WAV is as long as the mix, and the stems' samples add up to the mix's within
    a rounding step per file (a stem louder than the mix, where tracks cancel out, would be clipped). With
    ``mix_wav``, the mix is written too with the same gain: :func:`render.render_midi` of the same file gives
    the same mix (within a rounding step), but only this makes the stems and the mix one set in one pass.

    All or nothing: the files are staged and renamed into place together (``folder`` is created if missing, and
    removed again on failure). With ``outputs``, they are staged in the caller's :class:`outputs.Outputs` instead,
    to be committed with its other files (give ``mix_wav`` as the final path, not one already staged there).

    The audio is rendered twice (first for the mix's peak, then into the files) so that memory stays a chunk of
    samples per track whatever the length, and no temporary file grows with the song.
    """
    midi_path, folder = Path(midi_path), Path(folder)
    midi = load_midi(midi_path)
    tracks = [instrument for instrument in midi.instruments if instrument.notes]
    if not tracks:
        raise MusicGenError(f"{midi_path} has no notes: no stems to write")
    if len(tracks) > MAX_TRACKS_APART:
        raise MusicGenError(f"{midi_path} has {len(tracks)} tracks with notes: stems for at most {MAX_TRACKS_APART}")
    created = _stems_folder(folder)
    staging = outputs if outputs is not None else Outputs()
    try:
        written = _stage_stems(midi, tracks, folder, staging, soundfont, sample_rate, mix_wav)
        if outputs is None:
            staging.commit()
    except BaseException:
        if outputs is None:
            staging.discard()
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if empty: a caller's staged files stay until it discards them
        raise
    return written


def _stage_stems(
    midi: pretty_midi.PrettyMIDI,
    tracks: list[pretty_midi.Instrument],
    folder: Path,
    staging: Outputs,
    soundfont: str | Path | None,
    sample_rate: int,
    mix_wav: str | Path | None,
) -> list[Path]:
    written, events, wavs = [], [], []
    for instrument, name in zip(tracks, stem_names(tracks), strict=True):
        staged = staging.stage(folder / f"{name}.mid")
        staged.write_bytes(midi_bytes(_alone(midi, instrument)))
        events.append(read_events(staged))  # each stem's WAV is the rendering of its own MIDI file
        wavs.append(staging.stage(folder / f"{name}.wav"))
        written += [folder / f"{name}.mid", folder / f"{name}.wav"]
    mix = staging.stage(Path(mix_wav)) if mix_wav is not None else None
    _write_wavs(events, [instrument.is_drum for instrument in tracks], wavs, mix, soundfont, sample_rate)
    return written + ([Path(mix_wav)] if mix_wav is not None else [])


def stem_names(tracks: list[pretty_midi.Instrument]) -> list[str]:
    """File names (without suffix) of the tracks' stems: ``01-electric-piano-1``, ``02-acoustic-bass``, …"""
    width = max(2, len(str(len(tracks))))
    return [f"{place:0{width}d}-{_track_slug(track)}" for place, track in enumerate(tracks, start=1)]


def _track_slug(track: pretty_midi.Instrument) -> str:
    return _slug(track.name) or _slug(program_name(program_of(track)))


def _slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by hyphens: "Acoustic Guitar (nylon)" → "acoustic-guitar-nylon"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain)[:MAX_SLUG].strip("-")


def _stems_folder(folder: Path) -> bool:
    """Make sure ``folder`` is a folder; returns whether it was created."""
    if folder.is_dir():
        return False
    if folder.exists():
        raise MusicGenError(f"cannot write stems into {folder}: it is a file, not a folder")
    parent = folder.parent if str(folder.parent) else Path(".")
    if not parent.is_dir():
        raise MusicGenError(f"cannot create the stems folder {folder}: {parent} does not exist")
    try:
        folder.mkdir()
    except OSError as error:
        raise MusicGenError(f"cannot create the stems folder {folder}: {error.strerror or error}") from error
    return True


def _alone(midi: pretty_midi.PrettyMIDI, instrument: pretty_midi.Instrument) -> pretty_midi.PrettyMIDI:
    """The file with only ``instrument``: the rest (tempo map, signatures, text events) is shared, not copied."""
    alone = copy.copy(midi)
    alone.instruments = [instrument]
    return alone


def _write_wavs(
    events: list[list],
    drums: list[bool],
    wavs: list[Path],
    mix: Path | None,
    soundfont: str | Path | None,
    sample_rate: int,
) -> None:
    """Render the tracks apart twice: first for the mix's peak, then into the stems' WAVs (and the mix's)."""
    with _captured_stderr() as problems:
        peak = 0.0
        for chunk in render_tracks(events, drums, soundfont, sample_rate):
            peak = max(peak, float(np.max(np.abs(chunk.sum(axis=0)))) if chunk.size else 0.0)
    report_warnings(problems)
    gain = _gain(peak)
    with contextlib.ExitStack() as files, _quiet_stderr():  # the same warnings again: reported above
        stems = [files.enter_context(open_wav(path, sample_rate)) for path in wavs]
        whole = files.enter_context(open_wav(mix, sample_rate)) if mix is not None else None
        for chunk in render_tracks(events, drums, soundfont, sample_rate):
            for wav, samples in zip(stems, chunk, strict=True):
                wav.writeframes(_scaled(samples, gain).tobytes())
            if whole is not None:
                whole.writeframes(_scaled(chunk.sum(axis=0), gain).tobytes())


def write_musicxml(midi: pretty_midi.PrettyMIDI | str | Path, path: str | Path, title: str | None = None) -> Path:
    """Write ``midi`` (a PrettyMIDI or a MIDI file's path) as a MusicXML score at ``path`` (atomically).

    One part per track with notes, named after the track (or its General MIDI program), with its program; the
    file's time signatures, key signatures and tempo marks (once, above the top part), and ``title`` if given
    (none otherwise, not music21's "Music21 Fragment" by "Music21"). Notes are quantised to sixteenths
    (``QUARTER_DIVISORS``); notes starting together become chords, overlapping ones voices; each part gets the
    clef that fits its pitches. A file without a key signature gets none (accidentals carry the pitches: a
    guessed key would be wrong for modal or atonal music); in a key, the scale's pitches are spelled as the key
    spells them (D#, not E-, in E major). Drums go on a percussion staff as unpitched notes, each General MIDI
    drum on its usual line of a drum-set staff (kick in the bottom space, snare in the third, cymbals as crosses
    above), each hit lasting to the next or to the next quarter note. music21's warnings are kept off the
    terminal. About 1 s for 32 bars of three tracks (plus 0.7 s to import music21 the first time).
    """
    if not isinstance(midi, pretty_midi.PrettyMIDI):
        midi = load_midi(midi)
    data = musicxml_bytes(midi, title)
    return write_atomic(path, lambda tmp: tmp.write_bytes(data))


def musicxml_bytes(midi: pretty_midi.PrettyMIDI, title: str | None = None) -> bytes:
    """The MusicXML of :func:`write_musicxml`, as bytes."""
    music21 = _music21()
    tracks = [_named(instrument) for instrument in midi.instruments if instrument.notes]
    if not tracks:
        raise MusicGenError("no notes to write as a score")
    with _music21_quiet():
        score = music21.midi.translate.midiStringToStream(
            _score_midi(midi, tracks), quarterLengthDivisors=QUARTER_DIVISORS
        )
        parts = list(score.parts)
        if len(parts) != len(tracks):  # one part per track with notes: music21 has always done so
            raise MusicGenError(f"music21 read {len(parts)} parts from {len(tracks)} tracks: cannot name them")
        for part, track in zip(parts, tracks, strict=True):
            _one_instrument(part, track)
            if track.is_drum:
                _percussion(part)
            else:
                _best_clef(part)
                _spell_in_key(part)
        for mark in parts[0].recurse().getElementsByClass(music21.tempo.MetronomeMark):
            mark.placement = "above"  # MuseScore puts a direction without placement under the staff
        for part in parts[1:]:  # the tempo once, above the score
            _remove_all(part, music21.tempo.MetronomeMark)
        score.metadata = music21.metadata.Metadata()
        if title:
            score.metadata.title = title
        with _no_music21_defaults():
            return music21.musicxml.m21ToXml.GeneralObjectExporter(score).parse()


def _music21():  # noqa: ANN202
    try:
        import music21
        import music21.musicxml.m21ToXml
    except ImportError as error:
        raise MusicGenError("MusicXML needs music21: `pip install music21`") from error
    return music21


def _named(instrument: pretty_midi.Instrument) -> pretty_midi.Instrument:
    """``instrument``, named after its program if it has no name (the part's name in the score)."""
    if instrument.name.strip():
        return instrument
    named = copy.copy(instrument)
    named.name = program_name(program_of(instrument))
    return named


def _score_midi(midi: pretty_midi.PrettyMIDI, tracks: list[pretty_midi.Instrument]) -> bytes:
    """The MIDI music21 reads: the tracks with notes, one a track, and each drum track as a pitched track of the
    drum keys (music21 would read a drum key as the name of a drum, losing open from closed hi-hat)."""
    score = copy.copy(midi)
    score.instruments = [_as_pitched(midi, track) if track.is_drum else track for track in tracks]
    buffer = io.BytesIO()
    score.write(buffer)  # not midi_bytes: the chord markers would become text in the score
    return buffer.getvalue()


def _as_pitched(midi: pretty_midi.PrettyMIDI, drums: pretty_midi.Instrument) -> pretty_midi.Instrument:
    """The drum hits on the score's grid, once per drum and time (a flam would be two notes in two voices), each
    lasting to the next hit or quarter note, whichever comes first: never tied, never overlapping."""
    grid = max(1, midi.resolution // max(QUARTER_DIVISORS))
    hits = {}
    for note in drums.notes:
        start = int(round(midi.time_to_tick(note.start) / grid)) * grid
        hits.setdefault((start, note.pitch), note.velocity)
    starts = sorted({start for start, _ in hits})
    following = dict(zip(starts, [*starts[1:], None], strict=True))
    pitched = pretty_midi.Instrument(0, name=drums.name)
    for (start, key), velocity in sorted(hits.items()):
        end = (start // midi.resolution + 1) * midi.resolution
        if following[start] is not None:
            end = min(end, following[start])
        pitched.notes.append(pretty_midi.Note(velocity, key, midi.tick_to_time(start), midi.tick_to_time(end)))
    return pitched


# Where each General MIDI drum goes on a five-line percussion staff, as drum-set parts are usually written (and as
# MuseScore's default drum set places them): (display step, octave, notehead). Other keys: a triangle on the
# middle line.
DRUM_STAFF = {
    35: ("E", 4, "normal"),  # acoustic bass drum
    36: ("F", 4, "normal"),  # bass drum
    37: ("C", 5, "x"),  # side stick
    38: ("C", 5, "normal"),  # snare
    39: ("C", 5, "x"),  # hand clap
    40: ("C", 5, "normal"),  # electric snare
    41: ("G", 4, "normal"),  # low floor tom
    42: ("G", 5, "x"),  # closed hi-hat
    43: ("A", 4, "normal"),  # high floor tom
    44: ("D", 4, "x"),  # pedal hi-hat
    45: ("B", 4, "normal"),  # low tom
    46: ("G", 5, "circle-x"),  # open hi-hat
    47: ("D", 5, "normal"),  # low-mid tom
    48: ("E", 5, "normal"),  # hi-mid tom
    49: ("A", 5, "x"),  # crash 1
    50: ("F", 5, "normal"),  # high tom
    51: ("F", 5, "x"),  # ride 1
    52: ("C", 6, "x"),  # chinese cymbal
    53: ("F", 5, "diamond"),  # ride bell
    54: ("E", 5, "x"),  # tambourine
    55: ("B", 5, "x"),  # splash
    56: ("E", 5, "triangle"),  # cowbell
    57: ("A", 5, "x"),  # crash 2
    59: ("F", 5, "x"),  # ride 2
}
OTHER_DRUM = ("B", 4, "triangle")


def _one_instrument(part, track: pretty_midi.Instrument) -> None:  # noqa: ANN001
    """One instrument per part, named after the track, with its program. music21 reads two from a track, one from
    its name and one from its program change (ElectricPiano for "Electric Piano 1", with program 2 instead of 4),
    and writes an instrument id on every note of a part that has several, which MuseScore shows as an
    "Instrument change" above each note."""
    import music21

    found = list(part.recurse().getElementsByClass(music21.instrument.Instrument))
    if track.is_drum:
        instrument = music21.instrument.UnpitchedPercussion()
        instrument.midiChannel = 9
    else:
        instrument = music21.instrument.instrumentFromMidiProgram(track.program)
    instrument.partName = instrument.instrumentName = part.partName = track.name
    found[0].activeSite.replace(found[0], instrument)
    for extra in found[1:]:
        extra.activeSite.remove(extra)


def _best_clef(part) -> None:  # noqa: ANN001
    """The clef that fits the whole part's pitches (music21 reads a bass clef for a piano's high chords)."""
    import music21

    clefs = list(part.recurse().getElementsByClass(music21.clef.Clef))
    if clefs:
        clefs[0].activeSite.replace(clefs[0], music21.clef.bestClef(part, recurse=True))


def _percussion(part) -> None:  # noqa: ANN001
    """Make a part read from a drum track (as pitched drum keys) a percussion staff of unpitched notes."""
    import music21

    for clef in list(part.recurse().getElementsByClass(music21.clef.Clef)):
        clef.activeSite.replace(clef, music21.clef.PercussionClef())
    _remove_all(part, music21.key.KeySignature)
    for sounding in list(part.recurse().notes):
        hits = [_unpitched(pitch.midi) for pitch in sounding.pitches]
        written = hits[0] if len(hits) == 1 else music21.percussion.PercussionChord(hits)
        written.duration = sounding.duration
        written.tie = sounding.tie
        sounding.activeSite.replace(sounding, written)


def _unpitched(key: int):  # noqa: ANN202
    import music21

    step, octave, head = DRUM_STAFF.get(key, OTHER_DRUM)
    hit = music21.note.Unpitched(displayName=f"{step}{octave}")
    hit.notehead = head
    return hit


def _spell_in_key(part) -> None:  # noqa: ANN001
    """Spell the pitches of each key's scale as the key does (music21 reads MIDI as C#, E-, F#, G#, B- whatever
    the key: D# and A- in E major); the others keep music21's spelling."""
    import music21

    signatures = sorted(
        (signature.getOffsetInHierarchy(part), index, signature)
        for index, signature in enumerate(part.recurse().getElementsByClass(music21.key.KeySignature))
    )
    if not signatures:
        return
    for sounding in part.recurse().notes:
        offset = sounding.getOffsetInHierarchy(part)
        active = [signature for start, _, signature in signatures if start <= offset]
        names = _scale_names(active[-1] if active else signatures[0][2])
        for pitch in sounding.pitches:
            name = names[pitch.pitchClass] if pitch.pitchClass in names else None
            if name and name != pitch.name:
                _respell(pitch, name)


def _scale_names(signature) -> dict[int, str]:  # noqa: ANN001
    """Pitch class → name of the seven notes a key signature spells: {10: "B-", …} for one flat."""
    import music21

    altered = {pitch.step: pitch for pitch in signature.alteredPitches}
    names = {}
    for step in "CDEFGAB":
        pitch = altered.get(step) or music21.pitch.Pitch(step)
        names[pitch.pitchClass] = pitch.name
    return names


def _respell(pitch, name: str) -> None:  # noqa: ANN001
    """Spell ``pitch`` as ``name`` ("D#"), keeping its sound (E-4 → D#4; C4 → B#3)."""
    import music21

    spelled = music21.pitch.Pitch(name)
    spelled.octave = 4
    spelled.octave += round((pitch.ps - spelled.ps) / 12)
    pitch.step, pitch.accidental, pitch.octave = spelled.step, spelled.accidental, spelled.octave


def _remove_all(part, kind: type) -> None:  # noqa: ANN001
    for element in list(part.recurse().getElementsByClass(kind)):
        element.activeSite.remove(element)


@contextlib.contextmanager
def _music21_quiet() -> Iterator[None]:
    """music21 warns through Python's warnings and prints to stderr; neither is the user's business here."""
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


@contextlib.contextmanager
def _no_music21_defaults() -> Iterator[None]:
    """Without these, music21 writes "Music21 Fragment" as the title and "Music21" as the composer."""
    from music21 import defaults

    saved = defaults.title, defaults.author
    defaults.title = defaults.author = ""
    try:
        yield
    finally:
        defaults.title, defaults.author = saved
