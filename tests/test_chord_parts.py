"""The parts that sound a plan's chords: the bass and the chord instrument play where each chord starts, in the
order instruments come at one position; no instrument starts one pitch twice at one onset."""

from collections import Counter

import numpy as np
import pytest

from musicgen_symbolic.grammar import CHORD_NOTES, Constraints
from musicgen_symbolic.planner import HarmonyModel
from musicgen_symbolic.theory import Progression, Step
from musicgen_symbolic.vocabulary import Key

PROMPT = "pop song with piano, bass and drums"


def _onsets(instrument) -> Counter:  # noqa: ANN001
    return Counter(round(note.start, 4) for note in instrument.notes)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_bass_and_the_piano_play_where_every_chord_starts(tiny_generator, seed):
    result = tiny_generator.generate_many(PROMPT, bars=4, seed=seed, chords="C G | Am F | Dm | G")[0]
    midi = result.midi
    piano = next(i for i in midi.instruments if i.program == 0 and not i.is_drum)
    bass = next(i for i in midi.instruments if 32 <= i.program <= 39)
    downbeats = midi.get_downbeats()
    half = (downbeats[1] - downbeats[0]) / 2
    starts = [*downbeats, downbeats[0] + half, downbeats[1] + half]  # each bar, and the two bars changing midway
    for start in (round(float(t), 4) for t in starts):
        assert _onsets(bass)[start] >= 1, f"no bass note at {start} s"
        pitches = {note.pitch for note in piano.notes if round(note.start, 4) == start}
        assert len(pitches) >= CHORD_NOTES, f"the piano plays {sorted(pitches)} at {start} s"


def test_the_bass_plays_the_root_where_the_chord_changes(tiny_generator):
    result = tiny_generator.generate_many(PROMPT, bars=4, seed=4, chords="C | F | G | C")[0]
    bass = next(i for i in result.midi.instruments if 32 <= i.program <= 39)
    downbeats = [round(float(t), 4) for t in result.midi.get_downbeats()]
    roots = [
        min((n for n in bass.notes if round(n.start, 4) == t), key=lambda n: n.pitch).pitch % 12 for t in downbeats
    ]
    assert sum(r == want for r, want in zip(roots, [0, 5, 7, 0], strict=True)) >= 3  # pulled hard, still sampled


@pytest.mark.parametrize("seed", range(4))
def test_no_instrument_starts_a_pitch_twice_at_one_onset(tiny_generator, seed):
    for options in ({}, {"key_strength": 0}):
        midi = tiny_generator.generate_many("a jazz trio with piano, bass and drums", bars=4, seed=seed, **options)[
            0
        ].midi
        for instrument in midi.instruments:
            notes = Counter((round(n.start, 4), n.pitch) for n in instrument.notes if not instrument.is_drum)
            assert not [key for key, count in notes.items() if count > 1]


def _first_allowed(state, kind: str, value: int | None = None) -> int:  # noqa: ANN001
    grammar = state.g
    for token in np.flatnonzero(state.allowed(100)):
        if grammar.kind_names[token] == kind and (value is None or grammar.values[token] == value):
            return int(token)
    raise AssertionError(f"no {kind} {value} allowed")


def test_parts_come_in_program_order_and_the_chord_is_finished_first(tiny_generator):
    grammar = tiny_generator.grammar
    plan = HarmonyModel.from_training_styles().plan(
        Key(0, "major"), None, None, 0, Progression((Step("C", 0.5), Step("G", 0.5)))
    )
    state = grammar.start(Constraints(bars=2, time_signature=(4, 4), tempo=120, programs=(-1, 0, 33), chords=plan))
    drums, piano, bass = (grammar.program_id[p] for p in (-1, 0, 33))
    for kind in ("Bar", "TimeSig"):
        state.advance(_first_allowed(state, kind))
    allowed = state.allowed(100)
    assert allowed[grammar.position_ids[0]] and not allowed[grammar.position_ids[1]]  # the downbeat is not skipped
    state.advance(_first_allowed(state, "Position", 0))
    state.advance(_first_allowed(state, "Tempo"))
    allowed = state.allowed(100)
    assert allowed[drums] and allowed[piano] and not allowed[bass]  # the piano before the bass, as in training
    state.advance(piano)
    state.advance(_first_allowed(state, "Pitch", 48))
    state.advance(_first_allowed(state, "VelDur"))
    allowed = state.allowed(100)
    assert not allowed[bass] and not allowed[grammar.position_ids].any() and not allowed[grammar.ids["Bar"]].any()
    assert not allowed[drums] and allowed[grammar.ids["Pitch"]].any()  # the piano's chord goes on
    assert _first_allowed(state, "Pitch", 48) in state.unplayable().tolist()  # the sampler plays no pitch twice here
    state.advance(_first_allowed(state, "Pitch", 52))
    state.advance(_first_allowed(state, "VelDur"))
    allowed = state.allowed(100)
    assert allowed[bass] and not allowed[grammar.position_ids].any()  # the bass is still owed here
    state.advance(bass)
    state.advance(_first_allowed(state, "Pitch", 36))
    state.advance(_first_allowed(state, "VelDur"))
    allowed = state.allowed(100)
    assert allowed[grammar.position_ids[1]] and not allowed[grammar.position_ids[17]]  # the next change: beat 3
    assert not allowed[grammar.ids["Bar"]].any()


