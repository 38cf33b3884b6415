"""`musicgen-symbolic`: argument parsing only; the work happens in the API modules.

Heavy libraries (torch, transformers) are imported only by the commands that need them, so
`--help`, `render` and `info` start quickly.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from .constants import (
    DEFAULT_BARS,
    DEFAULT_CFG,
    DEFAULT_KEY_STRENGTH,
    DEFAULT_MELODY_SHAPE,
    DEFAULT_MUSICGEN_CFG,
    DEFAULT_MUSICGEN_DURATION,
    DEFAULT_MUSICGEN_MODEL,
    DEFAULT_MUSICGEN_TOP_K,
    DEFAULT_NUDGE_AFTER,
    DEFAULT_PRECISION,
    DEFAULT_TEMPERATURE,
    DEFAULT_TOP_K,
    DEFAULT_TOP_P,
    ENV_DEBUG,
    ENV_MODEL_DIR,
    ENV_SOUNDFONT,
    MAX_BARS,
    PRECISIONS,
)
from .errors import MusicGenError

if TYPE_CHECKING:
    from .pipeline import GenerationResult
    from .vocabulary import Attributes

PRECISION_HELP = (
    "weights while decoding: int8 (default: fastest, same evaluation scores), bf16, or fp32 (the exact model)"
)

EXAMPLES = """examples:
  musicgen-symbolic generate "a calm lo-fi piece in D minor at 80 bpm with electric piano, bass and drums" -o song.mid --wav song.wav
  musicgen-symbolic generate "upbeat waltz for strings" -o waltz.mid --bars 16 --seed 7 --num-samples 3
  musicgen-symbolic render song.mid -o song.wav --soundfont ~/sf2/MyFont.sf2
  musicgen-symbolic info
