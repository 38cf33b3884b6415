"""The studio's bounds: how much one request may ask for, how many may wait, how long files are kept."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 2**20


@dataclass(frozen=True)
class Limits:
    max_bars: int = 64  # bars one generation or continuation may add
    max_seconds: float = 180.0  # a length asked for in seconds
    max_candidates: int = 4  # pieces generated side by side
    max_upload_bytes: int = 1 * MiB  # an uploaded MIDI file, counted while it is read
    max_waiting: int = 4  # jobs queued behind the one running; more are answered "busy"
    job_timeout_s: float = 120.0  # a job still generating after this is stopped
    keep_seconds: float = 24 * 3600.0  # takes older than this are removed
    max_output_bytes: int = 512 * MiB  # the output folder's size; the oldest takes go first beyond it
    max_jobs_remembered: int = 200  # finished jobs whose status can still be asked for
    max_roll_notes: int = 20_000  # notes sent to the page's piano roll per take
    continue_bars: int = 8  # "continue": bars added
    ending_bars: int = 4  # "another ending": the last bars played anew
