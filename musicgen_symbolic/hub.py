"""What the Hugging Face loaders (T5 text encoder, MusicGen) share: a fast check that the hub can be reached at
all, and the rule that weights load from safetensors only.

Without the check, a hub id on an offline machine cost 55 s of huggingface_hub's retries before our advice line;
a TCP connection that fails in a few seconds says the same. A folder holding only ``pytorch_model.bin`` (a
pickle) is refused with advice to convert it, so that nothing we load is ever unpickled.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

from .errors import MusicGenError

CONNECT_TIMEOUT_S = 3.0
PICKLED_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5", "flax_model.msgpack")


def reachable(timeout: float = CONNECT_TIMEOUT_S) -> bool:
    """Whether a TCP connection to the hub's host (``$HF_ENDPOINT``, default huggingface.co) opens in ``timeout``
    seconds."""
    endpoint = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    host, port = endpoint.hostname or "huggingface.co", endpoint.port or (80 if endpoint.scheme == "http" else 443)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_safetensors(folder: str | Path, what: str) -> None:
    """Refuse a local model folder whose weights exist only in a pickled format."""
    folder = Path(folder)
    if not folder.is_dir() or any(folder.glob("*.safetensors")):
        return
    pickled = [name for name in PICKLED_WEIGHTS if (folder / name).exists()]
    if pickled:
        raise MusicGenError(
            f"{what} {folder} holds its weights only as {pickled[0]}, which loading would unpickle: convert it once "
            "on a machine you trust (`model.save_pretrained(DIR, safe_serialization=True)` writes model.safetensors) "
            "and use that folder"
        )
