import wave

import numpy as np
import pretty_midi
import pytest

from musicgen_symbolic.constants import ENV_SOUNDFONT, RENDER_TAIL_SECONDS
from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.render import find_soundfont, render_midi, to_pcm16


def _read(path):
    with wave.open(str(path)) as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, w.getnchannels())
        return w.getframerate(), w.getsampwidth(), frames


def test_wav_has_sound_and_expected_duration(scale_midi, tmp_path):
    out = render_midi(scale_midi, tmp_path / "scale.wav")
    rate, width, frames = _read(out)
    assert (rate, width, frames.shape[1]) == (44100, 2, 2)
    expected = pretty_midi.PrettyMIDI(str(scale_midi)).get_end_time() + RENDER_TAIL_SECONDS
    assert abs(len(frames) / rate - expected) < 0.05
    peak = np.abs(frames.astype(np.int32)).max()
    assert 0.8 * 32767 < peak < 32767  # normalised to -1 dBFS, never clipped
    assert np.sqrt(np.mean(frames.astype(float) ** 2)) > 100


def test_normalisation_never_clips():
    loud = np.array([[3.0, -4.0], [0.5, 0.1]], dtype=np.float32)
    pcm = to_pcm16(loud)
    assert np.abs(pcm.astype(int)).max() == round(32767 * 10 ** (-1 / 20))


def test_soundfont_resolution_order(tmp_path, monkeypatch):
    font = tmp_path / "mine.sf2"
    font.write_bytes(b"RIFF\x00\x00\x00\x00sfbkLIST")
    assert find_soundfont(font) == font
    monkeypatch.setenv(ENV_SOUNDFONT, str(font))
    assert find_soundfont() == font
    monkeypatch.setenv(ENV_SOUNDFONT, str(tmp_path / "missing.sf2"))
    with pytest.raises(MusicGenError, match="does not exist"):
        find_soundfont()
    with pytest.raises(MusicGenError, match="SoundFont not found"):
        find_soundfont(tmp_path / "nope.sf2")


def test_a_file_that_is_not_a_soundfont_is_refused_before_fluidsynth_sees_it(tmp_path, scale_midi):
    junk = tmp_path / "junk.sf2"
    junk.write_text("junk")
    with pytest.raises(MusicGenError, match="is not a SoundFont"):
        render_midi(scale_midi, tmp_path / "x.wav", soundfont=junk)
    assert not (tmp_path / "x.wav").exists()


def test_a_corrupt_soundfont_gives_our_one_error_line_only(tmp_path, scale_midi):
    import subprocess
    import sys

    corrupt = tmp_path / "corrupt.sf2"  # a SoundFont's header over a garbage body: FluidSynth itself rejects it
    corrupt.write_bytes(b"RIFF" + (2100).to_bytes(4, "little") + b"sfbk" + bytes(range(256)) * 8)
    command = [sys.executable, "-m", "musicgen_symbolic", "render", str(scale_midi), "-o", str(tmp_path / "x.wav")]
    result = subprocess.run([*command, "--soundfont", str(corrupt)], capture_output=True, text=True)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: FluidSynth could not load the SoundFont {corrupt}")
    assert not (tmp_path / "x.wav").exists()


def test_a_midi_without_notes_renders_silence(tmp_path):
    empty = tmp_path / "empty.mid"
    pretty_midi.PrettyMIDI().write(str(empty))
    rate, _, frames = _read(render_midi(empty, tmp_path / "empty.wav"))
    assert len(frames) >= rate * RENDER_TAIL_SECONDS * 0.9 and not frames.any()


def test_no_soundfont_anywhere_is_a_clear_error(monkeypatch):
    import musicgen_symbolic.render as render

    monkeypatch.delenv(ENV_SOUNDFONT, raising=False)
    monkeypatch.setattr(render, "SYSTEM_SOUNDFONTS", ())
    monkeypatch.setattr(render, "PROJECT_SOUNDFONT_DIR", render.Path("/nonexistent"))
    with pytest.raises(MusicGenError, match="apt-get install fluid-soundfont-gm"):
        find_soundfont()


def _one_piano(path, notes, tempo=120.0):
    midi = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    piano = pretty_midi.Instrument(0)
    piano.notes += notes
    midi.instruments.append(piano)
    midi.write(str(path))
    return path


def test_a_ten_hour_note_is_refused_before_rendering(tmp_path, capsys):
    import mido

    from musicgen_symbolic.cli import main

    midi = mido.MidiFile(ticks_per_beat=96)  # a few dozen bytes: the slowest tempo MIDI has, one note
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=0xFFFFFF), mido.Message("note_on", note=60)])
    track.append(mido.Message("note_off", note=60, time=96 * 2146))  # 2,146 beats of 16.8 s: ten hours
    midi.tracks.append(track)
    path = tmp_path / "long.mid"
    midi.save(str(path))
    code = main(["render", str(path), "-o", str(tmp_path / "long.wav")])
    err = capsys.readouterr().err
    assert code == 2 and err.strip() == f"error: {path} lasts 600 minutes: at most 60", err
    from musicgen_symbolic.render import read_events

    with pytest.raises(MusicGenError, match="lasts 600 minutes: rendering takes at most 60"):
        read_events(path)  # the renderer's own check, for callers that skip load_midi
    assert not (tmp_path / "long.wav").exists()


def test_rendering_streams_in_bounded_memory(tmp_path):
    import tracemalloc

    notes = [pretty_midi.Note(80, 48 + i % 24, i * 0.5, i * 0.5 + 0.4) for i in range(360)]  # three minutes
    path = _one_piano(tmp_path / "three-minutes.mid", notes)
    tracemalloc.start()
    out = render_midi(path, tmp_path / "three-minutes.wav")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rate, _, frames = _read(out)
    assert abs(len(frames) / rate - (180 + RENDER_TAIL_SECONDS)) < 0.1
    whole = len(frames) * 2 * 4  # the float samples held at once, as before
    assert peak < whole / 8, f"{peak / 2**20:.1f} MiB traced for {whole / 2**20:.1f} MiB of float samples"


def test_fluidsynth_warnings_are_one_summary_line(tmp_path, capfd):
    notes = [pretty_midi.Note(100, 21 + i % 88, 0.0, 0.5) for i in range(20_000)]  # a 20,000-note chord
    out = render_midi(_one_piano(tmp_path / "chord.mid", notes), tmp_path / "chord.wav")
    err = capfd.readouterr().err
    assert out.is_file()
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) <= 1, lines[:3]
    assert not lines or (lines[0].startswith("warning: FluidSynth reported") and "problem(s)" in lines[0])
