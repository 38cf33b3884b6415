"""How to generate, set once and carried as one object (audiocraft's ``set_generation_params``, MidiTok's
``TokenizerConfig``).

``GenerationSettings`` travels from the CLI, the Python API and ``evaluate`` through the pipeline to the sampler:
a new generation flag is one field here, its line in ``cli.py``, and the code that reads it. What the music is
(tempo, key, instruments …) is not a setting: that is ``prompt.AttributeOverrides``.
"""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from .constants import (
    DEFAULT_CFG,
    DEFAULT_KEY_STRENGTH,
    DEFAULT_MELODY_SHAPE,
    DEFAULT_NUDGE_AFTER,
    DEFAULT_PRECISION,
    DEFAULT_TEMPERATURE,
    DEFAULT_TOP_K,
    DEFAULT_TOP_P,
    DEFAULT_VARIATION,
    MAX_BARS,
    PRECISIONS,
)
from .errors import MusicGenError

MAX_SAMPLES = 64


@dataclass(frozen=True)
class GenerationSettings:
    """Sampling settings of the symbolic backend; checked when made, so a bad value fails before any work."""

    num_samples: int = 1  # pieces generated together, in one batch
    temperature: float = DEFAULT_TEMPERATURE  # 0 = greedy
    top_k: int = DEFAULT_TOP_K  # 0 = off
    top_p: float = DEFAULT_TOP_P  # 1 = off
    cfg: float = DEFAULT_CFG  # classifier-free guidance scale; 1 = off
    key_strength: float = DEFAULT_KEY_STRENGTH  # the pull towards the asked key's scale and tonic; 0 = off
    melody_shape: float = DEFAULT_MELODY_SHAPE  # a melody instrument's pull towards steps; 0 = off
    nudge_after: int = DEFAULT_NUDGE_AFTER  # silent bars before an asked-for instrument is nudged back; 0 = never
    variation: float = DEFAULT_VARIATION  # how much returning sections vary (form.FormPlan); 0 = verbatim
    seed: int | None = None  # the same seed gives the same MIDI bytes on the same machine
    max_new_tokens: int | None = None  # None: enough for the length asked for
    use_cache: bool = True  # the KV cache (off only to check it)
    precision: str = DEFAULT_PRECISION  # weights while decoding (decoder.py)

    def __post_init__(self) -> None:
        _check_types(self)
        _check_ranges(self)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def updated(self, **changes: Any) -> GenerationSettings:
        """A copy with the given fields changed, checked again."""
        unknown = sorted(set(changes) - set(self.names()))
        if unknown:
            raise TypeError(f"unknown generation setting {unknown[0]!r}; the settings are {', '.join(self.names())}")
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_WHOLES = ("num_samples", "top_k", "nudge_after")
_REALS = ("temperature", "top_p", "cfg", "key_strength", "melody_shape", "variation")


MIN_NEW_TOKENS = 16


def _whole(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _check_types(settings: GenerationSettings) -> None:
    for name in (*_WHOLES, *_REALS):
        value, whole = getattr(settings, name), name in _WHOLES
        if isinstance(value, bool) or not isinstance(value, numbers.Integral if whole else numbers.Real):
            kind = "a whole number" if whole else "a number"
            raise MusicGenError(f"{_flag(name)} must be {kind}, got {value!r}")
    tokens = settings.max_new_tokens
    if tokens is not None and (not _whole(tokens) or tokens < MIN_NEW_TOKENS):
        raise MusicGenError(
            f"max_new_tokens must be a whole number ≥ {MIN_NEW_TOKENS} (room for a bar with a note), got {tokens!r}"
        )
    seed = settings.seed
    if seed is not None and (not _whole(seed) or not 0 <= seed < 2**63):
        # Python's random.Random(-1) is random.Random(1): a negative seed would silently repeat a positive one.
        raise MusicGenError(f"--seed must be a whole number from 0 to 2^63-1, got {seed!r}")
    if settings.precision not in PRECISIONS:
        raise MusicGenError(f"--precision must be one of {', '.join(PRECISIONS)}, got {settings.precision!r}")


def _check_ranges(s: GenerationSettings) -> None:
    if not 1 <= s.num_samples <= MAX_SAMPLES:
        raise MusicGenError(f"--num-samples must be 1–{MAX_SAMPLES}, got {s.num_samples}")
    if not 0 <= s.temperature <= 5:
        raise MusicGenError(f"--temperature must be 0–5 (0 = greedy), got {s.temperature:g}")
    if s.top_k < 0:
        raise MusicGenError(f"--top-k must be ≥ 0 (0 = off), got {s.top_k}")
    if not 0 < s.top_p <= 1:
        raise MusicGenError(f"--top-p must be in (0, 1], got {s.top_p:g}")
    if not 0 <= s.key_strength <= 20:
        raise MusicGenError(f"--key-strength must be 0–20 (0 = off), got {s.key_strength:g}")
    if not 0 <= s.melody_shape <= 10:
        raise MusicGenError(f"--melody-shape must be 0–10 (0 = off), got {s.melody_shape:g}")
    if not 0 <= s.variation <= 1:
        raise MusicGenError(f"--variation must be 0–1 (0 = returning sections verbatim), got {s.variation:g}")
    if not 0 <= s.cfg <= 20:
        raise MusicGenError(f"--cfg must be 0–20 (1 = no guidance), got {s.cfg:g}")
    if not 0 <= s.nudge_after <= MAX_BARS:
        raise MusicGenError(f"--nudge-after must be 0–{MAX_BARS} bars (0 = never), got {s.nudge_after}")


def split_options(options: dict[str, Any], *kinds: type) -> list[dict[str, Any]]:
    """Keyword arguments sorted by the dataclass whose field they name (one dict per kind, in order); a name
    that no kind has is a ``TypeError``, as for any Python function."""
    names = [{f.name for f in fields(kind)} for kind in kinds]
    parts: list[dict[str, Any]] = [{} for _ in kinds]
    for name, value in options.items():
        index = next((i for i, known in enumerate(names) if name in known), None)
        if index is None:
            known = sorted(set().union(*names))
            raise TypeError(f"unexpected keyword argument {name!r}; expected one of {', '.join(known)}")
        parts[index][name] = value
    return parts
