import pytest
import torch

from musicgen_symbolic.errors import MusicGenError
from musicgen_symbolic.pipeline import MusicGenSymbolic
from musicgen_symbolic.text_encoder import load_text_encoder, minilm_folder, parse_spec


def test_bundled_minilm_encoder_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSICGEN_SYMBOLIC_CACHE", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    encoder = load_text_encoder("minilm")
    embeddings, mask = encoder.encode(["a calm piano piece in D minor", "drums"])
    assert embeddings.shape[0] == 2 and embeddings.shape[2] == 384 == encoder.dim
    assert mask.dtype == torch.bool and mask[0].sum() > mask[1].sum()
    assert (tmp_path / "all-MiniLM-L6-v2" / "model.safetensors").is_file()


def test_minilm_matches_transformers_bert():
    """The plain-torch BERT pass (no transformers import at start-up) gives transformers' embeddings."""
    from transformers import AutoModel, AutoTokenizer

    texts = ["a calm lo-fi piece in D minor at 80 bpm with electric piano, bass and drums", "drums", "Ünïcødé ♪"]
    encoder = load_text_encoder("minilm")
    embeddings, mask = encoder.encode(texts)
    folder = minilm_folder()
    batch = AutoTokenizer.from_pretrained(folder)(
        texts, padding=True, truncation=True, max_length=128, return_tensors="pt"
    )
    with torch.no_grad():
        expected = AutoModel.from_pretrained(folder).eval()(**batch).last_hidden_state
    assert torch.equal(mask, batch["attention_mask"].bool())
    assert (embeddings - expected)[mask].abs().max() < 1e-4


def test_t5_encoder_from_local_folder(tiny_t5_dir):
    encoder = load_text_encoder(f"t5:{tiny_t5_dir}")
    embeddings, mask = encoder.encode(["jazz piano", "slow sad waltz in a minor"])
    assert embeddings.shape[:2] == mask.shape and embeddings.shape[2] == 32


def test_missing_t5_weights_say_how_to_get_them(tmp_path, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # as in an offline session; no network in tests
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    with pytest.raises(MusicGenError, match="hf download google/flan-t5-base"):
        load_text_encoder("t5:google/flan-t5-base")


def test_model_records_its_encoder(tiny_model_dir, tiny_t5_dir):
    assert MusicGenSymbolic.from_pretrained(tiny_model_dir).text_encoder_spec == f"t5:{tiny_t5_dir}"
    with pytest.raises(MusicGenError, match="trained with text encoder"):
        MusicGenSymbolic.from_pretrained(tiny_model_dir, text_encoder="minilm")


def test_spec_parsing():
    assert parse_spec("minilm") == ("minilm", "")
    assert parse_spec("t5:google/flan-t5-small") == ("t5", "google/flan-t5-small")
    with pytest.raises(MusicGenError):
        parse_spec("t5:")


def test_encoder_moves_to_a_device_with_its_inputs(tiny_t5_dir):
    """Training on a GPU encodes captions there: weights and inputs follow ``to`` (checked here with 'meta')."""
    for spec in ("minilm", f"t5:{tiny_t5_dir}"):
        encoder = load_text_encoder(spec)
        before, _ = encoder.encode(["a waltz"])
        assert encoder.to("cpu") is encoder and torch.equal(encoder.encode(["a waltz"])[0], before)
    encoder = load_text_encoder("minilm").to("meta")  # T5's forward pass reads values, which meta tensors lack
    embeddings, mask = encoder.encode(["a waltz"])
    assert encoder.device.type == embeddings.device.type == mask.device.type == "meta"


def test_an_unreachable_hub_fails_fast_with_advice(tmp_path, monkeypatch):
    """Not marked offline, but no connection: the advice comes in seconds, not after the hub client's retries."""
    import time

    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # the discard port: nothing listens there
    started = time.perf_counter()
    with pytest.raises(MusicGenError, match="hf download google/flan-t5-base"):
        load_text_encoder("t5:google/flan-t5-base")
    assert time.perf_counter() - started < 10


def test_a_pickle_only_t5_folder_is_refused_unread(tmp_path, tiny_t5_dir):
    import shutil

    folder = tmp_path / "flan-t5-pickled"
    shutil.copytree(tiny_t5_dir, folder)
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04 not read: it would be unpickled")
    with pytest.raises(MusicGenError, match="only as pytorch_model.bin, which loading would unpickle: convert it"):
        load_text_encoder(f"t5:{folder}")
