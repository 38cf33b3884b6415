"""Continuing a user's MIDI file: the original notes stay exactly, the new bars start at the next bar line."""

from __future__ import annotations

import io

import mido
import pretty_midi
import pytest

from musicgen_symbolic.cli import main
from musicgen_symbolic.continuation import bar_lines
from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.midi_io import markers_of, midi_bytes, set_markers

METRES = [(4, 4), (3, 4), (6, 8)]


def song(metre=(4, 4), bars=4, tempo=100.0, off_grid=False, bass_pitch=36) -> pretty_midi.PrettyMIDI:
    """Piano chords, a bass line and a kick and snare: ``bars`` bars of ``metre``."""
    midi = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(*metre, 0))
    beat = 60 / tempo * 4 / metre[1]
    bar = beat * metre[0]
    piano = pretty_midi.Instrument(0, name="My Piano")
    bass = pretty_midi.Instrument(33, name="Bass")
    drums = pretty_midi.Instrument(0, is_drum=True, name="Kit")
    for b in range(bars):
        start = b * bar
        for pitch in (60, 64, 67):
            piano.notes.append(pretty_midi.Note(70 + b, pitch + b % 2, start, start + bar * 0.9))
        for n in range(metre[0]):
            shift = 0.013 if off_grid and n == 1 else 0.0
            bass.notes.append(
                pretty_midi.Note(90, bass_pitch + 2 * n, start + n * beat + shift, start + (n + 0.5) * beat)
            )
            drums.notes.append(
                pretty_midi.Note(100, 36 if n % 2 == 0 else 38, start + n * beat, start + n * beat + 0.1)
            )
    midi.instruments += [piano, bass, drums]
    return midi


def written(midi: pretty_midi.PrettyMIDI, tmp_path, name="in.mid", type0=False):
    """``midi`` as a file, read back as pretty_midi reads it (what a user's file is)."""
    path = tmp_path / name
    data = midi_bytes(midi)
    if type0:
        file = mido.MidiFile(file=io.BytesIO(data))
        merged = mido.merge_tracks(file.tracks)
        single = mido.MidiFile(type=0, ticks_per_beat=file.ticks_per_beat)
        single.tracks.append(merged)
        single.save(str(path))
    else:
        path.write_bytes(data)
    return path


def notes_of(midi: pretty_midi.PrettyMIDI, before: float = float("inf")) -> list[tuple]:
    return sorted(
        (i.program, i.is_drum, n.pitch, n.start, n.end, n.velocity)
        for i in midi.instruments
        for n in i.notes
        if n.start < before - 1e-9
    )


def same_notes(a: list[tuple], b: list[tuple]) -> bool:
    return len(a) == len(b) and all(
        x[:3] == y[:3] and x[5] == y[5] and abs(x[3] - y[3]) < 1e-6 and abs(x[4] - y[4]) < 1e-6
        for x, y in zip(a, b, strict=True)
    )


def bar_seconds(metre, tempo):
    return metre[0] * 4 / metre[1] * 60 / tempo


@pytest.mark.parametrize("metre", METRES)
@pytest.mark.parametrize("type0", [False, True])
def test_a_continuation_keeps_every_original_note_and_starts_at_the_next_bar_line(
    tiny_generator, tmp_path, metre, type0
):
    path = written(song(metre), tmp_path, type0=type0)
    original = pretty_midi.PrettyMIDI(str(path))
    result = tiny_generator.continue_midi(path, "", bars=2, seed=1)[0]
    out = pretty_midi.PrettyMIDI(io.BytesIO(midi_bytes(result.midi)))
    join = 4 * bar_seconds(metre, 100.0)
    assert result.primer.bars == 4 and abs(result.primer.join_time - join) < 1e-6
    assert same_notes(notes_of(out, join), notes_of(original))
    new = [n for n in notes_of(out) if n[3] >= join - 1e-9]
    assert new, "the continuation played nothing"
    assert len(notes_of(out)) == len(notes_of(original)) + len(new)  # every original note starts before the join
    assert out.time_signature_changes[0].numerator == metre[0]
    assert abs(out.get_end_time() - (join + 2 * bar_seconds(metre, 100.0))) < 2e-3
    names = {i.name for i in out.instruments}
    expected = {"Acoustic Grand Piano", "Electric Bass (finger)", "Drums"} if type0 else {"My Piano", "Bass", "Kit"}
    assert expected <= names  # the file's tracks go on (a type 0 file's channels named after their instruments)
    assert len(out.instruments) == len({(i.program, i.is_drum) for i in out.instruments})


