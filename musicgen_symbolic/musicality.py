"""What a musician hears: the chords bar by bar, how the harmony moves, the lead line, and how a set of pieces
compares with real music.

Every function takes a ``pretty_midi.PrettyMIDI``; drums never count as pitches. Definitions:

* bar chords: each bar's (or half bar's) chord, :func:`theory.label_chord` of the seconds each pitch class
  sounds in the span, a note that sounds on a strong beat (the first; the middle one in 4/4, 2/4, 6/8)
  counting twice, with the lowest pitch sounding at the span's start as the bass.
* chord accuracy against a plan (one chord per half bar): the share of the plan's half bars whose heard chord
  has the planned root and triad family (``chord_accuracy_quality``), or only the root (``chord_accuracy_root``).
* chord_change_rate: the share of bars whose chord (root and quality; the bass aside) differs from the
  previous bar's, over pairs of bars that both have a chord. distinct_chords_per_8_bars: distinct chords in each
  whole 8-bar block that has chords, averaged (the whole piece if shorter). tonic_chord_share: the share of bars
  with a chord whose chord is the key's tonic triad family (root = tonic, major family in a major key, minor in a
  minor one). seventh_share: the share of bars with a chord labelled as a seventh chord (:data:`theory.SEVENTHS`).
* the lead line: the highest part by mean pitch (drums and basses, programs 32–39, left out; parts of at least
  8 notes, if any) as a skyline: at each onset its top note, unless a higher note of the part still sounds.
  lead_steps / lead_repeats / lead_leaps: the share of its consecutive intervals of 1–2, 0 and more than 7
  semitones. has_melodic_line: 1 if the lead has on average at least one note per two beats and at least five
  distinct pitches.
* out_of_scale_rate: the share of pitched notes outside the key's scale (major, or natural minor with the
  harmonic minor's leading tone).
* muspy's metrics (``muspy_`` + name): pitch_class_entropy, scale_consistency, groove_consistency (per bar of
  the first time signature), empty_beat_rate, polyphony, pitch_range, on ``muspy.from_pretty_midi``.
* overlapping area (Yang & Lerch 2018, mgeval's procedure): per piece, normalised histograms of pitch class,
  lead-line interval, note length and inter-onset interval (in beats); for each feature, the Euclidean distances
  between pieces within set A (intra-set) and between A and a reference set B (inter-set), each smoothed by a
  Gaussian KDE; the area under the smaller of the two densities. 1: A's pieces lie as far from the reference as
  from each other; near 0: A is a world apart.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pretty_midi

from .errors import MusicGenError
from .theory import SEVENTHS, Chord, label_chord, scale_of
from .vocabulary import Key

STRONG_WEIGHT = 2.0  # a note sounding on a strong beat counts this many times its seconds
LEAD_MIN_NOTES = 8
# Note lengths and inter-onset intervals in beats (quarter notes): bin centres 1/8 … 6, edges between them.
DURATION_CENTRES = np.array([0.125, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0])
DURATION_EDGES = np.concatenate(([0.0], np.sqrt(DURATION_CENTRES[:-1] * DURATION_CENTRES[1:]), [np.inf]))
INTERVAL_BINS = 14  # 0 … 12 semitones, then "more than an octave"
FEATURES = ("pitch_class", "interval", "note_length", "ioi")


def _pitched(midi: pretty_midi.PrettyMIDI) -> list[pretty_midi.Note]:
    return [note for instrument in midi.instruments if not instrument.is_drum for note in instrument.notes]


def _bar_spans(midi: pretty_midi.PrettyMIDI) -> list[tuple[float, float]]:
    """(start, end) in seconds of each bar that starts before the file ends."""
    end = midi.get_end_time()
    downbeats = [float(t) for t in midi.get_downbeats() if t < end - 1e-3]
    return [(a, downbeats[i + 1] if i + 1 < len(downbeats) else end) for i, a in enumerate(downbeats)]


def bar_chords(midi: pretty_midi.PrettyMIDI, per_half_bar: bool = False) -> list[Chord | None]:
    """Each bar's (or half bar's) chord: :func:`theory.label_chord` of the seconds each pitch class sounds in the
    span, a note sounding on a strong beat (the bar's first beat; its middle too in a bar of an even number of
    beats: 4/4's third, 6/8's second) counting ``STRONG_WEIGHT`` times, and the lowest pitch sounding at the span's
    start (else the lowest starting in the first sixteenth of the bar after it) as the bass. A bass other than the
    root that is a chord tone is kept as the chord's ``bass`` (C/E); ``None`` where fewer than two pitch classes
    sound."""
    notes = _pitched(midi)
    starts = np.array([n.start for n in notes])
    ends = np.array([n.end for n in notes])
    pitches = np.array([n.pitch for n in notes], dtype=int)
    beats = midi.get_beats()
    chords: list[Chord | None] = []
    for a, b in _bar_spans(midi):
        tolerance = (b - a) / 48
        middle = (a + b) / 2
        even = np.count_nonzero((beats >= a - 1e-6) & (beats < b - tolerance)) % 2 == 0
        strong = (a, middle) if even else (a,)
        spans = [(a, middle), (middle, b)] if per_half_bar else [(a, b)]
        for start, end in spans:
            if not notes:
                chords.append(None)
                continue
            overlap = np.clip(np.minimum(ends, end) - np.maximum(starts, start), 0, None)
            on_strong = np.zeros(len(notes), dtype=bool)
            for t in strong:
                if start - 1e-9 <= t < end:
                    on_strong |= (starts <= t + tolerance) & (ends > t + tolerance)
            weights = np.bincount(pitches % 12, overlap * np.where(on_strong, STRONG_WEIGHT, 1.0), minlength=12)
            sounding = (starts <= start + tolerance) & (ends > start + tolerance)
            if not sounding.any():
                sounding = (starts >= start) & (starts < start + (b - a) / 16)
            bass = int(pitches[sounding].min() % 12) if sounding.any() else None
            chord = label_chord(weights, bass)
            if chord is not None and bass is not None and bass != chord.root and bass in chord.tones:
                chord = Chord(chord.root, chord.quality, bass)
            chords.append(chord)
    return chords


def _same(a: Chord | None, b: Chord | None) -> bool:
    return a is not None and b is not None and (a.root, a.quality) == (b.root, b.quality)


def chord_accuracy_quality(heard: Sequence[Chord | None], plan: Sequence[Chord]) -> float:
    """The share of the plan's half bars whose heard chord has the planned root and triad ``family``; a half bar
    without a heard chord (or past the piece's end) is a miss."""
    hits = sum(h is not None and h.root == p.root and h.family == p.family for h, p in zip(heard, plan, strict=False))
    return hits / len(plan) if plan else math.nan


def chord_accuracy_root(heard: Sequence[Chord | None], plan: Sequence[Chord]) -> float:
    """The share of the plan's half bars whose heard chord has the planned root."""
    hits = sum(h is not None and h.root == p.root for h, p in zip(heard, plan, strict=False))
    return hits / len(plan) if plan else math.nan


def chord_change_rate(chords: Sequence[Chord | None]) -> float:
    """The share of bars whose chord (root and quality) differs from the previous bar's, over pairs of
    consecutive bars that both have a chord; NaN without such a pair."""
    pairs = [(a, b) for a, b in itertools.pairwise(chords) if a is not None and b is not None]
    return float(np.mean([not _same(a, b) for a, b in pairs])) if pairs else math.nan


def distinct_chords_per_8_bars(chords: Sequence[Chord | None]) -> float:
    """Distinct chords (root and quality) in each whole 8-bar block that has a chord, averaged; the whole piece if
    shorter; NaN without chords."""
    blocks = [chords[i : i + 8] for i in range(0, len(chords) - 7, 8)] or [chords]
    counts = [len({(c.root, c.quality) for c in block if c is not None}) for block in blocks]
    return float(np.mean([c for c in counts if c])) if any(counts) else math.nan


def tonic_chord_share(chords: Sequence[Chord | None], key: Key) -> float:
    """The share of bars with a chord whose chord is the key's tonic triad family (root = tonic; major family in
    a major key, minor in a minor one); NaN without chords."""
    family = "maj" if key.mode == "major" else "min"
    heard = [c for c in chords if c is not None]
    return float(np.mean([c.root == key.tonic and c.family == family for c in heard])) if heard else math.nan


def seventh_share(chords: Sequence[Chord | None]) -> float:
    """The share of bars with a chord labelled as a seventh chord (:data:`theory.SEVENTHS`)."""
    heard = [c for c in chords if c is not None]
    return float(np.mean([c.quality in SEVENTHS for c in heard])) if heard else math.nan


# ---------------------------------------------------------------------------- the lead line


def lead_line(midi: pretty_midi.PrettyMIDI) -> list[pretty_midi.Note]:
    """The lead as a monophonic skyline: of the non-drum parts that are not basses (programs 32–39), those with at
    least ``LEAD_MIN_NOTES`` notes (all, if none has), the one highest by mean pitch; at each of its onsets the
    top note, unless a higher note of the part is still sounding there (an inner voice under a held tune)."""
    parts = [i for i in midi.instruments if not i.is_drum and not 32 <= i.program <= 39 and i.notes]
    if not parts:
        return []
    parts = [i for i in parts if len(i.notes) >= LEAD_MIN_NOTES] or parts
    part = max(parts, key=lambda i: np.mean([n.pitch for n in i.notes]))
    notes = sorted(part.notes, key=lambda n: (n.start, -n.pitch))
    starts, ends = np.array([n.start for n in notes]), np.array([n.end for n in notes])
    pitches = np.array([n.pitch for n in notes])
    line: list[pretty_midi.Note] = []
    for note in notes:
        if line and abs(note.start - line[-1].start) < 0.01:
            continue  # a lower note of the same onset
        held = (starts < note.start - 0.01) & (ends > note.start + 0.01) & (pitches > note.pitch)
        if not held.any():
            line.append(note)
    return line


def lead_intervals(line: Sequence[pretty_midi.Note]) -> np.ndarray:
    """Absolute semitones between consecutive notes of the lead line."""
    return np.abs(np.diff([n.pitch for n in line])) if len(line) >= 2 else np.zeros(0, dtype=int)


def beats_of(midi: pretty_midi.PrettyMIDI) -> int:
    """Beats (as pretty_midi counts them: a dotted quarter in 6/8) that start before the file ends."""
    return int(np.sum(midi.get_beats() < midi.get_end_time() - 1e-3))


def lead_scores(midi: pretty_midi.PrettyMIDI) -> dict[str, float]:
    """lead_steps, lead_repeats, lead_leaps (shares of the lead's consecutive intervals of 1–2, 0 and more than 7
    semitones; absent without an interval) and has_melodic_line (at least one lead note per two beats and at
    least five distinct pitches)."""
    line = lead_line(midi)
    intervals = lead_intervals(line)
    result = {
        "has_melodic_line": float(bool(line) and len(line) >= beats_of(midi) / 2 and len({n.pitch for n in line}) >= 5)
    }
    if len(intervals):
        result["lead_steps"] = float(np.mean((intervals >= 1) & (intervals <= 2)))
        result["lead_repeats"] = float(np.mean(intervals == 0))
        result["lead_leaps"] = float(np.mean(intervals > 7))
    return result


def out_of_scale_rate(midi: pretty_midi.PrettyMIDI, key: Key) -> float:
    """The share of pitched notes outside the key's scale (major; natural minor plus the leading tone)."""
    scale = set(scale_of(key))
    pitches = [n.pitch % 12 for n in _pitched(midi)]
    return float(np.mean([p not in scale for p in pitches])) if pitches else math.nan


# ---------------------------------------------------------------------------- muspy


def muspy_scores(midi: pretty_midi.PrettyMIDI) -> dict[str, float]:
    """muspy's offline metrics, prefixed ``muspy_``; groove consistency per bar of the first time signature.
    Empty for a file without pitched notes; NaN values are left out."""
    try:
        import muspy
    except ImportError as error:
        raise MusicGenError("the musical metrics need muspy: pip install 'muspy>=0.5'") from error
    if not _pitched(midi) or not midi.get_tempo_changes()[1].size:
        return {}
    music = muspy.from_pretty_midi(midi)
    signature = midi.time_signature_changes[0] if midi.time_signature_changes else None
    quarters = signature.numerator * 4 / signature.denominator if signature else 4.0
    values = {
        "muspy_pitch_class_entropy": muspy.pitch_class_entropy(music),
        "muspy_scale_consistency": muspy.scale_consistency(music),
        "muspy_groove_consistency": muspy.groove_consistency(music, max(1, round(music.resolution * quarters))),
        "muspy_empty_beat_rate": muspy.empty_beat_rate(music),
        "muspy_polyphony": muspy.polyphony(music),
        "muspy_pitch_range": float(muspy.pitch_range(music)),
    }
    return {k: float(v) for k, v in values.items() if not math.isnan(v)}


# ---------------------------------------------------------------------------- all of them


def musicality_scores(
    midi: pretty_midi.PrettyMIDI, key: Key | None = None, plan: Sequence[Chord] | None = None
) -> dict[str, float]:
    """Every metric of this module for one piece: ``key`` (the target's, else the estimate) for the tonic and
    scale metrics, ``plan`` (chords per half bar) for chord accuracy. NaN values are left out."""
    from .evaluation import estimate_key

    key = key or estimate_key(midi)
    chords = bar_chords(midi)
    result = {
        "chord_change_rate": chord_change_rate(chords),
        "distinct_chords_per_8_bars": distinct_chords_per_8_bars(chords),
        "seventh_share": seventh_share(chords),
        **lead_scores(midi),
        **muspy_scores(midi),
    }
    if key is not None:
        result["tonic_chord_share"] = tonic_chord_share(chords, key)
        result["out_of_scale_rate"] = out_of_scale_rate(midi, key)
    if plan:
        halves = bar_chords(midi, per_half_bar=True)
        result["chord_accuracy_quality"] = chord_accuracy_quality(halves, plan)
        result["chord_accuracy_root"] = chord_accuracy_root(halves, plan)
    return {k: v for k, v in result.items() if not math.isnan(v)}


# ---------------------------------------------------------------------------- sets of pieces


def _to_beats(midi: pretty_midi.PrettyMIDI, seconds: np.ndarray) -> np.ndarray:
    """Seconds → quarter notes, through the file's tempo map."""
    return np.array([midi.time_to_tick(float(t)) for t in seconds]) / midi.resolution


def _histogram(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    counts = np.histogram(values, bins=edges)[0].astype(float)
    return counts / counts.sum() if counts.sum() else counts


def piece_features(midi: pretty_midi.PrettyMIDI) -> dict[str, np.ndarray]:
    """Normalised histograms (all zero where the piece has nothing to count): pitch class (12 bins), lead-line
    interval (0–12 semitones, more than an octave), note length and inter-onset interval between distinct onsets
    (quarter notes, bins centred on 1/8 … 6)."""
    notes = _pitched(midi)
    starts = np.array([n.start for n in notes])
    ends = np.array([n.end for n in notes])
    onsets = _to_beats(midi, np.unique(np.round(starts, 3))) if notes else np.zeros(0)
    lengths = _to_beats(midi, ends) - _to_beats(midi, starts) if notes else np.zeros(0)
    intervals = np.minimum(lead_intervals(lead_line(midi)), INTERVAL_BINS - 1)
    return {
        "pitch_class": _histogram(np.array([n.pitch % 12 for n in notes]), np.arange(13) - 0.5),
        "interval": _histogram(intervals, np.arange(INTERVAL_BINS + 1) - 0.5),
        "note_length": _histogram(lengths, DURATION_EDGES),
        "ioi": _histogram(np.diff(onsets), DURATION_EDGES),
    }


def _kde_overlap(intra: np.ndarray, inter: np.ndarray, points: int = 2000) -> float:
    """∫ min(KDE(intra), KDE(inter)) over a grid that covers both with three bandwidths to spare (1 where every
    distance is the same)."""
    from scipy.integrate import trapezoid
    from scipy.stats import gaussian_kde

    scale = np.ptp(np.concatenate((intra, inter)))
    if scale < 1e-9:  # every distance the same: the two distributions are one
        return 1.0

    def kde(values: np.ndarray) -> gaussian_kde:
        if np.ptp(values) < 1e-9:  # identical distances: a KDE needs some spread
            values = values + np.linspace(-1e-3, 1e-3, len(values)) * scale
        return gaussian_kde(values)

    a, b = kde(intra), kde(inter)
    spread = 3 * max(np.sqrt(a.covariance[0, 0]), np.sqrt(b.covariance[0, 0]))
    grid = np.linspace(min(intra.min(), inter.min()) - spread, max(intra.max(), inter.max()) + spread, points)
    return float(np.clip(trapezoid(np.minimum(a(grid), b(grid)), grid), 0.0, 1.0))


def overlapping_area(
    pieces: Sequence[pretty_midi.PrettyMIDI | dict], reference: Sequence[pretty_midi.PrettyMIDI | dict]
) -> dict[str, float]:
    """Yang & Lerch's overlapping area of ``pieces`` (set A) to ``reference`` (set B), per feature of
    :func:`piece_features` and their mean (``mean``): the Euclidean distances between A's pieces (intra-set) and
    from A's pieces to B's (inter-set), each as a Gaussian KDE (scipy, Scott's bandwidth), and the area under
    the smaller density. Pieces may be given as MIDI or as their :func:`piece_features`; a piece with nothing to
    count for a feature (no lead line: no intervals) is left out of that feature; NaN with fewer than 3 pieces
    left in A or 1 in B."""
    a = [p if isinstance(p, dict) else piece_features(p) for p in pieces]
    b = [p if isinstance(p, dict) else piece_features(p) for p in reference]
    result = {}
    for feature in FEATURES:
        xs = np.array([f[feature] for f in a if f[feature].sum() > 0])
        ys = np.array([f[feature] for f in b if f[feature].sum() > 0])
        if len(xs) < 3 or len(ys) < 1:
            result[feature] = math.nan
            continue
        intra = np.linalg.norm(xs[:, None] - xs[None], axis=-1)[np.triu_indices(len(xs), 1)]
        inter = np.linalg.norm(xs[:, None] - ys[None], axis=-1).ravel()
        result[feature] = _kde_overlap(intra, inter)
    values = [v for v in result.values() if not math.isnan(v)]
    result["mean"] = float(np.mean(values)) if values else math.nan
    return result
