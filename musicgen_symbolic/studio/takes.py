"""The studio's output folder: one sub-folder per take, named by a random id; the files each take may serve; clean-up
by age and by the folder's total size.

Only what this process wrote is ever served: a file is looked up by a take id this store made and a name in that
take's own list of files (``FILES``), never by a path from the request, so ``../``, absolute paths, encoded dots and
other takes' names all find nothing.
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# The files a take may have, by the name the API serves them under. MIDI and WAV are written with the take; the
# stems and the score are made on the first request for them.
MIDI, WAV, STEMS, MUSICXML = "music.mid", "music.wav", "stems.zip", "score.musicxml"
FILES = (MIDI, WAV, STEMS, MUSICXML)
KINDS = {MIDI: "midi", WAV: "wav", STEMS: "stems", MUSICXML: "musicxml"}
_ID = re.compile(r"^[0-9a-f]{16}$")


@dataclass
class Take:
    """One piece: a candidate generated, a continuation, another ending, or an uploaded file."""

    id: str
    folder: Path
    kind: str  # "generate" | "continue" | "ending" | "upload"
    created: float
    meta: dict = field(default_factory=dict)  # prompt, understood attributes, settings, parent, roll …
    files: set[str] = field(default_factory=set)  # names written so far (all of FILES may be served)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def path(self, name: str) -> Path:
        if name not in FILES:
            raise KeyError(name)
        return self.folder / name

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.folder.iterdir() if p.is_file()) if self.folder.is_dir() else 0


class TakeStore:
    """Takes in ``folder``, cleaned up by ``keep_seconds`` and ``max_bytes``."""

    def __init__(self, folder: str | Path, keep_seconds: float, max_bytes: int) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.keep_seconds = keep_seconds
        self.max_bytes = max_bytes
        self._takes: dict[str, Take] = {}
        self._lock = threading.Lock()

    def new(self, kind: str, **meta: object) -> Take:
        take_id = secrets.token_hex(8)
        folder = self.folder / take_id
        folder.mkdir()
        take = Take(take_id, folder, kind, time.time(), dict(meta))
        with self._lock:
            self._takes[take_id] = take
        return take

    def get(self, take_id: str) -> Take | None:
        if not isinstance(take_id, str) or not _ID.match(take_id):
            return None
        with self._lock:
            return self._takes.get(take_id)

    def file(self, take_id: str, name: str) -> Path | None:
        """The path of a file this store wrote for ``take_id`` under ``name``, or None."""
        take = self.get(take_id)
        if take is None or name not in FILES or name not in take.files:
            return None
        path = take.path(name)
        return path if path.is_file() else None

    def all(self) -> list[Take]:
        """Every take, newest first."""
        with self._lock:
            return sorted(self._takes.values(), key=lambda t: t.created, reverse=True)

    def forget(self, take: Take) -> None:
        with self._lock:
            self._takes.pop(take.id, None)
        shutil.rmtree(take.folder, ignore_errors=True)

    def clean(self, now: float | None = None, keep: set[str] | frozenset[str] = frozenset()) -> list[str]:
        """Remove takes older than ``keep_seconds``, then the oldest until the folder is within ``max_bytes``
        (``keep``: ids in use, left alone); returns the ids removed."""
        now = time.time() if now is None else now
        removed = []
        takes = sorted(self.all(), key=lambda t: t.created)
        for take in takes:
            if take.id not in keep and now - take.created > self.keep_seconds:
                self.forget(take)
                removed.append(take.id)
        left = [t for t in takes if t.id not in removed]
        sizes = {t.id: t.size() for t in left}
        total = sum(sizes.values())
        for take in left:
            if total <= self.max_bytes:
                break
            if take.id in keep:
                continue
            self.forget(take)
            removed.append(take.id)
            total -= sizes[take.id]
        return removed
