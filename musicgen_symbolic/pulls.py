"""The sampler's pulls towards a harmony plan: which pitches each chord makes likelier, and where.

A plan (``planner.HarmonyPlan``) gives every half bar a chord. While a pitch is drawn, its logits are lifted by a
row of lifts chosen from the decoding row's place (``ChordPull.rows``): the half bar's chord, whether the note
falls on a strong beat (the bar's first beat or its middle), and whether a bass instrument (General MIDI 32–39)
plays it. Notes outside the chord's scale (``theory.chord_scale``: the key's scale bent to fit the chord) are
made rarer, chord tones likelier, the root most on strong beats, and the bass goes to the chord's lowest note on
them. As with the key's pull before it, the lift changes which pitch is played, never whether a note is
(``generation.PitchLift``); chromatic passing and leading tones stay possible, only rarer.

This replaces the key's tonic lift: the key is heard through the progression rather than as a drone on its tonic.
"""

from __future__ import annotations

import numpy as np
import torch

from .generation import PitchLift
from .grammar import Grammar, GrammarState
from .planner import HarmonyPlan
from .theory import Chord, chord_scale
from .vocabulary import MELODY_PROGRAMS

# Logit lifts per unit of strength (``--key-strength``, default 3).
OUTSIDE = -0.8  # a pitch outside the chord's scale, anywhere
WEAK_CHORD_TONE = 0.7  # a chord tone off the strong beats
STRONG_ROOT, STRONG_CHORD_TONE, STRONG_OTHER = 1.6, 1.2, -0.6  # on a strong beat
BASS_LOWEST, BASS_FIFTH, BASS_OTHER = 2.6, 0.6, -1.4  # a bass note on a strong beat
BASS_WEAK_LOWEST, BASS_WEAK_CHORD_TONE = 1.0, 0.8  # a bass note elsewhere
# The key's tonic where it is a tone of the chord, on every part but the bass (the chord instrument's rows, copied
# from these, get it doubled): with the chords sounded by their parts, a minor loop (Em C G D) was heard in its
# relative major; this brought CK on the progression prompts from 0.63 back to 0.83 (seed 0).
TONIC_TONE = 0.4
PART_FACTOR = 2.0  # the parts that sound the chords (grammar: bass, chord instrument) are pulled this much harder
KINDS = 6  # rows per chord: weak, strong, bass on a strong beat, bass elsewhere, a chord part's weak, strong


def chord_lifts(chord: Chord, plan: HarmonyPlan, strength: float) -> np.ndarray:
    """(KINDS, 12) lifts by pitch class for one chord: weak, strong, bass strong, bass weak (the bass part's
    rows), then the chord instrument's weak and strong rows."""
    scale, tones = set(chord_scale(chord, plan.key)), set(chord.tones)
    fifth = (chord.root + 7) % 12
    rows = np.zeros((KINDS, 12))
    for pc in range(12):
        if pc not in scale:
            rows[:, pc] = OUTSIDE
            continue
        tone = pc in tones
        rows[0, pc] = WEAK_CHORD_TONE if tone else 0.0
        rows[1, pc] = STRONG_ROOT if pc == chord.root else STRONG_CHORD_TONE if tone else STRONG_OTHER
        rows[2, pc] = BASS_LOWEST if pc == chord.lowest else BASS_FIFTH if pc == fifth else 0.0 if tone else BASS_OTHER
        rows[3, pc] = BASS_WEAK_LOWEST if pc == chord.lowest else BASS_WEAK_CHORD_TONE if tone else 0.0
    if plan.key.tonic in tones:
        rows[0:2, plan.key.tonic] += TONIC_TONE
    rows[2:4] *= PART_FACTOR
    rows[4:6] = rows[0:2] * PART_FACTOR
    return rows * strength


class ChordPull(PitchLift):
    """A :class:`generation.PitchLift` whose rows follow a harmony plan half bar by half bar."""

    def __init__(self, grammar: Grammar, plan: HarmonyPlan, strength: float) -> None:
        self.plan = plan
        chords = plan.all_chords
        self.index = {chord: i for i, chord in enumerate(chords)}
        pitch_classes = grammar.tables.value[grammar.ids["Pitch"]] % 12
        table = np.concatenate([chord_lifts(chord, plan, strength)[:, pitch_classes] for chord in chords])
        super().__init__(torch.from_numpy(grammar.ids["Pitch"]), torch.from_numpy(table.astype(np.float32)))

    def rows(self, grammars: list[GrammarState]) -> list[int]:
        return [self._row(grammar) for grammar in grammars]

    def _row(self, state: GrammarState) -> int:
        bar, position, length = max(state.bars_done, 1) - 1, max(state.position, 0), state.bar_positions
        second_half = length > 0 and 2 * position >= length
        chord = self.plan.chord_at(2 * bar + second_half, state.target_bars)
        strong = position == 0 or (length > 0 and 2 * position == length)
        if state.bass_voice:
            kind = 2 if strong else 3
        else:
            kind = (5 if strong else 4) if state.program_id in state.parts else (1 if strong else 0)
        return KINDS * self.index[chord] + kind


# ---------------------------------------------------------------------------- the shape of a melody

