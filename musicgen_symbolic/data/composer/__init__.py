"""A procedural composer: multi-track pieces in many styles, as an endless source of training data.

A piece is planned top-down (style → tempo, key, metre, instrumentation, form, chords) and each part is
then rendered bar by bar. Bass, comping and drum rhythms are small templates written on a sixteenth-note
grid, one cell per beat, so the same template fits 4/4, 3/4 or 5/4; compound beats (the dotted quarters
of 6/8, 12/8, 7/8) use a second set of six-sixteenth cells. The aim is not good music but idiomatic
enough music that a model conditioned on the attributes learns what "bossa nova", "3/4" or "dark"
mean, with enough randomness that tens of thousands of pieces all differ.

Times are in quarter notes until the very end, where they become seconds.

The modules, in the order a piece is made: ``dice`` (the seeded randomness), ``metre``, ``harmony``,
``rhythm`` (bass, comping and arpeggio templates), ``drums`` (the kit and its grooves), ``styles`` (the
style table, data only), ``plan`` (the :class:`PiecePlan` of one piece), ``parts`` (bass, chords, pads,
counter-line, drums), ``melody``, and ``assembly`` (:func:`compose_piece`, the MIDI and its attributes).
"""

from .assembly import ComposedPiece, compose_piece
from .plan import Note, PiecePlan, plan_piece
from .styles import STYLES, STYLES_TABLE, Style

__all__ = ["STYLES", "STYLES_TABLE", "ComposedPiece", "Note", "PiecePlan", "Style", "compose_piece", "plan_piece"]