"""


def _add_generate(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "generate",
        help="prompt → MIDI (and optionally WAV)",
        description="Generate multi-track MIDI from a text prompt. Tempo, key, metre, instruments, genre, mood "
        "and length are read from the prompt; the flags below override what the prompt says.",
        epilog='example: musicgen-symbolic generate "jazzy bossa nova in Bb at 130 bpm with nylon guitar and flute" -o out.mid --wav out.wav',
    )
    p.add_argument("prompt", help="what to generate, in words")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        help="MIDI file to write (with --num-samples N: name_1.mid … name_N.mid)",
    )
    p.add_argument("--wav", type=Path, help="also render a WAV file through FluidSynth")
    music = p.add_argument_group("musical attributes (override the prompt)")
    music.add_argument("--tempo", help="beats per minute (e.g. 126) or a word: Adagio, Allegro, slow, fast …")
    music.add_argument(
        "--key", help="e.g. 'D minor', 'F#m', 'E flat major', 'Bb'; a mode by its third: 'D dorian' is D minor"
    )
    music.add_argument("--time-signature", help="e.g. 4/4, 3/4, 6/8, 7/8")
    music.add_argument("--instruments", help="comma-separated: 'electric piano, bass, drums' (GM names or synonyms)")
    music.add_argument(
        "--without",
        help="comma-separated instruments to leave out, each with its kind: 'drums, guitar' (every guitar)",
    )
    music.add_argument("--genre", help="e.g. jazz, lo-fi, rock, waltz, ambient, classical")
    music.add_argument("--mood", help="e.g. calm, happy, sad, dark, epic, dreamy")
    music.add_argument("--chords", help="e.g. 'Am F C G', 'Am:2 F:2 | C G' (X:N: N bars), 'ii7 V7 I', '12-bar blues'")
    length = music.add_mutually_exclusive_group()
    length.add_argument(
        "--bars", type=int, help=f"length in bars (default {DEFAULT_BARS} when the prompt gives no length)"
    )
    length.add_argument("--seconds", type=float, help="length in seconds (rounded up to whole bars)")
    sampling = p.add_argument_group("sampling")
    sampling.add_argument(
        "--temperature",
        type=float,
        default=DEFAULT_TEMPERATURE,
        help="randomness, 0–5; 0 = greedy (default %(default)s)",
    )
    sampling.add_argument(
        "--top-k",
        type=int,
        help=f"sample from the k likeliest tokens; 0 = off (default {DEFAULT_TOP_K}; {DEFAULT_MUSICGEN_TOP_K} with musicgen)",
    )
    sampling.add_argument(
        "--top-p",
        type=float,
        help=f"nucleus sampling mass; 1 = off (default {DEFAULT_TOP_P}; off with musicgen)",
    )
    sampling.add_argument(
        "--cfg",
        type=float,
        help=f"classifier-free guidance scale, 0–20; 1 = off (default {DEFAULT_CFG}; {DEFAULT_MUSICGEN_CFG} with musicgen)",
    )
    sampling.add_argument(
        "--key-strength",
        type=float,
        help=f"when a key is asked for, how strongly to avoid notes outside its scale and to favour its tonic "
        f"chord: gently on every note, more where phrases start (every 4 bars) and in the last bar; 0–20, 0 = off "
        f"(default {DEFAULT_KEY_STRENGTH})",
    )
    sampling.add_argument(
        "--melody-shape",
        type=float,
        help="how strongly a melody instrument's line (violin, flute, sax, trumpet, synth lead …) moves by step "
        f"rather than repeating a note or leaping; 0–10, 0 = off (default {DEFAULT_MELODY_SHAPE:g})",
    )
    sampling.add_argument(
        "--nudge-after",
        type=int,
        metavar="BARS",
        help="bars a requested instrument may stay silent before it is nudged back in (it then returns within a "
        f"bar or two); 0–{MAX_BARS}, 0 = never, so instruments may drop out of long pieces "
        f"(default {DEFAULT_NUDGE_AFTER})",
    )
    sampling.add_argument("--seed", type=int, help="random seed: the same seed gives the same MIDI bytes")
    sampling.add_argument(
        "--num-samples", type=int, default=1, help="how many pieces to generate in one batch, 1–64 (default 1)"
    )
    setup = p.add_argument_group("model and rendering")
    setup.add_argument(
        "--model", type=Path, help=f"model folder (default: ${ENV_MODEL_DIR} if set, else the bundled model)"
    )
    setup.add_argument(
        "--text-encoder", help="override check: 'minilm' or 't5:<hub id or folder>' (must match the model)"
    )
    setup.add_argument("--precision", choices=PRECISIONS, help=PRECISION_HELP)
    setup.add_argument(
        "--soundfont",
        type=Path,
        help=f"SoundFont for --wav (default: ${ENV_SOUNDFONT}, this project's soundfonts/, Debian's)",
    )
    setup.add_argument(
        "--plot", type=Path, help="also draw a PNG: piano roll (symbolic) or waveform + spectrograms (musicgen)"
    )
    audio = p.add_argument_group("raw-audio backend (Meta's MusicGen through transformers)")
    audio.add_argument(
        "--backend",
        choices=["symbolic", "musicgen"],
        default="symbolic",
        help="symbolic: MIDI from our model (default); musicgen: a WAV straight from MusicGen (-o must end in .wav)",
    )
    audio.add_argument(
        "--duration", type=float, help=f"musicgen: seconds of audio (default {DEFAULT_MUSICGEN_DURATION:g})"
    )
    audio.add_argument("--musicgen-model", help=f"musicgen: hub id or local folder (default {DEFAULT_MUSICGEN_MODEL})")
    audio.add_argument("--melody", type=Path, help="musicgen-melody checkpoints only: a .wav or .mid melody to follow")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(run=_generate)


def _add_render(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "render",
        help="MIDI → WAV through FluidSynth",
        description="Render a MIDI file to a stereo 16-bit WAV (44.1 kHz unless --sample-rate).",
    )
    p.add_argument("midi", type=Path, help="MIDI file to render")
    p.add_argument("-o", "--output", required=True, type=Path, help="WAV file to write")
    p.add_argument(
        "--soundfont",
        type=Path,
        help=f"SoundFont (.sf2/.sf3); default: ${ENV_SOUNDFONT}, this project's soundfonts/, Debian's",
    )
    p.add_argument("--sample-rate", type=int, default=44100, help="samples per second (default %(default)s)")
    p.set_defaults(run=_render)


def _add_plot(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "plot",
        help="draw a MIDI piano roll or a WAV's waveform + spectrograms as PNG",
        description="MIDI: piano roll, one colour per instrument, drums in their own lane, bar lines. WAV: waveform, "
        "linear STFT spectrogram and mel spectrogram in dB.",
    )
    p.add_argument("input", type=Path, help=".mid/.midi or .wav (16-bit PCM)")
    p.add_argument("-o", "--output", required=True, type=Path, help="PNG to write")
    p.add_argument("--n-fft", type=int, help="WAV: FFT size in samples, 16–65536 (default 2048)")
    p.add_argument("--hop", type=int, help="WAV: hop between frames in samples (default 512)")
    p.add_argument(
        "--n-mels", type=int, help="WAV: mel bands, at most n_fft / 2 + 1 (default 128, fewer below --n-fft 768)"
    )
    p.set_defaults(run=_plot)


def _add_info(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("info", help="versions, model, text encoder, SoundFont, device")
    p.add_argument(
        "--model",
        type=Path,
        help=f"model folder to describe (default: ${ENV_MODEL_DIR} if set, else the bundled model)",
    )
    p.set_defaults(run=_info)


def _add_init_model(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "init-model",
        help="create an UNTRAINED model folder (random weights) for testing the pipeline",
        description="Write an untrained model with random weights: its music is random notes. Use it to try the "
        "pipeline end to end or as a starting point; train a real model with the training command.",
    )
    p.add_argument("folder", type=Path, help="where to write config.json, model.safetensors, tokenizer.json")
    p.add_argument("--size", default="tiny", choices=["tiny", "small", "base"], help="model size (default %(default)s)")
    p.add_argument("--text-encoder", default="minilm", help="'minilm' (default, offline) or 't5:<hub id or folder>'")
    p.add_argument("--seed", type=int, default=0, help="seed for the random weights")
    p.set_defaults(run=_init_model)


def _add_data(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("data", help="build a training dataset", description="Training data tools.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser(
        "build",
        help="compose, convert and tokenise training pieces (resumable, parallel)",
        description="Build a dataset from the procedural composer, music21's bundled corpus and, optionally, "
        "captioned MIDI in MidiCaps format. Re-running the same command resumes an interrupted build.",
    )
    build.add_argument("--out", required=True, type=Path, help="dataset folder")
    build.add_argument("--composer", type=int, default=16000, help="procedural pieces (default %(default)s)")

    def files_or_all(value: str) -> int | str:
        if value == "all":
            return value
        try:
            return int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"a number of files or 'all', not {value!r}") from None

    build.add_argument(
        "--music21",
        type=files_or_all,
        default=120,
        metavar="N|all",
        help="music21 corpus files (one file may hold many tunes), or 'all': every collection, each at most its cap "
        "of tunes (default %(default)s)",
    )
    build.add_argument(
        "--music21-cap",
        action="append",
        metavar="COLLECTION=N",
        help="with --music21 all: at most N tunes of a collection (e.g. essenFolksong=3000; 'all' for every tune, "
        "0 leaves it out); repeat for more; the others keep their default caps",
    )
    build.add_argument(
        "--midicaps",
        type=Path,
        help="JSON lines or CSV with 'caption' and 'location' columns (a relative location is read from the "
        "table's folder)",
    )
    build.add_argument(
        "--limit",
        type=int,
        help="quick run: at most this many composer pieces and a fiftieth as many corpus files (the first files "
        "a number takes, also with --music21 all)",
    )
    build.add_argument("--seed", type=int, default=0)
    build.add_argument("--workers", type=int, help="processes (default: up to 2)")
    p.set_defaults(run=_data_build)


def _add_train(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "train",
        help="train a model on a built dataset (resumes from its checkpoint)",
        description="Train the conditional Transformer. Re-running the same command resumes exactly from the last "
        "checkpoint. For several GPUs: torchrun --nproc_per_node N -m musicgen_symbolic train ...",
    )
    p.add_argument("--data", required=True, type=Path, help="folder made by `data build`")
    p.add_argument("--out", required=True, type=Path, help="run folder: checkpoint/, model/, log.csv, loss.png")
    p.add_argument("--config", default="small", help="tiny | small | base | a JSON file of TrainConfig fields")
    p.add_argument("--steps", type=int, help="total optimisation steps (default: the --config preset's)")
    p.add_argument("--batch-size", type=int, help="rows per step (default: the preset's)")
    p.add_argument("--seq-len", type=int, help="tokens per training row (default: the preset's)")
    p.add_argument("--learning-rate", type=float, help="peak learning rate (default: the preset's)")
    p.add_argument("--text-encoder", help="'minilm' (default) or 't5:<hub id or folder>'")
    p.add_argument("--seed", type=int, help="seed for weights and data order (default: the preset's)")
    p.add_argument(
        "--init-from",
        type=Path,
        metavar="MODEL_DIR",
        help="start from this trained model instead of random weights (fine-tuning). The data must use its "
        "tokenizer, or one that only adds fused note tokens (their embeddings start as the mean of their parts)",
    )
    p.add_argument(
        "--kv-heads",
        type=int,
        metavar="N",
        help="key/value heads (grouped-query attention: fewer make batched decoding faster); with --init-from, "
        "each new head is the mean of the heads it replaces",
    )
    p.set_defaults(run=_train)


def _add_evaluate(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "evaluate",
        help="score prompt faithfulness (TB, CK, metre, instruments …) of a model or a folder of MIDI",
        description="Generate a MIDI for each prompt (or read <midi-dir>/<id>.mid) and score it against the prompt's "
        "target attributes. Writes a JSON report and a Markdown table beside it; --compare adds other reports "
        "as columns. Metric definitions: musicgen_symbolic/evaluation.py and the README.",
    )
    p.add_argument(
        "--prompts",
        required=True,
        type=Path,
        help='JSON lines, e.g. {"id": "p1", "caption": "a waltz in D minor", "target": {"tempo": 90, "key": "D minor", '
        '"time_signature": "3/4", "instruments": ["piano"], "genre": "waltz", "mood": "sad", "bars": 16}}; without a '
        "target, what the prompt parser reads from the caption is the target",
    )
    source = p.add_mutually_exclusive_group()
    source.add_argument(
        "--model",
        type=Path,
        help=f"model folder to generate with (default: ${ENV_MODEL_DIR} if set, else the bundled model)",
    )
    source.add_argument("--midi-dir", type=Path, help="score existing files <id>.mid instead of generating")
    p.add_argument("--out", required=True, type=Path, help="report .json (a .md table is written beside it)")
    p.add_argument("--compare", type=Path, nargs="*", default=[], help="other report .json files to show side by side")
    p.add_argument("--limit", type=int, help="only the first N prompts")
    generation = p.add_argument_group("generation (not with --midi-dir)")
    generation.add_argument("--seed", type=int, help="generation seed for every prompt (default 0)")
    generation.add_argument("--cfg", type=float, help=f"guidance scale (default {DEFAULT_CFG})")
    generation.add_argument("--temperature", type=float, help=f"(default {DEFAULT_TEMPERATURE})")
    generation.add_argument("--key-strength", type=float, help=f"(default {DEFAULT_KEY_STRENGTH})")
    generation.add_argument(
        "--nudge-after", type=int, metavar="BARS", help=f"(default {DEFAULT_NUDGE_AFTER}; 0 = never)"
    )
    generation.add_argument("--precision", choices=PRECISIONS, help=PRECISION_HELP)
    generation.add_argument(
        "--bars",
        type=int,
        help="generate every piece with this many bars, whatever its prompt says (e.g. 64 to check that the "
        "instruments asked for keep playing: instrument_coverage)",
    )
    p.set_defaults(run=_evaluate)


class _Parser(argparse.ArgumentParser):
    """Usage mistakes in one line, like every other error: the full usage block is what --help is for."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="musicgen-symbolic",
        description="Text → multi-track MIDI (+ WAV through a SoundFont), offline, on a CPU.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in (
        _add_generate,
        _add_render,
        _add_plot,
        _add_info,
        _add_init_model,
        _add_data,
        _add_train,
        _add_evaluate,
    ):
        add(commands)
    return parser


