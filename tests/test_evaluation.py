import re

import numpy as np
import pretty_midi
import pytest

from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.evaluation import (
    KEY_PROFILES,
    empty_bar_rate,
    estimate_key,
    instrument_coverage,
    related_keys,
    score_midi,
    summarise,
    tempo_bin,
)
from musicgen_symbolic.vocabulary import DRUMS, Attributes, Key


@pytest.fixture
def scale(scale_midi):
    return pretty_midi.PrettyMIDI(str(scale_midi))


def test_matching_prompt_scores_one(scale):
    target = Attributes(tempo=120, key=Key(0, "major"), time_signature=(4, 4), instruments=(0, DRUMS))
    scores = score_midi(scale, target)
    for metric in ("TB", "TBT", "CK", "CKD", "CK_temperley", "time_signature", "instrument_f1", "family_f1"):
        assert scores[metric] == 1.0, metric


def test_mismatching_prompt_scores_zero(scale):
    target = Attributes(tempo=60, key=Key(6, "minor"), time_signature=(3, 4), instruments=(73,))
    scores = score_midi(scale, target)
    for metric in ("TB", "TBT", "CK", "CKD", "CK_temperley", "CK_aarden", "time_signature", "instrument_f1"):
        assert scores[metric] == 0.0, metric


def test_neighbouring_tempo_bin_and_related_key(scale):
    scores = score_midi(scale, Attributes(tempo=100, key=Key(9, "minor")))  # 120 vs 100: neighbouring bins
    assert (scores["TB"], scores["TBT"]) == (0.0, 1.0)
    assert (scores["CK"], scores["CKD"]) == (0.0, 1.0)  # A minor is C major's relative
    assert related_keys(Key(0, "major")) == {Key(0, "major"), Key(9, "minor"), Key(0, "minor")}


def test_key_estimate_and_bins():
    midi = pretty_midi.PrettyMIDI(initial_tempo=90)
    piano = pretty_midi.Instrument(0)
    for i, pitch in enumerate([62, 64, 65, 67, 69, 70, 72, 74, 62, 69, 65, 62]):  # D natural minor, tonic-heavy
        piano.notes.append(pretty_midi.Note(80, pitch, i * 0.5, i * 0.5 + (1.0 if pitch % 12 == 2 else 0.4)))
    midi.instruments.append(piano)
    for profiles in KEY_PROFILES:
        assert estimate_key(midi, profiles) == Key(2, "minor"), profiles
    assert tempo_bin(39) == 0 and tempo_bin(65) == 2 and tempo_bin(250) == 8


def test_the_key_profiles_disagree_where_the_notes_are_ambiguous():
    """Ten notes of the white keys, mostly A and B: three profiles, three keys (A minor, E minor, G major)."""
    midi = pretty_midi.PrettyMIDI(initial_tempo=120)
    piano = pretty_midi.Instrument(0)
    for i, pitch in enumerate([69, 71, 71, 69, 69, 60, 67, 65, 71, 71]):
        piano.notes.append(pretty_midi.Note(80, pitch, i * 0.5, i * 0.5 + 0.5))
    midi.instruments.append(piano)
    found = {profiles: estimate_key(midi, profiles) for profiles in KEY_PROFILES}
    assert found == {"krumhansl": Key(9, "minor"), "temperley": Key(4, "minor"), "aarden": Key(7, "major")}


def _bars_in_keys(keys: list[int], steps: tuple[int, ...] = (2, 4, 5, 7, 9, 11, 12, 7)) -> pretty_midi.PrettyMIDI:
    """One 4/4 bar at 120 bpm per entry: a scale run (major by default) from that tonic, tonic held longest."""
    midi = pretty_midi.PrettyMIDI(initial_tempo=120)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0))
    piano = pretty_midi.Instrument(0)
    for bar, tonic in enumerate(keys):
        start = bar * 2.0
        piano.notes.append(pretty_midi.Note(80, 60 + tonic, start, start + 1.0))
        for i, step in enumerate(steps):
            piano.notes.append(pretty_midi.Note(80, 60 + tonic + step, start + 1.0 + i / 8, start + 1.0 + (i + 1) / 8))
    midi.instruments.append(piano)
    return midi


