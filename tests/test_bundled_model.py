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
