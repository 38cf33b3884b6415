"""The studio served for real (uvicorn on 127.0.0.1, a free port) under load: 20 generate requests at once are each
answered with a job that finishes or a "busy" (none lost, none hanging), memory stays bounded, the server still
answers; an upload larger than the limit is refused before its body is read. Loopback only, bounded loops."""

from __future__ import annotations

import concurrent.futures
import socket
import time

import httpx
import psutil
import pytest
from studio_helpers import ServerThread, wait_job

from musicgen_symbolic.studio import Limits, create_app

REQUESTS = 20
MAX_RSS_GROWTH = 400 * 2**20


@pytest.fixture
def server(tiny_generator, tmp_path):
    running = ServerThread(create_app(tiny_generator, out_dir=tmp_path, limits=Limits(max_waiting=4))).start()
    yield running
    running.stop()


def test_twenty_at_once(server):
    process = psutil.Process()
    with httpx.Client(base_url=server.url, timeout=15) as client:
        warm = client.post("/api/generate", json={"prompt": "piano", "fields": {"bars": "1"}, "sampling": {"seed": 0}})
        assert wait_job(client.get, warm.json()["job"])["status"] == "done"
        before = process.memory_info().rss

        def ask(index: int) -> httpx.Response:
            body = {"prompt": "a calm piano piece", "fields": {"bars": "1"}, "sampling": {"seed": index}}
            return client.post("/api/generate", json=body)

        with concurrent.futures.ThreadPoolExecutor(REQUESTS) as pool:
            answers = list(pool.map(ask, range(REQUESTS), timeout=60))
        accepted = [a for a in answers if a.status_code == 202]
        busy = [a for a in answers if a.status_code in (429, 503)]
        assert len(accepted) + len(busy) == REQUESTS, [a.status_code for a in answers]
        assert 1 <= len(accepted) <= 5  # one running, four waiting
        for answer in busy:
            seconds = int(answer.headers["retry-after"])
            assert answer.json() == {"error": f"busy, try again in {seconds} s"}
        states = [wait_job(client.get, a.json()["job"], timeout=60) for a in accepted]
        assert all(s["status"] == "done" and len(s["takes"]) == 1 for s in states)
        assert process.memory_info().rss - before < MAX_RSS_GROWTH
        assert client.get("/api/health").json()["queue"] == {"waiting": 0, "running": 0, "max_waiting": 4}
        again = client.post("/api/generate", json={"prompt": "piano", "fields": {"bars": "1"}})
        assert again.status_code == 202 and wait_job(client.get, again.json()["job"])["status"] == "done"


def _response(sock: socket.socket) -> bytes:
    sock.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_declared_oversize_upload_is_refused_at_once(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        head = f"POST /api/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {100 * 2**20}\r\n\r\n"
        sock.sendall(head.encode() + b"\0" * 65536)  # 64 KiB of 100 MiB
        started = time.monotonic()
        answer = _response(sock)
    assert answer.startswith(b"HTTP/1.1 413") and time.monotonic() - started < 5


def test_streamed_oversize_upload_is_refused_while_read(server):
    """No length given: the body is counted as it arrives, and refused soon after the first MiB."""
    chunk = b"\0" * 65536
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"POST /api/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
        try:
            for _ in range(256):  # at most 16 MiB
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sent += len(chunk)
                sock.settimeout(0.05)
                try:
                    if sock.recv(1, socket.MSG_PEEK):
                        break  # the server has answered
                except TimeoutError:
                    pass
                sock.settimeout(5)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = _response(sock)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
    assert sent < 4 * 2**20
