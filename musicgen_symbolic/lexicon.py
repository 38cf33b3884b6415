"""The everyday words the prompt parser reads, as plain data: each table's words, and what they stand for.

No logic lives here: :mod:`musicgen_symbolic.prompt` builds its patterns from these tables (a finder's module
says how it reads its words). The labels that genre and mood words stand for are the control-token vocabulary,
:data:`~musicgen_symbolic.vocabulary.GENRE_LABELS` and :data:`~musicgen_symbolic.vocabulary.MOOD_LABELS`.

Word lists list every form they accept ("solo", "solos"): a pattern matches exactly these words (only
``PROGRAMMES`` and ``MUSIC_FOR`` leave their plural "s" to the pattern). Phrases of several words are written with
single spaces; the parser reads text whose spaces are normalised the same way.
"""

from __future__ import annotations

from .vocabulary import DRUMS

# --------------------------------------------------------------------------- instruments

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

# … also before "-driven", "-led", "-heavy": "guitar-driven rock" asks for guitar.
INSTRUMENT_LED = ("driven", "led", "heavy", "based", "centric", "forward")

# General MIDI's sound effects (programs 120–127: "seashore", "applause"…) are usually scenery in a prompt ("a walk
# along the seashore"): they count only before one of these words, "seashore sound effects", or through
# ``parse_instrument`` (--instruments).
SOUND_EFFECT_WORDS = ("sound", "sounds", "effect", "effects", "sfx", "fx", "noise", "noises", "sample", "samples")

# A word that only implies drums gives way to an exclusion: "a lofi beat but no drums" has none.
IMPLYING_DRUMS = ("beat", "beats", "groove", "grooves")

# "acoustic and electric guitars" names two guitars: the noun (``SHARED_NOUNS``) is written out for both.
SORT_OF = (
    "acoustic", "electric", "nylon", "steel", "jazz", "clean", "distorted", "upright", "fretless", "slap", "synth",
    "grand",
)  # fmt: skip
SHARED_NOUNS = ("guitar", "guitars", "piano", "pianos", "bass", "basses")

# An instrument with "-less" after it, maybe with a plural "s" and a hyphen: "a piano-less jazz trio", "drumless".
LESS_INSTRUMENTS = ("drum", "piano", "bass", "guitar", "synth", "string", "vocal")

# A negated instrument followed by one of these is not left out: "no guitar solo" is about the solo.
INSTRUMENT_PARTS = (
    "solo", "solos", "intro", "intros", "outro", "outros", "drop", "drops", "fill", "fills", "break", "breaks", "part",
    "parts", "riff", "riffs", "lick", "licks", "chord", "chords", "section", "sections",
)  # fmt: skip

# After a negated instrument, how it should not play: "without the bass overpowering the vocals", "no drums
# playing too loud" neither ask for the instrument nor leave it out. One of ``OVERPOWERING``; or one of ``PLAYING``
# then one of ``TOO``; or one of ``TOO`` then one of ``TOO_MUCH``.
OVERPOWERING = (
    "overpowering", "drowning", "dominating", "overwhelming", "clashing", "burying", "masking", "cluttering",
    "muddying", "hogging",
)  # fmt: skip
PLAYING = ("being", "getting", "playing", "sounding", "coming in")
TOO = ("too", "so", "overly")
TOO_MUCH = ("loud", "busy", "heavy", "prominent", "dominant", "harsh", "bright", "boomy")

# --------------------------------------------------------------------------- tempo

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
    "quick": 150,  # in a prompt only before a dance: "a quick two-step" (QUICK_TEMPO_NOUNS)
    "very fast": 180,
    "frantic": 190,
}


# "quick" is a tempo only before a dance or the pace, maybe after one word ("a quick two-step"): "a quick lofi
# beat" is a short one.
QUICK_TEMPO_NOUNS = ("two-step", "step", "tempo", "pace", "dance", "polka", "jig", "reel", "waltz", "shuffle")