def test_key_per_block_shows_a_key_that_drifts():
    from musicgen_symbolic.evaluation import key_per_block

    drifting = _bars_in_keys([0] * 16 + [6] * 8)  # 16 bars of C major, then 8 of F sharp major
    assert key_per_block(drifting, Key(0, "major")) == pytest.approx(2 / 3)
    assert score_midi(drifting, Attributes(key=Key(0, "major")))["CK_per_8_bars"] == pytest.approx(2 / 3)
    assert key_per_block(_bars_in_keys([0] * 20), Key(0, "major")) == 1.0  # the 4 bars left over are no block
    short = _bars_in_keys([0] * 12)
    assert key_per_block(short, Key(0, "major")) is None
    assert "CK_per_8_bars" not in score_midi(short, Attributes(key=Key(0, "major")))


def test_key_per_block_skips_blocks_that_state_no_mode():
    from musicgen_symbolic.evaluation import key_per_block

    midi = _bars_in_keys([2] * 16, steps=(2, 3, 5, 7, 8, 10, 12, 7))  # D minor, then 8 bars of D alone
    midi.instruments[0].notes += [pretty_midi.Note(80, 50, 32.0 + beat / 2, 32.5 + beat / 2) for beat in range(32)]
    assert estimate_key(midi, start=32.0) == Key(2, "major")  # what a key finder makes of D alone
    assert key_per_block(midi, Key(2, "minor")) == 1.0
    drone = _bars_in_keys([])
    drone.instruments[0].notes = [pretty_midi.Note(80, 50 + 7 * (i % 2), i / 2, i / 2 + 0.5) for i in range(64)]
    assert key_per_block(drone, Key(2, "minor")) is None  # D and A only, 16 bars


def test_empty_bars_and_summary(scale):
    assert empty_bar_rate(scale) == 0.0
    summary = summarise([{"CK": 1.0}, {"CK": 0.0, "TB": 1.0}])
    assert summary["CK"] == 0.5 and summary["TB_n"] == 1.0


def test_instrument_coverage_counts_the_phrases_each_requested_instrument_plays_in():
    midi = pretty_midi.PrettyMIDI(initial_tempo=120)  # 2 s a bar: phrases of 4 bars start at 0 and 8 s
    piano, bass, drums = pretty_midi.Instrument(0), pretty_midi.Instrument(32), pretty_midi.Instrument(0, is_drum=True)
    for bar in range(8):
        piano.notes.append(pretty_midi.Note(80, 60, bar * 2.0, bar * 2.0 + 1.5))
    bass.notes.append(pretty_midi.Note(80, 36, 1.0, 9.0))  # one long note: it starts in the first phrase only
    drums.notes.append(pretty_midi.Note(80, 36, 10.0, 10.1))
    midi.instruments += [piano, bass, drums]
    assert instrument_coverage(midi, {0}) == 1.0
    assert instrument_coverage(midi, {0, 32, DRUMS}) == pytest.approx((1 + 0.5 + 0.5) / 3)
    assert instrument_coverage(midi, {0, 73}) == 0.5  # a requested instrument that never plays counts zero
    assert instrument_coverage(midi, {0, 32}, phrase_bars=8) == 1.0
    assert score_midi(midi, Attributes(instruments=(0, 32)))["instrument_coverage"] == 0.75


def test_instrument_coverage_weights_a_short_last_phrase_by_its_bars():
    midi = pretty_midi.PrettyMIDI(initial_tempo=120)  # 10 bars of 2 s: phrases of 4, 4 and 2 bars
    piano, bass = pretty_midi.Instrument(0), pretty_midi.Instrument(32)
    piano.notes = [pretty_midi.Note(80, 60, bar * 2.0, bar * 2.0 + 2.0) for bar in range(10)]
    bass.notes = [pretty_midi.Note(80, 36, bar * 2.0, bar * 2.0 + 1.0) for bar in range(8)]  # silent in bars 9–10
    midi.instruments += [piano, bass]
    assert instrument_coverage(midi, {32}) == pytest.approx(0.8)  # 8 of 10 bars' phrases, not 2 of 3 phrases
    bass.notes = [pretty_midi.Note(80, 36, 17.0, 18.0)]  # only in the last, 2-bar phrase
    assert instrument_coverage(midi, {0, 32}) == pytest.approx((1 + 0.2) / 2)


