"""`musicgen-symbolic`: runs the commands that ``arguments.py`` defines; the work happens in the API modules.

Heavy libraries (torch, transformers) are imported only by the commands that need them, so
`--help`, `render` and `info` start quickly.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .arguments import build_parser
from .constants import DEFAULT_MUSICGEN_MODEL, DEFAULT_PRECISION, ENV_DEBUG, ENV_MODEL_DIR
from .errors import MusicGenError

if TYPE_CHECKING:
    from .pipeline import GenerationResult
    from .vocabulary import Attributes

__all__ = ["build_parser", "main"]


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _numbered(path: Path, index: int, count: int) -> Path:
    return path if count == 1 else path.with_name(f"{path.stem}_{index + 1}{path.suffix}")


def _check_output(path: Path, suffixes: tuple[str, ...], new_folder: bool = False) -> None:
    """Refuse an output path before any work; ``new_folder``: a missing folder will be made (reports)."""
    if path.suffix.lower() not in suffixes:
        raise MusicGenError(f"output {path} should end in {' or '.join(suffixes)}")
    if path.is_dir():
        raise MusicGenError(f"output path {path} is a folder: give a file name")
    folder = path.parent if str(path.parent) else Path(".")
    while new_folder and not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise MusicGenError(f"cannot write {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise MusicGenError(f"cannot write {path}: folder {folder} is not writable")


_BATCH = ("prompts", "out_dir")  # generate's many-prompt mode: the symbolic backend's
MUSICXML_SUFFIXES = (".musicxml", ".xml")


def _check_folder(path: Path) -> None:
    """Refuse an output folder before any work: a file there, or no parent to make it in."""
    if path.exists() and not path.is_dir():
        raise MusicGenError(f"--stems {path} is a file: give a folder for the stems")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise MusicGenError(f"cannot make the stems folder {path}: {parent} does not exist")


# Flags that only one backend reads: given to the other, they would be silently ignored.
_MUSICAL_ATTRIBUTES = (
    "tempo", "key", "time_signature", "instruments", "without", "genre", "mood", "bars", "seconds", "chords", "form",
    "loop",
)  # fmt: skip
_SYMBOLIC_ONLY = (
    *_MUSICAL_ATTRIBUTES,
    *_BATCH,
    "stems",
    "musicxml",
    "voice_over",
    "voice_at",
    "duck",
    "voice_engine",
    "voice_name",
    "voice_rate",
    "key_strength",
    "nudge_after",
    "variation",
    "model",
    "text_encoder",
    "precision",
    "soundfont",
)
_MUSICGEN_ONLY = ("duration", "musicgen_model", "melody")


def _check_backend_flags(args: argparse.Namespace) -> None:
    symbolic = args.backend == "symbolic"
    foreign = [name for name in (_MUSICGEN_ONLY if symbolic else _SYMBOLIC_ONLY) if getattr(args, name) is not None]
    if foreign:
        raise MusicGenError(
            f"{_flags(foreign)}: not used by the {args.backend} backend ({_backend_hint(foreign, symbolic)})"
        )


def _backend_hint(foreign: list[str], symbolic: bool) -> str:
    """What to do instead of each group of flags the chosen backend does not read."""
    if symbolic:
        return "add --backend musicgen"
    lengths = [name for name in foreign if name in ("bars", "seconds")]
    words = [name for name in foreign if name in _MUSICAL_ATTRIBUTES and name not in lengths]
    setup = [name for name in foreign if name not in _MUSICAL_ATTRIBUTES]
    groups = [
        (lengths, "MusicGen's length is --duration"),
        (words, "MusicGen follows the prompt's words only: write them there"),
        (
            setup,
            "for the symbolic backend only" + ("; MusicGen's is --musicgen-model" if "model" in setup else ""),
        ),
    ]
    given = [(names, hint) for names, hint in groups if names]
    if len(given) == 1:
        return given[0][1]
    return "; ".join(f"{_flags(names)}: {hint}" for names, hint in given)


def _flags(names: Iterable[str]) -> str:
    """Argument names as the user typed them: "--key-strength, --precision"."""
    return ", ".join("--" + name.replace("_", "-") for name in names)


def _given(args: argparse.Namespace, kind: type) -> dict:
    """The flags the user gave that name fields of the dataclass ``kind`` (settings or attribute overrides)."""
    from dataclasses import fields

    return {f.name: getattr(args, f.name) for f in fields(kind) if getattr(args, f.name, None) is not None}


def _generate(args: argparse.Namespace) -> int:
    _check_backend_flags(args)
    if args.prompts is not None or args.out_dir is not None:
        return _generate_batch(args)
    if args.prompt is None:
        raise MusicGenError('give a prompt, e.g. generate "a calm piano piece" -o song.mid (or --prompts FILE)')
    if args.output is None:
        raise MusicGenError("give the MIDI file to write: -o song.mid")
    _beside_output(args)
    if args.plot:
        _check_output(args.plot, (".png",))
    if args.backend == "musicgen":
        _generate_audio(args)
        return 0
    from .prompt import AttributeOverrides
    from .settings import GenerationSettings

    overrides = _given(args, AttributeOverrides)
    asked = AttributeOverrides(**overrides).resolve(args.prompt)  # reject bad input before loading anything
    settings = GenerationSettings(**_given(args, GenerationSettings))
    _check_takes(args, settings.num_samples)
    speech = _speech(args)
    generator = _load_generator(args)
    results = generator.generate_many(args.prompt, settings, progress=not args.quiet, **overrides)
    if not args.quiet:
        understood = {k: v for k, v in asked.to_dict().items() if v is not None}
        _say("understood: " + ", ".join(f"{k}={v}" for k, v in understood.items()))
        _say(_planned(asked, results[0]))
    for path in _write_takes(args, results, speech=speech):
        print(path)
    return 0


def _beside_output(args: argparse.Namespace) -> None:
    """A bare ``--wav`` or ``--plot`` names the file beside the output: song.mid → song.wav, song.png."""
    for name, suffix in (("wav", ".wav"), ("plot", ".png")):
        if getattr(args, name, None) is True:  # (speak has no --wav: its output is one)
            setattr(args, name, args.output.with_suffix(suffix))


def _generate_batch(args: argparse.Namespace) -> int:
    """``generate --prompts FILE --out-dir DIR``: a piece per line (``batch.py``); exit status 1 if a line failed."""
    from .batch import check_batch, generate_batch
    from .prompt import AttributeOverrides
    from .settings import GenerationSettings

    if args.prompts is None or args.out_dir is None:
        raise MusicGenError("--prompts FILE and --out-dir DIR go together: one piece per line of FILE, into DIR")
    if args.prompt is not None or args.output is not None:
        given = "the prompt " + repr(args.prompt) if args.prompt is not None else "-o"
        raise MusicGenError(
            f"with --prompts the prompts come from the file and the files go to --out-dir: drop {given}"
        )
    if args.stems or args.musicxml or args.voice_over:
        raise MusicGenError(
            "--stems, --musicxml and --voice-over write one piece's files: not with --prompts (use render on each)"
        )
    for name in ("wav", "plot"):
        if isinstance(getattr(args, name), Path):
            suffix = "wav" if name == "wav" else "png"
            raise MusicGenError(f"with --prompts, --{name} takes no file name: the files are DIR/<id>.{suffix}")
    overrides = _given(args, AttributeOverrides)
    check_batch(args.prompts, args.out_dir, overrides)
    settings = GenerationSettings(**_given(args, GenerationSettings))
    generator = _load_generator(args)
    summary = generate_batch(
        generator, args.prompts, args.out_dir, settings, wav=bool(args.wav), soundfont=args.soundfont,
        plot=bool(args.plot), overrides=overrides, progress=not args.quiet, report=_say,
    )  # fmt: skip
    print(summary.manifest)
    _say(str(summary))
    return 1 if summary.failed else 0


def _check_takes(args: argparse.Namespace, takes: int) -> None:
    """Every take's output names, and the SoundFont, before any work."""
    if args.soundfont and not (args.wav or args.stems):
        raise MusicGenError("--soundfont is used only with --wav or --stems: add --wav out.wav, or drop it")
    outputs = [
        (args.output, (".mid", ".midi")), (args.wav, (".wav",)), (args.plot, (".png",)),
        (args.musicxml, MUSICXML_SUFFIXES),
    ]  # fmt: skip
    for path, suffixes in outputs:
        for take in range(takes) if path else ():
            _check_output(_numbered(path, take, takes), suffixes)
    for take in range(takes) if args.stems else ():
        _check_folder(_numbered(args.stems, take, takes))
    if args.wav or args.stems:
        from .render import find_soundfont

        find_soundfont(args.soundfont)


