"""Raw audio from text with Meta's MusicGen (through ``transformers``), beside the symbolic MIDI path.

::

    from musicgen_symbolic.audio_backend import MusicGenAudio, save_wav

    musicgen = MusicGenAudio.from_pretrained("facebook/musicgen-small")  # a hub id or a local folder
    samples, rate = musicgen.generate("lo-fi beat with warm keys", duration=8.0, seed=1)  # float32 (n, channels)
    save_wav(samples, rate, "beat.wav")  # 16-bit PCM, written atomically

The weights are not bundled: a hub id is looked up in the local Hugging Face cache first and downloaded only
when the hub is reachable and ``HF_HUB_OFFLINE`` is not set. On an offline machine, fetch them elsewhere with
``hf download facebook/musicgen-small --local-dir DIR`` and pass the folder (``--musicgen-model DIR``).

Length: MusicGen emits one token per codebook per frame of its EnCodec codec (50 frames/s for the
facebook/musicgen-* checkpoints) with a one-step delay between codebooks, so ``duration`` seconds need
``ceil(duration * frame_rate) + num_codebooks - 1`` new tokens; the audio is trimmed to exactly
``round(duration * sampling_rate)`` samples.

Melody conditioning (``melody=`` a .wav, or a .mid rendered with FluidSynth first) needs a MusicGen-melody
checkpoint (e.g. facebook/musicgen-melody). Its chroma features are computed by :func:`melody_chroma`, the
algorithm of transformers' ``MusicgenMelodyFeatureExtractor`` (power STFT → chroma filter bank → one-hot of the
strongest pitch class per frame) with ``torch.stft`` and scipy's resampler, because that extractor cannot even
be built without ``torchaudio``, which is not installable beside this project's torch on every machine.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .constants import DEFAULT_MUSICGEN_CFG, DEFAULT_MUSICGEN_DURATION, DEFAULT_MUSICGEN_MODEL, DEFAULT_MUSICGEN_TOP_K
from .errors import MusicGenError
from .hub import reachable, require_safetensors

MAX_DURATION = 120.0
MAX_CFG = 20.0
MELODY_MODEL_TYPE = "musicgen_melody"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:300]}" if text else type(error).__name__


def _not_on_disk(name: str) -> MusicGenError:
    return MusicGenError(
        f"the MusicGen weights {name!r} are not on disk and the Hugging Face hub is unreachable (or HF_HUB_OFFLINE "
        f"is set): on a machine with internet run `hf download {name} --local-dir DIR`, copy DIR here and pass "
        f"--musicgen-model DIR"
    )


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Hide transformers' warnings while loading or generating (e.g. MusicGen's pad id = codebook size is by design)."""
    from transformers.utils import logging

    level, bars = logging.get_verbosity(), logging.is_progress_bar_enabled()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        logging.set_verbosity(level)
        if bars:
            logging.enable_progress_bar()