# "around 100 bpm", "at ~ 90"
APPROXIMATELY = ("around", "about", "roughly", "approximately")

# "at 160" is a tempo only when the number ends a clause, or one of these words follows, or "in" and a key or a
# metre: not "at 45 rpm", nor "peaks at 100 in the charts", nor "at 100 in a club".
CLAUSE_WORDS = ("with", "and", "for", "on", "at", "using", "featuring", "over", "plus", "but")

# Words that make "at NN" an age or a level (within the two words before "at"): "retired at 65", "volume at 80".
AGE_BEFORE_AT = (
    "retired", "born", "married", "died", "aged", "age", "volume", "driving", "going", "lessons", "started",
)  # fmt: skip

# "speed of 60 mph" is not a tempo ("speed = 120" is).
SPEED_UNITS = ("mph", "km/h", "kmh", "kph", "wpm")

# A change of tempo: "+10 bpm", "slow it down by 20 bpm", "50 bpm faster" whatever the number; and, for a number
# too slow to be a tempo, "raise the tempo 10 bpm", "drop it 10 bpm", "a 30 bpm boost", "8 bpm above 120".
TEMPO_CHANGES = ("faster", "slower", "quicker")  # after the number, whatever it is
SMALL_CHANGE_VERBS = (
    "raise", "lower", "increase", "decrease", "bump", "boost", "reduce", "drop", "up", "down", "speed up", "slow down",
)  # fmt: skip
SMALL_CHANGE_AFTER = (
    "higher", "lower", "more", "less", "up", "down", "boost", "increase", "decrease", "drop", "above", "below", "over",
    "under",
)  # fmt: skip

# --------------------------------------------------------------------------- genres and moods

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

# --------------------------------------------------------------------------- metre

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

# "jazz for our 5/4 date night" is not in 5/4 (but "a 6/8 wedding song" is): one of ``OCCASIONS`` after one of
# ``POSSESSIVES`` and the metre.
OCCASIONS = ("date", "anniversary", "birthday")
POSSESSIVES = ("my", "our", "your", "his", "her", "their")

# --------------------------------------------------------------------------- keys

LETTER_PITCH_CLASSES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
ACCIDENTALS = {"#": 1, "♯": 1, "sharp": 1, "b": -1, "♭": -1, "flat": -1, "": 0}
MODES = {"major": "major", "maj": "major", "minor": "minor", "min": "minor", "m": "minor", "": "major"}
# Scales and church modes, by the third above their tonic: "D dorian" is a minor key on D.
SCALES = {
    "harmonic minor": "minor", "natural minor": "minor", "melodic minor": "minor", "dorian": "minor",
    "phrygian": "minor", "aeolian": "minor", "locrian": "minor", "ionian": "major", "lydian": "major",
    "mixolydian": "major",
}  # fmt: skip

# After "a minor" these (or an ordinal: "a minor 7th") make it the article and an adjective: "a minor-key piece",
# "with a minor feel".
AFTER_A_MINOR = (
    "key", "feel", "chord", "chords", "third", "sixth", "seventh", "ninth", "tonality", "vibe", "flavor", "flavour",
    "tinge", "twist", "touch", "progression", "mood", "way", "hit", "role", "part", "league", "success", "problem",
    "issue", "inconvenience", "setback", "detail", "change",
)  # fmt: skip

# --------------------------------------------------------------------------- lengths

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "dozen": 12,
}  # fmt: skip
ARTICLES = {"a": 1, "an": 1, "half a": 0.5, "half an": 0.5}  # a count of minutes only: "a second piano" is none

# A count of time inside the piece is not its length: "every 4 bars", "after 8 bars", "the last 10 seconds" (before
# it: these words, or "(for) the first" / "(for) the last"), "a 3 second pause", "3 seconds later", "at the 1 minute
# mark", "30 seconds of silence" (after it).
INNER_LENGTH_BEFORE = ("every", "each", "after", "within", "wait")
INNER_LENGTH_AFTER = (
    "later", "ago", "into", "mark", "of silence", "of summer", "pause", "pauses", "fade", "fades", "gap", "gaps",
    "rest", "rests", "silence",
)  # fmt: skip