# Logit lift per unit of ``melody_shape`` by the interval from the line's previous note, in semitones: real tunes
# move by step about 60% of the time, repeat a note about 20% and leap beyond a fifth about 4% (music21's corpus);
# the model's lines repeated 41% and leapt 11%.
INTERVAL_LIFT = {0: -0.7, 1: 0.5, 2: 0.6, 3: 0.3, 4: 0.3, 5: 0.1, 6: -0.2, 7: 0.0}
LEAP_LIFT, WIDE_LEAP_LIFT = -0.8, -1.6  # beyond a fifth; beyond an octave


def interval_lift(interval: int) -> float:
    interval = abs(interval)
    return INTERVAL_LIFT.get(interval, LEAP_LIFT if interval <= 12 else WIDE_LEAP_LIFT)


class MelodyPull(PitchLift):
    """Lifts for a melody instrument's next pitch by its distance from the line's previous note: steps likelier,
    repeated notes and wide leaps rarer. Row 0 (no lift) for other instruments and a line's first note."""

    def __init__(self, grammar: Grammar, strength: float) -> None:
        pitches = grammar.tables.value[grammar.ids["Pitch"]].astype(int)
        self.first = int(pitches.min())
        previous = np.arange(self.first, int(pitches.max()) + 1)
        table = np.array([[interval_lift(p - last) for p in pitches] for last in previous]) * strength
        table = np.concatenate([np.zeros((1, len(pitches))), table])
        super().__init__(torch.from_numpy(grammar.ids["Pitch"]), torch.from_numpy(table.astype(np.float32)))

    def rows(self, grammars: list[GrammarState]) -> list[int]:
        rows = []
        for state in grammars:
            last = state.last_pitch.get(state.program) if state.program in MELODY_PROGRAMS else None
            rows.append(0 if last is None else 1 + last - self.first)
        return rows


# ---------------------------------------------------------------------------- drums at the seams of a form

TOMS, SNARES, KICKS, CRASHES = (41, 43, 45, 47, 48, 50), (38, 40), (35, 36), (49, 57)
# In a fill (the last beat of the bar before a new section), among the drum notes: logit lifts by drum, everything
# else (hi-hat, ride, percussion: the groove, which stops for the fill) FILL_OTHER; the drums' total probability raised by FILL_DENSITY (more notes), and
# their Program token by FILL_ENTER where an instrument is chosen.
FILL_TOM, FILL_SNARE, FILL_KICK, FILL_OTHER, FILL_DENSITY, FILL_ENTER = 3.0, 2.5, 0.0, -30.0, 1.0, 1.5
ARRIVAL_CRASH, ARRIVAL_KICK, ARRIVAL_ENTER = 3.0, 1.0, 1.5  # on a new section's first beat


class FillPull:
    """Drum fills where the form changes section: on the last beat of the bar before a new section the drums are
    likelier to play, and to play toms and snare rather than hi-hat and ride (the composer's fills, which the model
    learnt, are snare and toms on that beat); on the new section's first beat, a crash cymbal and a kick. Unlike a
    :class:`generation.PitchLift` this changes whether a drum note is played: a fill is more notes."""

    def __init__(self, grammar: Grammar) -> None:
        self.notes = torch.from_numpy(
            np.concatenate([grammar.ids["PitchDrum"], grammar.ids["DrumVel"]]).astype(np.int64)
        )
        self.program = torch.tensor([i for p, i in grammar.program_id.items() if p == -1], dtype=torch.int64)
        pitches = grammar.tables.value[self.notes.numpy()]
        fill = np.select([np.isin(pitches, TOMS), np.isin(pitches, SNARES), np.isin(pitches, KICKS)],
                         [FILL_TOM, FILL_SNARE, FILL_KICK], FILL_OTHER)  # fmt: skip
        arrival = np.select([np.isin(pitches, CRASHES), np.isin(pitches, KICKS)], [ARRIVAL_CRASH, ARRIVAL_KICK], 0.0)
        self.values = torch.from_numpy(np.stack([np.zeros_like(fill), fill, arrival]).astype(np.float32))
        self.density = (0.0, FILL_DENSITY, 0.0)
        self.enter = (0.0, FILL_ENTER, ARRIVAL_ENTER)

    def rows(self, grammars: list[GrammarState]) -> list[int]:
        return [2 if state.section_downbeat else 1 if state.filling else 0 for state in grammars]

    def lift(self, logits: torch.Tensor, grammars: list[GrammarState], nexts: list) -> None:
        for row, which in enumerate(self.rows(grammars)):
            if not which:
                continue
            notes = logits[row, self.notes]
            total = notes.logsumexp(0)
            if torch.isfinite(total):  # drum notes may come: shares moved, total raised by ``density``
                lifted = notes + self.values[which]
                logits[row, self.notes] = lifted + (total - lifted.logsumexp(0) + self.density[which])
            if len(self.program):
                logits[row, self.program] += self.enter[which]


class Pulls:
    """Several lifts applied one after the other."""

    def __init__(self, *lifts: PitchLift | FillPull) -> None:
        self.lifts = lifts

    def lift(self, logits: torch.Tensor, grammars: list[GrammarState], nexts: list) -> None:
        for lift in self.lifts:
            lift.lift(logits, grammars, nexts)