def test_evaluate_bars_sets_every_pieces_length(tmp_path, tiny_model_dir, capsys):
    import json

    from musicgen_symbolic.cli import main

    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('{"caption": "piano and drums, 2 bars"}\n{"caption": "a flute waltz"}\n')
    out = tmp_path / "long.json"
    argv = ["evaluate", "--prompts", str(prompts), "--model", str(tiny_model_dir), "--bars", "5", "--out", str(out)]
    assert main(argv) == 0
    report = json.loads(out.read_text())
    assert report["settings"]["bars"] == 5
    assert report["summary"]["bar_count"] == 1.0 and report["summary"]["bar_count_n"] == 2
    assert report["summary"]["instrument_coverage_n"] == 2
    assert "| instrument_coverage |" in (tmp_path / "long.md").read_text()
    capsys.readouterr()


def test_evaluate_command_on_model_and_on_midi_folder(tmp_path, tiny_model_dir, scale_midi, capsys):
    import json

    from musicgen_symbolic.cli import main

    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text(
        '{"id": "scale", "caption": "piano and drums in C major at 120 bpm in 4/4", "target": {"tempo": 120, "key": "C major", '
        '"time_signature": "4/4", "instruments": ["piano", "drums"], "bars": 2}}\n'
        '{"id": "waltz", "caption": "a waltz in F#m at 90 bpm for flute"}\n'
    )
    assert (
        main(
            [
                "evaluate",
                "--prompts",
                str(prompts),
                "--model",
                str(tiny_model_dir),
                "--out",
                str(tmp_path / "model.json"),
            ]
        )
        == 0
    )
    report = json.loads((tmp_path / "model.json").read_text())
    summary = report["summary"]
    assert summary["valid"] == 1.0 and summary["time_signature"] == 1.0 and summary["tempo_within_1bpm"] == 1.0
    assert summary["instrument_precision"] == 1.0 and summary["seconds"] > 0

    folder = tmp_path / "midi"
    folder.mkdir()
    (folder / "scale.mid").write_bytes(scale_midi.read_bytes())
    code = main(
        [
            "evaluate",
            "--prompts",
            str(prompts),
            "--midi-dir",
            str(folder),
            "--out",
            str(tmp_path / "files.json"),
            "--compare",
            str(tmp_path / "model.json"),
        ]
    )
    assert code == 0
    files = json.loads((tmp_path / "files.json").read_text())["summary"]
    assert files["valid"] == 0.5  # the waltz file is missing
    assert files["CK"] == 1.0 and files["TB"] == 1.0
    table = (tmp_path / "files.md").read_text()
    assert "| CK |" in table and "files" in table and "model" in table
    capsys.readouterr()


def _repeated_riff(bars: int, vary: bool) -> pretty_midi.PrettyMIDI:
    import random

    rng = random.Random(0)
    midi = pretty_midi.PrettyMIDI(initial_tempo=120)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0))
    piano = pretty_midi.Instrument(0)
    riff = [(0.0, 60), (0.5, 64), (1.0, 67), (1.5, 72)]
    for bar in range(bars):
        for start, pitch in riff:
            if vary:
                start, pitch = rng.choice([0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75]), rng.randrange(48, 84)
            piano.notes.append(pretty_midi.Note(80, pitch, bar * 2.0 + start, bar * 2.0 + start + 0.2))
    midi.instruments.append(piano)
    return midi


def test_compression_ratio_and_groove_reward_repetition():
    from musicgen_symbolic.evaluation import compression_ratio, groove_consistency

    repeated, random_notes = _repeated_riff(8, vary=False), _repeated_riff(8, vary=True)
    assert compression_ratio(repeated) == pytest.approx(32 / 11)  # one 4-note pattern, 8 translators
    assert compression_ratio(repeated) > 2 * compression_ratio(random_notes)
    assert compression_ratio(random_notes) < 1.5
    assert groove_consistency(repeated) == 1.0 > groove_consistency(random_notes)


