"""Shared by the studio tests: wait for a job, a tiny MIDI file, a free loopback port, the real server in a thread."""

from __future__ import annotations

import socket
import threading
import time

import pretty_midi


def wait_job(get, job_id: str, timeout: float = 60.0) -> dict:
    """Poll ``GET /api/jobs/<id>`` (``get``: a client's get) until done or error, at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = get(f"/api/jobs/{job_id}").json()
        if state["status"] in ("done", "error"):
            return state
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {state['status']} after {timeout} s")


def midi_bytes(bars: int = 2) -> bytes:
    """A piano melody of ``bars`` 4/4 bars at 120 bpm."""
    import io

    midi = pretty_midi.PrettyMIDI(initial_tempo=120)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0))
    piano = pretty_midi.Instrument(0, name="Acoustic Grand Piano")
    for i in range(bars * 4):
        piano.notes.append(pretty_midi.Note(90, [60, 64, 67, 72][i % 4], i * 0.5, i * 0.5 + 0.45))
    midi.instruments.append(piano)
    out = io.BytesIO()
    midi.write(out)
    return out.getvalue()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """uvicorn serving ``app`` on 127.0.0.1:<free port> in a thread of this process; ``stop()`` ends it."""

    def __init__(self, app) -> None:  # noqa: ANN001
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self, timeout: float = 20.0) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the studio server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
