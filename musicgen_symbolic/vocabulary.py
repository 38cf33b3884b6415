"""The music vocabulary every part of the generator shares: General MIDI programs, pitch classes, keys, the
attributes of a piece, and the genre and mood labels of the model's control tokens.

Like pretty-midi's or MidiTok's ``constants``: names and small value types, no parsing (that is
:mod:`musicgen_symbolic.prompt`, and the everyday words it reads are :mod:`musicgen_symbolic.lexicon`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # theory imports this module: a progression is only named here
    from .form import Form
    from .theory import Progression

DRUMS = -1  # miditok's program number for the drum kit

GM_NAMES = (
    "Acoustic Grand Piano",
    "Bright Acoustic Piano",
    "Electric Grand Piano",
    "Honky-tonk Piano",
    "Electric Piano 1",
    "Electric Piano 2",
    "Harpsichord",
    "Clavinet",
    "Celesta",
    "Glockenspiel",
    "Music Box",
    "Vibraphone",
    "Marimba",
    "Xylophone",
    "Tubular Bells",
    "Dulcimer",
    "Drawbar Organ",
    "Percussive Organ",
    "Rock Organ",
    "Church Organ",
    "Reed Organ",
    "Accordion",
    "Harmonica",
    "Tango Accordion",
    "Acoustic Guitar (nylon)",
    "Acoustic Guitar (steel)",
    "Electric Guitar (jazz)",
    "Electric Guitar (clean)",
    "Electric Guitar (muted)",
    "Overdriven Guitar",
    "Distortion Guitar",
    "Guitar Harmonics",
    "Acoustic Bass",
    "Electric Bass (finger)",
    "Electric Bass (pick)",
    "Fretless Bass",
    "Slap Bass 1",
    "Slap Bass 2",
    "Synth Bass 1",
    "Synth Bass 2",
    "Violin",
    "Viola",
    "Cello",
    "Contrabass",
    "Tremolo Strings",
    "Pizzicato Strings",
    "Orchestral Harp",
    "Timpani",
    "String Ensemble 1",
    "String Ensemble 2",
    "Synth Strings 1",
    "Synth Strings 2",
    "Choir Aahs",
    "Voice Oohs",
    "Synth Choir",
    "Orchestra Hit",
    "Trumpet",
    "Trombone",
    "Tuba",
    "Muted Trumpet",
    "French Horn",
    "Brass Section",
    "Synth Brass 1",
    "Synth Brass 2",
    "Soprano Sax",
    "Alto Sax",
    "Tenor Sax",
    "Baritone Sax",
    "Oboe",
    "English Horn",
    "Bassoon",
    "Clarinet",
    "Piccolo",
    "Flute",
    "Recorder",
    "Pan Flute",
    "Blown Bottle",
    "Shakuhachi",
    "Whistle",
    "Ocarina",
    "Lead 1 (square)",
    "Lead 2 (sawtooth)",
    "Lead 3 (calliope)",
    "Lead 4 (chiff)",
    "Lead 5 (charang)",
    "Lead 6 (voice)",
    "Lead 7 (fifths)",
    "Lead 8 (bass + lead)",
    "Pad 1 (new age)",
    "Pad 2 (warm)",
    "Pad 3 (polysynth)",
    "Pad 4 (choir)",
    "Pad 5 (bowed)",
    "Pad 6 (metallic)",
    "Pad 7 (halo)",
    "Pad 8 (sweep)",
    "FX 1 (rain)",
    "FX 2 (soundtrack)",
    "FX 3 (crystal)",
    "FX 4 (atmosphere)",
    "FX 5 (brightness)",
    "FX 6 (goblins)",
    "FX 7 (echoes)",
    "FX 8 (sci-fi)",
    "Sitar",
    "Banjo",
    "Shamisen",
    "Koto",
    "Kalimba",
    "Bagpipe",
    "Fiddle",
    "Shanai",
    "Tinkle Bell",
    "Agogo",
    "Steel Drums",
    "Woodblock",
    "Taiko Drum",
    "Melodic Tom",
    "Synth Drum",
    "Reverse Cymbal",
    "Guitar Fret Noise",
    "Breath Noise",
    "Seashore",
    "Bird Tweet",
    "Telephone Ring",
    "Helicopter",
    "Applause",
    "Gunshot",
)

PITCH_CLASSES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")

# The genre and mood labels: the model's control-token vocabulary (the tokenizer makes ``GENRE_<label>`` and
# ``MOOD_<label>`` tokens from them, in this order, so a checkpoint depends on it). The everyday words for each are
# in ``lexicon.GENRES`` / ``lexicon.MOODS``.
GENRE_LABELS = (
    "pop", "rock", "jazz", "swing", "bossa nova", "lo-fi", "edm", "techno", "electronic", "ambient", "funk", "reggae",
    "metal", "hip-hop", "ballad", "waltz", "march", "classical", "baroque", "chorale", "folk", "blues", "country",
    "latin", "cinematic", "disco", "soul",
)  # fmt: skip
MOOD_LABELS = (
    "calm", "peaceful", "relaxing", "happy", "sad", "melancholic", "energetic", "dark", "romantic", "epic", "uplifting",
    "mysterious", "tense", "dreamy",
)  # fmt: skip


@dataclass(frozen=True)
class Key:
    """A tonic pitch class (0 = C) and a mode."""

    tonic: int
    mode: str  # "major" | "minor"

    @property
    def name(self) -> str:
        """The key as musicians spell it: "C# minor" and "G# minor", not "Db minor" (8 flats) or "Ab minor"."""
        minor_sharps = {1: "C#", 8: "G#"}
        letter = minor_sharps.get(self.tonic) if self.mode == "minor" else None
        return f"{letter or PITCH_CLASSES[self.tonic]} {self.mode}"

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Attributes:
    """What the user asked for. ``None`` means "let the model choose"."""

    tempo: float | None = None
    key: Key | None = None
    time_signature: tuple[int, int] | None = None
    instruments: tuple[int, ...] | None = None
    genre: str | None = None
    mood: str | None = None
    bars: int | None = None
    seconds: float | None = None
    without: tuple[int, ...] | None = None  # programs to leave out where the model chooses ("without drums")
    chords: Progression | None = None  # the chord progression, repeated to fill the piece (no control token)
    form: Form | None = None  # the sections in order (None: a default form for the length and genre)
    loop: bool | None = None  # True: written to tile seamlessly, no ending

    def merged(self, **overrides: object) -> Attributes:
        """Return a copy where every non-None override replaces the parsed value."""
        values = {k: v for k, v in overrides.items() if v is not None}
        if "bars" in values:
            values["seconds"] = None
        elif "seconds" in values:
            values["bars"] = None
        return replace(self, **values)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["key"] = self.key.name if self.key else None
        data["time_signature"] = "/".join(map(str, self.time_signature)) if self.time_signature else None
        data["instruments"] = [program_name(p) for p in self.instruments] if self.instruments else None
        data["without"] = _describe_left_out(self.without) if self.without else None
        data["chords"] = str(self.chords) if self.chords else None
        data["form"] = str(self.form) if self.form else None
        return data


def program_name(program: int) -> str:
    return "Drums" if program == DRUMS else GM_NAMES[program]


class Track(Protocol):
    """A pretty_midi instrument or a symusic track."""

    is_drum: bool
    program: int


def program_of(track: Track) -> int:
    """A track's program as attributes name instruments: its General MIDI program, or ``DRUMS`` for drums."""
    return DRUMS if track.is_drum else int(track.program)


