"""Metres: where the felt beats of a bar fall and which of them are strong."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Meter:
    """A time signature as it is felt: eighth-note metres group their eighths into beats of two or three."""

    signature: tuple[int, int]
    beats: tuple[tuple[float, float], ...]  # (offset, length) of every felt beat, in quarter notes
    strong: tuple[int, ...]  # indices of the beats that carry weight

    @property
    def bar(self) -> float:
        """The length of a bar in quarter notes."""
        return self.signature[0] * 4 / self.signature[1]

    @property
    def simple(self) -> bool:
        """Whether every beat is a quarter note (only then may a piece swing)."""
        return all(length == 1.0 for _, length in self.beats)


_EIGHTH_GROUPS = {
    (3, 8): (3,),
    (5, 8): (2, 3),
    (6, 8): (3, 3),
    (7, 8): (2, 2, 3),
    (9, 8): (3, 3, 3),
    (12, 8): (3, 3, 3, 3),
}
_STRONG_BEATS = {
    (2, 4): (0, 1),
    (4, 4): (0, 2),
    (5, 4): (0, 3),
    (6, 4): (0, 3),
    (5, 8): (0, 1),
    (6, 8): (0, 1),
    (7, 8): (0, 2),
    (12, 8): (0, 2),
}


@cache
def meter_of(signature: tuple[int, int]) -> Meter:
    """The metre of a time signature (``_EIGHTH_GROUPS`` must list every x/8 signature a style uses)."""
    numerator, denominator = signature
    lengths = [g * 0.5 for g in _EIGHTH_GROUPS[signature]] if denominator == 8 else [4 / denominator] * numerator
    offsets = [sum(lengths[:i]) for i in range(len(lengths))]
    return Meter(signature, tuple(zip(offsets, lengths, strict=True)), _STRONG_BEATS.get(signature, (0,)))
