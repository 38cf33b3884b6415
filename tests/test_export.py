"""Stems for a DAW and a MusicXML score: what a user opens in another program."""

from __future__ import annotations

import wave

import mido
import numpy as np
import pretty_midi
import pytest

from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.export import stem_names, write_musicxml, write_stems
from musicgen_symbolic.outputs import Outputs
from musicgen_symbolic.render import render_midi

D_MINOR = 14  # pretty_midi's key numbers: 0-11 major, 12-23 minor
E_MAJOR = 4
STEMS = ["01-electric-piano-1", "02-acoustic-bass", "03-drums"]
SCALE = [62, 64, 65, 67, 69, 70, 73, 74]  # D minor (harmonic: C#), all on the sixteenth grid below


def _song(numerator=4, denominator=4, key=D_MINOR, bars=4, tempo=100.0) -> pretty_midi.PrettyMIDI:
    """Piano (melody over held fifths), bass and drums, every note on a sixteenth-note grid."""
    midi = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(numerator, denominator, 0))
    if key is not None:
        midi.key_signature_changes.append(pretty_midi.KeySignature(key, 0))
    quarter = 60 / tempo
    beat = quarter * 4 / denominator
    bar = beat * numerator
    piano = pretty_midi.Instrument(4, name="Electric Piano 1")
    bass = pretty_midi.Instrument(32, name="Acoustic Bass")
    drums = pretty_midi.Instrument(0, is_drum=True, name="Drums")
    for b in range(bars):
        piano.notes += [pretty_midi.Note(60, pitch, b * bar, (b + 1) * bar) for pitch in (50, 57)]
        bass.notes.append(pretty_midi.Note(90, 38, b * bar, b * bar + beat))
    for i in range(bars * numerator):
        start = i * beat
        piano.notes.append(pretty_midi.Note(80, SCALE[i % len(SCALE)], start, start + beat))
        drums.notes.append(pretty_midi.Note(100, 36 if i % 2 == 0 else 38, start, start + 0.1))
        drums.notes.append(pretty_midi.Note(70, 42, start + beat / 2, start + beat / 2 + 0.05))
    midi.instruments += [piano, bass, drums]
    return midi


def _frames(path) -> np.ndarray:
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 44100)
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16).reshape(-1, 2).astype(np.int64)


def _names(folder) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


@pytest.fixture(scope="module")
def stems(tmp_path_factory):
    """A three-track song with its stems and mix (rendered once for the module's tests)."""
    folder = tmp_path_factory.mktemp("export")
    source = folder / "song.mid"
    _song().write(str(source))
    written = write_stems(source, folder / "stems", mix_wav=folder / "song.wav")
    return source, folder / "stems", folder / "song.wav", written


# --- stems -------------------------------------------------------------------------------------------------------


def test_one_midi_and_one_wav_per_track_named_in_track_order(stems):
    _, folder, mix, written = stems
    expected = [folder / f"{name}{suffix}" for name in STEMS for suffix in (".mid", ".wav")]
    assert written == [*expected, mix]
    assert _names(folder) == sorted(path.name for path in expected)  # no temporary file left


def test_stems_are_as_long_as_the_mix_and_sum_to_it(stems):
    source, folder, mix_path, _ = stems
    waves = [_frames(folder / f"{name}.wav") for name in STEMS]
    mix = _frames(mix_path)
    assert {len(w) for w in waves} == {len(mix)}
    error = np.abs(sum(waves) - mix)
    # Each int16 file rounds by at most half a step: 3 stems + the mix → 2 steps at most (measured: 1, RMS 0.6).
    assert error.max() <= 2 and np.sqrt(np.mean(error.astype(float) ** 2)) < 1.0
    assert 0.8 * 32767 < np.abs(mix).max() < 32767  # the mix is normalised as render_midi does it
    plain = _frames(render_midi(source, mix_path.with_name("plain.wav")))  # the CLI's WAV without --stems
    assert len(plain) == len(mix) and np.abs(plain - mix).max() <= 2


