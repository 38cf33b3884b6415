"""MIDI → WAV through FluidSynth (pyfluidsynth) and a General MIDI SoundFont.

SoundFont resolution order: an explicit path, ``$MUSICGEN_SYMBOLIC_SOUNDFONT``, the first .sf2/.sf3
in the project's ``soundfonts/`` folder, then Debian's standard paths. Audio is rendered in float,
a release tail is added, and the result is peak-normalised to -1 dBFS as 16-bit stereo.
"""

from __future__ import annotations

import os
import sys
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from ctypes import c_int, c_void_p
from pathlib import Path

import mido
import numpy as np

from .constants import (
    ENV_DEBUG,
    ENV_SOUNDFONT,
    PEAK_DBFS,
    PROJECT_SOUNDFONT_DIR,
    RENDER_TAIL_SECONDS,
    SAMPLE_RATE,
    SYSTEM_SOUNDFONTS,
)
from .errors import MusicGenError
from .midi_io import write_atomic

DRUM_CHANNEL = 9
SILENCE = 1e-5  # peak amplitude below which a rendering is silent


def find_soundfont(explicit: str | Path | None = None) -> Path:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise MusicGenError(f"SoundFont not found: {path}")
        return _checked_soundfont(path)
    from_env = os.environ.get(ENV_SOUNDFONT)
    if from_env:
        if not Path(from_env).is_file():
            raise MusicGenError(f"${ENV_SOUNDFONT} points to {from_env}, which does not exist")
        return _checked_soundfont(Path(from_env))
    if PROJECT_SOUNDFONT_DIR.is_dir():
        bundled = sorted(p for p in PROJECT_SOUNDFONT_DIR.iterdir() if p.suffix.lower() in (".sf2", ".sf3"))
        if bundled:
            return bundled[0]
    for candidate in SYSTEM_SOUNDFONTS:
        if Path(candidate).is_file():
            return Path(candidate)
    raise MusicGenError(
        "no SoundFont found: install one with `apt-get install fluid-soundfont-gm`, put a .sf2 in soundfonts/, "
        f"or pass --soundfont PATH (or set ${ENV_SOUNDFONT})"
    )


def _checked_soundfont(path: Path) -> Path:
    """``path`` if it starts like a SoundFont (a RIFF 'sfbk' file), so FluidSynth never prints its own errors on it."""
    try:
        with path.open("rb") as file:
            header = file.read(12)
    except OSError as error:
        raise MusicGenError(f"cannot read the SoundFont {path}: {error.strerror or error}") from error
    if header[:4] != b"RIFF" or header[8:12] != b"sfbk":
        raise MusicGenError(f"{path} is not a SoundFont (.sf2 / .sf3 files start with RIFF…sfbk)")
    return path


def _fluidsynth():  # noqa: ANN202
    try:
        import fluidsynth
    except ImportError as error:
        raise MusicGenError(
            "the FluidSynth library is missing: `apt-get install fluidsynth` (or libfluidsynth3) and `pip install pyfluidsynth`"
        ) from error
    return fluidsynth


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Discard what C libraries write to stderr (file descriptor 2) meanwhile; not with $MUSICGEN_SYMBOLIC_DEBUG,
    and not where there is no stderr to silence."""
    try:
        if os.environ.get(ENV_DEBUG) or sys.stderr is None:
            raise OSError
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _write_float(fluidsynth):  # noqa: ANN001, ANN202
    """fluid_synth_write_float through pyfluidsynth's ctypes helper: float output avoids clipping."""
    return fluidsynth.cfunc(
        "fluid_synth_write_float",
        c_int,
        ("synth", c_void_p, 1),
        ("len", c_int, 1),
        ("lout", c_void_p, 1),
        ("loff", c_int, 1),
        ("lincr", c_int, 1),
        ("rout", c_void_p, 1),
        ("roff", c_int, 1),
        ("rincr", c_int, 1),
    )


