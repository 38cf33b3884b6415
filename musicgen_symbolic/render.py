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
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from ctypes import POINTER, Array, c_int, c_void_p
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
    write_float = _write_float(_fluidsynth())
    with _loaded_synth(soundfont, sample_rate, {DRUM_CHANNEL}) as (synth, font):

        def stereo(n: int) -> np.ndarray:
            left, right = (np.zeros(n, dtype=np.float32) for _ in range(2))
            write_float(synth.synth, n, left.ctypes.data, 0, 1, right.ctypes.data, 0, 1)
            return np.stack([left, right], axis=1)

        timeline = ((message.time, getattr(message, "channel", 0), message) for message in events)
        yield from _played(synth, font, timeline, {DRUM_CHANNEL}, stereo, sample_rate)


MAX_TRACKS_APART = 128  # FluidSynth's most audio and effects groups


def render_tracks(
    tracks: Sequence[Sequence[mido.Message]],
    drums: Sequence[bool],
    soundfont: str | Path | None = None,
    sample_rate: int = SAMPLE_RATE,
) -> Iterator[np.ndarray]:
    """Float32 samples (len(tracks), n, 2) of several tracks (each a file's messages, as :func:`read_events` gives
    them) played together plus a release tail, each track apart, a chunk of at most ``CHUNK_FRAMES`` at a time.

    One synthesizer plays them all, track k on MIDI channel k (the drum kits where ``drums[k]``), each channel
    mixed to its own output with its own reverb and chorus (FluidSynth's audio and effects groups), so the tracks
    sum to the mix :func:`render_chunks` makes of the whole file. Rendering each track on a synthesizer of its
    own does not: a note's first block depends on the voices that played before it, whatever their channel
    (a piano over a drum kit was off by up to 400 in 32,767 at note starts)."""
    count = len(tracks)
    if not 1 <= count <= MAX_TRACKS_APART:
        raise MusicGenError(f"{count} tracks to render apart: 1 to {MAX_TRACKS_APART}")
    fluidsynth = _fluidsynth()
    process = _process(fluidsynth)
    drum_channels = {channel for channel, drum in enumerate(drums) if drum}
    groups = {"synth.audio-channels": count, "synth.audio-groups": count, "synth.effects-groups": count}
    with _loaded_synth(soundfont, sample_rate, drum_channels, channels=count, **groups) as (synth, font):
        _check_groups(fluidsynth, synth, count)

        def apart(n: int) -> np.ndarray:
            planes = np.zeros((count, 2, n), dtype=np.float32)  # track, left/right, frame
            dry = _pointers([planes[k, side] for k in range(count) for side in (0, 1)])
            # Each channel's reverb and chorus go to its own dry planes (FluidSynth adds into the buffers it gets).
            wet = _pointers([planes[k, side] for k in range(count) for _effect in (0, 1) for side in (0, 1)])
            process(synth.synth, n, 4 * count, wet, 2 * count, dry)
            return np.ascontiguousarray(planes.transpose(0, 2, 1))

        yield from _played(synth, font, _merged(tracks), drum_channels, apart, sample_rate)


@contextmanager
def _loaded_synth(
    soundfont: str | Path | None, sample_rate: int, drums: set[int], channels: int = 16, **settings: int
) -> Iterator[tuple[object, int]]:
    """A synthesizer with the SoundFont loaded and program 0 on its first ``channels`` channels: bank 128 (the drum
    kits) on those in ``drums``, bank 0 on the others."""
    synth = _fluidsynth().Synth(gain=0.5, samplerate=float(sample_rate), **settings)
    try:
        path = find_soundfont(soundfont)
        with _quiet_stderr():  # FluidSynth and libinstpatch print their own errors: ours below is the one line
            font = synth.sfload(str(path))
        if font == -1:
            raise MusicGenError(
                f"FluidSynth could not load the SoundFont {path}: a truncated or corrupt file? "
                f"({ENV_DEBUG}=1 shows FluidSynth's own messages)"
            )
        for channel in range(channels):
            synth.program_select(channel, font, _bank(channel in drums), 0)
        yield synth, font
    finally:
        synth.delete()


def _played(
    synth,  # noqa: ANN001
    font: int,
    timeline: Iterable[tuple[float, int, mido.Message]],
    drums: set[int],
    render: Callable[[int], np.ndarray],
    sample_rate: int,
) -> Iterator[np.ndarray]:
    """Send each (seconds after the previous, channel, message) to ``synth``, the time between rendered by
    ``render(frames)`` a chunk of at most ``CHUNK_FRAMES`` at a time; then the release tail.

    A message is sent at the frame nearest its time from the start (to the nanosecond, so that sums of the same
    times in another order agree), not after the rounded gap since the previous one: the rounding errors of
    thousands of gaps do not add up, and the same file's tracks played apart (:func:`render_tracks`) start every
    note at the frame the whole file does."""
    done = 0

    def until(seconds: float) -> Iterator[np.ndarray]:
        nonlocal done
        frames = int(round(round(seconds, 9) * sample_rate)) - done
        while frames > 0:
            n = min(frames, CHUNK_FRAMES)
            yield render(n)
            frames -= n
            done += n

    now = 0.0
    for seconds, channel, message in timeline:
        now += seconds
        yield from until(now)
        _send(synth, font, message, channel, channel in drums)
    yield from until(now + RENDER_TAIL_SECONDS)


