"""The model shipped inside the package: loads offline, is trained, and follows the prompt."""

from musicgen_symbolic.constants import BUNDLED_MODEL_DIR
from musicgen_symbolic.pipeline import MusicGenSymbolic
from musicgen_symbolic.vocabulary import DRUMS


def test_bundled_model_generates_what_was_asked():
    assert (BUNDLED_MODEL_DIR / "model.safetensors").stat().st_size < 40 * 2**20
    generator = MusicGenSymbolic.from_pretrained()
    assert generator.trained and generator.text_encoder_spec == "minilm"
    midi = generator.generate(
        "a calm lo-fi piece in D minor at 80 bpm with electric piano, bass and drums", bars=4, seed=0
    )
    assert midi.get_tempo_changes()[1].tolist() == [80.0]
    programs = {DRUMS if i.is_drum else i.program for i in midi.instruments}
    assert programs <= {4, 33, DRUMS} and len(programs) >= 2
    assert sum(len(i.notes) for i in midi.instruments) > 20


def test_bundled_model_plays_the_chords_it_is_given():
    """v0.4 reads two chord tokens a bar, forced from the plan: what it plays is heard as those chords."""
    from musicgen_symbolic.musicality import bar_chords, chord_accuracy_root

    generator = MusicGenSymbolic.from_pretrained()
    assert generator.tokenizer.chords
    (result,) = generator.generate_many("a pop song with piano, bass and drums", chords="Am F C G", bars=8, seed=0)
    planned = result.plan.chords(8)
    assert [c.symbol for c in planned[::2]] == ["Am", "F", "C", "G"] * 2
    assert chord_accuracy_root(bar_chords(result.midi, per_half_bar=True), planned) >= 0.6
