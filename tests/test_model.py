import torch

from musicgen_symbolic.generation import SamplingConfig
from musicgen_symbolic.model import KVCache, ModelConfig, MusicTransformer
from musicgen_symbolic.pipeline import MusicGenSymbolic


def _inputs(config, batch=2, length=12):
    torch.manual_seed(1)
    tokens = torch.randint(0, config.vocab_size, (batch, length))
    memory = torch.randn(batch, 5, config.d_text)
    mask = torch.ones(batch, 5, dtype=torch.bool)
    mask[1, 3:] = False
    return tokens, memory, mask


def test_save_load_gives_identical_logits(tiny_generator, tmp_path):
    folder = tiny_generator.save_pretrained(tmp_path / "copy")
    assert {p.name for p in folder.iterdir()} == {"config.json", "model.safetensors", "tokenizer.json"}
    loaded = MusicGenSymbolic.from_pretrained(folder)
    tokens, memory, mask = _inputs(tiny_generator.model.config)
    with torch.no_grad():
        assert torch.equal(tiny_generator.model(tokens, memory, mask), loaded.model(tokens, memory, mask))


def test_cached_forward_matches_full_forward():
    config = ModelConfig(vocab_size=50, d_model=32, n_layer=2, n_head=2, d_text=16, max_seq_len=64)
    model = MusicTransformer(config).eval()
    tokens, memory, mask = _inputs(config)
    with torch.no_grad():
        full = model(tokens, memory, mask)
        cache = KVCache(config, 2, torch.float32, torch.device("cpu"))
        steps = [model(tokens[:, :5], memory, mask, cache)]
        steps += [model(tokens[:, i : i + 1], memory, mask, cache) for i in range(5, 12)]
    assert torch.allclose(full, torch.cat(steps, dim=1), atol=1e-5)


def test_kv_cache_generation_equals_full_recompute(tiny_generator):
    for seed in range(3):
        kwargs = dict(bars=4, seed=seed, temperature=1.0, cfg=2.0)
        cached = tiny_generator.generate_many("jazz piano in C minor", use_cache=True, **kwargs)[0].tokens
        recomputed = tiny_generator.generate_many("jazz piano in C minor", use_cache=False, **kwargs)[0].tokens
        assert cached == recomputed


def test_sliding_window_continues_past_context(tiny_generator):
    long = tiny_generator.generate_many("rock drums", bars=64, seed=0, instruments="drums, bass")[0]
    assert len(long.tokens) + 14 > tiny_generator.model.config.max_seq_len
    assert len(long.midi.instruments) >= 1
    assert SamplingConfig().use_cache