# A clock time is a length after these: "length: 2:45", "a duration of 1:30".
LENGTH_NAMES = ("length", "duration", "runtime")

# A length just before a part of the piece, maybe after one word ("an 8 bar piano intro"), is the part's.
PART_LENGTH_NOUNS = (
    "intro", "intros", "outro", "outros", "solo", "solos", "break", "breaks", "breakdown", "breakdowns", "fill",
    "fills", "section", "sections", "part", "parts", "bridge", "bridges", "verse", "verses", "chorus", "choruses",
    "drop", "drops", "coda", "codas", "interlude", "interludes", "build-up", "build-ups", "buildup", "buildups",
)  # fmt: skip

# A length before a programme the music goes with is the programme's: "a 60 minute podcast intro", "a 30 second
# video intro". Each may take a plural "s" ("documentarie" for "documentaries", "ceremonie" for "ceremonies").
PROGRAMMES = (
    "podcast", "video", "vlog", "film", "movie", "documentary", "documentarie", "lecture", "meeting", "livestream",
    "stream", "episode", "presentation", "webinar", "broadcast", "show", "class", "workout", "queue", "call", "lesson",
    "tutorial", "course", "ceremony", "ceremonie", "service", "commute", "flight",
)  # fmt: skip
# … but not where one of these follows the programme: "a 15 minute film score", "a 2 minute video background".
PROGRAMME_MUSIC = (
    "score", "scores", "soundtrack", "soundtracks", "music", "piece", "pieces", "track", "tracks", "cue", "cues",
    "background", "backgrounds", "bed", "beds", "underscore", "underscores", "backing", "mix", "mixes", "song", "songs",
    "playlist", "playlists", "tune", "tunes",
)  # fmt: skip
# A programme's length is the music's where the music is for the whole programme: one of these (maybe with a plural
# "s") "for a 2 minute video"…
MUSIC_FOR = (
    "music", "soundtrack", "score", "background", "bed", "underscore", "backing", "track", "song", "tune", "piece",
    "beat", "instrumental", "accompaniment",
)  # fmt: skip
# … not after one of these: "intro music for a 10 minute podcast", "the closing theme music for a 1 minute video"…
PARTS_BEFORE_MUSIC = ("intro", "outro", "opening", "closing", "ending", "theme", "credit", "credits", "title", "jingle")
# … nor before one of these: "music for a 2 minute video's intro", "music for a 30 second video ad".
PROGRAMME_PARTS = (
    "intro", "intros", "outro", "outros", "opener", "openers", "opening", "theme", "themes", "jingle", "jingles",
    "sting", "stings", "stinger", "stingers", "bumper", "bumpers", "transition", "transitions", "ident", "idents",
    "credits", "ending", "endings", "end screen", "end screens", "title sequence", "title sequences", "title card",
    "title cards", "teaser", "teasers", "trailer", "trailers", "montage", "montages", "segment", "segments", "scene",
    "scenes", "ad", "ads", "break", "breaks",
)  # fmt: skip

# --------------------------------------------------------------------------- negation

