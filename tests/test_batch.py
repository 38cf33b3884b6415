"""generate --prompts: one piece a line, a manifest row per piece written, resumable after a kill, bad lines skipped."""

import csv
import inspect
import io
import json
import tracemalloc
import wave
from pathlib import Path

import mido
import pretty_midi
import pytest

from musicgen_symbolic.batch import COLUMNS, MANIFEST, BadLine, BatchItem, _locked, generate_batch, read_prompts
from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.settings import GenerationSettings

ONE_BAR = {"bars": 1}


@pytest.fixture(scope="module")
def generator(tiny_generator):
    """The suite's tiny random model (tiny T5 text encoder), loaded once."""
    return tiny_generator


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rows(folder: Path) -> list[dict]:
    with (folder / MANIFEST).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames) == COLUMNS
        return list(reader)


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.iterdir()) if p.name != MANIFEST}


def run(generator, prompts, out, seed=None, **options):
    reports = []
    options = {"overrides": ONE_BAR, **options}
    summary = generate_batch(generator, prompts, out, GenerationSettings(seed=seed), report=reports.append, **options)
    return summary, reports


class Interrupting:
    """The generator, until its ``after``-th piece: then Ctrl-C."""

    def __init__(self, generator, after: int) -> None:
        self.generator, self.after, self.calls = generator, after, 0
        self.settings = generator.settings

    def generate_many(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.after:
            raise KeyboardInterrupt
        return self.generator.generate_many(*args, **kwargs)


def test_txt_file_gives_a_piece_and_a_row_per_prompt(generator, tmp_path):
    prompts = write(
        tmp_path / "ideas.txt", "# ideas", "calm piano", "", "fast rock with guitar and drums", "  sad waltz  "
    )
    summary, reports = run(generator, prompts, tmp_path / "out", seed=10)
    assert (summary.generated, summary.skipped, summary.failed) == (3, 0, 0) and reports == []
    assert summary.manifest == tmp_path / "out" / MANIFEST
    table = rows(tmp_path / "out")
    assert [r["id"] for r in table] == ["0001", "0002", "0003"]
    assert [r["prompt"] for r in table] == ["calm piano", "fast rock with guitar and drums", "sad waltz"]
    assert [r["seed"] for r in table] == ["10", "11", "12"]  # the base seed plus the item's place
    assert [r["files"] for r in table] == ["0001.mid", "0002.mid", "0003.mid"]
    assert json.loads(table[0]["attributes"])["bars"] == 1 and json.loads(table[0]["attributes"])["mood"] == "calm"
    assert all(float(r["seconds"]) >= 0 for r in table)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["0001.mid", "0002.mid", "0003.mid", MANIFEST]
    for name in ("0001.mid", "0002.mid", "0003.mid"):
        data = (tmp_path / "out" / name).read_bytes()
        assert pretty_midi.PrettyMIDI(io.BytesIO(data)).instruments
        assert mido.MidiFile(file=io.BytesIO(data)).type == 1


def test_jsonl_lines_give_ids_seeds_attributes_and_settings(generator, tmp_path):
    prompts = write(
        tmp_path / "ideas.jsonl",
        json.dumps({"prompt": "calm piano", "id": "calm-1", "seed": 42, "tempo": 90, "key": "D minor"}),
        "",
        json.dumps({"prompt": "rock with drums", "temperature": 0.5, "cfg": 1, "bars": 2, "tempo": None}),
        json.dumps({"prompt": "jazz trio", "id": "trio.v2", "instruments": "piano, bass"}),
        json.dumps({"prompt": "a short one", "seconds": 2.5}),
    )
    summary, reports = run(generator, prompts, tmp_path / "out", seed=5)
    assert (summary.generated, summary.failed) == (4, 0), reports
    table = {r["id"]: r for r in rows(tmp_path / "out")}
    assert list(table) == ["calm-1", "0002", "trio.v2", "0004"]  # the id, else the item's number
    assert [table[i]["seed"] for i in table] == ["42", "6", "7", "8"]  # the line's seed wins
    calm = pretty_midi.PrettyMIDI(str(tmp_path / "out" / "calm-1.mid"))
    assert calm.get_tempo_changes()[1].tolist() == [pytest.approx(90, abs=0.01)]
    assert json.loads(table["calm-1"]["attributes"])["key"] == "D minor"
    assert json.loads(table["calm-1"]["attributes"])["bars"] == 1  # the overrides fill in what a line leaves out
    assert json.loads(table["0002"]["attributes"])["bars"] == 2  # … and a line's own value wins
    short = json.loads(table["0004"]["attributes"])
    assert short["seconds"] == 2.5 and "bars" not in short  # a length in seconds replaces the flags' bars
    trio = json.loads(table["trio.v2"]["attributes"])["instruments"]
    assert trio == ["Acoustic Grand Piano", "Acoustic Bass"]


def test_bad_lines_are_reported_with_their_numbers_and_skipped(generator, tmp_path):
    prompts = write(
        tmp_path / "ideas.jsonl",
        json.dumps({"prompt": "calm piano", "id": "good"}),  # 1
        '{"prompt": "calm piano"',  # 2: not JSON
        json.dumps({"id": "no-prompt"}),  # 3
        json.dumps({"prompt": "fast", "tempo": 9999}),  # 4
        json.dumps({"prompt": "fast", "key": "H minor"}),  # 5
        json.dumps({"prompt": "fast", "colour": "red"}),  # 6
        json.dumps({"prompt": "again", "id": "GOOD"}),  # 7: the same file as good.mid on some systems
        json.dumps({"prompt": "escape", "id": "../x"}),  # 8
        json.dumps({"prompt": "hidden", "id": ".x"}),  # 9
        json.dumps({"prompt": "sections", "form": "A:2 B:2", "bars": 1}),  # 10: fails while generating
        json.dumps({"prompt": "   "}),  # 11
        json.dumps(["calm piano"]),  # 12
        json.dumps({"prompt": "two takes", "num_samples": 2}),  # 13
        json.dumps({"prompt": "cold", "temperature": "hot"}),  # 14
        json.dumps({"prompt": "sad strings"}),  # 15
    )
    summary, reports = run(generator, prompts, tmp_path / "out")
    assert (summary.generated, summary.skipped, summary.failed) == (2, 0, 13)
    assert [r.split(":")[0] for r in reports] == [f"line {n}" for n in range(2, 15)]
    expected = {
        2: "not valid JSON", 3: "'prompt' is missing", 4: "tempo 9999", 5: "unknown key 'H minor'",
        6: "unknown field 'colour'", 7: "already used on line 1", 8: "not a safe file name", 9: "not a safe file name",
        10: "lasts 4 bars", 11: "'prompt' is missing or empty", 12: "expected a JSON object", 13: "one piece a line",
        14: "--temperature must be a number",
    }  # fmt: skip
    for report, (line, fragment) in zip(reports, expected.items(), strict=True):
        assert report.startswith(f"line {line}: ") and fragment in report, report
    assert [r["id"] for r in rows(tmp_path / "out")] == ["good", "0015"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["0015.mid", "good.mid", MANIFEST]
    assert not (tmp_path / "x.mid").exists()


def test_a_killed_run_resumes_with_each_file_and_row_once(generator, tmp_path):
    prompts = write(tmp_path / "ideas.txt", *[f"piece {n} for piano" for n in range(5)])
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run(Interrupting(generator, after=3), prompts, out)
    assert [r["id"] for r in rows(out)] == ["0001", "0002"]
    before = snapshot(out)
    assert list(before) == ["0001.mid", "0002.mid"]  # nothing half-written of the third

    summary, _ = run(generator, prompts, out)
    assert (summary.generated, summary.skipped, summary.failed) == (3, 2, 0)
    after = snapshot(out)
    assert {name: after[name] for name in before} == before  # the earlier files untouched
    assert list(after) == [f"000{n}.mid" for n in range(1, 6)]
    assert [r["id"] for r in rows(out)] == [f"000{n}" for n in range(1, 6)]

    manifest = (out / MANIFEST).read_bytes()
    summary, _ = run(generator, prompts, out)
    assert (summary.generated, summary.skipped) == (0, 5)
    assert (out / MANIFEST).read_bytes() == manifest and snapshot(out) == after


def test_files_without_their_row_are_made_again_once(generator, tmp_path):
    """A kill between the files and the row, one in the middle of a row, and a file deleted since."""
    prompts = write(tmp_path / "ideas.txt", "calm piano", "sad strings", "fast drums")
    out = tmp_path / "out"
    run(generator, prompts, out, seed=3)
    first = snapshot(out)
    lines = (out / MANIFEST).read_text(encoding="utf-8").splitlines(keepends=True)
    (out / MANIFEST).write_text("".join(lines[:3]) + lines[3][:9], encoding="utf-8")  # row 3 lost, torn
    (out / "0001.mid").unlink()

    summary, reports = run(generator, prompts, out, seed=3)
    assert (summary.generated, summary.skipped) == (2, 1)
    assert reports == [f"{out / MANIFEST}: 2 row(s) whose files are missing or incomplete: generating them again"]
    table = rows(out)
    assert sorted(r["id"] for r in table) == ["0001", "0002", "0003"]
    assert {name: data for name, (_, data) in snapshot(out).items()} == {n: d for n, (_, d) in first.items()}
    assert snapshot(out)["0002.mid"] == first["0002.mid"]


def test_the_same_seed_gives_the_same_bytes(generator, tmp_path):
    prompts = write(tmp_path / "ideas.txt", "calm piano in C", "jazz with bass and drums")
    run(generator, prompts, tmp_path / "a", seed=7)
    run(generator, prompts, tmp_path / "b", seed=7)
    a, b = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
    assert {n: d for n, (_, d) in a.items()} == {n: d for n, (_, d) in b.items()}
    assert [r["seed"] for r in rows(tmp_path / "a")] == ["7", "8"]


def test_the_prompt_file_is_streamed(generator, tmp_path, monkeypatch):
    prompts = write(tmp_path / "big.txt", *[f"calm piano number {n} " + "x" * 1000 for n in range(10_000)])
    entries = read_prompts(prompts)
    assert inspect.isgenerator(entries)
    tracemalloc.start()
    try:
        last = None
        for last in entries:  # noqa: B007
            pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(last, BatchItem) and (last.id, last.line) == ("10000", 10_000)
    assert peak < prompts.stat().st_size / 4  # ids kept, never the lines

    def whole_file(*args, **kwargs):
        raise AssertionError("the prompt file was read whole")

    for name in ("read_text", "read_bytes"):
        monkeypatch.setattr(Path, name, whole_file)
    summary, _ = run(generator, prompts, tmp_path / "out", limit=3, progress=True)
    assert (summary.generated, summary.failed) == (3, 0)
    assert len(rows(tmp_path / "out")) == 3


def test_read_prompts_skips_comments_and_numbers_items(tmp_path):
    raw = "\ufeff# title\n\ncalm piano\r\n# note\nfast rock\n".encode() + b"\xff\xfe bad\n" + b"slow jazz"
    (tmp_path / "ideas.txt").write_bytes(raw)
    entries = list(read_prompts(tmp_path / "ideas.txt"))
    assert entries[:2] == [BatchItem(3, 1, "0001", "calm piano"), BatchItem(5, 2, "0002", "fast rock")]
    assert entries[2] == BadLine(6, "not UTF-8 text")
    assert entries[3] == BatchItem(7, 4, "0004", "slow jazz")  # a bad line keeps its number: later ids stay


def test_wav_and_plot_are_written_with_the_midi(generator, tmp_path):
    pytest.importorskip("fluidsynth")
    prompts = write(tmp_path / "ideas.txt", "calm piano")
    summary, reports = run(generator, prompts, tmp_path / "out", wav=True, plot=True)
    assert summary.generated == 1, reports
    assert rows(tmp_path / "out")[0]["files"] == "0001.mid 0001.wav 0001.png"
    with wave.open(str(tmp_path / "out" / "0001.wav")) as audio:
        assert audio.getnframes() > 0
    assert (tmp_path / "out" / "0001.png").read_bytes()[:4] == b"\x89PNG"
    summary, _ = run(generator, prompts, tmp_path / "out")  # the MIDI alone is there: done
    assert summary.skipped == 1


@pytest.mark.parametrize(
    ("name", "options", "fragment"),
    [
        ("ideas.csv", {}, "should end in .txt"),
        ("missing.txt", {}, "no such prompt file"),
        ("empty.txt", {}, "holds no prompts"),
        ("ideas.txt", {"overrides": {"colour": "red"}}, "unknown attribute 'colour'"),
        ("ideas.txt", {"overrides": {"tempo": 9999}}, "tempo 9999"),
        ("ideas.txt", {"limit": 0}, "--limit"),
        ("ideas.txt", {"soundfont": "x.sf2"}, "only with --wav"),
    ],
)
def test_bad_arguments_fail_before_any_work(generator, tmp_path, name, options, fragment):
    write(tmp_path / "ideas.txt", "calm piano")
    write(tmp_path / "empty.txt", "# nothing yet", "")
    with pytest.raises(MusicGenError, match=fragment.replace("(", r"\(")):
        run(generator, tmp_path / name, tmp_path / "out", **options)
    assert not (tmp_path / "out").exists()


def test_a_folder_is_refused_when_not_ours_or_busy(generator, tmp_path):
    prompts = write(tmp_path / "ideas.txt", "calm piano")
    with pytest.raises(MusicGenError, match="one piece a line"):
        generate_batch(generator, prompts, tmp_path / "a", GenerationSettings(num_samples=2))
    (tmp_path / "file").write_text("x")
    with pytest.raises(MusicGenError, match="is a file"):
        run(generator, prompts, tmp_path / "file")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / MANIFEST).write_text("name,score\n")
    with pytest.raises(MusicGenError, match="not a manifest"):
        run(generator, prompts, tmp_path / "b")
    (tmp_path / "c").mkdir()
    with _locked(tmp_path / "c"), pytest.raises(MusicGenError, match="in use by another run"):
        run(generator, prompts, tmp_path / "c")


def test_prompt_files_from_the_command_line(capsys, tmp_path, tiny_model_dir):
    from musicgen_symbolic.cli import main

    prompts = tmp_path / "ideas.txt"
    prompts.write_text("a calm piano piece\n\n# a comment\na fast rock song in 3/4 at 9999 bpm\nsad strings\n")
    out = tmp_path / "ideas"
    argv = ["generate", "--prompts", prompts, "--out-dir", out, "--bars", "1", "--seed", "2", "-q"]
    code = main([str(a) for a in [*argv, "--model", tiny_model_dir]])
    printed, err = capsys.readouterr()
    assert code == 1  # a line failed: scripts notice
    assert printed.strip() == str(out / "manifest.csv")
    assert "line 4:" in err and "generated 2" in err
    assert sorted(p.name for p in out.glob("*.mid")) == ["0001.mid", "0003.mid"]
    code = main([str(a) for a in [*argv, "--model", tiny_model_dir]])
    _, err = capsys.readouterr()
    assert code == 1 and "skipped 2" in err


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["generate", "a song", "--prompts", "{p}", "--out-dir", "x"], "drop the prompt"),
        (["generate", "--prompts", "{p}"], "go together"),
        (["generate", "--prompts", "{p}", "--out-dir", "x", "--wav", "a.wav"], "--wav takes no file name"),
        (["generate", "--prompts", "{p}", "--out-dir", "x", "--stems", "s"], "not with --prompts"),
        (["generate", "-o", "x.mid"], "give a prompt"),
        (["generate", "a song"], "give the MIDI file to write"),
    ],
)
def test_prompt_file_usage_errors_are_one_line(capsys, tmp_path, monkeypatch, argv, fragment):
    from musicgen_symbolic.cli import main

    monkeypatch.chdir(tmp_path)
    prompts = tmp_path / "p.txt"
    prompts.write_text("a song\n")
    code = main([a.replace("{p}", str(prompts)) for a in argv])
    _, err = capsys.readouterr()
    assert code == 2 and err.startswith("error: ") and fragment in err and err.count("\n") == 1, err
