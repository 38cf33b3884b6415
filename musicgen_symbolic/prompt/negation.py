"""The negation engine: which words of a prompt a negation covers ("not too fast", "no violins, cellos or violas").

Negation: a negating word, maybe filler words, then the word it negates ("not too fast", "without any drums",
"don't make it too fast"). It carries on along a list joined by "or" / "nor" ("neither fast nor slow", "no
violins, cellos or violas"); after the words that take a whole list (``LIST_NEGATORS``) also along one joined
by "and" ("without drums, bass and guitar"). Commas alone, or after the "and" / "or", start a new list: "don't
use drums, piano only" and "without drums or bass, piano and sax" ask for piano. "except" keeps what follows
when it comes right after "nothing" / "none" / "no <noun>": "all instruments except drums" leaves the drums
out, "nothing except piano" asks for piano. An instrument followed by "solo", "intro", "drop"… is not left out:
"no guitar solo" is about the solo. "instead of" / "rather than" leave out the one word after them ("rhodes
instead of piano"); an adjective of how drums sound may come between ("no heavy drums").
"""

from __future__ import annotations

import re
from typing import TypeVar

from ..lexicon import (
    COMMA_ENDS,
    EXCEPT,
    FILLERS,
    IMPERATIVE_NEGATORS,
    LIST_NEGATORS,
    NEGATED_ADJECTIVES,
    NEGATED_IMPERATIVES,
    NEGATOR_IDIOMS,
    NEGATOR_IDIOMS_AFTER_NEXT,
    NEGATORS,
    OR_WORDS,
    REPLACING,
)
from .text import _either

_T = TypeVar("_T")

_REPLACED_BY_RE = re.compile(r"[\w&'-]+(?:\s+[\w&'-]+)?\s+(?:for|with|by)\b")
_NEGATED_IMPERATIVE_RE = re.compile(rf"(?<![\w'-])(?:{_either(NEGATED_IMPERATIVES)})\s+$")
_FILLERS = rf"(?:{_either(FILLERS)})"
_NEGATED_ADJECTIVES = rf"(?:{_either(NEGATED_ADJECTIVES)})"
_LOOKBACK = 40  # characters searched before a word for what negates it
# An adjective only right after the negator ("no heavy drums", "without any live drums"): "not too loud drums" asks
# for drums that are not too loud.
_NEGATION_RE = re.compile(
    rf"(?<![\w'-])({_either(NEGATORS)})"
    rf"(?:(?:\s+{_FILLERS})*|(?:\s+(?:any|the))?\s+{_NEGATED_ADJECTIVES})\s+$"
)
_EXCEPT_KEEPS_RE = re.compile(r"(?<![\w'-])(?:nothing|none|no(?:\s+other)?\s+\w+)\s+$")
_OR_RE = re.compile(rf"\s*,?\s*(?:{_either(OR_WORDS)})\s+(?:{_FILLERS}\s+)*")
_SO_MUCH_AS_RE = re.compile(rf"\s*,?\s*so much as\s+(?:{_FILLERS}\s+)*")  # "without drums so much as a shaker"
_AND_RE = re.compile(rf"\s*,?\s*and\s+(?:{_FILLERS}\s+)*")
_COMMA_RE = re.compile(rf"\s*,\s*(?:{_FILLERS}\s+)*")
# Negators that negate nothing in an idiom (``lexicon.NEGATOR_IDIOMS``): "drop the bass", "cut the piano in".
_NEGATOR_IDIOM_RES = {
    **{negator: re.compile(rf"(?:{_either(words)})\b") for negator, words in NEGATOR_IDIOMS.items()},
    **{
        negator: re.compile(rf"[\w&'-]+\s+(?:{_either(words)})\b")
        for negator, words in NEGATOR_IDIOMS_AFTER_NEXT.items()
    },
}


def _negator(text: str, start: int) -> str | None:
    """The word that negates the one at ``start`` ("not too fast", "never sad"), if any."""
    found = _NEGATION_RE.search(text, max(0, start - _LOOKBACK), start)
    if found is None:
        return None
    negator = found.group(1)
    idiom = _NEGATOR_IDIOM_RES.get(negator)
    if idiom is not None and idiom.match(text, start):
        return None  # "drop the bass", "drop the beat": an EDM drop; "cut the piano in at bar 9"
    if negator in IMPERATIVE_NEGATORS and _NEGATED_IMPERATIVE_RE.search(text, 0, found.start()):
        return None  # "don't skip the drums" keeps them
    if negator in REPLACING and not _REPLACED_BY_RE.match(text, start):
        return None  # "swap the guitar and bass parts"
    if negator in EXCEPT and _EXCEPT_KEEPS_RE.search(text, max(0, found.start() - _LOOKBACK), found.start()):
        return None
    return negator


def _negations(text: str, spans: list[tuple[int, int]]) -> list[bool]:
    """Which of these words (``(start, end)``, in order) a negation covers, directly or along a list."""
    return [first is not None for first in _negated_lists(text, spans)]


def _negated_lists(text: str, spans: list[tuple[int, int]]) -> list[int | None]:
    """For each of these words (``(start, end)``, in order), the index of the first word of the negated list it
    belongs to ("no violins, cellos or violas": 0, 0, 0), or None where no negation covers it."""
    lists: list[int | None] = [None] * len(spans)
    first = 0
    while first < len(spans):
        negator = _negator(text, spans[first][0])
        if negator is None:
            first += 1
            continue
        lists[first] = first
        whole_lists, pending, joined = negator in LIST_NEGATORS, [], False
        following = first + 1
        while following < len(spans):
            between = text[spans[following - 1][1] : spans[following][0]]
            joins = _AND_RE.fullmatch(between) or _SO_MUCH_AS_RE.fullmatch(between)  # not "not rock so much as blues"
            if _OR_RE.fullmatch(between) or (whole_lists and joins):
                for k in (*pending, following):
                    lists[k] = first
                pending, joined = [], True
            elif not joined and negator not in COMMA_ENDS and _COMMA_RE.fullmatch(between):  # before "and" / "or"
                pending.append(following)
            else:
                break
            following += 1
        first = following
    return lists


def _first_not_negated(text: str, found: dict[tuple[int, int], _T]) -> _T | None:
    """The value of the first word in ``text`` (``found``: its span → value) that no negation covers."""
    spans = sorted(found)
    negated = _negations(text, spans)
    return next((found[span] for span, no in zip(spans, negated, strict=True) if not no), None)
