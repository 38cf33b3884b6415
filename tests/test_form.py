"""Form: sections asked for or chosen, returning bars replayed, rests, fills, the held ending, loops, and the
form's metrics and picture."""

from __future__ import annotations

import io
import subprocess
import sys

import mido
import pretty_midi
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.evaluation import bar_count
from musicgen_symbolic.form import Form, FormPlan, Part, default_form, parse_form
from musicgen_symbolic.midi_io import markers_of, midi_bytes
from musicgen_symbolic.prompt import AttributeOverrides, parse_prompt
from musicgen_symbolic.structure import bar_fingerprints, structure_scores

# ---------------------------------------------------------------------------- what is asked for


@pytest.mark.parametrize(
    ("text", "sections"),
    [
        ("intro:4 verse:8 chorus:8 verse:8 chorus:8 outro:4", "intro:4 verse:8 chorus:8 verse:8 chorus:8 outro:4"),
        ("AABA", "A A B A"),
        ("A A B A", "A A B A"),
        ("A-A-B-A", "A A B A"),
        ("A:8 A:8 B:8 A:8", "A:8 A:8 B:8 A:8"),
        ("rondo", "A B A C A"),
        ("Verse-Chorus", "verse chorus verse chorus"),
        ("intro, verse:8, chorus:8", "intro verse:8 chorus:8"),
        ("pre chorus:4 chorus:8", "pre-chorus:4 chorus:8"),
        ("middle eight:8", "bridge:8"),
        ("Refrain:4 | Coda:2", "chorus:4 outro:2"),
    ],
)
def test_form_flag_phrasings(text, sections):
    assert " ".join(map(str, parse_form(text).parts)) == sections


def test_the_form_words_name_forms_and_sections_that_exist():
    from musicgen_symbolic.form import NAMED_FORMS, RESTS, SECTION_ENERGY, SECTION_WORDS
    from musicgen_symbolic.lexicon import FORM_PHRASES, SECTION_PHRASES

    assert set(FORM_PHRASES.values()) <= set(NAMED_FORMS)
    assert set(SECTION_PHRASES) <= set(SECTION_WORDS)
    sections = set(SECTION_WORDS) | set("ABCDEFGH")
    assert set(RESTS) <= sections and set(SECTION_ENERGY) <= sections
    for form in NAMED_FORMS.values():
        assert set(form.split()) <= sections, form
    spellings = [word for words in SECTION_WORDS.values() for word in words]
    assert len(spellings) == len(set(spellings)), "a word names two sections"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "--form is empty"),
        ("verse:8 solo-ish:4", "unknown section 'solo-ish'"),
        ("verse:0", "section verse lasts 0 bars"),
        ("verse:8 chorus:300", "lasts 300 bars"),
        ("verse:eight", "cannot read 'verse:eight'"),
    ],
)
def test_bad_forms_are_one_clear_error(text, message):
    with pytest.raises(MusicGenError, match=message):
        parse_form(text)


@pytest.mark.parametrize(
    ("prompt", "form"),
    [
        ("a pop song with intro, verse, chorus, verse, chorus and outro", "intro verse chorus verse chorus outro"),
        ("a jazz standard in AABA form", "A A B A"),
        ("an A-A-B-A tune", "A A B A"),
        ("a ballad, ABAB", "A B A B"),
        ("a rondo for piano", "rondo (A B A C A)"),
        ("a piece in ternary form", "ternary (A B A)"),
        ("intro -> verse -> chorus", "intro verse chorus"),
        ("verse then chorus then bridge", "verse chorus bridge"),
        ("a song with a verse, a chorus and a bridge", "verse chorus verse chorus bridge chorus"),
        ("an edm track with a huge build-up and a massive drop", "build drop breakdown drop"),
        ("a pop song with an intro and an outro", "intro … outro"),
        ("a calm piece with an intro", "intro …"),
        ("a pop song, no intro", "… (no intro)"),  # a negated section is not asked for: the default leaves it out
        ("intro music for my podcast", None),
        ("a chorus effect on the guitar", None),
        ("drop the bass", None),
        ("drop D tuning metal riff", None),
        ("music like ABBA", None),
        ("ABC notation tune", None),
        ("a calm piano piece", None),
    ],
)
def test_form_words_in_prompts(prompt, form):
    found = parse_prompt(prompt).form
    assert (str(found) if found else None) == form


