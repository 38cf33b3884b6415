"""Form: the sections of a piece, which of them return, and what each bar does because of it.

A :class:`Form` is what was asked for: sections in order, each with a name and, maybe, a length in bars
(``--form "intro:4 verse:8 chorus:8 verse:8 chorus:8 outro:4"``, "AABA" in a prompt, or a default chosen for the
length and genre). Sections with the same name are the same material: the second verse is the first one again.
Its :meth:`Form.layout` at a piece's length gives a :class:`Layout`: where every section starts, and for every bar
the earlier bar it may copy (the same place in the section's first occurrence), whether it is the last bar before a
new section (a drum fill), which kinds of instrument rest in it (an intro without drums and lead), and whether it is
the piece's last bar (a held final chord).

Which returning bars are copied is decided with the harmony (a bar is copied only where its chords equal the
source's) and ``--variation`` (a growing share of returning bars gets a new melody over the same accompaniment,
then is played afresh): :class:`FormPlan`, which the grammar reads bar by bar. The grammar replays a copied bar's
tokens through the model (``grammar.py``), so what follows hears what was played.

The words are data (``lexicon.SECTION_PHRASES``, ``NAMED_FORMS``, ``RESTS``); finding them in a prompt is ``prompt/form.py``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from .errors import MusicGenError
from .lexicon import SECTION_PHRASES
from .vocabulary import ROLE_PROGRAMS

MAX_SECTIONS = 64
PHRASE_BARS = 8  # a section of a default form, in pieces of 16 bars or more
SHORT_PHRASE_BARS = 4  # in shorter pieces
PERIOD_PHRASE_BARS, PERIOD_ECHO_BARS = 4, 2  # inside a section: each 4-bar phrase starts as the one before did
HALF_SECTIONS = frozenset({"intro", "outro", "build", "pre-chorus", "coda"})  # half a phrase where no length is given

# Section names a form may use: the prompt's words for them (``lexicon.SECTION_PHRASES``), and in ``--form`` also
# words too ambiguous in prose ("a catchy hook", "a guitar solo").
FLAG_ONLY_SECTION_WORDS: dict[str, tuple[str, ...]] = {
    "chorus": ("hook",),
    "build": ("riser",),
    "solo": ("solo", "solo section", "instrumental break"),
    "outro": ("ending",),
}
SECTION_WORDS: dict[str, tuple[str, ...]] = {
    name: tuple(dict.fromkeys((name, *SECTION_PHRASES.get(name, ()), *FLAG_ONLY_SECTION_WORDS.get(name, ()))))
    for name in (*SECTION_PHRASES, *FLAG_ONLY_SECTION_WORDS)
}
# The sections that play the piece's main material (its first section's chords); every other one has its own.
MAIN_MATERIAL = ("A", "verse", "intro", "outro")
CONTRASTING = tuple(name for name in (*"BCDEFGH", *SECTION_WORDS) if name not in MAIN_MATERIAL)
SECTION_OF_WORD = {word: name for name, words in SECTION_WORDS.items() for word in words}

# Forms known by name (``--form rondo``, "in rondo form"): the sections in order, lengths from the piece's length.
NAMED_FORMS: dict[str, str] = {
    "aaba": "A A B A",
    "abab": "A B A B",
    "aabb": "A A B B",
    "aba": "A B A",
    "ternary": "A B A",
    "binary": "A B",
    "rondo": "A B A C A",
    "verse-chorus": "verse chorus verse chorus",
    "song": "verse chorus verse chorus bridge chorus",
    "strophic": "A A A A",
    "through-composed": "A B C D",
}

# Kinds of instrument that rest in a section, so that it contrasts with the others: an intro before the band comes
# in, a breakdown without the beat. A rest applies only where another instrument plays on.
RESTS: dict[str, frozenset[str]] = {
    "intro": frozenset({"drums", "melody"}),
    "breakdown": frozenset({"drums", "bass"}),
    "build": frozenset({"bass"}),
}


def rested_programs(programs: frozenset[int], roles: frozenset[str]) -> frozenset[int]:
    """The programs (General MIDI numbers, drums -1) among ``programs`` that a section resting ``roles`` rests: none
    where nothing else would play on."""
    rested = frozenset(p for p in programs if any(p in ROLE_PROGRAMS[role] for role in roles))
    return rested if rested and programs - rested else frozenset()


# How loud each section plays, as a factor on its notes' velocities: a chorus or a drop lifts, an intro, a breakdown
# and an outro hold back (sections not named here: 1).
SECTION_ENERGY: dict[str, float] = {
    "intro": 0.85, "verse": 0.95, "pre-chorus": 1.0, "chorus": 1.1, "bridge": 0.95, "breakdown": 0.85,
    "build": 1.0, "drop": 1.12, "outro": 0.9, "B": 1.05,
}  # fmt: skip

# Default forms for the genres whose music is written in songs or dance tracks (others: lettered phrases).
SONG_GENRES = frozenset({"pop", "rock", "country", "funk", "reggae", "soul", "disco", "hip-hop", "metal", "ballad"})
DANCE_GENRES = frozenset({"edm", "techno", "electronic"})
# Their sections by the number of phrases (8 bars each; 4 in pieces under 16 bars).
SONG_SECTIONS = {
    2: "verse chorus",
    3: "verse chorus chorus",
    4: "verse chorus verse chorus",
    5: "verse chorus verse chorus chorus",
    6: "verse chorus verse chorus bridge chorus",
    7: "verse chorus verse chorus bridge chorus chorus",
}
DANCE_SECTIONS = {
    2: "build drop",
    3: "intro build drop",
    4: "intro drop breakdown drop",
    5: "intro build drop breakdown drop",
    6: "intro build drop breakdown build drop",
    7: "intro build drop breakdown build drop outro",
}
# Lettered phrases by their count: each tuple holds the choices the seed picks from.
LETTER_FORMS = {
    1: ("A",),
    2: ("A A",),
    3: ("A B A", "A A B"),
    4: ("A A B A", "A B A B"),
    5: ("A A B A A", "A B A C A"),
    6: ("A A B A B A", "A A B B A A"),
}

_PART_RE = re.compile(r"([A-Za-z][\w'-]*(?: [a-z]+)?)(?::(\d+))?")
_LETTERS_RE = re.compile(r"[A-H]'*(?:[\s-]*[A-H]'*)+")


@dataclass(frozen=True)
class Part:
    """One section as asked for: its name ("verse", "A") and its length in bars (None: a share of the piece)."""

    name: str
    bars: int | None = None

    @property
    def label(self) -> str:
        """The material it plays: sections with the same label are the same music ("A'" is A again)."""
        return self.name.rstrip("'")

    def __str__(self) -> str:
        return self.name if self.bars is None else f"{self.name}:{self.bars}"


@dataclass(frozen=True)
class Form:
    """The sections of a piece in order. ``default``: chosen for the length and genre, not asked for."""

    parts: tuple[Part, ...]
    name: str | None = None
    default: bool = False
    framed: tuple[str, ...] = ()  # with no parts: the default form for the length, inside these ("intro", "outro")
    without: tuple[str, ...] = ()  # with no parts: sections the default form leaves out ("no intro")

    @property
    def bars(self) -> int | None:
        """The length the form fixes, where every section has one (a default form inside a frame fixes none)."""
        if not self.parts or any(part.bars is None for part in self.parts):
            return None
        return sum(part.bars for part in self.parts)  # type: ignore[misc]

    def __str__(self) -> str:
        if not self.parts:
            around = ("intro",) * ("intro" in self.framed) + ("…",) + ("outro",) * ("outro" in self.framed)
            return " ".join(around) + "".join(f" (no {name})" for name in self.without)
        text = " ".join(map(str, self.parts))
        return f"{self.name} ({text})" if self.name and self.name.upper() != text.replace(" ", "") else text

    def layout(self, total_bars: int) -> Layout:
        """The sections placed in a piece of ``total_bars`` bars: unsized sections share what the sized ones leave
        (an intro or outro half a phrase), and a form longer than the piece loses its last sections."""
        lengths = _fit(self.parts, total_bars)
        sections, start, seen = [], 0, {}
        for part, bars in zip(self.parts, lengths, strict=True):
            if bars <= 0 or start >= total_bars:
                continue
            bars = min(bars, total_bars - start)
            seen[part.label] = seen.get(part.label, 0) + 1
            sections.append(Section(part.name, part.label, start, bars, seen[part.label]))
            start += bars
        if start < total_bars:  # a sized form shorter than the piece: its last section goes on
            last = sections[-1]
            sections[-1] = Section(last.name, last.label, last.start, last.bars + total_bars - start, last.number)
        return Layout(tuple(sections), total_bars)


@dataclass(frozen=True)
class Section:
    name: str
    label: str
    start: int  # first bar, 0-based
    bars: int
    number: int  # 1 for the first section with this label, 2 for its first return …

    @property
    def end(self) -> int:
        return self.start + self.bars

    @property
    def title(self) -> str:
        """As a marker shows it: "Verse 2", "Intro", "A"."""
        if len(self.name) <= 2 and self.name[:1].isupper():
            return self.name
        base = self.name[:1].upper() + self.name[1:]
        return f"{base} {self.number}" if self.number > 1 or self.name in ("verse", "chorus") else base


@dataclass(frozen=True)
class Layout:
    """The sections of one piece, and what each bar (0-based) does because of them."""

    sections: tuple[Section, ...]
    total: int

    @cached_property
    def _section_index(self) -> list[int]:
        return [i for i, s in enumerate(self.sections) for _ in range(s.bars)]

    def section_at(self, bar: int) -> Section:
        return self.sections[self._section_index[min(max(bar, 0), self.total - 1)]]

    def source_of(self, bar: int) -> int | None:
        """The earlier bar that ``bar`` repeats: the same place in the first section with the same material, where
        ``bar`` is in a return; else, in a section of 8 bars or more, the bar a phrase back where a phrase's first
        two bars start like the one before (a period: the answer begins as the question did, then ends elsewhere)."""
        section = self.section_at(bar)
        offset = bar - section.start
        if section.number > 1:
            first = next(s for s in self.sections if s.label == section.label)
            if offset < first.bars:
                return first.start + offset
        if section.bars >= 2 * PERIOD_PHRASE_BARS and offset >= PERIOD_PHRASE_BARS:
            if offset % PERIOD_PHRASE_BARS < PERIOD_ECHO_BARS:
                return bar - PERIOD_PHRASE_BARS
        return None

    def before_new_section(self, bar: int) -> bool:
        """The last bar of a section that another follows: where the drums fill."""
        return bar + 1 < self.total and self.section_at(bar + 1).start == bar + 1

    def section_end(self, bar: int) -> bool:
        return self.section_at(bar).end == bar + 1

    def rests(self, bar: int) -> frozenset[str]:
        """The kinds of instrument resting in ``bar`` ("drums", "bass", "melody")."""
        return RESTS.get(self.section_at(bar).name, frozenset())

    def dynamics(self) -> list[tuple[int, int, float]]:
        """(first bar, end bar, velocity factor) of every section whose loudness differs from 1."""
        return [(s.start, s.end, SECTION_ENERGY[s.label]) for s in self.sections if s.label in SECTION_ENERGY]

    def markers(self, seconds_per_bar: float) -> list[tuple[float, str]]:
        """(time, "[Verse 2]") at each section's start: bracketed, as chord sheets write sections."""
        if len(self.sections) < 2:
            return []
        return [(s.start * seconds_per_bar, f"[{s.title}]") for s in self.sections]


