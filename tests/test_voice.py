"""Speech and voice-over: engines speak, the text front end reads as data says, joins and ducking are clean."""

from __future__ import annotations

import json
import string
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.plots import plot_audio, read_wav
from musicgen_symbolic.voice import (
    MAX_TEXT_CHARS,
    duck_gain,
    mix_voice_over,
    normalise_text,
    save_speech,
    speak,
    speech_spans,
    split_sentences,
    voice_over,
    voice_over_parts,
)
from musicgen_symbolic.voice.joins import joined
from musicgen_symbolic.voice.normalise import number_words, ordinal_words, year_words
from musicgen_symbolic.voice.words import ABBREVIATIONS, NUMBER_ABBREVIATIONS, SYMBOLS, UNITS

SENTENCE = "This track runs at 120 bpm."
PEAK_16 = round(10 ** (-1 / 20) * 32767)


def build_tiny_vits(folder: Path) -> Path:
    """A random VITS (a few thousand weights) with a character vocabulary, saved as safetensors."""
    import torch
    from transformers import VitsConfig, VitsModel, VitsTokenizer

    vocab = {c: i for i, c in enumerate(["<pad>", "<unk>", " ", *string.ascii_lowercase, *".,!?'-"])}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = VitsTokenizer(str(folder / "vocab.json"), phonemize=False, add_blank=True, normalize=True)
    config = VitsConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        ffn_dim=32,
        flow_size=16,
        spectrogram_bins=33,
        upsample_initial_channel=16,
        upsample_rates=[4, 4],
        upsample_kernel_sizes=[8, 8],
        resblock_kernel_sizes=[3],
        resblock_dilation_sizes=[[1, 3]],
        prior_encoder_num_flows=1,
        prior_encoder_num_wavenet_layers=1,
        posterior_encoder_num_wavenet_layers=1,
        duration_predictor_num_flows=1,
        duration_predictor_filter_channels=16,
        depth_separable_num_layers=1,
        sampling_rate=16000,
    )
    torch.manual_seed(0)
    VitsModel(config).save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_vits(tmp_path_factory) -> Path:
    return build_tiny_vits(tmp_path_factory.mktemp("vits"))


# ---------------------------------------------------------------------------------------------- engines


@pytest.mark.parametrize("engine", [None, "espeak"])
def test_engine_speaks_a_sentence(engine, tmp_path):
    path = save_speech(SENTENCE, tmp_path / "voice.wav", engine=engine)
    samples, rate = read_wav(path)
    assert samples.shape[1] == 1 and rate == 22050
    assert 1.0 <= samples.shape[0] / rate <= 6.0
    assert np.max(np.abs(samples)) * 32768 == pytest.approx(PEAK_16, abs=1)
    assert np.sqrt(np.mean(samples**2)) > 0.02  # speech, not a click in silence


def test_rate_changes_the_length():
    normal, rate = speak("One two three four five six seven eight.", engine="espeak")
    fast, _ = speak("One two three four five six seven eight.", engine="espeak", rate=2.0)
    slow, _ = speak("One two three four five six seven eight.", engine="piper", rate=0.5)
    piper, _ = speak("One two three four five six seven eight.", engine="piper")
    assert fast.size < 0.7 * normal.size
    assert slow.size > 1.5 * piper.size


def test_voices_are_chosen_and_checked():
    british, _ = speak("Hello.", engine="espeak", voice="en-gb+f3")
    assert british.size > 0
    assert speak("Hello.", voice="joe")[0].size > 0
    with pytest.raises(MusicGenError, match=r"unknown espeak voice 'klingon': choose from .*en-gb.*en-us"):
        speak("Hello.", engine="espeak", voice="klingon")
    with pytest.raises(MusicGenError, match=r"unknown espeak variant 'zz': choose from .*f3"):
        speak("Hello.", engine="espeak", voice="en-us+zz")
    with pytest.raises(MusicGenError, match=r"unknown Piper voice 'bob': choose from en_US-joe-medium, joe"):
        speak("Hello.", voice="bob")