def test_every_stem_has_sound_of_its_own(stems):
    _, folder, _, _ = stems
    waves = [_frames(folder / f"{name}.wav") for name in STEMS]
    for name, frames in zip(STEMS, waves, strict=True):
        assert np.sqrt(np.mean(frames.astype(float) ** 2)) > 100, name
    assert not np.array_equal(waves[0], waves[1])


def test_stem_midis_hold_one_track_with_the_songs_tempo_metre_and_key(stems):
    source, folder, _, _ = stems
    song = pretty_midi.PrettyMIDI(str(source))
    for name, original in zip(STEMS, song.instruments, strict=True):
        path = folder / f"{name}.mid"
        assert mido.MidiFile(str(path)).ticks_per_beat == song.resolution
        stem = pretty_midi.PrettyMIDI(str(path))
        assert len(stem.instruments) == 1
        (track,) = stem.instruments
        assert (track.name, track.program, track.is_drum) == (original.name, original.program, original.is_drum)
        assert [n.pitch for n in track.notes] == [n.pitch for n in original.notes]
        times = [t for n in track.notes for t in (n.start, n.end)]
        assert times == pytest.approx([t for n in original.notes for t in (n.start, n.end)])  # lines up at time 0
        assert np.allclose(stem.get_tempo_changes(), song.get_tempo_changes())
        assert [(t.numerator, t.denominator, t.time) for t in stem.time_signature_changes] == [(4, 4, 0.0)]
        assert [k.key_number for k in stem.key_signature_changes] == [D_MINOR]


def test_stem_names_come_from_the_track_or_its_program():
    tracks = [
        pretty_midi.Instrument(0),
        pretty_midi.Instrument(0, name="  "),
        pretty_midi.Instrument(24, name="Flûte à bec (alto)"),
        pretty_midi.Instrument(0, is_drum=True),
    ]
    assert stem_names(tracks) == [
        "01-acoustic-grand-piano",
        "02-acoustic-grand-piano",
        "03-flute-a-bec-alto",
        "04-drums",
    ]
    assert stem_names([pretty_midi.Instrument(0)] * 100)[-1] == "100-acoustic-grand-piano"


def _short_song(path, with_empty_track=False):
    midi = pretty_midi.PrettyMIDI(initial_tempo=120)
    piano = pretty_midi.Instrument(0, name="Piano")
    piano.notes.append(pretty_midi.Note(90, 60, 0.0, 0.4))
    midi.instruments.append(piano)
    if with_empty_track:
        midi.instruments.append(pretty_midi.Instrument(33, name="Bass"))
    midi.write(str(path))
    return path


def test_a_track_without_notes_gets_no_stem(tmp_path):
    song = _short_song(tmp_path / "song.mid", with_empty_track=True)
    written = write_stems(song, tmp_path / "stems")
    assert [path.name for path in written] == ["01-piano.mid", "01-piano.wav"]
    empty = tmp_path / "empty.mid"
    pretty_midi.PrettyMIDI().write(str(empty))
    with pytest.raises(MusicGenError, match="has no notes: no stems to write"):
        write_stems(empty, tmp_path / "none")
    assert not (tmp_path / "none").exists()


def test_a_bad_stems_folder_is_a_clear_error_and_nothing_is_written(tmp_path):
    song = _short_song(tmp_path / "song.mid")
    (tmp_path / "taken").write_text("a file")
    with pytest.raises(MusicGenError, match=r"cannot write stems into .*taken: it is a file, not a folder"):
        write_stems(song, tmp_path / "taken")
    with pytest.raises(MusicGenError, match=r"cannot create the stems folder .*stems: .*missing does not exist"):
        write_stems(song, tmp_path / "missing" / "stems")
    assert _names(tmp_path) == ["song.mid", "taken"]


