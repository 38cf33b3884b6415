"""Chord tokens: two per bar (its halves' chords), labelled in the data, forced by the grammar from a plan."""

from __future__ import annotations

import numpy as np
import pretty_midi
import pytest
import symusic
import torch

from musicgen_symbolic.data.build import BuildPlan, build_dataset
from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.grammar import Constraints, Grammar
from musicgen_symbolic.midi_io import midi_bytes
from musicgen_symbolic.musicality import bar_chords
from musicgen_symbolic.planner import HarmonyPlan
from musicgen_symbolic.theory import CHORD_LABELS, Chord, parse_symbol
from musicgen_symbolic.tokenizer import KIND, MusicTokenizer, chord_tokens
from musicgen_symbolic.training import extend_vocabulary
from musicgen_symbolic.vocabulary import Key


@pytest.fixture(scope="module")
def chordal(fused_tokenizer):
    return MusicTokenizer(fused_tokenizer.remi, fused_tokenizer.fused_pairs, chords=True)


def _chords_of(tokenizer, ids):
    return [tokenizer.chord_of(i) for i in ids if tokenizer.tables.kind[i] == KIND["Chord"]]


def _two_bars(first: str, second: str) -> pretty_midi.PrettyMIDI:
    """Piano block chords, one a bar (4/4, 120 bpm), with the root an octave below."""
    midi = pretty_midi.PrettyMIDI(initial_tempo=120)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0))
    piano = pretty_midi.Instrument(0, name="Piano")
    for bar, symbol in enumerate((first, second)):
        chord = parse_symbol(symbol)
        start = bar * 2.0
        piano.notes.append(pretty_midi.Note(80, 48 + chord.root, start, start + 1.9))
        for tone in chord.tones:
            piano.notes.append(pretty_midi.Note(80, 60 + tone, start, start + 1.9))
    midi.instruments.append(piano)
    return midi


def test_every_chord_token_names_one_chord_and_back():
    names = chord_tokens()
    assert len(names) == 1 + 12 * len(CHORD_LABELS) == len(set(names))
    tokenizer = MusicTokenizer(chords=True)
    for name in names:
        token = tokenizer.vocab[name]
        assert tokenizer.tables.kind[token] == KIND["Chord"]
        assert tokenizer.chord_id(tokenizer.chord_of(token)) == token
    assert tokenizer.chord_of(tokenizer.vocab["Chord_N"]) is None
    assert tokenizer.chord_of(tokenizer.vocab["Chord_F#m7b5"]) == Chord(6, "m7b5")
    assert tokenizer.chord_id(Chord(0, "", bass=4)) == tokenizer.vocab["Chord_C"]  # C/E is a C chord


def test_chord_tokens_extend_the_vocabulary_at_its_end_and_survive_saving(tmp_path, fused_tokenizer, chordal):
    assert all(chordal.vocab[token] == index for token, index in fused_tokenizer.vocab.items())
    assert len(chordal) == len(fused_tokenizer) + len(chord_tokens())
    assert not any(t.startswith("Chord_") for t in fused_tokenizer.vocab)
    chordal.save(tmp_path / "tokenizer.json")
    loaded = MusicTokenizer.load(tmp_path / "tokenizer.json")
    assert loaded.chords and loaded.vocab == chordal.vocab
    fused_tokenizer.save(tmp_path / "plain.json")
    assert not MusicTokenizer.load(tmp_path / "plain.json").chords


def test_each_bar_gets_its_halves_chords_after_its_metre_and_decoding_ignores_them(chordal):
    midi = _two_bars("C", "G7")
    score = symusic.Score.from_midi(midi_bytes(midi))
    plain = chordal.encode_score(score)
    ids = chordal.with_chords(plain, bar_chords(midi, per_half_bar=True))
    tokens = chordal.tokens(ids)
    bars = [n for n, t in enumerate(tokens) if t == "Bar_None"]
    assert len(bars) == 2
    for bar, (first, second) in zip(bars, [("Chord_C", "Chord_C"), ("Chord_G7", "Chord_G7")], strict=True):
        assert tokens[bar + 1].startswith("TimeSig") and tokens[bar + 2 : bar + 4] == [first, second]
    assert [i for i in ids if chordal.tables.kind[i] != KIND["Chord"]] == plain
    decoded, original = chordal.decode(ids), chordal.decode(plain)
    assert [len(t.notes) for t in decoded.tracks] == [len(t.notes) for t in original.tracks]


