import symusic

from musicgen_symbolic.attributes import Attributes, Key, parse_prompt
from musicgen_symbolic.tokenizer import PREFIX_LENGTH, MusicTokenizer


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