def test_a_failed_render_leaves_nothing_behind(tmp_path):
    song = _short_song(tmp_path / "song.mid")
    junk = tmp_path / "junk.sf2"
    junk.write_text("junk")
    with pytest.raises(MusicGenError, match="is not a SoundFont"):
        write_stems(song, tmp_path / "new", soundfont=junk, mix_wav=tmp_path / "song.wav")
    assert _names(tmp_path) == ["junk.sf2", "song.mid"]  # the folder it created is gone too
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "01-piano.wav").write_bytes(b"the previous stem")
    with pytest.raises(MusicGenError, match="is not a SoundFont"):
        write_stems(song, tmp_path / "old", soundfont=junk)
    assert _names(tmp_path / "old") == ["01-piano.wav"]
    assert (tmp_path / "old" / "01-piano.wav").read_bytes() == b"the previous stem"


def test_stems_can_be_staged_with_the_callers_other_outputs(tmp_path):
    song = _short_song(tmp_path / "song.mid")
    with Outputs() as outputs:
        written = write_stems(song, tmp_path / "stems", outputs=outputs)
        assert all(not path.exists() for path in written)  # committed with the caller's files, not before
    assert all(path.is_file() for path in written)


# --- MusicXML ----------------------------------------------------------------------------------------------------


def _parsed(path):
    import music21

    return music21, music21.converter.parse(str(path))


@pytest.mark.parametrize("metre", [(4, 4), (3, 4), (6, 8)])
def test_musicxml_has_named_parts_metre_key_and_a_percussion_staff(tmp_path, metre, capfd):
    song = _song(*metre)
    path = write_musicxml(song, tmp_path / "song.musicxml", title="Test Song")
    assert capfd.readouterr().err == ""  # music21 kept quiet
    music21, score = _parsed(path)
    assert score.metadata.bestTitle == "Test Song"
    piano, bass, drums = score.parts
    assert [p.partName for p in score.parts] == ["Electric Piano 1", "Acoustic Bass", "Drums"]
    for part in score.parts:
        (signature,) = {t.ratioString for t in part.recurse().getElementsByClass(music21.meter.TimeSignature)}
        assert signature == "{}/{}".format(*metre)
    for part in (piano, bass):
        (key,) = part.recurse().getElementsByClass(music21.key.KeySignature)
        assert key.sharps == -1 and getattr(key, "mode", "minor") == "minor"
    assert isinstance(drums.recurse().getElementsByClass(music21.clef.Clef).first(), music21.clef.PercussionClef)
    assert not drums.recurse().getElementsByClass(music21.key.KeySignature)
    sounding = sorted(p.midi for part in (piano, bass) for n in part.recurse().notes for p in n.pitches)
    assert sounding == sorted(n.pitch for track in song.instruments[:2] for n in track.notes)
    names = [p.name for n in piano.recurse().notes for p in n.pitches]
    assert "B-" in names and "C#" in names  # as D minor spells them


def test_musicxml_drums_sit_on_their_drum_set_lines(tmp_path):
    path = write_musicxml(_song(), tmp_path / "song.musicxml")
    music21, score = _parsed(path)
    hits = [
        (hit.displayName, hit.notehead)
        for element in score.parts[2].recurse().notes
        for hit in (element.notes if isinstance(element, music21.percussion.PercussionChord) else [element])
    ]
    assert all(isinstance(element, music21.note.Unpitched) for element in score.parts[2].recurse().notes)
    assert sorted(set(hits)) == [("C5", "normal"), ("F4", "normal"), ("G5", "x")]  # snare, kick, closed hi-hat
    assert len(hits) == 2 * 16


def test_musicxml_without_key_signature_or_title_writes_neither(tmp_path):
    song = _song(key=None)
    path = write_musicxml(song, tmp_path / "song.musicxml")
    text = path.read_text()
    assert "<key>" not in text and "Music21" not in text and "<movement-title>" not in text
    music21, score = _parsed(path)
    assert not score.recurse().getElementsByClass(music21.key.KeySignature)
    assert [p.partName for p in score.parts] == ["Electric Piano 1", "Acoustic Bass", "Drums"]


