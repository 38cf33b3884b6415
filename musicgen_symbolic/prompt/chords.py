"""The chord progression a prompt asks for: chord symbols in a row ("Am F C G", "Dm7 - G7 - Cmaj7", "Am | F | C |
G"), Roman numerals in a row ("I-V-vi-IV", "ii V I", "i bVI bIII bVII"), read later in the piece's key, or a
progression's name ("12-bar blues", "andalusian cadence"; ``lexicon.PROGRESSION_NAMES``); and how long each chord
lasts ("2 bars each", "two chords per bar", "each chord for 2 bars", "a chord every other bar").

Symbols and numerals are read on the prompt's own letter case, at least two in a row, joined by spaces, commas,
dashes, "|" (a bar line, as in ``--chords``), arrows, "then" or "to". Single capital letters are words too, so a row
of bare letters needs three of them, not in the alphabet's order ("G C D", but not "A B C" nor the scale "C D E F
G"), and a capital "A" that starts a sentence is the article ("A Dm7 G7 vamp"); a letter before "major", "minor",
"flat"… is a key, not a chord ("A C major piece"), and so is one after "in" / "key of" unless another chord follows
it but for a comma ("in Bb, Cm F Bb", but "a lofi song in Am F C G"); "Do", "Go" are words, "A+" a grade. The
pronoun "I" is a numeral only in a row with another numeral (not "I I love it"), and at the edge of a dashed row
only where a dash joins it ("I I-V-vi-IV": the first "I" is the pronoun); two numerals joined only by a space ("I
V") need a word about chords (``lexicon.CHORD_CUES``). A row of chord symbols names a key only where the prompt
names none besides, and then only by its first chord, as the key finder reads it there ("Am F C G": A minor, "Bb F
Gm Eb": B-flat major; "G D Em C", "F#m7b5 B7 Em": none, the planner's to choose; "Em C G D over a Bbm drone":
B-flat minor).

A row or a name after a negator is not asked for ("not the 12-bar blues", "instead of Am F C G, Dm G C"): the
first one not negated is the progression. A phrase of how long each chord lasts scales the whole progression
(a named one keeps its proportions: "ii-V-I, two chords per bar" is ii7 and V7 half a bar each, then Imaj7 for a
bar), if every chord then lasts whole half bars.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import replace

from ..errors import MusicGenError
from ..lexicon import CHORD_CUES, CHORD_JOINS, CHORD_LASTING, CHORDS_LASTING, EACH_CHORD, KEY_AFTER_LETTER
from ..theory import ROMAN_RE, SYMBOL_RE, Progression, Step
from ..vocabulary import Key
from .negation import _negator
from .text import _NUM, _either, _number
from .values import PROGRESSION_ALIASES, _read_chords, named_progression

_EDGES = r"(?<![\w#♯♭/&.'’+])", r"(?::(?:\d+(?:\.\d+)?|\.\d+))?(?![\w#♯♭+°øΔ/&'’]|\.\w)"
_SYMBOL_TOKEN_RE = re.compile(rf"{_EDGES[0]}(?:{SYMBOL_RE.pattern}){_EDGES[1]}")
_ROMAN_TOKEN_RE = re.compile(rf"{_EDGES[0]}(?:{ROMAN_RE.pattern}){_EDGES[1]}")
_BARE_LETTER_RE = re.compile(r"[A-G]")
# "Do", "Go" are words and "A+", "B+" grades, not diminished and augmented chords (write "G°", "Gdim", "Caug").
_WORD_LIKE_SYMBOL_RE = re.compile(r"[A-G][o+]")
_WORD_LIKE_NUMERAL_RE = re.compile(r"I[mM]|VIM|[iv]+m")  # "Im" (I'm), "IM", "vim": not chords
# What joins two chords of a row; "|" is a bar line.
_JOIN_RE = re.compile(
    rf"\s*(?:[,→–—>]|\|+|-+>?|=>)\s*|\s+/\s+|\s+|,?\s+(?:{_either(CHORD_JOINS)})\s+",
    re.IGNORECASE,
)
_KEY_BEFORE_RE = re.compile(r"(?:\bin(?:\s+the\s+key\s+of)?|\bkey(?:\s+of)?\s*[:=]?)\s*$", re.IGNORECASE)
_KEY_AFTER_RE = re.compile(rf"[\s-]+(?:{_either(KEY_AFTER_LETTER)})\b", re.IGNORECASE)
_SENTENCE_START_RE = re.compile(r"(?:^|[.!?;]\s+)$")
_CUE_RE = re.compile(rf"(?<![\w-])(?:{_either(CHORD_CUES)})(?![\w-])")
_NAMED_RE = re.compile(rf"(?<![\w'-])(?:{_either(sorted(PROGRESSION_ALIASES, key=len, reverse=True))})(?![\w-])")

# How long each chord lasts. A count: "2", "two", "1.5", "a", "half a".
_COUNT = rf"half\s+an?|{_NUM}|an?"
_BARS = r"[\s-]*(?:bars?|measures?)"
_EACH_RE = re.compile(rf"(?<![\w-])({_COUNT}){_BARS}\s+(?:{_either(EACH_CHORD)})(?![\w-])")  # "2 bars each"
_LASTING = (
    rf"(?<![\w-])(?:(?:each|every)\s+chord\s+(?:{_either(CHORD_LASTING)})|chords\s+(?:{_either(CHORDS_LASTING)}))\s+"
)
_LASTING_RE = re.compile(rf"{_LASTING}({_COUNT}){_BARS}(?![\w-])")  # "each chord for 2 bars"
_PER_BAR_RE = re.compile(  # "two chords per bar"
    rf"(?<![\w-])({_COUNT})\s+chords?\s+(?:per|a|each|every|in\s+each|in\s+every|to\s+a|to\s+the)\s+(?:bar|measure)"
    r"(?![\w-])"
)
_EVERY_RE = re.compile(  # "a chord every 2 bars", "the chords change every other bar"
    r"(?<![\w-])(?:chords?|harmony)(?:\s+(?:changes?|changing|moves?|moving|switch(?:es|ing)?))?\s+every\s+"
    rf"(?:({_COUNT}){_BARS}|(other|second)\s+(?:bar|measure)|(half)[\s-]+(?:bar|measure)|(?:bar|measure))(?![\w-])"
)
_EACH_AFTER_LENGTH_RE = re.compile(rf"\s+(?:{_either(EACH_CHORD)})(?![\w-])")
_LASTING_BEFORE_LENGTH_RE = re.compile(rf"{_LASTING}$")


def _is_chord_length(text: str, start: int, end: int) -> bool:
    """Whether the length at ``text[start:end]`` ("2 bars") is how long each chord lasts, not the piece: "2 bars
    each", "2 bars per chord", "each chord for 2 bars" (``text`` normalised)."""
    return bool(
        _EACH_AFTER_LENGTH_RE.match(text, end) or _LASTING_BEFORE_LENGTH_RE.search(text, max(0, start - 40), start)
    )


