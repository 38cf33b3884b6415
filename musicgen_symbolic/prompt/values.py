"""Single values given on their own (CLI flags, API keywords): a tempo, a key, a metre, instruments, a genre, a
mood, a length, a chord progression. Each is checked, and a wrong one is a one-line error that says what would
do."""

from __future__ import annotations

import functools
import numbers
import re
from dataclasses import replace

from ..constants import MAX_BARS, MAX_INSTRUMENTS, MAX_SECONDS, TEMPO_RANGE, TIME_SIGNATURES
from ..errors import MusicGenError
from ..lexicon import (
    ACCIDENTALS,
    GENRE_BASS,
    GENRE_GUITAR,
    GENRES,
    INSTRUMENT_SYNONYMS,
    LETTER_PITCH_CLASSES,
    MODES,
    MOODS,
    NAMED_PROGRESSIONS,
    NAMED_PROGRESSIONS_IN_MINOR,
    PLAIN_BASS,
    PLAIN_GUITAR,
    PROGRESSION_NAMES,
    SCALES,
    TEMPO_WORDS,
    TIME_SIGNATURE_WORDS,
)
from ..theory import ROMAN_RE, SYMBOL_RE, Progression, Step, parse_roman, parse_symbol
from ..vocabulary import DRUMS, GM_NAMES, Key
from .text import _normalise, _suggest, _text

_TEMPO_VALUE_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:bpm)?")
_KEY_VALUE_RE = re.compile(
    rf"([A-Ga-g])\s*(#|♯|b|♭|-?\s*sharp|-?\s*flat)?\s*({'|'.join(sorted(SCALES, key=len, reverse=True))}"
    r"|major|maj|minor|min|m)?",
    flags=re.IGNORECASE,
)
_TIME_SIGNATURE_VALUE_RE = re.compile(r"(\d{1,2})\s*/\s*(\d{1,2})")
_PROGRAM_VALUE_RE = re.compile(r"\d{1,3}")


