"""The miditok REMI tokenizer plus the control tokens that carry the user's attributes.

A training or generation sequence is::

    [KEY, BPM, METER, GENRE, MOOD, INST × MAX_INSTRUMENTS]  BOS  Bar TimeSig Position Tempo Program Pitch ...  EOS
    └──────────────── control prefix (fixed length) ─────┘

Every control slot has a ``*_NONE`` token, so a prefix of all-NONE tokens is the unconditional prompt
used for classifier-free guidance. Control tokens are miditok special tokens, so the whole vocabulary
lives in one ``tokenizer.json`` saved beside the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import symusic
from miditok import REMI, TokenizerConfig

from .attributes import DRUMS, GENRES, MOODS, PITCH_CLASSES, Attributes, Key
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
    tokens += ["GENRE_NONE"] + [f"GENRE_{_slug(g)}" for g in GENRES]
    tokens += ["MOOD_NONE"] + [f"MOOD_{_slug(m)}" for m in MOODS]
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
)
KIND = {name: i for i, name in enumerate(KINDS)}


class MusicTokenizer:
    """REMI tokens for the music and control tokens for the attributes, in one vocabulary."""

    def __init__(self, remi: REMI | None = None) -> None:
        self.remi = remi or build_remi()
        self.vocab: dict[str, int] = dict(self.remi.vocab)
        self.id_to_token = {i: t for t, i in self.vocab.items()}
        missing = [t for t in control_tokens() if t not in self.vocab]
        if missing:
            raise MusicGenError(
                f"tokenizer is missing control tokens such as {missing[0]}: it was made by another version"
            )
        self.pad_id = self.vocab["PAD_None"]
        self.bos_id = self.vocab["BOS_None"]
        self.eos_id = self.vocab["EOS_None"]

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> None:
        self.remi.save(Path(path))

    @classmethod
    def load(cls, path: str | Path) -> MusicTokenizer:
        try:
            return cls(REMI(params=Path(path)))
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
    def encode_score(self, score: symusic.Score) -> list[int]:
        """A score → REMI token ids (no prefix, no BOS/EOS)."""
        tokens = self.remi.encode(score)
        sequence = tokens[0] if isinstance(tokens, list) else tokens
        return list(sequence.ids)

    def decode(self, ids: list[int]) -> symusic.Score:
        """REMI token ids → a score; special and control tokens are dropped first."""
        kinds = self.tables.kind
        music = [i for i in ids if kinds[i] not in (KIND["special"], KIND["control"])]
        return self.remi.decode(music)

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
            elif name in KIND and name not in ("special", "control"):
                kind[index] = KIND[name]
                if name in ("Position", "Program", "Pitch", "PitchDrum"):
                    value[index] = int(raw)
                elif name == "TimeSig":
                    numerator, den = raw.split("/")
                    value[index], denominator[index] = int(numerator), int(den)
                elif name == "Tempo":
                    tempo[index] = float(raw)
            else:
                kind[index] = KIND["special"]
        return TokenTables(kind, value, denominator, tempo)
