from pathlib import Path

import pytest
import torch

from musicgen_symbolic.decoder import FastDecoder
from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.generation import SamplingConfig
from musicgen_symbolic.model import ModelConfig, MusicTransformer, group_key_value_heads
from musicgen_symbolic.pipeline import MusicGenSymbolic


def _inputs(config, batch=2, length=12):
    torch.manual_seed(1)
    tokens = torch.randint(0, config.vocab_size, (batch, length))
    memory = torch.randn(batch, 5, config.d_text)
    mask = torch.ones(batch, 5, dtype=torch.bool)
    mask[-1, 3:] = False
    return tokens, memory, mask


def test_save_load_gives_identical_logits(tiny_generator, tmp_path):
    folder = tiny_generator.save_pretrained(tmp_path / "copy")
    assert {p.name for p in folder.iterdir()} == {"config.json", "model.safetensors", "tokenizer.json", "harmony.json"}
    loaded = MusicGenSymbolic.from_pretrained(folder)
    tokens, memory, mask = _inputs(tiny_generator.model.config)
    with torch.no_grad():
        assert torch.equal(tiny_generator.model(tokens, memory, mask), loaded.model(tokens, memory, mask))


@pytest.mark.parametrize("batch", [1, 2])  # one row with one key/value head splits its queries across threads
@pytest.mark.parametrize("kv_heads", [None, 2, 1])
@pytest.mark.parametrize("precision, tolerance", [("fp32", 1e-5), ("bf16", 0.05), ("int8", 0.05)])
def test_packed_decoder_matches_reference_forward(precision, tolerance, kv_heads, batch):
    config = ModelConfig(vocab_size=50, d_model=32, n_layer=2, n_head=4, n_kv_head=kv_heads, d_text=16, max_seq_len=64)
    model = MusicTransformer(config).eval()
    tokens, memory, mask = _inputs(config, batch)
    with torch.no_grad():
        full = model(tokens, memory, mask)
    session = FastDecoder(model, precision).start(memory, mask)
    assert (session.splits > 1) == (kv_heads == 1 and 2 * batch <= torch.get_num_threads())
    steps = [session.feed(tokens[:, :5])]
    steps += [session.step(tokens[:, i])[:, None] for i in range(5, 9)]
    steps += [session.feed(tokens[:, 9:12])]  # several tokens after a cached past
    assert (full - torch.cat(steps, dim=1)).abs().max() < tolerance


def test_grouping_identical_key_value_heads_keeps_the_logits():
    config = ModelConfig(vocab_size=50, d_model=32, n_layer=2, n_head=4, d_text=16, max_seq_len=64)
    model = MusicTransformer(config).eval()
    with torch.no_grad():
        for block in model.blocks:  # make heads 0-1 and 2-3 share keys and values: grouping them is then exact
            k_and_v = block.self_attn.qkv.weight[32:].view(2, 2, 2, 8, 32)
            k_and_v[:, :, 1] = k_and_v[:, :, 0]
    grouped = MusicTransformer(ModelConfig(**{**config.to_dict(), "n_kv_head": 2})).eval()
    grouped.load_state_dict(group_key_value_heads(model.state_dict(), config, 2))
    assert grouped.blocks[0].self_attn.qkv.weight.shape == (32 + 2 * 16, 32)
    tokens, memory, mask = _inputs(config)
    with torch.no_grad():
        assert torch.allclose(model(tokens, memory, mask), grouped(tokens, memory, mask), atol=1e-5)


def test_key_value_heads_must_divide_query_heads():
    with pytest.raises(ValueError, match="multiple of n_kv_head"):
        ModelConfig(vocab_size=50, d_model=32, n_head=4, n_kv_head=3)
    with pytest.raises(ValueError, match="cannot group"):
        group_key_value_heads({}, ModelConfig(vocab_size=50, d_model=32, n_head=4, n_kv_head=2), 3)
    with pytest.raises(ValueError, match="cannot group"):
        group_key_value_heads({}, ModelConfig(vocab_size=50, d_model=32, n_head=4), 0)


