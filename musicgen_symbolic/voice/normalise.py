"""The speech front end: text as written → text as spoken, and spoken text → chunks an engine can say.

TTS engines read digits, abbreviations and symbols poorly or not at all ("120bpm", "feat.", "&"), and the neural
ones have no fixed rules for them, so every engine gets the same words: numbers spelled out (years as years, "3.5"
as "three point five", "1st" as "first"), the tables of :mod:`~musicgen_symbolic.voice.words` applied. Long text
is cut at sentence ends (then clause ends, then spaces) into chunks of at most ``max_chars``: a VITS model's
memory grows with the square of its input, and Bark says at most about 13 seconds at a time.
"""

from __future__ import annotations

import re

from .words import ABBREVIATIONS, CURRENCIES, NUMBER_ABBREVIATIONS, ONES, ORDINAL_WORDS, SCALES, SYMBOLS, TENS, UNITS

_WORD_END = r"(?![\w])"
_ABBREVIATION = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(key) for key in sorted(ABBREVIATIONS, key=len, reverse=True)) + ")",
    re.IGNORECASE,
)
_NUMBER_ABBREVIATION = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(key) for key in NUMBER_ABBREVIATIONS) + r")(?=\s?\d)", re.IGNORECASE
)
_UNIT_NAMES = "|".join(re.escape(key) for key in sorted(UNITS, key=len, reverse=True))
_GLUED_UNIT = re.compile(r"(?<=\d)(?=(?:" + _UNIT_NAMES + r")" + _WORD_END + ")", re.IGNORECASE)  # "120bpm"
_UNIT = re.compile(r"(?<![\w&/-])(" + _UNIT_NAMES + r")" + _WORD_END, re.IGNORECASE)
_NOTE_ACCIDENTAL = re.compile(r"\b([A-G])(#|♯|b|♭)(?=$|[\s,.;:!?)/-]|m\b|maj|min)")
_CURRENCY = re.compile("(" + "|".join(re.escape(sign) for sign in CURRENCIES) + r")\s?(\d[\d,]*(?:\.\d+)?)")
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b", re.IGNORECASE)
_TIME_SIGNATURE = re.compile(r"\b(\d{1,2})/(\d{1,2})\b")
_NUMBER = re.compile(r"(?<![\w.])(-)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\d])")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+")
_CLAUSE_END = re.compile(r"(?<=[,;:—–])\s+")
MAX_SPOKEN_INTEGER = 10**15 - 1  # larger numbers are read digit by digit


def number_words(value: int) -> str:
    """A whole number in words: 120 → "one hundred twenty" (American style, no "and")."""
    if value < 0:
        return "minus " + number_words(-value)
    if value > MAX_SPOKEN_INTEGER:
        return " ".join(ONES[int(digit)] for digit in str(value))
    if value < 20:
        return ONES[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return TENS[tens] + (f" {ONES[ones]}" if ones else "")
    if value < 1000:
        hundreds, rest = divmod(value, 100)
        return f"{ONES[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")
    words, scale = [], 0
    while value:
        value, group = divmod(value, 1000)
        if group:
            words.append(number_words(group) + (f" {SCALES[scale]}" if scale else ""))
        scale += 1
    return " ".join(reversed(words))


def year_words(value: int) -> str:
    """A year as said: 1999 → "nineteen ninety nine", 2005 → "two thousand five", 1900 → "nineteen hundred"."""
    if 2000 <= value <= 2009:
        return number_words(value)
    century, rest = divmod(value, 100)
    if rest == 0:
        return f"{number_words(century)} hundred"
    return f"{number_words(century)} " + (f"oh {ONES[rest]}" if rest < 10 else number_words(rest))


def ordinal_words(value: int) -> str:
    """1 → "first", 21 → "twenty first", 100 → "one hundredth"."""
    words = number_words(value).split(" ")
    last = words[-1]
    if last in ORDINAL_WORDS:
        words[-1] = ORDINAL_WORDS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def _is_year(digits: str) -> bool:
    return len(digits) == 4 and 1100 <= int(digits) <= 2099


def _say_number(match: re.Match[str]) -> str:
    minus, whole, fraction = match.group(1), match.group(2), match.group(3)
    if fraction is None and not minus and "," not in whole and _is_year(whole):
        return year_words(int(whole))
    words = number_words(int(whole.replace(",", "")))
    if fraction is not None:
        words += " point " + " ".join(ONES[int(digit)] for digit in fraction)
    return ("minus " if minus else "") + words


def _say_currency(match: re.Match[str]) -> str:
    one, many = CURRENCIES[match.group(1)]
    whole, _, cents = match.group(2).partition(".")
    said = f"{whole} {one if whole == '1' else many}"
    return f"{said} {cents}" if len(cents) == 2 and cents != "00" else said


def normalise_text(text: str) -> str:
    """Text as written → text as an engine should read it (one line, numbers and abbreviations in words)."""
    text = _SPACES.sub(" ", text).strip()
    text = _NOTE_ACCIDENTAL.sub(lambda m: f"{m.group(1)} {'sharp' if m.group(2) in '#♯' else 'flat'} ", text)
    text = _NUMBER_ABBREVIATION.sub(lambda m: NUMBER_ABBREVIATIONS[m.group(1).lower()] + " ", text)
    text = _ABBREVIATION.sub(lambda m: ABBREVIATIONS[m.group(1).lower()], text)
    text = _CURRENCY.sub(_say_currency, text)
    text = _GLUED_UNIT.sub(" ", text)
    text = _UNIT.sub(lambda m: UNITS[m.group(1).lower()], text)
    for symbol, word in SYMBOLS.items():
        text = text.replace(symbol, f" {word} ")
    text = _ORDINAL.sub(lambda m: ordinal_words(int(m.group(1))), text)
    text = _TIME_SIGNATURE.sub(lambda m: f"{number_words(int(m.group(1)))} {number_words(int(m.group(2)))}", text)
    text = _NUMBER.sub(_say_number, text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    return _SPACES.sub(" ", text).strip()


def split_sentences(text: str, max_chars: int) -> list[str]:
    """Chunks of at most ``max_chars`` characters, cut at sentence ends, then clause ends, then spaces (a word
    longer than ``max_chars`` is cut where it must)."""
    chunks: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        sentence = sentence.strip()
        if not sentence:
            continue
        if len(sentence) <= max_chars:
            chunks.append(sentence)
            continue
        for clause in _packed(_CLAUSE_END.split(sentence), max_chars):
            if len(clause) <= max_chars:
                chunks.append(clause)
            else:
                chunks.extend(_packed(_cut_words(clause, max_chars), max_chars))
    return chunks


def _cut_words(text: str, max_chars: int) -> list[str]:
    pieces: list[str] = []
    for word in text.split(" "):
        pieces.extend(word[i : i + max_chars] for i in range(0, len(word), max_chars))
    return pieces


def _packed(pieces: list[str], max_chars: int) -> list[str]:
    """Join consecutive pieces with spaces while the result stays within ``max_chars``."""
    packed: list[str] = []
    for piece in pieces:
        if packed and len(packed[-1]) + 1 + len(piece) <= max_chars:
            packed[-1] += " " + piece
        else:
            packed.append(piece)
    return packed