def test_only_new_bars_start_at_bar_one(tiny_generator, tmp_path):
    path = written(song((3, 4)), tmp_path)
    result = tiny_generator.continue_midi(path, "", bars=3, seed=2)[0]
    new = pretty_midi.PrettyMIDI(io.BytesIO(midi_bytes(result.new_part)))
    assert abs(new.get_end_time() - 3 * bar_seconds((3, 4), 100.0)) < 2e-3
    shifted = [(n[0], n[1], n[2], n[3] + result.primer.join_time) for n in notes_of(new)]
    whole = pretty_midi.PrettyMIDI(io.BytesIO(midi_bytes(result.midi)))
    after = [n[:4] for n in notes_of(whole) if n[3] >= result.primer.join_time - 1e-9]
    assert [s[:3] for s in shifted] == [a[:3] for a in after]
    assert all(abs(s[3] - a[3]) < 1e-3 for s, a in zip(shifted, after, strict=True))


def test_from_bar_keeps_the_bars_before_it_exactly_and_replays_the_rest(tiny_generator, tmp_path):
    path = written(song(bars=6), tmp_path)
    original = pretty_midi.PrettyMIDI(str(path))
    result = tiny_generator.continue_midi(path, "", from_bar=4, seed=3)[0]
    join = 3 * bar_seconds((4, 4), 100.0)
    assert result.primer.bars == 3 and result.attributes.bars == 3  # as long as the file was from bar 4
    out = pretty_midi.PrettyMIDI(io.BytesIO(midi_bytes(result.midi)))
    assert same_notes(notes_of(out, join), notes_of(original, join))
    assert abs(out.get_end_time() - 6 * bar_seconds((4, 4), 100.0)) < 2e-3


def test_notes_off_the_grid_are_counted_and_kept_as_they_were(tiny_generator, tmp_path):
    path = written(song(off_grid=True), tmp_path)
    original = pretty_midi.PrettyMIDI(str(path))
    result = tiny_generator.continue_midi(path, "", bars=1, seed=0)[0]
    assert result.primer.quantised == 4  # one bass note a bar
    out = pretty_midi.PrettyMIDI(io.BytesIO(midi_bytes(result.midi)))
    assert same_notes(notes_of(out, result.primer.join_time), notes_of(original))


def test_tempo_metre_key_and_instruments_come_from_the_file_unless_changed(tiny_generator, tmp_path):
    midi = song(tempo=87.0)
    midi.key_signature_changes.append(pretty_midi.KeySignature(5 + 12, 0.0))  # F minor, as its notes are heard
    path = written(midi, tmp_path)
    kept = tiny_generator.continue_midi(path, "", bars=1, seed=0)[0]
    assert kept.attributes.tempo == pytest.approx(87.0)
    assert kept.attributes.key.name == "F minor" and kept.attributes.time_signature == (4, 4)
    assert set(kept.attributes.instruments) == {0, 33, -1}
    changed = tiny_generator.continue_midi(path, "with a flute at 120 bpm in 3/4", bars=2, seed=0)[0]
    assert 73 in changed.attributes.instruments and {0, 33, -1} <= set(changed.attributes.instruments)
    out = pretty_midi.PrettyMIDI(io.BytesIO(midi_bytes(changed.midi)))
    join = changed.primer.join_time
    times, tempi = out.get_tempo_changes()
    assert tempi[0] == pytest.approx(87.0) and tempi[-1] == pytest.approx(120.0) and times[-1] == pytest.approx(join)
    assert [(t.numerator, t.denominator) for t in out.time_signature_changes] == [(4, 4), (3, 4)]
    assert abs(out.get_end_time() - (join + 2 * bar_seconds((3, 4), 120.0))) < 2e-3
    replaced = tiny_generator.continue_midi(path, "", bars=1, seed=0, instruments="piano")[0]
    assert replaced.attributes.instruments == (0,)
    without = tiny_generator.continue_midi(path, "", bars=1, seed=0, without="drums")[0]
    assert -1 not in without.attributes.instruments


def test_a_long_file_is_read_from_its_latest_bars(tiny_generator, tmp_path):
    path = written(song(bars=24), tmp_path)
    result = tiny_generator.continue_midi(path, "", bars=1, seed=0)[0]
    assert result.primer.bars == 24 and 0 < result.heard_bars < 24
    out = pretty_midi.PrettyMIDI(io.BytesIO(midi_bytes(result.midi)))
    assert same_notes(notes_of(out, result.primer.join_time), notes_of(pretty_midi.PrettyMIDI(str(path))))


