"""The command line as a user meets it: outputs on disk, one-line errors, non-zero exits, no partial files."""

import json
import os
import subprocess
import sys
import wave
from pathlib import Path

import mido
import numpy as np
import pretty_midi
import pytest

from musicgen_symbolic.cli import main
from musicgen_symbolic.errors import MusicGenError


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, fragment):
    assert code != 0
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert fragment in lines[0]
    assert "Traceback" not in err


def test_generate_midi_and_wav(capsys, tmp_path, tiny_model_dir):
    mid, wav = tmp_path / "song.mid", tmp_path / "song.wav"
    code, out, err = run(
        capsys,
        "generate",
        "calm lo-fi in D minor at 80 bpm with electric piano, bass and drums",
        "-o",
        mid,
        "--wav",
        wav,
        "--model",
        tiny_model_dir,
        "--seed",
        1,
        "--bars",
        4,
    )
    assert code == 0, err
    assert out.split() == [str(mid), str(wav)]
    assert "UNTRAINED" in err and "tempo=80.0" in err
    assert mido.MidiFile(str(mid)).type == 1
    with wave.open(str(wav)) as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    assert np.abs(frames).max() > 1000


def test_num_samples_writes_numbered_files(capsys, tmp_path, tiny_model_dir):
    code, out, _ = run(
        capsys,
        "generate",
        "jazz",
        "-o",
        tmp_path / "take.mid",
        "--model",
        tiny_model_dir,
        "--num-samples",
        3,
        "--bars",
        2,
        "--seed",
        4,
        "-q",
    )
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["take_1.mid", "take_2.mid", "take_3.mid"]


def test_without_flag_leaves_instruments_out(capsys, tmp_path, tiny_model_dir):
    out_path = tmp_path / "trio.mid"
    argv = ["generate", "a jazz trio with piano, bass and drums", "-o", out_path, "--model", tiny_model_dir]
    code, out, err = run(capsys, *argv, "--without", "drums", "--bars", 2, "--seed", 3)
    assert code == 0, err
    assert "without=['Drums']" in err
    midi = pretty_midi.PrettyMIDI(str(out_path))
    assert midi.instruments and not any(track.is_drum for track in midi.instruments)
    assert {track.program for track in midi.instruments} <= {0, 32}


def test_same_seed_same_bytes_from_cli(capsys, tmp_path, tiny_model_dir):
    for name in ("a.mid", "b.mid"):
        run(
            capsys, "generate", "waltz for strings", "-o", tmp_path / name, "--model", tiny_model_dir, "--seed", 9, "-q"
        )
    assert (tmp_path / "a.mid").read_bytes() == (tmp_path / "b.mid").read_bytes()


@pytest.mark.parametrize("precision", ["int8", "bf16", "fp32"])
def test_every_precision_generates_from_cli(capsys, tmp_path, tiny_model_dir, precision):
    out_path = tmp_path / f"{precision}.mid"
    argv = ["generate", "jazz trio", "-o", out_path, "--model", tiny_model_dir, "--bars", 2, "--seed", 1, "-q"]
    code, out, err = run(capsys, *argv, "--precision", precision)
    assert code == 0, err
    assert mido.MidiFile(out_path).type == 1


def test_render_command(capsys, tmp_path, scale_midi):
    code, out, err = run(capsys, "render", scale_midi, "-o", tmp_path / "scale.wav")
    assert code == 0, err
    assert (tmp_path / "scale.wav").stat().st_size > 44100