def _load_generator(args: argparse.Namespace):  # noqa: ANN202 (a MusicGenSymbolic: its import is heavy)
    from .pipeline import MusicGenSymbolic
    from .threads import apply as apply_threads

    apply_threads(args.threads)
    generator = MusicGenSymbolic.from_pretrained(args.model, text_encoder=args.text_encoder)
    if not generator.trained and not args.quiet:
        _say("warning: this model is UNTRAINED (random weights): expect random notes that still obey the attributes")
    return generator


def _continue(args: argparse.Namespace) -> None:
    from .continuation import check_continuable
    from .midi_io import load_midi
    from .prompt import AttributeOverrides
    from .settings import GenerationSettings
    from .vocabulary import Attributes

    _beside_output(args)
    overrides = _given(args, AttributeOverrides)
    given = AttributeOverrides(**overrides)
    given.resolve(args.prompt) if args.prompt.strip() else given.apply(Attributes())  # bad input: before any work
    settings = GenerationSettings(**_given(args, GenerationSettings))
    source = load_midi(args.midi, markers=True)
    check_continuable(source, args.from_bar)
    _check_takes(args, settings.num_samples)
    speech = _speech(args)
    generator = _load_generator(args)
    results = generator.continue_midi(
        source, args.prompt, settings, from_bar=args.from_bar, progress=not args.quiet, **overrides
    )
    if not args.quiet:
        for line in _continued(args, results[0]):
            _say(line)
    for path in _write_takes(args, results, only_new=args.only_new, speech=speech):
        print(path)


