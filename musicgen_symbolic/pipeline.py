"""MusicGenSymbolic: prompt → attributes + text embeddings → constrained sampling → PrettyMIDI.

A model folder holds ``config.json`` (model config, text-encoder spec, training notes),
``model.safetensors`` and ``tokenizer.json`` (miditok, including the control tokens).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pretty_midi
import torch
from safetensors.torch import load_file, save_file

from .constants import (
    BUNDLED_MODEL_DIR,
    DEFAULT_BARS,
    DEFAULT_PRECISION,
    ENV_MODEL_DIR,
    PRECISIONS,
)
from .continuation import Primer, ShiftedForm, ShiftedPlan, join, new_bars_for_seconds, read_primer
from .data.captions import describe
from .decoder import FastDecoder
from .errors import MusicGenError
from .form import FormPlan, Layout
from .generation import PitchLift, Sampler, SamplingConfig, primer_window
from .grammar import ChordPlan, Constraints, FormRules, Grammar, GrammarState
from .midi_io import hold_last_notes, load_midi, scale_velocities, score_to_midi, set_markers, write_atomic
from .model import ModelConfig, MusicTransformer
from .planner import HARMONY_FILE, HarmonyModel, HarmonyPlan
from .prompt import AttributeOverrides
from .pulls import ChordPull, FillPull, MelodyPull, Pulls
from .settings import GenerationSettings, split_options
from .text_encoder import MINILM, TextEncoder, load_text_encoder, parse_spec
from .tokenizer import KIND, PREFIX_LENGTH, MusicTokenizer
from .vocabulary import Attributes, Key

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"
FORMAT_VERSION = 1
TOKENS_PER_BAR_BUDGET = 320
DESCRIBED = ("genre", "mood", "key", "tempo", "time_signature", "instruments")  # a file continued without a prompt

Progress = Callable[[int, int | None], None]  # (bars done, bars in all; None until known), after every token

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
    plan: HarmonyPlan | None = None  # the key and chords the pitches were pulled towards
    form: Layout | None = None  # the sections the piece was played in
    new_part: pretty_midi.PrettyMIDI | None = None  # a continuation's new bars alone, from time 0
    primer: Primer | None = None  # what was read of the file continued
    heard_bars: int | None = None  # of the primer's bars, how many the model read whole (its context is limited)


def default_model_dir() -> Path:
    return Path(os.environ.get(ENV_MODEL_DIR) or BUNDLED_MODEL_DIR)


def describe_model_folder(folder: Path) -> list[str]:
    """What ``info`` says about a model folder, read from its config.json and tokenizer.json alone (no weights
    loaded, no miditok): trained or not, shape, context, text encoder, token layout."""
    try:
        config = json.loads((folder / CONFIG_FILE).read_text())
        metadata, shape = config.get("metadata", {}), config["model"]
        trained = "trained" if metadata.get("trained") else "UNTRAINED"
        context = min(metadata.get("context") or shape["max_seq_len"], shape["max_seq_len"])
        layout = _token_layout(folder / TOKENIZER_FILE)
        heads = f"heads={shape['n_head']}"
        if shape.get("n_kv_head"):
            heads += f" ({shape['n_kv_head']} key/value)"
        return [
            f"model:        {folder} ({trained}, d_model={shape['d_model']}, layers={shape['n_layer']}, {heads}, "
            f"context={context} tokens)",
            f"text encoder: {config['text_encoder']}",
            f"tokens:       {layout}, vocabulary {shape['vocab_size']}",
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return [f"model:        none at {folder} (run `musicgen-symbolic init-model DIR` or pass --model)"]


def _token_layout(tokenizer_file: Path) -> str:
    """How a model's tokens write a note, read from its tokenizer.json."""
    saved = json.loads(tokenizer_file.read_text())
    if not saved.get("config", {}).get("program_changes"):
        return "REMI, a Program token before every note"
    return f"compact REMI (Program only at instrument changes, {len(saved.get('fused_pairs', []))} fused note pairs)"


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
        harmony: HarmonyModel | None = None,
    ) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self._text_encoder = text_encoder
        self.metadata = dict(metadata or {})
        self.grammar = Grammar(tokenizer)
        self._decoders: dict[str, FastDecoder] = {}
        self.settings = GenerationSettings()
        self.harmony = harmony or HarmonyModel.from_training_styles()

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
        write_atomic(folder / HARMONY_FILE, lambda tmp: self.harmony.save_to(tmp))
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
        _check_weight_shapes(folder / WEIGHTS_FILE, model_config)
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
        harmony = HarmonyModel.load(folder)
        generator = cls(model, tokenizer, text_encoder or recorded, config.get("metadata"), harmony)
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

    def set_generation_params(self, **settings: object) -> None:
        """Change this generator's default :class:`GenerationSettings` (audiocraft's name for it): later calls
        start from them, e.g. ``set_generation_params(temperature=0.8, cfg=2)``."""
        self.settings = self.settings.updated(**settings)

    def generate(
        self, prompt: str, settings: GenerationSettings | None = None, **options: object
    ) -> pretty_midi.PrettyMIDI:
        """Generate one piece; see :meth:`generate_many` for the arguments."""
        return self.generate_many(prompt, settings, num_samples=1, **options)[0].midi

    def generate_many(
        self,
        prompt: str,
        settings: GenerationSettings | None = None,
        *,
        progress: bool | Progress = False,
        **options: object,
    ) -> list[GenerationResult]:
        """Generate ``num_samples`` pieces for one prompt in one batch.

        ``settings`` (default: this generator's, see :meth:`set_generation_params`) says how to sample. Keyword
        ``options`` are any field of :class:`GenerationSettings` (``temperature``, ``cfg``, ``seed``,
        ``num_samples`` …), changing the settings for this call, or of :class:`AttributeOverrides` (``tempo``,
        ``key``, ``instruments``, ``bars`` …), overriding what the prompt says. ``progress``: True draws a terminal
        bar; a callable gets (bars done, bars in all) after every token, and may raise to stop.
        """
        if not isinstance(prompt, str):
            raise MusicGenError(f"the prompt must be text, got {type(prompt).__name__}")
        changes, overrides = split_options(options, GenerationSettings, AttributeOverrides)
        settings = (settings or self.settings).updated(**changes)
        decoder = self.decoder(settings.precision)
        attributes = self.resolve_attributes(prompt, **overrides)
        if attributes.bars is None and attributes.seconds is None:
            attributes = attributes.merged(bars=DEFAULT_BARS)
        if attributes.time_signature is None:
            attributes = attributes.merged(time_signature=self.harmony.choose_metre(attributes.genre, settings.seed))
        form = self._form(attributes, settings)
        plan = self._plan(attributes, settings, form)
        rows, grammars = self._sample(prompt, attributes, settings, decoder, plan, form, progress)
        results = []
        for tokens, state in zip(rows, grammars, strict=True):
            tempo = attributes.tempo or round(state.tempo_bpm or 120.0)
            results.append(
                self._result(tokens, state.bars_done, state.bar_seconds(tempo), tempo, attributes, plan, form)
            )
        return results

    def continue_midi(
        self,
        midi: str | Path | pretty_midi.PrettyMIDI,
        prompt: str = "",
        settings: GenerationSettings | None = None,
        *,
        from_bar: int | None = None,
        progress: bool | Progress = False,
        **options: object,
    ) -> list[GenerationResult]:
        """Continue a MIDI file (a path or a PrettyMIDI): its bars start the sequence and the model plays on from the
        next bar line (``continuation.py``). With ``from_bar`` K, bars K… are played anew: another ending.

        Tempo, metre, key and instruments are the file's unless the prompt or ``options`` say otherwise; instruments
        the prompt names join the file's (``instruments=`` replaces them). The length asked for (``bars``,
        ``seconds``; default 8, or with ``from_bar`` as many bars as the file had from there) is the new part's.
        Each result's ``midi`` holds the file's notes exactly as they were, then the new bars; ``new_part`` holds the
        new bars alone, from time 0; ``primer`` says what was read.
        """
        if not isinstance(prompt, str):
            raise MusicGenError(f"the prompt must be text, got {type(prompt).__name__}")
        source = midi if isinstance(midi, pretty_midi.PrettyMIDI) else load_midi(midi, markers=True)
        changes, overrides = split_options(options, GenerationSettings, AttributeOverrides)
        settings = (settings or self.settings).updated(**changes)
        decoder = self.decoder(settings.precision)
        given = AttributeOverrides(**overrides)
        asked = given.resolve(prompt) if prompt.strip() else given.apply(Attributes())
        primer = read_primer(source, self.tokenizer, self.grammar, from_bar)
        attributes = _continuing(asked, primer, replace_instruments="instruments" in overrides, from_bar=from_bar)
        if not prompt.strip():  # the model reads the file's attributes in words, as its training captions said them
            prompt = describe(attributes, set(DESCRIBED), np.random.default_rng(0))
        form = self._form(attributes, settings)
        inner_plan = self._plan(attributes, settings, form)
        if inner_plan is not None and primer.loop and attributes.chords is None and attributes.key == primer.key:
            inner_plan = replace(inner_plan, loop=primer.loop)  # the harmony goes on where the file left it
        plan = ShiftedPlan(inner_plan, primer.bars) if inner_plan is not None else None
        rows, grammars = self._sample(
            prompt, attributes, settings, decoder, plan, ShiftedForm(form, primer.bars), progress, primer
        )
        window = primer.tokens[
            len(primer.tokens) - primer_window(len(primer.tokens), self.context, PREFIX_LENGTH + 1) :
        ]
        heard = int(np.count_nonzero(self.tokenizer.tables.kind[window] == KIND["Bar"]))
        results = []
        for tokens, state in zip(rows, grammars, strict=True):
            new = self.tokenizer.carry_program(primer.tokens, tokens[len(primer.tokens) :])
            bars = state.bars_done - primer.bars
            part = self._result(
                new, bars, state.bar_seconds(attributes.tempo), attributes.tempo, attributes, inner_plan, form
            )
            joined = join(primer, part.midi, attributes.key)
            results.append(
                replace(part, midi=joined, tokens=tokens, new_part=part.midi, primer=primer, heard_bars=heard)
            )
        return results

    def _form(self, attributes: Attributes, settings: GenerationSettings) -> FormPlan:
        return FormPlan(
            attributes.form, attributes.genre, settings.seed, settings.variation, bool(attributes.loop),
            round(attributes.chords.bars) if attributes.chords else None,
        )  # fmt: skip

    def _sample(
        self,
        prompt: str,
        attributes: Attributes,
        settings: GenerationSettings,
        decoder: FastDecoder,
        plan: ChordPlan | None,
        form: FormPlan | ShiftedForm,
        progress: bool | Progress,
        primer: Primer | None = None,
    ) -> tuple[list[list[int]], list[GrammarState]]:
        """Sample ``num_samples`` rows under the grammar (after ``primer``'s bars, when continuing a file): every
        row's tokens and its final grammar state."""
        n = settings.num_samples
        inner = form.form if isinstance(form, ShiftedForm) else form
        inner_plan = plan.plan if isinstance(plan, ShiftedPlan) else plan
        inner.same_chords = inner_plan.same_chords if inner_plan is not None else None
        offset = primer.bars if primer is not None else 0
        constraints = _constraints(attributes, settings, plan, form, offset)
        grammars = [self.grammar.start(constraints) for _ in range(n)]
        for grammar in grammars if primer is not None else ():
            grammar.read(primer.tokens)
        budget = settings.max_new_tokens or self._token_budget(attributes)
        sampling = SamplingConfig(
            settings.temperature, settings.top_k, settings.top_p, settings.cfg, settings.seed, budget,
            settings.use_cache, self.context,
        )  # fmt: skip
        memory, mask = self.text_encoder.encode([prompt])
        memory, mask = memory.expand(n, -1, -1), mask.expand(n, -1)
        bos = [self.tokenizer.bos_id]
        heard = attributes if plan is None or attributes.key else replace(attributes, key=plan.key)
        prefixes = torch.tensor([self.tokenizer.control_prefix(heard) + bos] * n)
        null_prefix = torch.tensor(self.tokenizer.null_prefix() + bos)
        scale, tonic = self._pitch_pull(attributes.key, plan, settings.key_strength)
        lifts = [tonic] if tonic is not None else []
        if settings.melody_shape > 0:
            lifts.append(MelodyPull(self.grammar, settings.melody_shape))
        lifts.append(FillPull(self.grammar))
        with _progress_bar(progress, grammars, offset) as on_token:
            rows = Sampler(decoder, sampling, self.tokenizer).run(
                prefixes, null_prefix, memory, mask, grammars, on_token, scale, Pulls(*lifts),
                primer.tokens if primer is not None else None,
            )  # fmt: skip
        short = [g for g in grammars if g.target_bars and g.bars_done < g.target_bars]
        if short and settings.max_new_tokens:
            raise MusicGenError(
                f"max_new_tokens {settings.max_new_tokens} ran out after {short[0].bars_done - offset} of "
                f"{short[0].target_bars - offset} bars: raise it, or leave it unset (enough for the length asked for)"
            )
        return rows, grammars

    def _plan(self, attributes: Attributes, settings: GenerationSettings, form: FormPlan) -> HarmonyPlan | None:
        """The chords the pitches follow: the prompt's progression, else one planned for the genre (none when
        the pulls are off, ``key_strength`` 0)."""
        if settings.key_strength <= 0:
            return None
        a = attributes
        return self.harmony.plan(a.key, a.genre, a.mood, settings.seed, a.chords, form)

    def _pitch_pull(
        self, key: Key | None, plan: HarmonyPlan | None, strength: float
    ) -> tuple[torch.Tensor | None, PitchLift | None]:
        """The sampler's pull: towards the plan's chords, half bar by half bar (``pulls.py``); without a plan, a
        penalty outside the asked key's scale and lifts towards its tonic chord."""
        if plan is not None:
            return None, ChordPull(self.grammar, plan, strength)
        if key is None or strength <= 0:
            return None, None
        scale = torch.from_numpy(self.grammar.scale_bias(key.tonic, key.mode, strength))
        pitches = torch.from_numpy(self.grammar.ids["Pitch"])
        return scale, PitchLift(pitches, torch.from_numpy(self.grammar.tonic_lift(key.tonic, key.mode, strength)))

    def _result(
        self,
        tokens: list[int],
        bars: int,
        bar_seconds: float | None,
        tempo_bpm: float,
        attributes: Attributes,
        plan: HarmonyPlan | None,
        form: FormPlan,
    ) -> GenerationResult:
        """``bars`` bars of ``tokens`` as a MIDI file at ``tempo_bpm``: chord and section markers, the sections'
        loudness, the held last chord."""
        score = self.tokenizer.decode(tokens)
        key = attributes.key or (plan.key if plan else None)
        end = bars * bar_seconds if bar_seconds is not None else None
        midi = score_to_midi(score, tempo_bpm, attributes.time_signature, key, end)
        layout = None
        if end and bars:
            changes = plan.changes(bars, bar_seconds) if plan else self._own_chords(tokens, key, bar_seconds)
            layout = form.layout(bars)
            set_markers(midi, changes + layout.markers(bar_seconds))
            if len(layout.sections) > 1:  # a chorus lifts, an intro holds back
                scale_velocities(midi, [(a * bar_seconds, b * bar_seconds, f) for a, b, f in layout.dynamics()])
            if form.ends_held(bars - 1, bars):
                hold_last_notes(midi, end - bar_seconds, end)
        return GenerationResult(midi, attributes, tokens, tempo_bpm, plan, layout)

    def _own_chords(self, tokens: list[int], key: Key | None, bar_seconds: float) -> list[tuple[float, str]]:
        """Without a plan, the chords the model chose (its chord tokens, two a bar) where they change: markers."""
        if not self.tokenizer.chords:
            return []
        kinds = self.tokenizer.tables.kind
        halves = [self.tokenizer.chord_of(t) for t in tokens if kinds[t] == KIND["Chord"]]
        out, previous = [], None
        for half, chord in enumerate(halves):
            if chord is not None and chord != previous:
                out.append((half * bar_seconds / 2, chord.spelled(key)))
            previous = chord
        return out

    def _token_budget(self, attributes: Attributes) -> int:
        bars = attributes.bars
        if bars is None:  # a length in seconds: assume the fastest plausible bar rate
            bars = int(attributes.seconds * 250 / 60 / 2) + 1
        return bars * TOKENS_PER_BAR_BUDGET + 16