def _chord_length(lowered: str) -> float | None:
    """How many bars each chord lasts, by the first phrase that says it ("2 bars each", "two chords per bar")."""
    found = []
    for pattern in (_EACH_RE, _LASTING_RE):
        found += [(m.start(), _number(re.sub(r"\s+", " ", m.group(1)))) for m in pattern.finditer(lowered)]
    for match in _PER_BAR_RE.finditer(lowered):
        count = _number(re.sub(r"\s+", " ", match.group(1)))
        found.append((match.start(), 1 / count if count else 0.0))  # "zero chords per bar": nothing said
    for match in _EVERY_RE.finditer(lowered):
        count, other, half = match.groups()
        bars = _number(re.sub(r"\s+", " ", count)) if count else 2.0 if other else 0.5 if half else 1.0
        found.append((match.start(), bars))
    found = [(start, bars) for start, bars in found if bars > 0 and _negator(lowered, start) is None]
    return min(found)[1] if found else None


# ---------------------------------------------------------------------------- rows of chords


def _rows(spaced: str, token_re: re.Pattern[str], roman: bool, cued: bool) -> list[tuple[int, int, str]]:
    """Rows of chords in ``spaced`` (the prompt on single spaces): each as its span and the ``--chords``
    notation of its chords ("Am | F | C | G")."""
    rows: list[list[re.Match[str]]] = []
    word_like = _WORD_LIKE_NUMERAL_RE if roman else _WORD_LIKE_SYMBOL_RE
    tokens = [token for token in token_re.finditer(spaced) if not word_like.fullmatch(token.group(0))]
    for token, following in itertools.zip_longest(tokens, tokens[1:]):
        if not roman and _is_key(spaced, token, following):
            rows.append([])
            continue
        previous = rows[-1][-1] if rows and rows[-1] else None
        between = spaced[previous.end() : token.start()] if previous else ""
        if previous and between and _JOIN_RE.fullmatch(between):
            rows[-1].append(token)
        else:
            rows.append([token])
    found = []
    for row in rows:
        row = _trimmed(spaced, row, roman)
        for part in [row, *_after_commas(spaced, row)]:
            if part and _is_row(spaced, part, roman, cued):
                notation = _notation(spaced, part)
                if notation:
                    found.append((part[0].start(), part[-1].end(), notation))
    return found