@dataclass(frozen=True)
class ChromaSettings:
    """The MusicGen-melody feature extractor's settings (its ``preprocessor_config.json``)."""

    sampling_rate: int = 32000
    n_fft: int = 16384
    hop_length: int = 4096
    num_chroma: int = 12
    chunk_length: int = 30  # seconds of melody used at most

    @classmethod
    def from_file(cls, path: str | Path) -> ChromaSettings:
        data = json.loads(Path(path).read_text())
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def melody_chroma(samples: np.ndarray, rate: int, settings: ChromaSettings) -> torch.Tensor:
    """Mono samples → MusicGen-melody's input features (1, frames, num_chroma): a one-hot pitch class per frame."""
    from scipy.signal import resample_poly
    from transformers.audio_utils import chroma_filter_bank

    samples = np.asarray(samples, dtype=np.float64)[: settings.chunk_length * int(rate)]
    if rate != settings.sampling_rate:
        divisor = math.gcd(int(rate), settings.sampling_rate)
        samples = resample_poly(samples, settings.sampling_rate // divisor, int(rate) // divisor)
    wave = torch.from_numpy(samples[: settings.chunk_length * settings.sampling_rate]).float()
    if wave.shape[0] < settings.n_fft:
        missing = settings.n_fft - wave.shape[0]
        wave = torch.nn.functional.pad(wave, (missing // 2, missing - missing // 2))
    window = torch.hann_window(settings.n_fft)
    spectrum = torch.stft(
        wave, settings.n_fft, settings.hop_length, window=window, center=True, pad_mode="reflect", return_complex=True
    )
    filters = chroma_filter_bank(
        num_frequency_bins=settings.n_fft,
        num_chroma=settings.num_chroma,
        sampling_rate=settings.sampling_rate,
        tuning=0,
    )
    chroma = torch.from_numpy(filters).float() @ spectrum.abs().square()  # (num_chroma, frames)
    return torch.nn.functional.one_hot(chroma.argmax(dim=0), settings.num_chroma).float()[None]


def _load(source: str, local_only: bool) -> tuple[Any, Any, ChromaSettings | None, str | None]:
    """(model, processor or tokenizer, chroma settings for melody checkpoints, why melody is unavailable or None)."""
    from transformers import AutoProcessor, AutoTokenizer, PretrainedConfig

    config_dict, _ = PretrainedConfig.get_config_dict(source, local_files_only=local_only)
    model_type = config_dict.get("model_type")
    if model_type == "musicgen":
        from transformers import MusicgenForConditionalGeneration as model_class
    elif model_type == MELODY_MODEL_TYPE:
        try:
            from transformers import MusicgenMelodyForConditionalGeneration as model_class
        except ImportError as error:
            import transformers

            raise MusicGenError(
                f"{source} is a MusicGen-melody checkpoint, which the installed transformers "
                f"{transformers.__version__} does not support: pip install -U 'transformers>=4.40'"
            ) from error
    elif model_type is None:
        raise MusicGenError(f"{source} is not a readable MusicGen checkpoint (its config.json has no model_type)")
    else:
        raise MusicGenError(f"{source} is not a MusicGen checkpoint (its config says model_type {model_type!r})")
    require_safetensors(source, "the MusicGen folder")
    model = model_class.from_pretrained(source, local_files_only=local_only, use_safetensors=True)
    if model_type != MELODY_MODEL_TYPE:
        return model, AutoProcessor.from_pretrained(source, local_files_only=local_only), None, None
    from transformers.utils import cached_file

    tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_only)
    settings_file = cached_file(
        source, "preprocessor_config.json", local_files_only=local_only, _raise_exceptions_for_missing_entries=False
    )
    if settings_file is None:
        problem = "melody conditioning needs the checkpoint's feature extractor settings (preprocessor_config.json)"
        return model, tokenizer, None, problem
    return model, tokenizer, ChromaSettings.from_file(settings_file), None


def _progress_criterion(bar: Any) -> Any:
    from transformers import StoppingCriteria

    class ProgressBar(StoppingCriteria):
        """Never stops generation: ticks the bar once per generated token (one call per decoding step)."""

        def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor, **kwargs: Any) -> torch.Tensor:
            bar.update(1)
            return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)

    return ProgressBar()


@dataclass(frozen=True)
class AudioSettings:
    """How MusicGen samples; checked when made, so a bad value fails before the model loads.

    ``cfg`` is the classifier-free guidance scale (1 = off); ``temperature`` 0 decodes greedily; ``top_k`` 0 and
    ``top_p`` 0 switch those filters off; the same ``seed`` gives the same samples on the same machine.
    """

    duration: float = DEFAULT_MUSICGEN_DURATION  # seconds of audio
    cfg: float = DEFAULT_MUSICGEN_CFG
    temperature: float = 1.0
    top_k: int = DEFAULT_MUSICGEN_TOP_K
    top_p: float = 0.0
    seed: int | None = None

    def __post_init__(self) -> None:
        duration = _number("duration", self.duration)
        if not 0 < duration <= MAX_DURATION:
            raise MusicGenError(f"duration must be more than 0 and at most {MAX_DURATION:g} seconds, got {duration:g}")
        cfg = _number("cfg", self.cfg)
        if not 1.0 <= cfg <= MAX_CFG:
            raise MusicGenError(f"cfg (guidance scale) must be between 1 (off) and {MAX_CFG:g}, got {cfg:g}")
        if _number("temperature", self.temperature) < 0:
            raise MusicGenError(f"temperature must be 0 (greedy) or more, got {self.temperature:g}")
        top_k = self.top_k
        if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 0:
            raise MusicGenError(f"top_k must be a whole number ≥ 0 (0 = off), got {top_k!r}")
        if not 0.0 <= _number("top_p", self.top_p) <= 1.0:
            raise MusicGenError(f"top_p must be between 0 (off) and 1, got {self.top_p:g}")
        seed = self.seed
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise MusicGenError(f"seed must be a whole number ≥ 0, got {seed!r}")