def _constraints(
    attributes: Attributes, settings: GenerationSettings, plan: ChordPlan | None, form: FormRules, offset: int = 0
) -> Constraints:
    """What the grammar forces: the attributes the user fixed, the plan's chords (where the model has chord
    tokens), the form, and when a silent instrument is nudged back; after ``offset`` bars of a file continued."""
    return Constraints(
        bars=attributes.bars + offset if attributes.bars is not None else None,
        seconds=attributes.seconds,
        time_signature=attributes.time_signature,
        tempo=attributes.tempo,
        programs=attributes.instruments,
        without=attributes.without or (),
        nudge_after=settings.nudge_after,
        chords=plan,
        form=form,
    )


def _continuing(asked: Attributes, primer: Primer, replace_instruments: bool, from_bar: int | None) -> Attributes:
    """The attributes of a continuation: what the prompt and the flags ask for, else the file's (its tempo, metre, key
    and instruments; instruments the prompt names join the file's, ``--instruments`` replaces them, ``without``
    leaves some out). The length is the new part's: asked for, else the bars the file had from ``from_bar``, else
    ``DEFAULT_BARS``."""
    tempo = asked.tempo or primer.tempo
    metre = asked.time_signature or primer.time_signature
    if replace_instruments:
        instruments = set(asked.instruments or ())
    else:
        left_out = set(asked.without or ())
        instruments = (set(primer.programs) | set(asked.instruments or ())) - left_out
    if not instruments:
        raise MusicGenError("no instrument is left to play the continuation: the file's are all left out")
    if asked.bars is not None:
        bars = asked.bars
    elif asked.seconds is not None:
        bars = new_bars_for_seconds(asked.seconds, tempo, metre)
    elif from_bar is not None:
        bars = primer.file_bars - primer.bars
    else:
        bars = DEFAULT_BARS
    return replace(
        asked, tempo=tempo, time_signature=metre, key=asked.key or primer.key, instruments=tuple(sorted(instruments)),
        without=None, bars=bars, seconds=None,
    )  # fmt: skip