def synthesize(
    midi_path: str | Path, soundfont: str | Path | None = None, sample_rate: int = SAMPLE_RATE
) -> np.ndarray:
    """Render a MIDI file to float32 stereo samples (N, 2), including a release tail."""
    try:
        events = list(mido.MidiFile(str(midi_path)))
    except Exception as error:
        raise MusicGenError(f"{midi_path} is not a readable MIDI file ({type(error).__name__}: {error})") from error
    fluidsynth = _fluidsynth()
    write_float = _write_float(fluidsynth)
    synth = fluidsynth.Synth(gain=0.5, samplerate=float(sample_rate))
    try:
        path = find_soundfont(soundfont)
        with _quiet_stderr():  # FluidSynth and libinstpatch print their own errors: ours below is the one line
            font = synth.sfload(str(path))
        if font == -1:
            raise MusicGenError(
                f"FluidSynth could not load the SoundFont {path}: a truncated or corrupt file? "
                f"({ENV_DEBUG}=1 shows FluidSynth's own messages)"
            )
        for channel in range(16):
            synth.program_select(channel, font, 128 if channel == DRUM_CHANNEL else 0, 0)
        chunks: list[np.ndarray] = []

        def advance(seconds: float) -> None:
            frames = int(round(seconds * sample_rate))
            while frames > 0:
                n = min(frames, 65536)
                left, right = (np.zeros(n, dtype=np.float32) for _ in range(2))
                write_float(synth.synth, n, left.ctypes.data, 0, 1, right.ctypes.data, 0, 1)
                chunks.append(np.stack([left, right], axis=1))
                frames -= n

        for message in events:
            advance(message.time)
            _send(synth, font, message)
        advance(RENDER_TAIL_SECONDS)
    finally:
        synth.delete()
    return np.concatenate(chunks) if chunks else np.zeros((0, 2), dtype=np.float32)


def _send(synth, font: int, message: mido.Message) -> None:  # noqa: ANN001
    kind = message.type
    if kind == "note_on":
        synth.noteon(message.channel, message.note, message.velocity)
    elif kind == "note_off":
        synth.noteoff(message.channel, message.note)
    elif kind == "program_change":
        bank = 128 if message.channel == DRUM_CHANNEL else 0
        synth.program_select(message.channel, font, bank, message.program)
    elif kind == "control_change":
        synth.cc(message.channel, message.control, message.value)
    elif kind == "pitchwheel":
        synth.pitch_bend(message.channel, message.pitch)


def to_pcm16(samples: np.ndarray, peak_dbfs: float = PEAK_DBFS) -> np.ndarray:
    """Peak-normalise float samples to ``peak_dbfs`` and convert to int16 without clipping.

    Below ``SILENCE`` (-100 dBFS) there is nothing to hear: a file without notes gives FluidSynth's rounding noise,
    which normalising would raise to full scale, so it stays silence."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak < SILENCE:
        return np.zeros(samples.shape, dtype=np.int16)
    samples = samples * (10 ** (peak_dbfs / 20) / peak)
    return np.clip(np.round(samples * 32767), -32768, 32767).astype(np.int16)


def write_wav(path: str | Path, pcm: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Path:
    def write(tmp: Path) -> None:
        with wave.open(str(tmp), "wb") as wav:
            wav.setnchannels(pcm.shape[1])
            wav.setsampwidth(2)
            wav.setframerate(sample_rate)
            wav.writeframes(np.ascontiguousarray(pcm).tobytes())

    return write_atomic(path, write)


def render_midi(
    midi_path: str | Path, wav_path: str | Path, soundfont: str | Path | None = None, sample_rate: int = SAMPLE_RATE
) -> Path:
    """Render ``midi_path`` to a 16-bit stereo WAV at ``wav_path`` (written atomically)."""
    if not Path(midi_path).is_file():
        raise MusicGenError(f"no such MIDI file: {midi_path}")
    pcm = to_pcm16(synthesize(midi_path, soundfont, sample_rate))
    return write_wav(wav_path, pcm, sample_rate)
