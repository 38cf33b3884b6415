"""Harmony plans, the sampler's pull towards them, chord markers, and the planned metre."""

import io
import random
from collections import Counter

import pretty_midi
import pytest

from musicgen_symbolic.grammar import Constraints
from musicgen_symbolic.midi_io import markers_of, midi_bytes
from musicgen_symbolic.planner import HARMONY_FILE, HarmonyModel
from musicgen_symbolic.theory import Progression, Step, chord_scale, parse_symbol
from musicgen_symbolic.vocabulary import GENRE_LABELS, Key

MODEL = HarmonyModel.from_training_styles()


def test_every_genre_has_a_chain_and_a_metre():
    for genre in GENRE_LABELS:
        for mode in ("major", "minor"):
            assert MODEL.loop(genre, mode, random.Random(0))
        assert MODEL.choose_metre(genre, 0) is not None, genre
    assert MODEL.choose_metre(None, 0) is None


@pytest.mark.parametrize("genre", ["pop", "jazz", "lo-fi", "folk", "classical", "blues", "ambient", None])
def test_plans_move_and_end_home(genre):
    for seed in range(5):
        plan = MODEL.plan(None, genre, None, seed)
        chords = plan.chords(16)
        bars = [chords[2 * b] for b in range(16)]
        changes = sum(a != b for a, b in zip(bars, bars[1:], strict=False)) / 15
        assert changes >= 0.4, (genre, seed, plan.symbols(16))
        assert chords[-1].root == plan.key.tonic  # the last bar is the tonic
        assert chords[-3].root == (plan.key.tonic + 7) % 12  # the second half of the bar before: the dominant


def test_plans_are_reproducible_by_seed_and_vary_across_seeds():
    first = MODEL.plan(None, "pop", None, 3)
    assert first == MODEL.plan(None, "pop", None, 3)
    assert len({MODEL.plan(None, "pop", None, seed).symbols(8) for seed in range(12)}) >= 6


def test_a_key_and_a_mood_are_respected():
    plan = MODEL.plan(Key(2, "minor"), "lo-fi", None, 1)
    assert plan.key == Key(2, "minor") and plan.loop[0].root in range(12)
    assert all(MODEL.plan(None, "pop", "sad", seed).key.mode == "minor" for seed in range(6))
    assert all(MODEL.plan(None, "metal", "happy", seed).key.mode == "major" for seed in range(6))


def test_jazz_plans_carry_sevenths():
    sevenths = [len(c.tones) >= 4 for seed in range(10) for c in MODEL.plan(None, "jazz", None, seed).loop]
    assert sum(sevenths) / len(sevenths) >= 0.8


def test_a_given_progression_is_followed_exactly_without_a_cadence():
    given = Progression((Step("Am"), Step("F"), Step("C"), Step("G")))
    plan = MODEL.plan(None, "pop", None, 0, given)
    assert plan.key == Key(9, "minor")  # the first chord's
    assert plan.symbols(8) == "Am | F | C | G | Am | F | C | G"
    roman = Progression((Step("ii7"), Step("V7"), Step("Imaj7", 2)), roman=True)
    assert MODEL.plan(Key(5, "major"), None, None, 0, roman).symbols(4) == "Gm7 | C7 | Fmaj7 | Fmaj7"


def test_the_metre_follows_the_genre():
    metres = Counter(MODEL.choose_metre("jazz", seed) for seed in range(200))
    assert metres[(4, 4)] / 200 >= 0.75
    assert Counter(MODEL.choose_metre("waltz", seed) for seed in range(20)) == {(3, 4): 20}


def test_harmony_model_saves_and_loads(tmp_path):
    MODEL.save_to(tmp_path / HARMONY_FILE)
    again = HarmonyModel.load(tmp_path)
    assert again.plan(None, "jazz", None, 4) == MODEL.plan(None, "jazz", None, 4)
    (tmp_path / HARMONY_FILE).write_text("{not json")
    with pytest.raises(Exception, match="not a valid harmony model"):
        HarmonyModel.load(tmp_path)


def test_chord_scale_bends_to_borrowed_and_secondary_chords():
    assert 8 in chord_scale(parse_symbol("E7"), Key(9, "minor")) and 7 not in chord_scale(
        parse_symbol("E7"), Key(9, "minor")
    )
    assert 10 in chord_scale(parse_symbol("Bb"), Key(0, "major")) and 11 not in chord_scale(
        parse_symbol("Bb"), Key(0, "major")
    )
    assert 6 in chord_scale(parse_symbol("D7"), Key(0, "major")) and 5 not in chord_scale(
        parse_symbol("D7"), Key(0, "major")
    )


