"""The raw-audio MusicGen path, on a tiny random MusicGen built locally (no network, a few seconds)."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest
import torch

from musicgen_symbolic.audio_backend import ChromaSettings, MusicGenAudio, melody_chroma, save_wav
from musicgen_symbolic.errors import MusicGenError

WORDS = "a calm lo-fi piano jazz beat with drums and bass loud quiet".split()
CODEBOOK_SIZE = 64  # the decoder's vocabulary; id 64 is MusicGen's pad / decoder-start token
NUM_CODEBOOKS = 2
SAMPLING_RATE = 8000
UPSAMPLING_RATIOS = (8, 4)  # 32 samples per codec frame → 250 frames per second
HOP = int(np.prod(UPSAMPLING_RATIOS))


def build_tiny_musicgen(folder: Path, melody: bool = False) -> Path:
    """Save a tiny random MusicGen (or MusicGen-melody) with its processor to ``folder``; about a second."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import (
        EncodecConfig,
        EncodecFeatureExtractor,
        GenerationConfig,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        MusicgenMelodyConfig,
        MusicgenMelodyDecoderConfig,
        MusicgenMelodyForConditionalGeneration,
        MusicgenProcessor,
        T5Config,
        T5TokenizerFast,
    )

    # A T5-style Unigram tokenizer (transformers 5's T5 tokenizer rebuilds a Unigram model when reloaded).
    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)] + [("\u2581" + word, -1.0) for word in WORDS]
    backend = Tokenizer(models.Unigram(pieces, unk_id=2))
    backend.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer = T5TokenizerFast(
        tokenizer_object=backend, extra_ids=0, pad_token="<pad>", eos_token="</s>", unk_token="<unk>"
    )
    parts = {
        "text_encoder": T5Config(vocab_size=len(pieces), d_model=16, d_ff=32, d_kv=8, num_layers=1, num_heads=2),
        "audio_encoder": EncodecConfig(
            sampling_rate=SAMPLING_RATE,
            hidden_size=16,
            num_filters=4,
            num_residual_layers=1,
            num_lstm_layers=1,
            upsampling_ratios=list(UPSAMPLING_RATIOS),
            codebook_size=CODEBOOK_SIZE,
            target_bandwidths=[24.0],
        ),
        "decoder": (MusicgenMelodyDecoderConfig if melody else MusicgenDecoderConfig)(
            vocab_size=CODEBOOK_SIZE,
            hidden_size=16,
            ffn_dim=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_codebooks=NUM_CODEBOOKS,
            max_position_embeddings=64,
            pad_token_id=CODEBOOK_SIZE,
            bos_token_id=CODEBOOK_SIZE,
        ),
    }
    torch.manual_seed(0)
    if melody:
        model = MusicgenMelodyForConditionalGeneration(MusicgenMelodyConfig(**parts, num_chroma=12, chroma_length=16))
    else:
        model = MusicgenForConditionalGeneration(MusicgenConfig(**parts))
    # A fresh EnCodec's codebooks are all zeros (they are learnt by k-means): give each code its own vector so
    # that different tokens decode to different audio.
    with torch.no_grad():
        for layer in model.audio_encoder.quantizer.layers:
            layer.codebook.embed.normal_()
            layer.codebook.embed_avg.copy_(layer.codebook.embed)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=CODEBOOK_SIZE,
        pad_token_id=CODEBOOK_SIZE,
        bos_token_id=CODEBOOK_SIZE,
        do_sample=True,
        guidance_scale=3.0,
        max_length=1500,
    )
    model.save_pretrained(folder)
    if melody:  # MusicgenMelodyFeatureExtractor needs torchaudio even to be built: write its config by hand
        tokenizer.save_pretrained(folder)
        (folder / "preprocessor_config.json").write_text(
            json.dumps(
                {
                    "feature_extractor_type": "MusicgenMelodyFeatureExtractor",
                    "processor_class": "MusicgenMelodyProcessor",
                    "sampling_rate": SAMPLING_RATE,
                    "feature_size": 12,
                    "num_chroma": 12,
                    "n_fft": 512,
                    "hop_length": 128,
                    "chunk_length": 2,
                }
            )
        )
    else:
        feature_extractor = EncodecFeatureExtractor(feature_size=1, sampling_rate=SAMPLING_RATE)
        MusicgenProcessor(feature_extractor=feature_extractor, tokenizer=tokenizer).save_pretrained(folder)
    return folder