@pytest.mark.parametrize(
    "argv,fragment",
    [
        (["generate", "   ", "-o", "{tmp}/x.mid"], "prompt is empty"),
        (["generate", "jazz", "-o", "{tmp}/x.mid", "--bars", "100000"], "out of range"),
        (["generate", "jazz", "-o", "{tmp}/x.mid", "--seconds", "0.1"], "out of range"),
        (["generate", "jazz", "-o", "{tmp}/x.mid", "--instruments", "pianno, drums"], "did you mean 'piano'"),
        (["generate", "jazz", "-o", "{tmp}/x.mid", "--without", "drums", "--instruments", "drums"], "left out"),
        (["generate", "jazz", "-o", "{tmp}/x.mid", "--key", "H major"], "unknown key"),
        (["generate", "jazz", "-o", "{tmp}/x.mid", "--nudge-after", "-1"], "--nudge-after must be 0–256 bars"),
        (["generate", "jazz", "-o", "{tmp}/x.wav", "--backend", "musicgen", "--nudge-after", "2"], "--nudge-after"),
        (["generate", "jazz", "-o", "{tmp}/x.mid", "--mood", ""], "unknown mood ''"),
        (["generate", "jazz", "-o", "{tmp}/x.mid", "--bars", "abc"], "invalid int value: 'abc'"),
        (["generate", "jazz", "-o", "{tmp}/x.mid", "--soundfont", "{tmp}/fake.mid"], "--soundfont is used only with"),
        (["generate", "jazz", "-o", "{tmp}/x.mid", "--wav", "{tmp}/dir.wav"], "is a folder"),
        (["generate", "jazz", "-o", "{tmp}/x.wav", "--backend", "musicgen", "--precision", "fp32"], "--precision: not"),
        (
            ["evaluate", "--prompts", "{tmp}/p.jsonl", "--out", "{tmp}/r.json", "--midi-dir", "{tmp}", "--cfg", "2"],
            "--cfg",
        ),
        (
            ["evaluate", "--prompts", "{tmp}/p.jsonl", "--out", "{tmp}/r.json", "--midi-dir", "{tmp}", "--bars", "64"],
            "--bars: generation settings, not used",
        ),
        (["evaluate", "--prompts", "{tmp}/p.jsonl", "--out", "{tmp}/r.json", "--bars", "0"], "0 bars is out of range"),
        (
            ["evaluate", "--prompts", "{tmp}/p.jsonl", "--out", "{tmp}/r.json", "--limit", "0"],
            "--limit must be at least 1",
        ),
        (
            ["evaluate", "--prompts", "{tmp}/p.jsonl", "--out", "{tmp}/r.json", "--compare", "{tmp}/c.json"],
            "not an evaluate",
        ),
        (["generate", "jazz", "-o", "{tmp}/x.mid", "--tempo", "fastish"], "unknown tempo"),
        (["generate", "jazz", "-o", "{tmp}/x.mid", "--time-signature", "13/8"], "not supported"),
        (["generate", "jazz", "-o", "{tmp}/x.mid", "--temperature", "-1"], "--temperature"),
        (["generate", "jazz", "-o", "{tmp}/x.mid", "--num-samples", "0"], "--num-samples"),
        (["generate", "jazz", "-o", "{tmp}/no/such/dir/x.mid"], "does not exist"),
        (["generate", "jazz", "-o", "{tmp}/x.txt"], "should end in .mid"),
        (["generate", "jazz", "-o", "{tmp}/x.mid", "--model", "{tmp}/missing-model"], "no model found"),
        (
            ["generate", "jazz", "-o", "{tmp}/x.mid", "--text-encoder", "t5:google/flan-t5-base"],
            "trained with text encoder",
        ),
        (["generate", "jazz", "-o", "{tmp}/x.mid", "--text-encoder", "bert"], "unknown text encoder"),
        (["init-model", "/proc/no-model-here"], "cannot write the model folder"),
        (["data", "build", "--out", "{tmp}/fake.mid", "--limit", "1"], "is a file: give a folder"),
        (["data", "build", "--out", "{tmp}/d", "--midicaps", "{tmp}/none.jsonl"], "no such file"),
        (["data", "build", "--out", "{tmp}/d", "--workers", "0"], "--workers must be at least 1"),
        (["render", "{tmp}/nope.mid", "-o", "{tmp}/x.wav"], "no such MIDI file"),
        (["render", "{tmp}/fake.mid", "-o", "{tmp}/x.wav"], "not a readable MIDI file"),
        (["render", "{scale}", "-o", "{tmp}/x.wav", "--soundfont", "{tmp}/none.sf2"], "SoundFont not found"),
    ],
)
def test_bad_input_is_one_line_and_leaves_nothing(capsys, tmp_path, tiny_model_dir, scale_midi, argv, fragment):
    (tmp_path / "fake.mid").write_text("hello, not a MIDI file")
    (tmp_path / "p.jsonl").write_text('{"id": "a", "caption": "solo piano"}\n')
    (tmp_path / "c.json").write_text("{}")
    (tmp_path / "dir.wav").mkdir()
    argv = [a.format(tmp=tmp_path, scale=scale_midi) for a in argv]
    if "--model" not in argv and argv[0] == "generate":
        argv += ["--model", str(tiny_model_dir)]
    before = set(tmp_path.iterdir())
    code, out, err = run(capsys, *argv)
    assert_one_line_error(code, err, fragment)
    assert set(tmp_path.iterdir()) == before


def test_a_failed_generate_leaves_none_of_its_files(capsys, tmp_path, tiny_model_dir, monkeypatch):
    import musicgen_symbolic.render as render

    def failing_render(midi, wav, soundfont=None):
        raise MusicGenError(f"cannot write {wav}: disk full")

    monkeypatch.setattr(render, "render_midi", failing_render)
    argv = ["generate", "jazz", "-o", tmp_path / "x.mid", "--wav", tmp_path / "x.wav", "--model", tiny_model_dir]
    code, out, err = run(capsys, *argv, "--bars", 1, "--num-samples", 2, "-q")
    assert_one_line_error(code, err, "disk full")
    assert list(tmp_path.iterdir()) == [] and out == ""