class MusicGenAudio:
    """A loaded MusicGen (or MusicGen-melody) model with its text processor, ready to :meth:`generate`."""

    def __init__(
        self,
        model: Any,
        processor: Any,
        name: str,
        device: torch.device,
        chroma: ChromaSettings | None = None,
        melody_problem: str | None = None,
    ) -> None:
        self.model = model.eval()
        self.processor = processor
        self.name = name
        self.device = device
        self.chroma = chroma
        self.is_melody = chroma is not None or melody_problem is not None
        self.melody_problem = melody_problem
        codec = model.config.audio_encoder
        self.sampling_rate = int(codec.sampling_rate)
        ratios = getattr(codec, "upsampling_ratios", None)
        self.frame_rate = float(getattr(codec, "frame_rate", None) or self.sampling_rate / math.prod(ratios))
        decoder = model.config.decoder
        self.channels = int(getattr(decoder, "audio_channels", 1) or 1)
        self.codebooks_per_channel = int(decoder.num_codebooks) // self.channels

    @classmethod
    def from_pretrained(cls, name_or_path: str = DEFAULT_MUSICGEN_MODEL, device: str | None = None) -> MusicGenAudio:
        """Load a hub id (local cache first, then the hub when reachable) or a folder saved by ``save_pretrained``."""
        name = str(name_or_path).strip()
        if not name:
            raise MusicGenError("no MusicGen model given: use a hub id such as facebook/musicgen-small or a folder")
        folder = Path(name).expanduser()
        with _quiet_transformers():
            if folder.exists():
                if not folder.is_dir():
                    raise MusicGenError(f"MusicGen model {folder} is a file: give the folder that holds config.json")
                if not (folder / "config.json").is_file():
                    raise MusicGenError(f"{folder} is not a readable MusicGen checkpoint (it has no config.json)")
                try:
                    parts = _load(str(folder), local_only=True)
                except MusicGenError:
                    raise
                except Exception as error:
                    raise MusicGenError(
                        f"{folder} is not a readable MusicGen checkpoint ({_one_line(error)})"
                    ) from error
            elif _HUB_ID.match(name):
                parts = cls._load_hub(name)
            else:
                raise MusicGenError(f"no such MusicGen model folder: {name}")
        model, processor, chroma, melody_problem = parts
        target = cls._device(device)
        try:
            model = model.to(target)
        except Exception as error:
            raise MusicGenError(f"cannot move MusicGen to device {target} ({_one_line(error)})") from error
        return cls(model, processor, name, target, chroma, melody_problem)

    @staticmethod
    def _load_hub(name: str) -> tuple[Any, Any, ChromaSettings | None, str | None]:
        from huggingface_hub import constants

        try:
            return _load(name, local_only=True)
        except MusicGenError:
            raise
        except Exception as error:
            if constants.HF_HUB_OFFLINE or not reachable():
                raise _not_on_disk(name) from error
        try:
            return _load(name, local_only=False)
        except MusicGenError:
            raise
        except Exception as error:
            raise _not_on_disk(name) from error

    @staticmethod
    def _device(device: str | None) -> torch.device:
        if device is None:
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        try:
            target = torch.device(device)
        except (RuntimeError, TypeError) as error:
            raise MusicGenError(f"unknown device {device!r}: use cpu, cuda or cuda:N") from error
        if target.type == "cuda" and not torch.cuda.is_available():
            raise MusicGenError(f"device {device!r} asked for, but CUDA is not available: use --device cpu")
        return target

    def tokens_for(self, duration: float) -> int:
        """New tokens to generate for ``duration`` seconds (frames plus the codebook delay)."""
        frames = max(1, math.ceil(duration * self.frame_rate - 1e-9))
        return frames + self.codebooks_per_channel - 1

    def generate(
        self,
        prompt: str,
        settings: AudioSettings | None = None,
        *,
        progress: bool = False,
        melody: str | Path | None = None,
        **options: Any,
    ) -> tuple[np.ndarray, int]:
        """Generate ``duration`` seconds of audio: float32 samples (n, channels) and the sampling rate.

        ``settings`` (or its fields as keywords: ``duration``, ``cfg``, ``temperature``, ``top_k``, ``top_p``,
        ``seed``) say how; see :class:`AudioSettings`. ``melody`` (a .wav or .mid, MusicGen-melody checkpoints
        only) sets the melody.
        """
        if not isinstance(prompt, str) or not prompt.strip():
            raise MusicGenError("the prompt is empty: describe the music you want")
        settings = replace(settings or AudioSettings(), **options)
        duration, cfg, temperature = float(settings.duration), float(settings.cfg), float(settings.temperature)
        top_k, top_p, seed = settings.top_k, float(settings.top_p), settings.seed

        inputs = self._inputs(prompt.strip(), melody)
        max_new_tokens = self.tokens_for(duration)
        config = copy.deepcopy(self.model.generation_config)
        config.max_new_tokens = max_new_tokens
        config.max_length = None
        config.guidance_scale = cfg
        config.do_sample = temperature > 0
        config.temperature = temperature if temperature > 0 else None
        config.top_k = int(top_k) if temperature > 0 and top_k > 0 else None
        config.top_p = top_p if temperature > 0 and top_p > 0 else None
        from tqdm import tqdm
        from transformers import StoppingCriteriaList

        bar = tqdm(total=max_new_tokens, desc="MusicGen", unit="token", disable=not progress, leave=False)
        try:
            if seed is not None:
                torch.manual_seed(int(seed))
            with torch.inference_mode(), _quiet_transformers():
                audio = self.model.generate(
                    **inputs,
                    generation_config=config,
                    stopping_criteria=StoppingCriteriaList([_progress_criterion(bar)]),
                )
        except MusicGenError:
            raise
        except torch.cuda.OutOfMemoryError as error:
            raise MusicGenError(f"out of GPU memory generating {duration:g} s: try a shorter duration") from error
        finally:
            bar.close()
        values = audio[0] if audio.dim() == 3 else audio  # (channels, n)
        samples = values.float().cpu().numpy().T
        target = max(1, round(duration * self.sampling_rate))
        return np.ascontiguousarray(samples[:target], dtype=np.float32), self.sampling_rate

    def _inputs(self, prompt: str, melody: str | Path | None) -> dict[str, torch.Tensor]:
        if melody is None:
            encoded = self.processor(text=[prompt], padding=True, return_tensors="pt")
        else:
            if not self.is_melody:
                raise MusicGenError(
                    f"melody conditioning needs a MusicGen-melody checkpoint (e.g. facebook/musicgen-melody); "
                    f"{self.name} is a text-only MusicGen"
                )
            _check_melody_path(melody)
            if self.melody_problem:
                raise MusicGenError(self.melody_problem)
            samples, rate = load_melody(melody)
            encoded = dict(self.processor(text=[prompt], padding=True, return_tensors="pt"))
            encoded["input_features"] = melody_chroma(samples.mean(axis=1), rate, self.chroma)
        return {key: value.to(self.device) for key, value in encoded.items() if isinstance(value, torch.Tensor)}