def test_transformers_engine_runs_a_vits_folder(tiny_vits):
    samples, rate = speak("Hello there. This is 120 bpm.", engine=f"transformers:{tiny_vits}")
    assert rate == 16000 and samples.dtype == np.float32 and samples.size > 0
    assert np.max(np.abs(samples)) == pytest.approx(10 ** (-1 / 20), rel=1e-5)
    with pytest.raises(MusicGenError, match="this VITS model has one speaker: leave out --voice"):
        speak("Hello.", engine=f"transformers:{tiny_vits}", voice="3")


def test_transformers_engine_refuses_pickles_and_missing_models(tmp_path, monkeypatch):
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    (pickled / "config.json").write_text('{"model_type": "vits"}')
    (pickled / "pytorch_model.bin").write_bytes(b"not really")
    with pytest.raises(MusicGenError, match="holds its weights only as pytorch_model.bin"):
        speak("Hello.", engine=f"transformers:{pickled}")
    with pytest.raises(MusicGenError, match="no such text-to-speech model folder"):
        speak("Hello.", engine=f"transformers:{tmp_path / 'nothing' / 'here'}")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    with pytest.raises(MusicGenError, match=r"not on disk .* `hf download org/no-such-tts --local-dir DIR`"):
        speak("Hello.", engine="transformers:org/no-such-tts")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": ""}, "the text to say is empty"),
        ({"text": " \n\t "}, "the text to say is empty"),
        ({"text": "?!…"}, "the text has no words to say"),
        ({"text": "hi", "engine": "festival"}, "unknown speech engine 'festival': choose from piper, espeak"),
        ({"text": "hi", "rate": 3}, r"rate must be 0.5 \(slower\) to 2 \(faster\), got 3"),
        ({"text": "hi", "rate": "fast"}, "rate must be a number"),
    ],
)
def test_bad_input_is_one_clear_line(kwargs, message):
    with pytest.raises(MusicGenError, match=message) as caught:
        speak(**kwargs)
    assert "\n" not in str(caught.value)


def test_a_megabyte_of_text_is_refused_at_once():
    start = time.perf_counter()
    with pytest.raises(MusicGenError, match=f"at most {MAX_TEXT_CHARS:,} are spoken at once"):
        speak("la " * 350_000)
    assert time.perf_counter() - start < 0.5


# ---------------------------------------------------------------------------------------------- text front end

SPOKEN = [
    ("120", "one hundred twenty"),
    ("120bpm", "one hundred twenty beats per minute"),
    ("1,000", "one thousand"),
    ("3.5", "three point five"),
    ("44.1 kHz", "forty four point one kilohertz"),
    ("1999", "nineteen ninety nine"),
    ("2005", "two thousand five"),
    ("2024", "twenty twenty four"),
    ("1900", "nineteen hundred"),
    ("1905", "nineteen oh five"),
    ("-5", "minus five"),
    ("21st", "twenty first"),
    ("3rd", "third"),
    ("100th", "one hundredth"),
    ("$5.50", "five dollars fifty"),
    ("£1", "one pound"),
    ("3/4 time", "three four time"),
    ("C# minor", "C sharp minor"),
    ("Bb major", "B flat major"),
    ("feat. Dr. Smith", "featuring doctor Smith"),
    ("Rock vs. Pop", "Rock versus Pop"),
    ("No. 9", "number nine"),
    ("I said no. Then", "I said no. Then"),
    ("R&B & soul", "R and B and soul"),
    ("100%", "one hundred percent"),
]


@pytest.mark.parametrize(("written", "spoken"), SPOKEN)
def test_normalisation_reads_as_written_down(written, spoken):
    assert normalise_text(written) == spoken


