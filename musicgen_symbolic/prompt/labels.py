"""The genre and the mood a prompt asks for: the label whose word comes first ("a dark jazzy tune": jazz, dark)."""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable

from ..lexicon import GENRE_ADJECTIVES, GENRES, MOODS
from .instruments import _INSTRUMENT_RE
from .negation import _first_not_negated
from .text import _is_idiom_at


def _find_genre(text: str) -> str | None:
    """The genre label of the first genre word; an adjective ("jazzy") only where no genre noun is named."""
    return _find_label(text, GENRES, GENRE_ADJECTIVES)


def _find_mood(text: str) -> str | None:
    return _find_label(text, MOODS)


@functools.cache
def _word_re(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")


def _find_label(text: str, table: dict[str, tuple[str, ...]], weak: tuple[str, ...] = ()) -> str | None:
    """The label whose word comes first in ``text``, skipping negated words ("not too dark", "not sad or dark")
    and words that overlap an instrument's name beyond it: "classical guitar", "bright acoustic piano", "kick
    drum and bass" (but "drum and bass" is a genre holding two names). ``weak`` words count only when no other
    word is found."""
    overhung = _overhung_by([match.span() for match in _INSTRUMENT_RE.finditer(text)])
    found = {  # one label per place in the text: a label is usually also one of its own words
        match.span(): label
        for label, words in table.items()
        for word in (label, *words)
        for match in _word_re(word).finditer(text)
        if not overhung(match.span()) and not _is_idiom_at(text, match.span(), word)
    }
    strong = {span: label for span, label in found.items() if text[span[0] : span[1]] not in weak}
    return _first_not_negated(text, strong) or _first_not_negated(text, found)


def _overhung_by(names: list[tuple[int, int]]) -> Callable[[tuple[int, int]], bool]:
    """Whether a word's span is overhung by one of ``names`` (instrument names' spans, in order, not overlapping).

    Only the few names that overlap the word can overhang it, and the names' ends grow with their starts, so a
    binary search finds them: a prompt of many words and names costs no more than its words (it cost their product).
    """
    ends = [end for _, end in names]

    def overhung(word: tuple[int, int]) -> bool:
        i = bisect.bisect_right(ends, word[0])  # the first name ending after the word's start
        while i < len(names) and names[i][0] < word[1]:
            if _overhangs(names[i], word):
                return True
            i += 1
        return False

    return overhung


def _overhangs(name: tuple[int, int], word: tuple[int, int]) -> bool:
    """Whether the span ``name`` overlaps ``word`` and reaches outside it."""
    overlap = name[0] < word[1] and word[0] < name[1]
    return overlap and (name[0] < word[0] or word[1] < name[1])
