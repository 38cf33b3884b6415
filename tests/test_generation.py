import io
import math
import re

import mido
import numpy as np
import pretty_midi
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.evaluation import bar_count
from musicgen_symbolic.grammar import Constraints
from musicgen_symbolic.midi_io import midi_bytes
from musicgen_symbolic.vocabulary import DRUMS

PROMPTS = ["calm piano", "fast rock with guitar and drums", "waltz for strings in G", "ambient pads", "x"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**31 - 1),
    temperature=st.floats(0.0, 2.0),
    top_k=st.integers(0, 60),
    top_p=st.floats(0.05, 1.0),
    cfg=st.floats(0.0, 4.0),
    prompt=st.sampled_from(PROMPTS),
    bars=st.integers(1, 6),
)
def test_any_setting_decodes_to_valid_midi(tiny_generator, seed, temperature, top_k, top_p, cfg, prompt, bars):
    result = tiny_generator.generate_many(
        prompt, seed=seed, temperature=temperature, top_k=top_k, top_p=top_p, cfg=cfg, bars=bars
    )[0]
    data = midi_bytes(result.midi)
    reopened = pretty_midi.PrettyMIDI(io.BytesIO(data))
    assert mido.MidiFile(file=io.BytesIO(data)).type == 1
    bar_id = tiny_generator.tokenizer.vocab["Bar_None"]
    assert result.tokens.count(bar_id) == bars
    assert bar_count(reopened) == bars  # trailing silent bars are kept
    assert result.tokens[-1] == tiny_generator.tokenizer.eos_id
    assert reopened.get_end_time() <= bars * 12 * 60 / 40 + 1e-6


def test_requested_attributes_are_obeyed_exactly(tiny_generator):
    for seed in range(4):
        result = tiny_generator.generate_many(
            "a piece at 126 bpm in 6/8 in E minor with flute, cello and drums", seed=seed, bars=5
        )[0]
        midi = result.midi
        assert midi.get_tempo_changes()[1].tolist() == [126.0]
        ts = midi.time_signature_changes[0]
        assert (ts.numerator, ts.denominator) == (6, 8)
        assert midi.key_signature_changes[0].key_number == 4 + 12
        programs = {DRUMS if i.is_drum else i.program for i in midi.instruments}
        assert programs == {73, 42, DRUMS}  # every requested instrument plays, and nothing else
        seconds_per_bar = 6 * (4 / 8) * 60 / 126
        assert midi.get_end_time() <= 5 * seconds_per_bar + 1e-6


def test_instruments_left_out_never_play(tiny_generator, monkeypatch):
    """ "without drums" with no instrument named: the model chooses, but never the drum kit."""
    from musicgen_symbolic.grammar import GrammarState

    program_ids = []
    original = GrammarState.__init__

    def recording(self, grammar, constraints):
        original(self, grammar, constraints)
        program_ids.append(self.program_ids)

    monkeypatch.setattr(GrammarState, "__init__", recording)
    drums_id = tiny_generator.tokenizer.vocab["Program_-1"]
    played = set()
    for seed in range(6):
        result = tiny_generator.generate_many("a jazz piece without drums", seed=seed, bars=4)[0]
        assert result.attributes.without == (DRUMS,) and result.attributes.instruments is None
        assert drums_id not in result.tokens and not any(i.is_drum for i in result.midi.instruments)
        played |= {i.program for i in result.midi.instruments}
    assert all(drums_id not in ids and len(ids) == 128 for ids in program_ids)  # every other instrument may play
    assert len(played) > 1


def test_length_in_seconds_becomes_bars(tiny_generator):
    result = tiny_generator.generate_many("drums", seconds=10, tempo=120, time_signature="4/4", seed=1)[0]
    assert result.tokens.count(tiny_generator.tokenizer.vocab["Bar_None"]) == 5  # 10 s at 2 s per bar


def test_batch_gives_distinct_samples(tiny_generator):
    results = tiny_generator.generate_many("jazz", num_samples=3, seed=5, bars=2)
    assert len(results) == 3
    assert len({tuple(r.tokens) for r in results}) > 1
    bar_id = tiny_generator.tokenizer.vocab["Bar_None"]
    for result in results:  # rows that finish early leave the batch; the others go on to their end
        assert result.tokens.count(bar_id) == 2 and result.tokens[-1] == tiny_generator.tokenizer.eos_id
        assert result.tokens.count(tiny_generator.tokenizer.eos_id) == 1


