"""The lexicon's data itself: its labels are the control vocabulary's, its words plain lower-case words, its
instruments General MIDI programs."""

import re
from collections import Counter

import pytest

from musicgen_symbolic import lexicon
from musicgen_symbolic.constants import TEMPO_RANGE, TIME_SIGNATURES
from musicgen_symbolic.lexicon import (
    GENRE_ADJECTIVES,
    GENRE_BASS,
    GENRE_GUITAR,
    GENRES,
    IDIOMS,
    IDIOMS_BEFORE,
    INSTRUMENT_SYNONYMS,
    MODES,
    MOODS,
    NAMED_PROGRESSIONS,
    NAMED_PROGRESSIONS_IN_MINOR,
    NEGATOR_IDIOMS,
    NEGATOR_IDIOMS_AFTER_NEXT,
    NEGATORS,
    PLAIN_BASS,
    PLAIN_GUITAR,
    PROGRESSION_NAMES,
    SCALES,
    TEMPO_WORDS,
    TIME_SIGNATURE_WORDS,
)
from musicgen_symbolic.vocabulary import DRUMS, GENRE_LABELS, GM_NAMES, INSTRUMENT_KINDS, MOOD_LABELS

TABLES = {name: value for name, value in vars(lexicon).items() if name.isupper()}


def _strings(value: object):
    """Every string in a table: tuples' items, dicts' keys and values, recursively."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)


def test_labels_are_the_control_vocabulary_in_its_order():
    assert tuple(GENRES) == GENRE_LABELS
    assert tuple(MOODS) == MOOD_LABELS


# Note letters are capitals, and Roman numerals are case-sensitive: a named progression's chords, and its name
# ("ii-V-I"), are not words (their words, PROGRESSION_NAMES' values, are).
_NOT_WORDS = {"LETTER_PITCH_CLASSES", "NAMED_PROGRESSIONS", "NAMED_PROGRESSIONS_IN_MINOR"}


@pytest.mark.parametrize("name", sorted(set(TABLES) - _NOT_WORDS))
def test_words_are_plain_lower_case_words(name):
    table = TABLES[name]
    for word in _strings(tuple(table.values()) if name == "PROGRESSION_NAMES" else table):
        assert word == word.lower(), f"{name}: {word!r} is not lower-case"
        assert word == " ".join(word.split()), f"{name}: {word!r} has spaces other than single ones between words"
        assert not re.search(r"[()\[\]{}?*+|\\^$.]", word), f"{name}: {word!r} looks like a regex, not a word"


def test_word_lists_hold_each_word_once():
    for name, table in TABLES.items():
        lists = table.values() if isinstance(table, dict) else [table]
        for words in lists:
            if isinstance(words, tuple) and all(isinstance(word, str) for word in words):
                assert not [w for w, n in Counter(words).items() if n > 1], f"{name} repeats a word"


def test_no_word_names_two_labels():
    claims = Counter(word for table in (GENRES, MOODS) for label, words in table.items() for word in {label, *words})
    assert not [word for word, n in claims.items() if n > 1]


def test_instrument_synonyms_are_general_midi_programs():
    for name, programs in INSTRUMENT_SYNONYMS.items():
        assert programs and isinstance(programs, tuple), name
        assert len(set(programs)) == len(programs), name
        assert all(p == DRUMS or 0 <= p < len(GM_NAMES) == 128 for p in programs), f"{name}: {programs}"


def test_plain_instruments_and_the_genres_that_decide_them():
    assert set(PLAIN_BASS) <= set(INSTRUMENT_SYNONYMS) and set(PLAIN_GUITAR) <= set(INSTRUMENT_SYNONYMS)
    assert set(GENRE_BASS) <= set(GENRE_LABELS) and set(GENRE_GUITAR) <= set(GENRE_LABELS)
    assert set(GENRE_BASS.values()) <= set(INSTRUMENT_KINDS["Basses"])
    assert set(GENRE_GUITAR.values()) <= set(INSTRUMENT_KINDS["Guitars"])
    genre_words = {word for words in GENRES.values() for word in words}
    assert set(GENRE_ADJECTIVES) <= genre_words


def test_tempo_words_and_metre_words_are_in_range():
    assert all(TEMPO_RANGE[0] <= bpm <= TEMPO_RANGE[1] for bpm in TEMPO_WORDS.values())
    assert set(TIME_SIGNATURE_WORDS.values()) <= set(TIME_SIGNATURES)
    assert set(MODES.values()) | set(SCALES.values()) == {"major", "minor"}


def test_idioms_are_about_words_the_parser_reads():
    """An idiom's word is an instrument's, genre's, mood's, tempo's or metre's word (or its plural): the only
    words whose idioms the finders look up."""
    read = set(INSTRUMENT_SYNONYMS) | set(TEMPO_WORDS) | set(TIME_SIGNATURE_WORDS)
    read |= {word for table in (GENRES, MOODS) for label, words in table.items() for word in (label, *words)}
    for word in (*IDIOMS, *IDIOMS_BEFORE):
        forms = {word, word.removesuffix("s"), word.removesuffix("es"), f"{word}s"}  # "whistles", "vocal"
        assert forms & read, word
    assert set(NEGATOR_IDIOMS) | set(NEGATOR_IDIOMS_AFTER_NEXT) <= set(NEGATORS)


def test_named_progressions_read_in_either_mode():
    from musicgen_symbolic.prompt.values import named_progression
    from musicgen_symbolic.vocabulary import Key

    assert set(PROGRESSION_NAMES) == set(NAMED_PROGRESSIONS) >= set(NAMED_PROGRESSIONS_IN_MINOR)
    for name in NAMED_PROGRESSIONS:
        for key in (Key(0, "major"), Key(9, "minor")):
            progression = named_progression(name, key)
            assert progression.roman and progression.name == name
            assert len(progression.chords(key)) == len(progression.steps)
    aliases = [word for words in PROGRESSION_NAMES.values() for word in words]
    assert len(aliases) == len(set(aliases)), "a word names two progressions"
