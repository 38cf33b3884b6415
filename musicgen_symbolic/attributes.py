"""Prompt → explicit musical attributes (tempo, key, metre, instruments, genre, mood, length).

The parser is deliberately rule-based: every attribute it finds becomes a control token that the
model and the constrained decoder obey exactly, so it must be predictable. Explicit arguments
(CLI flags, API keywords) override what the prompt says.
"""

from __future__ import annotations

import difflib
import functools
import numbers
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Protocol, TypeVar

from .constants import MAX_BARS, MAX_INSTRUMENTS, MAX_SECONDS, TEMPO_RANGE, TIME_SIGNATURES
from .errors import MusicGenError

DRUMS = -1  # miditok's program number for the drum kit
_T = TypeVar("_T")

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

# Everyday names → General MIDI programs. A name may stand for several instruments.
INSTRUMENT_SYNONYMS: dict[str, tuple[int, ...]] = {
    "piano": (0,),
    "grand piano": (0,),
    "acoustic piano": (0,),
    "keys": (0,),
    "keyboard": (0,),
    "pianist": (0,),
    "upright piano": (0,),
    "bright piano": (1,),
    "honky tonk piano": (3,),
    "honky-tonk piano": (3,),
    "electric piano": (4,),
    "e-piano": (4,),
    "epiano": (4,),
    "rhodes": (4,),
    "rhodes piano": (4,),
    "rhodes keys": (4,),
    "wurlitzer": (4,),
    "wurlitzer piano": (4,),
    "harpsichord": (6,),
    "clavinet": (7,),
    "clav": (7,),
    "celesta": (8,),
    "glockenspiel": (9,),
    "glock": (9,),
    "music box": (10,),
    "vibraphone": (11,),
    "marimba": (12,),
    "xylophone": (13,),
    "bells": (14,),
    "tubular bells": (14,),
    "chimes": (14,),
    "dulcimer": (15,),
    "organ": (16,),
    "hammond organ": (16,),
    "hammond": (16,),
    "rock organ": (18,),
    "church organ": (19,),
    "pipe organ": (19,),
    "accordion": (21,),
    "bandoneon": (23,),  # General MIDI's tango accordion
    "harmonica": (22,),
    "guitar": (25,),
    "guitarist": (25,),
    "acoustic guitar": (25,),
    "nylon guitar": (24,),
    "nylon-string guitar": (24,),
    "steel-string guitar": (25,),
    "ukulele": (24,),  # General MIDI has none: the nylon-string guitar is the closest
    "mandolin": (25,),
    "classical guitar": (24,),
    "spanish guitar": (24,),
    "flamenco guitar": (24,),
    "steel guitar": (25,),
    "jazz guitar": (26,),
    "electric guitar": (27,),
    "clean electric guitar": (27,),
    "overdriven electric guitar": (29,),
    "distorted electric guitar": (30,),
    "clean guitar": (27,),
    "muted guitar": (28,),
    "overdriven guitar": (29,),
    "distorted guitar": (30,),
    "distortion guitar": (30,),
    "rhythm guitar": (27,),
    "lead guitar": (29,),
    "bass": (33,),
    "bassist": (33,),
    "bass guitar": (33,),
    "electric bass": (33,),
    "e-bass": (33,),
    "e-guitar": (27,),
    "sleigh bells": (DRUMS,),
    "electric bass guitar": (33,),
    "acoustic bass": (32,),
    "acoustic bass guitar": (32,),
    "upright bass": (32,),
    "double bass": (32,),
    "fretless bass": (35,),
    "fretless bass guitar": (35,),
    "slap bass": (36,),
    "synth bass": (38,),
    "sub bass": (38,),
    "sub-bass": (38,),
    "bass synth": (38,),
    "synth bassline": (38,),
    "synth bass line": (38,),
    "808 bass": (38,),
    "303 bass": (38,),
    "moog bass": (38,),
    "acid bass": (38,),
    "wobble bass": (38,),
    "reese bass": (38,),
    "bassline": (33,),
    "bass line": (33,),
    "violin": (40,),
    "fiddle": (40,),
    "viola": (41,),
    "cello": (42,),
    "contrabass": (43,),
    "tremolo strings": (44,),
    "pizzicato": (45,),
    "pizzicato strings": (45,),
    "harp": (46,),
    "timpani": (47,),
    "strings": (48,),
    "string": (48,),
    "string ensemble": (48,),
    "string section": (48,),
    "string orchestra": (48,),
    "string pad": (48,),
    "orchestra": (48, 60, 73),
    "string quartet": (40, 41, 42),
    "synth strings": (50,),
    "choir": (52,),
    "voices": (53,),
    "vocals": (53,),
    "voice": (53,),
    "synth choir": (54,),
    "orchestra hit": (55,),
    "trumpet": (56,),
    "trombone": (57,),
    "tuba": (58,),
    "muted trumpet": (59,),
    "french horn": (60,),
    "horn": (60,),
    "horns": (61,),
    "horn section": (61,),
    "brass": (61,),
    "brass section": (61,),
    "synth brass": (62,),
    "sax": (65,),
    "saxophone": (65,),
    "alto sax": (65,),
    "alto saxophone": (65,),
    "soprano sax": (64,),
    "tenor sax": (66,),
    "tenor saxophone": (66,),
    "baritone sax": (67,),
    "woodwind": (68, 71, 73),
    "woodwind quintet": (60, 68, 70, 71, 73),
    "oboe": (68,),
    "english horn": (69,),
    "bassoon": (70,),
    "clarinet": (71,),
    "bass clarinet": (71,),  # General MIDI has no bass clarinet: the clarinet, and not a bass guitar besides
    "bass flute": (73,),
    "bass trombone": (57,),
    "bass drum": (DRUMS,),
    "kick drum": (DRUMS,),
    "piccolo": (72,),
    "flute": (73,),
    "recorder": (74,),
    "pan flute": (75,),
    "pan pipes": (75,),
    "shakuhachi": (77,),
    "whistle": (78,),
    "ocarina": (79,),
    "synth": (81,),
    "synth lead": (81,),
    "arp": (81,),
    "arpeggiator": (81,),
    "lead synth": (81,),
    "square lead": (80,),
    "saw lead": (81,),
    "supersaw": (81,),
    "sawtooth": (81,),
    "synthesizer": (81,),
    "pad": (89,),
    "pads": (89,),
    "synth pad": (89,),
    "warm pad": (89,),
    "choir pad": (91,),
    "new age pad": (88,),
    "sitar": (104,),
    "banjo": (105,),
    "shamisen": (106,),
    "koto": (107,),
    "kalimba": (108,),
    "bagpipe": (109,),
    "bagpipes": (109,),
    "steel drums": (114,),
    "steel drum": (114,),
    "steel pan": (114,),
    "taiko": (116,),
    "taiko drums": (116,),
    "drums": (DRUMS,),
    "drum": (DRUMS,),
    "drummer": (DRUMS,),
    "drumming": (DRUMS,),
    "synth drums": (DRUMS,),  # the singular "synth drum" stays General MIDI's melodic Synth Drum
    "drum kit": (DRUMS,),
    "drumkit": (DRUMS,),
    "double bass drum": (DRUMS,),  # metal's double kick, not an upright bass and a drum
    "drum set": (DRUMS,),
    "drum machine": (DRUMS,),
    "beat": (DRUMS,),
    "beats": (DRUMS,),
    "percussion": (DRUMS,),
    "kit": (DRUMS,),
    "808": (DRUMS,),
    "groove": (DRUMS,),
    # the drum kit's parts
    "kick": (DRUMS,),
    "snare": (DRUMS,),
    "hi-hat": (DRUMS,),
    "hi hat": (DRUMS,),
    "hihat": (DRUMS,),
    "hats": (DRUMS,),
    "claps": (DRUMS,),
    "handclaps": (DRUMS,),
    "hand claps": (DRUMS,),
    "conga": (DRUMS,),
    "bongo": (DRUMS,),
    "shaker": (DRUMS,),
    "tambourine": (DRUMS,),
    "brushes": (DRUMS,),
    "tabla": (DRUMS,),
    "bodhran": (DRUMS,),
    "cymbal": (DRUMS,),
    "toms": (DRUMS,),
    "rimshot": (DRUMS,),
}