def gm_family(program: int) -> int:
    """The General MIDI family of a program (eight programs each); the drum kit is a family of its own (-1)."""
    return DRUMS if program == DRUMS else program // 8


# What "without <instrument>" leaves out: the kind of instrument, as a musician groups them (finer than General
# MIDI's families, which put harp and timpani with the violins and choirs with the string ensembles).
INSTRUMENT_KINDS: dict[str, tuple[int, ...]] = {
    "Drums": (DRUMS,),
    "Pianos": tuple(range(0, 8)),
    "Mallets and bells": tuple(range(8, 16)),
    "Organs": tuple(range(16, 21)),
    "Accordions and harmonicas": (21, 22, 23),
    "Guitars": tuple(range(24, 32)),
    "Basses": tuple(range(32, 40)),
    "Strings": (40, 41, 42, 43, 44, 45, 48, 49, 50, 51),
    "Harp": (46,),
    "Timpani": (47,),
    "Voices": (52, 53, 54),
    "Orchestra hit": (55,),
    "Brass": tuple(range(56, 64)),
    "Saxophones": (64, 65, 66, 67),
    "Double reeds and clarinet": (68, 69, 70, 71),
    "Flutes and pipes": tuple(range(72, 80)),
    "Synth leads": tuple(range(80, 88)),
    "Synth pads": tuple(range(88, 96)),
    "Synth effects": tuple(range(96, 104)),
    "World instruments": tuple(range(104, 112)),
    "Percussion": tuple(range(112, 120)),
    "Sound effects": tuple(range(120, 128)),
}
_KIND_OF = {program: kind for kind, programs in INSTRUMENT_KINDS.items() for program in programs}