def test_musicxml_spells_pitches_as_the_key_does(tmp_path):
    midi = pretty_midi.PrettyMIDI(initial_tempo=120)
    midi.key_signature_changes.append(pretty_midi.KeySignature(E_MAJOR, 0))
    melody = pretty_midi.Instrument(73)  # unnamed: the part is named after its program
    melody.notes += [pretty_midi.Note(80, p, i * 0.5, i * 0.5 + 0.5) for i, p in enumerate([75, 80, 73, 71])]
    midi.instruments.append(melody)
    source = tmp_path / "flute.mid"
    midi.write(str(source))
    _, score = _parsed(write_musicxml(source, tmp_path / "flute.musicxml"))
    (part,) = score.parts
    assert part.partName == "Flute"
    assert [n.pitch.nameWithOctave for n in part.recurse().notes] == ["D#5", "G#5", "C#5", "B4"]  # not E-5


def test_musicxml_of_nothing_or_of_a_non_midi_file_is_a_clear_error(tmp_path):
    with pytest.raises(MusicGenError, match="no notes to write as a score"):
        write_musicxml(pretty_midi.PrettyMIDI(), tmp_path / "empty.musicxml")
    junk = tmp_path / "junk.mid"
    junk.write_text("not midi")
    with pytest.raises(MusicGenError, match="is not a readable MIDI file"):
        write_musicxml(junk, tmp_path / "junk.musicxml")
    assert _names(tmp_path) == ["junk.mid"]


# --- from the command line ---------------------------------------------------------------------------------------


def test_generate_writes_stems_and_a_score_with_the_mix(capsys, tmp_path, tiny_model_dir):
    from musicgen_symbolic.cli import main

    out, stems, score = tmp_path / "song.mid", tmp_path / "stems", tmp_path / "song.musicxml"
    argv = ["generate", "a jazz tune with piano, bass and drums", "-o", out, "--wav", "--stems", stems]
    code = main(
        [str(a) for a in [*argv, "--musicxml", score, "--bars", "2", "--seed", "3", "-q", "--model", tiny_model_dir]]
    )
    printed, err = capsys.readouterr()
    assert code == 0, err
    wav = tmp_path / "song.wav"  # a bare --wav: beside the MIDI file
    assert {str(out), str(wav), str(score)} <= set(printed.split())
    midi = pretty_midi.PrettyMIDI(str(out))
    assert len([name for name in _names(stems) if name.endswith(".mid")]) == len(midi.instruments)
    mix = _frames(wav)
    total = sum(_frames(path) for path in stems.glob("*.wav"))
    assert np.abs(total - mix).max() <= len(midi.instruments)  # a rounding step per stem at most
    import music21

    parsed = music21.converter.parse(str(score))
    assert len(parsed.parts) == len(midi.instruments)


def test_render_writes_stems_and_a_score(capsys, tmp_path):
    from musicgen_symbolic.cli import main

    source = tmp_path / "in.mid"
    _song().write(str(source))
    wav, stems, score = tmp_path / "out.wav", tmp_path / "parts", tmp_path / "out.musicxml"
    code = main(["render", str(source), "-o", str(wav), "--stems", str(stems), "--musicxml", str(score)])
    printed, err = capsys.readouterr()
    assert code == 0, err
    assert _names(stems) == sorted(f"{name}{suffix}" for name in STEMS for suffix in (".mid", ".wav"))
    assert wav.is_file() and score.is_file() and str(wav) in printed.split()


@pytest.mark.parametrize(
    "extra, fragment",
    [
        (["--stems", "{file}"], "is a file: give a folder"),
        (["--stems", "no/such/parent/stems"], "does not exist"),
        (["--musicxml", "score.pdf"], "should end in .musicxml or .xml"),
    ],
)
def test_export_flags_refuse_bad_paths_before_any_work(capsys, tmp_path, monkeypatch, extra, fragment):
    from musicgen_symbolic.cli import main

    monkeypatch.chdir(tmp_path)
    source = tmp_path / "in.mid"
    _song().write(str(source))
    code = main(["render", str(source), "-o", "out.wav", *[e.replace("{file}", str(source)) for e in extra]])
    _, err = capsys.readouterr()
    assert code == 2 and err.startswith("error: ") and fragment in err and err.count("\n") == 1, err
    assert not (tmp_path / "out.wav").exists()