@pytest.mark.parametrize("kept", [[2, 0], [1, 2], [0, 2]])  # in order, rows move up within the cache
def test_dropping_finished_rows_leaves_the_others_unchanged(kept):
    config = ModelConfig(vocab_size=50, d_model=32, n_layer=2, n_head=2, d_text=16, max_seq_len=64)
    decoder = FastDecoder(MusicTransformer(config).eval(), "fp32")
    tokens, memory, mask = _inputs(config, batch=3)
    both = decoder.start(memory, mask)
    both.feed(tokens[:, :6])
    both.keep(kept)
    alone = decoder.start(memory[kept], mask[kept])
    alone.feed(tokens[kept, :6])
    for position in range(6, 9):
        assert torch.allclose(both.step(tokens[kept, position]), alone.step(tokens[kept, position]), atol=1e-6)


@pytest.mark.parametrize("texts", [[0, 0, 1, 1], [0, 1, 0, 1], [0, 0, 0, 1], [2, 2, 2, 2]])
@pytest.mark.parametrize("kept", [[0, 1, 2, 3], [0, 2], [1, 0, 3, 2], [0, 1], [3], [2, 3, 0]])
def test_rows_sharing_a_text_decode_as_if_alone(texts, kept):
    config = ModelConfig(vocab_size=50, d_model=32, n_layer=2, n_head=4, n_kv_head=2, d_text=16, max_seq_len=64)
    decoder = FastDecoder(MusicTransformer(config).eval(), "fp32")
    tokens, memory, mask = _inputs(config, batch=3, length=8)
    memory, mask = memory[texts], mask[texts]
    tokens = torch.randint(0, config.vocab_size, (4, 8), generator=torch.Generator().manual_seed(2))
    shared = decoder.start(memory, mask)
    stored = {(0, 0, 1, 1): 2, (0, 1, 0, 1): 4, (0, 0, 0, 1): 4, (2, 2, 2, 2): 1}[tuple(texts)]
    assert shared.cross[0][0].shape[0] == stored  # one copy of a text's keys per block of rows
    first = shared.feed(tokens[:, :5])
    shared.keep(kept)
    after = torch.cat([shared.feed(tokens[kept, 5:7]), shared.step(tokens[kept, 7])[:, None]], dim=1)
    for position, row in enumerate(kept):
        alone = decoder.start(memory[row : row + 1], mask[row : row + 1])
        assert torch.allclose(first[row], alone.feed(tokens[row : row + 1, :5])[0], atol=1e-5)
        alone_after = torch.cat(
            [alone.feed(tokens[row : row + 1, 5:7]), alone.step(tokens[row : row + 1, 7])[:, None]], 1
        )
        assert torch.allclose(after[position], alone_after[0], atol=1e-5)


def test_kv_cache_generation_equals_full_recompute(tiny_generator):
    context = tiny_generator.model.config.max_seq_len - 14  # the control prefix and BOS take 14 positions
    for seed in range(3):
        kwargs = dict(bars=2, seed=seed, temperature=1.0, cfg=2.0, precision="fp32", num_samples=2)
        cached = tiny_generator.generate_many("jazz piano in C minor", use_cache=True, **kwargs)
        recomputed = tiny_generator.generate_many("jazz piano in C minor", use_cache=False, **kwargs)
        assert all(len(r.tokens) < context for r in cached)  # past the context the two slide differently
        assert [r.tokens for r in cached] == [r.tokens for r in recomputed]


def test_sliding_window_continues_past_context(tiny_generator):
    long = tiny_generator.generate_many("rock drums", bars=64, seed=0, instruments="drums, bass")[0]
    assert len(long.tokens) + 14 > tiny_generator.model.config.max_seq_len
    assert len(long.midi.instruments) >= 1
    assert SamplingConfig().use_cache