TEMPO_WORDS: dict[str, float] = {
    "largo": 50,
    "lento": 55,
    "larghetto": 63,
    "adagio": 70,
    "adagietto": 75,
    "andante": 90,
    "andantino": 95,
    "moderato": 110,
    "allegretto": 115,
    "allegro": 130,
    "vivace": 160,
    "presto": 180,
    "prestissimo": 200,
    "very slow": 55,
    "slow": 70,
    "slow-paced": 70,
    "slow paced": 70,
    "slow-tempo": 70,
    "slow tempo": 70,
    **dict.fromkeys(("played slowly", "plays slowly", "playing slowly", "play slowly"), 70),  # not "slowly building"
    "laid-back": 85,
    "laid back": 85,
    "relaxed": 85,
    "mid-tempo": 105,
    "midtempo": 105,
    "mid tempo": 105,
    "moderate": 105,
    "medium tempo": 105,
    "upbeat": 125,
    "up-tempo": 140,
    "uptempo": 140,
    "fast": 150,
    "fast-paced": 150,
    "fast paced": 150,
    "fast-tempo": 150,
    "fast tempo": 150,
    "quick": 150,  # in a prompt only before a dance: "a quick two-step" (_QUICK_TEMPO_RE)
    "very fast": 180,
    "frantic": 190,
}

GENRES: dict[str, tuple[str, ...]] = {
    "pop": (
        "pop",
        "poppy",
        "k-pop",
        "kpop",
        "j-pop",
        "jpop",
        "synth-pop",
        "synthpop",
        "synth pop",
        "electropop",
        "indie pop",
        "dream pop",
    ),
    "rock": ("rock", "rocky", "pop-punk", "folk-rock", "post-rock", "alt-rock"),
    "jazz": ("jazz", "jazzy", "bebop"),
    "swing": ("swing",),
    "bossa nova": ("bossa nova", "bossa"),
    "lo-fi": ("lo-fi", "lofi", "lo fi", "chillhop"),
    "edm": ("edm", "house", "dance music", "trance", "dubstep"),
    "techno": ("techno",),
    "electronic": (
        "electronic",
        "electronica",
        "synthwave",
        "synth wave",
        "drum and bass",
        "drum & bass",
        "drum n bass",
        "drum 'n' bass",
        "drum'n'bass",
        "dnb",
        "d&b",
        "breakbeat",
    ),
    "ambient": ("ambient", "drone"),
    "funk": ("funk", "funky", "jazz-funk"),
    "reggae": ("reggae", "ska", "dub"),
    "metal": ("metal", "heavy metal"),
    "hip-hop": ("hip-hop", "hip hop", "hiphop", "rap", "trap"),
    "ballad": ("ballad",),
    "waltz": ("waltz",),
    "march": ("march",),
    "classical": ("classical", "orchestral", "symphonic"),
    "baroque": ("baroque", "fugue"),
    "chorale": ("chorale", "hymn"),
    "folk": ("folk", "folky", "folksong", "folk song", "celtic", "jig"),
    "blues": ("blues", "bluesy"),
    "country": ("country", "bluegrass"),
    "latin": ("latin", "salsa", "samba", "tango"),
    "cinematic": ("cinematic", "film score", "soundtrack", "epic score"),
    "disco": ("disco", "nu-disco"),
    "soul": ("soul", "neo-soul", "neo soul", "r&b", "rnb", "motown"),
}

# Adjectives that name a genre only when no genre noun does: "funky house" is house, "symphonic metal" metal.
GENRE_ADJECTIVES = ("jazzy", "funky", "bluesy", "symphonic", "orchestral", "folky", "poppy", "rocky")

# A plain "bass" means the bass the genre plays: upright in jazz, synth bass in techno. These are the basses
# of the training data's styles (data/composer.py), so the model has heard them in that genre; a bass the model
# never heard in a genre ends up playing a note or two.
GENRE_BASS: dict[str, int] = {
    "jazz": 32,
    "swing": 32,
    "bossa nova": 32,
    "latin": 32,
    "country": 32,
    "edm": 38,
    "techno": 38,
    "electronic": 38,
}
PLAIN_BASS = ("bass", "bassline", "bass line", "bassist")
# A plain "guitar" likewise: distorted in metal, nylon-string in bossa nova (the guitars the training styles play);
# in other genres General MIDI's steel-string acoustic guitar, blues included (acoustic as often as electric).
GENRE_GUITAR: dict[str, int] = {
    "rock": 27,  # clean: surf, indie and soft rock as well as hard rock ("distorted guitar" asks for that)
    "metal": 30,
    "jazz": 26,
    "swing": 26,
    "bossa nova": 24,
    "latin": 24,
    "funk": 27,
    "disco": 27,
    "reggae": 27,
    "soul": 27,
}
PLAIN_GUITAR = ("guitar", "guitarist")

MOODS: dict[str, tuple[str, ...]] = {
    "calm": ("calm", "chill", "mellow", "gentle", "soft", "soothing"),
    "peaceful": ("peaceful", "serene", "tranquil"),
    "relaxing": ("relaxing", "relaxed", "laid-back", "laid back"),
    "happy": ("happy", "joyful", "cheerful", "bright", "fun", "playful"),
    "sad": ("sad", "sorrowful", "mournful", "tearful"),
    "melancholic": ("melancholic", "melancholy", "wistful", "nostalgic", "bittersweet"),
    "energetic": ("energetic", "driving", "powerful", "intense", "aggressive", "upbeat"),
    "dark": ("dark", "ominous", "sinister", "gloomy", "brooding"),
    "romantic": ("romantic", "tender", "loving", "sensual"),
    "epic": ("epic", "heroic", "triumphant", "majestic"),
    "uplifting": ("uplifting", "hopeful", "inspiring", "inspirational"),
    "mysterious": ("mysterious", "mystical", "eerie", "haunting"),
    "tense": ("tense", "suspenseful", "anxious", "dramatic"),
    "dreamy": ("dreamy", "ethereal", "floating", "atmospheric"),
}

TIME_SIGNATURE_WORDS: dict[str, tuple[int, int]] = {
    "waltz": (3, 4),
    "three-four": (3, 4),
    "three four": (3, 4),
    "triple meter": (3, 4),
    "triple time": (3, 4),
    "common time": (4, 4),
    "four-four": (4, 4),
    "four on the floor": (4, 4),
    "four-on-the-floor": (4, 4),
    "jig": (6, 8),
    "six-eight": (6, 8),
    "six eight": (6, 8),
    "compound time": (6, 8),
    "march": (2, 4),
    "two-four": (2, 4),
    "polka": (2, 4),
    "minuet": (3, 4),
    "mazurka": (3, 4),
}

PITCH_CLASSES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTAL = {"#": 1, "♯": 1, "sharp": 1, "b": -1, "♭": -1, "flat": -1, "": 0}
_MODE = {"major": "major", "maj": "major", "minor": "minor", "min": "minor", "m": "minor", "": "major"}
# Scales and church modes, by the third above their tonic: "D dorian" is a minor key on D.
_SCALES = {
    "harmonic minor": "minor", "natural minor": "minor", "melodic minor": "minor", "dorian": "minor",
    "phrygian": "minor", "aeolian": "minor", "locrian": "minor", "ionian": "major", "lydian": "major",
    "mixolydian": "major",
}  # fmt: skip

_NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
        "eighteen nineteen".split(),
        start=1,
    )
} | {word: 10 * tens for tens, word in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
_NUMBER_WORDS["dozen"] = 12
_WORD_NUMBERS = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_ARTICLES = {"a": 1, "an": 1, "half a": 0.5, "half an": 0.5}  # a count of minutes only: "a second piano" is none


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


def kind_programs(program: int) -> tuple[int, ...]:
    """Every program of the same kind as ``program`` (see ``INSTRUMENT_KINDS``)."""
    return INSTRUMENT_KINDS[_KIND_OF[program]]


def _describe_left_out(programs: tuple[int, ...]) -> list[str]:
    """Kinds left out whole, then single programs (where an instrument of the kind was also named)."""
    left = set(programs)
    whole = [kind for kind, members in INSTRUMENT_KINDS.items() if set(members) <= left]
    covered = {p for kind in whole for p in INSTRUMENT_KINDS[kind]}
    return whole + [program_name(p) for p in sorted(left - covered)]


def _text(value: object, what: str) -> str:
    """``value`` if it is text: API callers get the same one-line error as the CLI for a wrong type."""
    if not isinstance(value, str):
        raise MusicGenError(f"{what} must be text, got {value!r}")
    return value


def _normalise(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


# --------------------------------------------------------------------------- single values


def parse_tempo(value: str | float) -> float:
    """Parse a tempo given as a number ("126", "126 bpm") or a word ("Allegro", "slow")."""
    if isinstance(value, (int, float)):
        bpm = float(value)
    else:
        text = _normalise(value)
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:bpm)?", text)
        if match:
            bpm = float(match.group(1))
        elif text in TEMPO_WORDS:
            bpm = TEMPO_WORDS[text]
        else:
            raise MusicGenError(
                f"unknown tempo {value!r}: give beats per minute (e.g. 120) or a word such as "
                f"{', '.join(list(TEMPO_WORDS)[:8])}{_suggest(text, TEMPO_WORDS)}"
            )
    return _check_tempo(bpm)


def _check_tempo(bpm: float) -> float:
    low, high = TEMPO_RANGE
    if not low <= bpm <= high:
        raise MusicGenError(f"tempo {bpm:g} bpm is out of range: choose {low}–{high} bpm")
    return bpm


def parse_key(value: str) -> Key:
    """Parse "D minor", "F#m", "E flat major", "Bb", "c# min", "D dorian" (a mode by its third) into a :class:`Key`."""
    text = " ".join(_text(value, "key").split())
    modes = "|".join(sorted(_SCALES, key=len, reverse=True))
    match = re.fullmatch(
        rf"([A-Ga-g])\s*(#|♯|b|♭|-?\s*sharp|-?\s*flat)?\s*({modes}|major|maj|minor|min|m)?",
        text,
        flags=re.IGNORECASE,
    )
    if not match:
        raise MusicGenError(
            f"unknown key {value!r}: write it like 'D minor', 'F#m', 'E flat major', 'Bb' or 'D dorian'"
        )
    letter, accidental, mode = match.groups()
    accidental = (accidental or "").lower().replace("-", "").replace(" ", "")
    if mode == "M":  # "CM" conventionally means C major
        mode = "maj"
    mode = (mode or "").lower()
    return Key((_LETTER_PC[letter.upper()] + _ACCIDENTAL[accidental]) % 12, _SCALES.get(mode) or _MODE[mode])


def parse_time_signature(value: str | tuple[int, int]) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        signature = tuple(value)
    else:
        text = _normalise(_text(value, "time signature"))
        match = re.fullmatch(r"(\d{1,2})\s*/\s*(\d{1,2})", text)
        if match:
            signature = (int(match.group(1)), int(match.group(2)))
        elif text in TIME_SIGNATURE_WORDS:
            signature = TIME_SIGNATURE_WORDS[text]
        else:
            raise MusicGenError(f"unknown time signature {value!r}: write it like 3/4 or 6/8")
    if len(signature) != 2:
        raise MusicGenError(f"a time signature has two numbers, like (3, 4), got {value!r}")
    if signature not in TIME_SIGNATURES:
        supported = ", ".join(f"{n}/{d}" for n, d in TIME_SIGNATURES)
        raise MusicGenError(f"time signature {signature[0]}/{signature[1]} is not supported: choose one of {supported}")
    return signature


def parse_instrument(name: str, genre: str | None = None) -> tuple[int, ...]:
    """One instrument name (GM name, synonym or program number) → its GM program(s); a plain "bass" or "guitar"
    follows ``genre``."""
    text = _normalise(name)
    if re.fullmatch(r"\d{1,3}", text) and int(text) < 128:
        return (int(text),)
    singular = text[:-1] if text.endswith("s") else text
    found = _synonym(text, genre) or _synonym(singular, genre)
    if found:
        return found
    gm_lower = _gm_lower()
    if text in gm_lower:
        return (gm_lower[text],)
    known = list(INSTRUMENT_SYNONYMS) + list(gm_lower)
    raise MusicGenError(f"unknown instrument {name!r}{_suggest(text, known)}")


def _synonym(name: str, genre: str | None) -> tuple[int, ...] | None:
    """The programs of a normalised synonym; a plain "bass" or "guitar" is the genre's (``GENRE_BASS``,
    ``GENRE_GUITAR``)."""
    if name in PLAIN_BASS and genre in GENRE_BASS:
        return (GENRE_BASS[genre],)
    if name in PLAIN_GUITAR and genre in GENRE_GUITAR:
        return (GENRE_GUITAR[genre],)
    return INSTRUMENT_SYNONYMS.get(name)


def parse_instruments(value: str | list[str] | tuple, genre: str | None = None) -> tuple[int, ...]:
    """A comma-separated list (or a list) of instrument names → sorted unique programs (see :func:`parse_instrument`)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (str, list, tuple)):
        raise MusicGenError(f"instruments must be text, a list or a program number, got {value!r}")
    names = value.split(",") if isinstance(value, str) else list(value)
    programs: list[int] = []
    for name in names:
        if isinstance(name, int):
            programs.append(name)
        elif str(name).strip():
            programs.extend(parse_instrument(str(name).strip(), genre))
    return _check_instruments(programs)


def _check_instruments(programs: list[int]) -> tuple[int, ...]:
    unique = tuple(sorted(set(programs)))
    if not unique:
        raise MusicGenError("no instruments given")
    if len(unique) > MAX_INSTRUMENTS:
        raise MusicGenError(f"too many instruments ({len(unique)}): at most {MAX_INSTRUMENTS}")
    for program in unique:
        if program != DRUMS and not 0 <= program <= 127:
            raise MusicGenError(f"instrument program {program} is not a General MIDI program (0–127, or -1 for drums)")
    return unique


def _parse_label(value: str, table: dict[str, tuple[str, ...]], what: str) -> str:
    text = _normalise(_text(value, what))
    for label, words in table.items():
        if text == label or text in words:
            return label
    raise MusicGenError(f"unknown {what} {value!r}{_suggest(text, list(table))}")


def parse_genre(value: str) -> str:
    return _parse_label(value, GENRES, "genre")


def parse_mood(value: str) -> str:
    return _parse_label(value, MOODS, "mood")


def check_bars(bars: int) -> int:
    if isinstance(bars, bool) or not isinstance(bars, numbers.Integral):
        raise MusicGenError(f"bars must be a whole number, got {bars!r}")
    if not 1 <= bars <= MAX_BARS:
        raise MusicGenError(f"{bars} bars is out of range: choose 1–{MAX_BARS} bars")
    return int(bars)


def check_seconds(seconds: float) -> float:
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real):
        raise MusicGenError(f"seconds must be a number, got {seconds!r}")
    if not 1 <= seconds <= MAX_SECONDS:  # NaN fails here too
        raise MusicGenError(f"{seconds:.10g} seconds is out of range: choose 1–{MAX_SECONDS:g} seconds")
    return float(seconds)


def _suggest(text: str, choices: list[str] | dict) -> str:
    close = difflib.get_close_matches(text, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# --------------------------------------------------------------------------- whole prompts


def _phrase_pattern(phrases: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) + r"(?:e?s)?" for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])({alternatives})(?![\w-])")


_INSTRUMENT_RE = re.compile(  # … also before "-driven", "-led", "-heavy": "guitar-driven rock" asks for guitar
    _phrase_pattern(list(INSTRUMENT_SYNONYMS) + [n.lower() for n in GM_NAMES]).pattern.removesuffix("(?![\\w-])")
    + r"(?!\w|-(?!(?:driven|led|heavy|based|centric|forward)\b))"
)
# General MIDI's sound effects (programs 120–127: "seashore", "applause"…) are usually scenery in a prompt ("a walk
# along the seashore"): they count only as "seashore sound effects", or through ``parse_instrument`` (--instruments).
_SOUND_EFFECTS = frozenset(n.lower() for n in GM_NAMES[120:])
_SOUND_EFFECT_RE = re.compile(r"\s+(?:sounds?|effects?|sfx|fx|noises?|samples?)\b")
# "quick" is a tempo only before a dance or the pace ("a quick two-step"): "a quick lofi beat" is a short one.
_QUICK_TEMPO_RE = re.compile(r"(?:\s+[\w&'-]+)?\s+(?:two-step|step|tempo|pace|dance|polka|jig|reel|waltz|shuffle)\b")
_TEMPO_WORD_RE = _phrase_pattern(list(TEMPO_WORDS))
_TENS = (
    r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[\s-](?:one|two|three|four|five|six|seven|eight|nine)"
)
_NUM = r"\d+(?:\.\d+)?|" + _TENS + "|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
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
    r"(?:\s+(?!with\b|and\b|of\b|in\b|for\b|at\b)[\w-]+)?\s+(?:intros?|outros?|solos?|breaks?|breakdowns?|"
    r"fills?|sections?|parts?|bridges?|verses?|chorus(?:es)?|drops?|codas?|interludes?|build-?ups?)\b"
)


# A count of time inside the piece is not its length: "every 4 bars", "after 8 bars", "the last 10 seconds", "a 3
# second pause", "3 seconds later", "at the 1 minute mark", "wait a minute", "one second, …", "30 seconds to mars".
_INNER_LENGTH_BEFORE_RE = re.compile(r"(?<![\w'-])(?:every|each|after|within|wait|(?:for\s+)?the\s+(?:first|last))\s+$")
_INNER_LENGTH_AFTER_RE = re.compile(
    r"[\s-]+(?:later|ago|into|mark|of\s+(?:silence|summer)|pauses?|fades?|gaps?|rests?|silence)\b|\s+in\s*(?:[,.;:!?]|$)"
)
_CLOCK_LENGTH_RE = re.compile(
    r"(?<![\w:])(\d{1,2}):([0-5]\d)(?![\d:])(?=\s*(?:mins?|minutes?|long)\b)"
    r"|(?:length|duration|runtime)\s*(?:of\s+|[:=]\s*|\s)(\d{1,2}):([0-5]\d)(?![\d:])"
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
    r"(?:podcast|video|vlog|film|movie|documentar(?:y|ie)|lecture|meeting|(?:live)?stream|episode|presentation|"
    r"webinar|broadcast|show|class|workout|queue|call|lesson|tutorial|course|ceremon(?:y|ie)|service|commute|flight)"
    r"s?(?![\w-])"
    r"(?!\s+(?:scores?|soundtracks?|music|pieces?|tracks?|cues?|backgrounds?|beds?|underscores?|backing|mix(?:es)?|"
    r"songs?|playlists?|tunes?)\b)"
)
_MUSIC_FOR_PROGRAMME_RE = re.compile(
    r"(?<![\w'-])(?:music|soundtrack|score|background|bed|underscore|backing|track|song|tune|piece|beat|"
    r"instrumental|accompaniment)s?\s+for\s+(?:an?|my|our|your|his|her|their|the|this)\s+"
    rf"(?:(?:{_NUM})[\s-]*(?:minutes?|mins?)[\s-]+(?:and\s+)?)?$"  # a length's seconds after its minutes
)
_PART_BEFORE_RE = re.compile(r"(?<![\w'-])(?:intro|outro|opening|closing|ending|theme|credits?|title|jingle)\s+$")
_PROGRAMME_PART_AFTER_RE = re.compile(
    r"(?:'s)?\s+(?:intros?|outros?|openers?|opening|themes?|jingles?|stings?|stingers?|bumpers?|transitions?|"
    r"idents?|credits|endings?|end\s+screens?|title\s+(?:sequence|card)s?|teasers?|trailers?|montages?|"
    r"segments?|scenes?|ads?|breaks?)\b"
)


def _is_inner_length(text: str, match: re.Match[str], unit: str) -> bool:
    """Whether a length is not the piece's: a time inside it, one ruled out, or the programme's (see
    :func:`_programme_length`)."""
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


def _count(match: re.Match[str]) -> float:
    """The count a length states: its number, plus a half for "and a half"."""
    return _number(next(filter(None, match.groups()))) + (0.5 if "and a half" in match.group(0) else 0)


def _number(token: str) -> float:
    """A count in digits or words: "16", "sixteen", "thirty two", "forty-five", "half a"."""
    if token[0].isdigit():
        return float(token)
    if token in _ARTICLES:
        return _ARTICLES[token]
    return float(sum(_NUMBER_WORDS[word] for word in re.split(r"[\s-]", token)))


# Negation: a negating word, maybe filler words, then the word it negates ("not too fast", "without any drums",
# "don't make it too fast"). It carries on along a list joined by "or" / "nor" ("neither fast nor slow", "no
# violins, cellos or violas"); after the words that take a whole list (``_LIST_NEGATORS``) also along one joined
# by "and" ("without drums, bass and guitar"). Commas alone, or after the "and" / "or", start a new list: "don't
# use drums, piano only" and "without drums or bass, piano and sax" ask for piano. "except" keeps what follows
# when it comes right after "nothing" / "none" / "no <noun>": "all instruments except drums" leaves the drums
# out, "nothing except piano" asks for piano. An instrument followed by "solo", "intro", "drop"… is not left out:
# "no guitar solo" is about the solo. "instead of" / "rather than" leave out the one word after them ("rhodes
# instead of piano"); an adjective of how drums sound may come between ("no heavy drums").
_LIST_NEGATORS = (
    "without", "without using", "sans", "w/o", "leave out", "no need for", "don't want", "do not want", "don't use",
    "don't add", "do not add", "don't include", "do not include", "doesn't need", "does not need", "neither",
    "except for", "except", "excluding", "other than", "remove", "minus", "exclude", "avoid", "take out",
    "get rid of", "ditch", "mute the", "drop the", "skip the", "cut the", "lose the", "everything but",
    "everything except", "all but", "replace the", "swap the", "swap out the", "switch out the",
)  # fmt: skip
_NEGATORS = (
    *_LIST_NEGATORS, "nor", "not", "never", "no", "nothing", "don't", "do not", "doesn't", "shouldn't", "instead of",
    "rather than", "in place of", "zero", "isn't", "is not", "can't", "cannot", "won't", "hate", "anything but",
)  # fmt: skip
_EXCEPT = ("except for", "except", "excluding", "other than")
_IMPERATIVE_NEGATORS = (
    "skip the", "cut the", "lose the", "drop the", "mute the", "remove", "ditch", "replace the", "swap the",
    "swap out the", "switch out the",
)  # fmt: skip
_COMMA_ENDS = ("skip the", "cut the", "lose the")  # "skip the bass, piano and drums" asks for piano and drums
_REPLACING = ("replace the", "swap the", "swap out the", "switch out the")  # only with what replaces it after
_REPLACED_BY_RE = re.compile(r"[\w&'-]+(?:\s+[\w&'-]+)?\s+(?:for|with|by)\b")
_NEGATED_IMPERATIVE_RE = re.compile(r"(?<![\w'-])(?:don't|do not|never|no need to)\s+$")
_FILLERS = (
    r"(?:too|so|very|overly|that|really|a|an|any|the|be|make|it|even|sound|get|more|anything|getting|sounding|feel|"
    r"have)"
)
_NEGATED_ADJECTIVES = r"(?:heavy|live|loud|real|prominent|extra)"
_LOOKBACK = 40  # characters searched before a word for what negates it
# An adjective only right after the negator ("no heavy drums", "without any live drums"): "not too loud drums" asks
# for drums that are not too loud.
_NEGATION_RE = re.compile(
    rf"(?<![\w'-])({'|'.join(map(re.escape, _NEGATORS))})"
    rf"(?:(?:\s+{_FILLERS})*|(?:\s+(?:any|the))?\s+{_NEGATED_ADJECTIVES})\s+$"
)
_EXCEPT_KEEPS_RE = re.compile(r"(?<![\w'-])(?:nothing|none|no(?:\s+other)?\s+\w+)\s+$")
_OR_RE = re.compile(rf"\s*,?\s*(?:or|nor|let alone|not even)\s+(?:{_FILLERS}\s+)*")
_SO_MUCH_AS_RE = re.compile(rf"\s*,?\s*so much as\s+(?:{_FILLERS}\s+)*")  # "without drums so much as a shaker"
_AND_RE = re.compile(rf"\s*,?\s*and\s+(?:{_FILLERS}\s+)*")
_COMMA_RE = re.compile(rf"\s*,\s*(?:{_FILLERS}\s+)*")
_IMPLYING_DRUMS = ("beat", "beats", "groove", "grooves")
_NOT_AN_INSTRUMENT_RE = re.compile(r"\s*(?:per|/)\s*(?:minute|min|bar|measure)\b")  # "90 beats per minute"
# Phrases where an instrument's, genre's, mood's or tempo's word means something else: the word followed by these
# ("when the bass kicks in", "hats off", "a conga line", "rock bottom", "dark mode", "fast food")…
_IDIOMS = {
    "fast": r"(?:food|cars?|fashion|lane|forward)\b",
    # "a slow burn", "a slow attack"; "slow it down by 20 bpm" changes a tempo ("slow down 2 semitones" is still slow)
    "slow": r"(?:(?:burn(?:er|ing)?|builds?|building|attacks?|releases?|cooker)\b"
    r"|(?:(?:it|this|that|things|everything|the\s+(?:tempo|beat|track))\s+)?(?:way\s+)?down\s+(?:by\s+)?"
    rf"(?:{_NUM})\s*(?:bpm|beats per minute|%|percent))",
    "kick": r"(?:in|off|back|up|out|it|things|down|the)\b",
    "synth": r"(?:pop|wave|punk)\b",  # genres, not a lead synth
    "hats": r"off\b",
    "claps": r"along\b",
    "conga": r"line\b",
    "drumming": r"(?:on|up)\b",
    "drum": r"up\b",
    "beat": r"(?:up|the odds)\b",
    "keys": r"(?:jingling|to the)\b",
    "string": r"(?:guitar|attached|of lights|theory)\b",  # "a 12 string guitar" is a guitar
    "voice": r"(?:over(?!\s+(?:an?|the|some)\b)|acting|actor|memo|message|note|call|assistant|of a generation)\b",
    "pad": r"thai\b",
    "horn": r"of (?:a dilemma|plenty)\b",
    "fiddle": r"with\b",
    "harp": r"on (?:about|it|and on)\b",
    "bells": r"and whistles\b",
    "brushes": r"with (?:death|fame|greatness|danger|disaster|the law)\b",
    "bass": r"(?:fishing|clef)\b",
    "house": r"(?:of|warming)\b",
    "march": r"(?:\d{1,2}(?:st|nd|rd|th)?\b(?!\s*/)|madness\b)",  # "march 21", not "a march 2/4"
    "rock": r"(?:my baby|bottom|solid|climbing)\b",
    "pop": r"(?:the|up|quiz)\b",
    "soul": r"searching\b",
    "drone": r"footage\b",
    "swing": r"by\b",
    "loving": r"memory\b",
    "soft": r"(?:launch|drink)\b",
    "dark": r"mode\b",
    "floating": r"point\b",
    "driving": r"test\b",
    "epic": r"fail\b",
}
# A voice the music goes with rather than one it has: "a backing track for my vocals", "without the bass
# overpowering the vocals", "something to put under the vocals" (but "her vocals soaring over synths" asks).
_THEIR_VOICE = (
    r"my|our|your|(?:over|under|beneath|behind|around|below) the"
    r"|(?:room|space|backing|accompaniment|a bed) for(?: the)?|(?:overpower|drown|bury|buries|clash|compete|support)"
    r"(?:s|es|ed|ing)?(?: out| with)?(?: the)?(?: singer's)?"
)
# … or after these ("nothing beats", "skipped a beat", "car keys", "a haunted house", "in March", "past tense").
_IDIOMS_BEFORE = {
    "beat": r"who|we|i|you|they|to|never|finally|skipped a|skip a|missed a|miss a",
    "beats": r"nothing|who|he|she|it|never|finally|\d+",  # "3 beats to the bar" counts beats
    "kicks": r"for",
    "keys": r"car|house|door|florida|lost|losing|my|your|the car",
    "keyboard": r"typing on a|typing on the|computer|mechanical",
    "string": r"pull(?:s|ed|ing)?(?: some)?",
    "kit": r"press|survival|aid|starter|tool|repair|media",
    "hats": r"cowboy|party|top|hard|straw|sun",
    "shakers": r"movers and",
    "pad": r"launch|lily|knee|bachelor|mouse|note|landing|heating|shoulder|elbow",
    "horn": r"own|car",
    "fiddle": r"second",
    "whistle": r"bells and",
    "whistles": r"bells and",
    "bass": r"sea",
    "house": r"haunted|open|tree|full|dog|bird|green|farm|beach|lake|safe|white|my|our|your|his|her|their",
    "march": r"in|of|this|next|last|early|late|since|until|from|by",
    "country": r"across the|in the",
    "soul": r"an old|heart and",
    "swing": r"in full",
    "trap": r"tourist",
    "tense": r"past",
    "tender": r"legal",
    **dict.fromkeys(("vocals", "vocal", "voice", "voices"), _THEIR_VOICE),
}
_IDIOM_RES = {word: re.compile(rf"\s+{after}") for word, after in _IDIOMS.items()}
_IDIOM_BEFORE_RES = {word: re.compile(rf"(?<![\w'-])(?:{before})\s+$") for word, before in _IDIOMS_BEFORE.items()}
_PART_RE = re.compile(r"\s+(?:solos?|intros?|outros?|drops?|fills?|breaks?|parts?|riffs?|licks?|chords?|sections?)\b")
# After a negated instrument, how it should not play: "without the bass overpowering the vocals", "no drums
# playing too loud" neither ask for the instrument nor leave it out.
_HOW_IT_PLAYS_RE = re.compile(
    r"\s+(?:overpowering|drowning|dominating|overwhelming|clashing|burying|masking|cluttering|muddying|hogging"
    r"|(?:being|getting|playing|sounding|coming in)\s+(?:too|so|overly)"
    r"|(?:too|so|overly)\s+(?:loud|busy|heavy|prominent|dominant|harsh|bright|boomy))\b"
)
# "at 160" is a tempo only when the number ends a clause, or "with …" or the like follows, or "in" and a key or
# a metre: not "at 45 rpm", nor "peaks at 100 in the charts", nor "at 100 in a club".
_CLAUSE_WORDS = r"(?:with|and|for|on|at|using|featuring|over|plus|but)\b"
_IN_KEY_OR_METRE = (
    r"in\s+(?:the\s+key\b|[a-g](?:\s*(?:#|b|sharp|flat))?(?:\s*(?:major|minor|maj|min|m)\b|"
    rf"(?=\s*(?:$|[,.;:!?)]|{_CLAUSE_WORDS})))|\d{{1,2}}\s*/\s*\d{{1,2}}|(?:common|triple|compound)\s+time\b)"
)
_ABOUT = r"(?:around\s+|about\s+|roughly\s+|approximately\s+|~\s*)?"
_BARE_TEMPO_RE = re.compile(
    rf"(?<![\w-])at\s+{_ABOUT}(\d{{2,3}})(?=\s*$|\s*(?:[,;:!?)]|\.(?!\d))|\s+{_CLAUSE_WORDS}|\s+{_IN_KEY_OR_METRE})"
)
# Words that make "at NN" an age or a level (within the two words before "at"): "retired at 65", "volume at 80".
_AGE_BEFORE_AT_RE = re.compile(
    r"(?<![\w'-])(?:retired|born|married|died|aged|age|volume|driving|going|lessons|started)(?:\s+[\w'-]+)?\s+$"
)
_TEMPO_RES = (
    re.compile(r"(\d+(?:\.\d+)?)(?:\s*-?ish)?[\s-]*(?:bpm|beats per minute|beats/min)"),  # "96 bpm", "90ish bpm"
    # "eighty five bpm", "one hundred and twenty bpm"
    re.compile(
        rf"(?<![\w-])((?:(?:one|a)\s+)?hundred(?:\s+and)?(?:[\s-]+(?:{_TENS}|{_WORD_NUMBERS}))?|{_TENS}|{_WORD_NUMBERS})"
        r"[\s-]*(?:bpm|beats per minute)"
    ),
    # "tempo 96", "tempo: ~100", "speed = 120", "♩ = 72": not "mid tempo 4/4", "half speed 808", "quarter note 3"
    re.compile(
        rf"(?:tempo|tempo of|at tempo|bpm)[\"']?\s*(?:of\s*|=\s*|:\s*)?{_ABOUT}(\d{{2,3}}(?:\.\d+)?)(?!\d|\.\d|\s*/)"
    ),
    re.compile(
        rf"(?:speed|♩|quarter note)\s*(?:of|=|:)\s*{_ABOUT}(\d{{2,3}}(?:\.\d+)?)"
        r"(?!\d|\.\d|\s*/|\s*(?:mph|km/h|kmh|kph|wpm)\b)"
    ),
)


def _negator(text: str, start: int) -> str | None:
    """The word that negates the one at ``start`` ("not too fast", "never sad"), if any."""
    found = _NEGATION_RE.search(text, max(0, start - _LOOKBACK), start)
    if found is None:
        return None
    if found.group(1) == "drop the" and re.match(r"(?:bass|beat)\b", text[start:]):
        return None  # "drop the bass", "drop the beat": an EDM drop
    if found.group(1) in _IMPERATIVE_NEGATORS and _NEGATED_IMPERATIVE_RE.search(text, 0, found.start()):
        return None  # "don't skip the drums" keeps them
    if found.group(1) in _REPLACING and not _REPLACED_BY_RE.match(text, start):
        return None  # "swap the guitar and bass parts"
    if found.group(1) == "cut the" and re.match(r"[\w&'-]+\s+in\b", text[start:]):
        return None  # "cut the piano in at bar 9"
    if found.group(1) in _EXCEPT and _EXCEPT_KEEPS_RE.search(text, max(0, found.start() - _LOOKBACK), found.start()):
        return None
    return found.group(1)


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
        whole_lists, pending, joined = negator in _LIST_NEGATORS, [], False
        following = first + 1
        while following < len(spans):
            between = text[spans[following - 1][1] : spans[following][0]]
            joins = _AND_RE.fullmatch(between) or _SO_MUCH_AS_RE.fullmatch(between)  # not "not rock so much as blues"
            if _OR_RE.fullmatch(between) or (whole_lists and joins):
                for k in (*pending, following):
                    lists[k] = first
                pending, joined = [], True
            elif not joined and negator not in _COMMA_ENDS and _COMMA_RE.fullmatch(between):  # before "and" / "or"
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


# A change of tempo: "+10 bpm", "slow it down by 20 bpm", "50 bpm faster" whatever the number; and, for a number
# too slow to be a tempo, "raise the tempo 10 bpm", "drop it 10 bpm", "a 30 bpm boost", "8 bpm above 120".
_CHANGE_BEFORE_RE = re.compile(r"(?:\+|(?<![\w'-])by\s+)\s*$")
_CHANGE_AFTER_RE = re.compile(r"\s*(?:faster|slower|quicker)\b")
_SMALL_CHANGE_BEFORE_RE = re.compile(
    r"(?<![\w'-])(?:raise|lower|increase|decrease|bump|boost|reduce|drop|up|down|speed up|slow down)"
    r"(?:\s+(?:the|it))?(?:\s+(?:tempo|bpm|speed))?(?:\s+by)?\s+$"
)
_SMALL_CHANGE_AFTER_RE = re.compile(
    r"\s*(?:higher|lower|more|less|up|down|boost|increase|decrease|drop|above|below|over|under)\b"
)


def _bpm(number: str) -> float:
    """A tempo in digits or words: "96", "eighty five", "one hundred and twenty"."""
    if number[0].isdigit():
        return float(number)
    words = re.sub(r"^(?:one|a)\s+|\band\b", " ", number).split()
    return float(sum(100 if word == "hundred" else _number(word) for word in words))


def _is_tempo_change(text: str, match: re.Match[str]) -> bool:
    """Whether a number in bpm is a change of tempo; "lower tempo, 70 bpm" is a tempo, "10 bpm lower" a change."""
    start, end = match.start(1), match.end()
    if _CHANGE_BEFORE_RE.search(text, max(0, start - 40), start) or _CHANGE_AFTER_RE.match(text, end):
        return True
    return _bpm(match.group(1)) < TEMPO_RANGE[0] and bool(
        _SMALL_CHANGE_BEFORE_RE.search(text, max(0, match.start() - 40), match.start())
        or _SMALL_CHANGE_AFTER_RE.match(text, end)
    )


def _find_tempo(text: str) -> float | None:
    """A tempo in bpm ("96 bpm", "tempo 96", "at 96") that is not ruled out ("not 120 bpm, more like 90"), else
    the first tempo word not negated; only negated ones ("not too fast") ask for a moderate tempo."""
    numbers = (match for pattern in _TEMPO_RES for match in pattern.finditer(text))
    match = next((m for m in numbers if _negator(text, m.start()) is None and not _is_tempo_change(text, m)), None)
    if match:
        return _check_tempo(_bpm(match.group(1)))
    for bare in _BARE_TEMPO_RE.finditer(text):
        if _AGE_BEFORE_AT_RE.search(text, max(0, bare.start() - 40), bare.start()):
            continue  # "who retired at 65", "keep the volume at 80"
        if TEMPO_RANGE[0] <= float(bare.group(1)) <= TEMPO_RANGE[1]:
            return float(bare.group(1))
    words = {
        match.span(): TEMPO_WORDS[match.group(1)]
        for match in _TEMPO_WORD_RE.finditer(text)
        if match.group(1) != "quick" or _QUICK_TEMPO_RE.match(text, match.end())
        if not _is_idiom_at(text, match.span(), match.group(1))  # "fast food", "slow it down by 20 bpm"
    }
    tempo = _first_not_negated(text, words)
    if tempo is None and words:
        return TEMPO_WORDS["moderate"]  # "not too fast", "neither fast nor slow"
    return tempo


_SCALE_NAMES = "|".join(sorted(_SCALES, key=len, reverse=True))
_KEY_RES = (
    # "in D minor", "key of F# major", "in E flat", "in c minor", "in C-minor", "in D dorian"
    re.compile(
        r"(?:\bin(?: the key of)?\s+|\bkey(?:\s+of\s+|\s*[:=]\s*|\s+))([A-Ga-g])(\s*(?:#|♯|♭|-?sharp|-?flat)|b(?![a-z]))?"
        rf"(?:[\s-]*({_SCALE_NAMES}|major|minor|maj|min|m)\b)?(?![\w#])",
        re.IGNORECASE,
    ),
    # "D minor", "F# major", "Bb major", "G min", "E phrygian" anywhere
    re.compile(
        rf"(?<![\w#])([A-G])(\s*(?:#|♯|♭|-?sharp|-?flat)|b)?[\s-]*({_SCALE_NAMES}|major|minor|maj|min)\b",
        re.IGNORECASE,
    ),
    # "F#m", "Ebm", "Am" as a word (upper-case tonic), "c#m", "bbm" (lower-case, with an accidental)
    re.compile(r"(?<![\w#])([A-G])(#|b)?(m|maj|min)(?![\w#])"),
    re.compile(r"(?<![\w#])([a-g])(#|b)(m|min)(?![\w#])"),
    # a bare "Bb" or "F#" (an accidental is needed: a bare "A" is usually the article)
    re.compile(r"(?<![\w#/-])([A-G])(#|b)()(?![\w#])"),
    # … or a bare capital letter alone in a list: "pop song, 120 bpm, G"
    re.compile(r"(?:^|(?<=[,;])|(?<=[,;] ))([A-G])()()(?=\s*(?:$|[,;]|\.(?!\w)))"),
)
# After "a minor" these make it the article and an adjective: "a minor-key piece", "with a minor feel".
_ARTICLE_MINOR_RE = re.compile(
    r"[\s-]+(?:key|feel|chords?|\d+(?:st|nd|rd|th)|third|sixth|seventh|ninth|tonality|vibe|flavou?r|tinge|twist|"
    r"touch|progression|mood|way|hit|role|part|league|success|problem|issue|inconvenience|setback|detail|change)\b"
)
# After a bare upper-case "in D" these make it a name: "in D&D", "in D.C.", "in B-movie style", "in E Street Band".
_AFTER_BARE_TONIC_NAME_RE = re.compile(rf"\s+(?!(?i:{_CLAUSE_WORDS}))[A-Z]|[&.+-][A-Za-z]")
# What may follow a two-letter "Am" / "Em" for it to be a chord: not "Am I dreaming?", "happy birthday Em!".
_AFTER_TWO_LETTER_CHORD_RE = re.compile(r"\s*(?:$|[,.;:)/|]|\d)|\s+[A-G](?:#|b)?m?(?![\w#])")
# What may follow a bare "in A" for it to be a key, not the article ("in A, banjo" but "In A Quiet Library").
_AFTER_BARE_A_RE = re.compile(rf"\s*(?:$|[^\w\s]|{_CLAUSE_WORDS})", re.IGNORECASE)


_KEY_LEAD_RE = re.compile(r"(?:\bin\s+(?:the\s+key\s+of\s+)?|\bkey\s+of\s+)?$")  # what a negator may precede


def _find_key(original: str) -> Key | None:
    """The first key named and not ruled out ("not in C major, make it D minor"), matched on the original case."""
    found = [
        (i, m) for i, pattern in enumerate(_KEY_RES) for m in pattern.finditer(original) if _is_key(original, m, i)
    ]
    lowered = original.lower()  # can lengthen a few letters ("İ"); then the places differ and nothing is ruled out
    ruled_out = _ruled_out_keys(lowered, [m for _, m in found]) if len(lowered) == len(original) else set()
    for _, match in found:
        if match.span() in ruled_out:
            continue
        letter, accidental, mode = match.groups()
        accidental = (accidental or "").strip().lower().replace("-", "")
        mode = _SCALES.get((mode or "").lower()) or _MODE[(mode or "").lower()]
        return Key((_LETTER_PC[letter.upper()] + _ACCIDENTAL[accidental]) % 12, mode)
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
            if match.start() < before.end() or (joined and (joined.group(1) or by in _LIST_NEGATORS)):
                negator = by  # the same key matched twice, or the next in a list
        if negator is not None:
            ruled_out.add(match.span())
        if previous is None or match.start() >= previous[0].end():
            previous = (match, negator)
    return ruled_out


def _is_key(original: str, match: re.Match[str], index: int) -> bool:
    """Whether a match of ``_KEY_RES[index]`` is a key rather than ordinary words ("in a calm mood")."""
    letter, accidental, mode = match.groups()
    accidental, mode = (accidental or "").strip().lower(), (mode or "").lower()
    if letter == "a" and _ARTICLE_MINOR_RE.match(original, match.end()):
        return False  # "in a minor key" asks for some minor key, not A minor
    if letter.islower() and mode in _SCALES:
        return False  # "in a dorian mode", "a lydian style": a mode, on no tonic
    if match.group(0) == "ebm":
        return False  # the genre (electronic body music), not E-flat minor
    if index == 0 and letter.islower() and not mode:  # "in b-sides", but "in e flat", "key of c#"
        return letter != "a" and accidental not in ("", "b")
    if index == 1 and letter.islower():  # "a dorian groove", "a min"; "a major hit", "with a minor feeling"
        return mode in ("major", "minor") and letter != "a"
    if index == 0 and letter.isupper() and not accidental and not mode:
        if _AFTER_BARE_TONIC_NAME_RE.match(original, match.end()):
            return False
    if index == 2 and match.group(0) in ("Am", "Em"):  # "Am I dreaming?", "When I Am Stressed"
        if re.search(r"\bI\s+$", original[: match.start()]) or re.match(r"\s+I\b", original[match.end() :]):
            return False
        return match.start() == 0 or bool(_AFTER_TWO_LETTER_CHORD_RE.match(original, match.end()))
    if index == 0 and letter == "A" and not accidental and not mode and not match.group(0).lower().startswith("in a"):
        return True  # "key of A", "in the key of A"
    if index == 0 and letter == "A" and not accidental and not mode:
        return bool(_AFTER_BARE_A_RE.match(original, match.end()))
    return True


_BEATS_TO_THE_BAR_RE = re.compile(
    r"(?<![\w-])([2-9])\s+beats\s+(?:to|per|in)(?:\s+(?:the|a|each))?\s+(?:bar|measure)\b"
)
_OCCASION_AFTER_RE = re.compile(r"\s+(?:date|anniversary|birthday)(?![\w-])")


def _find_time_signature(text: str) -> tuple[int, int] | None:
    """The first "n/d" that is a metre (not a note value such as "1/16"), else the first metre word."""
    for match in re.finditer(r"(?<![\d/])(\d{1,2})\s*/\s*(\d{1,2})(?![\d/])", text):
        before, after = text[max(0, match.start() - 20) : match.start()], text[match.end() :]
        if re.search(r"(?<![\w'-])on\s+$", before) or re.match(r"\s+of\b", after):
            continue  # a date or a fraction: "on 12/8", "3/4 of the way"
        if re.search(r"(?<![\w'-])(?:our|my|your|his|her|their)\s+$", before) and _OCCASION_AFTER_RE.match(after):
            continue  # "jazz for our 5/4 date night", but "a 6/8 wedding song"
        if _negator(text, match.start()) is not None:
            continue  # ruled out: "not 4/4, make it 7/8", "anything but 4/4"
        if match.group(1) != "1" and int(match.group(2)) in (2, 4, 8, 16):
            return parse_time_signature(f"{match.group(1)}/{match.group(2)}")
    beats = _BEATS_TO_THE_BAR_RE.search(text)
    if beats and _negator(text, beats.start()) is None and (int(beats.group(1)), 4) in TIME_SIGNATURES:
        return (int(beats.group(1)), 4)
    found = {
        match.span(): signature
        for words, signature in TIME_SIGNATURE_WORDS.items()
        for match in re.finditer(rf"(?<![\w-]){re.escape(words)}(?:e?s)?(?![\w-])", text)
        if not _is_idiom_at(text, match.span(), words)
    }
    return _first_not_negated(text, found)


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
        found = excluded if left_out else implied if match.group(1) in _IMPLYING_DRUMS else programs
        found.extend(_programs_of_phrase(match.group(1), genre))
    for less in _LESS_RE.finditer(text):  # "a piano-less jazz trio", "drumless"
        excluded.extend(_programs_of_phrase(less.group(1), genre))
    kinds = {p for program in excluded for p in kind_programs(program)}
    named = set(programs) | (set(implied) - kinds)
    return tuple(sorted(named)) or None, tuple(sorted(kinds - named)) or None


# "drums off", "drums: none", "drums=no"; not "piano no drums" nor "drums off the beat"
# "acoustic and electric guitars" names two guitars: the noun is written out for both
_SORT_OF = "acoustic|electric|nylon|steel|jazz|clean|distorted|upright|fretless|slap|synth|grand"
_SHARED_NOUN_RE = re.compile(rf"(?<![\w-])({_SORT_OF})\s+(and|&|or)\s+({_SORT_OF})\s+(guitars?|pianos?|bass(?:es)?)\b")
_SWITCHED_OFF_RE = re.compile(r"(?:\s*[:=]\s*(?:off|none|no)|[\s-]+(?:off|none))\b(?!\s+(?:the|a|an)\b)")
_LESS_RE = re.compile(r"(?<![\w-])(drum|piano|bass|guitar|synth|string|vocal)s?-?less\b")


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


def _is_idiom_at(text: str, span: tuple[int, int], word: str) -> bool:
    """Whether ``word`` at ``span`` is part of a phrase of ``_IDIOMS`` / ``_IDIOMS_BEFORE`` ("rock bottom")."""
    singular = re.sub(r"e?s$", "", word)
    after = _IDIOM_RES.get(word) or _IDIOM_RES.get(singular)
    before = _IDIOM_BEFORE_RES.get(word) or _IDIOM_BEFORE_RES.get(singular)
    return bool(
        (after and after.match(text, span[1])) or (before and before.search(text, max(0, span[0] - 40), span[0]))
    )


def _programs_of_phrase(phrase: str, genre: str | None) -> tuple[int, ...]:
    gm_lower = _gm_lower()
    for candidate in (phrase, re.sub(r"e?s$", "", phrase), phrase[:-1]):
        found = _synonym(candidate, genre)
        if found:
            return found
        if candidate in gm_lower:
            return (gm_lower[candidate],)
    return ()


@functools.cache
def _gm_lower() -> dict[str, int]:
    return {n.lower(): i for i, n in enumerate(GM_NAMES)}


def _find_label(text: str, table: dict[str, tuple[str, ...]], weak: tuple[str, ...] = ()) -> str | None:
    """The label whose word comes first in ``text``, skipping negated words ("not too dark", "not sad or dark")
    and words that overlap an instrument's name beyond it: "classical guitar", "bright acoustic piano", "kick
    drum and bass" (but "drum and bass" is a genre holding two names). ``weak`` words count only when no other
    word is found."""
    names = [match.span() for match in _INSTRUMENT_RE.finditer(text)]
    found = {  # one label per place in the text: a label is usually also one of its own words
        match.span(): label
        for label, words in table.items()
        for word in (label, *words)
        for match in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)
        if not any(_overhangs(name, match.span()) for name in names) and not _is_idiom_at(text, match.span(), word)
    }
    strong = {span: label for span, label in found.items() if text[span[0] : span[1]] not in weak}
    return _first_not_negated(text, strong) or _first_not_negated(text, found)


def _overhangs(name: tuple[int, int], word: tuple[int, int]) -> bool:
    """Whether the span ``name`` overlaps ``word`` and reaches outside it."""
    overlap = name[0] < word[1] and word[0] < name[1]
    return overlap and (name[0] < word[0] or word[1] < name[1])


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


def parse_prompt(prompt: str, genre: str | None = None) -> Attributes:
    """Extract every attribute the prompt states; the rest stay ``None``. ``genre`` (a flag's) decides what a
    plain "bass" or "guitar" in the prompt is, instead of the prompt's own genre."""
    if not prompt or not prompt.strip():
        raise MusicGenError("the prompt is empty: describe the music, e.g. 'a calm piano piece in D minor'")
    text = _normalise(prompt)
    bars, seconds = _find_length(text)
    found_genre = _find_label(text, GENRES, GENRE_ADJECTIVES)
    instruments, without = _find_instruments(text, parse_genre(genre) if genre is not None else found_genre)
    return Attributes(
        tempo=_find_tempo(text),
        key=_find_key(" ".join(prompt.split())),
        time_signature=_find_time_signature(text),
        instruments=instruments,
        without=without,
        genre=found_genre,
        mood=_find_label(text, MOODS),
        bars=bars,
        seconds=seconds,
    )


@dataclass
class AttributeOverrides:
    """Raw user overrides (CLI strings or API values), validated into an :class:`Attributes`."""

    tempo: str | float | None = None
    key: str | None = None
    time_signature: str | tuple[int, int] | None = None
    instruments: str | list | tuple | None = None
    genre: str | None = None
    mood: str | None = None
    bars: int | None = None
    seconds: float | None = None
    without: str | list | tuple | None = None
    extra: dict = field(default_factory=dict)

    def resolve(self, prompt: str) -> Attributes:
        """The prompt's attributes with these overrides applied; a genre given here also decides what the prompt's
        plain "bass" or "guitar" is ("a tune with bass" and ``genre="jazz"``: the upright bass)."""
        return self.apply(parse_prompt(prompt, self.genre))

    def apply(self, attributes: Attributes) -> Attributes:
        genre = parse_genre(self.genre) if self.genre is not None else None
        if self.instruments is not None:  # the instruments given are all there is: nothing is left out
            attributes = replace(attributes, without=None)
        attributes = attributes.merged(
            tempo=parse_tempo(self.tempo) if self.tempo is not None else None,
            key=parse_key(self.key) if self.key is not None else None,
            time_signature=parse_time_signature(self.time_signature) if self.time_signature is not None else None,
            instruments=(
                parse_instruments(self.instruments, genre or attributes.genre) if self.instruments is not None else None
            ),
            genre=genre,
            mood=parse_mood(self.mood) if self.mood is not None else None,
            bars=check_bars(self.bars) if self.bars is not None else None,
            seconds=check_seconds(self.seconds) if self.seconds is not None else None,
        )
        attributes = self._leave_out(attributes) if self.without is not None else attributes
        if len(attributes.instruments or ()) > MAX_INSTRUMENTS:  # only the prompt's can be more: flags are checked
            names = ", ".join(program_name(p) for p in attributes.instruments)
            raise MusicGenError(
                f"the prompt names {len(attributes.instruments)} instruments ({names}): at most {MAX_INSTRUMENTS}; "
                "name fewer, or choose them with --instruments"
            )
        return attributes

    def _leave_out(self, attributes: Attributes) -> Attributes:
        """``without``: its instruments' kinds leave the prompt's instruments and the model's choice; an instrument
        both given (``instruments``) and left out is an error."""
        if isinstance(self.without, str) and not self.without.strip(" ,"):
            raise MusicGenError("nothing to leave out: name instruments, e.g. 'drums, guitar'")
        left_out = parse_instruments(self.without, attributes.genre)
        kinds = {p for program in left_out for p in kind_programs(program)}
        instruments = attributes.instruments or ()
        if self.instruments is not None:
            clash = sorted(set(left_out) & set(instruments))
            if clash:
                names = ", ".join(program_name(p) for p in clash)
                raise MusicGenError(f"{names}: both among the instruments and left out; drop it from one of them")
            kinds -= set(instruments)
        else:
            instruments = tuple(p for p in instruments if p not in kinds)
        without = tuple(sorted(kinds | set(attributes.without or ())))
        return replace(attributes, instruments=instruments or None, without=without)
