"""The instruments a prompt names, and those it leaves out ("a jazz trio without drums")."""

from __future__ import annotations

import re

from ..lexicon import (
    IMPLYING_DRUMS,
    INSTRUMENT_LED,
    INSTRUMENT_PARTS,
    INSTRUMENT_SYNONYMS,
    LESS_INSTRUMENTS,
    OVERPOWERING,
    PLAYING,
    SHARED_NOUNS,
    SORT_OF,
    SOUND_EFFECT_WORDS,
    TOO,
    TOO_MUCH,
)
from ..vocabulary import GM_NAMES, kind_programs
from .negation import _negated_lists
from .text import _either, _is_idiom_at, _phrase_pattern
from .values import _gm_lower, _synonym

_INSTRUMENT_RE = re.compile(  # … also before "-driven", "-led", "-heavy": "guitar-driven rock" asks for guitar
    _phrase_pattern(list(INSTRUMENT_SYNONYMS) + [n.lower() for n in GM_NAMES]).pattern.removesuffix("(?![\\w-])")
    + rf"(?!\w|-(?!(?:{_either(INSTRUMENT_LED)})\b))"
)
# General MIDI's sound effects (programs 120–127: "seashore", "applause"…) are usually scenery in a prompt ("a walk
# along the seashore"): they count only as "seashore sound effects", or through ``parse_instrument`` (--instruments).
_SOUND_EFFECTS = frozenset(n.lower() for n in GM_NAMES[120:])
_SOUND_EFFECT_RE = re.compile(rf"\s+(?:{_either(SOUND_EFFECT_WORDS)})\b")
_NOT_AN_INSTRUMENT_RE = re.compile(r"\s*(?:per|/)\s*(?:minute|min|bar|measure)\b")  # "90 beats per minute"
_PART_RE = re.compile(rf"\s+(?:{_either(INSTRUMENT_PARTS)})\b")
# After a negated instrument, how it should not play: "without the bass overpowering the vocals", "no drums
# playing too loud" neither ask for the instrument nor leave it out.
_HOW_IT_PLAYS_RE = re.compile(
    rf"\s+(?:{_either(OVERPOWERING)}"
    rf"|(?:{_either(PLAYING)})\s+(?:{_either(TOO)})"
    rf"|(?:{_either(TOO)})\s+(?:{_either(TOO_MUCH)}))\b"
)
# "acoustic and electric guitars" names two guitars: the noun is written out for both
_SORT_OF = _either(SORT_OF)
_SHARED_NOUN_RE = re.compile(rf"(?<![\w-])({_SORT_OF})\s+(and|&|or)\s+({_SORT_OF})\s+({_either(SHARED_NOUNS)})\b")
# "drums off", "drums: none", "drums=no"; not "piano no drums" nor "drums off the beat"
_SWITCHED_OFF_RE = re.compile(r"(?:\s*[:=]\s*(?:off|none|no)|[\s-]+(?:off|none))\b(?!\s+(?:the|a|an)\b)")
_LESS_RE = re.compile(rf"(?<![\w-])({_either(LESS_INSTRUMENTS)})s?-?less\b")  # "a piano-less jazz trio", "drumless"


def _find_instruments(text: str, genre: str | None = None) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None]:
    """The instruments named, and the programs left out: every program of each excluded instrument's kind
    ("without guitar" leaves out all eight guitars, ``INSTRUMENT_KINDS``), except those also named. A word that
    only implies drums ("beat", "groove") gives way to an exclusion: "a lofi beat but no drums" has none."""
    text = _SHARED_NOUN_RE.sub(r"\1 \4 \2 \3 \4", _split_bass_drums(text))
    matches = [m for m in _INSTRUMENT_RE.finditer(text) if not _is_idiom(text, m)]
    programs: list[int] = []
    implied: list[int] = []
    excluded: list[int] = []
    lists = _negated_lists(text, [m.span() for m in matches])
    for match, negated_list, how in zip(matches, lists, _how_they_play(text, matches, lists), strict=True):
        if how:
            continue
        left_out = negated_list is not None and not _PART_RE.match(text, match.end())  # "no guitar solo" keeps it
        left_out = left_out or bool(_SWITCHED_OFF_RE.match(text, match.end()))
        found = excluded if left_out else implied if match.group(1) in IMPLYING_DRUMS else programs
        found.extend(_programs_of_phrase(match.group(1), genre))
    for less in _LESS_RE.finditer(text):  # "a piano-less jazz trio", "drumless"
        excluded.extend(_programs_of_phrase(less.group(1), genre))
    kinds = {p for program in excluded for p in kind_programs(program)}
    named = set(programs) | (set(implied) - kinds)
    return tuple(sorted(named)) or None, tuple(sorted(kinds - named)) or None


def _split_bass_drums(text: str) -> str:
    """ "piano bass drums" lists bass and drums, not a bass drum: a comma goes between them (the text keeps its
    length, so places in it stay where they were)."""
    matches = list(_INSTRUMENT_RE.finditer(text))
    ends = {match.end() for match in matches}
    for match in matches:
        if match.group(1) in ("bass drum", "bass drums") and match.start() - 1 in ends:
            text = text[: match.start() + 4] + "," + text[match.start() + 5 :]
    return text


def _how_they_play(text: str, matches: list[re.Match[str]], lists: list[int | None]) -> list[bool]:
    """Which negated instruments are followed by how they should not play, directly or through the negated list
    they end ("without the bass or drums overpowering the vocals"); ``lists`` from :func:`_negated_lists`."""
    described = {
        first
        for match, first in zip(matches, lists, strict=True)
        if first is not None and _HOW_IT_PLAYS_RE.match(text, match.end())
    }
    return [first is not None and first in described for first in lists]


def _is_idiom(text: str, match: re.Match[str]) -> bool:
    """Whether an instrument's word is part of another phrase here ("beats per minute", "the bass kicks in")."""
    if match.group(1) in _SOUND_EFFECTS and not _SOUND_EFFECT_RE.match(text, match.end()):
        return True
    return bool(_NOT_AN_INSTRUMENT_RE.match(text, match.end())) or _is_idiom_at(text, match.span(), match.group(1))


def _programs_of_phrase(phrase: str, genre: str | None) -> tuple[int, ...]:
    gm_lower = _gm_lower()
    for candidate in (phrase, re.sub(r"e?s$", "", phrase), phrase[:-1]):
        found = _synonym(candidate, genre)
        if found:
            return found
        if candidate in gm_lower:
            return (gm_lower[candidate],)
    return ()
