"""The grammar's rules for compact tokens (Program only at changes, fused note pairs) and the old layout."""

import pytest

from musicgen_symbolic.grammar import Constraints, Grammar
from musicgen_symbolic.tokenizer import MusicTokenizer


def _walk(tokenizer, constraints, tokens):
    grammar = Grammar(tokenizer)
    state = grammar.start(constraints)
    for token in tokens:
        assert state.allowed(1000)[tokenizer.vocab[token]], f"{token} refused"
        state.advance(tokenizer.vocab[token])
    return state


def _allowed(tokenizer, state):
    return {tokenizer.id_to_token[i] for i, ok in enumerate(state.allowed(1000)) if ok}


@pytest.fixture(scope="module")
def compact():
    return MusicTokenizer(fused_pairs=[("Velocity_63", "Duration_1.0.8"), ("PitchDrum_36", "Velocity_95")])


OPENING = ["Bar_None", "TimeSig_4/4", "Position_0", "Tempo_120.0"]


def test_first_note_names_its_instrument_and_later_notes_only_changes(compact):
    state = _walk(compact, Constraints(bars=2, programs=(0, 32)), OPENING)
    allowed = _allowed(compact, state)
    assert {"Program_0", "Program_32"} <= allowed and not any(t.startswith("Pitch") for t in allowed)
    state = _walk(compact, Constraints(bars=2, programs=(0, 32)), [*OPENING, "Program_0", "Pitch_60"])
    assert {"Velocity_63", "VelDur_63_1.0.8"} <= _allowed(compact, state)
    state.advance(compact.vocab["VelDur_63_1.0.8"])
    allowed = _allowed(compact, state)
    assert {"Pitch_64", "Program_32", "Position_4", "Bar_None"} <= allowed
    assert "Program_0" not in allowed  # no Program token repeats the instrument already playing
    assert not any(t.startswith(("Velocity", "Duration", "Program_5")) for t in allowed)
    state.advance(compact.vocab["Position_4"])
    assert {"Pitch_64", "Program_32"} <= _allowed(compact, state)


def test_drum_hits_have_no_duration(compact):
    state = _walk(compact, Constraints(bars=1, programs=(-1,)), [*OPENING, "Program_-1"])
    allowed = _allowed(compact, state)
    assert {"PitchDrum_36", "DrumVel_36_95"} <= allowed and "Pitch_60" not in allowed
    state.advance(compact.vocab["PitchDrum_38"])
    assert _allowed(compact, state) == {t for t in compact.vocab if t.startswith("Velocity_")}
    state.advance(compact.vocab["Velocity_95"])
    after_velocity = _allowed(compact, state)
    assert "PitchDrum_42" in after_velocity and not any(t.startswith("Duration") for t in after_velocity)
    state.advance(compact.vocab["DrumVel_36_95"])
    assert _allowed(compact, state) == after_velocity


def test_last_bar_makes_an_unheard_instrument_play(compact):
    notes = ["Program_0", "Pitch_60", "VelDur_63_1.0.8"]
    state = _walk(compact, Constraints(bars=1, programs=(0, 32)), [*OPENING, *notes])
    allowed = _allowed(compact, state)
    assert "Program_32" in allowed and "Pitch_62" not in allowed and "EOS_None" not in allowed
    state.advance(compact.vocab["Program_32"])
    state.advance(compact.vocab["Pitch_40"])
    state.advance(compact.vocab["VelDur_63_1.0.8"])
    assert {"Pitch_43", "Program_0", "EOS_None"} <= _allowed(compact, state)


def test_old_layout_needs_a_program_per_note_and_drum_durations(legacy_tokenizer):
    legacy = legacy_tokenizer
    state = _walk(legacy, Constraints(bars=1, programs=(-1,)), [*OPENING, "Program_-1", "PitchDrum_36"])
    state.advance(legacy.vocab["Velocity_95"])
    assert all(t.startswith("Duration") for t in _allowed(legacy, state))
    state.advance(legacy.vocab["Duration_0.2.8"])
    allowed = _allowed(legacy, state)
    assert "Program_-1" in allowed and not any(t.startswith("PitchDrum") for t in allowed)


def test_a_fused_pair_is_only_written_fused(compact):
    """Velocity_63 then Duration_1.0.8 would decode like VelDur_63_1.0.8: only the fused token may write it."""
    state = _walk(compact, Constraints(bars=1, programs=(0,)), [*OPENING, "Program_0", "Pitch_60", "Velocity_63"])
    allowed = _allowed(compact, state)
    assert "Duration_1.0.8" not in allowed and "Duration_1.1.8" in allowed
    state = _walk(compact, Constraints(bars=1, programs=(-1,)), [*OPENING, "Program_-1", "PitchDrum_36"])
    allowed = _allowed(compact, state)
    assert "Velocity_95" not in allowed and "Velocity_63" in allowed
    state = _walk(compact, Constraints(bars=1, programs=(-1,)), [*OPENING, "Program_-1", "PitchDrum_38"])
    assert "Velocity_95" in _allowed(compact, state)