def _continued(args: argparse.Namespace, result: GenerationResult) -> list[str]:
    """What a continuation read from the file and what it played: the summary lines."""
    primer, chosen = result.primer, result.attributes
    read = f"read: {primer.file_bars} bars of {args.midi.name}, {primer.notes} notes"
    if primer.quantised:
        read += f"; {primer.quantised} notes fall between the model's 1/32-note steps (it reads them moved; the file keeps them)"
    lines = [read]
    if primer.out_of_range:
        count = len(primer.out_of_range)
        lines.append(
            f"note: {count} note{'s' if count > 1 else ''} outside the model's range, left out of what it reads (the "
            f"file keeps them): {primer.out_of_range[0]}" + (" …" if count > 1 else "")
        )
    heard = result.heard_bars
    if heard is not None and heard < primer.bars:
        lines.append(f"note: the model reads the file's last {heard} of {primer.bars} bars (its context is full)")
    new = chosen.bars
    start = primer.bars + 1
    lines.append(
        f"continued: bars {start}–{start + new - 1} ({new} new"
        + (f", replacing bars {start}–{primer.file_bars}" if args.from_bar else "")
        + f") at {chosen.tempo:g} bpm in {chosen.time_signature[0]}/{chosen.time_signature[1]}"
        + (f", {chosen.key.name}" if chosen.key else "")
        + ", with "
        + ", ".join(_instrument_names(chosen.instruments))
    )
    if result.plan is not None:
        whose = " (going on from the file's)" if result.plan.loop == primer.loop else ""
        lines.append(f"planned: chords={result.plan.symbols(min(new, 8), new)}" + (" …" if new > 8 else "") + whose)
    return lines


def _instrument_names(programs: Iterable[int]) -> list[str]:
    from .vocabulary import program_name

    return [program_name(p) for p in programs]