def parse_tempo(value: str | float) -> float:
    """Parse a tempo given as a number ("126", "126 bpm") or a word ("Allegro", "slow")."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise MusicGenError(f"tempo must be a number of beats per minute or a tempo word, got {value!r}")
    if isinstance(value, (int, float)):
        bpm = float(value)
    else:
        text = _normalise(value)
        match = _TEMPO_VALUE_RE.fullmatch(text)
        if match:
            bpm = float(match.group(1))
        elif text in TEMPO_WORDS:
            bpm = TEMPO_WORDS[text]
        else:
            raise MusicGenError(
                f"unknown tempo {value!r}: give beats per minute (e.g. 120) or a word such as "
                f"{', '.join(list(TEMPO_WORDS)[:8])}{_suggest(text, TEMPO_WORDS)}"
            )
    return _check_tempo(bpm)


def _check_tempo(bpm: float) -> float:
    low, high = TEMPO_RANGE
    if not low <= bpm <= high:
        raise MusicGenError(f"tempo {bpm:g} bpm is out of range: choose {low}–{high} bpm")
    return bpm


def parse_key(value: str) -> Key:
    """Parse "D minor", "F#m", "E flat major", "Bb", "c# min", "D dorian" (a mode by its third) into a :class:`Key`."""
    text = " ".join(_text(value, "key").split())
    match = _KEY_VALUE_RE.fullmatch(text)
    if not match:
        raise MusicGenError(
            f"unknown key {value!r}: write it like 'D minor', 'F#m', 'E flat major', 'Bb' or 'D dorian'"
        )
    letter, accidental, mode = match.groups()
    accidental = (accidental or "").lower().replace("-", "").replace(" ", "")
    if mode == "M":  # "CM" conventionally means C major
        mode = "maj"
    mode = (mode or "").lower()
    return Key((LETTER_PITCH_CLASSES[letter.upper()] + ACCIDENTALS[accidental]) % 12, SCALES.get(mode) or MODES[mode])


def parse_time_signature(value: str | tuple[int, int]) -> tuple[int, int]:
    """Parse "3/4", "6 / 8", a word ("waltz", "common time") or a pair such as ``(3, 4)``: a supported metre."""
    if isinstance(value, (tuple, list)):
        signature = tuple(value)
    else:
        text = _normalise(_text(value, "time signature"))
        match = _TIME_SIGNATURE_VALUE_RE.fullmatch(text)
        if match:
            signature = (int(match.group(1)), int(match.group(2)))
        elif text in TIME_SIGNATURE_WORDS:
            signature = TIME_SIGNATURE_WORDS[text]
        else:
            raise MusicGenError(f"unknown time signature {value!r}: write it like 3/4 or 6/8")
    if len(signature) != 2:
        raise MusicGenError(f"a time signature has two numbers, like (3, 4), got {value!r}")
    if signature not in TIME_SIGNATURES:
        supported = ", ".join(f"{n}/{d}" for n, d in TIME_SIGNATURES)
        raise MusicGenError(f"time signature {signature[0]}/{signature[1]} is not supported: choose one of {supported}")
    return signature


def parse_instrument(name: str, genre: str | None = None) -> tuple[int, ...]:
    """One instrument name (GM name, synonym or program number) → its GM program(s); a plain "bass" or "guitar"
    follows ``genre``."""
    text = _normalise(name)
    if _PROGRAM_VALUE_RE.fullmatch(text) and int(text) < 128:
        return (int(text),)
    singular = text[:-1] if text.endswith("s") else text
    found = _synonym(text, genre) or _synonym(singular, genre)
    if found:
        return found
    gm_lower = _gm_lower()
    if text in gm_lower:
        return (gm_lower[text],)
    known = list(INSTRUMENT_SYNONYMS) + list(gm_lower)
    raise MusicGenError(f"unknown instrument {name!r}{_suggest(text, known)}")


def _synonym(name: str, genre: str | None) -> tuple[int, ...] | None:
    """The programs of a normalised synonym; a plain "bass" or "guitar" is the genre's (``GENRE_BASS``,
    ``GENRE_GUITAR``)."""
    if name in PLAIN_BASS and genre in GENRE_BASS:
        return (GENRE_BASS[genre],)
    if name in PLAIN_GUITAR and genre in GENRE_GUITAR:
        return (GENRE_GUITAR[genre],)
    return INSTRUMENT_SYNONYMS.get(name)


@functools.cache
def _gm_lower() -> dict[str, int]:
    return {n.lower(): i for i, n in enumerate(GM_NAMES)}


def parse_instruments(value: str | list[str] | tuple, genre: str | None = None) -> tuple[int, ...]:
    """A comma-separated list (or a list) of instrument names → sorted unique programs (see :func:`parse_instrument`)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (str, list, tuple)):
        raise MusicGenError(f"instruments must be text, a list or a program number, got {value!r}")
    names = value.split(",") if isinstance(value, str) else list(value)
    programs: list[int] = []
    for name in names:
        if isinstance(name, int):
            programs.append(name)
        elif str(name).strip():
            programs.extend(parse_instrument(str(name).strip(), genre))
    return _check_instruments(programs)


def _check_instruments(programs: list[int]) -> tuple[int, ...]:
    unique = tuple(sorted(set(programs)))
    if not unique:
        raise MusicGenError("no instruments given")
    if len(unique) > MAX_INSTRUMENTS:
        raise MusicGenError(f"too many instruments ({len(unique)}): at most {MAX_INSTRUMENTS}")
    for program in unique:
        if program != DRUMS and not 0 <= program <= 127:
            raise MusicGenError(f"instrument program {program} is not a General MIDI program (0–127, or -1 for drums)")
    return unique


def _parse_label(value: str, table: dict[str, tuple[str, ...]], what: str) -> str:
    text = _normalise(_text(value, what))
    for label, words in table.items():
        if text == label or text in words:
            return label
    raise MusicGenError(f"unknown {what} {value!r}{_suggest(text, list(table))}")


