"""The key a prompt asks for ("in D minor", "F#m", "key of Bb"), read on the prompt's own letter case."""

from __future__ import annotations

import re
from collections.abc import Collection

from ..lexicon import ACCIDENTALS, AFTER_A_MINOR, LETTER_PITCH_CLASSES, LIST_NEGATORS, MODES, SCALES
from ..vocabulary import Key
from .negation import _negator
from .text import _CLAUSE_WORDS, _either

_SCALE_NAMES = "|".join(sorted(SCALES, key=len, reverse=True))
# The ways a prompt names a key, tried in this order; each match's groups: letter, accidental, mode.
_KEY_RES = {
    # "in D minor", "key of F# major", "in E flat", "in c minor", "in C-minor", "in D dorian"
    "after_in": re.compile(
        r"(?:\bin(?: the key of)?\s+|\bkey(?:\s+of\s+|\s*[:=]\s*|\s+))([A-Ga-g])(\s*(?:#|♯|♭|-?sharp|-?flat)|b(?![a-z]))?"
        rf"(?:[\s-]*({_SCALE_NAMES}|major|minor|maj|min|m)\b)?(?![\w#])",
        re.IGNORECASE,
    ),
    # "D minor", "F# major", "Bb major", "G min", "E phrygian" anywhere
    "with_mode": re.compile(
        rf"(?<![\w#])([A-G])(\s*(?:#|♯|♭|-?sharp|-?flat)|b)?[\s-]*({_SCALE_NAMES}|major|minor|maj|min)\b",
        re.IGNORECASE,
    ),
    # "F#m", "Ebm", "Am" as a word (upper-case tonic), "c#m", "bbm" (lower-case, with an accidental)
    "chord": re.compile(r"(?<![\w#])([A-G])(#|b)?(m|maj|min)(?![\w#])"),
    "lower_case_chord": re.compile(r"(?<![\w#])([a-g])(#|b)(m|min)(?![\w#])"),
    # a bare "Bb" or "F#" (an accidental is needed: a bare "A" is usually the article)
    "tonic_with_accidental": re.compile(r"(?<![\w#/-])([A-G])(#|b)()(?![\w#])"),
    # … or a bare capital letter alone in a list: "pop song, 120 bpm, G"
    "letter_in_list": re.compile(r"(?:^|(?<=[,;])|(?<=[,;] ))([A-G])()()(?=\s*(?:$|[,;]|\.(?!\w)))"),
}
# After "a minor" these make it the article and an adjective: "a minor-key piece", "with a minor feel".
_ARTICLE_MINOR_RE = re.compile(rf"[\s-]+(?:{_either(AFTER_A_MINOR)}|\d+(?:st|nd|rd|th))\b")
# After a bare upper-case "in D" these make it a name: "in D&D", "in D.C.", "in B-movie style", "in E Street Band".
_AFTER_BARE_TONIC_NAME_RE = re.compile(rf"\s+(?!(?i:{_CLAUSE_WORDS}))[A-Z]|[&.+-][A-Za-z]")
# What may follow a two-letter "Am" / "Em" for it to be a chord: not "Am I dreaming?", "happy birthday Em!".
_AFTER_TWO_LETTER_CHORD_RE = re.compile(r"\s*(?:$|[,.;:)/|]|\d)|\s+[A-G](?:#|b)?m?(?![\w#])")
# What may follow a bare "in A" for it to be a key, not the article ("in A, banjo" but "In A Quiet Library").
_AFTER_BARE_A_RE = re.compile(rf"\s*(?:$|[^\w\s]|{_CLAUSE_WORDS})", re.IGNORECASE)


_KEY_LEAD_RE = re.compile(r"(?:\bin\s+(?:the\s+key\s+of\s+)?|\bkey\s+of\s+)?$")  # what a negator may precede