@pytest.mark.parametrize(
    ("table", "template"),
    [(ABBREVIATIONS, "x {} y"), (NUMBER_ABBREVIATIONS, "x {} 2 y"), (UNITS, "x {} y"), (SYMBOLS, "x {} y")],
)
def test_every_table_entry_is_read_aloud(table, template):
    for written, said in table.items():
        assert said in normalise_text(template.format(written)), written
        assert said in normalise_text(template.format(written.upper())) or not written.isalpha(), written


def test_number_words():
    assert number_words(0) == "zero"
    assert number_words(1_000_001) == "one million one"
    assert number_words(999_999) == "nine hundred ninety nine thousand nine hundred ninety nine"
    assert number_words(10**15) == "one " + " ".join(["zero"] * 15)  # read digit by digit
    assert year_words(1066) == "ten sixty six"
    assert ordinal_words(12) == "twelfth" and ordinal_words(40) == "fortieth"


def test_split_sentences():
    text = "One two. Three four five six seven, eight nine! Ten? " + "word " * 30
    chunks = split_sentences(text.strip(), 40)
    assert chunks[:3] == ["One two.", "Three four five six seven, eight nine!", "Ten?"]
    assert all(len(chunk) <= 40 for chunk in chunks)
    assert " ".join(chunks).split() == text.split()
    assert split_sentences("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


# ---------------------------------------------------------------------------------------------- joins


def test_joins_have_no_clicks():
    rate = 22050
    t = np.arange(rate // 2) / rate
    # chunks that start and end at full swing, the worst case for a join
    chunks = [(0.8 * np.cos(2 * np.pi * f * t)).astype(np.float32) for f in (150, 220, 330)]
    out = joined(chunks, rate)
    inside = max(float(np.max(np.abs(np.diff(chunk)))) for chunk in chunks)
    assert float(np.max(np.abs(np.diff(out)))) <= inside + 1e-6
    assert out[0] == 0.0 and out[-1] == 0.0


def test_spoken_sentences_join_through_silence():
    from musicgen_symbolic.voice.joins import PAUSE_S

    samples, rate = speak("First sentence here. Second one follows! And a third?", engine="espeak")
    zero = np.concatenate([[0], (samples == 0).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(zero))
    runs = [(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= PAUSE_S * rate * 0.99]
    assert len(runs) == 2  # one pause between each two sentences
    steps = np.abs(np.diff(samples))
    usual = np.percentile(steps, 99.9)  # the largest steps the voice itself takes
    for start, end in runs:
        assert np.max(steps[start - 5 : start]) <= usual  # into the pause
        assert np.max(steps[end - 1 : end + 5]) <= usual  # out of it


# ---------------------------------------------------------------------------------------------- voice-over

RATE = 44_100


def music(seconds: float = 4.0) -> np.ndarray:
    rng = np.random.default_rng(0)
    return (0.3 * rng.standard_normal((round(seconds * RATE), 2))).astype(np.float32)


def burst(start: float, end: float, rate: int = 22_050, total: float = 1.5) -> np.ndarray:
    """A mono 'voice': a 200 Hz tone from ``start`` to ``end`` seconds, silence around it."""
    voice = np.zeros(round(total * rate), dtype=np.float32)
    t = np.arange(round((end - start) * rate)) / rate
    voice[round(start * rate) : round(start * rate) + t.size] = 0.5 * np.sin(2 * np.pi * 200 * t)
    return voice


def test_ducking_lowers_the_music_where_the_voice_speaks():
    song = music()
    parts = voice_over_parts(song, RATE, burst(0.25, 1.25), 22_050, at_seconds=1.0, duck_db=-12.0)
    gain_db = 20 * np.log10(parts.gain)
    speaking = slice(round(1.3 * RATE), round(2.2 * RATE))
    assert np.allclose(gain_db[speaking], -12.0, atol=0.01)
    assert np.allclose(parts.music[speaking], song[speaking] * 10 ** (-12 / 20), atol=1e-6)
    before, after = slice(0, round(1.15 * RATE)), slice(round(2.6 * RATE), None)
    for quiet in (before, after):
        assert np.all(parts.gain[quiet] == 1.0)
        assert np.array_equal(parts.music[quiet], song[quiet].astype(np.float64))  # bit for bit


def test_gain_ramps_around_a_span():
    gain = duck_gain(1000, 100, [(400, 600)], duck_db=-20.0, attack=0.5, release=1.0)
    assert gain[349] == 1.0 and gain[350] == 1.0  # the attack starts 50 samples before
    assert np.all(np.diff(gain[350:401]) <= 0) and gain[400] == pytest.approx(0.1)
    assert np.all(np.diff(gain[599:701]) >= 0) and gain[700] == 1.0 and np.all(gain[700:] == 1.0)


def test_speech_spans_bridge_short_pauses():
    rate = 1000
    voice = np.zeros(5000)
    voice[1000:1500] = voice[1700:2000] = voice[3500:4000] = 0.5  # a 0.2 s and a 1.5 s pause
    assert speech_spans(voice, rate) == [(1000, 2000), (3500, 4000)]


def test_voice_is_placed_and_the_stem_aligned(tmp_path):
    song, voice = music(), burst(0.25, 1.25)
    parts = voice_over_parts(song, RATE, voice, 22_050, at_seconds=1.0)
    assert parts.mix.shape == parts.voice.shape == parts.music.shape == song.shape
    onset = np.flatnonzero(np.abs(parts.voice[:, 0]) > 1e-3)[0] / RATE
    assert onset == pytest.approx(1.25, abs=0.002)
    assert np.allclose(parts.mix, parts.music + parts.voice)
    song_wav = tmp_path / "song.wav"
    from musicgen_symbolic.render import to_pcm16, write_wav

    write_wav(song_wav, to_pcm16(song), RATE)
    out = mix_voice_over(song_wav, (voice, 22_050), tmp_path / "mix.wav", at=1.0, voice_stem=tmp_path / "voice.wav")
    mixed, rate = read_wav(out)
    stem, _ = read_wav(tmp_path / "voice.wav")
    assert rate == RATE and mixed.shape == stem.shape == song.shape
    assert np.flatnonzero(np.abs(stem[:, 0]) > 1e-3)[0] / RATE == pytest.approx(1.25, abs=0.002)


def test_mix_is_peak_normalised_int16_and_extends_past_the_music():
    mix = voice_over(music(1.0), RATE, burst(0.0, 1.0, total=1.0), 22_050, at_seconds=0.5)
    assert mix.dtype == np.int16 and mix.shape == (round(1.5 * RATE), 2)
    assert int(np.max(np.abs(mix))) == PEAK_16
    assert np.all(mix[round(1.02 * RATE) :, 0] == mix[round(1.02 * RATE) :, 1])  # only the (centred) voice there


def test_voice_over_accepts_int16_music_and_checks_settings():
    pcm = (music(1.0) * 32767).astype(np.int16)
    assert voice_over(pcm, RATE, burst(0.1, 0.3, total=0.5), 22_050).shape == pcm.shape
    with pytest.raises(MusicGenError, match=r"duck must be 0 to -60 dB"):
        voice_over(pcm, RATE, burst(0.1, 0.3), 22_050, duck_db=12)
    with pytest.raises(MusicGenError, match="the voice starts at 0 to"):
        voice_over(pcm, RATE, burst(0.1, 0.3), 22_050, at_seconds=-1)
    with pytest.raises(MusicGenError, match=r"the music must have shape"):
        voice_over(np.zeros((10, 3)), RATE, burst(0.1, 0.3), 22_050)


def test_plot_a_voice_with_its_pitch(tmp_path):
    wav = save_speech("Hello, this is a voice.", tmp_path / "voice.wav", engine="espeak")
    out = plot_audio(wav, tmp_path / "voice.png", n_fft=512, hop=128, pitch=True)
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_pitch_of_a_tone():
    from musicgen_symbolic.pitch import pitch_track

    t = np.arange(22050) / 22050
    times, f0 = pitch_track(np.sign(np.sin(2 * np.pi * 150 * t)) * 0.3, 22050)
    assert np.nanmedian(f0) == pytest.approx(150, rel=0.01) and np.isfinite(f0).mean() > 0.9
    assert np.all(np.isnan(pitch_track(np.zeros(22050), 22050)[1]))


# --- from the command line ---------------------------------------------------------------------------------------


def _cli(capsys, *argv):
    from musicgen_symbolic.cli import main

    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_speak_from_the_command_line(capsys, tmp_path):
    wav = tmp_path / "voice.wav"
    code, out, err = _cli(capsys, "speak", "This is track 3, at 120 bpm.", "-o", wav, "--engine", "espeak", "--plot")
    assert code == 0, err
    assert out.split() == [str(wav), str(tmp_path / "voice.png")]
    with wave.open(str(wav)) as file:
        seconds = file.getnframes() / file.getframerate()
        samples = np.frombuffer(file.readframes(file.getnframes()), dtype=np.int16)
    assert 1.0 < seconds < 8.0 and np.abs(samples).max() > 1000


def test_a_voice_over_ducks_the_song_and_is_a_stem(capsys, tmp_path, tiny_model_dir):
    mid, stems = tmp_path / "jingle.mid", tmp_path / "stems"
    argv = ["generate", "an upbeat jingle with piano and drums", "-o", mid, "--wav", "--stems", stems]
    voice = ["--voice-over", "Fresh news, every morning.", "--voice-at", "2", "--voice-engine", "espeak"]
    code, out, err = _cli(capsys, *argv, *voice, "--bars", "4", "--tempo", "120", "--time-signature", "4/4", "--seed", "1", "-q",
                          "--model", tiny_model_dir)  # fmt: skip
    assert code == 0, err
    voice_stem = sorted(stems.glob("*-voice.wav"))
    assert len(voice_stem) == 1 and str(voice_stem[0]) in out.split()
    with wave.open(str(voice_stem[0])) as file:
        rate, placed = file.getframerate(), np.frombuffer(file.readframes(file.getnframes()), dtype=np.int16)
    speaking = np.flatnonzero(np.abs(placed.reshape(-1, 2)[:, 0]) > 500)
    assert speaking[0] / rate == pytest.approx(2.0, abs=0.3)  # bar 2 at 120 bpm in 4/4 starts at 2 s


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["speak", "", "-o", "v.wav"], "the text to say is empty"),
        (["speak", "x" * 1_000_000, "-o", "v.wav"], "at most 5,000"),
        (["speak", "hello", "-o", "v.wav", "--engine", "nope"], "unknown speech engine 'nope'"),
        (["speak", "hello", "-o", "v.wav", "--engine", "espeak", "--voice", "xx-nowhere"], "unknown espeak voice"),
        (["speak", "hello", "-o", "v.txt"], "should end in .wav"),
        (["generate", "a song", "-o", "a.mid", "--voice-over", "hi"], "add --wav"),
        (["generate", "a song", "-o", "a.mid", "--duck", "6"], "for a --voice-over"),
        (["generate", "a song", "-o", "a.mid", "--wav", "--voice-over", "hi", "--voice-at", "soon"], "--voice-at"),
        (["generate", "a song", "-o", "a.mid", "--wav", "--voice-over", "hi", "--duck", "90"], "--duck must be"),
    ],
)
def test_voice_errors_are_one_line_and_write_nothing(capsys, tmp_path, monkeypatch, argv, fragment):
    monkeypatch.chdir(tmp_path)
    code, _, err = _cli(capsys, *argv)
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 and fragment in err, err
    assert not list(tmp_path.iterdir())
