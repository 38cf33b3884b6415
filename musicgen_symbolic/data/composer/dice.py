"""The composer's randomness: one seeded generator per piece, drawn from in a fixed order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")


class Dice:
    """``numpy.random.default_rng(seed)``, made cheap for the thousands of scalar draws in a piece.

    Uniforms are drawn from the generator in blocks and handed out one by one: numpy's per-call
    overhead would otherwise dominate the time to compose a piece.
    """

    def __init__(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)
        self._block: list[float] = []
        self._next = 0

    def random(self) -> float:
        if self._next >= len(self._block):
            self._block = self._rng.random(1024).tolist()
            self._next = 0
        value = self._block[self._next]
        self._next += 1
        return value

    def chance(self, p: float) -> bool:
        return self.random() < p

    def integer(self, low: int, high: int) -> int:
        """An integer in [low, high] (both included)."""
        return low + int(self.random() * (high - low + 1))

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def weighted(self, items: Sequence[T], weights: Sequence[float]) -> T:
        target = self.random() * sum(weights)
        for item, weight in zip(items, weights, strict=True):
            target -= weight
            if target < 0:
                return item
        return items[-1]
