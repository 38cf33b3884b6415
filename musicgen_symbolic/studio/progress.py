"""Bars generated so far, and the job's deadline: the progress callable a job hands the pipeline.

``generate_many`` and ``continue_midi`` call ``progress(bars_done, bars_total)`` after every token
(``pipeline.Progress``); a tracker past its deadline stops the generation there by raising :class:`JobTimeout`.
"""

from __future__ import annotations

import time

from ..errors import MusicGenError


class JobTimeout(MusicGenError):
    """A job ran past its time limit."""


class Tracker:
    """What the page shows while a job runs: a stage in words and bars done of bars asked for."""

    def __init__(self, deadline: float | None = None, timeout_s: float | None = None) -> None:
        self.deadline = deadline
        self.timeout_s = timeout_s
        self.stage = "waiting"
        self.bars_done = 0
        self.bars_total: int | None = None

    def __call__(self, bars_done: int, bars_total: int | None) -> None:
        self.bars_done, self.bars_total = bars_done, bars_total
        self.check()

    def check(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise JobTimeout(f"the job took longer than {self.timeout_s:g} s and was stopped: ask for fewer bars")

    def to_dict(self) -> dict:
        return {"stage": self.stage, "bars_done": self.bars_done, "bars_total": self.bars_total}