def _write_takes(
    args: argparse.Namespace, results: list[GenerationResult], only_new: bool = False, speech: _Speech | None = None
) -> list[Path]:
    """Every take's MIDI (and WAV, stems, score, plot), all or nothing: a failure or an interrupt leaves the previous
    files. ``only_new``: a continuation's new bars alone; ``speech``: a voice over each WAV."""
    from .midi_io import save_midi
    from .outputs import Outputs, interruptible

    with interruptible(), Outputs() as outputs:
        for index, result in enumerate(results):
            take = functools.partial(_numbered, index=index, count=len(results))
            music = result.new_part if only_new else result.midi
            midi = save_midi(music, outputs.stage(take(args.output)))
            if args.stems:  # the stems and the mix in one rendering (their samples add up to the mix's)
                from .export import write_stems

                mix = take(args.wav) if args.wav else None
                write_stems(midi, take(args.stems), args.soundfont, mix_wav=mix, outputs=outputs)
            elif args.wav:
                from .render import render_midi

                render_midi(midi, outputs.stage(take(args.wav)), args.soundfont)
            if speech is not None:
                speech.over(outputs.staged(take(args.wav)), midi, take(args.stems) if args.stems else None, outputs)
            if args.musicxml:
                from .export import write_musicxml

                write_musicxml(music, outputs.stage(take(args.musicxml)), title=args.prompt or None)
            if args.plot:
                from .plots import plot_midi

                plot_midi(music, outputs.stage(take(args.plot)), title=args.prompt or None)
        return outputs.commit()


def _planned(asked: Attributes, result: GenerationResult) -> str:
    """What the generator chose where the prompt did not say: length, metre, key and the chords (first take)."""
    chosen = result.attributes
    parts = [f"{name}={value}" for name, value in chosen.to_dict().items() if value and not getattr(asked, name)]
    plan = result.plan
    if plan is not None:
        if asked.key is None:
            parts.append(f"key={plan.key.name}")
        bars = len(result.midi.get_downbeats())
        parts.append(f"chords={plan.symbols(min(bars, 8), bars)}" + (" …" if bars > 8 else ""))
    if result.form is not None and len(result.form.sections) > 1 and (asked.form is None or not asked.form.parts):
        parts.append("form=" + " ".join(f"{s.name}:{s.bars}" for s in result.form.sections))
    return "planned: " + (", ".join(parts) or "nothing")


def _generate_audio(args: argparse.Namespace) -> None:
    """The MusicGen path: prompt → WAV at the model's sampling rate (no MIDI, no SoundFont)."""
    from .prompt import parse_prompt

    parse_prompt(args.prompt)
    _check_output(args.output, (".wav",))
    if args.wav:
        raise MusicGenError("with --backend musicgen the output is already audio: give -o out.wav and drop --wav")
    if args.melody and not args.melody.is_file():
        raise MusicGenError(f"no such melody file: {args.melody}")
    if not 1 <= args.num_samples <= 64:
        raise MusicGenError(f"--num-samples must be 1–64, got {args.num_samples}")
    from .audio_backend import AudioSettings, MusicGenAudio, save_wav

    settings = AudioSettings(**_given(args, AudioSettings))  # checked before the model loads
    model = MusicGenAudio.from_pretrained(args.musicgen_model or DEFAULT_MUSICGEN_MODEL)
    for index in range(args.num_samples):
        seed = None if settings.seed is None else settings.seed + index
        samples, rate = model.generate(args.prompt, settings, seed=seed, progress=not args.quiet, melody=args.melody)
        wav = save_wav(samples, rate, _numbered(args.output, index, args.num_samples))
        print(wav)
        if args.plot:
            from .plots import plot_audio

            print(plot_audio(wav, _numbered(args.plot, index, args.num_samples), title=args.prompt))


def _plot(args: argparse.Namespace) -> None:
    from .plots import AUDIO_OPTIONS, plot_file

    options = {name: getattr(args, name) for name in AUDIO_OPTIONS if getattr(args, name) is not None}
    if options and args.input.suffix.lower() != ".wav":
        raise MusicGenError(f"{_flags(options)}: spectrogram options, for a .wav input only")
    print(plot_file(args.input, args.output, similarity=args.similarity, **options))