@pytest.mark.parametrize(
    ("prompt", "loop"),
    [("a lo-fi hip hop loop", True), ("a loopable drum groove", True), ("not a loop, a full song", None),
     ("a looping bass line", None), ("a calm piano piece", None)],
)  # fmt: skip
def test_loop_words_in_prompts(prompt, loop):
    assert parse_prompt(prompt).loop is loop


def test_form_overrides_the_prompt_and_shows_in_the_attributes():
    attributes = AttributeOverrides(form="verse:8 chorus:8", loop=True).resolve("a pop song in AABA form")
    assert str(attributes.form) == "verse:8 chorus:8" and attributes.loop is True
    assert attributes.to_dict()["form"] == "verse:8 chorus:8"
    with pytest.raises(MusicGenError, match="loop must be True or False"):
        AttributeOverrides(loop="yes").resolve("a song")


# ---------------------------------------------------------------------------- default forms and layouts


@pytest.mark.parametrize(
    ("bars", "genre", "expected"),
    [
        (4, "jazz", "A:4"),
        (8, "pop", "A:8"),
        (16, "folk", "A:8 A:8"),
        (16, "pop", "verse:8 chorus:8"),
        (32, "pop", "verse:8 chorus:8 verse:8 chorus:8"),
        (32, "edm", "intro:8 drop:8 breakdown:8 drop:8"),
        (36, "pop", "intro:4 verse:8 chorus:8 verse:8 chorus:8"),
        (20, None, "A:8 A:12"),
    ],
)
def test_default_forms_by_length_and_genre(bars, genre, expected):
    layout = FormPlan(None, genre, seed=0).layout(bars)
    assert " ".join(f"{s.name}:{s.bars}" for s in layout.sections) == expected


def test_a_default_32_bar_form_returns_and_the_seed_chooses_among_usual_ones():
    forms = {str(default_form(32, "jazz", seed)) for seed in range(20)}
    assert forms == {"A:8 A:8 B:8 A:8", "A:8 B:8 A:8 B:8"}
    assert str(default_form(32, "jazz", 3)) == str(default_form(32, "jazz", 3))


def test_a_default_form_in_a_frame_takes_the_length_asked_for(tiny_generator):
    for prompt in ("piano, bass and drums with an intro", "piano and drums, no intro"):
        assert parse_prompt(prompt).form.bars is None
        result = tiny_generator.generate_many(prompt, bars=20, seed=0)[0]
        assert bar_count(result.midi) == 20  # (a downbeat exactly at the end, where the last chord stops, opens none)
    assert [s.name for s in result.form.sections] == ["A", "A"]  # (no intro) 8 + 12 bars


def test_a_section_ruled_out_leaves_the_default_form():
    form = parse_prompt("a pop song, no intro").form
    assert [s.name for s in FormPlan(None, "pop", 0).layout(36).sections][0] == "intro"
    assert "intro" not in [s.name for s in FormPlan(form, "pop", 0).layout(36).sections]
    assert "intro" not in [s.name for s in FormPlan(form, "edm", 0).layout(32).sections]


def test_a_long_given_progression_gives_sections_of_whole_passes():
    layout = FormPlan(None, "blues", seed=0, progression_bars=12).layout(24)
    assert [(s.start, s.bars) for s in layout.sections] == [(0, 12), (12, 12)]
    short = FormPlan(None, "blues", seed=0, progression_bars=12).layout(13)  # shorter than two passes: one section
    assert [(s.start, s.bars) for s in short.sections] == [(0, 13)]


def test_a_given_progression_runs_on_unbroken_across_sections():
    from musicgen_symbolic.planner import HarmonyModel
    from musicgen_symbolic.prompt import parse_chords
    from musicgen_symbolic.vocabulary import Key

    blues = parse_chords("12-bar blues", Key(9, "major"))
    plan = HarmonyModel.from_training_styles().plan(
        Key(9, "major"), "blues", None, 0, blues, FormPlan(parse_form("A:4 B:4 A:5"))
    )
    assert plan.symbols(13) == "A7 | A7 | A7 | A7 | D7 | D7 | A7 | A7 | E7 | D7 | A7 | E7 | A7"