def test_grammar_masks_are_shared_and_read_only(tiny_generator):
    grammar = tiny_generator.grammar
    first, second = grammar.start(Constraints(bars=2)), grammar.start(Constraints(bars=2))
    assert first.allowed(100) is second.allowed(100)
    with pytest.raises(ValueError):
        first.allowed(100)[0] = True


def test_same_seed_same_bytes_different_seed_differs(tiny_generator):
    first = midi_bytes(tiny_generator.generate("lo-fi beat with piano", seed=11, bars=4))
    again = midi_bytes(tiny_generator.generate("lo-fi beat with piano", seed=11, bars=4))
    other = midi_bytes(tiny_generator.generate("lo-fi beat with piano", seed=12, bars=4))
    assert first == again and first != other


def test_key_strength_keeps_notes_in_scale(tiny_generator):
    from musicgen_symbolic.theory import chord_scale

    result = tiny_generator.generate_many("piano in E flat major", bars=3, seed=2, key_strength=20)[0]
    scale = {(3 + step) % 12 for step in (0, 2, 4, 5, 7, 9, 11)}
    # the key's scale, bent only where a chord of the plan needs it (a secondary dominant's leading tone)
    bent = set().union(*(chord_scale(chord, result.plan.key) for chord in result.plan.all_chords))
    pitches = [n.pitch for i in result.midi.instruments if not i.is_drum for n in i.notes]
    assert pitches and all(p % 12 in bent for p in pitches) and len(bent - scale) <= 2
    free = tiny_generator.generate("piano in E flat major", bars=3, seed=2, key_strength=0)
    assert any(n.pitch % 12 not in scale for i in free.instruments if not i.is_drum for n in i.notes)


def _tonic_chord_shares(strength: float, generator, chord: set[int]) -> dict[str, float]:  # noqa: ANN001
    """Of the notes of a few pieces in G major, the share in ``chord``'s pitch classes in the last bar and off the
    beat before it (the random model plays too few notes on downbeats to count)."""
    found: dict[str, list[bool]] = {"off the beat": [], "last bar": []}
    for seed in range(4):
        midi = generator.generate("piano and strings in G major", bars=8, seed=seed, key_strength=strength)
        downbeats = midi.get_downbeats()
        for note in (n for i in midi.instruments if not i.is_drum for n in i.notes):
            if note.start >= downbeats[-1] - 1e-6:
                found["last bar"].append(note.pitch % 12 in chord)
            elif not np.isclose(downbeats, note.start, atol=1e-3).any():
                found["off the beat"].append(note.pitch % 12 in chord)
    return {where: float(np.mean(shares)) for where, shares in found.items()}


def test_key_strength_lifts_the_tonic_chord_everywhere_and_most_in_the_last_bar(tiny_generator):
    lifted = _tonic_chord_shares(3, tiny_generator, {7, 11, 2})  # G, B, D
    free = _tonic_chord_shares(0, tiny_generator, {7, 11, 2})
    assert lifted["off the beat"] > free["off the beat"] + 0.2  # the tonal centre, on every note
    assert lifted["last bar"] > lifted["off the beat"] + 0.05  # the anchors' larger lift
    assert free["last bar"] < free["off the beat"] + 0.1