def _speak(args: argparse.Namespace) -> None:
    from .outputs import Outputs, interruptible
    from .voice import check_text, save_speech

    _check_output(args.output, (".wav",))
    _beside_output(args)
    if args.plot:
        _check_output(args.plot, (".png",))
    check_text(args.text)
    with interruptible(), Outputs() as outputs:
        wav = save_speech(args.text, outputs.stage(args.output), args.engine, args.voice_name, args.rate)
        if args.plot:
            from .plots import plot_audio

            plot_audio(wav, outputs.stage(args.plot), title=args.text[:60], pitch=True)
        written = outputs.commit()
    for path in written:
        print(path)


def _speech(args: argparse.Namespace) -> _Speech | None:
    """The ``--voice-over`` asked for, said now (None without one); its other flags alone are a mistake."""
    others = [name for name in VOICE_FLAGS if getattr(args, name, None) is not None]
    if args.voice_over is None:
        if others:
            raise MusicGenError(
                f"{_flags(others).replace('voice-name', 'voice')}: for a --voice-over; add one, or drop them"
            )
        return None
    if not getattr(args, "wav", True) and not getattr(args, "stems", None):
        raise MusicGenError("--voice-over is said over the WAV: add --wav")
    return _Speech(args)


VOICE_FLAGS = ("voice_at", "duck", "voice_engine", "voice_name", "voice_rate")


class _Speech:
    """A ``--voice-over``: said once before any music is made (a bad text or voice fails first), then mixed over
    each take's WAV at ``--voice-at``."""

    def __init__(self, args: argparse.Namespace) -> None:
        from .voice import check_rate, check_text, speak

        self.at = _voice_at(args.voice_at)
        duck = 12.0 if args.duck is None else args.duck
        if not 0 <= duck <= 60:
            raise MusicGenError(f"--duck must be 0–60 dB (how far the music drops under the voice), got {duck:g}")
        self.duck_db = -duck
        check_text(args.voice_over)
        rate = check_rate(1.0 if args.voice_rate is None else args.voice_rate)
        self.voice = speak(args.voice_over, args.voice_engine, args.voice_name, rate)

    def over(self, wav: Path, midi: Path, stems: Path | None, outputs) -> None:  # noqa: ANN001 (an Outputs)
        """Mix the voice over ``wav`` (a staged file, rewritten in place), starting at the time its ``--voice-at``
        names in ``midi``; with ``stems``, also ``voice.wav`` there."""
        from .midi_io import load_midi
        from .voice import mix_voice_over

        music = load_midi(midi)
        seconds = self.at[1]
        if self.at[0] is not None:
            downbeats = music.get_downbeats()
            if self.at[0] > len(downbeats):
                raise MusicGenError(f"--voice-at {self.at[0]}: the piece has {len(downbeats)} bars")
            seconds = float(downbeats[self.at[0] - 1])
        stem = None
        if stems is not None:  # after the tracks' stems: 04-voice.wav beside 01- to 03-
            import pretty_midi

            from .export import stem_names

            tracks = [instrument for instrument in music.instruments if instrument.notes]
            name = stem_names([*tracks, pretty_midi.Instrument(0, name="voice")])[-1]
            stem = outputs.stage(stems / f"{name}.wav")
        mix_voice_over(wav, self.voice, wav, at=seconds, duck_db=self.duck_db, voice_stem=stem)


def _voice_at(text: str | None) -> tuple[int | None, float]:
    """``--voice-at``: a bar number ("5", "bar 5") or seconds ("2.5s", "2.5 sec"): (bar or None, seconds)."""
    if text is None:
        return None, 0.0
    value = text.strip().lower()
    try:
        unit = next((u for u in ("seconds", "second", "secs", "sec", "s") if value.endswith(u)), None)
        if unit is not None:
            seconds = float(value.removesuffix(unit).strip())
            if not 0 <= seconds <= 3600:
                raise ValueError
            return None, seconds
        bar = int(value.removeprefix("bar").strip())
        if bar < 1:
            raise ValueError
        return bar, 0.0
    except ValueError:
        raise MusicGenError(
            f"--voice-at {text!r}: give a bar number (5) or seconds (2.5s) from the start, 0–3600"
        ) from None