# ---------------------------------------------------------------------------- commands


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


# Flags that only one backend reads: given to the other, they would be silently ignored.
_MUSICAL_ATTRIBUTES = (
    "tempo", "key", "time_signature", "instruments", "without", "genre", "mood", "bars", "seconds", "chords",
)  # fmt: skip
_SYMBOLIC_ONLY = (
    *_MUSICAL_ATTRIBUTES,
    "key_strength",
    "nudge_after",
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


def _generate(args: argparse.Namespace) -> None:
    _check_backend_flags(args)
    if args.plot:
        _check_output(args.plot, (".png",))
    if args.backend == "musicgen":
        _generate_audio(args)
        return
    from .prompt import AttributeOverrides
    from .settings import GenerationSettings

    if args.soundfont and not args.wav:
        raise MusicGenError("--soundfont is used only with --wav: add --wav out.wav, or drop it")
    overrides = _given(args, AttributeOverrides)
    asked = AttributeOverrides(**overrides).resolve(args.prompt)  # reject bad input before loading anything
    _check_output(args.output, (".mid", ".midi"))
    if args.wav:
        _check_output(args.wav, (".wav",))
        from .render import find_soundfont

        find_soundfont(args.soundfont)
    settings = GenerationSettings(**_given(args, GenerationSettings))
    from .midi_io import save_midi
    from .pipeline import MusicGenSymbolic

    generator = MusicGenSymbolic.from_pretrained(args.model, text_encoder=args.text_encoder)
    if not generator.trained and not args.quiet:
        _say("warning: this model is UNTRAINED (random weights): expect random notes that still obey the attributes")
    results = generator.generate_many(args.prompt, settings, progress=not args.quiet, **overrides)
    if not args.quiet:
        understood = {k: v for k, v in asked.to_dict().items() if v is not None}
        _say("understood: " + ", ".join(f"{k}={v}" for k, v in understood.items()))
        _say(_planned(asked, results[0]))
    written: list[Path] = []
    try:
        for index, result in enumerate(results):
            written.append(save_midi(result.midi, _numbered(args.output, index, len(results))))
            if args.wav:
                from .render import render_midi

                written.append(render_midi(written[-1], _numbered(args.wav, index, len(results)), args.soundfont))
            if args.plot:
                from .plots import plot_midi

                written.append(plot_midi(result.midi, _numbered(args.plot, index, len(results)), title=args.prompt))
    except BaseException:  # a failed command leaves none of its files behind
        for path in written:
            path.unlink(missing_ok=True)
        raise
    for path in written:
        print(path)


def _planned(asked: Attributes, result: GenerationResult) -> str:
    """What the generator chose where the prompt did not say: length, metre, key and the chords (first take)."""
    chosen = result.attributes
    parts = [f"{name}={value}" for name, value in chosen.to_dict().items() if value and not getattr(asked, name)]
    plan = result.plan
    if plan is not None:
        if asked.key is None:
            parts.append(f"key={plan.key.name}")
        bars = len(result.midi.get_downbeats())
        parts.append(f"chords={plan.symbols(min(bars, 8))}" + (" …" if bars > 8 else ""))
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
    from .plots import SPECTROGRAM_OPTIONS, plot_file

    options = {name: getattr(args, name) for name in SPECTROGRAM_OPTIONS if getattr(args, name) is not None}
    if options and args.input.suffix.lower() != ".wav":
        raise MusicGenError(f"{_flags(options)}: spectrogram options, for a .wav input only")
    print(plot_file(args.input, args.output, **options))


def _render(args: argparse.Namespace) -> None:
    from .midi_io import load_midi
    from .render import render_midi

    _check_output(args.output, (".wav",))
    load_midi(args.midi)  # validates the file with a clear error
    if not 8000 <= args.sample_rate <= 192000:
        raise MusicGenError(f"--sample-rate must be 8000–192000, got {args.sample_rate}")
    print(render_midi(args.midi, args.output, args.soundfont, args.sample_rate))


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
    manifest = build_dataset(args.out, plan, workers=args.workers)
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
        generator = MusicGenSymbolic.from_pretrained(args.model)
    elif not args.midi_dir.is_dir():
        raise MusicGenError(f"no such folder: {args.midi_dir}")
    report = evaluate_prompts(cases, generator, args.midi_dir, settings, bars=args.bars)
    report["source"] = str(args.midi_dir or args.model or os.environ.get(ENV_MODEL_DIR) or "bundled model")
    print(write_report(report, args.out, others), end="")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error already printed
        return done.code if isinstance(done.code, int) else 2
    try:
        args.run(args)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
