"""Musical features read from a MIDI file, for captions: key, chords, note density, register, length.

Key uses the Krumhansl–Schmuckler estimate of :mod:`musicgen_symbolic.evaluation`; each bar's chord is
the major or minor triad whose pitch classes best cover the bar's duration-weighted pitch classes.
"""

from __future__ import annotations

import numpy as np
import pretty_midi

from ..evaluation import estimate_key
from ..vocabulary import PITCH_CLASSES

_TRIADS = [
    (f"{PITCH_CLASSES[root]}{'m' if minor else ''}", {root, (root + (3 if minor else 4)) % 12, (root + 7) % 12})
    for minor in (False, True)
    for root in range(12)
]
DENSITY_WORDS = ((2.0, "sparse"), (6.0, "moderate"), (float("inf"), "dense"))  # notes per beat
REGISTER_WORDS = ((52, "low"), (72, "middle"), (200, "high"))  # mean pitch of pitched notes


def bar_chords(midi: pretty_midi.PrettyMIDI) -> list[str]:
    """The best-fitting triad of every bar ("" for a bar without pitched notes)."""
    downbeats = list(midi.get_downbeats()) + [midi.get_end_time() + 1e-6]
    profiles = np.zeros((len(downbeats) - 1, 12))
    for instrument in midi.instruments:
        if instrument.is_drum:
            continue
        for note in instrument.notes:
            bar = max(0, int(np.searchsorted(downbeats, note.start, side="right")) - 1)
            profiles[min(bar, len(profiles) - 1), note.pitch % 12] += note.end - note.start
    chords = []
    for profile in profiles:
        if profile.sum() == 0:
            chords.append("")
            continue
        scores = [profile[list(tones)].sum() for _, tones in _TRIADS]
        chords.append(_TRIADS[int(np.argmax(scores))][0])
    return chords


def _word(value: float, table: tuple[tuple[float, str], ...]) -> str:
    return next(word for limit, word in table if value < limit)


def describe_midi(midi: pretty_midi.PrettyMIDI) -> dict:
    """Features for captions: key, chords per bar, density and register words, bar count."""
    pitched = [n for i in midi.instruments if not i.is_drum for n in i.notes]
    beats = max(1, len(midi.get_beats()))
    key = estimate_key(midi)
    return {
        "key": [key.tonic, key.mode] if key else None,
        "chords": bar_chords(midi),
        "density": _word(sum(len(i.notes) for i in midi.instruments) / beats, DENSITY_WORDS),
        "register": _word(float(np.mean([n.pitch for n in pitched])), REGISTER_WORDS) if pitched else None,
        "bars": len(midi.get_downbeats()),
    }
