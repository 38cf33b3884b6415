"""``serve()``: load the model, warm it up, and run the studio with uvicorn (127.0.0.1 unless told)."""

from __future__ import annotations

import sys
import threading
import webbrowser
from pathlib import Path

from ..errors import MusicGenError
from .limits import Limits

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
    model: str | Path | None = None,
    *,
    out_dir: str | Path | None = None,
    soundfont: str | Path | None = None,
    threads: str | int | None = None,
    limits: Limits | None = None,
    warm_up: bool = True,
    log_level: str = "warning",
) -> None:
    """Run the studio until interrupted. The model (``model``'s folder, else the bundled one) is loaded and warmed
    up first, so that the first click is answered as fast as the next."""
    try:
        import uvicorn
    except ImportError as error:
        raise MusicGenError('the studio needs its extra: pip install "musicgen-symbolic[studio]"') from error
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise MusicGenError(f"--port must be 0–65535, got {port!r}")
    from ..pipeline import MusicGenSymbolic
    from ..render import find_soundfont
    from ..threads import apply as apply_threads
    from .app import create_app

    apply_threads(threads)
    find_soundfont(soundfont)  # no SoundFont: said now, not at the first click
    generator = MusicGenSymbolic.from_pretrained(model)
    if warm_up:
        warm(generator)
    app = create_app(generator, out_dir=out_dir, limits=limits, soundfont=soundfont)
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    if host not in LOOPBACK:
        print(f"warning: serving on {host}: anyone who can reach this address can use the studio", file=sys.stderr)
    print(f"studio: {url} (Ctrl+C to stop)", file=sys.stderr)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, (url,)).start()
    uvicorn.run(app, host=host, port=port, log_level=log_level, workers=1)


def warm(generator) -> None:  # noqa: ANN001 (a MusicGenSymbolic)
    """One short generation: the text encoder is loaded and the decoder packed before the first request."""
    generator.generate_many("a short warm-up", bars=1, seed=0)
