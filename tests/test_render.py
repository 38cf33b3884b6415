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
