"""The `musicgen-symbolic` command line's arguments: every command, flag and help text, and nothing else.

``cli.py`` runs the commands; each parser names its command's function there by ``run``.
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path
from typing import NoReturn

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
    DEFAULT_TEMPERATURE,
    DEFAULT_TOP_K,
    DEFAULT_TOP_P,
    DEFAULT_VARIATION,
    ENV_MODEL_DIR,
    ENV_SOUNDFONT,
    MAX_BARS,
    PRECISIONS,
)

PRECISION_HELP = (
    "weights while decoding: int8 (default: fastest, same evaluation scores), bf16, or fp32 (the exact model)"
)
THREADS_HELP = (
    "threads for generation: a number, or 'auto' (default, or $MUSICGEN_SYMBOLIC_THREADS): as many as cores the "
    "machine's load leaves free, at least one, so that a busy CPU slows generation gracefully"
)

MODEL_HELP = f"model folder (default: ${ENV_MODEL_DIR} if set, else the bundled model)"
SPEECH_ENGINE_HELP = (
    "piper (default: a natural neural voice shipped in a package, offline), espeak (Debian's espeak-ng: tiny, fast, "
    "robotic; many languages), or transformers:MODEL (a hub id or a folder: VITS/MMS-TTS, Bark, SpeechT5 through "
    "transformers' text-to-speech pipeline)"
)
SPEECH_VOICE_HELP = (
    "the engine's voice: piper en_US-joe-medium (default) or a .onnx voice file; espeak en-us, en-gb, fr, de … "
    "(+ a variant: en-us+f3); transformers: a speaker number, a Bark preset, or a SpeechT5 x-vector .npy"
)
SPEECH_RATE_HELP = "speaking rate, 0.5 (slower) to 2 (faster); default 1"

EXAMPLES = """examples:
  musicgen-symbolic generate "a calm lo-fi piece in D minor at 80 bpm with electric piano, bass and drums" -o song.mid --wav song.wav
  musicgen-symbolic generate "upbeat waltz for strings" -o waltz.mid --bars 16 --seed 7 --num-samples 3
  musicgen-symbolic generate "a pop song with piano, bass and drums" -o song.mid --form "intro:4 verse:8 chorus:8 verse:8 chorus:8"
  musicgen-symbolic continue song.mid "with a flute" -o longer.mid --bars 8
  musicgen-symbolic plot song.mid --similarity -o form.png
  musicgen-symbolic speak "Welcome to the show" -o voice.wav
  musicgen-symbolic serve --open          # the studio in your browser (pip install -e ".[studio]")
  musicgen-symbolic generate "an upbeat jingle" -o jingle.mid --wav --voice-over "Fresh news, every morning" --voice-at 2
  musicgen-symbolic render song.mid -o song.wav --soundfont ~/sf2/MyFont.sf2
  musicgen-symbolic info
