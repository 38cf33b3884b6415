"""Collect prompts and record how the parser reads them: ``tests/data/golden_prompts.jsonl``.

Run ``python tests/data/make_golden_prompts.py`` after a parser change that is meant to change parses, then read
``git diff tests/data/golden_prompts.jsonl``: every line that moved is a prompt whose reading changed.
``tests/test_golden_prompts.py`` fails on any difference until the file is rewritten.

The prompts come from five places, each reproducible: every prompt-like string in the parser's and the CLI's tests,
the evaluation prompts, training captions drawn with fixed seeds, phrasings combined from everyday fragments
(negations, idioms, lengths, tempo words) with a fixed seed, and prompts that name chord progressions.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("golden_prompts.jsonl")
_TEST_FILES = ("test_prompt.py", "test_cli.py", "test_evaluation.py", "test_training.py", "test_prompt_chords.py")


def reading(prompt: str) -> dict:
    """How the parser reads ``prompt``: its attributes in plain JSON, or the error it gives."""
    from musicgen_symbolic.errors import MusicGenError
    from musicgen_symbolic.prompt import parse_prompt

    try:
        a = parse_prompt(prompt)
    except MusicGenError as error:
        return {"error": str(error)}
    return {
        "tempo": a.tempo,
        "key": a.key.name if a.key else None,
        "time_signature": list(a.time_signature) if a.time_signature else None,
        "instruments": list(a.instruments) if a.instruments is not None else None,
        "without": list(a.without) if a.without is not None else None,
        "genre": a.genre,
        "mood": a.mood,
        "bars": a.bars,
        "seconds": a.seconds,
        "chords": str(a.chords) if a.chords else None,
    }


def _test_strings() -> list[str]:
    """String constants in the tests that read like prompts: several words, letters, no code or paths."""
    found = []
    for name in _TEST_FILES:
        tree = ast.parse((ROOT / "tests" / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if 2 <= len(text.split()) <= 40 and any(c.isalpha() for c in text) and "\n" not in text:
                    if not any(mark in text for mark in ("error:", "def ", "/tmp", ".mid", ".wav", "--", "import ")):
                        found.append(text)
    return found


def _evaluation_prompts() -> list[str]:
    lines = (ROOT / "examples" / "eval_prompts.jsonl").read_text().splitlines()
    return [json.loads(line)["caption"] for line in lines if line.strip()]


def _captions(count: int) -> list[str]:
    from musicgen_symbolic.data.captions import choose_mention, describe
    from musicgen_symbolic.vocabulary import GENRE_LABELS, MOOD_LABELS, Attributes, Key

    rng = np.random.default_rng(20261207)
    metres = [(4, 4), (3, 4), (6, 8), (2, 4), (5, 4), (7, 8), (12, 8)]
    programs = [0, 4, 24, 25, 32, 33, 40, 42, 48, 56, 65, 73, 81, 89, -1]
    out = []
    for _ in range(count):
        attributes = Attributes(
            tempo=float(rng.integers(50, 200)),
            key=Key(int(rng.integers(12)), str(rng.choice(["major", "minor"]))),
            time_signature=metres[rng.integers(len(metres))],
            instruments=tuple(sorted(set(int(p) for p in rng.choice(programs, size=rng.integers(1, 4))))),
            genre=str(rng.choice(GENRE_LABELS)),
            mood=str(rng.choice(MOOD_LABELS)),
        )
        out.append(describe(attributes, choose_mention(attributes, rng), rng))
    return out


# fmt: off
_OPENERS = ("", "a ", "make a ", "I need a ", "can you write a ", "generate ", "give me a ", "compose a ")
_MOODS = ("calm", "dark", "happy", "sad", "epic", "dreamy", "energetic", "chill", "mellow", "tense", "romantic", "")
_GENRES = (
    "lo-fi", "jazz", "pop", "rock", "folk", "metal", "techno", "house", "bossa nova", "hip hop", "waltz", "ambient",
    "classical", "baroque", "blues", "country", "reggae", "funk", "synthwave", "cinematic", "disco", "soul", "trap",
    "drum and bass", "celtic", "tango", "chorale", "march", "swing", "",
)
_NOUNS = ("piece", "song", "track", "beat", "tune", "loop", "jam", "instrumental", "cue", "groove", "ballad")
_KEYS = (
    "in D minor", "in C", "in Bb major", "in the key of F#m", "key of E flat", "in A", "in a minor", "in G dorian",
    "Ebm", "in C sharp minor", "in D mixolydian", "not in C major", "",
)
_TEMPI = (
    "at 80 bpm", "120 BPM", "tempo 96", "at 140", "slow", "fast", "andante", "allegro", "around 100 bpm", "laid back",
    "eighty five bpm", "+10 bpm", "not too fast", "at a quick pace", "",
)
_METRES = ("in 3/4", "6/8", "in 5/4 time", "7/8", "waltz time", "in 4/4", "3 beats to the bar", "12/8 shuffle", "")
_INSTRUMENTS = (
    "with electric piano, bass and drums", "for solo piano", "on nylon guitar and flute", "for string quartet",
    "with synth pads and an 808", "with upright bass, piano and drums", "without drums", "no drums, just keys",
    "with a rhodes instead of piano", "featuring sax and trumpet", "piano only", "with strings and harp",
    "with acoustic and electric guitars", "drumless", "with no bass or drums", "with a brass section",
    "with organ and choir", "replace the piano with a rhodes", "with violin, cello and timpani", "with marimba",
    "with fiddle and banjo", "with distorted guitar", "with hats off", "with the bass kicking in later", "",
)
_LENGTHS = (
    "16 bars", "32 bars long", "30 seconds", "1 minute", "2 minutes", "for a 2 minute video", "8 bars",
    "a 10 minute podcast intro", "every 4 bars", "1m30s", "half a minute", "a dozen bars", "",
)
_TAILS = (
    "", "for studying", "for a rainy night", "like a film score", "for date night", "with vinyl crackle",
    "that builds slowly", "for my vocals", "rock bottom vibes", "nothing beats it", "in March", "fast food jingle",
)

# fmt: on


def _combined(count: int) -> list[str]:
    rng = np.random.default_rng(7)
    out = []
    pick = lambda options: str(options[rng.integers(len(options))])  # noqa: E731
    for _ in range(count):
        head = " ".join(w for w in (pick(_MOODS), pick(_GENRES), pick(_NOUNS)) if w)
        rest = [pick(_KEYS), pick(_TEMPI), pick(_METRES), pick(_INSTRUMENTS), pick(_LENGTHS), pick(_TAILS)]
        rest = [r for r in rest if r]
        rng.shuffle(rest)
        separator = pick((" ", ", ", "; "))
        out.append((pick(_OPENERS) + head + (separator if rest else "") + separator.join(rest)).strip())
    return out


# Prompts that name a chord progression (symbols, Roman numerals, names, how long each chord lasts), and a few that
# look like one but are not.
_PROGRESSIONS = (
    "a chill lofi beat over Am7 Dm7 G7 Cmaj7 at 75 bpm",
    "sad piano ballad, Am F C G, 70 bpm",
    "upbeat pop song in C: C G Am F, drums and bass",
    "jazz trio playing Dm7 - G7 - Cmaj7 - A7",
    "neo-soul groove on Ebmaj7 | Dm7 | Cm7 | Bb7 with rhodes",
    "a synthwave track over Em C G D, 110 bpm",
    "gospel piano: C/E F G Am",
    "a dreamy pad going Fmaj7 Em7 Dm7 Cmaj7, slow",
    "bossa nova over Cmaj7 A7 Dm7 G7 on nylon guitar",
    "a rock anthem, E B C#m A, distorted guitar and drums",
    "funk vamp on E9 A9, slap bass",
    "metal riff over Em C D Em in 7/8",
    "reggae skank, Am D Am D",
    "Gm Eb Bb F trap beat with 808s",
    "country tune, G C D G, fiddle and banjo",
    "a waltz over Dm Gm A7 Dm in 3/4",
    "Am | Am | F | G, cinematic strings",
    "C → G → Am → F, ukulele",
    "a folk song going G then C then D",
    "piano chords Bbmaj7 Am7 Dm7, dreamy",
    "synth pop with F#m D A E, energetic",
    "a sad tune, Am F C G, two bars each",
    "Dm7 G7 Cmaj7, each chord for 2 bars, jazz ballad",
    "C Am F G, two chords per bar, doo-wop",
    "Em C G D, one chord per bar, 16 bars",
    "a loop of Am G F E, half a bar each",
    "the chords change every other bar: Cmaj7 Fmaj7",
    "I-V-vi-IV pop song in D at 120 bpm",
    "a I–V–vi–IV ballad in E major with piano and strings",
    "ii-V-I in Bb, swing, upright bass",
    "a ii V I jazz lick in F",
    "i bVI bIII bVII epic trailer music in D minor",
    "I vi IV V doo-wop in C, 4/4",
    "vi IV I V emotional pop in G",
    "a I IV V blues in A",
    "IV-V-iii-vi j-pop in A major",
    "i-iv-v minor rock in E minor",
    "i bVII bVI V flamenco in A minor",
    "a 12-bar blues in E with harmonica",
    "twelve bar blues shuffle in A at 100 bpm",
    "a minor blues in C minor, slow, guitar",
    "12-bar blues in G minor",
    "andalusian cadence, flamenco guitar, E phrygian",
    "pachelbel's canon progression in D for string quartet",
    "a wedding piece on the canon progression",
    "a doo-wop ballad with the 50s progression in Bb",
    "axis progression pop song in C",
    "pop punk progression at 180 bpm, distorted guitars",
    "royal road progression, city pop, 100 bpm",
    "a two five one in C minor, piano trio",
    "jazz turnaround in F, walking bass",
    "circle of fifths progression in A minor, baroque harpsichord",
    "the sensitive female chord progression, acoustic guitar",
    "an epic progression in C minor, orchestra",
    "not the 12-bar blues, just a slow jam",
    "no chords, only drums and percussion",
    "I want a song about my dog",
    "A C major piece for solo piano",
    "a vi editor tutorial background track",
    "chapter IV of the audiobook, calm strings",
    "from A to B, a road trip song",
    "A B testing jingle, upbeat",
)


def collect() -> list[str]:
    prompts = _test_strings() + _evaluation_prompts() + _captions(500) + _combined(900) + list(_PROGRESSIONS)
    return list(dict.fromkeys(p for p in prompts if p.strip()))


def main() -> int:
    sys.path.insert(0, str(ROOT))
    with GOLDEN.open("w") as file:
        for prompt in collect():
            file.write(json.dumps({"prompt": prompt, **reading(prompt)}, ensure_ascii=False) + "\n")
    print(f"wrote {GOLDEN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