def test_layout_sources_fills_rests_and_markers():
    layout = parse_form("intro:4 verse:8 chorus:8 verse:8 chorus:4").layout(32)
    assert [s.title for s in layout.sections] == ["Intro", "Verse 1", "Chorus 1", "Verse 2", "Chorus 2"]
    assert layout.source_of(20) == 4 and layout.source_of(29) == 13  # the second verse; the shorter chorus
    assert layout.source_of(8) == 4  # a period: the verse's second phrase starts as its first did
    assert layout.source_of(10) is None and layout.source_of(0) is None
    assert [bar for bar in range(32) if layout.before_new_section(bar)] == [3, 11, 19, 27]
    assert layout.rests(0) == {"drums", "melody"} and not layout.rests(4)
    assert [text for _, text in layout.markers(2.0)] == [
        "[Intro]",
        "[Verse 1]",
        "[Chorus 1]",
        "[Verse 2]",
        "[Chorus 2]",
    ]


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(st.sampled_from(["A", "B", "verse", "chorus", "intro", "bridge"]), min_size=1, max_size=8),
    sized=st.lists(st.one_of(st.none(), st.integers(1, 12)), min_size=8, max_size=8),
    total=st.integers(1, 96),
    variation=st.floats(0, 1),
)
def test_every_layout_covers_the_piece_and_copies_only_earlier_bars(names, sized, total, variation):
    form = Form(tuple(Part(name, bars) for name, bars in zip(names, sized, strict=False)))
    plan = FormPlan(form, seed=1, variation=variation)
    layout = plan.layout(total)
    assert layout.sections[0].start == 0 and sum(s.bars for s in layout.sections) == total
    assert all(a.end == b.start for a, b in zip(layout.sections, layout.sections[1:], strict=False))
    for bar, source in plan.copies(total).items():
        assert 0 <= source < bar < total - 1


def test_variation_varies_the_melody_then_whole_bars_smoothly():
    plans = [FormPlan(parse_form("AABA"), seed=0, variation=v) for v in (0, 0.25, 0.5, 0.75, 1)]
    copies = [len(plan.copies(64)) for plan in plans]
    kept = [len(plan.copies(64)) + len(plan.variations(64)) for plan in plans]  # the accompaniment replayed
    assert copies == sorted(copies, reverse=True) and copies[0] > 30 and copies[2] == 0
    assert kept[:3] == [copies[0]] * 3 and kept == sorted(kept, reverse=True) and kept[-1] == 0


# ---------------------------------------------------------------------------- generation


def _bars_of(result) -> list:  # noqa: ANN001
    return bar_fingerprints(pretty_midi.PrettyMIDI(io.BytesIO(midi_bytes(result.midi))))


def test_returning_bars_at_variation_0_repeat_exactly(tiny_generator):
    for seed in range(3):
        result = tiny_generator.generate_many(
            "a jazz tune with piano, bass and drums", bars=16, seed=seed, variation=0, form="A:8 A:8", nudge_after=0
        )[0]  # (with the nudge on, a bar whose source leaves out a long-silent instrument is played afresh)
        plan = FormPlan(parse_form("A:8 A:8"), "jazz", seed, 0.0, same_chords=result.plan.same_chords)
        copies = plan.copies(16)
        assert len(copies) >= 6  # the second A (its cadence may differ) and the first A's second phrase
        bars = _bars_of(result)
        for bar, source in copies.items():
            assert bars[bar] == bars[source], (seed, bar, source)


def test_a_varied_bar_keeps_the_accompaniment_and_plays_a_new_melody(tiny_generator):
    varied_bars = 0
    for seed in range(3):
        result = tiny_generator.generate_many(
            "flute, piano and drums",
            bars=16,
            seed=seed,
            variation=0.5,
            form="A:8 A:8",
            time_signature="4/4",
            nudge_after=0,
        )[0]
        plan = FormPlan(parse_form("A:8 A:8"), None, seed, 0.5, same_chords=result.plan.same_chords)
        assert not plan.copies(16) and plan.variations(16)
        midi = pretty_midi.PrettyMIDI(io.BytesIO(midi_bytes(result.midi)))
        per_bar = midi.resolution * 4
        notes: dict[tuple[int, int], set] = {}
        for instrument in midi.instruments:
            program = -1 if instrument.is_drum else instrument.program
            for note in instrument.notes:
                bar, within = divmod(midi.time_to_tick(note.start), per_bar)
                notes.setdefault((bar, program), set()).add((within, note.pitch))
        for bar, source in plan.variations(16).items():
            if not notes.get((source, 73)) or not (notes.get((source, 0)) or notes.get((source, -1))):
                continue  # no flute, or nothing under it, in the source: played afresh
            varied_bars += 1
            for program in (0, -1):  # piano and drums: as they were
                assert notes.get((bar, program)) == notes.get((source, program)), (seed, bar, program)
    assert varied_bars >= 3


