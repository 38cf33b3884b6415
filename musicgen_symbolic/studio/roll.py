"""A take's notes as the page's piano roll draws them: compact lists of numbers, bounded in count."""

from __future__ import annotations

import pretty_midi

from ..vocabulary import program_name, program_of

MAX_BAR_LINES = 2_000


def roll_of(midi: pretty_midi.PrettyMIDI, max_notes: int, join: float | None = None) -> dict:
    """Tracks (name, drum), notes ``[pitch, start, end, velocity, track]`` in seconds (3 decimals), where each bar
    starts, the length; ``join``: where a continuation's new bars start. Past ``max_notes`` the rest are left out (``cut``)."""
    tracks, notes = [], []
    for index, instrument in enumerate(midi.instruments):
        tracks.append({"name": instrument.name or program_name(program_of(instrument)), "drum": instrument.is_drum})
        for note in instrument.notes:
            notes.append([int(note.pitch), round(note.start, 3), round(note.end, 3), int(note.velocity), index])
    notes.sort(key=lambda n: n[1])
    cut = len(notes) > max_notes
    duration = max([midi.get_end_time(), *(t.time for t in midi.text_events)], default=0.0)
    starts = [float(t) for t in midi.get_downbeats() if t < duration - 1e-3]  # not the line at the very end
    bars = [round(t, 3) for t in starts[:MAX_BAR_LINES]]
    return {
        "tracks": tracks,
        "notes": notes[:max_notes],
        "cut": cut,
        "duration": round(duration, 3),
        "bars": bars,
        "join": round(join, 3) if join is not None else None,
    }
