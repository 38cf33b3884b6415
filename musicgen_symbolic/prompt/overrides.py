"""Explicit arguments (CLI flags, API keywords) that override what the prompt says."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..constants import MAX_INSTRUMENTS
from ..errors import MusicGenError
from ..form import Form, parse_form
from ..theory import Progression
from ..vocabulary import Attributes, kind_programs, program_name
from .values import (
    check_bars,
    check_seconds,
    parse_chords,
    parse_genre,
    parse_instruments,
    parse_key,
    parse_mood,
    parse_tempo,
    parse_time_signature,
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
    chords: str | Progression | None = None
    form: str | Form | None = None
    loop: bool | None = None

    def resolve(self, prompt: str) -> Attributes:
        """The prompt's attributes with these overrides applied; a genre given here also decides what the prompt's
        plain "bass" or "guitar" is ("a tune with bass" and ``genre="jazz"``: the upright bass), and a key which
        form a progression the prompt names takes ("a 12-bar blues" and ``key="A minor"``: the minor blues)."""
        from . import parse_prompt  # the package's parser, which imports this module

        return self.apply(parse_prompt(prompt, self.genre, self.key))

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
        if self.form is not None:
            attributes = attributes.merged(form=self.form if isinstance(self.form, Form) else parse_form(self.form))
        if self.loop is not None:
            if not isinstance(self.loop, bool):
                raise MusicGenError(f"loop must be True or False, got {self.loop!r}")
            attributes = replace(attributes, loop=self.loop)
        if self.chords is not None:  # a named progression in the form the piece's key takes
            attributes = attributes.merged(chords=parse_chords(self.chords, attributes.key))
        attributes = self._leave_out(attributes) if self.without is not None else attributes
        attributes = _length_of_form(attributes)
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


def _length_of_form(attributes: Attributes) -> Attributes:
    """A form whose sections all have lengths fixes the piece's (a different length asked for is an error)."""
    form = attributes.form
    if form is None or form.bars is None:
        return attributes
    if attributes.seconds is not None:
        raise MusicGenError(
            f"the form {form} lasts {form.bars} bars: ask for a length in bars, or leave the sections' lengths out"
        )
    if attributes.bars is not None and attributes.bars != form.bars:
        raise MusicGenError(
            f"the form {form} lasts {form.bars} bars but {attributes.bars} bars were asked for: change one of them"
        )
    return attributes.merged(bars=form.bars)