def test_a_replay_never_keeps_out_an_instrument_the_nudge_would_bring_back(tiny_generator):
    for seed in range(3):
        result = tiny_generator.generate_many(
            "flute, piano, bass and drums", bars=32, seed=seed, variation=0, form="A:16 A:16", nudge_after=1
        )[0]
        bars = bar_count(result.midi)
        downbeats = list(result.midi.get_downbeats()) + [result.midi.get_end_time()]
        for instrument in result.midi.instruments:  # silent at most a few bars, replays or not
            starts = sorted(n.start for n in instrument.notes)
            heard = [any(downbeats[b] - 1e-6 <= t < downbeats[b + 1] - 1e-6 for t in starts) for b in range(bars)]
            gaps = "".join("x" if h else "." for h in heard).split("x")
            assert max(len(gap) for gap in gaps[1:-1] or [""]) <= 6, (seed, instrument.name)


def test_sections_are_markers_and_the_ending_is_one_held_chord(tiny_generator):
    result = tiny_generator.generate_many("piano and strings", bars=16, seed=1, form="A B")[0]
    data = midi_bytes(result.midi)
    texts = [text for _, text in markers_of(data)]
    assert "[A]" in texts and "[B]" in texts
    midi = pretty_midi.PrettyMIDI(io.BytesIO(data))
    end = midi.get_end_time()
    last_bar = midi.get_downbeats()[bar_count(midi) - 1]  # (a downbeat exactly at the end opens no bar)
    final = [n for i in midi.instruments for n in i.notes if n.start >= last_bar - 1e-6]
    assert len(final) >= 3 and all(abs(n.start - last_bar) < 1e-6 for n in final)  # one chord, on the downbeat
    assert all(abs(n.end - end) < 1e-3 for i in midi.instruments if not i.is_drum for n in i.notes if n in final)
    before = [n for i in midi.instruments if not i.is_drum for n in i.notes if n.start < last_bar - 1e-6]
    assert all(n.end <= last_bar + 1e-6 for n in before)  # nothing held over blurs the final chord


def test_an_intro_rests_the_drums_and_they_come_back(tiny_generator):
    for seed in range(3):
        result = tiny_generator.generate_many("piano, bass and drums", bars=12, seed=seed, form="intro:4 A:8")[0]
        midi = result.midi
        bar = midi.get_downbeats()[1]
        drums = [n for i in midi.instruments if i.is_drum for n in i.notes]
        assert drums and all(n.start >= 4 * bar - 1e-6 for n in drums)


def test_drums_fill_the_last_beat_before_a_new_section(tiny_generator):
    from musicgen_symbolic.pulls import CRASHES, KICKS, SNARES, TOMS

    allowed = set(TOMS) | set(SNARES) | set(KICKS) | set(CRASHES)
    fills = 0
    for seed in range(4):
        result = tiny_generator.generate_many(
            "drums and piano", bars=16, seed=seed, form="A:4 B:4 A:4 B:4", time_signature="4/4"
        )[0]
        midi = result.midi
        downbeats = midi.get_downbeats()
        beat = (downbeats[1] - downbeats[0]) / 4
        for change in (4, 8, 12):  # the last beat before each new section
            start, stop = downbeats[change] - beat, downbeats[change]
            hits = [
                n.pitch for i in midi.instruments if i.is_drum for n in i.notes if start - 1e-6 <= n.start < stop - 1e-6
            ]
            assert set(hits) <= allowed, (seed, change, hits)  # the groove's hi-hat stops for the fill
            fills += len(hits) > 0
    assert fills >= 6