def test_a_long_silent_requested_instrument_is_nudged_back_in(compact):
    from musicgen_symbolic.constants import DEFAULT_NUDGE_AFTER as QUIET_BARS
    from musicgen_symbolic.grammar import MAX_NUDGE, NUDGE_PER_BAR

    bass = compact.vocab["Program_32"]
    opening = [*OPENING, "Program_0", "Pitch_60", "VelDur_63_1.0.8"]
    state = _walk(compact, Constraints(bars=16, programs=(0, 32)), opening)
    never = _walk(compact, Constraints(bars=16, programs=(0, 32), nudge_after=0), opening)
    nudges = []
    for _ in range(QUIET_BARS + 5):
        never = _walk_on(compact, never, ["Bar_None", "TimeSig_4/4", "Position_0", "Pitch_60", "VelDur_63_1.0.8"])
        assert never.nudges == ()  # nudge_after=0: never
        state = _walk_on(compact, state, ["Bar_None", "TimeSig_4/4", "Position_0", "Pitch_60", "VelDur_63_1.0.8"])
        nudges.append(state.nudges)
    assert nudges[: QUIET_BARS - 1] == [()] * (QUIET_BARS - 1)  # the bass may rest a while
    assert nudges[QUIET_BARS - 1] == ((bass, NUDGE_PER_BAR),)  # after QUIET_BARS bars without it
    shares = [dict(n).get(bass, 0.0) for n in nudges]
    assert shares == sorted(shares) and shares[-1] == MAX_NUDGE
    state = _walk_on(compact, state, ["Program_32", "Pitch_40", "VelDur_63_1.0.8"])
    assert state.nudges == ()  # heard again


def test_no_nudge_where_the_model_chooses_the_instruments(compact):
    state = _walk(compact, Constraints(bars=16), [*OPENING, "Program_0", "Pitch_60", "VelDur_63_1.0.8"])
    for _ in range(8):
        state = _walk_on(compact, state, ["Bar_None", "TimeSig_4/4", "Position_0", "Pitch_60", "VelDur_63_1.0.8"])
    assert state.nudges == ()


def _walk_on(tokenizer, state, tokens):
    for token in tokens:
        assert state.allowed(1000)[tokenizer.vocab[token]], f"{token} refused"
        state.advance(tokenizer.vocab[token])
    return state


def test_tonic_lift_lifts_the_tonic_chord_and_nothing_else(compact):
    from musicgen_symbolic.grammar import CENTRE_LIFT, TONIC_LIFT

    grammar = Grammar(compact)
    pitch_names = [compact.id_to_token[int(i)] for i in grammar.ids["Pitch"]]
    assert all(name.startswith("Pitch_") for name in pitch_names)
    for tonic, mode, chord in ((0, "major", (0, 4, 7)), (9, "minor", (9, 0, 4)), (3, "minor", (3, 6, 10))):
        lift = grammar.tonic_lift(tonic, mode, 3.0)
        assert lift.shape == (2, len(pitch_names))
        for name, everywhere, anchor in zip(pitch_names, *lift, strict=True):
            pitch_class = int(name.split("_")[1]) % 12
            share = 1 if pitch_class == tonic else 0.5 if pitch_class in chord else 0
            assert everywhere == pytest.approx(CENTRE_LIFT * 3.0 * share)
            assert anchor == pytest.approx(TONIC_LIFT * 3.0 * share)
        assert not grammar.tonic_lift(tonic, mode, 0.0).any()


def test_anchors_are_phrase_starts_and_the_last_bar(compact):
    from musicgen_symbolic.grammar import PHRASE_BARS

    bars = 2 * PHRASE_BARS + 2
    state = _walk(compact, Constraints(bars=bars, programs=(0,)), [*OPENING, "Program_0", "Pitch_60"])
    anchors = {(1, 0): state.at_anchor}  # (bar, position) → anchor
    for bar in range(1, bars + 1):
        if bar > 1:
            state = _walk_on(compact, state, ["Bar_None", "TimeSig_4/4", "Position_0", "Pitch_60"])
            anchors[bar, 0] = state.at_anchor
        state = _walk_on(compact, state, ["VelDur_63_1.0.8", "Position_8"])
        anchors[bar, 8] = state.at_anchor
        state = _walk_on(compact, state, ["Pitch_62", "VelDur_63_1.0.8"])
    phrase_starts = {1, PHRASE_BARS + 1, 2 * PHRASE_BARS + 1}
    assert {key for key, anchor in anchors.items() if anchor} == {
        *((bar, 0) for bar in phrase_starts),
        (bars, 0),
        (bars, 8),
    }


def test_without_a_bar_count_only_phrase_starts_are_anchors(compact):
    from musicgen_symbolic.grammar import PHRASE_BARS

    state = _walk(compact, Constraints(programs=(0,)), [*OPENING, "Program_0", "Pitch_60", "VelDur_63_1.0.8"])
    anchors = [state.at_anchor]
    for _ in range(2 * PHRASE_BARS):
        state = _walk_on(compact, state, ["Position_8", "Pitch_62", "VelDur_63_1.0.8"])
        assert not state.at_anchor
        state = _walk_on(compact, state, ["Bar_None", "TimeSig_4/4", "Position_0"])
        anchors.append(state.at_anchor)
        state = _walk_on(compact, state, ["Pitch_60", "VelDur_63_1.0.8"])
    assert [bar for bar, anchor in enumerate(anchors, 1) if anchor] == [1, PHRASE_BARS + 1, 2 * PHRASE_BARS + 1]


def test_a_length_in_seconds_without_a_form_sets_the_bar_count():
    """The grammar on its own (no form): the bar count follows from the metre and tempo, and the form's rules,
    which run when the length becomes known, are skipped (they raised AttributeError)."""
    from musicgen_symbolic.grammar import Constraints, Grammar
    from musicgen_symbolic.tokenizer import MusicTokenizer

    grammar = Grammar(MusicTokenizer())
    state = grammar.start(Constraints(seconds=10, tempo=120, time_signature=(4, 4)))
    state.advance(int(grammar.ids["Bar"][0]))
    state.advance(grammar.time_signature_id[(4, 4)])
    assert state.target_bars == 5  # 2 s a bar