def _after_commas(spaced: str, row: list[re.Match[str]]) -> list[list[re.Match[str]]]:
    """In a row whose chords are joined by spaces, the part after each comma: a second row where the first is
    ruled out ("instead of Am F C G, Dm G C")."""
    joins = _joins(spaced, row)
    if not any(join.strip() == "," for join in joins) or any(join.strip() not in ("", ",") for join in joins):
        return []
    if all(join.strip() == "," for join in joins):
        return []  # "Am, F, C, G": commas between every chord
    return [row[i + 1 :] for i, join in enumerate(joins) if join.strip() == ","]


def _is_key(spaced: str, token: re.Match[str], following: re.Match[str] | None) -> bool:
    """Whether a chord symbol is a key: before "major", "flat"… ("A C major piece", "in E flat"), or after "in" /
    "key of" unless a chord follows but for a comma ("in Bb, Cm F Bb" but "a lofi song in Am F C G")."""
    if _KEY_AFTER_RE.match(spaced, token.end()):
        return True
    if not _KEY_BEFORE_RE.search(spaced, max(0, token.start() - 20), token.start()):
        return False
    between = spaced[token.end() : following.start()] if following else ""
    return not (between and _JOIN_RE.fullmatch(between) and "," not in between)


def _joins(spaced: str, row: list[re.Match[str]]) -> list[str]:
    return [spaced[a.end() : b.start()] for a, b in itertools.pairwise(row)]


def _is_bare(token: str, roman: bool) -> bool:
    """A token that is also an ordinary word: a capital letter ("A", "C"), or the numeral "I"."""
    return token in ("I", "i") if roman else bool(_BARE_LETTER_RE.fullmatch(token))


def _trimmed(spaced: str, row: list[re.Match[str]], roman: bool) -> list[re.Match[str]]:
    """The row without a sentence's article "A" at its start ("A Dm7 G7 vamp"), nor a word-like chord joined only
    by a space to a row whose other chords are joined otherwise ("I I-V-vi-IV", "I-V-vi-IV I think")."""
    if not roman and len(row) > 1 and row[0].group(0) == "A" and _SENTENCE_START_RE.search(spaced, 0, row[0].start()):
        if not spaced[row[0].end() : row[1].start()].strip():
            row = row[1:]
    joins = [bool(join.strip()) for join in _joins(spaced, row)]
    if len(row) > 2 and _is_bare(row[0].group(0), roman) and not joins[0] and all(joins[1:]):
        row, joins = row[1:], joins[1:]
    if len(row) > 2 and _is_bare(row[-1].group(0), roman) and not joins[-1] and all(joins[:-1]):
        row = row[:-1]
    return row


