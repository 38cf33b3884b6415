"""Shared fixtures: a tiny random T5 text encoder and tiny random models, built locally (no network)."""

from __future__ import annotations

from pathlib import Path

import pretty_midi
import pytest

WORDS = (
    "a an the in at with and for of piece song calm upbeat fast slow sad happy dark lo-fi jazz rock pop waltz "
    "piano bass drums guitar strings flute violin electric organ synth pad major minor bpm bars seconds "
    "c d e f g a b flat sharp 3/4 4/4 6/8 80 90 100 120 140"
).split()


def build_tiny_t5(folder: Path) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, T5Config, T5EncoderModel

    vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2}
    for word in WORDS:
        vocab.setdefault(word, len(vocab))
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, pad_token="<pad>", unk_token="<unk>", eos_token="</s>"
    )
    config = T5Config(vocab_size=len(vocab), d_model=32, d_ff=64, d_kv=16, num_layers=1, num_heads=2)
    import torch

    torch.manual_seed(0)
    T5EncoderModel(config).save_pretrained(folder)
    wrapped.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_t5_dir(tmp_path_factory) -> Path:
    return build_tiny_t5(tmp_path_factory.mktemp("tiny-t5"))


def composed_scores(seeds):
    """Procedurally composed pieces as symusic scores."""
    import symusic

    from musicgen_symbolic.data.composer import compose_piece
    from musicgen_symbolic.midi_io import midi_bytes

    return [symusic.Score.from_midi(midi_bytes(compose_piece(seed).midi)) for seed in seeds]


def composed_token_strings(count: int = 4):
    """REMI token strings of a few procedurally composed pieces (before fusing)."""
    from musicgen_symbolic.tokenizer import MusicTokenizer

    base = MusicTokenizer()
    for score in composed_scores(range(count)):
        yield base.tokens(base.encode_remi(score))


@pytest.fixture(scope="session")
def fused_tokenizer():
    """The default tokenizer with note-attribute pairs learnt from a few composed pieces."""
    from musicgen_symbolic.tokenizer import MusicTokenizer, learn_fused_pairs

    return MusicTokenizer(fused_pairs=learn_fused_pairs(composed_token_strings(), min_count=1))


@pytest.fixture(scope="session")
def legacy_tokenizer():
    """The token layout of models trained before compact tokens: a Program per note, drum durations."""
    from miditok import REMI

    from musicgen_symbolic.tokenizer import MusicTokenizer, build_remi

    config = build_remi().config
    config.program_changes = False
    config.use_note_duration_programs = list(range(-1, 128))
    return MusicTokenizer(REMI(config))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tiny_t5_dir, fused_tokenizer) -> Path:
    from musicgen_symbolic.pipeline import MusicGenSymbolic

    generator = MusicGenSymbolic.init_random(
        "tiny", text_encoder=f"t5:{tiny_t5_dir}", seed=0, tokenizer=fused_tokenizer
    )
    return generator.save_pretrained(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def tiny_generator(tiny_model_dir):
    from musicgen_symbolic.pipeline import MusicGenSymbolic

    return MusicGenSymbolic.from_pretrained(tiny_model_dir)


@pytest.fixture
def scale_midi(tmp_path) -> Path:
    """A C-major scale on piano plus a kick drum, 120 bpm, 4/4."""
    midi = pretty_midi.PrettyMIDI(initial_tempo=120)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0))
    piano = pretty_midi.Instrument(0, name="Acoustic Grand Piano")
    drums = pretty_midi.Instrument(0, is_drum=True, name="Drums")
    for i, pitch in enumerate([60, 62, 64, 65, 67, 69, 71, 72]):
        piano.notes.append(pretty_midi.Note(90, pitch, i * 0.5, i * 0.5 + 0.45))
        drums.notes.append(pretty_midi.Note(100, 36, i * 0.5, i * 0.5 + 0.1))
    midi.instruments += [piano, drums]
    path = tmp_path / "scale.mid"
    midi.write(str(path))
    return path