# Words that negate the word after them, maybe after filler words: "not too fast", "without any drums", "don't make
# it too fast". Those of ``LIST_NEGATORS`` also negate a whole list joined by "and": "without drums, bass and
# guitar" (the others only one joined by "or" / "nor": "no violins, cellos or violas").
LIST_NEGATORS = (
    "without", "without using", "sans", "w/o", "leave out", "no need for", "don't want", "do not want", "don't use",
    "don't add", "do not add", "don't include", "do not include", "doesn't need", "does not need", "neither",
    "except for", "except", "excluding", "other than", "remove", "minus", "exclude", "avoid", "take out",
    "get rid of", "ditch", "mute the", "drop the", "skip the", "cut the", "lose the", "everything but",
    "everything except", "all but", "replace the", "swap the", "swap out the", "switch out the",
)  # fmt: skip
NEGATORS = (
    *LIST_NEGATORS, "nor", "not", "never", "no", "nothing", "don't", "do not", "doesn't", "shouldn't", "instead of",
    "rather than", "in place of", "zero", "isn't", "is not", "can't", "cannot", "won't", "hate", "anything but",
)  # fmt: skip
# "except" keeps what follows when it comes right after "nothing" / "none" / "no <noun>": "all instruments except
# drums" leaves the drums out, "nothing except piano" asks for piano.
EXCEPT = ("except for", "except", "excluding", "other than")
# Commands that do not negate when they are negated themselves: "don't skip the drums" keeps them.
IMPERATIVE_NEGATORS = (
    "skip the", "cut the", "lose the", "drop the", "mute the", "remove", "ditch", "replace the", "swap the",
    "swap out the", "switch out the",
)  # fmt: skip
NEGATED_IMPERATIVES = ("don't", "do not", "never", "no need to")
COMMA_ENDS = ("skip the", "cut the", "lose the")  # "skip the bass, piano and drums" asks for piano and drums
REPLACING = ("replace the", "swap the", "swap out the", "switch out the")  # only with what replaces it after
# Words that may come between a negator and what it negates, and after the "or" / "and" / comma of a negated list.
FILLERS = (
    "too", "so", "very", "overly", "that", "really", "a", "an", "any", "the", "be", "make", "it", "even", "sound",
    "get", "more", "anything", "getting", "sounding", "feel", "have",
)  # fmt: skip
# An adjective only right after the negator ("no heavy drums", "without any live drums"): "not too loud drums" asks
# for drums that are not too loud.
NEGATED_ADJECTIVES = ("heavy", "live", "loud", "real", "prominent", "extra")
# A negation carries on along a list joined by these: "neither fast nor slow", "no drums, let alone a choir".
OR_WORDS = ("or", "nor", "let alone", "not even")

# --------------------------------------------------------------------------- idioms