def test_a_pitch_lift_changes_which_pitch_not_whether_a_note_is_played():
    from musicgen_symbolic.generation import PitchLift

    generator = torch.Generator().manual_seed(0)
    pitches = torch.arange(10, 40)
    tonic = (pitches % 12 == 0).float()
    lift = PitchLift(pitches, torch.stack([2 * tonic, 8 * tonic]))  # everywhere, at anchors
    outside = torch.ones(50, dtype=torch.bool).index_fill(0, pitches, False)
    for anchors in ([False, False], [True, True], [False, True], [True, False]):
        logits = torch.randn(2, 50, generator=generator) * 3
        before = logits.clone()
        lift.apply(logits, anchors)
        assert torch.allclose(logits.softmax(1)[:, pitches].sum(1), before.softmax(1)[:, pitches].sum(1), atol=1e-5)
        assert torch.equal(logits[:, outside], before[:, outside])  # moving on, other instruments: untouched
        share = logits[:, pitches].softmax(1)[:, tonic > 0].sum(1)
        share_before = before[:, pitches].softmax(1)[:, tonic > 0].sum(1)
        for row, anchor in enumerate(anchors):
            odds = (share[row] / (1 - share[row])) / (share_before[row] / (1 - share_before[row]))
            assert odds == pytest.approx(math.exp(8 if anchor else 2), rel=1e-3)
    logits = torch.randn(2, 50, generator=generator)
    logits[1, pitches] = float("-inf")
    before = logits.clone()
    lift.apply(logits, [False, True])  # where no pitch may come next, nothing changes (and no NaN)
    assert torch.equal(logits[1], before[1]) and not logits.isnan().any()


def test_grammar_mask_cache_stays_bounded(tiny_generator, monkeypatch):
    import musicgen_symbolic.grammar as grammar_module

    monkeypatch.setattr(grammar_module, "MAX_CACHED_MASKS", 8)
    tiny_generator.grammar._masks.clear()  # earlier tests filled it beyond 8
    for seed, instruments in enumerate(["piano", "flute, drums", "violin, cello", "bass, organ"]):
        tiny_generator.generate("jazz", bars=1, seed=seed, instruments=instruments)
        assert len(tiny_generator.grammar._masks) <= 8


def test_guidance_leaves_instrument_choices_to_the_conditional_logits(tiny_generator):
    from musicgen_symbolic.generation import Sampler, SamplingConfig

    grammar, vocab = tiny_generator.grammar, tiny_generator.tokenizer.vocab
    at_start, choosing = grammar.start(Constraints(bars=2)), grammar.start(Constraints(bars=2, programs=(0, 33)))
    opening = ["Bar_None", "TimeSig_4/4", "Position_0", "Tempo_120.0"]
    for token in opening:
        choosing.advance(vocab[token])
    carrying = grammar.start(Constraints(bars=2, programs=(0, 33)))
    for token in [*opening, "Program_0", "Pitch_60", "Velocity_63", "Duration_1.0.8"]:
        assert carrying.allowed(100)[vocab[token]], token
        carrying.advance(vocab[token])
    states = (at_start, choosing, carrying)
    nexts = [g.next_tokens(100) for g in states]
    assert [n.instrument_choice for n in nexts] == [False, True, True]
    assert nexts[1].note_starts is None and nexts[2].note_starts[vocab["Pitch_62"]]
    sampler = Sampler(tiny_generator.decoder("fp32"), SamplingConfig(cfg_scale=3.0))
    logits = torch.randn(6, len(tiny_generator.tokenizer))
    masks = torch.stack([n.logits for n in nexts])
    guided = sampler._guide(logits, nexts)
    assert torch.allclose(guided[0], logits[3] + 3.0 * (logits[0] - logits[3]), atol=1e-5)
    # Choosing the first instrument: the conditional distribution, unguided.
    assert torch.allclose((guided[1] + masks[1]).softmax(-1), (logits[1] + masks[1]).softmax(-1), atol=1e-6)
    alone = sampler._guide(logits[[1, 4]], nexts[1:2])
    assert torch.equal(alone[0], logits[1])
    alone = sampler._guide(logits[[2, 5]], nexts[2:3])  # one row carrying on: the same mix as within a batch
    assert torch.allclose((alone[0] + masks[2]).softmax(-1), (guided[2] + masks[2]).softmax(-1), atol=1e-6)

    # Carrying on with the instrument playing: the conditional chance of doing so, shared out by guidance.
    conditional = (logits[2] + masks[2]).softmax(-1)
    mixed = (guided[2] + masks[2]).softmax(-1)
    notes = nexts[2].note_starts
    others = nexts[2].allowed & ~notes.numpy()
    assert torch.allclose(mixed[torch.from_numpy(others)], conditional[torch.from_numpy(others)], atol=1e-6)
    assert torch.allclose(mixed[notes].sum(), conditional[notes].sum(), atol=1e-6)
    guided_notes = (logits[5] + 3.0 * (logits[2] - logits[5]))[notes].softmax(-1)
    assert torch.allclose(mixed[notes] / mixed[notes].sum(), guided_notes, atol=1e-5)
    assert vocab["Program_33"] in np.flatnonzero(others) and vocab["Position_4"] in np.flatnonzero(others)