"""


def _add_wav_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--wav",
        type=Path,
        nargs="?",
        const=True,
        metavar="WAV",
        help="also render a WAV file through FluidSynth; without a name, beside the MIDI file (song.mid: song.wav)",
    )


def _add_export_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--stems",
        type=Path,
        metavar="DIR",
        help="also write each track alone into DIR (made if missing): 01-acoustic-grand-piano.mid and .wav, "
        "02-…, in the file's track order. Every stem starts at 0:00 with the song's tempo, metre and key, and lasts "
        "as long as the mix; the WAVs share the mix's gain, so together they sound like the full render",
    )
    p.add_argument(
        "--musicxml",
        type=Path,
        metavar="FILE",
        help="also write a score (.musicxml): a part per instrument with its name, metre, key and tempo, drums on a "
        "percussion staff, notes on a 1/16 grid; opens in MuseScore, Dorico, Sibelius",
    )


def _add_voice_flags(p: argparse.ArgumentParser) -> None:
    voice = p.add_argument_group("a voice over the music (with the WAV)")
    voice.add_argument(
        "--voice-over",
        metavar="TEXT",
        help="say TEXT over the WAV, the music ducking under the voice wherever it speaks (a podcast intro, a jingle); "
        "with --stems, the voice is its own stem too",
    )
    voice.add_argument(
        "--voice-at",
        metavar="BAR|SECONDS",
        help="where the voice starts: a bar number (5: the downbeat of bar 5) or seconds (2.5s); default bar 1",
    )
    voice.add_argument(
        "--duck", type=float, metavar="DB", help="how far the music drops under the voice, 0–60 dB (default 12)"
    )
    voice.add_argument("--voice-engine", metavar="ENGINE", help=SPEECH_ENGINE_HELP)
    voice.add_argument("--voice", metavar="NAME", dest="voice_name", help=SPEECH_VOICE_HELP)
    voice.add_argument("--voice-rate", type=float, metavar="R", help=SPEECH_RATE_HELP)


def _add_music_flags(p: argparse.ArgumentParser, title: str, bars_help: str) -> None:
    """The musical attributes a prompt may state, as flags that override it."""
    music = p.add_argument_group(title)
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
    music.add_argument(
        "--form",
        help="the sections in order, each NAME or NAME:BARS: 'intro:4 verse:8 chorus:8 verse:8 chorus:8 outro:4', "
        "letters 'AABA' (A returns), or a name: rondo, verse-chorus, binary, ternary. Sections without bars share "
        "the length. Default: one phrase up to 8 bars; longer pieces A A, A A B A, or verse and chorus (by genre)",
    )
    music.add_argument(
        "--loop",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write the piece to tile seamlessly: no ending, nothing sounding past the last bar line, and the last "
        "bar leading back to the first",
    )
    length = music.add_mutually_exclusive_group()
    length.add_argument("--bars", type=int, help=bars_help)
    length.add_argument("--seconds", type=float, help="length in seconds (rounded up to whole bars)")


def _add_sampling_flags(p: argparse.ArgumentParser) -> None:
    """How the model's tokens are drawn: the same for every command that generates."""
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
        "--variation",
        type=float,
        help="how much a returning section (a second verse, the last A of AABA) differs from its first time: up to "
        "0.5 a growing share of its bars plays a new melody over the same accompaniment, beyond 0.5 a growing share "
        "is played afresh; later bars of a section vary more than its first; 0 = verbatim, 1 = all new "
        f"(default {DEFAULT_VARIATION:g})",
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


def _add_setup_flags(p: argparse.ArgumentParser) -> None:
    """Which model runs, how, and the SoundFont and plot of the files written."""
    setup = p.add_argument_group("model and rendering")
    setup.add_argument("--model", type=Path, help=MODEL_HELP)
    setup.add_argument(
        "--text-encoder", help="override check: 'minilm' or 't5:<hub id or folder>' (must match the model)"
    )
    setup.add_argument("--precision", choices=PRECISIONS, help=PRECISION_HELP)
    setup.add_argument("--threads", help=THREADS_HELP)
    setup.add_argument(
        "--soundfont",
        type=Path,
        help=f"SoundFont for --wav (default: ${ENV_SOUNDFONT}, this project's soundfonts/, Debian's)",
    )
    setup.add_argument(
        "--plot",
        type=Path,
        nargs="?",
        const=True,
        metavar="PNG",
        help="also draw a PNG: piano roll (symbolic) or waveform + spectrograms (musicgen); without a name, beside "
        "the output (song.mid: song.png)",
    )


def _add_generate(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "generate",
        help="prompt → MIDI (and optionally WAV)",
        description="Generate multi-track MIDI from a text prompt. Tempo, key, metre, instruments, genre, mood "
        "and length are read from the prompt; the flags below override what the prompt says.",
        epilog='example: musicgen-symbolic generate "jazzy bossa nova in Bb at 130 bpm with nylon guitar and flute" -o out.mid --wav out.wav',
    )
    p.add_argument("prompt", nargs="?", help="what to generate, in words")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        help="MIDI file to write (with --num-samples N: name_1.mid … name_N.mid)",
    )
    _add_wav_flag(p)
    _add_export_flags(p)
    _add_voice_flags(p)
    batch = p.add_argument_group("many prompts (instead of PROMPT and -o)")
    batch.add_argument(
        "--prompts",
        type=Path,
        metavar="FILE",
        help="one piece per line: a .txt of prompts (blank lines and # comments skipped), or .jsonl objects with "
        '"prompt" and optional "id", "seed" and any attribute or sampling flag\'s name ({"prompt": "calm piano", '
        '"tempo": 80, "bars": 16}); a line\'s own value wins over a flag. Item N gets seed --seed + N - 1 unless it '
        "gives one. A bad line is reported with its number and skipped. Rerun the same command to resume",
    )
    batch.add_argument(
        "--out-dir",
        type=Path,
        metavar="DIR",
        help="with --prompts: where <id>.mid (with --wav and --plot: .wav, .png) go, and manifest.csv (id, prompt, "
        "seed, attributes, files, seconds), one row per finished piece",
    )
    _add_music_flags(
        p,
        "musical attributes (override the prompt)",
        f"length in bars (default {DEFAULT_BARS} when the prompt gives no length)",
    )
    _add_sampling_flags(p)
    _add_setup_flags(p)
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
    p.set_defaults(run="_generate")