# Phrases where an instrument's, genre's, mood's or tempo's word means something else: the word followed by these
# ("when the bass kicks in", "hats off", "a conga line", "rock bottom", "dark mode", "fast food")… A few need more
# than words (a number, a date): those are patterns in ``prompt/text.py``.
# fmt: off
IDIOMS = {
    "fast": ("food", "car", "cars", "fashion", "lane", "forward"),
    # "a slow burn", "a slow attack"; "slow it down by 20 bpm" changes a tempo ("slow down 2 semitones" is still slow)
    "slow": (
        "burn", "burner", "burning", "build", "builds", "building", "attack", "attacks", "release", "releases",
        "cooker",
    ),
    "kick": ("in", "off", "back", "up", "out", "it", "things", "down", "the"),
    "synth": ("pop", "wave", "punk"),  # genres, not a lead synth
    "hats": ("off",),
    "claps": ("along",),
    "conga": ("line",),
    "drumming": ("on", "up"),
    "drum": ("up",),
    "beat": ("up", "the odds"),
    "keys": ("jingling", "to the"),
    "string": ("guitar", "attached", "of lights", "theory"),  # "a 12 string guitar" is a guitar
    "voice": ("acting", "actor", "memo", "message", "note", "call", "assistant", "of a generation"),  # and a voiceover
    "pad": ("thai",),
    "horn": ("of a dilemma", "of plenty"),
    "fiddle": ("with",),
    "harp": ("on about", "on it", "on and on"),
    "bells": ("and whistles",),
    "brushes": ("with death", "with fame", "with greatness", "with danger", "with disaster", "with the law"),
    "bass": ("fishing", "clef"),
    "house": ("of", "warming"),
    "march": ("madness",),  # and a date: "march 21", not "a march 2/4"
    "rock": ("my baby", "bottom", "solid", "climbing"),
    "pop": ("the", "up", "quiz"),
    "soul": ("searching",),
    "drone": ("footage",),
    "swing": ("by",),
    "loving": ("memory",),
    "soft": ("launch", "drink"),
    "dark": ("mode",),
    "floating": ("point",),
    "driving": ("test",),
    "epic": ("fail",),
}
# A voice the music goes with rather than one it has: "a backing track for my vocals", "without the bass
# overpowering the vocals", "something to put under the vocals" (but "her vocals soaring over synths" asks). The
# words before the voice: one of ``THEIR_VOICE_OWNERS``; one of ``THEIR_VOICE_PLACES`` and "the"; one of
# ``THEIR_VOICE_ROOM``, "for" and maybe "the"; or one of ``THEIR_VOICE_RIVALS`` (maybe with "-s", "-es", "-ed",
# "-ing", then "out" or "with", "the", "singer's").
VOICE_WORDS = ("vocals", "vocal", "voice", "voices")
THEIR_VOICE_OWNERS = ("my", "our", "your")
THEIR_VOICE_PLACES = ("over", "under", "beneath", "behind", "around", "below")
THEIR_VOICE_ROOM = ("room", "space", "backing", "accompaniment", "a bed")
THEIR_VOICE_RIVALS = ("overpower", "drown", "bury", "buries", "clash", "compete", "support")
# … or after these ("nothing beats", "skipped a beat", "car keys", "a haunted house", "in March", "past tense").
IDIOMS_BEFORE = {
    "beat": ("who", "we", "i", "you", "they", "to", "never", "finally", "skipped a", "skip a", "missed a", "miss a"),
    "beats": ("nothing", "who", "he", "she", "it", "never", "finally"),  # and a number: "3 beats to the bar" counts
    "kicks": ("for",),
    "keys": ("car", "house", "door", "florida", "lost", "losing", "my", "your", "the car"),
    "keyboard": ("typing on a", "typing on the", "computer", "mechanical"),
    "string": ("pull", "pulls", "pulled", "pulling", "pull some", "pulls some", "pulled some", "pulling some"),
    "kit": ("press", "survival", "aid", "starter", "tool", "repair", "media"),
    "hats": ("cowboy", "party", "top", "hard", "straw", "sun"),
    "shakers": ("movers and",),
    "pad": ("launch", "lily", "knee", "bachelor", "mouse", "note", "landing", "heating", "shoulder", "elbow"),
    "horn": ("own", "car"),
    "fiddle": ("second",),
    "whistle": ("bells and",),
    "whistles": ("bells and",),
    "bass": ("sea",),
    "house": (
        "haunted", "open", "tree", "full", "dog", "bird", "green", "farm", "beach", "lake", "safe", "white", "my",
        "our", "your", "his", "her", "their",
    ),
    "march": ("in", "of", "this", "next", "last", "early", "late", "since", "until", "from", "by"),
    "country": ("across the", "in the"),
    "soul": ("an old", "heart and"),
    "swing": ("in full",),
    "trap": ("tourist",),
    "tense": ("past",),
    "tender": ("legal",),
    **dict.fromkeys(VOICE_WORDS, THEIR_VOICE_OWNERS),  # and the rest of ``THEIR_VOICE_*`` (prompt/text.py)
}
# fmt: on
# Negators that negate nothing before these words: "drop the bass" and "drop the beat" are an EDM drop.
NEGATOR_IDIOMS = {"drop the": ("bass", "beat")}
# … or where these follow the word after them: "cut the piano in at bar 9" brings the piano in.
NEGATOR_IDIOMS_AFTER_NEXT = {"cut the": ("in",)}

# --------------------------------------------------------------------------- chord progressions

