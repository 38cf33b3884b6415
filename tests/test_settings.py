"""GenerationSettings: one object from the CLI and the API to the sampler, checked when made."""

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musicgen_symbolic import constants
from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.prompt import AttributeOverrides
from musicgen_symbolic.settings import GenerationSettings, split_options


def test_defaults_are_the_documented_constants():
    s = GenerationSettings()
    assert (s.temperature, s.top_k, s.top_p, s.cfg) == (
        constants.DEFAULT_TEMPERATURE,
        constants.DEFAULT_TOP_K,
        constants.DEFAULT_TOP_P,
        constants.DEFAULT_CFG,
    )
    assert (s.key_strength, s.nudge_after, s.precision) == (
        constants.DEFAULT_KEY_STRENGTH,
        constants.DEFAULT_NUDGE_AFTER,
        constants.DEFAULT_PRECISION,
    )
    assert s.num_samples == 1 and s.seed is None and s.use_cache


@pytest.mark.parametrize(
    "changes,fragment",
    [
        (dict(temperature=None), "--temperature must be a number, got None"),
        (dict(temperature=6), "--temperature must be 0–5"),
        (dict(top_k=2.5), "--top-k must be a whole number"),
        (dict(top_k=-1), "--top-k must be ≥ 0"),
        (dict(top_p=0), "--top-p must be in (0, 1]"),
        (dict(cfg="3"), "--cfg must be a number"),
        (dict(cfg=21), "--cfg must be 0–20"),
        (dict(key_strength=-0.5), "--key-strength must be 0–20"),
        (dict(nudge_after=constants.MAX_BARS + 1), "--nudge-after must be 0–"),
        (dict(num_samples=True), "--num-samples must be a whole number"),
        (dict(num_samples=65), "--num-samples must be 1–64"),
        (dict(max_new_tokens=0), "max_new_tokens must be a whole number ≥ 16"),
        (dict(max_new_tokens=5), "max_new_tokens must be a whole number ≥ 16 (room for a bar"),
        (dict(seed=-1), "--seed must be a whole number from 0"),
        (dict(seed="1"), "--seed must be a whole number"),
        (dict(seed=1.5), "--seed must be a whole number"),
        (dict(seed=True), "--seed must be a whole number"),
        (dict(seed=2**63), "--seed must be a whole number from 0 to 2"),
        (dict(precision="fp64"), "--precision must be one of int8, bf16, fp32"),
    ],
)
def test_bad_values_fail_when_made_and_when_updated(changes, fragment):
    with pytest.raises(MusicGenError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        GenerationSettings(**changes)
    with pytest.raises(MusicGenError):
        GenerationSettings().updated(**changes)


@settings(max_examples=60, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 300))
def test_any_number_is_either_accepted_within_range_or_a_clear_error(temperature, nudge_after):
    try:
        s = GenerationSettings(temperature=temperature, nudge_after=nudge_after)
    except MusicGenError as error:
        assert str(error).startswith(("--temperature", "--nudge-after")) and "\n" not in str(error)
    else:
        assert 0 <= s.temperature <= 5 and not math.isnan(s.temperature) and 0 <= s.nudge_after <= 256


@settings(max_examples=80, deadline=None)
@given(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=4), st.lists(st.integers(), max_size=2)
    )
)
def test_any_seed_is_either_a_whole_number_in_range_or_a_clear_error(seed):
    try:
        s = GenerationSettings(seed=seed)
    except MusicGenError as error:
        assert str(error).startswith("--seed must be a whole number") and "\n" not in str(error)
    else:
        assert s.seed is None or (type(s.seed) is int and 0 <= s.seed < 2**63)


def test_updated_copies_and_refuses_unknown_names():
    base = GenerationSettings(seed=3)
    changed = base.updated(temperature=0.5)
    assert (changed.temperature, changed.seed, base.temperature) == (0.5, 3, constants.DEFAULT_TEMPERATURE)
    with pytest.raises(TypeError, match="unknown generation setting 'temprature'"):
        base.updated(temprature=0.5)


def test_split_options_sorts_keywords_by_the_dataclass_that_has_them():
    generation, attributes = split_options(
        dict(seed=1, tempo=90, cfg=2.0, bars=4), GenerationSettings, AttributeOverrides
    )
    assert generation == dict(seed=1, cfg=2.0) and attributes == dict(tempo=90, bars=4)
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        split_options(dict(colour="blue"), GenerationSettings, AttributeOverrides)


def test_every_user_setting_is_a_generate_flag_of_the_same_name():
    """A new setting is a field plus its CLI line: the CLI hands flags on by name, so they must match."""
    from musicgen_symbolic.cli import build_parser

    generate = build_parser()._subparsers._group_actions[0].choices["generate"]
    flags = {action.dest for action in generate._actions}
    internal = {"max_new_tokens", "use_cache"}  # API-only: a budget for tests and the cache's own check
    for field in dataclasses.fields(GenerationSettings):
        assert field.name in flags or field.name in internal, field.name
    for field in dataclasses.fields(AttributeOverrides):
        assert field.name in flags, field.name


def test_settings_object_and_keywords_give_the_same_piece(tiny_generator):
    by_keywords = tiny_generator.generate_many("jazz piano in C minor", bars=2, seed=4, temperature=0.9, cfg=2.0)
    chosen = GenerationSettings(seed=4, temperature=0.9, cfg=2.0)
    by_object = tiny_generator.generate_many("jazz piano in C minor", chosen, bars=2)
    assert by_keywords[0].tokens == by_object[0].tokens
    with pytest.raises(TypeError, match="unexpected keyword argument 'temprature'"):
        tiny_generator.generate_many("jazz", bars=1, temprature=0.5)


def test_set_generation_params_changes_the_generators_defaults(tiny_generator):
    before = tiny_generator.settings
    try:
        tiny_generator.set_generation_params(seed=11, temperature=0.7)
        first = tiny_generator.generate_many("rock drums", bars=2)[0].tokens
        assert first == tiny_generator.generate_many("rock drums", bars=2, seed=11, temperature=0.7)[0].tokens
        with pytest.raises(MusicGenError, match="--cfg must be 0–20"):
            tiny_generator.set_generation_params(cfg=99)
    finally:
        tiny_generator.settings = before


_ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(0, 130), max_size=3),
    st.tuples(st.integers(-5, 20), st.integers(-5, 20)),
    st.binary(max_size=4),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([f.name for f in dataclasses.fields(GenerationSettings)]), _ANY_VALUE)
def test_any_value_for_any_generation_setting_is_accepted_or_a_clear_error(name, value):
    try:
        GenerationSettings(**{name: value})
    except MusicGenError as error:
        assert "\n" not in str(error) and str(error)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([f.name for f in dataclasses.fields(AttributeOverrides)]), _ANY_VALUE)
def test_any_value_for_any_attribute_is_accepted_or_a_clear_error(name, value):
    try:
        AttributeOverrides(**{name: value}).resolve("a calm piece for piano")
    except MusicGenError as error:
        assert "\n" not in str(error) and str(error)