def test_restart_window_names_the_instrument_playing(fused_tokenizer):
    """With Program tokens only at changes, a restarted cache must still see which instrument plays."""
    from musicgen_symbolic.generation import Sampler, SamplingConfig

    vocab = fused_tokenizer.vocab
    sampler = Sampler(None, SamplingConfig(), fused_tokenizer)
    bar = ["Bar_None", "TimeSig_4/4", "Position_0", "Program_33", "Pitch_40", "Velocity_63", "Duration_1.1.8"]
    bar += ["Position_8", "Pitch_43", "Velocity_63", "Duration_1.1.8", "Position_16", "Pitch_45"]
    row = [vocab[t] for t in bar + ["Velocity_63", "Duration_1.1.8"]]
    for keep in range(2, len(row) - 3):
        window = sampler._window(row, keep)
        assert len(window) == keep and window[-1] == row[-1]
        first_note = next((n for n, t in enumerate(window) if fused_tokenizer.tokens([t])[0].startswith("Pitch")), None)
        if first_note is not None:
            assert vocab["Program_33"] in window[:first_note]
    assert sampler._window(row[:5], 8) == row[:5]
    assert Sampler(None, SamplingConfig())._window(row, 4) == row[-4:]


@pytest.mark.parametrize(
    "prompt,kwargs,fragment",
    [
        (5, {}, "the prompt must be text, got int"),
        ("jazz", dict(temperature=None), "--temperature must be a number, got None"),
        ("jazz", dict(top_k=2.5), "--top-k must be a whole number"),
        ("jazz", dict(cfg="3"), "--cfg must be a number"),
        ("jazz", dict(num_samples=True), "--num-samples must be a whole number"),
        ("jazz", dict(max_new_tokens=-1), "max_new_tokens must be a whole number ≥ 16"),
    ],
)
def test_wrong_types_in_the_api_are_clear_errors(tiny_generator, prompt, kwargs, fragment):
    with pytest.raises(MusicGenError, match=re.escape(fragment)):
        tiny_generator.generate_many(prompt, bars=1, **kwargs)


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        (dict(bars="8"), "bars must be a whole number, got '8'"),
        (dict(bars=8.7), "bars must be a whole number"),
        (dict(bars=True), "bars must be a whole number"),
        (dict(seconds="10"), "seconds must be a number"),
        (dict(seconds=600.0001), "600.0001 seconds is out of range"),
        (dict(instruments=2.5), "instruments must be text, a list or a program number"),
        (dict(key=5), "key must be text, got 5"),
        (dict(key=""), "unknown key ''"),
        (dict(time_signature=(3,)), "a time signature has two numbers"),
        (dict(genre=5), "genre must be text"),
        (dict(mood=["calm"]), "mood must be text"),
        (dict(genre=""), "unknown genre ''"),
    ],
)
def test_wrong_attribute_values_in_the_api_are_clear_errors(tiny_generator, kwargs, fragment):
    kwargs = {"bars": 1, **kwargs} if "seconds" not in kwargs else kwargs
    with pytest.raises(MusicGenError, match=re.escape(fragment)):
        tiny_generator.generate_many("jazz", **kwargs)


def test_list_time_signature_and_program_number_are_accepted(tiny_generator):
    result = tiny_generator.generate_many("jazz", bars=1, time_signature=[6, 8], instruments=0, seed=1)[0]
    assert result.attributes.time_signature == (6, 8) and result.attributes.instruments == (0,)


def _bars_heard(midi: pretty_midi.PrettyMIDI, program: int) -> set[int]:
    downbeats = midi.get_downbeats()
    onsets = [n.start for i in midi.instruments if i.program == program and not i.is_drum for n in i.notes]
    return {int(np.searchsorted(downbeats, t, side="right")) for t in onsets}


