"""What every finder shares: normalised text, patterns built from the lexicon's words, numbers in words, idioms."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from ..errors import MusicGenError
from ..lexicon import (
    ARTICLES,
    CLAUSE_WORDS,
    IDIOMS,
    IDIOMS_BEFORE,
    NUMBER_WORDS,
    THEIR_VOICE_PLACES,
    THEIR_VOICE_RIVALS,
    THEIR_VOICE_ROOM,
    VOICE_WORDS,
)


def _text(value: object, what: str) -> str:
    """``value`` if it is text: API callers get the same one-line error as the CLI for a wrong type."""
    if not isinstance(value, str):
        raise MusicGenError(f"{what} must be text, got {value!r}")
    return value


def _normalise(text: str) -> str:
    """Lower case, straight apostrophes, single spaces: the text every finder but the key's reads."""
    return " ".join(text.lower().replace("’", "'").split())


def _suggest(text: str, choices: list[str] | dict) -> str:
    close = difflib.get_close_matches(text, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


_ANY_SPACE = r"\s+"  # between the words of a phrase where a pattern allows any run of white space ("end  screen")


def _either(words: Iterable[str], space: str = r"\ ") -> str:
    """A regex alternation of ``words``, literally and in their order (regex alternation is first-match); ``space``
    is the pattern for the space between a phrase's words (a single space, or ``_ANY_SPACE``)."""
    return "|".join(re.escape(word).replace(r"\ ", space) for word in words)


def _phrase_pattern(phrases: list[str]) -> re.Pattern[str]:
    """Any of ``phrases`` as a whole word, maybe plural (group 1); the longest first, so that "electric piano" wins
    over "piano"."""
    alternatives = "|".join(re.escape(p) + r"(?:e?s)?" for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])({alternatives})(?![\w-])")


# "at 160 with …": words that may follow a number or a key and start a new clause (``lexicon.CLAUSE_WORDS``).
_CLAUSE_WORDS = rf"(?:{_either(CLAUSE_WORDS)})\b"

# --------------------------------------------------------------------------- numbers

_WORD_NUMBERS = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_TENS = (  # "thirty two", "forty-five"
    rf"(?:{'|'.join(word for word, value in NUMBER_WORDS.items() if value >= 20)})[\s-]"
    rf"(?:{'|'.join(word for word, value in NUMBER_WORDS.items() if value < 10)})"
)
_NUM = r"\d+(?:\.\d+)?|" + _TENS + "|" + _WORD_NUMBERS


def _count(match: re.Match[str]) -> float:
    """The count a length states: its number, plus a half for "and a half"."""
    return _number(next(filter(None, match.groups()))) + (0.5 if "and a half" in match.group(0) else 0)


def _number(token: str) -> float:
    """A count in digits or words: "16", "sixteen", "thirty two", "forty-five", "half a"."""
    if token[0].isdigit():
        return float(token)
    if token in ARTICLES:
        return ARTICLES[token]
    return float(sum(NUMBER_WORDS[word] for word in re.split(r"[\s-]", token)))


# --------------------------------------------------------------------------- idioms

# The idioms of ``lexicon.IDIOMS`` / ``lexicon.IDIOMS_BEFORE`` that need more than words.
_IDIOM_PATTERNS = {
    # "slow it down by 20 bpm" changes a tempo ("slow down 2 semitones" is still slow)
    "slow": r"(?:(?:it|this|that|things|everything|the\s+(?:tempo|beat|track))\s+)?(?:way\s+)?down\s+(?:by\s+)?"
    rf"(?:{_NUM})\s*(?:bpm|beats per minute|%|percent)",
    "voice": r"over(?!\s+(?:an?|the|some)\b)\b",  # a voiceover, not a voice "over a beat"
    "march": r"\d{1,2}(?:st|nd|rd|th)?\b(?!\s*/)",  # "march 21", not "a march 2/4"
}
_THEIR_VOICE = (  # after "my" / "our" / "your" (``lexicon.THEIR_VOICE_OWNERS``)
    rf"(?:{_either(THEIR_VOICE_PLACES)}) the|(?:{_either(THEIR_VOICE_ROOM)}) for(?: the)?"
    rf"|(?:{_either(THEIR_VOICE_RIVALS)})(?:s|es|ed|ing)?(?: out| with)?(?: the)?(?: singer's)?"
)
_IDIOM_PATTERNS_BEFORE = {"beats": r"\d+", **dict.fromkeys(VOICE_WORDS, _THEIR_VOICE)}  # "3 beats to the bar"


def _idiom_after(word: str) -> re.Pattern[str]:
    """What follows ``word`` in its idioms: a phrase of ``lexicon.IDIOMS``, or a pattern of ``_IDIOM_PATTERNS``."""
    alternatives = [rf"(?:{_either(IDIOMS[word])})\b"] if word in IDIOMS else []
    alternatives += [_IDIOM_PATTERNS[word]] if word in _IDIOM_PATTERNS else []
    return re.compile(rf"\s+(?:{'|'.join(alternatives)})")


def _idiom_before(word: str) -> re.Pattern[str]:
    """What comes before ``word`` in its idioms: a phrase of ``lexicon.IDIOMS_BEFORE``, or a pattern of
    ``_IDIOM_PATTERNS_BEFORE``."""
    alternatives = [_either(IDIOMS_BEFORE[word])] if word in IDIOMS_BEFORE else []
    alternatives += [_IDIOM_PATTERNS_BEFORE[word]] if word in _IDIOM_PATTERNS_BEFORE else []
    return re.compile(rf"(?<![\w'-])(?:{'|'.join(alternatives)})\s+$")


_IDIOM_RES = {word: _idiom_after(word) for word in {**IDIOMS, **_IDIOM_PATTERNS}}
_IDIOM_BEFORE_RES = {word: _idiom_before(word) for word in {**IDIOMS_BEFORE, **_IDIOM_PATTERNS_BEFORE}}


def _is_idiom_at(text: str, span: tuple[int, int], word: str) -> bool:
    """Whether ``word`` at ``span`` is part of a phrase of ``IDIOMS`` / ``IDIOMS_BEFORE`` ("rock bottom")."""
    singular = re.sub(r"e?s$", "", word)
    after = _IDIOM_RES.get(word) or _IDIOM_RES.get(singular)
    before = _IDIOM_BEFORE_RES.get(word) or _IDIOM_BEFORE_RES.get(singular)
    return bool(
        (after and after.match(text, span[1])) or (before and before.search(text, max(0, span[0] - 40), span[0]))
    )
