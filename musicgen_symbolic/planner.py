"""Harmony plans: the chords a piece follows, given in the prompt or planned for its genre, mode and length.

Without a progression in the prompt, one is planned by a small model of the training data's own harmony: for each
genre and mode, a first-order Markov chain over bar-long chords written as Roman numerals ("ii7", "V7",
"Imaj7-vi7" for two chords in a bar), learned from the progressions the procedural composer plays (and, for the
corpus's genres, common-practice progressions), stored beside the model as ``harmony.json``. A plan draws a loop of
four bars (eight for slow-moving chords), repeats it, and ends the piece with a cadence (dominant, then tonic) when
the piece is long enough; the seed makes it reproducible. A key is chosen the same way where the prompt names none.

What the sampler does with a plan is ``pulls.py``; what a chord is, ``theory.py``.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .errors import MusicGenError
from .form import CONTRASTING, FormPlan
from .theory import Chord, Progression, Step, key_of_progression, loop_halves, parse_roman
from .vocabulary import Key

HARMONY_FILE = "harmony.json"
LOOP_BARS = 4
LEANING_QUALITIES = ("sus4", "dim", "aug", "dim7", "m7b5")  # no tonic to end on: they lean on to another chord
HOME_START = 0.75  # the share of planned loops that start on the tonic chord (where the genre's loops ever do)
CONTRAST_HOME_START = 0.25  # the same for a contrasting section's loop (``form.CONTRASTING``)
MOODS_IN_MINOR = frozenset({"sad", "melancholic", "dark", "mysterious", "tense", "epic"})
MOODS_IN_MAJOR = frozenset({"happy", "uplifting", "peaceful", "romantic", "playful"})
# Genres the composer does not play come from the corpus: common-practice progressions stand in for its chords.
COMMON_PRACTICE = {
    "major": ("I IV V I", "I vi ii V", "I V vi iii IV I IV V", "I ii V I", "I IV I V", "I vi IV V"),
    "minor": ("i iv V i", "i VI iv V", "i iv bVII bIII bVI iiø7 V i", "i V i V", "i iv i V"),
}
CORPUS_GENRES = ("classical", "baroque", "chorale")
CORPUS_METRES = {  # the metres of the corpus's pieces of those genres, roughly
    "classical": {"4/4": 0.5, "3/4": 0.3, "2/4": 0.1, "6/8": 0.1},
    "baroque": {"4/4": 0.6, "3/4": 0.3, "2/4": 0.1},
    "chorale": {"4/4": 0.9, "3/4": 0.1},
}


@dataclass
class HarmonyModel:
    """Markov chains over bar chords (Roman numerals), one per "genre/mode" ("" for any genre)."""

    chains: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # context → bar → next bar → count
    starts: dict[str, dict[str, int]] = field(default_factory=dict)  # context → first bar → count
    minor_share: dict[str, float] = field(default_factory=dict)  # genre → share of its pieces in minor
    slow: frozenset[str] = frozenset()  # genres whose chords often last two bars
    metres: dict[str, dict[str, float]] = field(default_factory=dict)  # genre → "3/4" → share of its pieces

    # ------------------------------------------------------------------ learning
    @classmethod
    def learn(cls, progressions: dict[tuple[str, str], list[str]], minor_share: dict[str, float]) -> HarmonyModel:
        """From progressions per (genre, mode), each a string of bar chords ("ii7 V7 Imaj7-vi7 ii7-V7"), read as
        loops (the last bar leads back to the first, as they repeat in the pieces)."""
        model = cls(minor_share=dict(minor_share))
        for (genre, mode), texts in progressions.items():
            for context in (f"{genre}/{mode}", f"/{mode}"):
                chain = model.chains.setdefault(context, {})
                starts = model.starts.setdefault(context, {})
                for text in texts:
                    bars = text.split()
                    starts[bars[0]] = starts.get(bars[0], 0) + 1
                    for here, after in zip(bars, bars[1:] + bars[:1], strict=True):
                        row = chain.setdefault(here, {})
                        row[after] = row.get(after, 0) + 1
        return model

    @classmethod
    def from_training_styles(cls) -> HarmonyModel:
        """The harmony of this project's training data: the composer's styles and, for the corpus's genres,
        common-practice progressions."""
        from .data.composer import STYLES_TABLE

        progressions: dict[tuple[str, str], list[str]] = defaultdict(list)
        minor_share: dict[str, float] = {}
        slow = set()
        for name, style in STYLES_TABLE.items():
            progressions[name, "major"].extend(style.major)
            progressions[name, "minor"].extend(style.minor_progressions)
            minor_share[name] = style.minor
            if max(style.chord_bars) > 1:
                slow.add(name)
        for genre in CORPUS_GENRES:
            for mode, texts in COMMON_PRACTICE.items():
                progressions[genre, mode].extend(texts)
            minor_share[genre] = 0.35
        model = cls.learn(progressions, minor_share)
        model.slow = frozenset(slow)
        model.metres = {
            name: {f"{n}/{d}": w for (n, d), w in style.meters.items()} for name, style in STYLES_TABLE.items()
        }
        model.metres.update(CORPUS_METRES)
        return model

    # ------------------------------------------------------------------ storage
    def save_to(self, path: str | Path) -> Path:
        """Write the model as JSON to ``path`` (a model folder's ``HARMONY_FILE``)."""
        data = {
            "chains": self.chains,
            "starts": self.starts,
            "minor_share": self.minor_share,
            "slow": sorted(self.slow),
            "metres": self.metres,
        }
        Path(path).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        return Path(path)

    @classmethod
    def load(cls, folder: str | Path) -> HarmonyModel:
        """A model folder's ``harmony.json``, or the training styles' harmony when the folder has none."""
        path = Path(folder) / HARMONY_FILE
        if not path.is_file():
            return cls.from_training_styles()
        try:
            data = json.loads(path.read_text())
            slow, metres = frozenset(data.get("slow", ())), data.get("metres", {})
            return cls(data["chains"], data["starts"], data["minor_share"], slow, metres)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise MusicGenError(f"{path} is not a valid harmony model ({error})") from error

    # ------------------------------------------------------------------ planning
    def choose_key(self, genre: str | None, mood: str | None, rng: random.Random) -> Key:
        """A key for a prompt that names none: the mode from the mood, else from how often the genre is minor."""
        if mood in MOODS_IN_MINOR:
            mode = "minor"
        elif mood in MOODS_IN_MAJOR:
            mode = "major"
        else:
            mode = "minor" if rng.random() < self.minor_share.get(genre or "", 0.4) else "major"
        return Key(rng.randrange(12), mode)

    def choose_metre(self, genre: str | None, seed: int | None) -> tuple[int, int] | None:
        """The metre for a prompt that names a genre but no metre, drawn from the genre's own (None without a
        genre): the model, left to choose, drifted to rare metres (jazz in 3/4 or 5/4 nearly half the time)."""
        weights = self.metres.get(genre or "")
        if not weights:
            return None
        rng = random.Random(f"metre/{seed}/{genre}" if seed is not None else None)
        numerator, denominator = _draw({k: round(v * 1000) for k, v in weights.items()}, rng).split("/")
        return int(numerator), int(denominator)

    def loop(self, genre: str | None, mode: str, rng: random.Random, home_start: float = HOME_START) -> list[str]:
        """A loop of bar chords drawn from the chain of the genre and mode (any genre's where it has none);
        ``home_start``: the share of loops that start on the tonic chord (lower for a contrasting section)."""
        context = f"{genre}/{mode}" if f"{genre}/{mode}" in self.chains else f"/{mode}"
        chain, starts = self.chains[context], self.starts[context]
        bars = LOOP_BARS * (2 if genre in self.slow and rng.random() < 0.5 else 1)
        home = {c: n for c, n in starts.items() if c.split("-")[0].rstrip("0123456789majh").lower() == "i"}
        for attempt in range(40):  # a loop on one or two chords is a vamp: draw again (then accept two)
            # most loops start at home, so that the first bar says where home is
            chords = [_draw(home if home and rng.random() < home_start else starts, rng)]
            while len(chords) < LOOP_BARS:
                chords.append(_draw(chain.get(chords[-1]) or starts, rng))
            if len(set(chords)) >= (3 if attempt < 30 else 2):
                break
        if bars > LOOP_BARS:  # slow harmony: each chord held two bars
            chords = [c for c in chords for _ in range(2)]
        return chords

    def plan(
        self,
        key: Key | None,
        genre: str | None,
        mood: str | None,
        seed: int | None,
        progression: Progression | None = None,
        form: FormPlan | None = None,
    ) -> HarmonyPlan:
        """The plan of a piece: the given progression (in its key, or the key its first chord implies), or a loop
        drawn for the genre and mode with a cadence at the end. With a ``form``, each contrasting section (chorus,
        bridge, B …) gets a loop of its own, drawn with its own seed and starting away from home more often; the
        first section's material, intro and outro play the main loop."""
        rng = random.Random(f"harmony/{seed}/{genre}/{mood}" if seed is not None else None)
        if progression is not None:
            if key is None:
                key = key_of_progression(progression) if not progression.roman else self.choose_key(genre, mood, rng)
            return HarmonyPlan(key, loop_halves(progression, key), given=True, form=form)
        key = key or self.choose_key(genre, mood, rng)
        main = self.loop(genre, key.mode, rng)
        sections = []
        for label in CONTRASTING if form is not None else ():
            drawn = random.Random(f"harmony/{seed}/{genre}/{mood}/{label}" if seed is not None else None)
            loop = self.loop(genre, key.mode, drawn, home_start=CONTRAST_HOME_START)
            for _ in range(8):  # a contrasting section that plays the main loop contrasts with nothing
                if loop != main:
                    break
                loop = self.loop(genre, key.mode, drawn, home_start=CONTRAST_HOME_START)
            sections.append((label, loop_halves(_roman_progression(" ".join(loop)), key)))
        halves = loop_halves(_roman_progression(" ".join(main)), key)
        return HarmonyPlan(key, halves, given=False, form=form, section_loops=tuple(sections))


def _draw(counts: dict[str, int], rng: random.Random) -> str:
    total = sum(counts.values())
    pick = rng.random() * total
    for chord, count in sorted(counts.items()):
        pick -= count
        if pick < 0:
            return chord
    return max(counts, key=counts.__getitem__)


def _roman_progression(text: str) -> Progression:
    """Bar chords ("ii7 V7 Imaj7-vi7") as a progression: a bar with two chords gives each half a bar."""
    steps = []
    for bar in text.split():
        chords = bar.split("-")
        steps.extend(Step(chord, 1 / len(chords)) for chord in chords)
    return Progression(tuple(steps), roman=True)


@dataclass(frozen=True)
class HarmonyPlan:
    """The key and the chord of every half bar: ``loop`` repeats; a planned (not given) progression ends with a
    cadence, the dominant then the tonic, in pieces of at least ``2 · LOOP_BARS`` bars.

    With a form (``form.FormPlan``), every section of a planned progression starts its loop from its first bar (so
    a returning section has the chords it had; a given progression runs on unbroken, and the default form's
    sections hold whole passes of it), a contrasting section plays its own loop (``section_loops``), a planned
    progression ends every section but the last on the dominant (a half cadence), and a loop's last bar ends on the
    dominant, leading back to the first chord."""

    key: Key
    loop: tuple[Chord, ...]  # chord per half bar, one loop
    given: bool = False  # the user's progression: followed exactly, no cadence added
    form: FormPlan | None = field(default=None, repr=False)
    section_loops: tuple[tuple[str, tuple[Chord, ...]], ...] = ()  # section label → its own loop

    @property
    def tonic(self) -> Chord:
        """The final chord: the loop's own tonic chord (Imaj7 in jazz, i7 in lo-fi; not one that leans on, such as
        Csus4, which a file continued may have), else the plain triad."""
        own = [
            c for c in self.loop if c.root == self.key.tonic and c.bass is None and c.quality not in LEANING_QUALITIES
        ]
        if own:
            return own[0]
        major, sevenths = self.key.mode == "major", self._sevenths
        return parse_roman(("Imaj7" if major else "i7") if sevenths else ("I" if major else "i"), self.key)

    @property
    def _sevenths(self) -> bool:
        return any(len(c.tones) >= 4 for c in self.loop)

    @property
    def dominant(self) -> Chord:
        """V7 where the loop has seventh chords, else V."""
        return parse_roman("V7" if self._sevenths else "V", self.key)

    @cached_property
    def _loop_of(self) -> dict[str, tuple[Chord, ...]]:
        """Section label → its loop (built once: ``chord_at`` runs for every pitch drawn)."""
        return dict(self.section_loops)

    @property
    def all_chords(self) -> list[Chord]:
        """Every chord the plan may name, once each."""
        chords = [*self.loop, *(c for _, loop in self.section_loops for c in loop), self.tonic, self.dominant]
        return list(dict.fromkeys(chords))

    def chord_at(self, half: int, total_bars: int | None) -> Chord:
        """The chord of half bar ``half`` (0-based) in a piece of ``total_bars`` bars (None: not known yet)."""
        bar = half // 2
        if self.form is None or total_bars is None or self.given:  # the user's progression runs on unbroken
            loop, start = self.loop, 0
        else:
            section = self.form.layout(total_bars).section_at(bar)
            loop, start = self._loop_of.get(section.label, self.loop), section.start
        chord = loop[(half - 2 * start) % len(loop)]
        if self.given or total_bars is None:
            return chord
        looping = self.form is not None and self.form.loop
        if looping:
            return self.dominant if bar == total_bars - 1 and half % 2 else chord
        if total_bars >= 2 * LOOP_BARS:
            if bar == total_bars - 1:
                return self.tonic
            if bar == total_bars - 2:
                return self.dominant if half % 2 else chord
        if self.form is not None and half % 2 and self.form.layout(total_bars).before_new_section(bar):
            return self.dominant  # a half cadence: the section ends open, the next one resolves it
        return chord

    def same_chords(self, bar: int, other: int, total_bars: int) -> bool:
        """Whether two bars have the same chords in both halves."""
        return all(self.chord_at(2 * bar + h, total_bars) == self.chord_at(2 * other + h, total_bars) for h in (0, 1))

    def chords(self, bars: int, total_bars: int | None = None) -> list[Chord]:
        """The chord of every half bar of the first ``bars`` bars of a piece of ``total_bars`` (default: as many)."""
        return [self.chord_at(half, total_bars or bars) for half in range(2 * bars)]

    def symbols(self, bars: int, total_bars: int | None = None) -> str:
        """Bar by bar, as a musician would write it: "Dm | Bb | F | C C7 | …" (a bar's two halves when they differ):
        the first ``bars`` bars of a piece of ``total_bars`` (default: as many)."""
        chords = self.chords(bars, total_bars)
        cells = []
        for bar in range(bars):
            first, second = chords[2 * bar], chords[2 * bar + 1]
            a, b = first.spelled(self.key), second.spelled(self.key)
            cells.append(a if first == second else f"{a} {b}")
        return " | ".join(cells)

    def changes(self, bars: int, seconds_per_bar: float) -> list[tuple[float, str]]:
        """(time, chord symbol) wherever the chord changes: the MIDI file's markers."""
        out: list[tuple[float, str]] = []
        previous = None
        for half, chord in enumerate(self.chords(bars)):
            if chord != previous:
                out.append((half * seconds_per_bar / 2, chord.spelled(self.key)))
                previous = chord
        return out