def test_an_instrument_the_model_avoids_is_nudged_back_in(tiny_generator, monkeypatch):
    from musicgen_symbolic.constants import DEFAULT_NUDGE_AFTER
    from musicgen_symbolic.decoder import DecodeSession

    timpani = tiny_generator.tokenizer.vocab["Program_47"]
    for method in ("step", "feed"):  # a model that all but never chooses the timpani by itself
        original = getattr(DecodeSession, method)

        def avoiding(self, *args, _original=original, **kwargs):
            logits = _original(self, *args, **kwargs)
            logits[..., timpani] -= 30.0
            return logits

        monkeypatch.setattr(DecodeSession, method, avoiding)
    prompt, bars = "piano and timpani", 16
    nudged = _bars_heard(tiny_generator.generate_many(prompt, bars=bars, seed=0)[0].midi, 47)
    assert len(nudged) >= 2 and min(nudged) <= DEFAULT_NUDGE_AFTER + 4
    assert _bars_heard(tiny_generator.generate_many(prompt, bars=bars, seed=0, nudge_after=0)[0].midi, 47) == {bars}
    later = _bars_heard(tiny_generator.generate_many(prompt, bars=bars, seed=0, nudge_after=8)[0].midi, 47)
    assert min(later) > 8


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_a_nudged_instrument_gets_its_share_at_any_temperature(temperature):
    from types import SimpleNamespace

    from musicgen_symbolic.generation import Sampler, SamplingConfig

    quiet, share = 5, 0.25
    logits = torch.tensor([[3.0, 1.0, 0.0, -20.0, float("-inf"), -20.0]])
    choice = SimpleNamespace(
        logits=torch.zeros(6), instrument_choice=True, note_starts=None, ending=None, pitched=False
    )
    row = SimpleNamespace(next_tokens=lambda tokens_left: choice, nudges=((quiet, share),), unplayable=lambda: None)
    config = SamplingConfig(temperature=temperature, top_k=0, top_p=1.0, cfg_scale=1.0, seed=0)
    sampler = Sampler(None, config)
    draws = [sampler._choose(logits.clone(), [row], 100, None)[0] for _ in range(4000)]
    assert draws.count(quiet) / len(draws) == pytest.approx(share, abs=0.025)
    assert 4 not in draws


def test_nudged_instruments_get_their_shares_together_at_most_half():
    from musicgen_symbolic.generation import _nudge

    logits = torch.randn(2, 40)
    logits[:, 5:9] = -40.0
    logits[0, 9] = float("-inf")  # a Program the grammar forbids here stays forbidden
    logits[1, 8] = 30.0  # one the model already prefers keeps its own probability
    _nudge(logits, [(0, ((5, 0.05), (6, 0.15), (9, 0.25))), (1, ((5, 0.25), (6, 0.25), (7, 0.25), (8, 0.25)))])
    first, second = logits.softmax(-1)
    assert first[5].item() == pytest.approx(0.05, abs=1e-5) and first[6].item() == pytest.approx(0.15, abs=1e-5)
    assert first[9].item() == 0.0
    assert second[8].item() > 0.99 and second[5].item() > 0.0  # raised, but the preferred one stays far ahead
    logits = torch.zeros(1, 40)
    logits[0, :4] = -50.0
    _nudge(logits, [(0, tuple((program, 0.25) for program in range(4)))])
    assert logits.softmax(-1)[0, :4].sum().item() == pytest.approx(0.5, abs=1e-5)


def test_key_strength_may_be_a_numpy_number(tiny_generator):
    midi = tiny_generator.generate("piano in C major", bars=1, seed=0, key_strength=np.float64(3))
    assert midi.instruments and midi.instruments[0].notes


def test_a_token_budget_too_small_for_the_length_is_an_error(tiny_generator):
    from musicgen_symbolic.errors import MusicGenError

    with pytest.raises(MusicGenError, match="max_new_tokens 16 ran out after 1 of 8 bars: raise it"):
        tiny_generator.generate("piano", bars=8, seed=0, max_new_tokens=16)
    assert tiny_generator.generate("piano", bars=1, seed=0, max_new_tokens=400).get_end_time() > 0
