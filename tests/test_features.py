import numpy as np
import pretty_midi

from musicgen_symbolic.data.captions import describe, roman_progression
from musicgen_symbolic.data.features import bar_chords, describe_midi
from musicgen_symbolic.prompt import parse_prompt
from musicgen_symbolic.vocabulary import Attributes, Key


def _progression_midi() -> pretty_midi.PrettyMIDI:
    """C - Am - F - G, one block chord a bar at 120 bpm in 4/4, in a low-ish middle register."""
    midi = pretty_midi.PrettyMIDI(initial_tempo=120)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0))
    piano = pretty_midi.Instrument(0)
    for bar, chord in enumerate([(60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62)]):
        for pitch in chord:
            piano.notes.append(pretty_midi.Note(80, pitch, bar * 2.0, bar * 2.0 + 1.9))
    midi.instruments.append(piano)
    return midi


def test_features_of_a_known_progression():
    midi = _progression_midi()
    assert bar_chords(midi) == ["C", "Am", "F", "G"]
    features = describe_midi(midi)
    assert features["key"] == [0, "major"] and features["bars"] == 4
    assert features["density"] == "sparse" and features["register"] == "middle"
    assert roman_progression(features["chords"], 0) == "I - vi - IV - V"
    assert roman_progression(["Am", "Am", "Dm", "E"], 9) == "i - iv - V"


def test_feature_phrases_never_change_what_the_parser_reads():
    features = describe_midi(_progression_midi())
    attributes = Attributes(
        tempo=120, key=Key(0, "major"), time_signature=(4, 4), instruments=(0,), genre="pop", mood="happy"
    )
    rng = np.random.default_rng(0)
    seen_progression = False
    for _ in range(200):
        caption = describe(attributes, {"genre"}, rng, features)
        seen_progression |= "I - vi" in caption
        parsed = parse_prompt(caption)
        assert parsed.key is None and parsed.tempo is None and parsed.instruments is None, caption
    assert seen_progression


def test_a_caption_names_the_key_it_describes():
    rng = np.random.default_rng(0)
    for tonic in range(12):
        for mode in ("major", "minor"):
            key = Key(tonic, mode)
            for _ in range(40):  # every phrasing, spelled-out accidentals included ("E flat minor", "in Ebm")
                caption = describe(Attributes(key=key), {"key"}, rng)
                assert parse_prompt(caption).key == key, caption