# Instruments that carry a tune (General MIDI): violin and viola, the brass, reeds and pipes, synth leads, and the
# folk melody instruments (sitar, banjo, shamisen, koto, kalimba, bagpipe, fiddle, shanai).
MELODY_PROGRAMS = frozenset([40, 41, *range(56, 88), 104, 105, 106, 107, 108, 109, 110, 111])
BASS_PROGRAMS = frozenset(range(32, 40))
# Where no bass instrument plays, the instrument that plays the bass, in order of preference: contrabass, cello,
# tuba, bassoon, baritone sax, trombone.
LOW_PROGRAMS: tuple[frozenset[int], ...] = tuple(frozenset([p]) for p in (43, 42, 58, 70, 67, 57))
# The instruments that play a piece's chords, by family in order of preference: keyboards, guitars, organs, pads,
# string ensembles, harp and mallets (``grammar.GrammarState`` has the first one asked for sound each chord; a pad
# first instead of a piano measured worse: 0.72 against 0.76 on the ambient prompts); without any of them, an inner
# voice: the viola of a string quartet (0.80 against 0.73 on the quartet prompts).
CHORD_PROGRAMS: tuple[frozenset[int], ...] = (
    frozenset(range(0, 8)),
    frozenset(range(24, 32)),
    frozenset(range(16, 24)),
    frozenset(range(88, 96)),
    frozenset(range(48, 52)),
    frozenset([46, 11, 12]),
)
INNER_PROGRAMS = frozenset([41])
# What each General MIDI instrument can play: its lowest and highest pitch (a little beyond the orchestral ranges,
# which players and sample libraries exceed) and how many notes it starts at once (a string's double and triple
# stops, one note for a wind or a voice, a guitar's six strings). Later rows override earlier ones.
_PLAYABLE: tuple[tuple[Iterable[int], int, int, int], ...] = (
    (range(0, 128), 21, 108, 10),  # keyboards, pads, ensembles, effects: anything, ten fingers
    (range(8, 16), 48, 108, 4),  # chromatic percussion
    ((12,), 36, 96, 4),  # marimba
    ((14,), 60, 84, 3),  # tubular bells
    (range(16, 24), 24, 96, 10),  # organs
    ((21, 22, 23), 48, 89, 4),  # accordion, harmonica, bandoneon
    (range(24, 32), 40, 88, 6),  # guitars
    (range(32, 40), 23, 72, 2),  # basses
    ((40,), 55, 103, 3),  # violin
    ((41,), 48, 91, 3),  # viola
    ((42,), 36, 81, 3),  # cello
    ((43,), 28, 67, 2),  # contrabass
    ((46,), 23, 103, 8),  # harp
    ((47,), 36, 60, 2),  # timpani
    (range(52, 55), 40, 84, 4),  # choir and voices: a section's chord
    ((56, 59), 52, 86, 1),  # trumpets
    ((57,), 38, 74, 1),  # trombone
    ((58,), 26, 60, 1),  # tuba
    ((60,), 34, 79, 1),  # French horn
    (range(64, 72), 34, 94, 1),  # saxophones and double reeds: one note
    ((64,), 56, 88, 1),  # soprano sax
    ((65,), 49, 81, 1),  # alto sax
    ((66,), 44, 76, 1),  # tenor sax
    ((67,), 36, 69, 1),  # baritone sax
    ((68,), 58, 93, 1),  # oboe
    ((69,), 52, 81, 1),  # English horn
    ((70,), 34, 75, 1),  # bassoon
    ((71,), 50, 94, 1),  # clarinet
    (range(72, 80), 60, 98, 1),  # pipes
    ((72,), 72, 108, 1),  # piccolo
    (range(80, 88), 36, 96, 2),  # synth leads
    (range(104, 112), 48, 96, 2),  # world instruments
    ((105,), 48, 84, 5),  # banjo
    ((109,), 55, 77, 2),  # bagpipe
    ((110,), 55, 100, 3),  # fiddle
)


def _playable_table() -> dict[int, tuple[int, int, int]]:
    table: dict[int, tuple[int, int, int]] = {}
    for programs, lowest, highest, at_once in _PLAYABLE:
        table.update(dict.fromkeys(programs, (lowest, highest, at_once)))
    return table


PLAYABLE = _playable_table()  # program → (lowest pitch, highest pitch, notes started at once)


# The roles a section may rest (``form.RESTS``), by program.
ROLE_PROGRAMS: dict[str, frozenset[int]] = {
    "drums": frozenset({DRUMS}),
    "bass": BASS_PROGRAMS,
    "melody": MELODY_PROGRAMS,
}


def kind_programs(program: int) -> tuple[int, ...]:
    """Every program of the same kind as ``program`` (see ``INSTRUMENT_KINDS``)."""
    return INSTRUMENT_KINDS[_KIND_OF[program]]


def _describe_left_out(programs: tuple[int, ...]) -> list[str]:
    """Kinds left out whole, then single programs (where an instrument of the kind was also named)."""
    left = set(programs)
    whole = [kind for kind, members in INSTRUMENT_KINDS.items() if set(members) <= left]
    covered = {p for kind in whole for p in INSTRUMENT_KINDS[kind]}
    return whole + [program_name(p) for p in sorted(left - covered)]