def test_same_seed_same_bytes(tiny_generator, tmp_path):
    path = written(song(), tmp_path)
    runs = [midi_bytes(tiny_generator.continue_midi(path, "", bars=2, seed=5)[0].midi) for _ in range(2)]
    assert runs[0] == runs[1]


def test_markers_of_the_file_are_kept(tiny_generator, tmp_path):
    midi = song()
    set_markers(midi, [(0.0, "Verse"), (4.8, "Chorus")])
    path = written(midi, tmp_path)
    out = midi_bytes(tiny_generator.continue_midi(path, "", bars=1, seed=0)[0].midi)
    texts = [text for _, text in markers_of(out)]
    assert texts[:2] == ["Verse", "Chorus"]


def test_a_note_ringing_just_past_the_last_bar_line_adds_no_bar():
    midi = song(bars=2)
    midi.instruments[0].notes.append(pretty_midi.Note(80, 72, 4.0, 4.8 + 0.1))  # 0.1 s past bar 2's end at 100 bpm
    assert len(bar_lines(midi)) >= 3
    from musicgen_symbolic.continuation import _bars_sounding

    assert _bars_sounding(midi, bar_lines(midi)) == 2


def test_a_chord_token_model_reads_the_files_chords(tmp_path, tiny_t5_dir, fused_tokenizer):
    from musicgen_symbolic.pipeline import MusicGenSymbolic
    from musicgen_symbolic.tokenizer import KIND, MusicTokenizer

    chordal = MusicTokenizer(fused_tokenizer.remi, fused_tokenizer.fused_pairs, chords=True)
    generator = MusicGenSymbolic.init_random("tiny", text_encoder=f"t5:{tiny_t5_dir}", seed=0, tokenizer=chordal)
    result = generator.continue_midi(written(song(), tmp_path), "", bars=1, seed=0)[0]
    heard = [chordal.chord_of(t) for t in result.primer.tokens if chordal.tables.kind[t] == KIND["Chord"]]
    assert len(heard) == 8 and heard[0] is not None and heard[0].root == 0


@pytest.mark.parametrize(
    "midi, options, fragment",
    [
        (pretty_midi.PrettyMIDI(), {}, "no notes to continue"),
        (song(), {"from_bar": 1}, "keep at least bar 1"),
        (song(), {"from_bar": 9}, "the file has 4 bars"),
    ],
)
def test_what_cannot_be_continued_is_one_clear_error(tiny_generator, tmp_path, midi, options, fragment):
    with pytest.raises(MusicGenError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        tiny_generator.continue_midi(written(midi, tmp_path), "", bars=1, seed=0, **options)


def test_notes_out_of_the_models_range_are_left_out_of_what_it_reads_and_kept(tiny_generator, tmp_path):
    path = written(song(bass_pitch=12), tmp_path)  # C0 … G0 on the bass: below the piano's A0
    result = tiny_generator.continue_midi(path, "", bars=1, seed=0)[0]
    assert len(result.primer.out_of_range) == 16
    assert result.primer.out_of_range[0] == "C0 (MIDI 12) in 'Bass', bar 1"
    out = pretty_midi.PrettyMIDI(io.BytesIO(midi_bytes(result.midi)))
    assert same_notes(notes_of(out, result.primer.join_time), notes_of(pretty_midi.PrettyMIDI(str(path))))


def test_a_metre_the_model_lacks_names_its_bar(tiny_generator, tmp_path):
    midi = song(bars=2)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(13, 16, 4 * 60 / 100 * 1))
    with pytest.raises(MusicGenError, match="bar 2 is in 13/16: the model knows"):
        tiny_generator.continue_midi(written(midi, tmp_path), "", bars=1, seed=0)