def _find_key(original: str, starts: Collection[int] | None = None) -> Key | None:
    """The first key named and not ruled out ("not in C major, make it D minor"), matched on the original case;
    only one whose letter is at one of ``starts``, if given."""
    found = [
        (way, m) for way, pattern in _KEY_RES.items() for m in pattern.finditer(original) if _is_key(original, m, way)
    ]
    lowered = original.lower()  # can lengthen a few letters ("İ"); then the places differ and nothing is ruled out
    ruled_out = _ruled_out_keys(lowered, [m for _, m in found]) if len(lowered) == len(original) else set()
    for _, match in found:
        if match.span() in ruled_out or (starts is not None and match.start(1) not in starts):
            continue
        letter, accidental, mode = match.groups()
        accidental = (accidental or "").strip().lower().replace("-", "")
        mode = SCALES.get((mode or "").lower()) or MODES[(mode or "").lower()]
        return Key((LETTER_PITCH_CLASSES[letter.upper()] + ACCIDENTALS[accidental]) % 12, mode)
    return None


_KEY_LIST_RE = re.compile(r"\s*,?\s*(?:(or|nor)|and)\s+$")  # "not in C major or G major"


def _ruled_out_keys(lowered: str, matches: list[re.Match[str]]) -> set[tuple[int, int]]:
    """Spans of the keys negated, directly or along a list after the negated one: "not in C major or G major"
    ("and" only after a word that takes a whole list: "avoid C major and G major")."""
    ruled_out: set[tuple[int, int]] = set()
    previous: tuple[re.Match[str], str | None] | None = None  # the last key by position and its negator
    for match in sorted(matches, key=lambda m: (m.start(), -m.end())):
        lead = _KEY_LEAD_RE.search(lowered, 0, match.start()).start()
        negator = _negator(lowered, lead)
        if negator is None and previous is not None and previous[1] is not None:
            before, by = previous
            joined = _KEY_LIST_RE.fullmatch(lowered, before.end(), lead)
            if match.start() < before.end() or (joined and (joined.group(1) or by in LIST_NEGATORS)):
                negator = by  # the same key matched twice, or the next in a list
        if negator is not None:
            ruled_out.add(match.span())
        if previous is None or match.start() >= previous[0].end():
            previous = (match, negator)
    return ruled_out


def _is_key(original: str, match: re.Match[str], way: str) -> bool:
    """Whether a match of ``_KEY_RES[way]`` is a key rather than ordinary words ("in a calm mood")."""
    letter, accidental, mode = match.groups()
    accidental, mode = (accidental or "").strip().lower(), (mode or "").lower()
    if letter == "a" and _ARTICLE_MINOR_RE.match(original, match.end()):
        return False  # "in a minor key" asks for some minor key, not A minor
    if letter.islower() and mode in SCALES:
        return False  # "in a dorian mode", "a lydian style": a mode, on no tonic
    if match.group(0) == "ebm":
        return False  # the genre (electronic body music), not E-flat minor
    bare = not accidental and not mode
    if way == "after_in" and letter.islower() and not mode:  # "in b-sides", but "in e flat", "key of c#"
        return letter != "a" and accidental not in ("", "b")
    if way == "with_mode" and letter.islower():  # "a dorian groove", "a min"; "a major hit", "with a minor feeling"
        return mode in ("major", "minor") and letter != "a"
    if way == "after_in" and letter.isupper() and bare:
        if _AFTER_BARE_TONIC_NAME_RE.match(original, match.end()):
            return False
    if way == "chord" and match.group(0) in ("Am", "Em"):  # "Am I dreaming?", "When I Am Stressed"
        if re.search(r"\bI\s+$", original[: match.start()]) or re.match(r"\s+I\b", original[match.end() :]):
            return False
        return match.start() == 0 or bool(_AFTER_TWO_LETTER_CHORD_RE.match(original, match.end()))
    if way == "after_in" and letter == "A" and bare and not match.group(0).lower().startswith("in a"):
        return True  # "key of A", "in the key of A"
    if way == "after_in" and letter == "A" and bare:
        return bool(_AFTER_BARE_A_RE.match(original, match.end()))
    return True
