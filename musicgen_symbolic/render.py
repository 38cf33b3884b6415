"""MIDI → WAV through FluidSynth (pyfluidsynth) and a General MIDI SoundFont.

SoundFont resolution order: an explicit path, ``$MUSICGEN_SYMBOLIC_SOUNDFONT``, the first .sf2/.sf3
in the project's ``soundfonts/`` folder, then Debian's standard paths. Audio is rendered in float,
a release tail is added, and the result is peak-normalised to -1 dBFS as 16-bit stereo.
"""

from __future__ import annotations

import os
import sys
import tempfile
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from ctypes import c_int, c_void_p
from pathlib import Path
from typing import IO

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
from .midi_io import MAX_MIDI_SECONDS, write_atomic

DRUM_CHANNEL = 9
SILENCE = 1e-5  # peak amplitude below which a rendering is silent
CHUNK_FRAMES = 65_536  # samples rendered (and converted) at a time
MAX_RENDER_SECONDS = MAX_MIDI_SECONDS  # an hour: a 10-hour note is refused before rendering, not after 10 GB
MAX_RENDER_MESSAGES = 2_000_000


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
def _stderr_into(target: IO) -> Iterator[bool]:
    """Send what C libraries write to stderr (file descriptor 2) into ``target`` meanwhile; yields whether it does:
    not with $MUSICGEN_SYMBOLIC_DEBUG, and not where there is no stderr to redirect."""
    try:
        if os.environ.get(ENV_DEBUG) or sys.stderr is None:
            raise OSError
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield False
        return
    try:
        os.dup2(target.fileno(), 2)
        yield True
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Discard what C libraries write to stderr meanwhile (see :func:`_stderr_into`)."""
    with open(os.devnull, "w") as devnull, _stderr_into(devnull):
        yield


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


def read_events(midi_path: str | Path) -> list[mido.Message]:
    """The file's messages in playing order, refused before any rendering when they are too many or last too long
    (a 43-byte file can hold a 10-hour note)."""
    try:
        midi = mido.MidiFile(str(midi_path))
        if sum(len(track) for track in midi.tracks) > MAX_RENDER_MESSAGES:
            raise MusicGenError(f"{midi_path} has more than {MAX_RENDER_MESSAGES:,} MIDI events: too many to render")
        events = list(midi)
    except MusicGenError:
        raise
    except Exception as error:
        raise MusicGenError(f"{midi_path} is not a readable MIDI file ({type(error).__name__}: {error})") from error
    seconds = sum(message.time for message in events)
    if seconds > MAX_RENDER_SECONDS:
        raise MusicGenError(
            f"{midi_path} lasts {seconds / 60:,.0f} minutes: rendering takes at most {MAX_RENDER_SECONDS / 60:.0f}"
        )
    return events


def render_chunks(
    events: list[mido.Message], soundfont: str | Path | None = None, sample_rate: int = SAMPLE_RATE
) -> Iterator[np.ndarray]:
    """Float32 stereo samples (n, 2) of ``events`` plus a release tail, a chunk of at most ``CHUNK_FRAMES`` at a
    time, so that memory stays small whatever the length."""
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

        def advance(seconds: float) -> Iterator[np.ndarray]:
            frames = int(round(seconds * sample_rate))
            while frames > 0:
                n = min(frames, CHUNK_FRAMES)
                left, right = (np.zeros(n, dtype=np.float32) for _ in range(2))
                write_float(synth.synth, n, left.ctypes.data, 0, 1, right.ctypes.data, 0, 1)
                yield np.stack([left, right], axis=1)
                frames -= n

        for message in events:
            yield from advance(message.time)
            _send(synth, font, message)
        yield from advance(RENDER_TAIL_SECONDS)
    finally:
        synth.delete()


def synthesize(
    midi_path: str | Path, soundfont: str | Path | None = None, sample_rate: int = SAMPLE_RATE
) -> np.ndarray:
    """Render a MIDI file to float32 stereo samples (N, 2), including a release tail (in memory: for short files;
    :func:`render_midi` streams)."""
    chunks = list(render_chunks(read_events(midi_path), soundfont, sample_rate))
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
    return _scaled(samples, _gain(peak, peak_dbfs))


def _gain(peak: float, peak_dbfs: float = PEAK_DBFS) -> float:
    return 0.0 if peak < SILENCE else 10 ** (peak_dbfs / 20) / peak


def _scaled(samples: np.ndarray, gain: float) -> np.ndarray:
    return np.clip(np.round(samples * (gain * 32767)), -32768, 32767).astype(np.int16)


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
    """Render ``midi_path`` to a 16-bit stereo WAV at ``wav_path`` (written atomically), peak-normalised.

    Streamed in two passes, so memory stays a few chunks whatever the length: the float samples go to a temporary
    file while their peak is found, then are scaled into the WAV. FluidSynth's own warnings (a 20,000-note chord
    gave 73,906 lines) are kept off the terminal and summed up in one ``warning:`` line."""
    if not Path(midi_path).is_file():
        raise MusicGenError(f"no such MIDI file: {midi_path}")
    events = read_events(midi_path)
    with tempfile.TemporaryFile() as spool, _captured_stderr() as warnings:
        peak = 0.0
        for chunk in render_chunks(events, soundfont, sample_rate):
            peak = max(peak, float(np.max(np.abs(chunk))) if chunk.size else 0.0)
            spool.write(chunk.tobytes())
        gain = _gain(peak)

        def write(tmp: Path) -> None:
            spool.seek(0)
            with wave.open(str(tmp), "wb") as wav:
                wav.setnchannels(2)
                wav.setsampwidth(2)
                wav.setframerate(sample_rate)
                while data := spool.read(CHUNK_FRAMES * 8):
                    wav.writeframes(_scaled(np.frombuffer(data, dtype=np.float32), gain).tobytes())

        written = write_atomic(wav_path, write)
    if warnings.count:
        print(
            f"warning: FluidSynth reported {warnings.count} problem(s) while rendering, e.g. {warnings.first!r} "
            f"({ENV_DEBUG}=1 shows them all)",
            file=sys.stderr,
        )
    return written


class _Captured:
    """What a C library wrote to stderr: how many lines, and the first."""

    count: int = 0
    first: str = ""


@contextmanager
def _captured_stderr() -> Iterator[_Captured]:
    """Collect what C libraries write to stderr meanwhile, counted when the block ends (see :func:`_stderr_into`)."""
    captured = _Captured()
    with tempfile.TemporaryFile() as capture:
        with _stderr_into(capture):
            yield captured
        capture.seek(0)
        while block := capture.read(1 << 20):
            if not captured.first:
                captured.first = next((ln.strip() for ln in block.decode("utf-8", "replace").splitlines()), "")
            captured.count += block.count(b"\n")