# Named progressions, in Roman numerals in the ``--chords`` notation ("I7:4": I7 for four bars), as they go in a
# major key; ``NAMED_PROGRESSIONS_IN_MINOR`` has the form a minor key takes, where it differs ("a 12-bar blues in A
# minor" is a minor blues). Numerals with an accidental are measured from the major scale (``theory.parse_roman``),
# so "i bVII bVI V" names the same chords in either mode. (Roman numerals are case-sensitive: these two tables are
# the lexicon's only upper-case words.)
NAMED_PROGRESSIONS: dict[str, str] = {
    "12-bar blues": "I7:4 IV7:2 I7:2 V7 IV7 I7 V7",
    "minor blues": "i7:4 iv7:2 i7:2 bVI7 V7 i7 V7",
    "andalusian cadence": "i bVII bVI V",
    "pachelbel's canon": "I V vi iii IV I IV V",
    "50s progression": "I vi IV V",
    "axis progression": "I V vi IV",
    "sensitive female progression": "vi IV I V",
    "royal road": "IVmaj7 V7 iii7 vi",
    "ii-V-I": "ii7 V7 Imaj7:2",
    "jazz turnaround": "Imaj7 vi7 ii7 V7",
    "circle of fifths": "I IV vii° iii vi ii V I",
    "aeolian progression": "i bVI bVII i",
}
NAMED_PROGRESSIONS_IN_MINOR: dict[str, str] = {
    "12-bar blues": "i7:4 iv7:2 i7:2 bVI7 V7 i7 V7",
    "pachelbel's canon": "i v bVI bIII iv i iv V",
    "50s progression": "i bVI iv V",
    "axis progression": "i bVI bIII bVII",
    "sensitive female progression": "i bVI bIII bVII",
    "royal road": "bVImaj7 bVII7 v7 i",
    "ii-V-I": "iiø7 V7 i7:2",
    "jazz turnaround": "i7 bVImaj7 iiø7 V7",
    "circle of fifths": "i iv bVII bIII bVI ii° V i",
}
# The words that name each progression in a prompt (besides the name itself). A plain "turnaround" is not one:
# "ending with a turnaround" is about the last bars, not the whole piece's harmony.
# fmt: off
PROGRESSION_NAMES: dict[str, tuple[str, ...]] = {
    "12-bar blues": (
        "12 bar blues", "twelve-bar blues", "twelve bar blues", "blues progression", "blues changes",
        "12-bar blues progression", "12 bar blues progression",
    ),
    "minor blues": ("minor 12-bar blues", "minor 12 bar blues", "12-bar minor blues", "12 bar minor blues"),
    "andalusian cadence": ("andalusian progression", "andalucian cadence", "andalusian chord progression"),
    "pachelbel's canon": ("pachelbel canon", "pachelbel", "canon progression", "pachelbel progression"),
    "50s progression": (
        "doo-wop progression", "doo wop progression", "doo-wop", "doo wop", "doowop", "'50s progression",
        "1950s progression", "fifties progression", "ice cream changes",
    ),
    "axis progression": (
        "four chord progression", "four-chord progression", "four chord song", "four-chord song",
        "pop punk progression", "pop-punk progression", "axis of awesome",
    ),
    "sensitive female progression": ("sensitive female", "sensitive female chord progression"),
    "royal road": ("royal road progression", "just the two of us progression"),
    "ii-V-I": ("ii-v-i", "ii v i", "ii–v–i", "two five one", "two-five-one", "2-5-1", "ii-v-i progression"),
    "jazz turnaround": ("turnaround progression", "standard turnaround", "1-6-2-5"),
    "circle of fifths": ("circle of fifths progression", "cycle of fifths", "circle-of-fifths progression"),
    "aeolian progression": ("epic progression", "aeolian cadence", "aeolian vamp"),
}
# fmt: on