def load_melody(path: str | Path) -> tuple[np.ndarray, int]:
    """A .wav (16-bit PCM) or a .mid (rendered with FluidSynth) → float32 samples (n, channels), rate."""
    from .plots import read_wav

    path = _check_melody_path(path)
    if path.suffix.lower() == ".wav":
        samples, rate = read_wav(path)
    else:
        from .constants import SAMPLE_RATE
        from .render import synthesize

        samples, rate = synthesize(path, sample_rate=SAMPLE_RATE), SAMPLE_RATE
    if samples.shape[0] == 0 or not np.any(samples):
        raise MusicGenError(f"melody {path} is silent")
    return samples, rate


def _check_melody_path(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() not in (".wav", ".mid", ".midi"):
        raise MusicGenError(f"melody {path} must be a .wav or .mid file")
    if not path.is_file():
        raise MusicGenError(f"no such melody file: {path}")
    return path


def save_wav(samples: np.ndarray, sample_rate: int, path: str | Path) -> Path:
    """Write float samples (n,) or (n, channels) as a 16-bit PCM WAV (peak-normalised, atomic)."""
    from .render import to_pcm16, write_wav

    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.ndim != 2 or samples.shape[1] < 1:
        raise MusicGenError(f"audio samples must have shape (n,) or (n, channels), got {samples.shape}")
    if not np.all(np.isfinite(samples)):
        raise MusicGenError("audio samples contain NaN or infinite values")
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
        raise MusicGenError(f"sample rate must be a positive whole number, got {sample_rate!r}")
    return write_wav(path, to_pcm16(samples), int(sample_rate))


def _number(label: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise MusicGenError(f"{label} must be a number, got {value!r}") from None
    if isinstance(value, bool) or not math.isfinite(number):
        raise MusicGenError(f"{label} must be a finite number, got {value!r}")
    return number
