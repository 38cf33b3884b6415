"""The tempo a prompt asks for: a number in bpm ("96 bpm", "tempo 96", "at 96"), else a tempo word ("allegro")."""

from __future__ import annotations

import re

from ..constants import TEMPO_RANGE
from ..lexicon import (
    AGE_BEFORE_AT,
    APPROXIMATELY,
    QUICK_TEMPO_NOUNS,
    SMALL_CHANGE_AFTER,
    SMALL_CHANGE_VERBS,
    SPEED_UNITS,
    TEMPO_CHANGES,
    TEMPO_WORDS,
)
from .negation import _first_not_negated, _negator
from .text import _CLAUSE_WORDS, _TENS, _WORD_NUMBERS, _either, _is_idiom_at, _number, _phrase_pattern
from .values import _check_tempo

_TEMPO_WORD_RE = _phrase_pattern(list(TEMPO_WORDS))
# "quick" is a tempo only before a dance or the pace ("a quick two-step"): "a quick lofi beat" is a short one.
_QUICK_TEMPO_RE = re.compile(rf"(?:\s+[\w&'-]+)?\s+(?:{_either(QUICK_TEMPO_NOUNS)})\b")
# "at 160" is a tempo only when the number ends a clause, or "with …" or the like follows, or "in" and a key or
# a metre: not "at 45 rpm", nor "peaks at 100 in the charts", nor "at 100 in a club".
_IN_KEY_OR_METRE = (
    r"in\s+(?:the\s+key\b|[a-g](?:\s*(?:#|b|sharp|flat))?(?:\s*(?:major|minor|maj|min|m)\b|"
    rf"(?=\s*(?:$|[,.;:!?)]|{_CLAUSE_WORDS})))|\d{{1,2}}\s*/\s*\d{{1,2}}|(?:common|triple|compound)\s+time\b)"
)
_ABOUT = "(?:" + "".join(rf"{re.escape(word)}\s+|" for word in APPROXIMATELY) + r"~\s*)?"
_BARE_TEMPO_RE = re.compile(
    rf"(?<![\w-])at\s+{_ABOUT}(\d{{2,3}})(?=\s*$|\s*(?:[,;:!?)]|\.(?!\d))|\s+{_CLAUSE_WORDS}|\s+{_IN_KEY_OR_METRE})"
)
# Words that make "at NN" an age or a level (within the two words before "at"): "retired at 65", "volume at 80".
_AGE_BEFORE_AT_RE = re.compile(rf"(?<![\w'-])(?:{_either(AGE_BEFORE_AT)})(?:\s+[\w'-]+)?\s+$")
_TEMPO_RES = (
    re.compile(r"(\d+(?:\.\d+)?)(?:\s*-?ish)?[\s-]*(?:bpm|beats per minute|beats/min)"),  # "96 bpm", "90ish bpm"
    # "eighty five bpm", "one hundred and twenty bpm"
    re.compile(
        rf"(?<![\w-])((?:(?:one|a)\s+)?hundred(?:\s+and)?(?:[\s-]+(?:{_TENS}|{_WORD_NUMBERS}))?|{_TENS}|{_WORD_NUMBERS})"
        r"[\s-]*(?:bpm|beats per minute)"
    ),
    # "tempo 96", "tempo: ~100", "speed = 120", "♩ = 72": not "mid tempo 4/4", "half speed 808", "quarter note 3"
    re.compile(
        rf"(?:tempo|tempo of|at tempo|bpm)[\"']?\s*(?:of\s*|=\s*|:\s*)?{_ABOUT}(\d{{2,3}}(?:\.\d+)?)(?!\d|\.\d|\s*/)"
    ),
    re.compile(
        rf"(?:speed|♩|quarter note)\s*(?:of|=|:)\s*{_ABOUT}(\d{{2,3}}(?:\.\d+)?)"
        rf"(?!\d|\.\d|\s*/|\s*(?:{_either(SPEED_UNITS)})\b)"
    ),
)
# A change of tempo: "+10 bpm", "slow it down by 20 bpm", "50 bpm faster" whatever the number; and, for a number
# too slow to be a tempo, "raise the tempo 10 bpm", "drop it 10 bpm", "a 30 bpm boost", "8 bpm above 120".
_CHANGE_BEFORE_RE = re.compile(r"(?:\+|(?<![\w'-])by\s+)\s*$")
_CHANGE_AFTER_RE = re.compile(rf"\s*(?:{_either(TEMPO_CHANGES)})\b")
_SMALL_CHANGE_BEFORE_RE = re.compile(
    rf"(?<![\w'-])(?:{_either(SMALL_CHANGE_VERBS)})"
    r"(?:\s+(?:the|it))?(?:\s+(?:tempo|bpm|speed))?(?:\s+by)?\s+$"
)
_SMALL_CHANGE_AFTER_RE = re.compile(rf"\s*(?:{_either(SMALL_CHANGE_AFTER)})\b")


def _bpm(number: str) -> float:
    """A tempo in digits or words: "96", "eighty five", "one hundred and twenty"."""
    if number[0].isdigit():
        return float(number)
    words = re.sub(r"^(?:one|a)\s+|\band\b", " ", number).split()
    return float(sum(100 if word == "hundred" else _number(word) for word in words))


def _is_tempo_change(text: str, match: re.Match[str]) -> bool:
    """Whether a number in bpm is a change of tempo; "lower tempo, 70 bpm" is a tempo, "10 bpm lower" a change."""
    start, end = match.start(1), match.end()
    if _CHANGE_BEFORE_RE.search(text, max(0, start - 40), start) or _CHANGE_AFTER_RE.match(text, end):
        return True
    return _bpm(match.group(1)) < TEMPO_RANGE[0] and bool(
        _SMALL_CHANGE_BEFORE_RE.search(text, max(0, match.start() - 40), match.start())
        or _SMALL_CHANGE_AFTER_RE.match(text, end)
    )


def _find_tempo(text: str) -> float | None:
    """A tempo in bpm ("96 bpm", "tempo 96", "at 96") that is not ruled out ("not 120 bpm, more like 90"), else
    the first tempo word not negated; only negated ones ("not too fast") ask for a moderate tempo."""
    numbers = (match for pattern in _TEMPO_RES for match in pattern.finditer(text))
    match = next((m for m in numbers if _negator(text, m.start()) is None and not _is_tempo_change(text, m)), None)
    if match:
        return _check_tempo(_bpm(match.group(1)))
    for bare in _BARE_TEMPO_RE.finditer(text):
        if _AGE_BEFORE_AT_RE.search(text, max(0, bare.start() - 40), bare.start()):
            continue  # "who retired at 65", "keep the volume at 80"
        if TEMPO_RANGE[0] <= float(bare.group(1)) <= TEMPO_RANGE[1]:
            return float(bare.group(1))
    words = {
        match.span(): TEMPO_WORDS[match.group(1)]
        for match in _TEMPO_WORD_RE.finditer(text)
        if match.group(1) in TEMPO_WORDS  # "slows", "fasts": the plural the phrase pattern allows is no tempo
        if match.group(1) != "quick" or _QUICK_TEMPO_RE.match(text, match.end())
        if not _is_idiom_at(text, match.span(), match.group(1))  # "fast food", "slow it down by 20 bpm"
    }
    tempo = _first_not_negated(text, words)
    if tempo is None and words:
        return TEMPO_WORDS["moderate"]  # "not too fast", "neither fast nor slow"
    return tempo
