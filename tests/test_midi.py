import mido
import pretty_midi
import pytest

from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.midi_io import load_midi, save_midi, write_atomic


def test_daw_clean_type1_file(tiny_generator, tmp_path):
    midi = tiny_generator.generate("funk with clavinet, slap bass and drums at 100 bpm in 4/4", seed=3, bars=4)
    path = save_midi(midi, tmp_path / "song.mid")
    f = mido.MidiFile(str(path))
    assert f.type == 1
    meta = [m.type for m in f.tracks[0]]
    assert "set_tempo" in meta and "time_signature" in meta
    names, channels, programs = [], {}, {}
    for track in f.tracks[1:]:
        names += [m.name for m in track if m.type == "track_name"]
        notes = [m for m in track if m.type == "note_on"]
        if notes:
            channels[names[-1]] = {m.channel for m in notes}
        for message in track:
            if message.type == "program_change":
                programs[names[-1]] = message.program
    assert set(names) <= {"Clavinet", "Slap Bass 1", "Drums"} and names
    if "Drums" in channels:
        assert channels["Drums"] == {9}  # channel 10, counted from 1
    for name, used in channels.items():
        if name != "Drums":
            assert 9 not in used
    assert programs.get("Clavinet", 7) == 7 and programs.get("Slap Bass 1", 36) == 36


def test_failed_write_leaves_no_partial_file(tmp_path):
    def explode(tmp):
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomic(tmp_path / "out.mid", explode)
    assert list(tmp_path.iterdir()) == []


def test_written_files_get_the_usual_mode(tmp_path):
    import os

    previous = os.umask(0o022)
    try:
        path = write_atomic(tmp_path / "out.mid", lambda tmp: tmp.write_bytes(b"MThd"))
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == 0o644


def test_non_midi_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.mid"
    bad.write_text("this is not MIDI")
    with pytest.raises(MusicGenError, match="not a readable MIDI file"):
        load_midi(bad)


def test_a_midi_file_beyond_the_input_limits_is_refused_with_its_numbers(tmp_path):
    from musicgen_symbolic.midi_io import MAX_MIDI_TRACKS

    midi = pretty_midi.PrettyMIDI()
    for n in range(MAX_MIDI_TRACKS + 1):
        track = pretty_midi.Instrument(n % 128)
        track.notes.append(pretty_midi.Note(80, 60, 0.0, 0.5))
        midi.instruments.append(track)
    midi.write(str(tmp_path / "wide.mid"))
    with pytest.raises(MusicGenError, match=f"has 257 notes in 257 tracks: at most .* and {MAX_MIDI_TRACKS} tracks"):
        load_midi(tmp_path / "wide.mid")
    (tmp_path / "huge.mid").write_bytes(b"MThd" + bytes(17 * 2**20))
    with pytest.raises(MusicGenError, match="has 17 MiB: MIDI files of at most 16 MiB"):
        load_midi(tmp_path / "huge.mid")
