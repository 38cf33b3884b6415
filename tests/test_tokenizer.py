import pytest
import symusic
from conftest import composed_scores
from hypothesis import given, settings
from hypothesis import strategies as st

from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.prompt import parse_prompt
from musicgen_symbolic.tokenizer import PREFIX_LENGTH, MusicTokenizer, learn_fused_pairs
from musicgen_symbolic.vocabulary import Attributes, Key


def _notes(score):
    return sorted((t.is_drum, t.program, n.time, n.pitch, n.duration) for t in score.tracks for n in t.notes)


def test_round_trip_keeps_every_note(scale_midi):
    tokenizer = MusicTokenizer()
    score = symusic.Score(str(scale_midi))
    ids = tokenizer.encode_score(score)
    decoded = tokenizer.decode(ids)
    original = score.resample(decoded.ticks_per_quarter)
    assert [n[:4] for n in _notes(decoded)] == [n[:4] for n in _notes(original)]
    assert len(_notes(decoded)) == 16


def test_saved_tokenizer_loads_identically(tmp_path, scale_midi):
    tokenizer = MusicTokenizer()
    tokenizer.save(tmp_path / "tokenizer.json")
    loaded = MusicTokenizer.load(tmp_path / "tokenizer.json")
    assert loaded.vocab == tokenizer.vocab
    score = symusic.Score(str(scale_midi))
    assert loaded.encode_score(score) == tokenizer.encode_score(score)


def test_control_prefix_encodes_attributes():
    tokenizer = MusicTokenizer()
    prefix = tokenizer.control_prefix(parse_prompt("lo-fi in D minor at 82 bpm, 3/4, electric piano and drums"))
    tokens = tokenizer.tokens(prefix)
    assert len(prefix) == PREFIX_LENGTH
    assert tokens[:5] == ["KEY_Dm", "BPM_80", "METER_3/4", "GENRE_lo-fi", "MOOD_NONE"]
    assert tokens[5:7] == ["INST_Drums", "INST_4"] and set(tokens[7:]) == {"INST_NONE"}
    assert all(t.endswith("NONE") for t in tokenizer.tokens(tokenizer.null_prefix()))
    assert tokenizer.control_prefix(Attributes(key=Key(0, "major"))) != tokenizer.null_prefix()


def _all_notes(score):
    """Every note; drum hits carry no duration in the compact tokens, so theirs is left out."""
    return sorted(
        (t.is_drum, t.program, n.time, n.pitch, n.velocity, 0 if t.is_drum else n.duration)
        for t in score.tracks
        for n in t.notes
    )


def test_fused_tokens_shorten_pieces_and_keep_every_note():
    scores = composed_scores(range(20, 24))
    base = MusicTokenizer()
    pairs = learn_fused_pairs((base.tokens(base.encode_remi(s)) for s in scores), min_count=1)
    tokenizer = MusicTokenizer(fused_pairs=pairs)
    for score in scores:
        remi_ids = tokenizer.encode_remi(score)
        fused = tokenizer.encode_score(score)
        assert len(fused) < 0.8 * len(remi_ids)
        assert tokenizer.unfuse(fused) == remi_ids
        assert tokenizer.fuse(tokenizer.unfuse(fused)) == fused
        assert _all_notes(tokenizer.decode(fused)) == _all_notes(tokenizer.remi.decode(remi_ids))
        kinds = {t.partition("_")[0] for t in tokenizer.tokens(fused)}
        assert {"VelDur", "DrumVel"} <= kinds


def test_compact_tokens_are_shorter_than_the_old_layout(fused_tokenizer, legacy_tokenizer):
    """Program tokens only at instrument changes, no drum durations, fused pairs: about 40% fewer tokens."""
    legacy = legacy_tokenizer
    scores = composed_scores(range(30, 34))
    old = sum(len(legacy.encode_score(s)) for s in scores)
    new = sum(len(fused_tokenizer.encode_score(s)) for s in scores)
    assert new < 0.7 * old


def _note_token_ids(tokenizer):
    """Token ids that make up notes, fused pairs included, plus a few others (so sequences really fuse)."""
    parts = sorted({i for index in range(len(tokenizer)) for i in tokenizer.fused_parts(index) or ()})
    names = ("Pitch_60", "Pitch_64", "PitchDrum_36", "Position_4", "Program_0", "Bar_None")
    return parts + [tokenizer.vocab[name] for name in names]


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_unfuse_inverts_fuse_for_any_sequence(fused_tokenizer, data):
    ids = data.draw(st.lists(st.sampled_from(_note_token_ids(fused_tokenizer)), max_size=60))
    fused = fused_tokenizer.fuse(ids)
    assert fused_tokenizer.unfuse(fused) == ids
    assert fused_tokenizer.fuse(fused_tokenizer.unfuse(fused)) == fused


