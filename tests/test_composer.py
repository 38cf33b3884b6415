"""The procedural composer: deterministic, every style playable, attributes true to the MIDI."""

from __future__ import annotations

import io

import pretty_midi
import pytest

from musicgen_symbolic.constants import TIME_SIGNATURES
from musicgen_symbolic.data.composer import STYLES, STYLES_TABLE, ComposedPiece, Note, compose_piece, plan_piece
from musicgen_symbolic.vocabulary import DRUMS, GENRE_LABELS, MOOD_LABELS, Attributes, Key


def _fingerprint(midi: pretty_midi.PrettyMIDI) -> tuple:
    return tuple(
        (i.program, i.is_drum, tuple((n.pitch, round(n.start, 6), round(n.end, 6), n.velocity) for n in i.notes))
        for i in midi.instruments
    )


def _check(piece: ComposedPiece) -> None:
    midi, a = piece.midi, piece.attributes
    assert isinstance(a, Attributes) and isinstance(a.key, Key)
    assert (
        a.genre in GENRE_LABELS
        and a.mood in MOOD_LABELS
        and a.key.mode in ("major", "minor")
        and 0 <= a.key.tonic <= 11
    )
    assert a.time_signature in TIME_SIGNATURES and 4 <= a.bars <= 24 and a.seconds is None
    assert midi.instruments and all(i.notes for i in midi.instruments)
    # Tempo, metre, key and instruments as written in the MIDI.
    _, tempi = midi.get_tempo_changes()
    assert len(tempi) == 1 and tempi[0] == pytest.approx(a.tempo, abs=1e-6)
    signatures = [(s.numerator, s.denominator, s.time) for s in midi.time_signature_changes]
    assert signatures == [(*a.time_signature, 0.0)]
    assert [k.key_number for k in midi.key_signature_changes] == [a.key.tonic + (12 if a.key.mode == "minor" else 0)]
    programs = [DRUMS if i.is_drum else i.program for i in midi.instruments]
    assert len(programs) == len(set(programs)), "one instrument per program"
    assert a.instruments == tuple(sorted(programs)) and 2 <= len(programs) <= 6
    # Length: exactly the bars asked for.
    numerator, denominator = a.time_signature
    seconds_per_bar = numerator * 4 / denominator * 60 / a.tempo
    assert midi.get_end_time() == pytest.approx(a.bars * seconds_per_bar, abs=seconds_per_bar)
    assert min(n.start for i in midi.instruments for n in i.notes) == 0.0, "the piece starts on its downbeat"
    # Ranges and velocities.
    for instrument in midi.instruments:
        low, high = (27, 87) if instrument.is_drum else (21, 108)
        assert all(low <= n.pitch <= high for n in instrument.notes), instrument.name
        assert all(1 <= n.velocity <= 127 and n.end > n.start >= 0 for n in instrument.notes)
        assert instrument.is_drum or instrument.name, "instruments are named"
    velocities = {n.velocity for i in midi.instruments for n in i.notes}
    assert len(velocities) > 3


def test_styles_are_genres() -> None:
    assert len(STYLES) >= 20 and len(set(STYLES)) == len(STYLES)
    assert all(style in GENRE_LABELS for style in STYLES)


def test_same_seed_same_piece() -> None:
    for seed in (0, 7, 12345):
        first, second = compose_piece(seed), compose_piece(seed)
        assert first.attributes == second.attributes
        assert _fingerprint(first.midi) == _fingerprint(second.midi)
    assert _fingerprint(compose_piece(3, "jazz").midi) == _fingerprint(compose_piece(3, "jazz").midi)


@pytest.mark.parametrize("style", STYLES)
def test_every_style(style: str) -> None:
    for seed in range(6):
        piece = compose_piece(seed, style)
        assert piece.attributes.genre == style
        _check(piece)


def test_style_traits() -> None:
    waltzes = [compose_piece(seed, "waltz").attributes for seed in range(10)]
    assert all(a.time_signature == (3, 4) for a in waltzes)
    ambient = [compose_piece(seed, "ambient").attributes for seed in range(10)]
    assert all(DRUMS not in a.instruments for a in ambient)
    edm = [compose_piece(seed, "edm").attributes for seed in range(10)]
    assert all(DRUMS in a.instruments for a in edm)


def test_random_seeds_are_valid_and_distinct() -> None:
    pieces = [compose_piece(seed) for seed in range(200)]
    for piece in pieces[:60]:
        _check(piece)
    assert len({_fingerprint(p.midi) for p in pieces}) >= 190
    assert len({p.attributes.genre for p in pieces}) >= len(STYLES) - 2
    assert len({p.attributes.time_signature for p in pieces}) >= 3


def test_unknown_style() -> None:
    from musicgen_symbolic.errors import MusicGenError

    with pytest.raises(MusicGenError):
        compose_piece(0, "polka")


def test_tokenizer_round_trip(tmp_path) -> None:
    symusic = pytest.importorskip("symusic")
    from musicgen_symbolic.tokenizer import MusicTokenizer

    tokenizer = MusicTokenizer()
    for seed, style in ((1, "jazz"), (2, "waltz"), (3, "folk"), (4, None)):
        path = tmp_path / f"{seed}.mid"
        compose_piece(seed, style).midi.write(str(path))
        ids = tokenizer.encode_score(symusic.Score(str(path)))
        assert len(ids) > 0


def test_every_style_writes_midi_that_reads_back() -> None:
    """Every style of the table, written to MIDI bytes and parsed again by pretty_midi, keeps its notes."""
    assert tuple(STYLES_TABLE) == STYLES
    for style in STYLES:
        midi = compose_piece(0, style).midi
        buffer = io.BytesIO()
        midi.write(buffer)
        buffer.seek(0)
        parsed = pretty_midi.PrettyMIDI(buffer)
        assert [(i.program, i.is_drum) for i in parsed.instruments] == [
            (i.program, i.is_drum) for i in midi.instruments
        ]
        # Notes that start together may come back in another order; compare each instrument's notes as a multiset.
        assert [sorted((n.pitch, n.velocity) for n in i.notes) for i in parsed.instruments] == [
            sorted((n.pitch, n.velocity) for n in i.notes) for i in midi.instruments
        ], style


def test_notes_behave_as_tuples() -> None:
    """The plan's notes are named, but sort, compare and unpack exactly as the (pitch, start, end, velocity)
    tuples they replace: the composer's choices (thinning, the downbeat note) depend on that order."""
    note = Note(pitch=60, start=0.5, end=1.0, velocity=90)
    assert note == (60, 0.5, 1.0, 90) and tuple(note) == (60, 0.5, 1.0, 90)
    pitch, start, end, velocity = note
    assert (pitch, start, end, velocity) == (note.pitch, note.start, note.end, note.velocity)
    notes = [Note(62, 0.0, 1.0, 80), Note(60, 1.0, 2.0, 70), Note(60, 0.0, 1.0, 90)]
    assert sorted(notes) == sorted(tuple(n) for n in notes)
    plan, parts = plan_piece(5, "jazz")
    assert plan.genre == "jazz" and parts and not plan.notes
    plan.add(0, 60, 0, 0.0, 1.0, 90)
    assert plan.notes == {0: [Note(60, 0.0, 1.0, 90)]} and isinstance(plan.notes[0][0], Note)