def test_a_bar_past_the_labels_gets_no_chord(chordal):
    midi = _two_bars("Am", "F")
    ids = chordal.with_chords(chordal.encode_score(symusic.Score.from_midi(midi_bytes(midi))), [Chord(9, "m")] * 2)
    assert _chords_of(chordal, ids) == [Chord(9, "m"), Chord(9, "m"), None, None]


def _walk(state, tokenizer, names):
    for name in names:
        assert state.allowed(1000)[tokenizer.vocab[name]], f"{name} refused"
        state.advance(tokenizer.vocab[name])


def _allowed(state, tokenizer):
    return {tokenizer.id_to_token[i] for i in np.flatnonzero(state.allowed(1000))}


def test_without_a_plan_the_model_chooses_two_chords_a_bar(chordal):
    state = Grammar(chordal).start(Constraints(bars=2, programs=(0,)))
    _walk(state, chordal, ["Bar_None", "TimeSig_4/4"])
    assert _allowed(state, chordal) == set(chord_tokens())
    _walk(state, chordal, ["Chord_Am"])
    assert _allowed(state, chordal) == set(chord_tokens())
    _walk(state, chordal, ["Chord_E7"])
    allowed = _allowed(state, chordal)
    assert "Position_0" in allowed and not any(t.startswith("Chord_") for t in allowed)


def test_a_plan_forces_every_half_bars_chord_and_its_cadence(chordal):
    plan = HarmonyPlan(Key(9, "minor"), tuple(parse_symbol(s) for s in ("Am", "Am", "F", "G")))
    # a flute: no part that owes notes where chords change (tests/test_chord_parts.py), one note a bar is enough
    state = Grammar(chordal).start(Constraints(bars=8, programs=(73,), chords=plan))
    heard = []
    for bar in range(8):
        _walk(state, chordal, ["Bar_None", "TimeSig_4/4"])
        for _ in range(2):
            (only,) = _allowed(state, chordal)
            heard.append(only)
            _walk(state, chordal, [only])
        opening = ["Tempo_120.0", "Program_73"] if bar == 0 else []  # the flute plays on in later bars
        _walk(state, chordal, ["Position_0", *opening, "Pitch_57", "Velocity_63"])
        _walk(state, chordal, [min(_allowed(state, chordal))])  # a Duration (the pair is written unfused)
    assert heard == [f"Chord_{c.symbol}" for c in plan.chords(8)]
    assert heard[-3:] == ["Chord_E", "Chord_Am", "Chord_Am"]  # the planned cadence: V then i
    assert "EOS_None" in _allowed(state, chordal)


def test_a_tokenizer_without_chords_keeps_the_old_grammar(fused_tokenizer):
    plan = HarmonyPlan(Key(0, "major"), (parse_symbol("C"), parse_symbol("G")))
    state = Grammar(fused_tokenizer).start(Constraints(bars=2, programs=(0,), chords=plan))
    _walk(state, fused_tokenizer, ["Bar_None", "TimeSig_4/4", "Position_0"])


def test_the_data_build_labels_every_bar_and_keeps_a_given_tokenizer(tmp_path, fused_tokenizer):
    source = tmp_path / "model"
    source.mkdir()
    fused_tokenizer.save(source / "tokenizer.json")
    build_dataset(tmp_path / "data", BuildPlan(composer=6, music21=0), workers=1, progress=False, tokenizer=source)
    tokenizer = MusicTokenizer.load(tmp_path / "data" / "tokenizer.json")
    assert tokenizer.chords
    assert all(tokenizer.vocab[t] == i for t, i in fused_tokenizer.vocab.items())
    shard = np.load(tmp_path / "data" / "shards" / "00000.npz")
    ids = shard["tokens"][: shard["lengths"][0]].tolist()
    kinds = tokenizer.tables.kind[ids]
    bars = np.flatnonzero(kinds == KIND["Bar"])
    assert len(bars) > 1 and all((kinds[bars + 2] == KIND["Chord"]) & (kinds[bars + 3] == KIND["Chord"]))
    labelled = _chords_of(tokenizer, ids)
    assert sum(c is not None for c in labelled) > 0.8 * len(labelled)
    MusicTokenizer().save(tmp_path / "other.json")  # no fused pairs: another vocabulary
    with pytest.raises(MusicGenError, match="another tokenizer"):
        build_dataset(
            tmp_path / "data", BuildPlan(composer=6, music21=0), progress=False, tokenizer=tmp_path / "other.json"
        )