def parse_genre(value: str) -> str:
    """A genre label (``vocabulary.GENRE_LABELS``) from the label or one of its words ("hip hop", "lofi")."""
    return _parse_label(value, GENRES, "genre")


def parse_mood(value: str) -> str:
    """A mood label (``vocabulary.MOOD_LABELS``) from the label or one of its words ("chill", "joyful")."""
    return _parse_label(value, MOODS, "mood")


def check_bars(bars: int) -> int:
    """A length in bars: a whole number of 1–``MAX_BARS``."""
    if isinstance(bars, bool) or not isinstance(bars, numbers.Integral):
        raise MusicGenError(f"bars must be a whole number, got {bars!r}")
    if not 1 <= bars <= MAX_BARS:
        raise MusicGenError(f"{bars} bars is out of range: choose 1–{MAX_BARS} bars")
    return int(bars)


def check_seconds(seconds: float) -> float:
    """A length in seconds: a number of 1–``MAX_SECONDS``."""
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real):
        raise MusicGenError(f"seconds must be a number, got {seconds!r}")
    if not 1 <= seconds <= MAX_SECONDS:  # NaN fails here too
        raise MusicGenError(f"{seconds:.10g} seconds is out of range: choose 1–{MAX_SECONDS:g} seconds")
    return float(seconds)


# --------------------------------------------------------------------------- chord progressions

# A progression's name or one of its words (``lexicon.PROGRESSION_NAMES``) → its name.
PROGRESSION_ALIASES = {
    word: name for name, words in PROGRESSION_NAMES.items() for word in (name.lower(), *words)
}  # fmt: skip
_DURATION_RE = re.compile(r"(.+?)(?::(\d+(?:\.\d*)?|\.\d+))?")  # "Am7:2", "C:0.5"
_WRITTEN_NAMED_RE = re.compile(r"(.+?)\s*\((.+)\)")  # "andalusian cadence (i bVII bVI V)", as str() writes it
_CHORD_SEPARATORS_RE = re.compile(r"[,→–—]|\s-+>?\s|->|=>")  # read as spaces between chords
_CHORDS_EXAMPLE = "write chord symbols like Am7, F#m7b5, C/E, or Roman numerals like ii7 V7 I"


def named_progression(name: str, key: Key | None = None) -> Progression:
    """A named progression (``lexicon.NAMED_PROGRESSIONS``) in the form ``key``'s mode takes (major without one)."""
    minor = key is not None and key.mode == "minor"
    notation = NAMED_PROGRESSIONS_IN_MINOR.get(name) if minor else None
    return replace(_read_chords(notation or NAMED_PROGRESSIONS[name]), name=name)


def parse_chords(value: str | Progression, key: Key | None = None) -> Progression:
    """A chord progression given on its own (``--chords``): chords separated by spaces, each a chord symbol
    ("Am7", "F#m7b5", "C/E") or, all of them, Roman numerals ("ii7 V7 I"); "X:N" holds X for N bars (0.5, 1.5
    …); "|" is a bar line, and chords between two bar lines without durations share the bar ("| C G |": half a bar
    each); without bar lines each chord lasts a bar. Or a progression's name ("andalusian cadence"), in the form
    ``key``'s mode takes. A :class:`Progression` is checked as it is."""
    if isinstance(value, Progression):
        return check_progression(value)
    text = " ".join(_text(value, "chords").split())
    if not text:
        raise MusicGenError("no chords given: write them like 'Am F C G', 'ii7:2 V7:2 I:4' or 'andalusian cadence'")
    name = PROGRESSION_ALIASES.get(_normalise(text))
    if name:
        return named_progression(name, key)
    written = _WRITTEN_NAMED_RE.fullmatch(text)
    if written and _normalise(written.group(1)) in PROGRESSION_ALIASES:
        return replace(_read_chords(written.group(2)), name=PROGRESSION_ALIASES[_normalise(written.group(1))])
    return _read_chords(text)


