"""The miditok REMI tokenizer plus the control tokens that carry the user's attributes.

A training or generation sequence is::

    [KEY, BPM, METER, GENRE, MOOD, INST × MAX_INSTRUMENTS]  BOS  Bar TimeSig Position Tempo Program Pitch ...  EOS
    └──────────────── control prefix (fixed length) ─────┘

Every control slot has a ``*_NONE`` token, so a prefix of all-NONE tokens is the unconditional prompt
used for classifier-free guidance. Control tokens are miditok special tokens, so the whole vocabulary
lives in one ``tokenizer.json`` saved beside the model.

Fewer tokens per note make generation faster, so the default REMI settings write a ``Program`` token only
when the instrument changes (miditok's ``program_changes``) and give drum hits no ``Duration``. On top of
miditok, the most frequent note-attribute pairs are fused into one token each: ``Velocity Duration`` after a
pitched note becomes ``VelDur_v_d`` and ``PitchDrum Velocity`` becomes ``DrumVel_p_v``. The pairs are learnt
from data (like BPE merges, but only ever within a note), so the grammar stays an exact, small state machine.
Rare pairs keep their two tokens.

A tokenizer made with ``chords=True`` (every one ``data build`` makes) also has 157 chord tokens at the end of
its vocabulary: after each bar's ``TimeSig`` come the chords of the bar's two halves, ``Chord_Am7 Chord_D7``
(``Chord_N`` where none is heard), as ``musicality.bar_chords`` hears them in the data. At generation time the
grammar forces them from the harmony plan, so the model is told the chords before it plays a bar. Being last,
they extend an older tokenizer's vocabulary without moving it (fine-tuning with ``--init-from``).

Tokenizers saved before these options (``program_changes`` off, no fused pairs, no chords) still load and
decode as before.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import symusic
from miditok import REMI, TokenizerConfig

from .constants import (
    BEAT_RES,
    MAX_INSTRUMENTS,
    NUM_TEMPOS,
    NUM_VELOCITIES,
    PITCH_RANGE,
    POSITIONS_PER_BEAT,
    TEMPO_RANGE,
    TIME_SIGNATURES,
)
from .errors import MusicGenError
from .theory import CHORD_LABELS, HEARD_AS, Chord, parse_symbol
from .vocabulary import DRUMS, GENRE_LABELS, MOOD_LABELS, PITCH_CLASSES, Attributes, Key

CONTROL_SLOTS = ("KEY", "BPM", "METER", "GENRE", "MOOD") + ("INST",) * MAX_INSTRUMENTS
PREFIX_LENGTH = len(CONTROL_SLOTS)
BPM_STEP = 5


def _key_value(key: Key) -> str:
    return PITCH_CLASSES[key.tonic] + ("m" if key.mode == "minor" else "")


def _bpm_value(tempo: float) -> int:
    low, high = TEMPO_RANGE
    return int(min(high, max(low, BPM_STEP * round(tempo / BPM_STEP))))


def _slug(label: str) -> str:
    return label.replace(" ", "-")


def control_tokens() -> list[str]:
    """All control tokens in a fixed order (their ids follow miditok's own special tokens)."""
    tokens = ["KEY_NONE"] + [f"KEY_{pc}{m}" for m in ("", "m") for pc in PITCH_CLASSES]
    tokens += ["BPM_NONE"] + [f"BPM_{b}" for b in range(TEMPO_RANGE[0], TEMPO_RANGE[1] + 1, BPM_STEP)]
    tokens += ["METER_NONE"] + [f"METER_{n}/{d}" for n, d in TIME_SIGNATURES]
    tokens += ["GENRE_NONE"] + [f"GENRE_{_slug(g)}" for g in GENRE_LABELS]
    tokens += ["MOOD_NONE"] + [f"MOOD_{_slug(m)}" for m in MOOD_LABELS]
    tokens += ["INST_NONE", "INST_Drums"] + [f"INST_{p}" for p in range(128)]
    return tokens


def build_remi() -> REMI:
    ts_range: dict[int, list[int]] = {}
    for numerator, denominator in TIME_SIGNATURES:
        ts_range.setdefault(denominator, []).append(numerator)
    config = TokenizerConfig(
        pitch_range=PITCH_RANGE,
        beat_res=BEAT_RES,
        num_velocities=NUM_VELOCITIES,
        special_tokens=["PAD", "BOS", "EOS", "MASK", *control_tokens()],
        use_programs=True,
        one_token_stream_for_programs=True,
        use_tempos=True,
        num_tempos=NUM_TEMPOS,
        tempo_range=TEMPO_RANGE,
        use_time_signatures=True,
        time_signature_range=ts_range,
        use_pitchdrum_tokens=True,
        program_changes=True,
        use_note_duration_programs=list(range(128)),  # every program but drums (-1)
    )
    return REMI(config)


@dataclass
class TokenTables:
    """Per-token-id facts the grammar needs, as numpy arrays indexed by token id."""

    kind: np.ndarray  # int8: one of KIND_* below
    value: np.ndarray  # int32: position, program, numerator, ...; -999 when meaningless
    denominator: np.ndarray  # int32: time-signature denominator, else 0
    tempo: np.ndarray  # float32: tempo in bpm for Tempo tokens, else 0


KINDS = (
    "special",
    "control",
    "Bar",
    "TimeSig",
    "Position",
    "Tempo",
    "Program",
    "Pitch",
    "PitchDrum",
    "Velocity",
    "Duration",
    "VelDur",
    "DrumVel",
    "Chord",
)
KIND = {name: i for i, name in enumerate(KINDS)}
NOTE_STARTS = ("Pitch", "PitchDrum", "DrumVel")  # the kinds a note can begin with (after its optional Program)
NOTE_START_KINDS = tuple(KIND[name] for name in NOTE_STARTS)
PROGRAM = KIND["Program"]

# A fused token's kind → the kinds of the two REMI tokens it stands for, and the kind that must precede them.
FUSED_KINDS = {"VelDur": ("Velocity", "Duration", "Pitch"), "DrumVel": ("PitchDrum", "Velocity", None)}
_FUSED_AFTER_KIND = {KIND[k]: None if before is None else KIND[before] for k, (_, _, before) in FUSED_KINDS.items()}
MAX_FUSED_PER_KIND = 512
FUSED_MIN_COUNT = 2


def chord_tokens() -> list[str]:
    """The chord tokens, in a fixed order: ``Chord_N`` (no chord heard), then every root (C, C#, …) in every
    quality ``theory.label_chord`` can hear ("Chord_C", "Chord_Am7", "Chord_F#m7b5")."""
    names = ["Chord_N"]
    for quality in CHORD_LABELS:
        names += [f"Chord_{Chord(root, quality).symbol}" for root in range(12)]
    return names


def _fused_kind(first: str, second: str) -> str:
    kinds = (first.partition("_")[0], second.partition("_")[0])
    for kind, (a, b, _) in FUSED_KINDS.items():
        if kinds == (a, b):
            return kind
    raise MusicGenError(f"tokens {first} and {second} cannot be fused")


def _fused_name(first: str, second: str) -> str:
    return f"{_fused_kind(first, second)}_{first.partition('_')[2]}_{second.partition('_')[2]}"


def learn_fused_pairs(
    sequences: Iterable[Sequence[str]], max_per_kind: int = MAX_FUSED_PER_KIND, min_count: int = FUSED_MIN_COUNT
) -> list[tuple[str, str]]:
    """The most frequent fusable pairs in REMI token strings (at most ``max_per_kind`` of each fused kind)."""
    counts: dict[str, Counter] = {kind: Counter() for kind in FUSED_KINDS}
    for tokens in sequences:
        kinds = [t.partition("_")[0] for t in tokens]
        for i in range(1, len(tokens)):
            for kind, (a, b, before) in FUSED_KINDS.items():
                if kinds[i - 1] == a and kinds[i] == b and (before is None or (i > 1 and kinds[i - 2] == before)):
                    counts[kind][tokens[i - 1], tokens[i]] += 1
    pairs: list[tuple[str, str]] = []
    for counter in counts.values():
        pairs += [pair for pair, n in counter.most_common(max_per_kind) if n >= min_count]
    return pairs


class MusicTokenizer:
    """REMI tokens for the music and control tokens for the attributes, in one vocabulary."""

    def __init__(
        self, remi: REMI | None = None, fused_pairs: Sequence[tuple[str, str]] = (), chords: bool = False
    ) -> None:
        self.remi = remi or build_remi()
        self.vocab: dict[str, int] = dict(self.remi.vocab)
        missing = [t for t in control_tokens() if t not in self.vocab]
        if missing:
            raise MusicGenError(
                f"tokenizer is missing control tokens such as {missing[0]}: it was made by another version"
            )
        self.fused_pairs = [(str(a), str(b)) for a, b in fused_pairs]
        self._fuse: dict[tuple[int, int], int] = {}
        self._unfuse: dict[int, tuple[int, int]] = {}
        for first, second in self.fused_pairs:
            if first not in self.vocab or second not in self.vocab:
                raise MusicGenError(f"fused pair {first} {second} names tokens this tokenizer does not have")
            name, index = _fused_name(first, second), len(self.vocab)
            if name in self.vocab:
                raise MusicGenError(f"fused pair {first} {second} is listed twice")
            self.vocab[name] = index
            pair = (self.vocab[first], self.vocab[second])
            self._fuse[pair], self._unfuse[index] = index, pair
        # Chord tokens come last, so a tokenizer with them extends the same tokenizer without (``--init-from``).
        self.chords = chords
        self._chord_ids: dict[tuple[int, str] | None, int] = {}
        if chords:
            for name in chord_tokens():
                self.vocab[name] = self._chord_ids[_chord_key(name)] = len(self.vocab)
        self.id_to_token = {i: t for t, i in self.vocab.items()}
        self.pad_id = self.vocab["PAD_None"]
        self.bos_id = self.vocab["BOS_None"]
        self.eos_id = self.vocab["EOS_None"]
        self.program_changes = bool(self.remi.config.program_changes)
        self.drum_durations = -1 in self.remi.config.use_note_duration_programs

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> None:
        extra = {"fused_pairs": [list(p) for p in self.fused_pairs], "chord_tokens": self.chords}
        self.remi.save(Path(path), additional_attributes=extra)

    @classmethod
    def load(cls, path: str | Path) -> MusicTokenizer:
        try:
            # Read here, not from miditok's copy of the file's extra fields, so that a change there cannot
            # silently drop them (tokenizers before v0.3 have none).
            saved = json.loads(Path(path).read_text())
            try:
                _check_sizes(saved)
            except MusicGenError as error:
                raise MusicGenError(f"tokenizer file {path} has sizes out of range: {error}") from None
            fused, chords = saved.get("fused_pairs", []), bool(saved.get("chord_tokens", False))
            return cls(REMI(params=Path(path)), [tuple(pair) for pair in fused], chords=chords)
        except MusicGenError:
            raise
        except Exception as error:  # miditok raises assorted errors on malformed JSON
            raise MusicGenError(f"cannot read tokenizer file {path}: {error}") from error

    def __len__(self) -> int:
        return len(self.vocab)

    # ------------------------------------------------------------------ control prefix
    def control_prefix(self, attributes: Attributes) -> list[int]:
        """The fixed-length prefix encoding what the user asked for (NONE where unspecified)."""
        a = attributes
        slots = [
            f"KEY_{_key_value(a.key)}" if a.key else "KEY_NONE",
            f"BPM_{_bpm_value(a.tempo)}" if a.tempo else "BPM_NONE",
            f"METER_{a.time_signature[0]}/{a.time_signature[1]}" if a.time_signature else "METER_NONE",
            f"GENRE_{_slug(a.genre)}" if a.genre else "GENRE_NONE",
            f"MOOD_{_slug(a.mood)}" if a.mood else "MOOD_NONE",
        ]
        programs = sorted(a.instruments or ())[:MAX_INSTRUMENTS]
        slots += ["INST_Drums" if p == DRUMS else f"INST_{p}" for p in programs]
        slots += ["INST_NONE"] * (MAX_INSTRUMENTS - len(programs))
        return [self.vocab[s] for s in slots]

    def null_prefix(self) -> list[int]:
        return self.control_prefix(Attributes())

    # ------------------------------------------------------------------ music
    def encode_remi(self, score: symusic.Score) -> list[int]:
        """A score → miditok's REMI token ids, before fusing (no prefix, no BOS/EOS)."""
        tokens = self.remi.encode(score)
        sequence = tokens[0] if isinstance(tokens, list) else tokens
        return list(sequence.ids)

    def encode_score(self, score: symusic.Score) -> list[int]:
        """A score → token ids (no prefix, no BOS/EOS), with note-attribute pairs fused."""
        return self.fuse(self.encode_remi(score))

    def fuse(self, ids: Sequence[int]) -> list[int]:
        """Replace each fusable REMI pair by its fused token (left to right)."""
        if not self._fuse:
            return list(ids)
        kinds = self.tables.kind
        out: list[int] = []
        i = 0
        while i < len(ids):
            fused = self._fuse.get((ids[i], ids[i + 1])) if i + 1 < len(ids) else None
            after = _FUSED_AFTER_KIND[kinds[fused]] if fused is not None else None
            if fused is not None and (after is None or (out and kinds[out[-1]] == after)):
                out.append(fused)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        return out

    def carry_program(self, before: Sequence[int], window: list[int]) -> list[int]:
        """``window`` with the ``Program`` token in force at its start put back before its first note, if needed.

        With ``Program`` tokens only at instrument changes, a window cut from a longer sequence (a training
        crop, or the tokens kept when decoding restarts its cache) may begin with notes of an instrument
        named only in ``before``.
        """
        if not self.program_changes:
            return window
        kinds = self.tables.kind
        first = next((n for n, t in enumerate(window) if kinds[t] in NOTE_START_KINDS or kinds[t] == PROGRAM), None)
        if first is None or kinds[window[first]] == PROGRAM:
            return window
        earlier = np.asarray(before, dtype=np.int64)
        programs = np.flatnonzero(kinds[earlier] == PROGRAM)
        return window if not len(programs) else window[:first] + [int(earlier[programs[-1]])] + window[first:]

    def chord_id(self, chord: Chord | None) -> int:
        """The chord token for ``chord`` (its root and quality; a bass note is not told; a colour the labeller does
        not name, such as a ninth, as the chord it is heard as: ``theory.HEARD_AS``), ``Chord_N`` for None."""
        if chord is None:
            return self._chord_ids[None]
        return self._chord_ids[chord.root, HEARD_AS.get(chord.quality, chord.quality)]

    def chord_of(self, token_id: int) -> Chord | None:
        """The chord a chord token names (None for ``Chord_N``)."""
        return _chord_of(self.id_to_token[token_id])

    def with_chords(self, ids: Sequence[int], halves: Sequence[Chord | None]) -> list[int]:
        """``ids`` (music tokens) with two chord tokens after each bar's ``TimeSig``: the chords of its two halves
        (``halves``: two per bar; ``Chord_N`` past their end)."""
        kinds = self.tables.kind
        bar_kind, metre_kind = KIND["Bar"], KIND["TimeSig"]
        out: list[int] = []
        bar = -1
        for n, token in enumerate(ids):
            out.append(token)
            if kinds[token] == bar_kind:
                bar += 1
            opens_bar = kinds[token] == metre_kind and n > 0 and kinds[ids[n - 1]] == bar_kind
            if opens_bar:
                pair = halves[2 * bar : 2 * bar + 2]
                out += [self.chord_id(chord) for chord in (*pair, None, None)[:2]]
        return out

    def fused_parts(self, token_id: int) -> tuple[int, int] | None:
        """The two REMI token ids a fused token stands for (None for any other token)."""
        return self._unfuse.get(token_id)

    def unfuse(self, ids: Iterable[int]) -> list[int]:
        """Fused tokens → the two REMI tokens each stands for."""
        out: list[int] = []
        for i in ids:
            pair = self._unfuse.get(i)
            if pair is None:
                out.append(i)
            else:
                out.extend(pair)
        return out

    def decode(self, ids: list[int]) -> symusic.Score:
        """Token ids → a score; special and control tokens are dropped first."""
        kinds = self.tables.kind
        music = [i for i in ids if kinds[i] not in (KIND["special"], KIND["control"], KIND["Chord"])]
        return self.remi.decode(self.unfuse(music))

    def tokens(self, ids: list[int]) -> list[str]:
        return [self.id_to_token[i] for i in ids]

    @property
    def positions_per_beat(self) -> int:
        return POSITIONS_PER_BEAT

    @cached_property
    def tables(self) -> TokenTables:
        size = len(self.vocab)
        kind = np.zeros(size, dtype=np.int8)
        value = np.full(size, -999, dtype=np.int32)
        denominator = np.zeros(size, dtype=np.int32)
        tempo = np.zeros(size, dtype=np.float32)
        controls = set(control_tokens())
        for token, index in self.vocab.items():
            name, _, raw = token.partition("_")
            if token in controls:
                kind[index] = KIND["control"]
            elif name == "Chord" and self.chords:
                kind[index] = KIND["Chord"]
            elif name in KIND and name not in ("special", "control"):
                kind[index] = KIND[name]
                if name in ("Position", "Program", "Pitch", "PitchDrum"):
                    value[index] = int(raw)
                elif name == "TimeSig":
                    numerator, den = raw.split("/")
                    value[index], denominator[index] = int(numerator), int(den)
                elif name == "Tempo":
                    tempo[index] = float(raw)
                elif name == "DrumVel":
                    value[index] = int(raw.partition("_")[0])
            else:
                kind[index] = KIND["special"]
        return TokenTables(kind, value, denominator, tempo)


# A tokenizer.json is input: sizes far beyond any real tokenizer's would allocate gigabytes inside miditok
# before failing. (What this version writes: 32 velocities, 64 tempos, 8 positions a beat, 769 fused pairs.)
_SIZE_LIMITS = {"num_velocities": 128, "num_tempos": 1024, "control_change_n_bins": 128, "max_pitch_interval": 128}
_MAX_POSITIONS_PER_BEAT, _MAX_BEATS, _MAX_LISTED = 64, 256, 4096


def _check_sizes(saved: dict) -> None:
    """Refuse a tokenizer file whose vocabulary sizes are out of all proportion, before miditok builds it."""
    config = saved.get("config")
    if not isinstance(config, dict):
        raise MusicGenError("it has no tokenizer config")
    for name, high in _SIZE_LIMITS.items():
        value = config.get(name, 0)
        if not isinstance(value, int) or not 0 <= value <= high:
            raise MusicGenError(f"{name} must be a whole number 0–{high}, got {value!r}")
    for name in ("beat_res", "beat_res_rest"):
        for span, resolution in (config.get(name) or {}).items():
            beats = [int(b) for b in str(span).split("_") if b.lstrip("-").isdigit()]
            if not isinstance(resolution, int) or not 0 < resolution <= _MAX_POSITIONS_PER_BEAT:
                raise MusicGenError(f"{name} {span}: at most {_MAX_POSITIONS_PER_BEAT} positions a beat")
            if any(not 0 <= b <= _MAX_BEATS for b in beats):
                raise MusicGenError(f"{name} {span}: spans reach at most {_MAX_BEATS} beats")
    listed = {"special_tokens": config.get("special_tokens"), "fused_pairs": saved.get("fused_pairs")}
    listed.update({f"time_signature_range {k}": v for k, v in (config.get("time_signature_range") or {}).items()})
    for name, values in listed.items():
        if values is not None and (not isinstance(values, list) or len(values) > _MAX_LISTED):
            raise MusicGenError(f"{name}: a list of at most {_MAX_LISTED} entries")
    bend = config.get("pitch_bend_range")
    if bend is not None and (not isinstance(bend, list) or len(bend) != 3 or not 0 < int(bend[2]) <= 1024):
        raise MusicGenError("pitch_bend_range: [low, high, at most 1024 steps]")


def _chord_of(name: str) -> Chord | None:
    """``Chord_N`` → None, ``Chord_Am7`` → A minor seventh."""
    symbol = name.partition("_")[2]
    return None if symbol == "N" else parse_symbol(symbol)


def _chord_key(name: str) -> tuple[int, str] | None:
    chord = _chord_of(name)
    return None if chord is None else (chord.root, chord.quality)