def test_the_pull_follows_the_chord_of_each_half_bar(tiny_generator):
    from musicgen_symbolic.pulls import KINDS, ChordPull

    plan = MODEL.plan(Key(0, "major"), None, None, 0, Progression((Step("C"), Step("G", 0.5), Step("Am", 0.5))))
    pull = ChordPull(tiny_generator.grammar, plan, 3.0)
    state = tiny_generator.grammar.start(Constraints(bars=2))
    state.bars_done, state.bar_positions, state.program = 2, 32, 0
    state.position = 0
    assert pull.rows([state]) == [KINDS * pull.index[parse_symbol("G")] + 1]  # bar 2 starts on G, a strong beat
    state.position = 16
    assert pull.rows([state]) == [KINDS * pull.index[parse_symbol("Am")] + 1]  # its middle: Am
    state.position, state.program = 4, 33
    assert pull.rows([state]) == [KINDS * pull.index[parse_symbol("G")] + 3]  # a bass note off the beat
    g_row = pull.values[KINDS * pull.index[parse_symbol("G")] + 2]  # bass on a strong beat over G
    pitches = tiny_generator.grammar.tables.value[tiny_generator.grammar.ids["Pitch"]]
    best = {int(p) % 12 for p, v in zip(pitches, g_row.tolist(), strict=True) if v == g_row.max()}
    assert best == {7}


def test_generation_follows_a_plan_writes_markers_and_the_planned_metre(tiny_generator):
    result = tiny_generator.generate_many("a jazz tune", bars=4, seed=2)[0]
    assert result.plan is not None and result.attributes.time_signature is not None
    data = midi_bytes(result.midi)
    markers = markers_of(data)
    assert markers and markers[0][0] == 0
    assert [text for _, text in markers][0] == result.plan.chords(4)[0].spelled(result.plan.key)
    midi = pretty_midi.PrettyMIDI(io.BytesIO(data))  # still a clean file
    assert midi.key_signature_changes and midi.key_signature_changes[0].key_number % 12 == result.plan.key.tonic
    off = tiny_generator.generate_many("a jazz tune", bars=4, seed=2, key_strength=0)[0]
    assert off.plan is None and not markers_of(midi_bytes(off.midi))


def test_the_same_seed_gives_the_same_plan_and_bytes(tiny_generator):
    first = tiny_generator.generate_many("folk tune", bars=4, seed=9)[0]
    again = tiny_generator.generate_many("folk tune", bars=4, seed=9)[0]
    assert midi_bytes(first.midi) == midi_bytes(again.midi) and first.plan == again.plan


def test_a_melody_line_is_pulled_towards_steps(tiny_generator):
    from musicgen_symbolic.pulls import MelodyPull, interval_lift

    assert interval_lift(2) > interval_lift(0) and interval_lift(2) > interval_lift(9) > interval_lift(14)
    pull = MelodyPull(tiny_generator.grammar, 3.0)
    state = tiny_generator.grammar.start(Constraints(bars=2))
    state.program = 73  # flute
    assert pull.rows([state]) == [0]  # its first note: no lift
    state.last_pitch[73] = 72
    row = pull.values[pull.rows([state])[0]]
    pitches = tiny_generator.grammar.tables.value[tiny_generator.grammar.ids["Pitch"]].tolist()
    lift = dict(zip(pitches, row.tolist(), strict=True))
    assert lift[74] > lift[72] and lift[71] > lift[72] and lift[74] > lift[81]
    state.program = 0  # a piano is no melody instrument here
    assert pull.rows([state]) == [0]


def test_melody_shape_changes_only_melody_instruments(tiny_generator):
    drums = tiny_generator.generate_many("rock drums", bars=2, seed=1, instruments="drums, piano")[0]
    same = tiny_generator.generate_many("rock drums", bars=2, seed=1, instruments="drums, piano", melody_shape=0)[0]
    assert drums.tokens == same.tokens


def test_the_bundled_harmony_is_the_training_styles_harmony():
    from musicgen_symbolic.constants import BUNDLED_MODEL_DIR

    bundled = HarmonyModel.load(BUNDLED_MODEL_DIR)
    assert bundled.chains == MODEL.chains and bundled.starts == MODEL.starts
    assert bundled.metres == MODEL.metres and bundled.minor_share == MODEL.minor_share and bundled.slow == MODEL.slow