def _read_chords(text: str) -> Progression:
    """The chords of ``parse_chords``' notation, checked."""
    text = _CHORD_SEPARATORS_RE.sub(" ", text)
    bar_lines = "|" in text
    steps: list[Step] = []
    for bar in text.split("|"):
        chords = [_DURATION_RE.fullmatch(token).groups() for token in bar.split()]
        shared = bar_lines and all(bars is None for _, bars in chords)
        for chord, bars in chords:
            _check_chord(chord, text)
            if shared and len(chords) > 2:
                raise MusicGenError(
                    f"{len(chords)} chords share the bar '| {bar.strip()} |' in --chords: at most two do (half a "
                    f"bar each); give each its length, like {chords[0][0]}:1"
                )
            length = 1 / len(chords) if shared else float(bars) if bars is not None else 1.0
            steps.append(Step(chord, _check_chord_length(chord, length, bars)))
    if not steps:
        raise MusicGenError(f"no chords in --chords {text.strip()!r}: {_CHORDS_EXAMPLE}")
    roman = [bool(ROMAN_RE.fullmatch(step.chord)) for step in steps]
    if any(roman) and not all(roman):
        symbol, numeral = (
            next(s.chord for s, r in zip(steps, roman, strict=True) if r is want) for want in (False, True)
        )
        raise MusicGenError(
            f"--chords mixes chord symbols and Roman numerals ({symbol!r}, {numeral!r}): write all chords one way"
        )
    return check_progression(Progression(tuple(steps), roman=all(roman)))


def _check_chord(chord: str, text: str) -> None:
    if SYMBOL_RE.fullmatch(chord) or ROMAN_RE.fullmatch(chord):
        return
    if not any(SYMBOL_RE.fullmatch(t) or ROMAN_RE.fullmatch(t) for t in re.split(r"[\s|:]+", text)):
        words = _normalise(text)
        raise MusicGenError(
            f"unknown chords or progression {words!r} in --chords{_suggest(words, PROGRESSION_ALIASES)}: "
            f"{_CHORDS_EXAMPLE}, or name one like 'andalusian cadence'"
        )
    raise MusicGenError(f"unknown chord {chord!r} in --chords: {_CHORDS_EXAMPLE}")


def _check_chord_length(chord: str, bars: float, written: str | None) -> float:
    """A chord lasts a whole number of half bars."""
    if bars <= 0 or bars * 2 != int(bars * 2):
        shown = f"{chord}:{written}" if written is not None else chord
        raise MusicGenError(
            f"{shown!r} in --chords: a chord lasts a whole number of half bars, like {chord}:0.5, {chord}:1 or "
            f"{chord}:1.5"
        )
    return bars


def check_progression(progression: Progression) -> Progression:
    """A progression whose chords read (symbols, or all Roman numerals), each lasting whole half bars, and that
    is at most ``MAX_BARS`` long."""
    if not isinstance(progression, Progression):
        raise MusicGenError(f"chords must be text or a Progression, got {progression!r}")
    if not progression.steps:
        raise MusicGenError("no chords given: write them like 'Am F C G', 'ii7:2 V7:2 I:4' or 'andalusian cadence'")
    for step in progression.steps:
        try:
            parse_roman(step.chord, Key(0, "major")) if progression.roman else parse_symbol(step.chord)
        except (ValueError, TypeError, AttributeError):
            kind = "Roman numeral" if progression.roman else "chord"
            raise MusicGenError(f"unknown {kind} {step.chord!r} in --chords: {_CHORDS_EXAMPLE}") from None
        if isinstance(step.bars, bool) or not isinstance(step.bars, numbers.Real):
            raise MusicGenError(f"{step.chord!r} in --chords: its length must be a number of bars, got {step.bars!r}")
        _check_chord_length(step.chord, float(step.bars), None)
    if progression.bars > MAX_BARS:
        raise MusicGenError(
            f"the progression in --chords lasts {progression.bars:g} bars: at most {MAX_BARS} (it repeats to fill "
            "the piece)"
        )
    return progression
