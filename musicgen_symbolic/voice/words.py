"""What the speech front end reads aloud differently from how it is written, as plain data.

No logic lives here: :mod:`musicgen_symbolic.voice.normalise` applies these tables (abbreviations and units as
whole words, case-insensitively unless noted; symbols anywhere). Keys are written as they appear in text; values
are what the voice says. Number words are here too, so that a test can read them as data.
"""

from __future__ import annotations

# Abbreviations that end in a full stop: the stop is part of the key (it must not end the sentence there).
ABBREVIATIONS: dict[str, str] = {
    "feat.": "featuring",
    "ft.": "featuring",
    "vs.": "versus",
    "v.": "versus",
    "dr.": "doctor",
    "mr.": "mister",
    "mrs.": "missus",
    "ms.": "miz",
    "prof.": "professor",
    "st.": "saint",
    "approx.": "approximately",
    "etc.": "et cetera",
    "e.g.": "for example",
    "i.e.": "that is",
    "min.": "minutes",
    "sec.": "seconds",
    "jr.": "junior",
    "sr.": "senior",
}

# Abbreviations read as such only before a number ("no. 9" → "number nine"; "I said no. Then" keeps its "no").
NUMBER_ABBREVIATIONS: dict[str, str] = {
    "no.": "number",
    "nos.": "numbers",
    "vol.": "volume",
    "op.": "opus",
    "pt.": "part",
}

# Words and units written without a stop (matched as whole words, case-insensitively).
UNITS: dict[str, str] = {
    "bpm": "beats per minute",
    "hz": "hertz",
    "khz": "kilohertz",
    "db": "decibels",
    "dbfs": "decibels full scale",
    "ms": "milliseconds",
    "midi": "midi",
    "dj": "D J",
    "mc": "M C",
    "edm": "E D M",
    "r&b": "R and B",
    "lo-fi": "low fi",
    "hi-fi": "high fi",
    "w/": "with",
    "w/o": "without",
}

# Symbols, replaced wherever they stand (spaces are added around the words).
SYMBOLS: dict[str, str] = {
    "&": "and",
    "+": "plus",
    "%": "percent",
    "@": "at",
    "#": "number",
    "=": "equals",
    "°": "degrees",
    "♯": "sharp",
    "♭": "flat",
    "×": "times",
    "~": "about",
}

# Currency signs before a number: "$5" → "5 dollars".
CURRENCIES: dict[str, tuple[str, str]] = {  # sign → (one, many)
    "$": ("dollar", "dollars"),
    "€": ("euro", "euros"),
    "£": ("pound", "pounds"),
}

ONES: tuple[str, ...] = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
TENS: tuple[str, ...] = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
SCALES: tuple[str, ...] = ("", "thousand", "million", "billion", "trillion")

# Ordinals: the last word of a number word → its ordinal ("twenty one" → "twenty first").
ORDINAL_WORDS: dict[str, str] = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