def _is_row(spaced: str, row: list[re.Match[str]], roman: bool, cued: bool) -> bool:
    """Whether these tokens are chords rather than ordinary words (see the module's notes)."""
    tokens = [token.group(0).split(":")[0] for token in row]
    marked = any(join.strip() for join in _joins(spaced, row))  # a dash, "|", comma … between two chords
    if len(tokens) < 2:
        return False
    if roman:
        if all(_is_bare(t, roman) for t in tokens):
            return False  # "I I love it"
        return len(tokens) > 2 or marked or cued
    if all(_is_bare(t, roman) for t in tokens):
        alphabet = "".join(tokens) in "ABCDEFG"  # "A B C", "C D E F G": letters, or a scale
        return len(tokens) > 2 and not alphabet
    return True


def _notation(spaced: str, row: list[re.Match[str]]) -> str | None:
    """A row in ``--chords`` notation; None where it does not read (three chords sharing a bar are read a bar
    each)."""
    bar_line = r"\|+\s*"
    parts = ["| "] if re.search(rf"{bar_line}$", spaced[max(0, row[0].start() - 4) : row[0].start()]) else []
    for token, join in zip(row, [*_joins(spaced, row), ""], strict=True):
        parts += [token.group(0), " | " if "|" in join else " "]
    if re.match(r"\s*\|", spaced[row[-1].end() :]):
        parts.append("|")
    notation = "".join(parts).strip()
    for attempt in (notation, notation.replace("|", " ")):
        try:
            _read_chords(attempt)
            return attempt
        except MusicGenError:
            continue
    return None


@functools.lru_cache(maxsize=16)  # the key finder asks twice, the chord finder once
def _chord_rows(spaced: str) -> tuple[tuple[tuple[int, int, str], ...], tuple[tuple[int, int, str], ...]]:
    """The rows of chord symbols and the rows of Roman numerals."""
    cued = bool(_CUE_RE.search(spaced.lower()))
    return tuple(_rows(spaced, _SYMBOL_TOKEN_RE, False, cued)), tuple(_rows(spaced, _ROMAN_TOKEN_RE, True, cued))


def _without_chord_symbols(spaced: str) -> str:
    """``spaced`` with its rows of chord symbols blanked out (same length), for the key finder: a key named besides
    the rows wins over their chords ("Em C G D over a Bbm drone")."""
    blanked = list(spaced)
    for start, end, _ in _chord_rows(spaced)[0]:
        blanked[start:end] = " " * (end - start)
    return "".join(blanked)


def _first_chords(spaced: str) -> set[int]:
    """Where the rows of chord symbols start: where the prompt names no key besides them, only a key read there
    is one ("Am F C G", "in Am F C G": A minor; "G D Em C": none)."""
    return {start for start, _, _ in _chord_rows(spaced)[0]}


def _find_chords(spaced: str, key: Key | None) -> Progression | None:
    """The first progression named or written that is not negated, each chord lasting what the prompt says;
    a named one in the form ``key``'s mode takes. ``spaced``: the prompt on single spaces, in its own case."""
    lowered = spaced.lower().replace("’", "'")
    if len(lowered) != len(spaced):  # a letter that lengthens when lowered ("İ"): read no negation
        lowered = spaced
    symbols, numerals = _chord_rows(spaced)
    candidates = [(start, -(end - start), 1, notation) for start, end, notation in (*symbols, *numerals)]
    candidates += [(m.start(), -(m.end() - m.start()), 0, m.group(0)) for m in _NAMED_RE.finditer(lowered)]
    for start, _, written, text in sorted(candidates):
        if _negator(lowered, start) is not None:
            continue
        progression = _read_chords(text) if written else named_progression(PROGRESSION_ALIASES[text], key)
        return _lasting(progression, _chord_length(lowered))
    return None


def _lasting(progression: Progression, bars: float | None) -> Progression:
    """``progression`` with each chord ``bars`` times as long, if each then lasts whole half bars."""
    if bars is None:
        return progression
    steps = tuple(Step(step.chord, step.bars * bars) for step in progression.steps)
    if any(step.bars * 2 != int(step.bars * 2) for step in steps):
        return progression  # "three chords per bar": the planner's grid is the half bar
    return replace(progression, steps=steps)