def test_continue_from_the_command_line(capsys, tmp_path, tiny_model_dir):
    path = written(song(), tmp_path)
    out, only, wav = tmp_path / "out.mid", tmp_path / "new.mid", tmp_path / "out.wav"
    code = main(["continue", str(path), "-o", str(out), "--bars", "2", "--seed", "1", "--model", str(tiny_model_dir)])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert "read: 4 bars of in.mid" in err and "continued: bars 5–6 (2 new)" in err
    mido.MidiFile(str(out))
    code = main(
        ["continue", str(path), "a calm flute", "-o", str(only), "--only-new", "--from-bar", "3", "--seed", "1",
         "--model", str(tiny_model_dir), "--wav", str(wav), "-q"]
    )  # fmt: skip
    printed, err = capsys.readouterr()
    assert code == 0, err
    assert printed.split() == [str(only), str(wav)]
    new = pretty_midi.PrettyMIDI(str(only))
    assert abs(new.get_end_time() - 2 * bar_seconds((4, 4), 100.0)) < 2e-3


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["continue", "missing.mid", "-o", "out.mid"], "no such MIDI file"),
        (["continue", "{in}", "-o", "out.txt"], "should end in .mid"),
        (["continue", "{in}", "-o", "out.mid", "--tempo", "9999"], "tempo"),
        (["continue", "{in}", "-o", "out.mid", "--from-bar", "7"], "the file has 4 bars"),
    ],
)
def test_continue_errors_are_one_line_and_write_nothing(capsys, tmp_path, tiny_model_dir, argv, fragment, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = written(song(), tmp_path)
    code = main([a.replace("{in}", str(path)) for a in argv] + ["--model", str(tiny_model_dir)])
    _, err = capsys.readouterr()
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], err
    assert not (tmp_path / "out.mid").exists()


def progression_song(symbols: list[str], key: int = 0, repeats: int = 2) -> pretty_midi.PrettyMIDI:
    """Block chords, a bar each, played ``repeats`` times: root position, with the root in the bass."""
    from musicgen_symbolic.theory import parse_symbol

    midi = pretty_midi.PrettyMIDI(initial_tempo=120)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0))
    midi.key_signature_changes.append(pretty_midi.KeySignature(key, 0))
    piano, bass = pretty_midi.Instrument(0), pretty_midi.Instrument(33)
    for bar, symbol in enumerate(symbols * repeats):
        chord = parse_symbol(symbol)
        for pc in chord.tones:
            piano.notes.append(
                pretty_midi.Note(80, 60 + (pc - chord.root) % 12 + chord.root % 12, bar * 2.0, bar * 2.0 + 1.9)
            )
        bass.notes.append(pretty_midi.Note(90, 36 + chord.root, bar * 2.0, bar * 2.0 + 1.9))
    midi.instruments += [piano, bass]
    return midi


def test_the_continuation_goes_on_with_the_files_chord_loop(tiny_generator, tmp_path):
    path = written(progression_song(["C", "G", "Am", "F"]), tmp_path)
    result = tiny_generator.continue_midi(path, "", bars=8, seed=0)[0]
    heard = [chord.symbol for chord in result.primer.loop[::2]]
    assert heard == ["C", "G", "Am", "F"]  # a 4-bar loop, heard twice: the new bars start it again
    assert result.plan.loop == result.primer.loop
    assert [c.symbol for c in result.plan.chords(8)[:8:2]] == ["C", "G", "Am", "F"]
    assert result.plan.chords(8)[-1].symbol == "C"  # and the new part still ends on the tonic
    other_key = tiny_generator.continue_midi(path, "in E minor", bars=4, seed=0)[0]
    assert other_key.plan.loop != result.primer.loop  # a key change plays the genre's chords in the new key


def test_the_key_is_the_signature_where_the_notes_agree_else_the_notes(tiny_generator, tmp_path):
    def key_of(symbols, signature):
        path = written(progression_song(symbols, key=signature), tmp_path, f"k{signature}.mid")
        return tiny_generator.continue_midi(path, "", bars=1, seed=0)[0].primer.key.name

    assert key_of(["Am", "Dm", "E", "Am"], 9 + 12) == "A minor"  # the signature, as the notes agree
    assert key_of(["Am", "Dm", "E", "Am"], 0) == "A minor"  # a C major nobody set: the notes say A minor
    assert key_of(["D", "G", "A", "D"], 5) == "D major"  # an F major the notes deny


def test_chords_heard_outside_the_key_are_no_loop_to_keep(tiny_generator, tmp_path):
    from dataclasses import replace

    from musicgen_symbolic.continuation import heard_loop
    from musicgen_symbolic.vocabulary import Key

    midi = progression_song(["G", "C"])  # G major and C major triads ...
    primer = tiny_generator.continue_midi(written(midi, tmp_path), "", bars=1, seed=0)[0].primer
    assert primer.loop is not None
    assert heard_loop(replace(primer, key=Key(7, "minor"))) is None  # ... are no loop to keep in G minor
    drums = song()
    drums.instruments = [i for i in drums.instruments if i.is_drum]
    assert (
        tiny_generator.continue_midi(written(drums, tmp_path, "drums.mid"), "", bars=1, seed=0)[0].primer.loop is None
    )