@pytest.fixture(autouse=True)
def one_torch_thread():
    """The tiny model's ops are microseconds long: with several threads on a busy CPU, OpenMP's hand-offs cost
    far more than the work (100x slower when another process keeps the cores busy)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny_musicgen_dir(tmp_path_factory) -> Path:
    return build_tiny_musicgen(tmp_path_factory.mktemp("tiny-musicgen"))


@pytest.fixture(scope="session")
def musicgen(tiny_musicgen_dir) -> MusicGenAudio:
    return MusicGenAudio.from_pretrained(str(tiny_musicgen_dir), device="cpu")


def test_loads_the_local_folder(musicgen):
    assert musicgen.sampling_rate == SAMPLING_RATE
    assert musicgen.frame_rate == SAMPLING_RATE / HOP
    assert musicgen.channels == 1
    assert not musicgen.is_melody
    # frames for the duration + the one-step delay between the two codebooks
    assert musicgen.tokens_for(0.1) == 25 + NUM_CODEBOOKS - 1


def test_generates_audio_of_the_requested_length(musicgen):
    samples, rate = musicgen.generate("a calm piano", duration=0.1, seed=0)
    assert rate == SAMPLING_RATE
    assert samples.dtype == np.float32 and samples.ndim == 2 and samples.shape[1] == 1
    assert abs(samples.shape[0] - 0.1 * SAMPLING_RATE) <= HOP
    assert np.all(np.isfinite(samples)) and np.any(samples != 0)


@pytest.mark.parametrize("duration", [0.05, 0.13])
def test_duration_maps_to_samples_within_one_frame(musicgen, duration):
    samples, _ = musicgen.generate("jazz beat", duration=duration, cfg=1.0, seed=1)
    assert abs(samples.shape[0] - duration * SAMPLING_RATE) <= HOP


def test_same_seed_same_samples_and_another_seed_differs(musicgen):
    first, _ = musicgen.generate("lo-fi beat with drums", duration=0.08, seed=3)
    again, _ = musicgen.generate("lo-fi beat with drums", duration=0.08, seed=3)
    other, _ = musicgen.generate("lo-fi beat with drums", duration=0.08, seed=4)
    assert np.array_equal(first, again)
    assert first.shape == other.shape and not np.array_equal(first, other)


def test_greedy_and_progress_bar(musicgen, capsys):
    greedy, _ = musicgen.generate("quiet bass", duration=0.05, temperature=0.0, top_k=0, progress=True)
    again, _ = musicgen.generate("quiet bass", duration=0.05, temperature=0.0, top_k=0)
    assert np.array_equal(greedy, again)  # greedy decoding needs no seed
    assert "MusicGen" in capsys.readouterr().err


def test_save_wav_writes_16_bit_pcm(musicgen, tmp_path):
    samples, rate = musicgen.generate("loud drums", duration=0.1, seed=5)
    path = save_wav(samples, rate, tmp_path / "out.wav")
    with wave.open(str(path), "rb") as wav:
        assert wav.getsampwidth() == 2
        assert wav.getnchannels() == 1
        assert wav.getframerate() == SAMPLING_RATE
        assert wav.getnframes() == samples.shape[0]
    assert not list(tmp_path.glob(".*.part"))


def test_save_wav_rejects_bad_input(tmp_path):
    with pytest.raises(MusicGenError, match="NaN"):
        save_wav(np.array([0.0, np.nan], dtype=np.float32), 8000, tmp_path / "x.wav")
    with pytest.raises(MusicGenError, match="sample rate"):
        save_wav(np.zeros(10, dtype=np.float32), 0, tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()


@pytest.mark.parametrize("duration", [0, -1, 121, float("nan"), "long"])
def test_bad_duration(musicgen, duration):
    with pytest.raises(MusicGenError, match="duration"):
        musicgen.generate("a calm piano", duration=duration)


@pytest.mark.parametrize(
    ("options", "word"),
    [({"cfg": 0.5}, "cfg"), ({"cfg": 50}, "cfg"), ({"temperature": -1}, "temperature"), ({"top_p": 1.5}, "top_p")],
)
def test_bad_sampling_options(musicgen, options, word):
    with pytest.raises(MusicGenError, match=word):
        musicgen.generate("a calm piano", duration=0.05, **options)


@pytest.mark.parametrize("prompt", ["", "   \n"])
def test_empty_prompt(musicgen, prompt):
    with pytest.raises(MusicGenError, match="prompt is empty"):
        musicgen.generate(prompt, duration=0.05)


def test_melody_needs_a_melody_checkpoint(musicgen, tmp_path):
    melody = tmp_path / "tune.wav"
    save_wav(np.sin(np.linspace(0, 100, 800, dtype=np.float32)), 8000, melody)
    with pytest.raises(MusicGenError, match="needs a MusicGen-melody checkpoint"):
        musicgen.generate("a calm piano", duration=0.05, melody=melody)


def test_missing_weights_offline(monkeypatch, tmp_path):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(MusicGenError, match="hf download no-such-org/musicgen-nothing --local-dir DIR") as caught:
        MusicGenAudio.from_pretrained("no-such-org/musicgen-nothing", device="cpu")
    message = str(caught.value)
    assert "not on disk" in message and "--musicgen-model DIR" in message and "\n" not in message


def test_missing_weights_hub_unreachable(monkeypatch):
    """Online mode: the cache misses, the download fails too → the same advice."""
    from huggingface_hub import constants
    from transformers import PretrainedConfig

    calls = []

    def unreachable(source, local_files_only=False, **kwargs):
        calls.append(local_files_only)
        raise OSError("We couldn't connect to 'https://huggingface.co'")

    import musicgen_symbolic.audio_backend as backend

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(PretrainedConfig, "get_config_dict", unreachable)
    monkeypatch.setattr(backend, "reachable", lambda: True)  # the host answers, the download fails
    with pytest.raises(MusicGenError, match="hf download facebook/musicgen-small"):
        MusicGenAudio.from_pretrained(device="cpu")
    assert calls == [True, False]  # the cache first, then the hub
    calls.clear()
    monkeypatch.setattr(backend, "reachable", lambda: False)  # no connection at all: no download is tried
    with pytest.raises(MusicGenError, match="hf download facebook/musicgen-small"):
        MusicGenAudio.from_pretrained(device="cpu")
    assert calls == [True]


def test_bad_folders(tmp_path):
    with pytest.raises(MusicGenError, match="not a readable MusicGen checkpoint"):
        MusicGenAudio.from_pretrained(str(tmp_path), device="cpu")
    with pytest.raises(MusicGenError, match="no such MusicGen model folder"):
        MusicGenAudio.from_pretrained(str(tmp_path / "missing" / "deeper"), device="cpu")


def test_not_a_musicgen_checkpoint(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "t5"}')
    with pytest.raises(MusicGenError, match="not a MusicGen checkpoint"):
        MusicGenAudio.from_pretrained(str(tmp_path), device="cpu")


def test_corrupt_checkpoint(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "musicgen"}')
    with pytest.raises(MusicGenError, match="not a readable MusicGen checkpoint"):
        MusicGenAudio.from_pretrained(str(tmp_path), device="cpu")


@pytest.fixture(scope="module")
def melody_musicgen(tmp_path_factory) -> MusicGenAudio:
    folder = build_tiny_musicgen(tmp_path_factory.mktemp("tiny-musicgen-melody"), melody=True)
    return MusicGenAudio.from_pretrained(str(folder), device="cpu")


def tone(frequency: float, seconds: float, rate: int) -> np.ndarray:
    return np.sin(2 * np.pi * frequency * np.arange(int(seconds * rate)) / rate).astype(np.float32)


@pytest.mark.parametrize("frequency, pitch_class", [(440.0, 9), (261.63, 0), (392.0, 7), (311.13, 3)])
def test_melody_chroma_marks_the_played_pitch_class(frequency, pitch_class):
    settings = ChromaSettings(sampling_rate=16000, n_fft=2048, hop_length=512)
    features = melody_chroma(tone(frequency, 1.0, 44100), 44100, settings)  # resampled to 16 kHz first
    assert features.shape == (1, 1 + 16000 // 512, 12)
    assert torch.equal(features.sum(-1), torch.ones(1, features.shape[1]))  # one-hot per frame
    assert (features[0, 2:-2].argmax(-1) == pitch_class).all()


def test_melody_chroma_follows_a_tune_and_stops_at_chunk_length():
    settings = ChromaSettings(sampling_rate=8000, n_fft=512, hop_length=128, chunk_length=1)
    tune = np.concatenate([tone(261.63, 0.5, 8000), tone(392.0, 0.5, 8000), tone(440.0, 0.5, 8000)])
    classes = melody_chroma(tune, 8000, settings)[0].argmax(-1)
    assert classes.shape[0] == 1 + 8000 // 128  # only the first chunk_length second
    assert classes[5].item() == 0 and classes[-5].item() == 7


def test_melody_checkpoint_generates_from_text_and_melody(melody_musicgen, tmp_path):
    musicgen = melody_musicgen
    assert musicgen.is_melody
    samples, rate = musicgen.generate("calm piano", duration=0.1, seed=0)
    assert samples.shape == (round(0.1 * SAMPLING_RATE), 1) and rate == SAMPLING_RATE
    with pytest.raises(MusicGenError, match="must be a .wav or .mid"):
        musicgen.generate("calm piano", duration=0.1, melody=tmp_path / "tune.mp3")
    low = save_wav(tone(261.63, 1.0, 44100), 44100, tmp_path / "low.wav")
    high = save_wav(tone(440.0, 1.0, 44100), 44100, tmp_path / "high.wav")
    first, _ = musicgen.generate("calm piano", duration=0.1, seed=0, melody=low)
    again, _ = musicgen.generate("calm piano", duration=0.1, seed=0, melody=low)
    assert first.shape == samples.shape and np.array_equal(first, again)
    seen = []
    generate = musicgen.model.generate

    def spy(**kwargs):
        seen.append(kwargs["input_features"])
        return generate(**kwargs)

    musicgen.model.generate = spy
    try:
        musicgen.generate("calm piano", duration=0.1, seed=0, melody=low)
        musicgen.generate("calm piano", duration=0.1, seed=0, melody=high)
    finally:
        musicgen.model.generate = generate
    pitch_classes = [features[0, 2:-2].argmax(-1).unique().tolist() for features in seen]
    assert pitch_classes == [[0], [9]]  # C4 and A4 reach the model as its chroma conditioning


def test_melody_from_midi_is_rendered_first(melody_musicgen, scale_midi):
    samples, _ = melody_musicgen.generate("calm piano", duration=0.1, seed=0, melody=scale_midi)
    assert samples.shape == (round(0.1 * SAMPLING_RATE), 1) and np.any(samples)


def test_melody_checkpoint_without_feature_settings(tmp_path_factory, tmp_path):
    folder = build_tiny_musicgen(tmp_path_factory.mktemp("melody-no-settings"), melody=True)
    (folder / "preprocessor_config.json").unlink()
    musicgen = MusicGenAudio.from_pretrained(str(folder), device="cpu")
    melody = save_wav(tone(440.0, 0.5, 8000), 8000, tmp_path / "tune.wav")
    with pytest.raises(MusicGenError, match="preprocessor_config.json"):
        musicgen.generate("calm piano", duration=0.1, melody=melody)


def test_cli_generates_audio_with_the_musicgen_backend(tiny_musicgen_dir, tmp_path, capsys):
    from musicgen_symbolic.cli import main

    out, picture = tmp_path / "take.wav", tmp_path / "take.png"
    argv = [
        "generate",
        "calm lo-fi piano",
        "-o",
        str(out),
        "--backend",
        "musicgen",
        "--musicgen-model",
        str(tiny_musicgen_dir),
        "--duration",
        "0.5",
        "--seed",
        "3",
        "--plot",
        str(picture),
        "-q",
    ]
    assert main(argv) == 0
    assert capsys.readouterr().out.split() == [str(out), str(picture)]
    with wave.open(str(out)) as w:
        assert w.getframerate() == 8000 and abs(w.getnframes() - 4000) <= 32
        first = w.readframes(w.getnframes())
    assert main(argv) == 0
    with wave.open(str(out)) as w:
        assert w.readframes(w.getnframes()) == first  # same seed, same audio
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_musicgen_flags_need_the_musicgen_backend(tmp_path, capsys):
    from musicgen_symbolic.cli import main

    assert main(["generate", "jazz", "-o", str(tmp_path / "x.mid"), "--duration", "10"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--duration: not used by the symbolic backend (add --backend musicgen)" in err[0]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "flags,hint",
    [
        (["--seconds", "10"], "(MusicGen's length is --duration)"),
        (["--key", "D minor"], "(MusicGen follows the prompt's words only: write them there)"),
        (["--model", "m"], "(for the symbolic backend only; MusicGen's is --musicgen-model)"),
        (
            ["--tempo", "90", "--precision", "fp32"],
            "(--tempo: MusicGen follows the prompt's words only: write them "
            "there; --precision: for the symbolic backend only)",
        ),
    ],
)
def test_symbolic_flags_given_to_musicgen_say_what_to_do_instead(tmp_path, capsys, flags, hint):
    from musicgen_symbolic.cli import main

    assert main(["generate", "jazz", "-o", str(tmp_path / "x.wav"), "--backend", "musicgen", *flags]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].endswith(hint), err


def test_cli_musicgen_errors_are_one_line(tiny_musicgen_dir, tmp_path, capsys):
    from musicgen_symbolic.cli import main

    base = ["generate", "jazz", "--backend", "musicgen", "--musicgen-model", str(tiny_musicgen_dir)]
    for extra, fragment in (
        (["-o", str(tmp_path / "x.mid")], "should end in .wav"),
        (["-o", str(tmp_path / "x.wav"), "--duration", "0"], "duration"),
        (["-o", str(tmp_path / "x.wav"), "--wav", str(tmp_path / "y.wav")], "drop --wav"),
        (["-o", str(tmp_path / "x.wav"), "--melody", str(tmp_path / "none.wav")], "no such melody file"),
        (
            ["-o", str(tmp_path / "x.wav"), "--tempo", "90", "--instruments", "piano"],
            "--tempo, --instruments: not used",
        ),
    ):
        assert main(base + extra) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and fragment in err[0]
    assert list(tmp_path.iterdir()) == []


def test_a_pickle_only_musicgen_folder_is_refused_unread(tmp_path, tiny_musicgen_dir):
    import shutil

    folder = tmp_path / "musicgen-pickled"
    shutil.copytree(tiny_musicgen_dir, folder)
    for weights in folder.glob("*.safetensors"):
        weights.unlink()
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04 not read: it would be unpickled")
    with pytest.raises(MusicGenError, match="only as pytorch_model.bin, which loading would unpickle"):
        MusicGenAudio.from_pretrained(str(folder))
