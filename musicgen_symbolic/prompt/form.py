"""The form a prompt asks for: sections written in order ("intro, verse, chorus, verse, chorus, outro"), letters
("AABA", "A-A-B-A form"), a form's name ("rondo", "binary form", "verse-chorus"), or sections only mentioned ("with
an intro and a big chorus", "a build-up and a drop"), which shape a song or dance form around them; and whether
the piece is a loop ("a lo-fi loop", "loopable").

A section word followed by a word that makes it something else is not a section: "intro music for my podcast",
"a chorus effect", "drop D tuning" (``lexicon.NOT_SECTION_AFTER``); "drop" and "build" count only as nouns ("the
drop", "a huge build-up"). Negated sections are left out ("no intro", "without a bridge"): with none asked for,
the default form then leaves them out too. Lengths come from the piece's length (``form.Form.layout``).
"""

from __future__ import annotations

import re

from ..form import NAMED_FORMS, Form, Part
from ..lexicon import (
    FORM_PHRASES,
    LETTER_FORM_EXCEPTIONS,
    LOOP_WORDS,
    NOT_SECTION_AFTER,
    ORDER_JOINS,
    SECTION_JOINS,
    SECTION_PHRASES,
    SECTION_VERB_ARTICLES,
    VERB_LIKE_SECTIONS,
)
from .negation import _first_not_negated, _negations
from .text import _either

_SECTION_OF = {phrase: name for name, phrases in SECTION_PHRASES.items() for phrase in phrases}
_SECTION_RE = re.compile(rf"(?<![\w'-])({_either(sorted(_SECTION_OF, key=len, reverse=True))})(?![\w'-])")
_NOT_SECTION_AFTER_RE = re.compile(rf"\s+(?:{_either(NOT_SECTION_AFTER)})(?![\w'-])")
_ARTICLE_BEFORE_RE = re.compile(rf"(?<![\w'-])(?:{_either(SECTION_VERB_ARTICLES)})\s+(?:[\w'-]+\s+)?$")
_JOIN_RE = re.compile(rf"\s*(?:{_either(SECTION_JOINS)})?\s*(?:(?:a|an|the|another)\s+)?")
_FORM_NAME_RE = re.compile(rf"(?<![\w'-])({_either(sorted(FORM_PHRASES, key=len, reverse=True))})(?![\w'-])")
_LETTERS_RE = re.compile(r"(?<![\w'-])(A'*(?:[-–]?[A-D]'*){1,7})((?:\s+|-)form)?(?![\w'-])")
_ORDER_RE = re.compile(rf"(?:{_either(ORDER_JOINS)})")
_LOOP_RE = re.compile(rf"(?<![\w'-])(?:{_either(LOOP_WORDS)})(?![\w'-])")
SONG_CORE = ("verse", "chorus", "verse", "chorus")
DANCE_CORE = ("build", "drop", "breakdown", "drop")
DANCE_SECTIONS = frozenset({"build", "drop", "breakdown"})


def _find_form(text: str, spaced: str) -> Form | None:
    """The form in ``text`` (normalised) or ``spaced`` (the prompt's own letter case, for "AABA")."""
    return _letter_form(spaced) or _named_form(text) or _section_form(text)


def _find_loop(text: str) -> bool | None:
    found = {match.span(): True for match in _LOOP_RE.finditer(text)}
    return _first_not_negated(text, found)


def _letter_form(spaced: str) -> Form | None:
    for match in _LETTERS_RE.finditer(spaced):
        letters = re.findall(r"[A-D]'*", match.group(1))
        bare = [letter.rstrip("'") for letter in letters]
        named = match.group(2) is not None
        if match.group(1).lower() in LETTER_FORM_EXCEPTIONS and not named:
            continue
        if "B" in bare and (named or len(set(bare)) < len(bare)):
            return Form(tuple(Part(letter) for letter in letters), name="".join(letters))
    return None


def _named_form(text: str) -> Form | None:
    found = {match.span(): FORM_PHRASES[match.group(1)] for match in _FORM_NAME_RE.finditer(text)}
    name = _first_not_negated(text, found)
    if name is None:
        return None
    return Form(tuple(Part(section) for section in NAMED_FORMS[name].split()), name=name)


def _section_form(text: str) -> Form | None:
    """Sections in a row that repeats one ("verse, chorus, verse, chorus") or joined by words of order ("intro →
    verse → chorus", "verse then chorus") are the form in that order; otherwise, only mentioned ("a verse, a chorus
    and a bridge"), they shape the genre's usual form around them."""
    words, ruled_out = _section_words(text)
    if not words:
        return Form((), without=tuple(sorted(ruled_out))) if ruled_out else None
    row = _longest_row(text, words)
    names = [name for _, name in row]
    joins = [text[a[0][1] : b[0][0]] for a, b in zip(row, row[1:], strict=False)]
    if len(names) >= 2 and (len(set(names)) < len(names) or any(_ORDER_RE.search(join) for join in joins)):
        return Form(tuple(Part(name) for name in names))
    return _around({name for _, name in words})


def _section_words(text: str) -> tuple[list[tuple[tuple[int, int], str]], set[str]]:
    """(span, section name) of every section word that is one here, not negated; and the names negated ("no
    intro")."""
    found = []
    for match in _SECTION_RE.finditer(text):
        word, (start, end) = match.group(1), match.span()
        if _NOT_SECTION_AFTER_RE.match(text, end):
            continue
        if word in VERB_LIKE_SECTIONS and not _ARTICLE_BEFORE_RE.search(text[max(0, start - 30) : start]):
            continue
        found.append(((start, end), _SECTION_OF[word]))
    negated = _negations(text, [span for span, _ in found])
    kept = [item for item, no in zip(found, negated, strict=True) if not no]
    return kept, {name for (_, name), no in zip(found, negated, strict=True) if no} - {name for _, name in kept}


def _longest_row(text: str, words: list[tuple[tuple[int, int], str]]) -> list[tuple[tuple[int, int], str]]:
    """The longest run of section words joined only by commas, dashes, arrows, "then", "and" …"""
    best: list = []
    row: list = []
    for item in words:
        if row and _JOIN_RE.fullmatch(text[row[-1][0][1] : item[0][0]]):
            row.append(item)
        else:
            row = [item]
        if len(row) > len(best):
            best = list(row)
    return best


def _around(mentioned: set[str]) -> Form:
    """A form holding the sections mentioned: the song's (or, with a drop, the dance track's) core, a bridge before
    the last chorus, a pre-chorus before each chorus, an intro and an outro at the ends. Only an intro or an outro:
    the default form for the length, inside them."""
    core_words = mentioned - {"intro", "outro"}
    if not core_words:
        return Form((), framed=tuple(sorted(mentioned)))
    names = list(DANCE_CORE if core_words & DANCE_SECTIONS else SONG_CORE)
    if "bridge" in mentioned:
        names += ["bridge", names[-1]]
    if "pre-chorus" in mentioned:
        names = [n for name in names for n in (("pre-chorus", name) if name == "chorus" else (name,))]
    names = (["intro"] if "intro" in mentioned else []) + names + (["outro"] if "outro" in mentioned else [])
    return Form(tuple(Part(name) for name in names))