def _check_weight_shapes(path: Path, config: ModelConfig) -> None:
    """Compare the weight file's tensor shapes (read from its header) with those ``config`` gives, before any
    allocation: a config.json that disagrees with its weights is refused, never half-loaded."""
    from safetensors import safe_open

    with torch.device("meta"):  # shapes only, no memory
        expected = {name: tuple(t.shape) for name, t in MusicTransformer(config).state_dict().items()}
    try:
        with safe_open(str(path), "pt") as weights:
            found = {name: tuple(weights.get_slice(name).get_shape()) for name in weights.keys()}  # noqa: SIM118
    except Exception as error:
        raise MusicGenError(f"cannot load weights from {path}: {error}") from error
    extra = sorted(set(found) - set(expected))
    if extra:
        raise MusicGenError(f"{path} holds tensors its config.json has no place for, such as {extra[0]} (n_layer?)")
    for name, shape in found.items():
        if shape != expected[name]:
            raise MusicGenError(f"{path}: {name} has shape {list(shape)}, config.json implies {list(expected[name])}")


def _check_format(folder: Path, config: dict) -> None:
    """Refuse a model folder written by a newer version: its settings may mean what this version cannot do."""
    version = config.get("format_version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version > FORMAT_VERSION:
        raise MusicGenError(
            f"{folder} has format {version!r}; this musicgen-symbolic reads up to {FORMAT_VERSION}: upgrade it"
        )


class _progress_bar:
    """Counts the bars generated across all rows: into a tqdm bar (``enabled`` True), or a callable's, called after
    every token with (bars done, bars in all), which may raise to stop the generation (a server's time limit)."""

    def __init__(self, enabled: bool | Progress, grammars: list, offset: int = 0) -> None:
        self.enabled = enabled
        self.grammars = grammars
        self.offset = offset  # bars of a file being continued: not counted
        self.bar = None

    def _total(self) -> int | None:
        totals = [g.target_bars and g.target_bars - self.offset for g in self.grammars]
        return sum(totals) if all(totals) else None

    def __enter__(self):  # noqa: ANN204
        if not self.enabled:
            return None
        if callable(self.enabled):
            return self._reporter(self.enabled)
        from tqdm import tqdm

        total = self._total()
        self.bar = tqdm(total=total, unit="bar", desc="generating", leave=False, dynamic_ncols=True)
        bar_ids = set(self.grammars[0].g.ids["Bar"].tolist())

        def on_token(row: int, token: int) -> None:
            if self.bar.total is None and all(g.target_bars for g in self.grammars):
                # a length in seconds becomes a bar count once the tempo and the metre are decoded
                self.bar.total = sum(g.target_bars - self.offset for g in self.grammars)
                self.bar.refresh()
            if token in bar_ids:
                self.bar.update(1)

        return on_token

    def _reporter(self, report: Progress):  # noqa: ANN202
        bar_ids = set(self.grammars[0].g.ids["Bar"].tolist())
        done = 0

        def on_token(row: int, token: int) -> None:
            nonlocal done
            done += token in bar_ids
            report(done, self._total())

        return on_token

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
