"""The music21 corpus as training data: bar lines where the score has them, held-out tunes left out, caps."""

import json

import numpy as np
import pytest

music21 = pytest.importorskip("music21")

from music21 import corpus, stream  # noqa: E402

from musicgen_symbolic.data import sources  # noqa: E402
from musicgen_symbolic.data.build import (  # noqa: E402
    FILES_PER_SHARD,
    BuildPlan,
    _music21_shards,
    _source_of,
    build_dataset,
)
from musicgen_symbolic.data.sources import (  # noqa: E402
    CORPUS_CAPS,
    MAX_TUNES_PER_ITEM,
    corpus_selection,
    held_out,
    music21_paths,
    music21_pieces,
)
from musicgen_symbolic.errors import MusicGenError  # noqa: E402


def _path(name: str) -> str:
    return str(corpus.getWork(name))


def _pieces(path: str) -> dict[int, sources.SourcePiece]:
    return {int(p.name.split(":")[2].split("@")[0]): p for p in music21_pieces(path, seed=3)}


def _measure_starts(score, piece) -> tuple[int, int, float]:  # noqa: ANN001
    """(full measures of the first part whose first note is on a MIDI downbeat, full measures with a note at their
    start, the first note's time in quarter notes). Score and MIDI notes of the first part pair up in order."""
    part = score.parts[0]
    notes = sorted(
        (float(n.offset), p.midi) for n in part.stripTies().flatten().notes if not n.duration.isGrace for p in n.pitches
    )
    seconds = 60 / piece.attributes.tempo
    shift = int(piece.name.split("@")[1])
    midi = sorted((n.start / seconds, n.pitch) for n in piece.midi.instruments[0].notes)
    assert [p + shift for _, p in notes] == [p for _, p in midi]  # the same notes, in the same order
    where = {offset: time for (offset, _), (time, _) in zip(notes, midi, strict=True)}
    downbeats = piece.midi.get_downbeats() / seconds
    on, starts = 0, 0
    for measure in part.getElementsByClass(stream.Measure):
        offset = float(measure.getOffsetBySite(part))
        if measure.duration.quarterLength == measure.barDuration.quarterLength and offset in where:
            starts += 1
            on += bool(np.min(np.abs(downbeats - where[offset])) < 1e-6)
    return on, starts, midi[0][0]


def test_a_chorale_with_a_pickup_has_its_bar_lines_on_the_midi_downbeats():
    path = _path("bach/bwv66.6")
    score = corpus.parse("bach/bwv66.6")
    first = score.parts[0].getElementsByClass(stream.Measure)[0]
    assert first.number == 0 and first.paddingLeft == 3.0  # a one-beat anacrusis in 4/4
    (piece,) = _pieces(path).values()
    on, starts, first_note = _measure_starts(score, piece)
    assert starts >= 8 and on == starts
    assert first_note == pytest.approx(3.0)  # three beats of rest, then the pickup: it ends on the first bar line
    assert piece.attributes.time_signature == (4, 4)


def test_a_chorale_without_a_pickup_is_unchanged():
    score = corpus.parse("bach/bwv30.6")
    assert score.parts[0].getElementsByClass(stream.Measure)[0].paddingLeft == 0
    (piece,) = _pieces(_path("bach/bwv30.6")).values()
    on, starts, first_note = _measure_starts(score, piece)
    assert starts >= 8 and on == starts and first_note == 0.0
    seconds = 60 / piece.attributes.tempo  # every note where music21 has it
    notes = sorted(n.offset for n in score.parts[0].stripTies().flatten().notes)
    assert [round(n.start / seconds, 6) for n in sorted(piece.midi.instruments[0].notes, key=lambda n: n.start)] == [
        round(float(o), 6) for o in notes
    ]