def test_fine_tuning_bridges_chord_tokens_from_their_tones(fused_tokenizer, chordal):
    rows = torch.randn(len(fused_tokenizer), 8)
    weights = extend_vocabulary({"token_embedding.weight": rows}, fused_tokenizer, chordal, "old and new")
    extended = weights["token_embedding.weight"]
    assert extended.shape == (len(chordal), 8) and torch.equal(extended[: len(rows)], rows)
    g7 = extended[chordal.vocab["Chord_G7"]]
    parts = [fused_tokenizer.vocab[f"Pitch_{60 + pc}"] for pc in (7, 11, 2, 5)]
    assert torch.allclose(g7, rows[parts].mean(0))
    assert torch.allclose(extended[chordal.vocab["Chord_N"]], rows.mean(0))


@pytest.fixture(scope="module")
def chord_model_dir(tmp_path_factory, tiny_t5_dir, chordal):
    from musicgen_symbolic.pipeline import MusicGenSymbolic

    generator = MusicGenSymbolic.init_random("tiny", text_encoder=f"t5:{tiny_t5_dir}", seed=0, tokenizer=chordal)
    return generator.save_pretrained(tmp_path_factory.mktemp("chord-model"))


def test_generation_follows_the_given_progression_bar_by_bar(chord_model_dir):
    from musicgen_symbolic.pipeline import MusicGenSymbolic

    generator = MusicGenSymbolic.from_pretrained(chord_model_dir)
    (result,) = generator.generate_many("piano and bass", chords="Am:2 F | C G", bars=6, seed=3)
    tokenizer = generator.tokenizer
    planned = [c.symbol for c in result.plan.chords(6)]
    assert planned[:8] == ["Am"] * 4 + ["F", "F", "C", "G"]
    assert [c.symbol for c in _chords_of(tokenizer, result.tokens)] == planned
    assert [text for _, text in _markers(result.midi)] == ["Am", "F", "C", "G", "Am"]


def test_without_pulls_the_model_writes_its_own_chords(chord_model_dir):
    from musicgen_symbolic.pipeline import MusicGenSymbolic

    generator = MusicGenSymbolic.from_pretrained(chord_model_dir)
    (result,) = generator.generate_many("piano", bars=3, seed=1, key_strength=0)
    assert result.plan is None
    chosen = _chords_of(generator.tokenizer, result.tokens)
    assert len(chosen) == 6
    changes = [c.symbol for n, c in enumerate(chosen) if c is not None and (n == 0 or c != chosen[n - 1])]
    assert [text for _, text in _markers(result.midi)] == changes  # the model's own chords are the markers


def _markers(midi):
    from musicgen_symbolic.midi_io import markers_of

    return markers_of(midi_bytes(midi))


def test_every_quality_a_progression_can_name_has_a_chord_token():
    """A plan may hold a ninth ("D9" in a jazz prompt): it is forced as the chord the labeller hears it as."""
    from musicgen_symbolic.theory import HEARD_AS, QUALITIES

    tokenizer = MusicTokenizer(chords=True)
    assert set(QUALITIES) == set(CHORD_LABELS) | set(HEARD_AS) and set(HEARD_AS.values()) <= set(CHORD_LABELS)
    for quality in QUALITIES:
        for root in range(12):
            token = tokenizer.id_to_token[tokenizer.chord_id(Chord(root, quality, bass=(root + 4) % 12))]
            assert token == f"Chord_{Chord(root, HEARD_AS.get(quality, quality)).symbol}"
