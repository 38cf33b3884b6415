"""MusicGenSymbolic: prompt → attributes + text embeddings → constrained sampling → PrettyMIDI.

A model folder holds ``config.json`` (model config, text-encoder spec, training notes),
``model.safetensors`` and ``tokenizer.json`` (miditok, including the control tokens).
"""

from __future__ import annotations

import json
import numbers
import os
from dataclasses import dataclass
from pathlib import Path

import pretty_midi
import torch
from safetensors.torch import load_file, save_file

from .attributes import AttributeOverrides, Attributes
from .constants import (
    BUNDLED_MODEL_DIR,
    DEFAULT_BARS,
    DEFAULT_CFG,
    DEFAULT_KEY_STRENGTH,
    DEFAULT_NUDGE_AFTER,
    DEFAULT_PRECISION,
    DEFAULT_TEMPERATURE,
    DEFAULT_TOP_K,
    DEFAULT_TOP_P,
    ENV_MODEL_DIR,
    MAX_BARS,
    PRECISIONS,
)
from .decoder import FastDecoder
from .errors import MusicGenError
from .generation import PitchLift, Sampler, SamplingConfig
from .grammar import Constraints, Grammar
from .midi_io import score_to_midi, write_atomic
from .model import ModelConfig, MusicTransformer
from .text_encoder import MINILM, TextEncoder, load_text_encoder, parse_spec
from .tokenizer import PREFIX_LENGTH, MusicTokenizer

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"
FORMAT_VERSION = 1
TOKENS_PER_BAR_BUDGET = 320

SIZES = {
    "tiny": dict(d_model=64, n_layer=2, n_head=2, max_seq_len=512),
    "small": dict(d_model=256, n_layer=4, n_head=4, max_seq_len=1024),
    "base": dict(d_model=384, n_layer=6, n_head=6, max_seq_len=1024),
}


@dataclass
class GenerationResult:
    midi: pretty_midi.PrettyMIDI
    attributes: Attributes
    tokens: list[int]
    tempo: float


def default_model_dir() -> Path:
    return Path(os.environ.get(ENV_MODEL_DIR) or BUNDLED_MODEL_DIR)


def _same_encoder(recorded: str, requested: str) -> bool:
    (kind_a, name_a), (kind_b, name_b) = parse_spec(recorded), parse_spec(requested)
    return kind_a == kind_b and Path(name_a).name == Path(name_b).name