def test_without_a_plan_nothing_is_owed(tiny_generator):
    grammar = tiny_generator.grammar
    state = grammar.start(Constraints(bars=2, time_signature=(4, 4), tempo=120, programs=(-1, 0, 33)))
    for kind in ("Bar", "TimeSig"):
        state.advance(_first_allowed(state, kind))
    assert state.allowed(100)[grammar.position_ids[5]] and not state.parts


def _walk(grammar, constraints: Constraints, seed: int) -> list[int]:  # noqa: ANN001
    """Tokens drawn uniformly among those the grammar allows and the sampler would draw from (no doubled pitch), to
    the end: the grammar alone, no model."""
    import random

    chooser, state, tokens = random.Random(seed), grammar.start(constraints), []
    while not state.finished:
        allowed = state.allowed(10_000).copy()
        unplayable = state.unplayable()
        if unplayable is not None and allowed[unplayable.numpy()].sum() < allowed.sum():
            allowed[unplayable.numpy()] = False
        allowed = np.flatnonzero(allowed)
        assert len(allowed), f"nothing allowed after {len(tokens)} tokens"
        token = int(chooser.choice(allowed))
        state.advance(token)
        tokens.append(token)
    assert state.bars_done == constraints.bars
    return tokens


@pytest.mark.parametrize("layout", ["fused_tokenizer", "legacy_tokenizer"])
@pytest.mark.parametrize("seed", range(3))
def test_any_walk_through_the_grammar_sounds_every_chord(request, layout, seed):
    from musicgen_symbolic.grammar import Grammar

    tokenizer = request.getfixturevalue(layout)
    grammar = Grammar(tokenizer)
    progression = Progression((Step("C", 0.5), Step("G", 0.5), Step("Am", 0.5), Step("F", 0.5)))
    plan = HarmonyModel.from_training_styles().plan(Key(0, "major"), None, None, 0, progression)
    constraints = Constraints(bars=2, time_signature=(4, 4), tempo=120, programs=(-1, 0, 33), chords=plan)
    notes: dict[tuple[int, int, int], list[int]] = {}  # (bar, position, program) → pitches
    bar = position = program = -1
    for token in _walk(grammar, constraints, seed):
        kind, value = grammar.kind_names[token], grammar.values[token]
        if kind == "Bar":
            bar += 1
        elif kind == "Position":
            position = value
        elif kind == "Program":
            program = value
        elif kind == "Pitch":
            notes.setdefault((bar, position, program), []).append(value)
    for pitches in notes.values():
        assert len(pitches) == len(set(pitches))  # no pitch twice at one position
    last = constraints.bars - 1
    for bar in range(constraints.bars):
        for position in (0,) if bar == last else (0, 16):  # the held last bar plays its first position only
            assert len(notes.get((bar, position, 33), [])) >= 1, (bar, position)
            assert len(notes.get((bar, position, 0), [])) >= CHORD_NOTES, (bar, position)


def test_a_file_with_a_unison_in_one_track_still_reads(tiny_generator):
    from musicgen_symbolic.grammar import first_misfit

    grammar = tiny_generator.grammar
    vocab = tiny_generator.tokenizer.vocab
    tokens = ["Bar_None", "TimeSig_4/4", "Position_0", "Tempo_120.0", "Program_0", "Pitch_60", "Velocity_63",
              "Duration_1.0.8", "Pitch_60", "Velocity_63", "Duration_1.0.8"]  # fmt: skip
    assert first_misfit([vocab[t] for t in tokens], grammar.start(Constraints(bars=1))) is None


def test_every_instrument_has_a_playable_range_and_polyphony():
    from musicgen_symbolic.vocabulary import PLAYABLE

    assert set(PLAYABLE) == set(range(128))
    for program, (low, high, at_once) in PLAYABLE.items():
        assert 0 <= low < high <= 127 and high - low >= 12 and 1 <= at_once <= 10, program
    assert PLAYABLE[73][2] == 1 and PLAYABLE[40][2] == 3 and PLAYABLE[41][:2] == (48, 91)  # flute, violin, viola


@pytest.mark.parametrize("seed", range(3))
def test_instruments_stay_in_range_and_winds_play_one_note_at_a_time(tiny_generator, seed):
    from musicgen_symbolic.vocabulary import PLAYABLE

    midi = tiny_generator.generate_many("flute, viola and piano", bars=4, seed=seed)[0].midi
    for instrument in midi.instruments:
        low, high, at_once = PLAYABLE[instrument.program]
        assert all(low <= note.pitch <= high for note in instrument.notes), instrument.name
        assert max(_onsets(instrument).values()) <= at_once, instrument.name


def test_the_keys_tonic_is_the_favourite_tone_where_the_chord_has_it():
    from musicgen_symbolic.pulls import chord_lifts
    from musicgen_symbolic.theory import parse_symbol

    plan = HarmonyModel.from_training_styles().plan(Key(4, "minor"), None, None, 0, Progression((Step("C"),)))
    weak, strong = chord_lifts(parse_symbol("C"), plan, 1.0)[:2]
    assert weak[4] > weak[7] and strong[4] > strong[7] and strong[0] >= strong[4]  # E above G, up to the root C
    g_major = chord_lifts(parse_symbol("G"), plan, 1.0)
    assert g_major[1][7] > g_major[1][11] == g_major[1][2]  # no tonic in G: its root, then its other tones alike
