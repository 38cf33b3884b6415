"""The length a prompt asks for: bars, else seconds ("16 bars", "2 minutes", "1:30 min", "for a 2 minute video")."""

from __future__ import annotations

import re

from ..constants import MAX_SECONDS
from ..lexicon import (
    INNER_LENGTH_AFTER,
    INNER_LENGTH_BEFORE,
    LENGTH_NAMES,
    MUSIC_FOR,
    PART_LENGTH_NOUNS,
    PARTS_BEFORE_MUSIC,
    POSSESSIVES,
    PROGRAMME_MUSIC,
    PROGRAMME_PARTS,
    PROGRAMMES,
)
from .chords import _is_chord_length
from .negation import _negator
from .text import _ANY_SPACE, _NUM, _count, _either
from .values import check_bars, check_seconds

_LENGTH_RES = {
    "bars": re.compile(rf"(?<![\w-])(?<!\d,)({_NUM})[\s-]*(?:bars?|measures?)\b|\b(?:bars|measures)\s*[:=]\s*(\d+)\b"),
    "seconds": re.compile(rf"(?<![\w:-])(?<!\d,)({_NUM})[\s-]*(?:seconds?|secs?)\b"),
    "minutes": re.compile(  # "3 minutes", "a minute", "two and a half minutes", "a minute and a half"
        rf"(?<![\w:-])(?<!\d,)(?:({_NUM})(?:\s+and\s+a\s+half)?[\s-]*(?:minutes?|mins?)|(half an?|an?)\s+minute)"
        r"(?:\s+and\s+a\s+half)?\b"
    ),
    "hours": re.compile(
        rf"(?<![\w:-])(?:({_NUM})[\s-]*(?:hours?|hrs?)|(an?)\s+hour)\b"
    ),  # too long: an error, not 8 bars
}
# A length just before a part of the piece, maybe after one word ("an 8 bar piano intro"), is the part's.
_PART_LENGTH_RE = re.compile(
    rf"(?:\s+(?!with\b|and\b|of\b|in\b|for\b|at\b)[\w-]+)?\s+(?:{_either(PART_LENGTH_NOUNS)})\b"
)


# A count of time inside the piece is not its length: "every 4 bars", "after 8 bars", "the last 10 seconds", "a 3
# second pause", "3 seconds later", "at the 1 minute mark", "wait a minute", "one second, …", "30 seconds to mars".
_INNER_LENGTH_BEFORE_RE = re.compile(
    rf"(?<![\w'-])(?:{_either(INNER_LENGTH_BEFORE)}|(?:for\s+)?the\s+(?:first|last))\s+$"
)
_INNER_LENGTH_AFTER_RE = re.compile(rf"[\s-]+(?:{_either(INNER_LENGTH_AFTER, _ANY_SPACE)})\b|\s+in\s*(?:[,.;:!?]|$)")
_CLOCK_LENGTH_RE = re.compile(
    r"(?<![\w:])(\d{1,2}):([0-5]\d)(?![\d:])(?=\s*(?:mins?|minutes?|long)\b)"
    rf"|(?:{_either(LENGTH_NAMES)})\s*(?:of\s+|[:=]\s*|\s)(\d{{1,2}}):([0-5]\d)(?![\d:])"
    r"|(?<![\w:])(\d{1,2})m\s*([0-5]?\d)s\b"  # "1m30s"
)
_AT_RE, _LONG_RE = (
    re.compile(r"(?<![\w'-])at\s+$"),
    re.compile(r"\s+long\b"),
)  # "at 30 seconds", not "at 3 minutes long"
_INNER_TIME_AFTER_RE = re.compile(r"\s+to\b")  # only after seconds or minutes: "16 bars to rap over" is a length
# A length before a programme the music goes with is the programme's: "a 60 minute podcast intro", "an intro for
# a 10 minute 30 second video", "a 30 second video intro" (say "a 30 second intro for a video"); not "a 15
# minute film score", "a 2 minute video background" nor "a 20 minute movie-like piece"; nor where the music is
# for the whole programme: "background music for a 2 minute video", but not "music for the end of a 2 minute video"
# nor "music for a 2 minute video's intro".
_PROGRAMME_AFTER_RE = re.compile(
    rf"(?:[\s-]+(?:and\s+)?(?:{_NUM})[\s-]*(?:seconds?|secs?))?(?:[\s-]+[\w'-]+)?[\s-]+"
    rf"(?:{_either(PROGRAMMES)})s?(?![\w-])"
    rf"(?!\s+(?:{_either(PROGRAMME_MUSIC)})\b)"
)
_MUSIC_FOR_PROGRAMME_RE = re.compile(
    rf"(?<![\w'-])(?:{_either(MUSIC_FOR)})s?\s+for\s+(?:an?|{_either(POSSESSIVES)}|the|this)\s+"
    rf"(?:(?:{_NUM})[\s-]*(?:minutes?|mins?)[\s-]+(?:and\s+)?)?$"  # a length's seconds after its minutes
)
_PART_BEFORE_RE = re.compile(rf"(?<![\w'-])(?:{_either(PARTS_BEFORE_MUSIC)})\s+$")
_PROGRAMME_PART_AFTER_RE = re.compile(rf"(?:'s)?\s+(?:{_either(PROGRAMME_PARTS, _ANY_SPACE)})\b")


