"""Pictures of what was generated: a piano roll of a MIDI file, waveform and spectrograms of a WAV.

:func:`plot_file` picks the picture from the file's suffix (``.mid``/``.midi`` → :func:`plot_midi`,
``.wav`` → :func:`plot_audio`). Every picture is a PNG, written atomically (no half-written file is left
behind on an error). matplotlib is imported only when a picture is drawn, with its Agg backend.

Piano roll (:func:`plot_midi`)
    One colour per instrument, with a legend of the track names; a note's opacity follows its velocity.
    x axis: time in seconds, with a line at every bar and the bar numbers on the top axis
    (``PrettyMIDI.get_downbeats``). y axis: MIDI pitch, labelled with note names at every C (C4 = 60).
    Drum tracks get their own lane below, labelled "Drums", one ``x`` marker per hit, one row per drum
    sound (General MIDI drum names).

Audio (:func:`plot_audio`), three stacked panels sharing the time axis (seconds):
    1. waveform: amplitude (full scale = 1) of each channel;
    2. linear-frequency spectrogram: the power of the short-time Fourier transform in dB relative to its
       loudest cell (0 dB), floored 80 dB below it; y axis in Hz;
    3. mel spectrogram: the same power summed through ``n_mels`` triangular mel filters (Slaney mel scale
       and normalisation, 0 Hz to the Nyquist frequency), in dB relative to its loudest cell and floored
       80 dB below it; y axis: mel band, labelled with the band's centre frequency in Hz.
    4. with ``pitch=True``, the voice's fundamental frequency (f0) by YIN (:func:`musicgen_symbolic.pitch.pitch_track`,
       60–500 Hz, gaps where unvoiced), on a log-frequency axis.
    Stereo input is mixed to mono for both spectrograms.

    For speech, frames of about 25 ms show formants and onsets better than the music defaults (93 ms at 22.05 kHz,
    which resolve harmonics instead): ``n_fft=512, hop=128`` at 22.05 kHz.

Spectrogram parameters:
    ``n_fft`` (default 2048): samples per analysis frame, Hann window of the same length; the
    frequency resolution is ``sample_rate / n_fft`` Hz (21.5 Hz at 44.1 kHz).
    ``hop`` (default 512): samples between successive frames; the time resolution is ``hop / sample_rate``
    seconds (11.6 ms at 44.1 kHz). Frames are centred (frame ``t`` is centred at ``t * hop`` samples).
    ``n_mels`` (default 128): number of mel bands.

The spectrograms are computed by :func:`spectrogram_arrays` with ``transformers.audio_utils``
(``window_function``, ``spectrogram``, ``mel_filter_bank``, ``power_to_db``); the arrays are returned as a
:class:`SpectrogramData` for anyone who wants numbers instead of a picture.
"""

from __future__ import annotations

import math
import warnings
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pretty_midi

from .errors import MusicGenError
from .midi_io import load_midi, write_atomic

DEFAULT_MELS = 128
MAX_SPECTROGRAM_BYTES = 2 * 2**30  # what one plot may allocate for its spectrogram
MAX_FFT = 65536  # samples: 1.5 s at 44.1 kHz, beyond any useful analysis frame (and memory grows with it)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MIDI_SUFFIXES = (".mid", ".midi")
AUDIO_SUFFIXES = (".wav",)
DB_RANGE = 80.0  # the spectrograms are floored this many dB below their loudest cell
DPI = 110
_MAX_WAVEFORM_POINTS = 4000  # longer waveforms are drawn as a min/max envelope
_MEL_TICKS_HZ = (50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000)


@dataclass
class SpectrogramData:
    """Spectrograms of a mono mix, as arrays (the frame times are the same for both)."""

    times: np.ndarray  # (T,) seconds: centre of each frame
    frequencies: np.ndarray  # (F,) Hz: centre of each STFT bin, F = n_fft // 2 + 1
    stft_db: np.ndarray  # (F, T) power in dB relative to the loudest cell, floored at -DB_RANGE
    mel_db: np.ndarray  # (n_mels, T) mel power in dB relative to the loudest cell, floored at -DB_RANGE
    mel_frequencies: np.ndarray  # (n_mels,) Hz: centre frequency of each mel band
    sample_rate: int
    n_fft: int
    hop: int


