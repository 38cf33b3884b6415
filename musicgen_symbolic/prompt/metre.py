"""The time signature a prompt asks for: "3/4", "3 beats to the bar", or a word ("waltz", "six-eight")."""

from __future__ import annotations

import re

from ..constants import TIME_SIGNATURES
from ..lexicon import OCCASIONS, POSSESSIVES, TIME_SIGNATURE_WORDS
from .negation import _first_not_negated, _negator
from .text import _either, _is_idiom_at
from .values import parse_time_signature

_FRACTION_RE = re.compile(r"(?<![\d/])(\d{1,2})\s*/\s*(\d{1,2})(?![\d/])")
_DATE_BEFORE_RE = re.compile(r"(?<![\w'-])on\s+$")  # "on 12/8"
_OF_AFTER_RE = re.compile(r"\s+of\b")  # "3/4 of the way"
_POSSESSIVE_BEFORE_RE = re.compile(rf"(?<![\w'-])(?:{_either(POSSESSIVES)})\s+$")
_OCCASION_AFTER_RE = re.compile(rf"\s+(?:{_either(OCCASIONS)})(?![\w-])")
_BEATS_TO_THE_BAR_RE = re.compile(
    r"(?<![\w-])([2-9])\s+beats\s+(?:to|per|in)(?:\s+(?:the|a|each))?\s+(?:bar|measure)\b"
)
_METRE_WORD_RES = {
    words: re.compile(rf"(?<![\w-]){re.escape(words)}(?:e?s)?(?![\w-])") for words in TIME_SIGNATURE_WORDS
}


def _find_time_signature(text: str) -> tuple[int, int] | None:
    """The first "n/d" that is a metre (not a note value such as "1/16"), else the first metre word."""
    for match in _FRACTION_RE.finditer(text):
        before, after = text[max(0, match.start() - 20) : match.start()], text[match.end() :]
        if _DATE_BEFORE_RE.search(before) or _OF_AFTER_RE.match(after):
            continue  # a date or a fraction: "on 12/8", "3/4 of the way"
        if _POSSESSIVE_BEFORE_RE.search(before) and _OCCASION_AFTER_RE.match(after):
            continue  # "jazz for our 5/4 date night", but "a 6/8 wedding song"
        if _negator(text, match.start()) is not None:
            continue  # ruled out: "not 4/4, make it 7/8", "anything but 4/4"
        if match.group(1) != "1" and int(match.group(2)) in (2, 4, 8, 16):
            return parse_time_signature(f"{match.group(1)}/{match.group(2)}")
    beats = _BEATS_TO_THE_BAR_RE.search(text)
    if beats and _negator(text, beats.start()) is None and (int(beats.group(1)), 4) in TIME_SIGNATURES:
        return (int(beats.group(1)), 4)
    found = {
        match.span(): signature
        for words, signature in TIME_SIGNATURE_WORDS.items()
        for match in _METRE_WORD_RES[words].finditer(text)
        if not _is_idiom_at(text, match.span(), words)
    }
    return _first_not_negated(text, found)