def _is_inner_length(text: str, match: re.Match[str], unit: str) -> bool:
    """Whether a length is not the piece's: a time inside it, one ruled out, the programme's (see
    :func:`_programme_length`), or how long each chord lasts ("2 bars each")."""
    if match.group(0) == "one second" and re.match(r"\s*,", text[match.end() :]):
        return True  # "one second, make it jazzier"
    if unit == "hours" and re.match(r"(?:24|twenty[\s-]four)\b", match.group(0)):
        return True  # "24 hour lofi radio": round the clock
    return bool(
        _negator(text, match.start()) is not None  # ruled out: "instead of 16 bars, do 8"
        or _INNER_LENGTH_BEFORE_RE.search(text, max(0, match.start() - 40), match.start())
        or (_AT_RE.search(text, max(0, match.start() - 10), match.start()) and not _LONG_RE.match(text, match.end()))
        or _INNER_LENGTH_AFTER_RE.match(text, match.end())
        or (unit != "bars" and _INNER_TIME_AFTER_RE.match(text, match.end()))
        or _PROGRAMME_AFTER_RE.match(text, match.end())
        or (unit == "bars" and _is_chord_length(text, match.start(), match.end()))  # "2 bars each", "per chord"
    )


def _programme_length(text: str) -> float | None:
    """Where the prompt gives no length of its own, the length of a programme that the music is for as a whole
    ("background music for a 2 minute video"; not "intro music for a 10 minute podcast", "music for a 2 minute
    video's intro"), if this generator makes pieces that long."""
    counts: dict[str, float] = {}
    for unit in ("minutes", "seconds"):
        for match in _LENGTH_RES[unit].finditer(text):
            programme = _PROGRAMME_AFTER_RE.match(text, match.end())
            music_for = _MUSIC_FOR_PROGRAMME_RE.search(text, max(0, match.start() - 80), match.start())
            if not programme or not music_for or _negator(text, music_for.start()) is not None:
                continue
            if _PART_BEFORE_RE.search(text, max(0, music_for.start() - 30), music_for.start()):
                continue  # "intro music for a 10 minute podcast"
            if not _PROGRAMME_PART_AFTER_RE.match(text, programme.end()):
                counts[unit] = _count(match)
            break
    seconds = 60 * counts.get("minutes", 0) + counts.get("seconds", 0)
    return float(seconds) if 1 <= seconds <= MAX_SECONDS else None


def _find_length(text: str) -> tuple[int | None, float | None]:
    """Bars, else seconds (minutes and seconds added up: "1 min 30 sec"). The length of a part ("a 2 minute song
    with a 10 second intro") counts only when the prompt gives no other length ("a 4-bar drum fill")."""
    found = {
        unit: [m for m in pattern.finditer(text) if not _is_inner_length(text, m, unit)]
        for unit, pattern in _LENGTH_RES.items()
    }
    whole = {unit: [m for m in matches if not _PART_LENGTH_RE.match(text, m.end())] for unit, matches in found.items()}
    chosen = whole if any(whole.values()) else found
    counts = {unit: _count(ms[0]) for unit, ms in chosen.items() if ms}
    if "bars" in counts:
        return check_bars(int(counts["bars"])), None
    clock = next((m for m in _CLOCK_LENGTH_RE.finditer(text) if _negator(text, m.start()) is None), None)
    if clock:  # "1:30 min", "length: 2:45"
        minutes, seconds = (int(n) for n in filter(None, clock.groups()))
        return None, check_seconds(60 * minutes + seconds)
    total = 3600 * counts.get("hours", 0) + 60 * counts.get("minutes", 0) + counts.get("seconds", 0)
    return None, check_seconds(total) if total else _programme_length(text)