def test_a_loop_tiles_without_hanging_notes_and_leads_back(tiny_generator):
    result = tiny_generator.generate_many("a lo-fi loop with piano and bass", bars=8, seed=0)[0]
    assert result.attributes.loop
    midi = result.midi
    end = midi.get_end_time()
    notes = [n for i in midi.instruments for n in i.notes]
    assert all(n.end <= end + 1e-6 for n in notes)
    last_bar = midi.get_downbeats()[-1]
    assert any(n.start > last_bar + 1e-3 for n in notes)  # the last bar plays on: no held ending
    plan = result.plan
    assert plan.chord_at(15, 8) == plan.dominant and plan.chord_at(16, 8) == plan.chord_at(0, 8)
    tiled = pretty_midi.PrettyMIDI(io.BytesIO(midi_bytes(midi)))
    for instrument in tiled.instruments:  # played twice over: the second pass starts clean
        instrument.notes += [
            pretty_midi.Note(n.velocity, n.pitch, n.start + end, n.end + end) for n in instrument.notes
        ]
    sounding_at_seam = [n for i in tiled.instruments for n in i.notes if n.start < end - 1e-6 < n.end - 2e-6]
    assert not sounding_at_seam


def test_a_fixed_form_sets_the_length_and_a_different_length_is_an_error(tiny_generator):
    result = tiny_generator.generate_many("piano", seed=0, form="A:4 B:4 A:4")[0]
    assert bar_count(result.midi) == 12
    with pytest.raises(MusicGenError, match="lasts 12 bars but 16 bars were asked for"):
        tiny_generator.generate_many("piano", seed=0, form="A:4 B:4 A:4", bars=16)
    with pytest.raises(MusicGenError, match="--variation must be 0–1"):
        tiny_generator.generate_many("piano", seed=0, variation=1.5)


def test_the_same_seed_gives_the_same_bytes_with_a_form(tiny_generator):
    first = tiny_generator.generate_many("a pop song with drums and bass", bars=16, seed=4)[0]
    again = tiny_generator.generate_many("a pop song with drums and bass", bars=16, seed=4)[0]
    assert midi_bytes(first.midi) == midi_bytes(again.midi)


# ---------------------------------------------------------------------------- metrics and the picture


def _repeating_midi() -> pretty_midi.PrettyMIDI:
    """8 bars of 4/4 at 120 bpm: A A B A', where A' is A a tone higher."""
    midi = pretty_midi.PrettyMIDI(initial_tempo=120)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0))
    piano = pretty_midi.Instrument(0)
    phrase = {"A": [60, 64, 67, 72], "B": [65, 69, 65, 62]}
    for bar, (name, shift) in enumerate([("A", 0), ("A", 0), ("B", 0), ("A", 2)] * 2):
        for beat, pitch in enumerate(phrase[name]):
            start = bar * 2 + beat * 0.5
            piano.notes.append(pretty_midi.Note(80, pitch + shift, start, start + 0.5))
    midi.instruments.append(piano)
    return midi


def test_structure_metrics_see_copies_returns_and_sections():
    midi = _repeating_midi()
    scores = structure_scores(midi, [(0, "a"), (2, "b"), (3, "a"), (4, "a"), (6, "b"), (7, "a")])
    assert scores["copied_bar_share"] == pytest.approx(6 / 7)  # all but the first A and the first B
    assert scores["longest_repeat_bars"] == 4 and scores["returns"] == 1.0
    assert scores["section_match"] == pytest.approx(1.0)
    assert scores["section_contrast"] == pytest.approx(1.0)  # B shares no (onset, interval) with A


def test_instrument_coverage_does_not_count_a_rest_the_form_asks_for():
    from musicgen_symbolic.evaluation import instrument_coverage, resting_bars

    midi = _repeating_midi()  # piano in all 8 bars
    drums = pretty_midi.Instrument(0, is_drum=True)
    drums.notes = [pretty_midi.Note(90, 36, bar * 2.0, bar * 2.0 + 0.1) for bar in range(4, 8)]
    midi.instruments.append(drums)
    wanted = {0, -1}
    assert instrument_coverage(midi, wanted) == pytest.approx(0.75)  # the drums missed the first phrase
    rests = resting_bars([(0, "intro"), (4, "verse")], 8, wanted)
    assert rests == {-1: {0, 1, 2, 3}}  # the intro rests the drums, not the piano (no melody instrument)
    assert instrument_coverage(midi, wanted, resting=rests) == 1.0
    assert resting_bars([(0, "intro"), (4, "verse")], 8, {-1}) == {}  # nothing plays on: no rest


def test_evaluate_reads_sections_from_the_markers(tmp_path, tiny_generator):
    from musicgen_symbolic.evaluation import _midi_with_sections

    result = tiny_generator.generate_many("piano and drums", bars=16, seed=0, form="A:4 B:4 A:4 B:4")[0]
    path = tmp_path / "piece.mid"
    path.write_bytes(midi_bytes(result.midi))
    _, sections = _midi_with_sections(path)
    assert sections == [(0, "a"), (4, "b"), (8, "a"), (12, "b")]