def test_tempo_bins_survive_midi_tempo_rounding(tmp_path):
    midi = pretty_midi.PrettyMIDI(initial_tempo=110)
    midi.instruments.append(pretty_midi.Instrument(0))
    midi.instruments[0].notes.append(pretty_midi.Note(80, 60, 0, 1))
    midi.write(str(tmp_path / "t.mid"))
    written = pretty_midi.PrettyMIDI(str(tmp_path / "t.mid")).get_tempo_changes()[1][0]
    assert tempo_bin(written) == tempo_bin(110) == 5


def test_bar_count_entropy_and_scale_consistency(scale):
    from musicgen_symbolic.evaluation import pitch_class_entropy, scale_consistency

    assert score_midi(scale, Attributes(bars=2))["bar_count"] == 1.0  # 8 half-second notes at 120 bpm, 4/4
    assert score_midi(scale, Attributes(bars=3))["bar_count"] == 0.0
    assert pitch_class_entropy(scale) == pytest.approx(2.75)  # 7 pitch classes, C twice, over 8 notes
    assert scale_consistency(scale) == 1.0
    chromatic = pretty_midi.PrettyMIDI()
    piano = pretty_midi.Instrument(0)
    piano.notes += [pretty_midi.Note(80, 60 + i, i * 0.1, i * 0.1 + 0.1) for i in range(12)]
    chromatic.instruments.append(piano)
    assert pitch_class_entropy(chromatic) == pytest.approx(np.log2(12))
    assert scale_consistency(chromatic) == pytest.approx(7 / 12)


@pytest.mark.parametrize(
    "line,fragment",
    [
        ('{"caption": "piano", "target": {"bars": -5}}', "prompts.jsonl:2: -5 bars is out of range"),
        ('{"caption": "piano", "target": {"bars": "8"}}', "prompts.jsonl:2: bars must be a whole number"),
        ('{"caption": "piano", "target": ["x"]}', "prompts.jsonl:2: 'caption' must be text and 'target' an object"),
        ('{"caption": 5}', "prompts.jsonl:2: 'caption' must be text"),
        ('{"caption": "piano", "target": {"key": "Q major"}}', "prompts.jsonl:2: unknown key 'Q major'"),
        ("[1, 2]", "prompts.jsonl:2: expected a JSON object with 'caption'"),
    ],
)
def test_bad_prompt_files_name_the_line(tmp_path, line, fragment):
    from musicgen_symbolic.evaluation import load_prompts

    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('{"caption": "solo piano"}\n' + line + "\n")
    with pytest.raises(MusicGenError, match=re.escape(fragment)):
        load_prompts(prompts)


def test_evaluate_makes_the_report_folder(tmp_path, scale_midi, capsys):
    import shutil

    from musicgen_symbolic.cli import main

    (tmp_path / "midi").mkdir()
    shutil.copy(scale_midi, tmp_path / "midi" / "a.mid")
    (tmp_path / "p.jsonl").write_text('{"id": "a", "caption": "solo piano in C major"}\n')
    out = tmp_path / "reports" / "new" / "r.json"
    argv = ["evaluate", "--prompts", tmp_path / "p.jsonl", "--midi-dir", tmp_path / "midi", "--out", out]
    assert main([str(a) for a in argv]) == 0, capsys.readouterr().err
    assert out.is_file() and out.with_suffix(".md").is_file()


def test_midi_dir_ids_stay_inside_the_folder_and_fifos_are_skipped(tmp_path, scale_midi):
    import os
    import shutil

    from musicgen_symbolic.evaluation import PromptCase, evaluate_prompts
    from musicgen_symbolic.vocabulary import Attributes

    (tmp_path / "midi").mkdir()
    shutil.copy(scale_midi, tmp_path / "midi" / "a.mid")
    shutil.copy(scale_midi, tmp_path / "outside.mid")
    os.mkfifo(tmp_path / "midi" / "pipe.mid")
    cases = [PromptCase(i, "solo piano", Attributes(), None) for i in ("a", "../outside", "pipe")]
    rows = evaluate_prompts(cases, midi_dir=tmp_path / "midi", progress=False)["rows"]  # returns: no blocking read
    assert [r["valid"] for r in rows] == [1.0, 0.0, 0.0]
    assert "not a plain file name" in rows[1]["error"] and "no regular file" in rows[2]["error"]
