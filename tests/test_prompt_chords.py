"""A chord progression as an attribute of a piece: read from the prompt (symbols, Roman numerals, names, how long
each chord lasts), given as ``--chords`` / ``chords=``, and shown on the understood line."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.prompt import AttributeOverrides, parse_chords, parse_prompt
from musicgen_symbolic.theory import QUALITIES, Chord, Progression, Step, parse_roman
from musicgen_symbolic.vocabulary import PITCH_CLASSES, Attributes, Key

A_MINOR, C_MAJOR = Key(9, "minor"), Key(0, "major")


def _steps(text: str) -> tuple[Step, ...]:
    """ "Am:2 F" → (Step("Am", 2), Step("F", 1))."""
    steps = []
    for token in text.split():
        chord, _, bars = token.partition(":")
        steps.append(Step(chord, float(bars) if bars else 1.0))
    return tuple(steps)


# (prompt, the progression's steps in --chords notation, whether in Roman numerals, its name)
PHRASINGS = [
    # chord symbols in a row
    ("Am F C G", "Am F C G", False, None),
    ("a calm lo-fi beat over Am F C G", "Am F C G", False, None),
    ("Dm7 G7 Cmaj7 jazz ballad", "Dm7 G7 Cmaj7", False, None),
    ("F#m7b5 B7 Em, a sad bolero", "F#m7b5 B7 Em", False, None),
    ("C/E F G, gospel piano", "C/E F G", False, None),
    ("a pad that goes Gsus4 G", "Gsus4 G", False, None),
    ("Am - F - C - G", "Am F C G", False, None),
    ("Am | F | C | G", "Am F C G", False, None),
    ("chords: Am F C G", "Am F C G", False, None),
    ("a sax solo over Am7 D9", "Am7 D9", False, None),
    ("Am → F → C → G", "Am F C G", False, None),
    ("Am, F, C, G, upbeat pop", "Am F C G", False, None),
    ("Am then F then C then G", "Am F C G", False, None),
    ("Am–F–C–G", "Am F C G", False, None),
    ("Am-F-C-G with drums", "Am F C G", False, None),
    ("C-7 F7 Bbmaj7", "C-7 F7 Bbmaj7", False, None),
    ("Cmaj7 | Am7 | Dm7 | G7 jazz waltz", "Cmaj7 Am7 Dm7 G7", False, None),
    ("a song in G with chords G D Em C", "G D Em C", False, None),
    ("E A B7 shuffle", "E A B7", False, None),
    ("E A B blues progression", "E A B", False, None),  # bare letters: three, and a word about chords
    ("C - F - G", "C F G", False, None),
    ("A Dm7 G7 vamp", "Dm7 G7", False, None),  # the article
    ("in Bb, Cm F Bb", "Cm F Bb", False, None),  # "in Bb" is the key
    ("in E, E A B", "E A B", False, None),
    ("a lofi song in Am F C G", "Am F C G", False, None),  # a chord follows: "Am" is also the row's
    ("country tune, G C D G, fiddle and banjo", "G C D G", False, None),
    ("Gm Eb Bb F trap beat", "Gm Eb Bb F", False, None),
    ("F#m D A E, anthemic", "F#m D A E", False, None),
    ("from Am to F", "Am F", False, None),
    ("| C G | Am F |", "C:0.5 G:0.5 Am:0.5 F:0.5", False, None),
    ("Dm7:2 G7:2 Cmaj7:4 jazz ballad", "Dm7:2 G7:2 Cmaj7:4", False, None),
    ("instead of Am F C G, Dm G C", "Dm G C", False, None),
    ("not Am F C G but Dm Bb F C", "Dm Bb F C", False, None),
    # Roman numerals in a row
    ("I–V–vi–IV in D", "I V vi IV", True, None),
    ("I-V-vi-IV", "I V vi IV", True, None),
    ("i bVI bIII bVII in A minor", "i bVI bIII bVII", True, None),
    ("I vi IV V doo-wop ballad", "I vi IV V", True, None),  # the numerals, written before the name
    ("vi IV I V", "vi IV I V", True, None),
    ("the I IV V in G", "I IV V", True, None),
    ("IV-V-iii-vi", "IV V iii vi", True, None),
    ("i-iv-v in D minor", "i iv v", True, None),
    ("a I V vamp", "I V", True, None),  # two numerals apart by a space: a word about chords
    ("I I-V-vi-IV", "I V vi IV", True, None),  # the pronoun, then a dashed row
    ("I-V-vi-IV I think", "I V vi IV", True, None),
    ("ii7 V7 Imaj7, smooth jazz", "ii7 V7 Imaj7", True, None),
    ("V7 → I", "V7 I", True, None),
    # named progressions
    ("ii-V-I in Bb", "ii7 V7 Imaj7:2", True, "ii-V-I"),
    ("ii V I", "ii7 V7 Imaj7:2", True, "ii-V-I"),
    ("a two five one in Eb", "ii7 V7 Imaj7:2", True, "ii-V-I"),
    ("ii-V-I in C minor", "iiø7 V7 i7:2", True, "ii-V-I"),
    ("a 12-bar blues in A", "I7:4 IV7:2 I7:2 V7 IV7 I7 V7", True, "12-bar blues"),
    ("twelve bar blues shuffle", "I7:4 IV7:2 I7:2 V7 IV7 I7 V7", True, "12-bar blues"),
    ("a blues progression in E", "I7:4 IV7:2 I7:2 V7 IV7 I7 V7", True, "12-bar blues"),
    ("a 12-bar blues in A minor", "i7:4 iv7:2 i7:2 bVI7 V7 i7 V7", True, "12-bar blues"),
    ("a minor blues, slow", "i7:4 iv7:2 i7:2 bVI7 V7 i7 V7", True, "minor blues"),
    ("flamenco guitar over the andalusian cadence", "i bVII bVI V", True, "andalusian cadence"),
    ("pachelbel's canon in D", "I V vi iii IV I IV V", True, "pachelbel's canon"),
    ("Pachelbel’s Canon progression, strings", "I V vi iii IV I IV V", True, "pachelbel's canon"),
    ("the canon progression in A minor", "i v bVI bIII iv i iv V", True, "pachelbel's canon"),
    ("a doo-wop ballad in C", "I vi IV V", True, "50s progression"),
    ("the 50s progression", "I vi IV V", True, "50s progression"),
    ("the axis progression in E", "I V vi IV", True, "axis progression"),
    ("a four chord song", "I V vi IV", True, "axis progression"),
    ("pop punk progression, fast", "I V vi IV", True, "axis progression"),
    ("royal road, j-pop", "IVmaj7 V7 iii7 vi", True, "royal road"),
    ("a jazz turnaround in F", "Imaj7 vi7 ii7 V7", True, "jazz turnaround"),
    ("circle of fifths in C", "I IV vii° iii vi ii V I", True, "circle of fifths"),
    ("circle of fifths in A minor", "i iv bVII bIII bVI ii° V i", True, "circle of fifths"),
    ("the sensitive female chord progression", "vi IV I V", True, "sensitive female progression"),
    ("an epic progression in D minor", "i bVI bVII i", True, "aeolian progression"),
    ("not the 12-bar blues, the minor blues", "i7:4 iv7:2 i7:2 bVI7 V7 i7 V7", True, "minor blues"),
    # how long each chord lasts
    ("Am F C G, two bars each", "Am:2 F:2 C:2 G:2", False, None),
    ("Am F C G, 2 bars per chord", "Am:2 F:2 C:2 G:2", False, None),
    ("Am F C G, two chords per bar", "Am:0.5 F:0.5 C:0.5 G:0.5", False, None),
    ("Am F C G, one chord per bar", "Am F C G", False, None),
    ("Dm7 G7 Cmaj7, each chord for 2 bars, 16 bars", "Dm7:2 G7:2 Cmaj7:2", False, None),
    ("C G Am F, half a bar each", "C:0.5 G:0.5 Am:0.5 F:0.5", False, None),
    ("C G Am F, a chord every two bars", "C:2 G:2 Am:2 F:2", False, None),
    ("C G Am F, the chords change every other bar", "C:2 G:2 Am:2 F:2", False, None),
    ("Am F C G, 1.5 bars each", "Am:1.5 F:1.5 C:1.5 G:1.5", False, None),
    ("Am F C G, three chords per bar", "Am F C G", False, None),  # not whole half bars: each a bar
    ("zero chords per bar, Am F C G", "Am F C G", False, None),
    ("I-V-vi-IV with each chord lasting two bars", "I:2 V:2 vi:2 IV:2", True, None),
    ("ii-V-I, two chords per bar", "ii7:0.5 V7:0.5 Imaj7", True, "ii-V-I"),  # a named one keeps its proportions
    ("andalusian cadence, 2 bars each", "i:2 bVII:2 bVI:2 V:2", True, "andalusian cadence"),
]


@pytest.mark.parametrize("prompt,steps,roman,name", PHRASINGS, ids=[p for p, *_ in PHRASINGS])
def test_progressions_in_prompts(prompt, steps, roman, name):
    assert parse_prompt(prompt).chords == Progression(_steps(steps), roman=roman, name=name)


def test_enough_phrasings():
    assert len(PHRASINGS) >= 40


# Prompts that hold no progression: capital letters that are words, the pronoun "I", numerals in ordinary text,
# keys, and a single chord symbol.
NOT_PROGRESSIONS = [
    "I want a song",
    "I I love it",
    "vi editor theme music",
    "chapter IV of the saga, orchestral",
    "A C major piece for piano",
    "an A major ballad",
    "B flat major, F C",
    "AC/DC style rock",
    "D&B track at 174",
    "a sax solo like in E Street Band songs",
    "grade A B+ work",
    "Plan B for a sad piano",
    "from A to B",
    "as easy as A B C",
    "a C D E F G scale exercise",
    "DM me a beat",
    "Go go go! fast punk",
    "Am I dreaming? dreamy synth pads",
    "Am chill synthwave with synth bass and pads",
    "a lofi beat in Am",
    "World War II I think, a march",
    "I V",
    "Im so tired, sad piano",
    "no chords, just drums",
    "sad piano with a minor 7th chord vamp",
    "house track 124bpm - piano chords, bass, drums - 16 bars",
    "a jazz tune ending with a turnaround",
]


@pytest.mark.parametrize("prompt", NOT_PROGRESSIONS)
def test_ordinary_words_are_no_progression(prompt):
    assert parse_prompt(prompt).chords is None


def test_enough_false_positives():
    assert len(NOT_PROGRESSIONS) >= 15


@pytest.mark.parametrize(
    "prompt",
    [
        "not the 12-bar blues",
        "anything but the andalusian cadence",
        "without the I-V-vi-IV",
        "no Am F C G please",
        "don't use ii-V-I, something modal",
        "never the axis progression",
    ],
)
def test_a_negated_progression_is_not_asked_for(prompt):
    assert parse_prompt(prompt).chords is None


@pytest.mark.parametrize(
    "prompt,key",
    [
        ("Am F C G, piano", A_MINOR),  # as ever: the key finder reads "Am"
        ("Am F C G in C major", C_MAJOR),  # a key named besides the row is the key
        ("Em C G D over a Bbm drone", Key(10, "minor")),  # … even where the row's "Em" comes first
        ("Dm7 G7 Cmaj7", None),
        ("Bb F Gm Eb", Key(10, "major")),  # only the first chord of the row may name the key
        ("a lofi song in Am F C G", A_MINOR),
        ("in Bb, Cm F Bb", Key(10, "major")),
        ("G D Em C", None),  # not "Em": the planner chooses (G major, by the first chord)
        ("F#m7b5 B7 Em", None),
        ("Am", A_MINOR),  # a single chord symbol is a key, not a progression
    ],
)
def test_a_row_of_chords_names_a_key_only_where_the_prompt_names_none(prompt, key):
    assert parse_prompt(prompt).key == key


def test_chord_lengths_are_not_the_pieces_length():
    assert parse_prompt("Am F C G, two bars each").bars is None
    assert parse_prompt("Am F C G, 2 bars per chord, 16 bars").bars == 16
    assert parse_prompt("each chord for 2 bars, Dm7 G7 Cmaj7").bars is None
    assert parse_prompt("play these chords for 16 bars: Am F C G").bars == 16  # the whole piece
    assert parse_prompt("a 12-bar blues").bars == 12  # one chorus, as before


def test_roman_numerals_read_in_the_prompts_key():
    attributes = parse_prompt("I-V-vi-IV in D")
    assert [chord.symbol for chord, _ in attributes.chords.chords(attributes.key)] == ["D", "A", "Bm", "G"]
    attributes = parse_prompt("andalusian cadence in A minor")
    assert [chord.symbol for chord, _ in attributes.chords.chords(attributes.key)] == ["Am", "G", "F", "E"]


# --------------------------------------------------------------------------- --chords and chords=

FLAGS = [
    ("Am F C G", "Am F C G", False),
    ("Am:2 F:2 | C G", "Am:2 F:2 C:0.5 G:0.5", False),
    ("| C G |", "C:0.5 G:0.5", False),
    ("| C | G Am |", "C G:0.5 Am:0.5", False),
    ("C:0.5 G:1.5 Am:.5", "C:0.5 G:1.5 Am:0.5", False),
    ("C, G, Am, F", "C G Am F", False),
    ("C → G → Am → F", "C G Am F", False),
    ("Am - F - C - G", "Am F C G", False),
    ("Dm7 G7 Cmaj7 C/E F#m7b5 Gsus4 Bb°7", "Dm7 G7 Cmaj7 C/E F#m7b5 Gsus4 Bb°7", False),
    ("ii7:2 V7:2 I:4", "ii7:2 V7:2 I:4", True),
    ("i bVII bVI V", "i bVII bVI V", True),
]


@pytest.mark.parametrize("text,steps,roman", FLAGS)
def test_chords_flag(text, steps, roman):
    assert parse_chords(text) == Progression(_steps(steps), roman=roman)


def test_chords_flag_names_a_progression():
    assert parse_chords("andalusian cadence") == Progression(_steps("i bVII bVI V"), True, "andalusian cadence")
    assert parse_chords("Twelve Bar Blues").name == "12-bar blues"
    assert parse_chords("12-bar blues", A_MINOR).steps == _steps("i7:4 iv7:2 i7:2 bVI7 V7 i7 V7")
    named = parse_chords("ii-V-I")
    assert parse_chords(str(named)) == named  # "ii-V-I (ii7 V7 Imaj7:2)", as the understood line shows it


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("Hm7 F", "unknown chord 'Hm7' in --chords: write chord symbols like Am7, F#m7b5, C/E, or Roman numerals"),
        ("Am F Xyz", "unknown chord 'Xyz'"),
        ("andalusian cadance", "did you mean 'andalusian cadence'?"),
        ("", "no chords given"),
        ("  ", "no chords given"),
        ("| |", "no chords in --chords"),
        ("Am V7", "mixes chord symbols and Roman numerals ('Am', 'V7')"),
        ("| C F G |", "3 chords share the bar"),
        ("Am:0", "a chord lasts a whole number of half bars"),
        ("Am:0.3 F", "'Am:0.3'"),
        ("Am:128 F:129", "lasts 257 bars: at most 256"),
        ("Am:x", "unknown chord 'Am:x'"),
    ],
)
def test_bad_chords_are_one_line_errors(text, fragment):
    with pytest.raises(MusicGenError) as error:
        parse_chords(text)
    assert fragment in str(error.value) and "\n" not in str(error.value)


def test_a_progression_given_as_an_object_is_checked():
    progression = Progression(_steps("Am F C G"))
    assert parse_chords(progression) is progression
    for bad in (Progression(()), Progression(_steps("Hm F")), Progression((Step("Am", 0.3),))):
        with pytest.raises(MusicGenError):
            parse_chords(bad)
    with pytest.raises(MusicGenError, match="chords must be text"):
        AttributeOverrides(chords=42).apply(Attributes())


def test_chords_override_the_prompts_and_show_on_the_understood_line():
    attributes = AttributeOverrides(chords="Dm G C").resolve("a lofi beat over Am F C G")
    assert attributes.chords == Progression(_steps("Dm G C"))
    assert attributes.to_dict()["chords"] == "Dm G C"
    assert parse_prompt("a 12-bar blues").to_dict()["chords"] == "12-bar blues (I7:4 IV7:2 I7:2 V7 IV7 I7 V7)"
    assert parse_prompt("a calm piece").to_dict()["chords"] is None
    assert AttributeOverrides().resolve("Am F C G").chords == Progression(_steps("Am F C G"))


def test_a_key_given_decides_the_form_of_a_named_progression():
    minor = _steps("i7:4 iv7:2 i7:2 bVI7 V7 i7 V7")
    assert AttributeOverrides(key="A minor").resolve("a 12-bar blues jam").chords.steps == minor
    assert AttributeOverrides(key="A minor", chords="12-bar blues").resolve("a jam").chords.steps == minor
    assert AttributeOverrides(key="A", chords="12-bar blues").resolve("a jam in A minor").chords.steps[0].chord == "I7"


def test_the_control_prefix_ignores_the_progression():
    from musicgen_symbolic.tokenizer import MusicTokenizer

    tokenizer = MusicTokenizer()
    plain = Attributes(key=A_MINOR, tempo=90.0)
    with_chords = Attributes(key=A_MINOR, tempo=90.0, chords=parse_chords("Am F C G"))
    assert tokenizer.control_prefix(with_chords) == tokenizer.control_prefix(plain)


@pytest.mark.parametrize(
    "argv,fragment",
    [
        (["--chords", "Hm7 F"], "error: unknown chord 'Hm7' in --chords"),
        (["--chords", "Am F", "--backend", "musicgen"], "--chords: not used by the musicgen backend"),
    ],
)
def test_the_chords_flag_is_checked_before_anything_loads(tmp_path, capsys, argv, fragment):
    from musicgen_symbolic.cli import main

    code = main(["generate", "a lofi beat", "-o", str(tmp_path / "x.mid"), *argv])
    err = capsys.readouterr().err
    assert code != 0 and fragment in err and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- round trip

_SYMBOLS = st.builds(
    lambda root, quality, bass: Chord(root, quality, bass).symbol,
    st.integers(0, 11),
    st.sampled_from(sorted(QUALITIES)),
    st.none() | st.integers(0, 11),
)
_LENGTHS = st.integers(1, 16).map(lambda halves: halves / 2)


@given(st.lists(st.tuples(_SYMBOLS, _LENGTHS), min_size=1, max_size=24))
@settings(max_examples=300, deadline=None)
def test_chords_round_trip_through_their_text(steps):
    progression = Progression(tuple(Step(chord, bars) for chord, bars in steps))
    assert parse_chords(str(progression)) == progression


@given(st.lists(st.sampled_from(["I", "ii7", "iii", "IV", "V7", "vi", "vii°", "bVII", "bVI", "iiø7"]), min_size=1))
@settings(max_examples=100, deadline=None)
def test_numerals_round_trip_and_read_in_any_key(numerals):
    progression = parse_chords(" ".join(numerals))
    assert progression.roman and parse_chords(str(progression)) == progression
    assert [chord for chord, _ in progression.chords(A_MINOR)] == [parse_roman(n, A_MINOR) for n in numerals]


def test_pitch_classes_are_chord_roots():
    assert all(parse_chords(f"{name} {name}m").steps[0].chord == name for name in PITCH_CLASSES)