def _serve(args: argparse.Namespace) -> None:
    from .studio import serve

    serve(
        args.host,
        args.port,
        args.open,
        args.model,
        out_dir=args.out_dir,
        soundfont=args.soundfont,
        threads=args.threads,
    )


def _render(args: argparse.Namespace) -> None:
    from .midi_io import load_midi
    from .outputs import Outputs, interruptible
    from .render import render_midi

    _check_output(args.output, (".wav",))
    if args.musicxml:
        _check_output(args.musicxml, MUSICXML_SUFFIXES)
    if args.stems:
        _check_folder(args.stems)
    midi = load_midi(args.midi)  # validates the file with a clear error
    if not 8000 <= args.sample_rate <= 192000:
        raise MusicGenError(f"--sample-rate must be 8000–192000, got {args.sample_rate}")
    speech = _speech(args)
    with interruptible(), Outputs() as outputs:
        if args.stems:
            from .export import write_stems

            write_stems(args.midi, args.stems, args.soundfont, args.sample_rate, args.output, outputs=outputs)
        else:
            render_midi(args.midi, outputs.stage(args.output), args.soundfont, args.sample_rate)
        if speech is not None:
            speech.over(outputs.staged(args.output), args.midi, args.stems, outputs)
        if args.musicxml:
            from .export import write_musicxml

            write_musicxml(midi, outputs.stage(args.musicxml), title=args.midi.stem)
        written = outputs.commit()
    for path in written:
        print(path)


def _info(args: argparse.Namespace) -> None:
    import importlib.metadata as md

    from . import __version__
    from .pipeline import default_model_dir, describe_model_folder

    print(f"musicgen-symbolic {__version__}")
    for package in ("torch", "transformers", "miditok", "symusic", "pretty_midi", "pyfluidsynth"):
        try:
            print(f"  {package:<13} {md.version(package)}")
        except md.PackageNotFoundError:
            print(f"  {package:<13} not installed")
    for line in describe_model_folder(args.model or default_model_dir()):
        print(line)
    try:
        from .render import _fluidsynth, find_soundfont

        print(f"soundfont:    {find_soundfont()}")
        _fluidsynth()
        print("fluidsynth:   found")
    except MusicGenError as error:
        print(f"rendering:    unavailable: {error}")
    import torch

    from .decoder import int8_supported

    weights = DEFAULT_PRECISION if int8_supported() else "bf16 (this torch has no int8 kernel)"
    print(f"symbolic:     cpu, {torch.get_num_threads()} threads, {weights} weights by default")
    audio_device = f"cuda ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else "cpu"
    print(f"musicgen:     {audio_device}")


def _init_model(args: argparse.Namespace) -> None:
    from .pipeline import MusicGenSymbolic

    if args.folder.exists() and any(args.folder.iterdir()) if args.folder.is_dir() else args.folder.exists():
        raise MusicGenError(f"{args.folder} already exists and is not an empty folder")
    model = MusicGenSymbolic.init_random(args.size, args.text_encoder, args.seed)
    print(model.save_pretrained(args.folder))
    _say(f"wrote an UNTRAINED {args.size} model ({model.model.num_parameters():,} parameters)")