def test_corrupt_model_folder(capsys, tmp_path, tiny_model_dir):
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("config.json", "tokenizer.json"):
        (broken / name).write_bytes((tiny_model_dir / name).read_bytes())
    (broken / "model.safetensors").write_bytes(b"\x00garbage")
    code, _, err = run(capsys, "generate", "jazz", "-o", tmp_path / "x.mid", "--model", broken)
    assert_one_line_error(code, err, "cannot load weights")
    (broken / "config.json").write_text("{not json")
    code, _, err = run(capsys, "generate", "jazz", "-o", tmp_path / "x.mid", "--model", broken)
    assert_one_line_error(code, err, "not a valid model config")
    config = json.loads((tiny_model_dir / "config.json").read_text())
    config["model"]["sliding_window"] = 256  # a setting from a newer version: refused, not dropped
    (broken / "config.json").write_text(json.dumps(config))
    code, _, err = run(capsys, "generate", "jazz", "-o", tmp_path / "x.mid", "--model", broken)
    assert_one_line_error(code, err, "unknown settings sliding_window: saved by a newer musicgen-symbolic?")
    del config["model"]["sliding_window"]
    config["format_version"] = 99
    (broken / "config.json").write_text(json.dumps(config))
    code, _, err = run(capsys, "generate", "jazz", "-o", tmp_path / "x.mid", "--model", broken)
    assert_one_line_error(code, err, "has format 99; this musicgen-symbolic reads up to 1: upgrade it")
    assert not (tmp_path / "x.mid").exists()


def test_unwritable_output_folder(capsys, tmp_path, tiny_model_dir, monkeypatch):
    import musicgen_symbolic.cli as cli

    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    real_access = os.access
    # Root may write anywhere, so report the folder as unwritable the way os.access does for other users.
    monkeypatch.setattr(cli.os, "access", lambda path, mode: False if Path(path) == locked else real_access(path, mode))
    code, _, err = run(capsys, "generate", "jazz", "-o", locked / "x.mid", "--model", tiny_model_dir)
    assert_one_line_error(code, err, "not writable")
    assert list(locked.iterdir()) == []


def test_output_path_is_a_folder(capsys, tmp_path, tiny_model_dir):
    folder = tmp_path / "out.mid"
    folder.mkdir()
    code, _, err = run(capsys, "generate", "jazz", "-o", folder, "--model", tiny_model_dir, "-q")
    assert_one_line_error(code, err, "is a folder")


def test_init_model_and_info(capsys, tmp_path, tiny_t5_dir):
    code, out, err = run(capsys, "init-model", tmp_path / "m", "--text-encoder", f"t5:{tiny_t5_dir}")
    assert code == 0 and "UNTRAINED" in err
    code, out, _ = run(capsys, "info", "--model", tmp_path / "m")
    assert code == 0 and "UNTRAINED" in out and "soundfont:" in out and "symbolic:     cpu" in out and "context=" in out
    assert "tokens:       compact REMI (Program only at instrument changes, 0 fused note pairs)" in out
    code, out, _ = run(capsys, "info")
    assert code == 0 and "trained," in out and "tokens:       compact REMI" in out
    code, _, err = run(capsys, "init-model", tmp_path / "m")
    assert_one_line_error(code, err, "already exists")


def test_console_script_help_is_fast_and_light():
    script = "import sys, musicgen_symbolic.cli as c\ntry:\n c.main(['--help'])\nexcept SystemExit: pass\nprint('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "generate" in result.stdout and result.stdout.strip().endswith("False")


def test_module_entry_point_reports_errors(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "musicgen_symbolic", "render", str(tmp_path / "x.mid"), "-o", str(tmp_path / "x.wav")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and result.stderr.startswith("error: no such MIDI file")


def test_render_never_imports_torch(tmp_path, scale_midi):
    script = (
        "import sys, musicgen_symbolic.cli as c\n"
        f"code = c.main(['render', {str(scale_midi)!r}, '-o', {str(tmp_path / 'x.wav')!r}])\n"
        "print(code, 'torch' in sys.modules, 'transformers' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split()[-3:] == ["0", "False", "False"]


@pytest.mark.parametrize(
    "change,fragment",
    [
        ({"n_layer": 0}, "n_layer must be a whole number 1–128, got 0"),
        ({"n_layer": -3}, "n_layer must be a whole number 1–128, got -3"),
        ({"n_layer": 1}, "holds tensors its config.json has no place for, such as blocks.1."),
        ({"n_layer": 3}, "missing tensors such as blocks.2."),
        ({"d_model": 8192, "n_layer": 128}, "parameters: more than 2,000,000,000"),
        ({"max_seq_len": 10**9}, "max_seq_len must be a whole number 1–65536"),
        ({"vocab_size": 5000}, "tokens, the model expects 5000"),
        ({"d_model": 128}, "has shape"),
        ({"dropout": "0.1"}, "dropout must be 0 ≤ dropout < 1"),
    ],
)
def test_a_model_config_that_disagrees_with_its_weights_is_refused(capsys, tmp_path, tiny_model_dir, change, fragment):
    import shutil

    broken = tmp_path / "model"
    shutil.copytree(tiny_model_dir, broken)
    config = json.loads((broken / "config.json").read_text())
    config["model"].update(change)
    (broken / "config.json").write_text(json.dumps(config))
    code, _, err = run(capsys, "generate", "jazz", "-o", tmp_path / "x.mid", "--model", broken)
    assert_one_line_error(code, err, fragment)
    assert not (tmp_path / "x.mid").exists()