# Words that tell a prompt is about chords: two Roman numerals apart only by a space ("a I V vamp") are read as
# chords only in a prompt with one of these.
CHORD_CUES = (
    "chord", "chords", "progression", "progressions", "changes", "vamp", "vamping", "cadence", "turnaround", "over",
    "harmony", "comping", "alternating", "alternate", "between",
)  # fmt: skip
# Words between two chords of a row besides spaces, commas, dashes, "|" and arrows: "Am then F then C".
CHORD_JOINS = ("then", "and then", "to", "into")
# After a note letter, these make it a key, not a chord of a row: "A C major piece", "in E flat".
KEY_AFTER_LETTER = ("major", "minor", "maj", "min", "flat", "sharp", "key", "natural", "mode", "scale")
# How long each chord of a progression lasts: "2 bars each", "a bar per chord", "half a bar apiece".
EACH_CHORD = (
    "each", "apiece", "per chord", "a chord", "each chord", "for each chord", "of each chord", "on each chord",
    "to each chord", "per change",
)  # fmt: skip
# … "each chord lasting two bars", "every chord for 2 bars", "chords held for half a bar" (but "these chords for 16
# bars" is the piece's length).
CHORD_LASTING = ("lasting", "lasts", "held for", "ringing for", "played for", "for", "of")
CHORDS_LASTING = ("lasting", "held for", "ringing for", "of")

# --------------------------------------------------------------------------- form

# Section names (those of ``form.py``) as a prompt writes them; ``--form`` reads a few more (``form.SECTION_WORDS``).
SECTION_PHRASES: dict[str, tuple[str, ...]] = {
    "intro": ("intro", "introduction"),
    "verse": ("verse", "verses"),
    "pre-chorus": ("pre-chorus", "prechorus", "pre chorus"),
    "chorus": ("chorus", "choruses", "refrain"),
    "bridge": ("bridge", "middle eight", "middle 8"),
    "breakdown": ("breakdown",),
    "build": ("build-up", "buildup", "build up", "build"),
    "drop": ("drop", "drops"),
    "outro": ("outro", "coda"),
}
# Forms named in a prompt → ``form.NAMED_FORMS`` names.
FORM_PHRASES: dict[str, str] = {
    "rondo": "rondo",
    "rondo form": "rondo",
    "binary form": "binary",
    "ternary form": "ternary",
    "strophic": "strophic",
    "strophic form": "strophic",
    "through-composed": "through-composed",
    "verse-chorus": "verse-chorus",
    "verse/chorus": "verse-chorus",
    "verse-chorus form": "verse-chorus",
    "song form": "song",
}
# A section word followed by one of these is not a section of this piece: "intro music for a podcast", "a chorus
# effect on the guitar", "chorus of voices", "drop D tuning".
NOT_SECTION_AFTER = (
    "music", "theme", "themes", "jingle", "song", "track", "tune", "piece", "for", "to", "of", "effect", "effects",
    "pedal", "sting", "bumper", "video", "d", "tuning", "the", "a", "it", "in", "out", "off", "by", "down",
)  # fmt: skip
# "drop" and "build" are sections only after one of these ("the drop", "a huge build-up"); elsewhere they are verbs.
SECTION_VERB_ARTICLES = (
    "a", "an", "the", "big", "huge", "massive", "heavy", "hard", "bass", "first", "second", "final", "last",
    "epic", "slow", "long", "short", "then", "and", "before", "after", "into",
)  # fmt: skip
VERB_LIKE_SECTIONS = ("drop", "drops", "build", "build up")
# Words that join sections written in order: "intro, verse, chorus", "verse then chorus", "intro → drop".
SECTION_JOINS = (",", "-", "–", "—", "→", "->", ">", "/", "then", "and then", "and", "followed by", "into")
ORDER_JOINS = ("-", "–", "—", "→", ">", "then", "followed by", "into")  # those that say the order
# A run of letters names a form ("AABA") only with a letter repeated or "form" after it; "ABBA" is the band.
LETTER_FORM_EXCEPTIONS = ("abba",)
LOOP_WORDS = ("loop", "loopable", "seamless loop", "seamlessly looping")  # "a looping bass line" is a bass part
