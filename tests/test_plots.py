"""Piano rolls and spectrogram pictures: files written, numbers right, clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pretty_midi
import pytest

from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.plots import plot_audio, plot_file, plot_midi, read_wav, spectrogram_arrays
from musicgen_symbolic.render import to_pcm16, write_wav

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RATE = 44_100


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) in pixels, read by matplotlib."""
    from matplotlib.image import imread

    assert path.read_bytes()[:8] == PNG_SIGNATURE
    image = imread(str(path))
    return image.shape[1], image.shape[0]


def sine(frequency: float = 1000.0, seconds: float = 1.0, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    mono = 0.5 * np.sin(2 * np.pi * frequency * t)
    return np.repeat(mono[:, None], channels, axis=1).astype(np.float32)


@pytest.fixture
def sine_wav(tmp_path) -> Path:
    return write_wav(tmp_path / "sine.wav", to_pcm16(sine(channels=2)), RATE)


def test_plot_midi_piano_and_drums(scale_midi, tmp_path):
    out = plot_midi(scale_midi, tmp_path / "roll.png", title="scale")
    assert out == tmp_path / "roll.png"
    width, height = png_size(out)
    assert width >= 800 and height >= 500
    assert not list(tmp_path.glob(".*.part"))


def test_plot_midi_accepts_a_pretty_midi_and_only_drums(tmp_path):
    midi = pretty_midi.PrettyMIDI(initial_tempo=100)
    drums = pretty_midi.Instrument(0, is_drum=True, name="Drums")
    drums.notes += [pretty_midi.Note(100, 36 + (i % 3) * 2, i * 0.3, i * 0.3 + 0.1) for i in range(10)]
    midi.instruments.append(drums)
    assert png_size(plot_midi(midi, tmp_path / "drums.png"))[0] > 0
    empty = pretty_midi.PrettyMIDI()
    assert png_size(plot_midi(empty, tmp_path / "empty.png"))[0] > 0  # "no notes", not a crash


def test_plot_audio_writes_png(sine_wav, tmp_path):
    out = plot_audio(sine_wav, tmp_path / "audio.png", n_fft=1024, hop=256, n_mels=64, title="sine")
    width, height = png_size(out)
    assert width >= 800 and height >= 600


def test_plot_file_dispatches_on_suffix(scale_midi, sine_wav, tmp_path):
    assert png_size(plot_file(scale_midi, tmp_path / "a.png", title="scale"))[0] > 0
    with pytest.raises(MusicGenError, match="n_fft: spectrogram options, for a .wav input only"):
        plot_file(scale_midi, tmp_path / "c.png", n_fft=512)
    with pytest.raises(MusicGenError, match="unknown plot option titel"):
        plot_file(sine_wav, tmp_path / "c.png", titel="x")
    assert not (tmp_path / "c.png").exists()
    assert png_size(plot_file(sine_wav, tmp_path / "b.PNG", hop=1024))[0] > 0


def test_sine_spectrogram_peaks_at_1_khz():
    data = spectrogram_arrays(sine(channels=2), RATE)  # stereo: mixed to mono
    bins = RATE / 2048
    assert data.stft_db.shape == (1025, len(data.times)) and data.frequencies.shape == (1025,)
    assert data.mel_db.shape == (128, len(data.times)) and data.mel_frequencies.shape == (128,)
    assert data.times[1] - data.times[0] == pytest.approx(512 / RATE)
    assert data.frequencies[1] == pytest.approx(bins)
    assert data.stft_db.max() == pytest.approx(0.0) and data.stft_db.min() >= -80.0 - 1e-6
    peak = data.frequencies[np.argmax(data.stft_db.mean(axis=1))]
    assert abs(peak - 1000.0) <= bins
    mel_band = int(np.argmax(data.mel_db.mean(axis=1)))
    nearest = int(np.argmin(np.abs(data.mel_frequencies - 1000.0)))
    assert abs(mel_band - nearest) <= 1  # the band centred nearest 1 kHz, or a neighbour
    assert abs(data.mel_frequencies[mel_band] - 1000.0) <= 40.0  # 128 Slaney bands are ~31 Hz apart near 1 kHz
    assert np.all(np.diff(data.mel_frequencies) > 0)


def test_spectrogram_of_short_and_silent_audio():
    data = spectrogram_arrays(np.zeros(100, dtype=np.float32), 8000, n_fft=256, hop=64, n_mels=20)
    assert np.all(np.isfinite(data.stft_db)) and np.all(np.isfinite(data.mel_db))
    with pytest.raises(MusicGenError, match="no audio samples"):
        spectrogram_arrays(np.zeros(0), 8000)
    with pytest.raises(MusicGenError, match="hop"):
        spectrogram_arrays(np.zeros(1000), 8000, hop=0)


def test_read_wav_round_trip(sine_wav):
    samples, rate = read_wav(sine_wav)
    assert rate == RATE and samples.shape == (RATE, 2) and samples.dtype == np.float32
    assert 0.8 < np.abs(samples).max() <= 1.0  # peak-normalised to -1 dBFS by to_pcm16


def test_rejects_other_files(tmp_path, sine_wav):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(MusicGenError, match=r"\.mid, \.midi or \.wav"):
        plot_file(text, tmp_path / "x.png")
    with pytest.raises(MusicGenError, match="no such file"):
        plot_file(tmp_path / "missing.wav", tmp_path / "x.png")
    with pytest.raises(MusicGenError, match=r"must be a \.png"):
        plot_file(sine_wav, tmp_path / "x.jpg")
    corrupt = tmp_path / "bad.mid"
    corrupt.write_bytes(b"not midi at all")
    with pytest.raises(MusicGenError, match="not a readable MIDI"):
        plot_file(corrupt, tmp_path / "x.png")
    broken = tmp_path / "bad.wav"
    broken.write_bytes(b"RIFF....WAVEjunk")
    with pytest.raises(MusicGenError, match="not a readable 16-bit PCM WAV"):
        plot_file(broken, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists() and not list(tmp_path.glob(".*.part"))


def test_rejects_non_16_bit_wav(tmp_path):
    import wave

    path = tmp_path / "8bit.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(8000)
        wav.writeframes(bytes(range(256)))
    with pytest.raises(MusicGenError, match="only 16-bit PCM"):
        plot_audio(path, tmp_path / "x.png")


def test_plot_command_and_generate_plot(scale_midi, sine_wav, tmp_path, tiny_model_dir, capsys):
    from musicgen_symbolic.cli import main

    assert main(["plot", str(scale_midi), "-o", str(tmp_path / "roll.png")]) == 0
    assert main(["plot", str(sine_wav), "-o", str(tmp_path / "spec.png"), "--n-fft", "1024", "--hop", "256"]) == 0
    assert (
        main(
            [
                "generate",
                "jazz piano",
                "-o",
                str(tmp_path / "a.mid"),
                "--model",
                str(tiny_model_dir),
                "--plot",
                str(tmp_path / "a.png"),
                "--bars",
                "2",
                "-q",
            ]
        )
        == 0
    )
    for name in ("roll.png", "spec.png", "a.png"):
        assert png_size(tmp_path / name)[0] > 300
    assert main(["plot", str(scale_midi), "-o", str(tmp_path / "roll.jpg")]) == 2
    assert "must be a .png" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv,fragment",
    [
        (["--n-fft", "1000000"], "n_fft must be 16–65536"),
        (["--n-fft", "256", "--n-mels", "200"], "n_mels must be at most n_fft / 2 + 1 = 129"),
        (["--hop", "100000"], "hop must be at most 65536"),
        (["--n-fft", "65536", "--hop", "1"], "with hop 1 on 1.0 s of audio makes 65,537 frames of 32,769 bins"),
    ],
)
def test_spectrogram_options_out_of_range(sine_wav, tmp_path, capsys, argv, fragment):
    from musicgen_symbolic.cli import main

    assert main(["plot", str(sine_wav), "-o", str(tmp_path / "x.png"), *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0]
    assert not (tmp_path / "x.png").exists() and not list(tmp_path.glob(".*.part"))


def test_spectrogram_options_are_for_wav_input_only(scale_midi, tmp_path, capsys):
    from musicgen_symbolic.cli import main

    assert main(["plot", str(scale_midi), "-o", str(tmp_path / "x.png"), "--n-fft", "0"]) == 2
    assert "--n-fft: spectrogram options, for a .wav input only" in capsys.readouterr().err


def test_characters_missing_from_the_font_draw_quietly(tmp_path):
    import warnings

    midi = pretty_midi.PrettyMIDI()
    piano = pretty_midi.Instrument(0)
    piano.notes.append(pretty_midi.Note(80, 60, 0.0, 1.0))
    midi.instruments.append(piano)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert png_size(plot_midi(midi, tmp_path / "e.png", title="🎹 calm piano 日本"))[0] > 0


def test_a_small_fft_gets_fewer_mel_bands_by_default(sine_wav, tmp_path):
    assert png_size(plot_audio(sine_wav, tmp_path / "small.png", n_fft=128, hop=64))[0] > 0
    data = spectrogram_arrays(np.zeros(1000), 8000, n_fft=64, hop=32)
    assert data.mel_db.shape[0] == 10  # a third of the 33 bins, less one: no empty filters
