"""How many threads torch uses while generating, so that a shared CPU slows generation gracefully.

A decoding step is many tiny matrix products. With torch's default (one OpenMP thread per core, spinning while
they wait for each other), a busy neighbour (a DAW, a second generation) that takes a core makes every step wait
for the thread it preempted: a 16-bar piece took 15–80 s instead of 2 s. With one thread there is nothing to wait
for. ``benchmarks/threads.py`` measures the policies side by side (README, Performance).

``MUSICGEN_SYMBOLIC_THREADS`` (or ``--threads``) sets the number; ``auto`` (the default) takes as many threads as
cores that the machine's load leaves free, at most ``MAX_AUTO_THREADS``, at least one.
"""

from __future__ import annotations

import os

from .errors import MusicGenError

ENV_THREADS = "MUSICGEN_SYMBOLIC_THREADS"
MAX_AUTO_THREADS = 4  # beyond this, a batch-1 decoding step gains nothing (its products are too small to split)


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def free_cores() -> float:
    """Cores not taken by other work, from the 1-minute load average (this process's own threads included)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return float(cores())
    return cores() - load


def choose_threads(setting: str | int | None = None) -> int:
    """The thread count for ``setting`` (a number, "auto", or None: ``$MUSICGEN_SYMBOLIC_THREADS``, else auto)."""
    if setting is None:
        setting = os.environ.get(ENV_THREADS) or "auto"
    if isinstance(setting, str) and setting.strip().lower() == "auto":
        return max(1, min(MAX_AUTO_THREADS, cores(), int(free_cores())))
    try:
        count = int(setting)
    except (TypeError, ValueError):
        count = 0
    if isinstance(setting, bool) or count < 1 or str(count) != str(setting).strip():
        raise MusicGenError(f"threads must be a whole number ≥ 1 or 'auto', got {setting!r}")
    return count


def apply(setting: str | int | None = None) -> int:
    """Set torch's thread count by :func:`choose_threads` (``"torch"``: leave torch's default); returns it."""
    import torch

    if setting == "torch":
        return torch.get_num_threads()
    count = choose_threads(setting)
    torch.set_num_threads(count)
    return count