def test_irish_tunes_with_pickups_land_on_downbeats():
    path = [str(p) for p in corpus.getComposer("oneills1850") if p.name == "0626-0635.abc"][0]
    opus = music21.converter.parse(path)
    pieces = _pieces(path)
    for index in (1, 2, 3):  # pickups of half a beat and one beat; tune 2 has a measure short by half a beat
        score = opus.scores[index]
        assert score.parts[0].getElementsByClass(stream.Measure)[0].paddingLeft > 0
        on, starts, first_note = _measure_starts(score, pieces[index])
        assert starts >= 10 and on == starts, (index, on, starts)
        assert first_note > 0


def test_metres_without_a_token_are_written_as_their_equivalent():
    from music21 import converter

    cut_time = converter.parse("X:1\nM:2/2\nL:1/8\nK:D\nA2|d2f2 a2f2|e2c2 A2c2|d8|]\n", format="abc")
    assert sources._bar_layout(cut_time) == ((4, 4), [0.0, 1.0, 5.0, 9.0], [3.0, 4.0, 8.0, 12.0])
    measures = []
    for number, metre in enumerate(("3/4", "2/4", "3/4"), 1):
        measure = stream.Measure(number=number)
        measure.append(music21.meter.TimeSignature(metre))
        measure.repeatAppend(music21.note.Note("C4"), int(metre[0]))
        measures.append(measure)
    assert sources._bar_layout(stream.Score([stream.Part(measures)])) is None  # the metre changes


def test_held_out_tunes_are_never_training_pieces():
    path = [str(p) for p in corpus.getComposer("essenFolksong") if p.name == "teste.abc"][0]
    assert held_out(path, 7) and not any(held_out(path, t) for t in range(7))
    names = {p.name for p in music21_pieces(path, seed=0)}
    assert names and not any(":7@" in name for name in names)
    assert not list(music21_pieces(_path("haydn/opus1no1/movement1.mxl"), seed=0))  # the evaluation's quartets
    items, _ = corpus_selection(0, CORPUS_CAPS)
    assert not any(held_out(path, tune) for path, tunes in items for tune in tunes)


def test_the_whole_corpus_is_capped_per_collection():
    items, summary = corpus_selection(0, CORPUS_CAPS)
    for name, row in summary.items():
        cap = CORPUS_CAPS[name]
        assert row["chosen"] == (row["tunes"] if cap is None else min(cap, row["tunes"]))
    assert summary["essenFolksong"]["tunes"] > 8_000 and summary["essenFolksong"]["chosen"] == 2_000
    assert summary["bach"]["chosen"] > 350 and summary["palestrina"]["chosen"] == 600
    assert all(0 < len(tunes) <= MAX_TUNES_PER_ITEM for _, tunes in items)
    drawn: dict[str, int] = {}
    for path, tunes in items:
        drawn[sources._collection(path)] = drawn.get(sources._collection(path), 0) + len(tunes)
    assert drawn == {name: row["chosen"] for name, row in summary.items() if row["chosen"]}
    assert corpus_selection(0, CORPUS_CAPS)[0] == items  # the same for every shard's process
    other = corpus_selection(1, {"essenFolksong": 100})[0]
    assert sum(len(t) for _, t in other) == 100 and other != items[:1]
    shards = _music21_shards(BuildPlan(composer=0, music21="all").resolved())
    assert all(len(shard) <= FILES_PER_SHARD and sum(len(t) for _, t, _ in shard) <= 40 for shard in shards)


def test_a_number_of_files_means_what_it_did():
    shards = _music21_shards(BuildPlan(composer=0, music21=13, seed=2))
    assert [path for shard in shards for path, _, _ in shard] == music21_paths(13, 2)
    assert [len(shard) for shard in shards] == [6, 6, 1]
    assert [seed for shard in shards for _, tunes, seed in shard if tunes is None] == list(range(2, 15))