def _add_continue(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "continue",
        help="MIDI (+ prompt) → the same MIDI with new bars after it",
        description=textwrap.fill(
            "Continue a MIDI file: the model reads its bars and plays on from the next bar line. The output "
            "holds the file's notes exactly as they were, then the new bars. Tempo, metre, key and instruments are the "
            "file's unless the prompt or a flag changes them; an instrument the prompt names joins the file's. Notes off "
            "the model's grid (1/32 notes) are quantised in what the model reads only. A file longer than the model's "
            "context is read from its latest bars.",
            79,
        ),
        epilog="examples:\n  musicgen-symbolic continue idea.mid -o longer.mid --bars 8\n"
        '  musicgen-symbolic continue idea.mid "with a flute, more energetic" -o longer.mid --wav longer.wav\n'
        "  musicgen-symbolic continue song.mid -o other-ending.mid --from-bar 13 --seed 4",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("midi", type=Path, help="the MIDI file to continue (type 0 or 1, any tempo, metre and instruments)")
    p.add_argument(
        "prompt", nargs="?", default="", help="what the new bars should be, in words (default: the file's own style)"
    )
    p.add_argument(
        "-o", "--output", required=True, type=Path, help="MIDI file to write (with --num-samples N: name_1.mid …)"
    )
    _add_wav_flag(p)
    _add_export_flags(p)
    _add_voice_flags(p)
    p.add_argument(
        "--from-bar",
        type=int,
        metavar="K",
        help="keep bars 1 to K-1 exactly and play everything from bar K on anew (another ending); the new part "
        "lasts as long as the file did from bar K unless --bars or --seconds says otherwise",
    )
    p.add_argument(
        "--only-new", action="store_true", help="write only the new bars, starting at bar 1 (not the file's bars)"
    )
    _add_music_flags(
        p,
        "musical attributes (default: the file's; these override it and the prompt)",
        f"bars to add (default {DEFAULT_BARS}; with --from-bar, as many as the file had from bar K on)",
    )
    _add_sampling_flags(p)
    _add_setup_flags(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(run="_continue")


def _add_speak(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "speak",
        help="text → speech WAV (offline)",
        description="Say a text into a WAV file (mono, 16-bit). Numbers, years, abbreviations (feat., Dr.), bpm and "
        "note names are read as words; a long text is said sentence by sentence, joined without clicks.",
        epilog='example: musicgen-symbolic speak "This is track 3, at 120 bpm." -o voice.wav --engine espeak --voice en-gb',
    )
    p.add_argument("text", help="what to say (at most 5,000 characters)")
    p.add_argument("-o", "--output", required=True, type=Path, help="WAV file to write")
    p.add_argument("--engine", help=SPEECH_ENGINE_HELP)
    p.add_argument("--voice", dest="voice_name", metavar="NAME", help=SPEECH_VOICE_HELP)
    p.add_argument("--rate", type=float, default=1.0, help=SPEECH_RATE_HELP)
    p.add_argument(
        "--plot", type=Path, nargs="?", const=True, metavar="PNG", help="also draw its waveform, spectrograms and pitch"
    )
    p.set_defaults(run="_speak")


def _add_serve(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "serve",
        help="a local web studio: prompt, hear, see, change, download (needs the studio extra)",
        description="Serve the studio page and its JSON API (OpenAPI at /openapi.json) until Ctrl-C: type a prompt, "
        "correct what the parser understood, generate up to 4 candidates with players and piano rolls, continue or "
        'give another ending, download MIDI, WAV, stems and MusicXML. Needs pip install -e ".[studio]".',
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default %(default)s; 0: any free one)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.add_argument("--model", type=Path, help=MODEL_HELP)
    p.add_argument("--out-dir", type=Path, help="where takes are kept (default: a temporary folder, removed at exit)")
    p.add_argument("--soundfont", type=Path, help=f"SoundFont for the WAVs (default: ${ENV_SOUNDFONT}, …)")
    p.add_argument("--threads", help=THREADS_HELP)
    p.set_defaults(run="_serve")


def _add_render(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "render",
        help="MIDI → WAV through FluidSynth",
        description="Render a MIDI file to a stereo 16-bit WAV (44.1 kHz unless --sample-rate); with --stems, each "
        "track too, and with --musicxml, a score.",
    )
    p.add_argument("midi", type=Path, help="MIDI file to render")
    p.add_argument("-o", "--output", required=True, type=Path, help="WAV file to write")
    p.add_argument(
        "--soundfont",
        type=Path,
        help=f"SoundFont (.sf2/.sf3); default: ${ENV_SOUNDFONT}, this project's soundfonts/, Debian's",
    )
    p.add_argument("--sample-rate", type=int, default=44100, help="samples per second (default %(default)s)")
    _add_export_flags(p)
    _add_voice_flags(p)
    p.set_defaults(run="_render")


def _add_plot(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "plot",
        help="draw a MIDI piano roll or a WAV's waveform + spectrograms as PNG",
        description="MIDI: piano roll, one colour per instrument, drums in their own lane, bar lines. WAV: waveform, "
        "linear STFT spectrogram and mel spectrogram in dB.",
    )
    p.add_argument("input", type=Path, help=".mid/.midi or .wav (16-bit PCM)")
    p.add_argument("-o", "--output", required=True, type=Path, help="PNG to write")
    p.add_argument(
        "--similarity",
        action="store_true",
        help="MIDI: draw the bar-by-bar self-similarity matrix instead of the piano roll: the form at a glance "
        "(a returning section is a bright diagonal, its sections are marked)",
    )
    p.add_argument("--n-fft", type=int, help="WAV: FFT size in samples, 16–65536 (default 2048)")
    p.add_argument("--hop", type=int, help="WAV: hop between frames in samples (default 512)")
    p.add_argument(
        "--n-mels", type=int, help="WAV: mel bands, at most n_fft / 2 + 1 (default 128, fewer below --n-fft 768)"
    )
    p.add_argument(
        "--pitch",
        action="store_true",
        default=None,
        help="WAV: also draw the pitch (f0) curve, for a voice (60–500 Hz; on a mix it follows the bass). For speech, "
        "--n-fft 512 --hop 128 gives 23 ms frames at 22 kHz",
    )
    p.set_defaults(run="_plot")


def _add_info(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("info", help="versions, model, text encoder, SoundFont, device")
    p.add_argument(
        "--model",
        type=Path,
        help=f"model folder to describe (default: ${ENV_MODEL_DIR} if set, else the bundled model)",
    )
    p.set_defaults(run="_info")


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
    p.set_defaults(run="_init_model")


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
    build.add_argument(
        "--tokenizer",
        type=Path,
        help="keep this tokenizer's vocabulary (a tokenizer.json or a model folder; chord tokens are added), so "
        "that a model trained on it can be fine-tuned on the new data with --init-from; default: learn a new one",
    )
    build.add_argument("--seed", type=int, default=0)
    build.add_argument("--workers", type=int, help="processes (default: up to 2)")
    p.set_defaults(run="_data_build")


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
    p.set_defaults(run="_train")


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
        "--variation", type=float, help=f"how much returning sections vary, 0–1 (default {DEFAULT_VARIATION:g})"
    )
    generation.add_argument(
        "--nudge-after", type=int, metavar="BARS", help=f"(default {DEFAULT_NUDGE_AFTER}; 0 = never)"
    )
    generation.add_argument("--precision", choices=PRECISIONS, help=PRECISION_HELP)
    generation.add_argument("--threads", help=THREADS_HELP)
    generation.add_argument(
        "--bars",
        type=int,
        help="generate every piece with this many bars, whatever its prompt says (e.g. 64 to check that the "
        "instruments asked for keep playing: instrument_coverage)",
    )
    p.set_defaults(run="_evaluate")


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
        _add_continue,
        _add_speak,
        _add_serve,
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
