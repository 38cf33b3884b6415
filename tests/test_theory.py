"""Music theory: chord symbols, Roman numerals, progressions, and naming the chord that notes sound."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from musicgen_symbolic.theory import (
    CHORD_LABELS,
    QUALITIES,
    Chord,
    Progression,
    Step,
    chords_per_half_bar,
    label_chord,
    parse_roman,
    parse_symbol,
    roman_of,
)
from musicgen_symbolic.vocabulary import PITCH_CLASSES, Key

C_MAJOR, A_MINOR = Key(0, "major"), Key(9, "minor")


@pytest.mark.parametrize(
    "symbol,root,quality,bass",
    [
        ("Am", 9, "m", None),
        ("F", 5, "", None),
        ("Dm7", 2, "m7", None),
        ("G7", 7, "7", None),
        ("Cmaj7", 0, "maj7", None),
        ("CΔ7", 0, "maj7", None),
        ("CM7", 0, "maj7", None),
        ("F#m7b5", 6, "m7b5", None),
        ("Bø", 11, "m7b5", None),
        ("C/E", 0, "", 4),
        ("Gsus4", 7, "sus4", None),
        ("Dsus", 2, "sus4", None),
        ("Bb°7", 10, "dim7", None),
        ("Ebm", 3, "m", None),
        ("C-7", 0, "m7", None),
        ("Caug", 0, "aug", None),
        ("E+", 4, "aug", None),
        ("Abm(maj7)", 8, "mMaj7", None),
        ("D♭maj9", 1, "maj9", None),
        ("Cadd9", 0, "add9", None),
        ("Am/G", 9, "m", 7),
    ],
)
def test_chord_symbols(symbol, root, quality, bass):
    assert parse_symbol(symbol) == Chord(root, quality, bass)


@pytest.mark.parametrize("text", ["H7", "Cxyz", "", "Am F", "c"])
def test_not_chord_symbols(text):
    with pytest.raises(ValueError, match="not a chord symbol"):
        parse_symbol(text)


def test_symbols_print_back():
    for text in ("Am", "F#m7b5", "C/E", "Gsus4", "Bbmaj7", "Ebdim7"):
        assert parse_symbol(text).symbol == text


@pytest.mark.parametrize(
    "numerals,key,expected",
    [
        ("ii7 V7 Imaj7", C_MAJOR, ["Dm7", "G7", "Cmaj7"]),
        ("I V vi IV", C_MAJOR, ["C", "G", "Am", "F"]),
        ("i bVI bIII bVII", A_MINOR, ["Am", "F", "C", "G"]),
        ("i VI III VII", A_MINOR, ["Am", "F", "C", "G"]),
        ("i iv V i", A_MINOR, ["Am", "Dm", "E", "Am"]),
        ("vii° I", C_MAJOR, ["Bdim", "C"]),
        ("iiø7 V7 i", A_MINOR, ["Bm7b5", "E7", "Am"]),
        ("bVII IV I", Key(7, "major"), ["F", "C", "G"]),
    ],
)
def test_roman_numerals_in_a_key(numerals, key, expected):
    assert [parse_roman(n, key).symbol for n in numerals.split()] == expected


def test_leading_tone_chord_of_a_minor_key():
    assert parse_roman("vii°", A_MINOR).root == 8  # G sharp


@given(st.integers(0, 11), st.sampled_from(["", "m", "7", "m7", "maj7", "dim", "m7b5"]))
def test_roman_of_reads_back(root, quality):
    chord = Chord(root, quality)
    assert parse_roman(roman_of(chord, C_MAJOR), C_MAJOR) == chord


def test_progressions_fill_half_bars_and_repeat():
    progression = Progression((Step("Am", 2), Step("F"), Step("C", 0.5), Step("G", 0.5)))
    halves = [c.symbol for c in chords_per_half_bar(progression, None, 6)]
    assert halves == ["Am"] * 4 + ["F", "F", "C", "G"] + ["Am"] * 4
    roman = Progression((Step("I"), Step("V")), roman=True)
    assert [c.symbol for c in chords_per_half_bar(roman, Key(7, "major"), 2)] == ["G", "G", "D", "D"]
    with pytest.raises(ValueError, match="needs a key"):
        roman.chords(None)


def _profile(notes: dict[int, float]) -> np.ndarray:
    weights = np.zeros(12)
    for pc, weight in notes.items():
        weights[pc % 12] += weight
    return weights


@pytest.mark.parametrize("quality", CHORD_LABELS)
@pytest.mark.parametrize("root", [0, 4, 9])
def test_every_labelled_chord_is_heard_from_its_own_tones(root, quality):
    tones = Chord(root, quality).tones
    assert label_chord(_profile(dict.fromkeys(tones, 1.0)), bass=root) == Chord(root, quality)


def test_hearing_chords_in_realistic_bars():
    # C major triad with a passing D: still C
    assert label_chord(_profile({0: 2, 4: 1, 7: 1, 2: 0.3})) == Chord(0, "")
    # A minor seventh spread over the bar, bass on A
    assert label_chord(_profile({9: 2, 0: 1, 4: 1, 7: 1}), bass=9) == Chord(9, "m7")
    # the same notes with C in the bass: C6; with the A only passing, C
    assert label_chord(_profile({0: 2, 4: 1, 7: 1, 9: 0.5}), bass=0) == Chord(0, "6")
    assert label_chord(_profile({0: 2, 4: 1, 7: 1, 9: 0.15}), bass=0) == Chord(0, "")
    # chords with the same notes, told apart by the bass
    assert label_chord(_profile({0: 1, 2: 1, 7: 1}), bass=0) == Chord(0, "sus2")
    assert label_chord(_profile({9: 1, 0: 1, 4: 1, 6: 1}), bass=9) == Chord(9, "m6")
    # G7: the seventh clearly sounding
    assert label_chord(_profile({7: 2, 11: 1, 2: 1, 5: 1}), bass=7) == Chord(7, "7")
    # a single pitch class is no chord
    assert label_chord(_profile({0: 3})) is None


def test_quality_tables_agree():
    for quality, intervals in QUALITIES.items():
        assert intervals[0] == 0 and len(set(intervals)) == len(intervals), quality
    assert all(name in PITCH_CLASSES for name in ("C", "F#", "Bb"))