class MusicGenSymbolic:
    """The text-to-MIDI generator. ``from_pretrained()`` with no argument loads the bundled model."""

    def __init__(
        self,
        model: MusicTransformer,
        tokenizer: MusicTokenizer,
        text_encoder: TextEncoder | str = MINILM,
        metadata: dict | None = None,
    ) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self._text_encoder = text_encoder
        self.metadata = dict(metadata or {})
        self.grammar = Grammar(tokenizer)
        self._decoders: dict[str, FastDecoder] = {}

    # ------------------------------------------------------------------ construction and persistence
    @classmethod
    def init_random(
        cls,
        size: str = "tiny",
        text_encoder: TextEncoder | str = MINILM,
        seed: int = 0,
        tokenizer: MusicTokenizer | None = None,
    ) -> MusicGenSymbolic:
        """An untrained model with random weights (for tests, and before a trained one exists)."""
        if size not in SIZES:
            raise MusicGenError(f"unknown model size {size!r}: choose one of {', '.join(SIZES)}")
        tokenizer = tokenizer or MusicTokenizer()
        encoder = text_encoder if isinstance(text_encoder, TextEncoder) else load_text_encoder(text_encoder)
        torch.manual_seed(seed)
        config = ModelConfig(vocab_size=len(tokenizer), d_text=encoder.dim, **SIZES[size])
        return cls(MusicTransformer(config), tokenizer, encoder, {"trained": False, "size": size})

    @property
    def text_encoder(self) -> TextEncoder:
        if not isinstance(self._text_encoder, TextEncoder):
            self._text_encoder = load_text_encoder(self._text_encoder)
            if self._text_encoder.dim != self.model.config.d_text:
                raise MusicGenError(
                    f"text encoder {self._text_encoder.spec} gives {self._text_encoder.dim}-dim embeddings, "
                    f"the model expects {self.model.config.d_text}"
                )
        return self._text_encoder

    @property
    def text_encoder_spec(self) -> str:
        encoder = self._text_encoder
        return encoder.spec if isinstance(encoder, TextEncoder) else encoder

    @property
    def context(self) -> int:
        """Positions attended to while decoding: those seen in training (RoPE positions beyond them were never
        trained), or the model's ``max_seq_len`` when the folder does not record it."""
        limit = self.model.config.max_seq_len
        recorded = self.metadata.get("context") or limit
        shortest = PREFIX_LENGTH + 3  # control prefix, BOS, and room to keep one token when the cache restarts
        if isinstance(recorded, bool) or not isinstance(recorded, int) or recorded < shortest:
            raise MusicGenError(
                f"the model's config.json gives context {recorded!r}: it must be a whole number ≥ {shortest}"
            )
        return min(recorded, limit)

    @property
    def trained(self) -> bool:
        return bool(self.metadata.get("trained", False))

    def save_pretrained(self, folder: str | Path, half: bool = False) -> Path:
        """Write config.json, model.safetensors and tokenizer.json; ``half`` stores fp16 weights (loaded as fp32)."""
        folder = Path(folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise MusicGenError(f"cannot write the model folder {folder}: {error.strerror or error}") from error
        config = {
            "format_version": FORMAT_VERSION,
            "model": self.model.config.to_dict(),
            "text_encoder": self.text_encoder_spec,
            "metadata": self.metadata,
        }
        weights = self.model.weights_to_save()
        if half:
            weights = {k: v.half() if v.is_floating_point() else v for k, v in weights.items()}
        write_atomic(folder / WEIGHTS_FILE, lambda tmp: save_file(weights, str(tmp)))
        write_atomic(folder / TOKENIZER_FILE, self.tokenizer.save)
        write_atomic(folder / CONFIG_FILE, lambda tmp: tmp.write_text(json.dumps(config, indent=2) + "\n"))
        return folder

    @classmethod
    def from_pretrained(
        cls,
        folder: str | Path | None = None,
        text_encoder: TextEncoder | str | None = None,
    ) -> MusicGenSymbolic:
        """Load a model folder (default: the bundled model, or ``$MUSICGEN_SYMBOLIC_MODEL``).

        The text encoder is loaded lazily, on the first generation, from the spec the model was
        trained with; passing a different encoder is an error.
        """
        folder = Path(folder) if folder else default_model_dir()
        if not (folder / CONFIG_FILE).is_file():
            hint = (
                " (create an untrained one with `musicgen-symbolic init-model DIR`)"
                if folder == BUNDLED_MODEL_DIR
                else ""
            )
            raise MusicGenError(
                f"no model found in {folder}: it needs {CONFIG_FILE}, {WEIGHTS_FILE}, {TOKENIZER_FILE}{hint}"
            )
        for name in (WEIGHTS_FILE, TOKENIZER_FILE):
            if not (folder / name).is_file():
                raise MusicGenError(f"model folder {folder} is incomplete: {name} is missing")
        try:
            config = json.loads((folder / CONFIG_FILE).read_text())
            _check_format(folder, config)
            model_config = ModelConfig.from_dict(config["model"])
            recorded = config["text_encoder"]
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise MusicGenError(f"{folder / CONFIG_FILE} is not a valid model config ({error})") from error
        if text_encoder is not None:
            requested = text_encoder.spec if isinstance(text_encoder, TextEncoder) else text_encoder
            if not _same_encoder(recorded, requested):
                raise MusicGenError(f"this model was trained with text encoder {recorded!r}, not {requested!r}")
        tokenizer = MusicTokenizer.load(folder / TOKENIZER_FILE)
        if len(tokenizer) != model_config.vocab_size:
            raise MusicGenError(
                f"tokenizer in {folder} has {len(tokenizer)} tokens, the model expects {model_config.vocab_size}"
            )
        model = MusicTransformer(model_config)
        try:
            weights = load_file(str(folder / WEIGHTS_FILE))
            weights = {k: v.float() for k, v in weights.items()}
            model.load_state_dict(weights, strict=False)
            missing = set(model.state_dict()) - set(weights) - {"lm_head.weight"}
            if missing:
                raise ValueError(f"missing tensors such as {sorted(missing)[0]}")
        except Exception as error:
            raise MusicGenError(f"cannot load weights from {folder / WEIGHTS_FILE}: {error}") from error
        generator = cls(model, tokenizer, text_encoder or recorded, config.get("metadata"))
        _ = generator.context  # a bad recorded context is reported now, not at the first generation
        return generator

    # ------------------------------------------------------------------ generation
    def decoder(self, precision: str = DEFAULT_PRECISION) -> FastDecoder:
        """The model packed for decoding at ``precision`` (packed once, then reused)."""
        if precision not in PRECISIONS:
            raise MusicGenError(f"--precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
        if precision not in self._decoders:
            self._decoders[precision] = FastDecoder(self.model, precision)
        return self._decoders[precision]

    def resolve_attributes(self, prompt: str, **overrides: object) -> Attributes:
        """Parse the prompt, then apply explicit overrides (CLI flags or keyword arguments)."""
        return AttributeOverrides(**overrides).resolve(prompt)

    def generate(self, prompt: str, **kwargs: object) -> pretty_midi.PrettyMIDI:
        """Generate one piece; see :meth:`generate_many` for the keyword arguments."""
        return self.generate_many(prompt, num_samples=1, **kwargs)[0].midi

    def generate_many(
        self,
        prompt: str,
        *,
        num_samples: int = 1,
        tempo: str | float | None = None,
        key: str | None = None,
        time_signature: str | tuple[int, int] | None = None,
        instruments: str | list | tuple | None = None,
        without: str | list | tuple | None = None,
        genre: str | None = None,
        mood: str | None = None,
        bars: int | None = None,
        seconds: float | None = None,
        temperature: float = DEFAULT_TEMPERATURE,
        top_k: int = DEFAULT_TOP_K,
        top_p: float = DEFAULT_TOP_P,
        cfg: float = DEFAULT_CFG,
        key_strength: float = DEFAULT_KEY_STRENGTH,
        nudge_after: int = DEFAULT_NUDGE_AFTER,
        seed: int | None = None,
        max_new_tokens: int | None = None,
        use_cache: bool = True,
        precision: str = DEFAULT_PRECISION,
        progress: bool = False,
    ) -> list[GenerationResult]:
        """Generate ``num_samples`` pieces for one prompt in one batch."""
        if not isinstance(prompt, str):
            raise MusicGenError(f"the prompt must be text, got {type(prompt).__name__}")
        check_sampling(num_samples, temperature, top_k, top_p, cfg, key_strength, nudge_after)
        if max_new_tokens is not None and (
            isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, numbers.Integral) or max_new_tokens < 1
        ):
            raise MusicGenError(f"max_new_tokens must be a whole number ≥ 1, got {max_new_tokens!r}")
        decoder = self.decoder(precision)
        attributes = self.resolve_attributes(
            prompt,
            tempo=tempo,
            key=key,
            time_signature=time_signature,
            instruments=instruments,
            without=without,
            genre=genre,
            mood=mood,
            bars=bars,
            seconds=seconds,
        )
        if attributes.bars is None and attributes.seconds is None:
            attributes = attributes.merged(bars=DEFAULT_BARS)
        constraints = Constraints(
            bars=attributes.bars,
            seconds=attributes.seconds,
            time_signature=attributes.time_signature,
            tempo=attributes.tempo,
            programs=attributes.instruments,
            without=attributes.without or (),
            nudge_after=nudge_after,
        )
        budget = max_new_tokens or self._token_budget(attributes)
        sampling = SamplingConfig(temperature, top_k, top_p, cfg, seed, budget, use_cache, self.context)
        memory, mask = self.text_encoder.encode([prompt])
        memory, mask = memory.expand(num_samples, -1, -1), mask.expand(num_samples, -1)
        bos = [self.tokenizer.bos_id]
        prefixes = torch.tensor([self.tokenizer.control_prefix(attributes) + bos] * num_samples)
        null_prefix = torch.tensor(self.tokenizer.null_prefix() + bos)
        grammars = [self.grammar.start(constraints) for _ in range(num_samples)]
        scale = tonic = None
        if attributes.key is not None and key_strength > 0:
            key = attributes.key
            scale = torch.from_numpy(self.grammar.scale_bias(key.tonic, key.mode, key_strength))
            pitches = torch.from_numpy(self.grammar.ids["Pitch"])
            tonic = PitchLift(pitches, torch.from_numpy(self.grammar.tonic_lift(key.tonic, key.mode, key_strength)))
        with _progress_bar(progress, grammars) as on_token:
            rows = Sampler(decoder, sampling, self.tokenizer).run(
                prefixes, null_prefix, memory, mask, grammars, on_token, scale, tonic
            )
        results = []
        for tokens, state in zip(rows, grammars, strict=True):
            tempo_bpm = attributes.tempo or round(state.tempo_bpm or 120.0)
            score = self.tokenizer.decode(tokens)
            midi = score_to_midi(
                score, tempo_bpm, attributes.time_signature, attributes.key, state.seconds_at(tempo_bpm)
            )
            results.append(GenerationResult(midi, attributes, tokens, tempo_bpm))
        return results

    def _token_budget(self, attributes: Attributes) -> int:
        bars = attributes.bars
        if bars is None:  # a length in seconds: assume the fastest plausible bar rate
            bars = int(attributes.seconds * 250 / 60 / 2) + 1
        return bars * TOKENS_PER_BAR_BUDGET + 16


def _check_format(folder: Path, config: dict) -> None:
    """Refuse a model folder written by a newer version: its settings may mean what this version cannot do."""
    version = config.get("format_version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version > FORMAT_VERSION:
        raise MusicGenError(
            f"{folder} has format {version!r}; this musicgen-symbolic reads up to {FORMAT_VERSION}: upgrade it"
        )


def check_sampling(
    num_samples: int,
    temperature: float,
    top_k: int,
    top_p: float,
    cfg: float,
    key_strength: float = 0.0,
    nudge_after: int = DEFAULT_NUDGE_AFTER,
) -> None:
    reals = dict(temperature=temperature, top_p=top_p, cfg=cfg, key_strength=key_strength)
    wholes = dict(num_samples=num_samples, top_k=top_k, nudge_after=nudge_after)
    for name, value in {**wholes, **reals}.items():
        whole = name in wholes
        if isinstance(value, bool) or not isinstance(value, numbers.Integral if whole else numbers.Real):
            kind = "a whole number" if whole else "a number"
            raise MusicGenError(f"--{name.replace('_', '-')} must be {kind}, got {value!r}")
    if not 1 <= num_samples <= 64:
        raise MusicGenError(f"--num-samples must be 1–64, got {num_samples}")
    if not 0 <= temperature <= 5:
        raise MusicGenError(f"--temperature must be 0–5 (0 = greedy), got {temperature:g}")
    if top_k < 0:
        raise MusicGenError(f"--top-k must be ≥ 0 (0 = off), got {top_k}")
    if not 0 < top_p <= 1:
        raise MusicGenError(f"--top-p must be in (0, 1], got {top_p:g}")
    if not 0 <= key_strength <= 20:
        raise MusicGenError(f"--key-strength must be 0–20 (0 = off), got {key_strength:g}")
    if not 0 <= cfg <= 20:
        raise MusicGenError(f"--cfg must be 0–20 (1 = no guidance), got {cfg:g}")
    if not 0 <= nudge_after <= MAX_BARS:
        raise MusicGenError(f"--nudge-after must be 0–{MAX_BARS} bars (0 = never), got {nudge_after}")


class _progress_bar:
    """A tqdm bar counting bars generated across all rows (shown only when asked for)."""

    def __init__(self, enabled: bool, grammars: list) -> None:
        self.enabled = enabled
        self.grammars = grammars
        self.bar = None

    def __enter__(self):  # noqa: ANN204
        if not self.enabled:
            return None
        from tqdm import tqdm

        totals = [g.target_bars for g in self.grammars]
        total = sum(totals) if all(totals) else None
        self.bar = tqdm(total=total, unit="bar", desc="generating", leave=False, dynamic_ncols=True)
        bar_ids = set(self.grammars[0].g.ids["Bar"].tolist())

        def on_token(row: int, token: int) -> None:
            if self.bar.total is None and all(g.target_bars for g in self.grammars):
                # a length in seconds becomes a bar count once the tempo and the metre are decoded
                self.bar.total = sum(g.target_bars for g in self.grammars)
                self.bar.refresh()
            if token in bar_ids:
                self.bar.update(1)

        return on_token

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
