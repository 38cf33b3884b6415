"""What a musician hears: bar chords, chord accuracy, the lead line, muspy's metrics, the overlapping area."""

from dataclasses import dataclass

import numpy as np
import pretty_midi
import pytest

from musicgen_symbolic import musicality
from musicgen_symbolic.evaluation import REPORT_METRICS, score_midi
from musicgen_symbolic.theory import Chord, Progression, Step, parse_symbol
from musicgen_symbolic.vocabulary import Attributes, Key

BAR = 2.0  # seconds: a 4/4 bar at 120 bpm


def chords_midi(bars: list[tuple[list[int], int]], melody: list[int] | None = None) -> pretty_midi.PrettyMIDI:
    """One bar per (chord pitches, bass pitch): a held block chord on piano and a bass on the downbeats
    (half notes), with an optional melody of quarter notes on a flute above."""
    midi = pretty_midi.PrettyMIDI(initial_tempo=120)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0.0))
    piano, bass = pretty_midi.Instrument(0), pretty_midi.Instrument(33)
    for bar, (pitches, low) in enumerate(bars):
        start = bar * BAR
        piano.notes += [pretty_midi.Note(70, p, start, start + BAR) for p in pitches]
        bass.notes += [pretty_midi.Note(80, low, start + h, start + h + BAR / 2) for h in (0.0, BAR / 2)]
    midi.instruments += [piano, bass]
    if melody:
        flute = pretty_midi.Instrument(73)
        flute.notes += [pretty_midi.Note(90, p, i * 0.5, i * 0.5 + 0.5) for i, p in enumerate(melody)]
        midi.instruments.append(flute)
    return midi


def line_midi(pitches: list[int], program: int = 73, step: float = 0.5) -> pretty_midi.PrettyMIDI:
    midi = pretty_midi.PrettyMIDI(initial_tempo=120)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0.0))
    part = pretty_midi.Instrument(program)
    part.notes += [pretty_midi.Note(80, p, i * step, (i + 1) * step) for i, p in enumerate(pitches)]
    midi.instruments.append(part)
    return midi


C_AM_F_G = [([60, 64, 67], 48), ([57, 60, 64], 45), ([53, 57, 60], 41), ([55, 59, 62], 43)]
MELODY = [72, 74, 76, 72, 69, 71, 72, 76, 77, 76, 74, 72, 71, 74, 79, 74]  # over C-Am-F-G, passing notes included


def test_a_progression_with_a_bass_line_and_a_tune_is_heard_bar_by_bar():
    heard = musicality.bar_chords(chords_midi(C_AM_F_G, MELODY))
    assert [c.symbol for c in heard] == ["C", "Am", "F", "G"]


@pytest.mark.parametrize(
    ("pitches", "bass", "symbol"),
    [
        ([59, 62, 65], 43, "G7"),  # G7: B D F over G
        ([60, 65, 67], 48, "Csus4"),
        ([59, 62, 65], 47, "Bdim"),
        ([55, 60, 64], 52, "C/E"),  # C major over E: a slash chord
        ([57, 60, 64, 67], 45, "Am7"),
    ],
)
def test_one_bar_chords(pitches, bass, symbol):
    heard = musicality.bar_chords(chords_midi([(pitches, bass)]))
    assert [c.symbol for c in heard] == [symbol]


def test_half_bars_and_chord_accuracy():
    midi = chords_midi(C_AM_F_G, MELODY)
    halves = musicality.bar_chords(midi, per_half_bar=True)
    plan = [parse_symbol(s) for s in ("C", "C", "Am", "Am", "F", "F", "G", "G")]
    assert musicality.chord_accuracy_quality(halves, plan) == 1.0
    assert musicality.chord_accuracy_root(halves, plan) == 1.0
    shifted = plan[2:] + plan[:2]  # Am F G C against C Am F G
    assert musicality.chord_accuracy_quality(halves, shifted) == 0.0
    assert musicality.chord_accuracy_root(halves, shifted) == 0.0
    relabelled = [Chord(c.root, "m" if c.quality == "" else "") for c in plan]  # right roots, wrong thirds
    assert musicality.chord_accuracy_quality(halves, relabelled) == 0.0
    assert musicality.chord_accuracy_root(halves, relabelled) == 1.0
    assert musicality.chord_accuracy_quality(halves[:4], plan) == 0.5  # a piece shorter than its plan


def test_harmony_statistics():
    chords = [parse_symbol(s) for s in ("C", "C", "G7", "Am", "F", "F", "G7", "C")] + [None] * 8
    assert musicality.chord_change_rate(chords) == pytest.approx(5 / 7)
    assert musicality.distinct_chords_per_8_bars(chords) == 4.0  # C G7 Am F; the silent block does not count
    assert musicality.distinct_chords_per_8_bars(chords[:4]) == 3.0  # shorter than 8 bars: the whole piece
    assert musicality.tonic_chord_share(chords, Key(0, "major")) == 3 / 8
    assert musicality.tonic_chord_share(chords, Key(0, "minor")) == 0.0
    assert musicality.seventh_share(chords) == 2 / 8