def test_plot_similarity_draws_the_form(tmp_path, tiny_generator):
    result = tiny_generator.generate_many("piano and drums", bars=16, seed=0, form="AABA")[0]
    midi_path, png = tmp_path / "piece.mid", tmp_path / "form.png"
    midi_path.write_bytes(midi_bytes(result.midi))
    run = subprocess.run(
        [sys.executable, "-m", "musicgen_symbolic", "plot", "--similarity", str(midi_path), "-o", str(png)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"RIFF")
    run = subprocess.run(
        [sys.executable, "-m", "musicgen_symbolic", "plot", "--similarity", str(wav), "-o", str(png)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode != 0 and run.stderr.count("\n") == 1 and "for a .mid or .midi input only" in run.stderr


def test_markers_parse_with_mido(tiny_generator):
    result = tiny_generator.generate_many("piano", bars=16, seed=2, form="verse chorus")[0]
    parsed = mido.MidiFile(file=io.BytesIO(midi_bytes(result.midi)))
    markers = [m.text for track in parsed.tracks for m in track if m.type == "marker"]
    assert "[Verse 1]" in markers and "[Chorus 1]" in markers


# ---------------------------------------------------------------------------- the command line


def _cli(capsys, *argv):  # noqa: ANN001, ANN002
    from musicgen_symbolic.cli import main

    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_form_variation_and_loop_flags(capsys, tmp_path, tiny_model_dir):
    out = tmp_path / "song.mid"
    argv = ["generate", "a pop song with piano and drums", "-o", out, "--model", tiny_model_dir, "--seed", 1]
    code, _, err = _cli(capsys, *argv, "--form", "verse:4 chorus:4 verse:4 chorus:4", "--variation", 0)
    assert code == 0, err
    assert "form=verse:4 chorus:4 verse:4 chorus:4" in err  # the understood line
    texts = [text for _, text in markers_of(out.read_bytes())]
    assert ["[Verse 1]", "[Chorus 1]", "[Verse 2]", "[Chorus 2]"] == [t for t in texts if t.startswith("[")]
    code, _, err = _cli(capsys, *argv, "--bars", 32)
    assert code == 0 and "planned:" in err and "form=verse:8 chorus:8 verse:8 chorus:8" in err
    code, _, err = _cli(
        capsys, "generate", "a pop song with an intro", "-o", out, "--model", tiny_model_dir, "--bars", 36
    )
    assert code == 0 and "form=intro …" in err and "form=intro:4 verse:8 chorus:8 verse:8 chorus:8" in err
    code, _, err = _cli(capsys, *argv, "--bars", 8, "--loop")
    assert code == 0 and "loop=True" in err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--form", "verse:8 wibble:4"], "unknown section 'wibble'"),
        (["--form", "A:4 B:4", "--bars", "16"], "lasts 8 bars but 16 bars were asked for"),
        (["--form", "A:4 B:4", "--seconds", "20"], "ask for a length in bars"),
        (["--variation", "2"], "--variation must be 0–1"),
    ],
)
def test_bad_form_flags_are_one_line_errors(capsys, tmp_path, tiny_model_dir, flags, message):
    out = tmp_path / "x.mid"
    code, _, err = _cli(capsys, "generate", "a song", "-o", out, "--model", tiny_model_dir, *flags)
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert code != 0 and len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], err
    assert not out.exists()


def test_a_chorus_lifts_and_an_intro_holds_back(tiny_generator):
    from musicgen_symbolic.form import SECTION_ENERGY

    result = tiny_generator.generate_many("piano and bass", bars=12, seed=0, form="intro:4 chorus:4 chorus:4")[0]
    free = tiny_generator.generate_many("piano and bass", bars=12, seed=0, form="A:4 B:4 B:4")[0]
    assert SECTION_ENERGY["intro"] < 1 < SECTION_ENERGY["chorus"]
    intro, chorus = SECTION_ENERGY["intro"], SECTION_ENERGY["chorus"]
    assert result.form.dynamics() == [(0, 4, intro), (4, 8, chorus), (8, 12, chorus)]
    assert free.form.dynamics() == [(4, 8, SECTION_ENERGY["B"]), (8, 12, SECTION_ENERGY["B"])]