@dataclass
class FormPlan:
    """The form of one generation: its layout at the piece's length, which returning bars are copied (their chords
    equal the source's, and the seed's draw against ``variation`` keeps them), and whether the piece is a loop."""

    form: Form | None
    genre: str | None = None
    seed: int | None = None
    variation: float = 0.0
    loop: bool = False
    progression_bars: int | None = None  # a given progression's length: default sections hold whole passes of it
    # (bar, bar, total) → whether two bars have the same chords (the harmony plan's)
    same_chords: Callable[[int, int, int], bool] | None = field(default=None, compare=False, repr=False)
    _layouts: dict[int, Layout] = field(default_factory=dict, compare=False, repr=False)
    _decided_at: dict[int, tuple[dict[int, int], dict[int, int]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def layout(self, total_bars: int) -> Layout:
        if total_bars not in self._layouts:
            form = self.form if self.form is not None and self.form.parts else self._default(total_bars)
            self._layouts[total_bars] = form.layout(total_bars)
        return self._layouts[total_bars]

    def _default(self, total_bars: int) -> Form:
        """The default form for the length and genre, inside an intro and an outro where asked for (4 bars each
        from 16 bars, 2 in shorter pieces), without the sections ruled out."""
        framed, without = (self.form.framed, self.form.without) if self.form is not None else ((), ())
        frame = SHORT_PHRASE_BARS if total_bars >= 16 else 2 if total_bars >= 6 else 0
        if not frame:
            framed = ()
        inner = total_bars - frame * len(framed)
        core = default_form(
            inner, self.genre, self.seed, self.progression_bars, framed=bool(framed), without=frozenset(without)
        ).parts
        intro = (Part("intro", frame),) if "intro" in framed else ()
        outro = (Part("outro", frame),) if "outro" in framed else ()
        return Form(intro + core + outro, default=True)

    def copies(self, total_bars: int) -> dict[int, int]:
        """Returning bar → the earlier bar it replays whole. The last bar is never copied: it ends the piece."""
        return self._decided(total_bars)[0]

    def variations(self, total_bars: int) -> dict[int, int]:
        """Returning bar → the earlier bar whose accompaniment it replays under a new melody."""
        return self._decided(total_bars)[1]

    def _decided(self, total_bars: int) -> tuple[dict[int, int], dict[int, int]]:
        """Which returning bars (those whose chords equal their source's) are replayed whole, which under a new
        melody, and (neither) which are played afresh. ``variation`` up to 0.5 re-plays the melody of a growing
        share of them over the same accompaniment, beyond 0.5 a growing share afresh as a whole; later bars of a
        section vary more than its first ones, which make the return recognisable (a weight from near 0 to 2
        along the section; 0 and 1 stay none and all). One draw a bar, so the curve is smooth."""
        if total_bars not in self._decided_at:
            layout = self.layout(total_bars)
            rng = random.Random(f"variation/{self.seed}" if self.seed is not None else None)
            melody, whole = min(1.0, 2 * self.variation), max(0.0, 2 * self.variation - 1)
            copies, varied = {}, {}
            for bar in range(total_bars - 1):
                source = layout.source_of(bar)
                section = layout.section_at(bar)
                weight = 2 * (bar - section.start + 0.5) / section.bars
                draw = rng.random()
                if source is None or draw < 1 - (1 - whole) ** weight:
                    continue
                if self.same_chords is not None and not self.same_chords(bar, source, total_bars):
                    continue
                (varied if draw < 1 - (1 - melody) ** weight else copies)[bar] = source
            self._decided_at[total_bars] = copies, varied
        return self._decided_at[total_bars]

    def copy_of(self, bar: int, total_bars: int | None) -> int | None:
        return None if total_bars is None else self.copies(total_bars).get(bar)

    def variation_of(self, bar: int, total_bars: int | None) -> int | None:
        return None if total_bars is None else self.variations(total_bars).get(bar)

    def ends_held(self, bar: int, total_bars: int | None) -> bool:
        """The piece's last bar, held as one chord (a loop's last bar leads on instead)."""
        return not self.loop and total_bars is not None and bar == total_bars - 1

    def fills(self, bar: int, total_bars: int | None) -> bool:
        if total_bars is None:
            return False
        return self.layout(total_bars).before_new_section(bar) or (self.loop and bar == total_bars - 1)

    def rests(self, bar: int, total_bars: int | None) -> frozenset[str]:
        return frozenset() if total_bars is None else self.layout(total_bars).rests(bar)

    def starts_section(self, bar: int, total_bars: int | None) -> bool:
        """The first bar of a section after the first one."""
        return total_bars is not None and bar > 0 and self.layout(total_bars).section_at(bar).start == bar


def parse_form(text: str) -> Form:
    """``--form``: sections with optional bars ("intro:4 verse:8 chorus:8", "A:8 A:8 B:8 A:8"), letters ("AABA",
    "A A B A"), or a form's name ("rondo", "verse-chorus")."""
    if not isinstance(text, str) or not text.strip():
        raise MusicGenError("--form is empty: write sections like 'verse:8 chorus:8', letters like AABA, or a name")
    cleaned = " ".join(text.replace(",", " ").replace("|", " ").split())
    named = NAMED_FORMS.get(cleaned.lower())
    if named is not None:
        return Form(tuple(Part(name) for name in named.split()), name=cleaned.lower())
    if _LETTERS_RE.fullmatch(cleaned):
        return Form(tuple(Part(letter) for letter in re.findall(r"[A-H]'*", cleaned)), name=cleaned.replace(" ", ""))
    parts = []
    for word in _split_parts(cleaned):
        match = _PART_RE.fullmatch(word)
        if match is None:
            raise MusicGenError(f"--form: cannot read {word!r}: write a section as NAME or NAME:BARS, e.g. verse:8")
        parts.append(Part(_section_name(match.group(1)), int(match.group(2)) if match.group(2) else None))
    return check_form(Form(tuple(parts)))


def _split_parts(text: str) -> list[str]:
    """Words of a form, keeping two-word section names ("pre chorus:4", "middle eight") together."""
    words, out = text.split(" "), []
    while words:
        word = words.pop(0)
        if words and f"{word} {words[0].split(':')[0]}".lower() in SECTION_OF_WORD:
            word = f"{word} {words.pop(0)}"
        out.append(word)
    return out


def _section_name(word: str) -> str:
    if re.fullmatch(r"[A-H]'*", word):
        return word
    name = SECTION_OF_WORD.get(word.lower())
    if name is None:
        known = ", ".join(SECTION_WORDS)
        raise MusicGenError(f"--form: unknown section {word!r}: use {known}, or letters A–H")
    return name


def check_form(form: Form) -> Form:
    from .constants import MAX_BARS

    if not form.parts:
        raise MusicGenError("the form has no sections")
    if len(form.parts) > MAX_SECTIONS:
        raise MusicGenError(f"the form has {len(form.parts)} sections: at most {MAX_SECTIONS}")
    for part in form.parts:
        if part.bars is not None and not 1 <= part.bars <= MAX_BARS:
            raise MusicGenError(f"section {part.name} lasts {part.bars} bars: give 1–{MAX_BARS}")
    if form.bars is not None and form.bars > MAX_BARS:
        raise MusicGenError(f"the form lasts {form.bars} bars: at most {MAX_BARS}")
    return form


def default_form(
    total_bars: int,
    genre: str | None,
    seed: int | None,
    progression_bars: int | None = None,
    framed: bool = False,
    without: frozenset[str] = frozenset(),
) -> Form:
    """The form of a piece whose prompt names none: one phrase up to 8 bars; songs in verses and choruses, dance
    tracks with a drop, everything else in lettered phrases (16 bars A A, 32 bars A A B A); the seed picks among
    the usual choices. With a given progression of more than 4 bars (a 12-bar blues), each section is a whole pass
    of it (a piece shorter than two passes is one section). A song with 4 bars to spare starts with them as an intro
    (not where the form is ``framed`` by an intro or outro asked for, nor where ``without`` rules one out); other
    spare bars lengthen the last section."""
    rng = random.Random(f"form/{seed}/{genre}/{total_bars}" if seed is not None else None)
    if progression_bars and progression_bars > SHORT_PHRASE_BARS:  # sections of whole passes (or one section)
        count = max(1, total_bars // progression_bars)
        parts = [Part("A", progression_bars if count > 1 else total_bars) for _ in range(count)]
        return Form(tuple(_lengthened(parts, total_bars)), name="choruses", default=True)
    phrase = PHRASE_BARS if total_bars >= 2 * PHRASE_BARS else SHORT_PHRASE_BARS
    count = 1 if total_bars <= PHRASE_BARS else total_bars // phrase
    sections = SONG_SECTIONS if genre in SONG_GENRES else DANCE_SECTIONS if genre in DANCE_GENRES else None
    if sections and count >= 2:
        left_out = without | ({"intro", "outro"} if framed else set())
        names = [n for n in _repeated(sections, count).split() if n not in left_out]
        names += [names[-1]] * (count - len(names))  # the main section again where a framed intro's place was
        parts = [Part(name, phrase) for name in names]
        spare = total_bars - phrase * len(parts)
        if spare == SHORT_PHRASE_BARS and not framed and "intro" not in without and names[0] != "intro":
            parts.insert(0, Part("intro", spare))
        return Form(tuple(_lengthened(parts, total_bars)), default=True)
    letters = _repeated({n: rng.choice(forms) for n, forms in LETTER_FORMS.items()}, count).split()[:count]
    parts = [Part(letter, phrase if count > 1 else total_bars) for letter in letters]
    return Form(tuple(_lengthened(parts, total_bars)), default=True)


def _repeated(sections: dict[int, str], count: int) -> str:
    """The sections for ``count`` phrases: the table's, or beyond it the longest one's, then its four-phrase form's
    middle again and again, ending on a section that can end a piece."""
    if count in sections:
        return sections[count]
    names = _repeated_names(sections, count)
    return " ".join([*names[:-1], ENDING_INSTEAD.get(names[-1], names[-1])])


ENDING_INSTEAD = {"verse": "chorus", "bridge": "chorus", "B": "A", "C": "A", "build": "drop", "breakdown": "drop"}


def _repeated_names(sections: dict[int, str], count: int) -> list[str]:
    longest = sections[max(sections)].split()
    outro = longest[-1:] if longest[-1] == "outro" else []
    body = longest[: len(longest) - len(outro)]
    middle = [n for n in sections[4].split() if n not in ("intro", "outro")]
    while len(body) + len(outro) < count:
        body += middle
    return body[: count - len(outro)] + outro


def _lengthened(parts: list[Part], total_bars: int) -> list[Part]:
    """The last section lengthened to end with the piece."""
    spare = total_bars - sum(p.bars or 0 for p in parts)
    return [*parts[:-1], Part(parts[-1].name, (parts[-1].bars or 0) + spare)] if spare > 0 else parts


def _fit(parts: tuple[Part, ...], total: int) -> list[int]:
    """Each part's bars: the given ones as given; the others share the rest as phrases of one even length (a half
    section half of it), so that sections with the same material are equally long; what is left over lengthens
    the last full section."""
    given = sum(part.bars or 0 for part in parts)
    free = [i for i, part in enumerate(parts) if part.bars is None]
    lengths = [part.bars or 0 for part in parts]
    if not free:
        return lengths
    halves = sum(parts[i].name in HALF_SECTIONS for i in free)
    units = len(free) - halves / 2
    left = max(total - given, 0)
    phrase = max(2, int(left / units) // 2 * 2) if left >= 2 * units else max(1, int(left / units))
    for i in free:
        lengths[i] = max(1, phrase // 2) if parts[i].name in HALF_SECTIONS else phrase
    full = [i for i in free if parts[i].name not in HALF_SECTIONS] or free
    lengths[full[-1]] += max(0, left - sum(lengths[i] for i in free))
    return lengths