def test_a_scale_is_all_steps_and_repeated_notes_all_repeats():
    scale = musicality.lead_scores(line_midi([60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62, 60]))
    assert scale["lead_steps"] == 1.0 and scale["lead_repeats"] == 0.0 and scale["lead_leaps"] == 0.0
    assert scale["has_melodic_line"] == 1.0
    repeated = musicality.lead_scores(line_midi([67] * 16))
    assert repeated["lead_repeats"] == 1.0 and repeated["lead_steps"] == 0.0
    assert repeated["has_melodic_line"] == 0.0  # one pitch is no tune
    leaps = musicality.lead_scores(line_midi([48, 60, 48, 60, 48, 72]))
    assert leaps["lead_leaps"] == 1.0
    assert leaps["has_melodic_line"] == 0.0  # three notes in 8 beats is too sparse


def test_the_skyline_takes_the_top_voice():
    midi = chords_midi(C_AM_F_G, MELODY)
    assert [n.pitch for n in musicality.lead_line(midi)] == MELODY  # the flute, above the piano; the bass never
    piano = line_midi([])
    # one part: chords whose top notes are the tune, and an inner voice moving under a held top note
    piano.instruments[0].notes += [pretty_midi.Note(80, p, 0.0, 0.5) for p in (60, 64, 72)]
    piano.instruments[0].notes += [pretty_midi.Note(80, p, 0.5, 1.0) for p in (62, 65, 74)]
    piano.instruments[0].notes += [pretty_midi.Note(80, 76, 1.0, 3.0), pretty_midi.Note(80, 60, 1.0, 2.0)]
    piano.instruments[0].notes += [pretty_midi.Note(80, 62, 2.0, 3.0), pretty_midi.Note(80, 77, 3.0, 4.0)]
    assert [n.pitch for n in musicality.lead_line(piano)] == [72, 74, 76, 77]


def test_out_of_scale_rate_counts_the_leading_tone_of_minor_in():
    midi = line_midi([57, 59, 60, 62, 64, 65, 68, 69, 70, 61])  # A harmonic minor, then Bb and C#
    assert musicality.out_of_scale_rate(midi, Key(9, "minor")) == 0.2
    assert musicality.out_of_scale_rate(midi, Key(0, "major")) == 0.3  # G#, Bb and C#


def test_muspy_metrics_are_present():
    scores = musicality.muspy_scores(chords_midi(C_AM_F_G, MELODY))
    for name in ("pitch_class_entropy", "scale_consistency", "groove_consistency", "empty_beat_rate", "polyphony"):
        assert 0.0 <= scores[f"muspy_{name}"] <= 12, name
    assert scores["muspy_pitch_range"] == 79 - 41
    assert scores["muspy_scale_consistency"] == 1.0
    assert musicality.muspy_scores(pretty_midi.PrettyMIDI()) == {}


def _tunes(rng: np.random.Generator, count: int) -> list[pretty_midi.PrettyMIDI]:
    """Stepwise C-major tunes in eighth notes."""
    scale = np.array([60, 62, 64, 65, 67, 69, 71, 72, 74])
    out = []
    for _ in range(count):
        steps = np.clip(np.cumsum(rng.choice([-1, 1, 0], 32)) + 4, 0, 8)
        out.append(line_midi(list(scale[steps]), step=0.25))
    return out


def _clusters(rng: np.random.Generator, count: int) -> list[pretty_midi.PrettyMIDI]:
    """Chromatic clusters held for two bars, leaping by tritones and more."""
    out = []
    for _ in range(count):
        midi = line_midi([])
        for i, root in enumerate(rng.integers(36, 84, 4)):
            midi.instruments[0].notes += [pretty_midi.Note(80, int(root) + k, i * 4.0, i * 4.0 + 4.0) for k in range(4)]
        out.append(midi)
    return out


def test_overlapping_area_is_high_to_itself_and_low_to_something_else():
    rng = np.random.default_rng(0)
    tunes = _tunes(rng, 12)
    same = musicality.overlapping_area(tunes, _tunes(np.random.default_rng(0), 12))
    assert same["mean"] >= 0.8, same
    other = musicality.overlapping_area(tunes, _clusters(rng, 12))
    assert other["mean"] <= 0.3, other
    assert set(same) == {*musicality.FEATURES, "mean"}


@dataclass(frozen=True)
class _WithChords(Attributes):  # Attributes with a progression, whether or not Attributes has the field yet
    chords: Progression | None = None


def test_score_midi_adds_the_musical_metrics():
    midi = chords_midi(C_AM_F_G, MELODY)
    progression = Progression(tuple(Step(s) for s in ("C", "Am", "F", "G")))
    scores = score_midi(midi, _WithChords(key=Key(0, "major"), bars=4, chords=progression))
    for name in REPORT_METRICS:
        if name not in ("valid", "seconds", "CK_per_8_bars", "TB", "TBT", "tempo_within_1bpm", "time_signature"):
            if not name.startswith(("instrument", "family", "section_")):  # sections: only with a form
                assert name in scores, name
    assert scores["chord_accuracy_quality"] == 1.0 and scores["tonic_chord_share"] == 0.25
    assert scores["has_melodic_line"] == 1.0
    without = score_midi(midi, Attributes())  # no key: the estimate (C major); no progression: no accuracy
    assert "chord_accuracy_quality" not in without and without["tonic_chord_share"] == 0.25