def test_onednn_is_used_where_torch_has_it():
    from musicgen_symbolic.decoder import onednn_supported

    if torch.backends.mkldnn.is_available():
        assert onednn_supported(torch.float32)
        if torch.ops.mkldnn._is_mkldnn_bf16_supported():
            assert onednn_supported(torch.bfloat16)


@pytest.mark.parametrize("precision", ["bf16", "fp32"])
def test_dense_products_fall_back_to_mkl_without_onednn(monkeypatch, precision):
    import musicgen_symbolic.decoder as decoder

    config = ModelConfig(vocab_size=50, d_model=32, n_layer=1, n_head=2, d_text=16, max_seq_len=16)
    model = MusicTransformer(config).eval()
    tokens, memory, mask = _inputs(config)
    onednn = FastDecoder(model, precision).start(memory, mask).feed(tokens)
    monkeypatch.setattr(decoder, "onednn_supported", lambda dtype: False)
    packed = FastDecoder(model, precision)
    assert not packed.layers[0].up.onednn
    assert torch.allclose(packed.start(memory, mask).feed(tokens), onednn, atol=1e-4 if precision == "fp32" else 0.05)


def test_int8_falls_back_to_bf16_without_the_kernel(monkeypatch):
    import musicgen_symbolic.decoder as decoder

    monkeypatch.setattr(decoder, "int8_supported", lambda: False)
    config = ModelConfig(vocab_size=50, d_model=32, n_layer=1, n_head=2, d_text=16, max_seq_len=16)
    packed = FastDecoder(MusicTransformer(config).eval(), "int8")
    assert packed.precision == "bf16"
    assert all(layer.qkv.quantised is None for layer in packed.layers)


def test_unknown_precision_is_a_clear_error(tiny_generator):
    with pytest.raises(MusicGenError, match="--precision must be one of int8, bf16, fp32"):
        tiny_generator.generate("jazz", bars=1, precision="int4")


def test_decoding_window_is_the_training_context(tiny_model_dir, monkeypatch):
    """Positions beyond the training crops were never seen: the cache restarts within them."""
    import musicgen_symbolic.decoder as decoder

    generator = MusicGenSymbolic.from_pretrained(tiny_model_dir)
    generator.metadata["context"] = 48
    assert generator.context == 48
    lengths = []
    original = decoder.DecodeSession.step

    def step(self, tokens):
        lengths.append(self.length)
        return original(self, tokens)

    monkeypatch.setattr(decoder.DecodeSession, "step", step)
    result = generator.generate_many("rock drums", bars=6, seed=0, instruments="drums, bass")[0]
    assert len(result.tokens) > 48 and max(lengths) < 48
    assert result.tokens.count(generator.tokenizer.vocab["Bar_None"]) == 6


def test_packed_decoder_is_a_copy_of_the_model():
    config = ModelConfig(vocab_size=50, d_model=32, n_layer=1, n_head=2, d_text=16, max_seq_len=16)
    model = MusicTransformer(config).eval()
    tokens, memory, mask = _inputs(config, length=4)
    packed = FastDecoder(model, "fp32")
    before = packed.start(memory, mask).feed(tokens)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(1.0)
    assert torch.equal(before, packed.start(memory, mask).feed(tokens))


def test_bad_recorded_context_is_a_clear_error(tiny_model_dir, tmp_path):
    import json
    import shutil

    folder = Path(shutil.copytree(tiny_model_dir, tmp_path / "model"))
    config = json.loads((folder / "config.json").read_text())
    config["metadata"]["context"] = 5
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(MusicGenError, match="context 5: it must be a whole number"):
        MusicGenSymbolic.from_pretrained(folder)


def test_corrupt_weights_fail_with_a_message_not_a_forbidden_token(tiny_model_dir):
    generator = MusicGenSymbolic.from_pretrained(tiny_model_dir)
    with torch.no_grad():
        generator.model.lm_head.weight.fill_(float("nan"))
    for temperature in (1.0, 0.0):  # sampled and greedy
        with pytest.raises(MusicGenError, match="invalid probabilities"):
            generator.generate("jazz", bars=1, seed=0, temperature=temperature)