def test_a_whole_corpus_build_records_its_caps_and_leaves_out_held_out_tunes(tmp_path):
    plan = BuildPlan(composer=0, music21="all", music21_caps={"bach": 3, "ryansMammoth": 4, "haydn": 0})
    manifest = build_dataset(tmp_path / "d", plan, workers=1, progress=False)
    assert manifest["plan"]["music21_caps"] == {"bach": 3, "ryansMammoth": 4, "haydn": 0}
    rows = manifest["music21_collections"]
    assert rows["bach"]["chosen"] == 3 and rows["ryansMammoth"]["chosen"] == 4 and rows["haydn"]["chosen"] == 0
    assert 0 < rows["bach"]["pieces"] <= 3 and 0 < rows["ryansMammoth"]["pieces"] <= 4
    assert manifest["pieces_by_source"] == {f"music21/{n}": rows[n]["pieces"] for n in ("bach", "ryansMammoth")}
    names = [json.loads(line)["name"] for f in (tmp_path / "d" / "shards").glob("*.jsonl") for line in f.open()]
    assert len(names) == sum(manifest["pieces"].values())
    for name in names:
        corpus_name, tune = name.split(":")[1], int(name.split(":")[2].split("@")[0])
        assert not held_out(f"/corpus/{corpus_name}", tune)
    # Resuming with the same plan is fine; another plan is refused.
    assert build_dataset(tmp_path / "d", plan, workers=1, progress=False)["pieces"] == manifest["pieces"]
    with pytest.raises(MusicGenError, match="another plan"):
        build_dataset(tmp_path / "d", BuildPlan(composer=0, music21="all"), workers=1, progress=False)


def test_a_folder_built_before_the_caps_resumes(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "plan.json").write_text('{"composer": 0, "midicaps": null, "music21": 0, "seed": 0}')
    assert build_dataset(tmp_path / "d", BuildPlan(composer=0, music21=0), workers=1, progress=False)["pieces"] == {
        "train": 0,
        "validation": 0,
        "test": 0,
    }


def test_plans_are_checked():
    with pytest.raises(MusicGenError, match="whole corpus"):
        BuildPlan(music21=10, music21_caps={"bach": 1}).resolved()
    with pytest.raises(MusicGenError, match="number of corpus files or 'all'"):
        BuildPlan(music21="some").resolved()
    with pytest.raises(MusicGenError, match="cap"):
        BuildPlan(music21="all", music21_caps={"bach": -1}).resolved()
    assert BuildPlan(music21="all").resolved().music21_caps == CORPUS_CAPS
    assert _source_of("music21:bach/bwv66.6.mxl:0@3") == "music21/bach"
    assert _source_of("composer:12") == "composer" and _source_of("midicaps:a.mid") == "midicaps"


def test_the_command_line_takes_all_and_caps(capsys, tmp_path, monkeypatch):
    from musicgen_symbolic.cli import main
    from musicgen_symbolic.data import build

    plans = []
    monkeypatch.setattr(
        build,
        "build_dataset",
        lambda out, plan, workers, tokenizer=None: plans.append(plan) or {"pieces": {}, "pieces_by_source": {}},
    )
    out = str(tmp_path / "d")
    assert main(["data", "build", "--out", out, "--music21", "all", "--music21-cap", "essenFolksong=10",
                 "--music21-cap", "palestrina=all", "--composer", "5"]) == 0  # fmt: skip
    assert plans[-1].music21 == "all" and plans[-1].composer == 5
    assert plans[-1].music21_caps == {**CORPUS_CAPS, "essenFolksong": 10, "palestrina": None}
    assert main(["data", "build", "--out", out, "--music21", "all", "--limit", "120"]) == 0
    assert (plans[-1].music21, plans[-1].composer, plans[-1].music21_caps) == (2, 120, None)  # the first files
    assert main(["data", "build", "--out", out, "--music21", "7"]) == 0 and plans[-1].music21 == 7
    capsys.readouterr()
    for argv, fragment in (
        (["--music21", "many"], "a number of files or 'all'"),
        (["--music21", "9", "--music21-cap", "bach=1"], "add --music21 all"),
        (["--music21", "all", "--music21-cap", "bachh=1"], "give COLLECTION=N"),
        (["--music21", "all", "--music21-cap", "bach=-1"], "give COLLECTION=N"),
    ):
        assert main(["data", "build", "--out", out, *argv]) != 0
        assert fragment in capsys.readouterr().err
    assert len(plans) == 3