def spectrogram_arrays(
    samples: np.ndarray, sample_rate: int, n_fft: int = 2048, hop: int = 512, n_mels: int | None = None
) -> SpectrogramData:
    """STFT and mel spectrograms (dB) of ``samples`` — shape (n,) or (n, channels), mixed to mono; ``n_mels``
    defaults to 128, or to the STFT's bins when ``n_fft`` gives fewer."""
    from transformers.audio_utils import (
        hertz_to_mel,
        mel_filter_bank,
        mel_to_hertz,
        power_to_db,
        spectrogram,
        window_function,
    )

    n_mels = _mel_bands(n_fft, n_mels)
    _check_spectrogram_options(sample_rate, n_fft, hop, n_mels)
    mono = _mono(samples)
    if mono.size == 0:
        raise MusicGenError("no audio samples to analyse")
    _check_spectrogram_size(mono.size, sample_rate, n_fft, hop)
    if mono.size < n_fft:  # centred frames reflect-pad by n_fft // 2: give them enough signal
        mono = np.pad(mono, (0, n_fft - mono.size))
    power = spectrogram(
        mono,
        window_function(n_fft, "hann"),
        frame_length=n_fft,
        hop_length=hop,
        fft_length=n_fft,
        power=2.0,
        center=True,
        pad_mode="reflect",
        dtype=np.float64,
    )
    filters = mel_filter_bank(
        num_frequency_bins=n_fft // 2 + 1,
        num_mel_filters=n_mels,
        min_frequency=0.0,
        max_frequency=sample_rate / 2,
        sampling_rate=sample_rate,
        norm="slaney",
        mel_scale="slaney",
    )  # (F, n_mels)
    mel_power = filters.T @ power
    mel_edges = np.linspace(hertz_to_mel(0.0, "slaney"), hertz_to_mel(sample_rate / 2, "slaney"), n_mels + 2)
    return SpectrogramData(
        times=np.arange(power.shape[1]) * hop / sample_rate,
        frequencies=np.arange(n_fft // 2 + 1) * sample_rate / n_fft,
        stft_db=_to_db(power, power_to_db),
        mel_db=_to_db(mel_power, power_to_db),
        mel_frequencies=np.asarray(mel_to_hertz(mel_edges[1:-1], "slaney"), dtype=np.float64),
        sample_rate=int(sample_rate),
        n_fft=int(n_fft),
        hop=int(hop),
    )


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """A 16-bit PCM WAV → float32 samples (n, channels) in [-1, 1) and the sampling rate."""
    path = Path(path)
    if not path.is_file():
        raise MusicGenError(f"no such WAV file: {path}")
    try:
        with wave.open(str(path), "rb") as wav:
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            if width != 2:
                raise MusicGenError(
                    f"{path} is {8 * width}-bit audio: only 16-bit PCM WAV is supported (convert it, e.g. with "
                    f"`ffmpeg -i {path.name} -c:a pcm_s16le out.wav`)"
                )
            data = wav.readframes(wav.getnframes())
    except MusicGenError:
        raise
    except (wave.Error, EOFError, OSError) as error:
        raise MusicGenError(f"{path} is not a readable 16-bit PCM WAV file ({_one_line(error)})") from error
    if channels < 1 or rate <= 0:
        raise MusicGenError(f"{path} is not a readable 16-bit PCM WAV file (channels={channels}, rate={rate})")
    pcm = np.frombuffer(data[: len(data) - len(data) % (2 * channels)], dtype="<i2")
    return (pcm.reshape(-1, channels).astype(np.float32) / 32768.0), int(rate)


def plot_midi(midi: str | Path | pretty_midi.PrettyMIDI, out: str | Path, title: str | None = None) -> Path:
    """Draw a piano roll of ``midi`` (a file or a PrettyMIDI) into the PNG ``out``."""
    out = _check_png(out)
    if isinstance(midi, pretty_midi.PrettyMIDI):
        name = "MIDI"
    else:
        name = Path(midi).name
        midi = load_midi(midi)
    fig = _figure_for_midi(midi, title if title is not None else name)
    return _save(fig, out)


def plot_similarity(midi: str | Path, out: str | Path, title: str | None = None) -> Path:
    """Draw the bar-by-bar self-similarity matrix of the MIDI file ``midi`` (``structure.self_similarity``) into the
    PNG ``out``, with its sections (``[Verse 2]`` markers) along both axes: a returning section is a bright diagonal
    off the main one, a contrasting section a dark block."""
    from .structure import marked_sections, self_similarity

    out = _check_png(out)
    path = Path(midi)
    loaded = load_midi(path)
    sections = marked_sections(path, loaded)
    fig = _figure_for_similarity(self_similarity(loaded), sections, title if title is not None else path.name)
    return _save(fig, out)


def _figure_for_similarity(matrix: np.ndarray, sections: list[tuple[int, str]], title: str) -> Figure:
    fig = _new_figure(7.5, 7.0)
    ax = fig.add_subplot(1, 1, 1)
    bars = len(matrix)
    image = ax.imshow(matrix, origin="upper", cmap="magma", vmin=0, vmax=1, extent=(0.5, bars + 0.5, bars + 0.5, 0.5))
    fig.colorbar(image, ax=ax, shrink=0.8, label="similarity of the two bars' notes (1: the same)")
    for bar, name in sections:
        ax.axhline(bar + 0.5, color="white", linewidth=0.8)
        ax.axvline(bar + 0.5, color="white", linewidth=0.8)
        ax.text(bar + 0.7, 0.4, name, color="black", fontsize=8, rotation=45, ha="left", va="bottom")
    ax.set_xlabel("bar")
    ax.set_ylabel("bar")
    ax.set_title(title, pad=28 if sections else 6)
    return fig


def plot_audio(
    wav: str | Path,
    out: str | Path,
    n_fft: int = 2048,
    hop: int = 512,
    n_mels: int | None = None,
    title: str | None = None,
    pitch: bool = False,
) -> Path:
    """Draw waveform, linear STFT spectrogram and mel spectrogram of the 16-bit WAV ``wav`` into ``out`` (and with
    ``pitch``, the f0 curve of a voice in a fourth panel)."""
    out = _check_png(out)
    samples, rate = read_wav(wav)
    n_mels = _mel_bands(n_fft, n_mels)
    _check_spectrogram_options(rate, n_fft, hop, n_mels)
    if samples.shape[0] == 0:
        raise MusicGenError(f"{wav} holds no audio samples")
    data = spectrogram_arrays(samples, rate, n_fft=n_fft, hop=hop, n_mels=n_mels)
    f0 = None
    if pitch:
        from .pitch import pitch_track

        f0 = pitch_track(samples, rate, hop=hop)
    fig = _figure_for_audio(samples, data, n_mels, title if title is not None else Path(wav).name, f0)
    return _save(fig, out)


SPECTROGRAM_OPTIONS = ("n_fft", "hop", "n_mels")
AUDIO_OPTIONS = (*SPECTROGRAM_OPTIONS, "pitch")  # what a .wav picture takes besides its title


def plot_file(path: str | Path, out: str | Path, similarity: bool = False, **kwargs: Any) -> Path:
    """Picture of a ``.mid``/``.midi`` (piano roll, or with ``similarity`` :func:`plot_similarity`) or ``.wav``
    (waveform + spectrograms) file, as a PNG.

    ``kwargs`` go to :func:`plot_midi` (``title``) or :func:`plot_audio` (``n_fft``, ``hop``, ``n_mels``,
    ``pitch``, ``title``); spectrogram options for a MIDI file are an error, as in the CLI, rather than ignored.
    """
    path = Path(path)
    out = _check_png(out)
    suffix = path.suffix.lower()
    if suffix not in MIDI_SUFFIXES + AUDIO_SUFFIXES:
        raise MusicGenError(f"cannot plot {path}: expected a .mid, .midi or .wav file")
    unknown = sorted(set(kwargs) - {"title", *AUDIO_OPTIONS})
    if unknown:
        raise MusicGenError(f"unknown plot option {', '.join(unknown)}: choose from title, {', '.join(AUDIO_OPTIONS)}")
    spectrogram = [name for name in AUDIO_OPTIONS if name in kwargs]
    if suffix in MIDI_SUFFIXES and spectrogram:
        raise MusicGenError(f"{', '.join(spectrogram)}: spectrogram options, for a .wav input only")
    if similarity and suffix not in MIDI_SUFFIXES:
        raise MusicGenError("--similarity: for a .mid or .midi input only")
    if not path.is_file():
        raise MusicGenError(f"no such file: {path}")
    if similarity:
        return plot_similarity(path, out, title=kwargs.get("title"))
    if suffix in MIDI_SUFFIXES:
        return plot_midi(path, out, title=kwargs.get("title"))
    return plot_audio(path, out, **kwargs)


# ---------------------------------------------------------------------------------------------- internals


def _check_png(out: str | Path) -> Path:
    out = Path(out)
    if out.suffix.lower() != ".png":
        raise MusicGenError(f"plot output {out} must be a .png file")
    return out


def _mel_bands(n_fft: int, n_mels: int | None) -> int:
    """``n_mels``, or the default: 128, fewer for a small FFT (beyond about a third of its bins, the lowest mel
    filters fall between bins and stay empty)."""
    if n_mels is not None:
        return n_mels
    if not isinstance(n_fft, int) or n_fft <= 0:
        return DEFAULT_MELS  # the option check reports it
    return max(1, min(DEFAULT_MELS, (n_fft // 2 + 1) // 3 - 1))


def _check_spectrogram_options(sample_rate: int, n_fft: int, hop: int, n_mels: int) -> None:
    for label, value in (("sample rate", sample_rate), ("n_fft", n_fft), ("hop", hop), ("n_mels", n_mels)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
            raise MusicGenError(f"{label} must be a positive integer, got {value!r}")
    if not 16 <= n_fft <= MAX_FFT:
        raise MusicGenError(f"n_fft must be 16–{MAX_FFT}, got {n_fft}")
    if hop > MAX_FFT:
        raise MusicGenError(f"hop must be at most {MAX_FFT}, got {hop}")
    if n_mels > n_fft // 2 + 1:
        raise MusicGenError(f"n_mels must be at most n_fft / 2 + 1 = {n_fft // 2 + 1} (the STFT's bins), got {n_mels}")


def _check_spectrogram_size(samples: int, sample_rate: int, n_fft: int, hop: int) -> None:
    """Refuse, before allocating, a spectrogram that would need more than ``MAX_SPECTROGRAM_BYTES``: its frames
    (complex, 16 bytes a bin) and the framed signal (8 bytes a sample) together."""
    frames = max(samples, n_fft) // hop + 1  # a short signal is padded to one frame
    need = frames * (n_fft // 2 + 1) * 16 + frames * n_fft * 8
    if need > MAX_SPECTROGRAM_BYTES:
        raise MusicGenError(
            f"n_fft {n_fft} with hop {hop} on {samples / sample_rate:.1f} s of audio makes {frames:,} frames of "
            f"{n_fft // 2 + 1:,} bins (about {need / 2**30:.1f} GiB, more than {MAX_SPECTROGRAM_BYTES // 2**30} GiB): "
            "raise --hop or lower --n-fft"
        )


def _mono(samples: np.ndarray) -> np.ndarray:
    samples = np.asarray(samples)
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    elif samples.ndim != 1:
        raise MusicGenError(f"audio samples must have shape (n,) or (n, channels), got {samples.shape}")
    samples = samples.astype(np.float64)
    if not np.all(np.isfinite(samples)):
        raise MusicGenError("audio samples contain NaN or infinite values")
    return samples


def _to_db(power: np.ndarray, power_to_db: Any) -> np.ndarray:
    reference = float(power.max()) if power.size else 0.0
    reference = reference if reference > 0 else 1e-10
    return power_to_db(power, reference=reference, min_value=1e-10, db_range=DB_RANGE).astype(np.float32)


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def _new_figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)  # Agg, without touching pyplot's global state
    return fig


def _save(fig: Figure, out: Path) -> Path:
    """Write the PNG; characters the font lacks (emoji in a prompt used as title) are drawn as boxes, silently."""

    def draw(tmp: Path) -> None:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
            fig.savefig(tmp, format="png", dpi=DPI)

    return write_atomic(out, draw)


def _instrument_label(instrument: pretty_midi.Instrument) -> str:
    name = instrument.name.strip()
    if name:
        return name
    if instrument.is_drum:
        return "Drums"
    return pretty_midi.program_to_instrument_name(instrument.program)


def _figure_for_midi(midi: pretty_midi.PrettyMIDI, title: str) -> Figure:
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    pitched = [inst for inst in midi.instruments if not inst.is_drum and inst.notes]
    drums = [inst for inst in midi.instruments if inst.is_drum and inst.notes]
    end = midi.get_end_time()
    end = end if end > 0 else 1.0
    downbeats = [t for t in midi.get_downbeats() if t <= end + 1e-9]
    drum_pitches = sorted({note.pitch for inst in drums for note in inst.notes})

    fig = _new_figure(min(24.0, max(10.0, 6.0 + end / 4)), 7.5 if drums and pitched else 6.0)
    if pitched and drums:
        lanes = max(2, len(drum_pitches))
        roll, drum_ax = fig.subplots(2, 1, sharex=True, height_ratios=[4, min(3, 0.4 + 0.25 * lanes)])
    elif drums:
        roll, drum_ax = None, fig.subplots()
    elif pitched:
        roll, drum_ax = fig.subplots(), None
    else:
        roll, drum_ax = None, None
    fig.suptitle(title)
    palette = [to_rgba(f"C{i}") for i in range(10)]
    handles: list[Any] = []
    labels: list[str] = []
    colour_index = 0

    if roll is not None:
        low = min(note.pitch for inst in pitched for note in inst.notes)
        high = max(note.pitch for inst in pitched for note in inst.notes)
        for inst in pitched:
            colour = palette[colour_index % len(palette)]
            colour_index += 1
            starts = np.array([n.start for n in inst.notes])
            widths = np.array([max(n.end - n.start, 1e-3) for n in inst.notes])
            pitches = np.array([n.pitch for n in inst.notes])
            colours = np.tile(colour, (len(inst.notes), 1))
            colours[:, 3] = 0.35 + 0.65 * np.array([n.velocity for n in inst.notes]) / 127
            roll.barh(pitches, widths, left=starts, height=0.85, color=colours, edgecolor=colour, linewidth=0.4)
            handles.append(Patch(facecolor=colour, edgecolor=colour))
            labels.append(_instrument_label(inst))
        roll.set_ylim(low - 2.5, high + 2.5)
        c_notes = [p for p in range(low - 2, high + 3) if p % 12 == 0]
        if not c_notes:  # a narrow range without a C: label its extremes instead
            c_notes = sorted({low, high})
        roll.set_yticks(c_notes, [pretty_midi.note_number_to_name(p) for p in c_notes])
        roll.set_yticks(range(low - 2, high + 3), minor=True)
        roll.tick_params(axis="y", which="minor", length=0)
        for p in c_notes:
            roll.axhline(p - 0.5, color="0.75", linewidth=0.6, zorder=0)
        roll.set_ylabel("pitch")
        roll.set_facecolor("#fafafa")

    if drum_ax is not None:
        rows = {pitch: row for row, pitch in enumerate(drum_pitches)}
        for inst in drums:
            colour = palette[colour_index % len(palette)] if pitched else (0.15, 0.15, 0.15, 1.0)
            colour_index += 1
            drum_ax.scatter(
                [n.start for n in inst.notes],
                [rows[n.pitch] for n in inst.notes],
                marker="x",
                s=[12 + 30 * n.velocity / 127 for n in inst.notes],
                color=colour,
                linewidths=1.0,
            )
            handles.append(Line2D([], [], linestyle="none", marker="x", color=colour))
            label = _instrument_label(inst)
            labels.append(label if "drum" in label.lower() else f"{label} (drums)")
        drum_ax.set_yticks(
            range(len(drum_pitches)),
            [pretty_midi.note_number_to_drum_name(p) or f"note {p}" for p in drum_pitches],
            fontsize=7 if len(drum_pitches) > 6 else 8,
        )
        drum_ax.set_ylim(-0.7, len(drum_pitches) - 0.3)
        drum_ax.set_ylabel("Drums")
        drum_ax.set_facecolor("#f4f4f4")
        drum_ax.grid(axis="y", color="0.85", linewidth=0.5)

    axes = [ax for ax in (roll, drum_ax) if ax is not None]
    if not axes:  # no notes at all
        axes = [fig.subplots()]
        axes[0].text(0.5, 0.5, "no notes", ha="center", va="center", transform=axes[0].transAxes, color="0.4")
        axes[0].set_yticks([])
    for ax in axes:
        for beat in downbeats:
            ax.axvline(beat, color="0.55", linewidth=0.7, zorder=0.5)
        ax.set_xlim(0, end)
    axes[-1].set_xlabel("time (s)")
    if downbeats:
        step = max(1, math.ceil(len(downbeats) / 32))
        shown = list(range(0, len(downbeats), step))
        top = axes[0].secondary_xaxis("top")
        top.set_xticks([downbeats[i] for i in shown], [str(i + 1) for i in shown], fontsize=8)
        top.set_xlabel("bar")
    if handles:
        fig.legend(handles, labels, loc="outside right upper", fontsize=8, title="tracks")
    return fig


def _figure_for_audio(
    samples: np.ndarray,
    data: SpectrogramData,
    n_mels: int,
    title: str,
    f0: tuple[np.ndarray, np.ndarray] | None = None,
) -> Figure:
    fig = _new_figure(12.0, 9.0 if f0 is None else 11.0)
    axes = fig.subplots(3 if f0 is None else 4, 2, width_ratios=[50, 1])
    wave_ax, stft_ax, mel_ax = axes[:3, 0]
    axes[0, 1].axis("off")
    fig.suptitle(title)
    rate = data.sample_rate
    duration = samples.shape[0] / rate
    x_end = max(duration, float(data.times[-1]) if data.times.size else 0.0, 1e-3)

    names = ("left", "right") if samples.shape[1] == 2 else tuple(f"ch {i + 1}" for i in range(samples.shape[1]))
    for channel in range(samples.shape[1]):
        times, low, high = _envelope(samples[:, channel], rate)
        colour = f"C{channel % 10}"
        if low is None:
            wave_ax.plot(times, high, color=colour, linewidth=0.6, alpha=0.8, label=names[channel])
        else:
            wave_ax.fill_between(times, low, high, color=colour, alpha=0.5, linewidth=0, label=names[channel])
    wave_ax.set_ylim(-1.05, 1.05)
    wave_ax.set_ylabel("amplitude")
    wave_ax.set_title("waveform", fontsize=9, loc="left")
    wave_ax.axhline(0, color="0.6", linewidth=0.5)
    if samples.shape[1] > 1:
        wave_ax.legend(loc="upper right", fontsize=8)

    half_hop = data.hop / rate / 2
    t0, t1 = (data.times[0] - half_hop, data.times[-1] + half_hop) if data.times.size else (0.0, x_end)
    bin_hz = rate / data.n_fft
    image = stft_ax.imshow(
        data.stft_db,
        origin="lower",
        aspect="auto",
        extent=(t0, t1, -bin_hz / 2, data.frequencies[-1] + bin_hz / 2),
        cmap="magma",
        vmin=-DB_RANGE,
        vmax=0,
        interpolation="nearest",
    )
    stft_ax.set_ylabel("frequency (Hz)")
    stft_ax.set_title(f"linear spectrogram (n_fft={data.n_fft}, hop={data.hop}, Hann)", fontsize=9, loc="left")
    fig.colorbar(image, cax=axes[1, 1]).set_label("dB")

    image = mel_ax.imshow(
        data.mel_db,
        origin="lower",
        aspect="auto",
        extent=(t0, t1, -0.5, n_mels - 0.5),
        cmap="magma",
        vmin=-DB_RANGE,
        vmax=0,
        interpolation="nearest",
    )
    ticks: list[tuple[float, int]] = []  # (band position, Hz), at least n_mels / 20 bands apart
    for hz in _MEL_TICKS_HZ:
        if data.mel_frequencies[0] <= hz <= data.mel_frequencies[-1]:
            band = float(np.interp(hz, data.mel_frequencies, np.arange(n_mels)))
            if not ticks or band - ticks[-1][0] >= n_mels / 20:
                ticks.append((band, hz))
    mel_ax.set_yticks([band for band, _ in ticks], [f"{hz // 1000}k" if hz >= 1000 else str(hz) for _, hz in ticks])
    mel_ax.set_ylabel(f"mel band ({n_mels}), Hz")
    mel_ax.set_title(f"mel spectrogram ({n_mels} bands, Slaney)", fontsize=9, loc="left")
    fig.colorbar(image, cax=axes[2, 1]).set_label("dB")

    panels = [wave_ax, stft_ax, mel_ax]
    if f0 is not None:
        panels.append(_draw_pitch(axes[3, 0], *f0))
        axes[3, 1].axis("off")
    for ax in panels:
        ax.set_xlim(0, x_end)
    for ax in panels[:-1]:
        ax.sharex(panels[-1])
        ax.tick_params(labelbottom=False)
    panels[-1].set_xlabel("time (s)")
    return fig


def _draw_pitch(ax: Any, times: np.ndarray, f0: np.ndarray) -> Any:
    """The f0 curve (NaN frames leave gaps) on a log axis with ticks in Hz, its median as a dashed line."""
    from .pitch import FMAX, FMIN

    ax.plot(times, f0, color="C3", linewidth=1.2)
    ax.set_yscale("log")
    ax.set_ylim(FMIN * 0.9, FMAX * 1.1)
    ticks = [hz for hz in (60, 80, 100, 150, 200, 300, 400, 500) if FMIN <= hz <= FMAX]
    ax.set_yticks(ticks, [str(hz) for hz in ticks])
    ax.minorticks_off()
    voiced = f0[np.isfinite(f0)]
    if voiced.size:
        median = float(np.median(voiced))
        ax.axhline(median, color="0.5", linewidth=0.8, linestyle="--")
        ax.text(0.995, 0.95, f"median {median:.0f} Hz", transform=ax.transAxes, ha="right", va="top", fontsize=8)
    ax.set_ylabel("f0 (Hz)")
    ax.set_title("pitch (f0, YIN; gaps: unvoiced or silent)", fontsize=9, loc="left")
    ax.grid(axis="y", color="0.9", linewidth=0.5)
    return ax


def _envelope(channel: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """(times, None, samples) for short signals, else (bucket times, minima, maxima) of a min/max envelope."""
    n = channel.shape[0]
    if n <= 2 * _MAX_WAVEFORM_POINTS:
        return np.arange(n) / rate, None, channel
    size = math.ceil(n / _MAX_WAVEFORM_POINTS)
    padded = np.pad(channel, (0, size * _MAX_WAVEFORM_POINTS - n), mode="edge").reshape(-1, size)
    times = (np.arange(padded.shape[0]) * size + size / 2) / rate
    return times, padded.min(axis=1), padded.max(axis=1)
