"""A command's output files, written all or nothing.

Each output is first written to a temporary file beside its destination (``.song.mid.<pid>.<random>.part.mid``,
ending in the destination's suffix so that writers choosing a format by suffix still do);
only when every output of the command has been written are they renamed into place, one ``os.replace`` each.
A failure or an interrupt before that removes the temporary files and leaves the user's previous files exactly
as they were: a failed WAV render no longer costs the old ``song.mid``.

SIGTERM and SIGHUP are turned into ``KeyboardInterrupt`` while outputs are pending (:func:`interruptible`), so
the same clean-up runs as for Ctrl-C. SIGKILL cannot be caught: the temporary files it leaves name the process
that made them, and the next command writing beside them removes those whose process is gone
(:func:`remove_stale`).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import MusicGenError

_STALE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.part(\.\w+)?$")


def temporary_beside(path: Path) -> Path:
    """A new empty temporary file beside ``path``, named after it and this process."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise MusicGenError(f"cannot write {path}: folder {folder} does not exist")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=f".part{path.suffix}", dir=folder)
    except OSError as error:
        raise MusicGenError(f"cannot write {path}: {error.strerror or error}") from error
    os.close(handle)
    return Path(name)


def publish(temporary: Path, path: Path) -> None:
    """Rename a finished temporary file onto ``path``, with the mode a new file gets (mkstemp's are owner-only)."""
    os.chmod(temporary, 0o666 & ~_umask())
    os.replace(temporary, path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale(folder: Path) -> list[Path]:
    """Remove the temporary files in ``folder`` left by a process of ours that no longer runs."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            match = _STALE.match(entry.name)
            if match and int(match["pid"]) != os.getpid() and not _alive(int(match["pid"])) and entry.is_file():
                with contextlib.suppress(OSError):
                    entry.unlink()
                    removed.append(entry)
    return removed


class Outputs:
    """Outputs staged in temporary files and committed together.

    ::

        with Outputs() as outputs:
            save_midi(midi, outputs.stage(Path("song.mid")))
            render_midi(outputs.staged(Path("song.mid")), outputs.stage(Path("song.wav")))
        # here both files are in place, or (after an exception) neither was touched
    """

    def __init__(self) -> None:
        self._pending: dict[Path, Path] = {}  # destination → its temporary file

    def stage(self, path: Path) -> Path:
        """The temporary file to write ``path``'s content to."""
        path = Path(path)
        if path in self._pending:
            raise MusicGenError(f"{path} is named twice among the outputs")
        if path.is_dir():
            raise MusicGenError(f"output path {path} is a folder: give a file name")
        remove_stale(path.parent if str(path.parent) else Path("."))
        self._pending[path] = temporary = temporary_beside(path)
        return temporary

    def staged(self, path: Path) -> Path:
        """The temporary file already staged for ``path``."""
        return self._pending[Path(path)]

    def commit(self) -> list[Path]:
        """Rename every staged file into place; returns the destinations in the order staged."""
        done = []
        for path, temporary in self._pending.items():
            publish(temporary, path)
            done.append(path)
        self._pending.clear()
        return done

    def discard(self) -> None:
        for temporary in self._pending.values():
            temporary.unlink(missing_ok=True)
        self._pending.clear()

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM and SIGHUP raise ``KeyboardInterrupt`` inside the block (the main thread only), so clean-up code
    runs as it does for Ctrl-C; the previous handlers come back afterwards."""
    wanted = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {}
    try:
        for signum in wanted:
            previous[signum] = signal.signal(signum, _interrupt)
    except ValueError:  # not the main thread: signals stay as they are
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
