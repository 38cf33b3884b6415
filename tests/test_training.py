"""Dataset building and training on tiny data with a tiny model and the tiny T5 encoder."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from musicgen_symbolic.data.build import BuildPlan, build_dataset, split_of
from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.pipeline import MusicGenSymbolic
from musicgen_symbolic.training import TrainConfig, train
from musicgen_symbolic.vocabulary import DRUMS


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    build_dataset(folder, BuildPlan(composer=40, music21=0), workers=1, progress=False)
    return folder


def _config(data, out, t5, **kw):
    values = dict(
        data=str(data),
        out=str(out),
        size="tiny",
        steps=6,
        batch_size=4,
        seq_len=128,
        warmup_steps=2,
        eval_every=3,
        eval_batches=1,
        checkpoint_every=3,
        text_encoder=f"t5:{t5}",
        learning_rate=3e-3,
    )
    values.update(kw)
    return TrainConfig(**values)


def test_build_is_split_by_piece_and_resumable(tiny_data):
    manifest = json.loads((tiny_data / "manifest.json").read_text())
    assert sum(manifest["pieces"].values()) >= 38
    lines = [json.loads(x) for x in (tiny_data / "shards" / "00000.jsonl").read_text().splitlines()]
    assert all(line["split"] == split_of(line["name"].split("@")[0]) for line in lines)
    arrays = np.load(tiny_data / "shards" / "00000.npz")
    assert arrays["lengths"].sum() == len(arrays["tokens"])
    before = (tiny_data / "shards" / "00000.npz").stat().st_mtime_ns
    build_dataset(tiny_data, BuildPlan(composer=40, music21=0), workers=1, progress=False)
    assert (tiny_data / "shards" / "00000.npz").stat().st_mtime_ns == before


def test_loss_goes_down_and_model_is_usable(tiny_data, tmp_path, tiny_t5_dir):
    losses = train(
        _config(tiny_data, tmp_path / "run", tiny_t5_dir, steps=30, eval_every=10, checkpoint_every=30), progress=False
    )
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.5
    for name in (
        "log.csv",
        "loss.png",
        "model/config.json",
        "checkpoint/optimizer.safetensors",
        "samples/step_000030.mid",
    ):
        assert (tmp_path / "run" / name).is_file()
    generator = MusicGenSymbolic.from_pretrained(tmp_path / "run" / "model")
    assert generator.trained and generator.metadata["steps"] == 30
    assert generator.generate("a jazz piece", bars=2, seed=0).instruments


def test_resume_matches_uninterrupted_run(tiny_data, tmp_path, tiny_t5_dir):
    straight = train(_config(tiny_data, tmp_path / "a", tiny_t5_dir), progress=False)
    first = train(_config(tiny_data, tmp_path / "b", tiny_t5_dir), progress=False, stop_after=3)
    second = train(_config(tiny_data, tmp_path / "b", tiny_t5_dir), progress=False)
    assert len(first) == 3 and len(second) == 3
    assert first + second == straight


def test_distributed_training_with_two_processes(tiny_data, tmp_path, tiny_t5_dir):
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "--master_port",
        "29517",
        "-m",
        "musicgen_symbolic",
        "train",
        "--data",
        str(tiny_data),
        "--out",
        str(tmp_path / "ddp"),
        "--config",
        "tiny",
        "--steps",
        "2",
        "--batch-size",
        "2",
        "--seq-len",
        "64",
        "--text-encoder",
        f"t5:{tiny_t5_dir}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "ddp" / "model" / "model.safetensors").is_file()
    assert (tmp_path / "ddp" / "checkpoint" / "rank1" / "state.json").is_file()


def test_midicaps_format_builds_into_the_dataset(tmp_path, scale_midi, capsys):
    import shutil

    (tmp_path / "midi").mkdir()
    shutil.copy(scale_midi, tmp_path / "midi" / "a.mid")
    table = tmp_path / "captions.jsonl"
    table.write_text(
        '{"caption": "A cheerful piano piece in C major at 120 bpm with drums.", "location": "midi/a.mid"}\n'
        '{"caption": "missing file", "location": "midi/none.mid"}\n'
        '{"caption": "a calm piece", "location": "midi/a.mid"}\n'  # instruments read from the file itself
    )
    from musicgen_symbolic.data.sources import midicaps_pieces

    skipped = []
    pieces = list(midicaps_pieces(table, skipped=skipped))
    assert len(pieces) == 2 and pieces[0].caption.startswith("A cheerful") and skipped == [tmp_path / "midi/none.mid"]
    assert pieces[0].attributes.tempo == 120 and pieces[0].attributes.instruments == (DRUMS, 0)
    folder = tmp_path / "data"
    manifest = build_dataset(folder, BuildPlan(composer=0, music21=0, midicaps=str(table)), workers=1, progress=False)
    assert sum(manifest["pieces"].values()) == 2
    assert capsys.readouterr().err.count("warning: 1 of 3 MIDI files") == 1  # the missing one is said, once
    record = json.loads(next((folder / "shards").glob("*.jsonl")).read_text().splitlines()[0])
    assert record["caption"].startswith("A cheerful") and record["attributes"]["key"] == [0, "major"]
    from musicgen_symbolic.tokenizer import MusicTokenizer

    fused = MusicTokenizer.load(folder / "tokenizer.json").fused_pairs  # learnt from the MidiCaps piece itself
    assert [pair[0].split("_")[0] for pair in fused] == ["Velocity", "PitchDrum"]


def test_a_midicaps_table_whose_files_are_all_missing_fails_before_the_build_writes_anything(tmp_path):
    table = tmp_path / "captions.jsonl"
    table.write_text('{"caption": "a calm piece", "location": "midi/none.mid"}\n')
    plan = BuildPlan(composer=0, music21=0, midicaps=str(table))
    with pytest.raises(MusicGenError, match="none of its 1 MIDI files exists.*read from"):
        build_dataset(tmp_path / "data", plan, workers=1, progress=False)
    assert not (tmp_path / "data").exists()


def test_fine_tuning_into_grouped_query_attention(tiny_data, tmp_path, tiny_t5_dir, capsys):
    from musicgen_symbolic.cli import main

    train(_config(tiny_data, tmp_path / "base", tiny_t5_dir, steps=30, checkpoint_every=30), progress=False)
    base = tmp_path / "base" / "model"
    scratch = train(_config(tiny_data, tmp_path / "scratch", tiny_t5_dir, steps=3), progress=False)
    common = ["--data", tiny_data, "--steps", "3", "--batch-size", "4", "--seq-len", "128"]
    common += ["--text-encoder", f"t5:{tiny_t5_dir}", "--learning-rate", "3e-4"]
    code = main(
        [
            str(a)
            for a in ["train", "--config", "tiny", "--out", tmp_path / "mqa", *common]
            + ["--init-from", str(base), "--kv-heads", "1"]
        ]
    )
    assert code == 0, capsys.readouterr().err
    log = (tmp_path / "mqa" / "log.csv").read_text().splitlines()
    first_loss = float(log[1].split(",")[2])
    assert first_loss < scratch[0] - 1.0  # it starts from the trained weights, not from random ones
    tuned = MusicGenSymbolic.from_pretrained(tmp_path / "mqa" / "model")
    assert tuned.model.config.n_kv_head == 1 and tuned.metadata["init_from"] == str(base)
    assert tuned.model.blocks[0].self_attn.qkv.weight.shape[0] == tuned.model.config.d_model + 2 * 32
    assert tuned.generate("a jazz piece", bars=2, seed=0).instruments

    for extra, message in [
        (["--kv-heads", "3"], "not a multiple of n_kv_head 3"),
        (["--kv-heads", "0"], "n_kv_head must be a whole number 1–128, got 0"),
    ]:
        code = main([str(a) for a in ["train", "--out", tmp_path / "bad", *common, "--init-from", base, *extra]])
        err = capsys.readouterr().err
        assert code != 0 and message in err and "Traceback" not in err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"size": "tiny", "model": {"d_model": 128}, "init_from": str(base)}))
    code = main([str(a) for a in ["train", "--config", bad, "--out", tmp_path / "bad", *common]])
    assert code != 0 and "cannot change" in capsys.readouterr().err


def test_every_training_crop_satisfies_the_grammar(tiny_data):
    """Crops start at any bar: the instrument playing there gets its Program token back, as generation needs."""
    from musicgen_symbolic.grammar import Constraints, Grammar
    from musicgen_symbolic.tokenizer import PREFIX_LENGTH, MusicTokenizer
    from musicgen_symbolic.training import Batcher, load_pieces

    tokenizer = MusicTokenizer.load(tiny_data / "tokenizer.json")
    assert tokenizer.program_changes and tokenizer.fused_pairs
    grammar = Grammar(tokenizer)
    pieces = load_pieces(tiny_data, "train", tokenizer)
    batcher = Batcher(pieces, tokenizer, TrainConfig(data="", out="", seq_len=160), seed=0)
    carried = 0
    for _ in range(60):
        row, _, _ = batcher.row()
        body = row[PREFIX_LENGTH + 1 :]
        state = grammar.start(Constraints())
        for token in body:
            if token == tokenizer.eos_id:  # a piece's end: the grammar allows it once the bars asked for are done
                break
            assert state.allowed(10_000)[token], tokenizer.tokens(body)
            state.advance(token)
        full = [list(p.tokens) for p in pieces]
        carried += not any(body == piece[i : i + len(body)] for piece in full for i in range(len(piece)))
    assert carried > 10  # many crops start inside a piece, so the walk above checks the Program put back there


def test_fine_tuning_from_a_model_without_fused_tokens(tiny_data, tmp_path, tiny_t5_dir, legacy_tokenizer):
    from musicgen_symbolic.tokenizer import MusicTokenizer
    from musicgen_symbolic.training import extend_vocabulary, initial_model

    old = MusicGenSymbolic.init_random("tiny", text_encoder=f"t5:{tiny_t5_dir}", seed=1, tokenizer=legacy_tokenizer)
    old_dir = old.save_pretrained(tmp_path / "old")
    tokenizer = MusicTokenizer.load(tiny_data / "tokenizer.json")
    config = _config(tiny_data, tmp_path / "new", tiny_t5_dir, init_from=str(old_dir))
    model = initial_model(config, tokenizer, old.text_encoder)
    embedding, before = model.token_embedding.weight, old.model.token_embedding.weight
    assert embedding.shape[0] == len(tokenizer) > before.shape[0]
    assert torch.equal(embedding[: len(legacy_tokenizer)], before)
    fused = len(legacy_tokenizer)
    first, second = tokenizer.fused_parts(fused)
    assert torch.allclose(embedding[fused], (before[first] + before[second]) / 2)
    assert model.lm_head.weight is model.token_embedding.weight
    losses = train(config, progress=False)
    assert np.isfinite(losses).all()
    other = MusicTokenizer(fused_pairs=[("Velocity_63", "Duration_1.0.8")])
    with pytest.raises(MusicGenError, match="different tokenizers"):
        extend_vocabulary(old.model.state_dict(), tokenizer, other, "a and b")


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--steps", "0"], "steps must be a whole number of at least 1"),
        (["--batch-size", "0"], "batch_size must be a whole number of at least 1"),
        (["--seq-len", "0"], "seq_len must be a whole number of at least 32"),
        (["--learning-rate", "nan"], "learning_rate must be a finite number"),
        (["--config", "{tmp}/unknown.json"], "unknown settings bogus"),
        (["--config", "{tmp}/broken.json"], "cannot read training config"),
    ],
)
def test_bad_training_settings_are_one_line_and_leave_no_run(tmp_path, capsys, extra, message):
    from musicgen_symbolic.cli import main

    (tmp_path / "unknown.json").write_text(json.dumps({"size": "tiny", "bogus": 1}))
    (tmp_path / "broken.json").write_text("{size: tiny")
    argv = ["train", "--data", tmp_path, "--out", tmp_path / "run", *[a.format(tmp=tmp_path) for a in extra]]
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0], err
    assert not (tmp_path / "run").exists()


def test_the_music21_corpus_without_music21_is_a_clear_error(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "music21" else real(name, *a))
    with pytest.raises(MusicGenError, match=r"pip install 'musicgen-symbolic\[data\]'"):
        build_dataset(tmp_path / "d", BuildPlan(composer=1, music21=1), workers=1, progress=False)
    assert not (tmp_path / "d").exists()
