"""Form as heard: which bars repeat earlier ones, whether material returns, how sections match and contrast.

Every bar becomes a fingerprint: its notes as (instrument, onset within the bar on a 1/48-bar grid, pitch above
the bar's lowest pitched note; drums by their own pitch). Two bars are the same where the fingerprints are equal,
so a bar played again a tone higher is a copy (transposition-invariant); their similarity is the Jaccard index of
the fingerprints (1: the same notes, 0: none shared; two silent bars are the same).

* ``copied_bar_share``: the share of bars, after the first, equal to some earlier non-empty bar.
* ``longest_repeat_bars``: the longest run of consecutive bars equal to an earlier run (real tunes ~5 bars).
* ``returns``: 1 where a run of at least ``RETURN_BARS`` bars equals one at least ``RETURN_DISTANCE`` bars
  earlier (material comes back, not a bar vamped), else 0.
* with the piece's sections (``[Verse 2]`` markers, or a generator's layout): ``section_match``, the share of
  bars in returning sections equal to the bar at the same place in the section's first occurrence;
  ``section_contrast``, 1 − the mean similarity of bars at the same place in the first occurrences of different
  sections (0: B is A again; 1: nothing shared).

``self_similarity`` is the bar-by-bar matrix that ``plot --similarity`` draws.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pretty_midi

GRID = 48  # onsets per bar
RETURN_BARS, RETURN_DISTANCE = 2, 4
SECTION_MARKER_RE = re.compile(r"\[(.+?)(?: (\d+))?\]")


def bar_length_ticks(midi: pretty_midi.PrettyMIDI) -> int:
    """Ticks per bar of the file's first metre (4/4 where it states none)."""
    first = midi.time_signature_changes[0] if midi.time_signature_changes else None
    numerator, denominator = (first.numerator, first.denominator) if first else (4, 4)
    return max(1, round(midi.resolution * 4 * numerator / denominator))


def bar_fingerprints(midi: pretty_midi.PrettyMIDI) -> list[frozenset]:
    """Each bar's notes, transposition-invariant (see the module's docstring)."""
    per_bar = bar_length_ticks(midi)
    end = midi.time_to_tick(midi.get_end_time())
    bars: list[list[tuple[int, int, int, bool]]] = [[] for _ in range(max(1, -(-end // per_bar)))]
    for instrument in midi.instruments:
        program = -1 if instrument.is_drum else instrument.program
        for note in instrument.notes:
            tick = midi.time_to_tick(note.start)
            bar, within = divmod(tick, per_bar)
            if bar < len(bars):
                bars[bar].append((program, round(within * GRID / per_bar), note.pitch, instrument.is_drum))
    fingerprints = []
    for notes in bars:
        pitched = [pitch for _, _, pitch, drum in notes if not drum]
        lowest = min(pitched) if pitched else 0
        fingerprints.append(frozenset((p, onset, pitch if drum else pitch - lowest) for p, onset, pitch, drum in notes))
    return fingerprints


def similarity(a: frozenset, b: frozenset) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def self_similarity(midi: pretty_midi.PrettyMIDI) -> np.ndarray:
    """(bars, bars) similarity of every pair of bars."""
    bars = bar_fingerprints(midi)
    return np.array([[similarity(a, b) for b in bars] for a in bars])


def copied_bar_share(bars: list[frozenset]) -> float:
    if len(bars) < 2:
        return 0.0
    seen: set[frozenset] = set()
    copied = 0
    for bar in bars:
        copied += bool(bar) and bar in seen
        seen.add(bar)
    return copied / (len(bars) - 1)


def longest_repeat(bars: list[frozenset], min_distance: int = 1) -> int:
    """The longest run of consecutive non-empty bars equal to a run that starts at least ``min_distance`` earlier."""
    best = 0
    n = len(bars)
    for distance in range(min_distance, n):
        run = 0
        for i in range(distance, n):
            run = run + 1 if bars[i] and bars[i] == bars[i - distance] else 0
            best = max(best, run)
    return best


def marked_sections(path: Path, midi: pretty_midi.PrettyMIDI) -> list[tuple[int, str]]:
    """(first bar, title: "Verse 2") of each ``[Verse 2]``-style marker in the MIDI file at ``path``, read as
    ``midi`` (pretty_midi reads no markers; a file that mido cannot read has none)."""
    from .midi_io import markers_of

    try:
        markers = markers_of(path.read_bytes())
    except Exception:  # noqa: BLE001 - markers are optional; the file itself was read as ``midi``
        return []
    per_bar = bar_length_ticks(midi)
    return [
        (round(tick / per_bar), text.strip()[1:-1])
        for tick, text in markers
        if SECTION_MARKER_RE.fullmatch(text.strip())
    ]


def material(title: str) -> str:
    """The material a section's title names: "Verse 2" → "verse", "A" → "a"."""
    match = SECTION_MARKER_RE.fullmatch(f"[{title}]")
    return (match.group(1) if match else title).lower()


def section_scores(bars: list[frozenset], sections: list[tuple[int, str]]) -> dict[str, float]:
    """``section_match`` and ``section_contrast`` (see the module's docstring) for (first bar, label) sections."""
    spans = []
    for i, (start, label) in enumerate(sections):
        end = sections[i + 1][0] if i + 1 < len(sections) else len(bars)
        spans.append((label, start, min(end, len(bars))))
    first: dict[str, tuple[int, int]] = {}
    matches, contrasts = [], []
    for label, start, end in spans:
        if label in first:
            origin, origin_end = first[label]
            # the last bar of the piece is its ending, played afresh on purpose: not counted
            stop = min(end, start + origin_end - origin, len(bars) - 1)
            matches += [bars[b] == bars[origin + b - start] for b in range(start, stop)]
        else:
            for other, (o_start, o_end) in first.items():
                if other != label:
                    length = min(end - start, o_end - o_start)
                    contrasts += [similarity(bars[start + k], bars[o_start + k]) for k in range(length)]
            first[label] = (start, end)
    scores = {}
    if matches:
        scores["section_match"] = float(np.mean(matches))
    if contrasts:
        scores["section_contrast"] = 1.0 - float(np.mean(contrasts))
    return scores


def structure_scores(midi: pretty_midi.PrettyMIDI, sections: list[tuple[int, str]] | None = None) -> dict[str, float]:
    """Every metric of this module for one file."""
    bars = bar_fingerprints(midi)
    scores = {
        "copied_bar_share": copied_bar_share(bars),
        "longest_repeat_bars": float(longest_repeat(bars)),
        "returns": float(longest_repeat(bars, RETURN_DISTANCE) >= RETURN_BARS),
    }
    if sections and len(sections) > 1:
        scores.update(section_scores(bars, sections))
    return scores