def test_fuse_merges_only_within_a_note(fused_tokenizer):
    vocab = fused_tokenizer.vocab
    first, second = next(p for p in fused_tokenizer.fused_pairs if p[0].startswith("Velocity"))
    drum, hit = next(p for p in fused_tokenizer.fused_pairs if p[0].startswith("PitchDrum"))
    ids = [vocab[t] for t in ("Pitch_60", first, second, first, second, drum, hit, "PitchDrum_36", first, second)]
    names = fused_tokenizer.tokens(fused_tokenizer.fuse(ids))
    assert names[0] == "Pitch_60" and names[1].startswith("VelDur") and names[2:4] == [first, second]
    assert names[4].startswith("DrumVel") and names[5:] == ["PitchDrum_36", first, second]


def test_carry_program_names_the_instrument_in_force(fused_tokenizer, legacy_tokenizer):
    vocab = fused_tokenizer.vocab
    ids = lambda *names: [vocab[n] for n in names]  # noqa: E731
    before = ids("Bar_None", "Position_0", "Program_33", "Pitch_40", "Program_0", "Pitch_60")
    window = ids("Bar_None", "TimeSig_4/4", "Position_0", "Pitch_62")
    assert fused_tokenizer.carry_program(before, window) == ids(
        "Bar_None", "TimeSig_4/4", "Position_0", "Program_0", "Pitch_62"
    )
    named = ids("Position_0", "Program_33", "Pitch_41")
    assert fused_tokenizer.carry_program(before, named) == named
    assert fused_tokenizer.carry_program(ids("Bar_None"), window) == window  # nothing to carry
    assert legacy_tokenizer.carry_program(before, window) == window  # every note names its program there


def test_saved_tokenizer_keeps_its_fused_pairs(tmp_path, fused_tokenizer):
    fused_tokenizer.save(tmp_path / "tokenizer.json")
    loaded = MusicTokenizer.load(tmp_path / "tokenizer.json")
    assert loaded.vocab == fused_tokenizer.vocab and loaded.fused_pairs == fused_tokenizer.fused_pairs
    assert loaded.program_changes and not loaded.drum_durations
    (score,) = composed_scores([5])
    assert loaded.encode_score(score) == fused_tokenizer.encode_score(score)


def test_bad_fused_pairs_are_clear_errors(tmp_path):
    with pytest.raises(MusicGenError, match="cannot be fused"):
        MusicTokenizer(fused_pairs=[("Pitch_60", "Duration_1.0.8")])
    with pytest.raises(MusicGenError, match="does not have"):
        MusicTokenizer(fused_pairs=[("Velocity_63", "Duration_99.0.8")])
    with pytest.raises(MusicGenError, match="twice"):
        MusicTokenizer(fused_pairs=[("Velocity_63", "Duration_1.0.8")] * 2)


def test_old_layout_tokenizer_loads_and_its_pieces_satisfy_the_grammar(tmp_path, scale_midi, legacy_tokenizer):
    from musicgen_symbolic.data.build import normalise
    from musicgen_symbolic.grammar import Grammar

    legacy_tokenizer.remi.save(tmp_path / "tokenizer.json")  # as written before fused pairs existed
    legacy = MusicTokenizer.load(tmp_path / "tokenizer.json")
    assert not legacy.program_changes and legacy.drum_durations and not legacy.fused_pairs
    compact = MusicTokenizer(fused_pairs=[("Velocity_63", "Duration_1.0.8")])
    for tokenizer in (legacy, compact):
        grammar = Grammar(tokenizer)
        for score in composed_scores(range(3)):
            ids = tokenizer.encode_score(score)
            assert normalise(ids, tokenizer, grammar, 120.0) is not None
    score = symusic.Score(str(scale_midi))  # piano and kick drum
    old, new = legacy.tokens(legacy.encode_score(score)), compact.tokens(compact.encode_score(score))
    drum_hit = old.index("PitchDrum_36")
    assert old[drum_hit + 2].startswith("Duration") and old.count("Program_-1") == 8
    assert not new[new.index("PitchDrum_36") + 2].startswith("Duration")
    scores = composed_scores(range(3))  # chords: one Program token for several notes
    programs = [
        sum(t.startswith("Program") for s in scores for t in k.tokens(k.encode_score(s))) for k in (legacy, compact)
    ]
    assert programs[1] < 0.8 * programs[0]


@pytest.mark.parametrize(
    "change,fragment",
    [
        ({"num_velocities": 10**9}, "num_velocities must be a whole number 0–128"),
        ({"beat_res": {"0_4": 10**6}}, "beat_res 0_4: at most 64 positions a beat"),
        ({"beat_res": {"0_100000": 8}}, "beat_res 0_100000: spans reach at most 256 beats"),
        ({"num_tempos": -1}, "num_tempos must be a whole number 0–1024"),
    ],
)
def test_a_tokenizer_file_with_absurd_sizes_is_refused_before_building(tmp_path, change, fragment):
    import json

    from musicgen_symbolic.errors import MusicGenError

    MusicTokenizer().save(tmp_path / "tokenizer.json")
    saved = json.loads((tmp_path / "tokenizer.json").read_text())
    saved["config"].update(change)
    (tmp_path / "tokenizer.json").write_text(json.dumps(saved))
    with pytest.raises(MusicGenError, match=f"has sizes out of range: {fragment}"):
        MusicTokenizer.load(tmp_path / "tokenizer.json")