def _merged(tracks: Sequence[Sequence[mido.Message]]) -> list[tuple[float, int, mido.Message]]:
    """The tracks' messages in playing order as (seconds after the previous, track index, message): by time, then
    by track, as a MIDI file's tracks play together."""
    timeline = []
    for index, events in enumerate(tracks):
        now = 0.0
        for message in events:
            now += message.time
            timeline.append((round(now, 9), index, message))  # rounded: a tick's time sums alike in every track
    timeline.sort(key=lambda item: item[:2])
    merged, previous = [], 0.0
    for now, index, message in timeline:
        merged.append((now - previous, index, message))
        previous = now
    return merged


def _process(fluidsynth):  # noqa: ANN001, ANN202
    """fluid_synth_process: each audio and effects group to buffers of its own."""
    return fluidsynth.cfunc(
        "fluid_synth_process",
        c_int,
        ("synth", c_void_p, 1),
        ("len", c_int, 1),
        ("nfx", c_int, 1),
        ("fx", POINTER(c_void_p), 1),
        ("nout", c_int, 1),
        ("out", POINTER(c_void_p), 1),
    )


def _check_groups(fluidsynth, synth, count: int) -> None:  # noqa: ANN001
    """FluidSynth before 2.2 has one reverb and chorus for all channels: tracks rendered apart would share them."""
    effects_groups = fluidsynth.cfunc("fluid_synth_count_effects_groups", c_int, ("synth", c_void_p, 1))
    if effects_groups is None or effects_groups(synth.synth) < count:
        raise MusicGenError("rendering tracks apart needs FluidSynth 2.2 or newer (its effects groups)")


def _pointers(planes: list[np.ndarray]) -> Array:
    return (c_void_p * len(planes))(*(plane.ctypes.data for plane in planes))


def _bank(drum: bool) -> int:
    return 128 if drum else 0


def synthesize(
    midi_path: str | Path, soundfont: str | Path | None = None, sample_rate: int = SAMPLE_RATE
) -> np.ndarray:
    """Render a MIDI file to float32 stereo samples (N, 2), including a release tail (in memory: for short files;
    :func:`render_midi` streams)."""
    chunks = list(render_chunks(read_events(midi_path), soundfont, sample_rate))
    return np.concatenate(chunks) if chunks else np.zeros((0, 2), dtype=np.float32)


def _send(synth, font: int, message: mido.Message, channel: int, drum: bool) -> None:  # noqa: ANN001
    """Play ``message`` on ``channel`` (not necessarily its own); ``drum``: the channel plays the drum kits."""
    kind = message.type
    if kind == "note_on":
        synth.noteon(channel, message.note, message.velocity)
    elif kind == "note_off":
        synth.noteoff(channel, message.note)
    elif kind == "program_change":
        synth.program_select(channel, font, _bank(drum), message.program)
    elif kind == "control_change":
        synth.cc(channel, message.control, message.value)
    elif kind == "pitchwheel":
        synth.pitch_bend(channel, message.pitch)


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


def open_wav(path: str | Path, sample_rate: int = SAMPLE_RATE, channels: int = 2) -> wave.Wave_write:
    """A 16-bit WAV file open for writing frames (a context manager: closing it writes the header's length)."""
    wav = wave.open(str(path), "wb")
    wav.setnchannels(channels)
    wav.setsampwidth(2)
    wav.setframerate(sample_rate)
    return wav


def write_wav(path: str | Path, pcm: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Path:
    def write(tmp: Path) -> None:
        with open_wav(tmp, sample_rate, pcm.shape[1]) as wav:
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
            with open_wav(tmp, sample_rate) as wav:
                while data := spool.read(CHUNK_FRAMES * 8):
                    wav.writeframes(_scaled(np.frombuffer(data, dtype=np.float32), gain).tobytes())

        written = write_atomic(wav_path, write)
    report_warnings(warnings)
    return written


def report_warnings(warnings: _Captured) -> None:
    """One ``warning:`` line on stderr for what FluidSynth printed meanwhile (see :func:`_captured_stderr`), if any."""
    if warnings.count:
        print(
            f"warning: FluidSynth reported {warnings.count} problem(s) while rendering, e.g. {warnings.first!r} "
            f"({ENV_DEBUG}=1 shows them all)",
            file=sys.stderr,
        )


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