def _data_build(args: argparse.Namespace) -> None:
    from .data.build import BuildPlan, build_dataset
    from .data.sources import CORPUS_CAPS

    composer, music21, caps = args.composer, args.music21, None
    if args.music21_cap and music21 != "all":
        raise MusicGenError("--music21-cap is for the whole corpus: add --music21 all")
    if args.music21_cap:
        caps = dict(CORPUS_CAPS)
        for given in args.music21_cap:
            name, _, count = given.partition("=")
            if name not in CORPUS_CAPS or not (count == "all" or count.isdigit()):
                raise MusicGenError(
                    f"--music21-cap {given}: give COLLECTION=N (N tunes, or 'all'); collections: {', '.join(CORPUS_CAPS)}"
                )
            caps[name] = None if count == "all" else int(count)
    if args.limit is not None:
        files = max(1, args.limit // 50)
        composer, music21 = min(composer, args.limit), files if music21 == "all" else min(music21, files)
        caps = None  # a quick run takes the first files, as a number does
    if composer < 0 or (music21 != "all" and music21 < 0):
        raise MusicGenError("piece counts must be ≥ 0")
    if args.workers is not None and args.workers < 1:
        raise MusicGenError(f"--workers must be at least 1, got {args.workers}")
    if args.midicaps and not Path(args.midicaps).is_file():
        raise MusicGenError(f"no such file: {args.midicaps}")
    if args.out.exists() and not args.out.is_dir():
        raise MusicGenError(f"--out {args.out} is a file: give a folder for the dataset")
    plan = BuildPlan(composer, music21, str(args.midicaps) if args.midicaps else None, args.seed, caps)
    manifest = build_dataset(args.out, plan, workers=args.workers, tokenizer=args.tokenizer)
    print(args.out)
    _say(f"pieces: {manifest['pieces']}")
    _say(f"by source: {manifest['pieces_by_source']}")


def _train(args: argparse.Namespace) -> None:
    from .training import TrainConfig, train

    overrides = dict(
        steps=args.steps,
        batch_size=args.batch_size,
        seq_len=args.seq_len,
        learning_rate=args.learning_rate,
        text_encoder=args.text_encoder,
        seed=args.seed,
        init_from=str(args.init_from) if args.init_from else None,
    )
    if Path(args.config).suffix == ".json":
        if not Path(args.config).is_file():
            raise MusicGenError(f"no such config file: {args.config}")
        config = TrainConfig.from_file(args.config, data=str(args.data), out=str(args.out), **overrides)
    else:
        config = TrainConfig(
            data=str(args.data),
            out=str(args.out),
            size=args.config,
            **{k: v for k, v in overrides.items() if v is not None},
        )
    if args.kv_heads is not None:
        config.model = {**config.model, "n_kv_head": args.kv_heads}
    train(config)
    print(Path(config.out) / "model")


def _evaluate(args: argparse.Namespace) -> None:
    from .evaluation import evaluate_prompts, load_prompts, read_report, write_report
    from .settings import GenerationSettings

    _check_output(args.out, (".json",), new_folder=True)
    if args.limit is not None and args.limit < 1:
        raise MusicGenError(f"--limit must be at least 1, got {args.limit}")
    given = _given(args, GenerationSettings)
    if args.midi_dir is not None and (given or args.bars is not None):
        names = [*given, *(["bars"] if args.bars is not None else [])]
        raise MusicGenError(f"{_flags(names)}: generation settings, not used when scoring --midi-dir files")
    cases = load_prompts(args.prompts, bars=args.bars)[: args.limit]
    others = {path.stem: read_report(path) for path in args.compare}
    generator = settings = None
    if args.midi_dir is None:
        from .pipeline import MusicGenSymbolic

        settings = GenerationSettings(**{"seed": 0, **given})
        from .threads import apply as apply_threads

        apply_threads(args.threads)
        generator = MusicGenSymbolic.from_pretrained(args.model)
    elif not args.midi_dir.is_dir():
        raise MusicGenError(f"no such folder: {args.midi_dir}")
    report = evaluate_prompts(cases, generator, args.midi_dir, settings, bars=args.bars)
    report["source"] = str(args.midi_dir or args.model or os.environ.get(ENV_MODEL_DIR) or "bundled model")
    print(write_report(report, args.out, others), end="")


COMMANDS = {
    handler.__name__: handler
    for handler in (
        _generate,
        _continue,
        _speak,
        _serve,
        _render,
        _plot,
        _info,
        _init_model,
        _data_build,
        _train,
        _evaluate,
    )
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error already printed
        return done.code if isinstance(done.code, int) else 2
    try:
        code = COMMANDS[args.run](args)
    except MusicGenError as error:
        _say(f"error: {error}")
        return 2
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except Exception as error:  # a bug: still one line, unless debugging
        if os.environ.get(ENV_DEBUG):
            raise
        _say(f"error: unexpected {type(error).__name__}: {error} (set {ENV_DEBUG}=1 for a traceback)")
        return 1
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
