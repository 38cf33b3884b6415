"""The studio's speed and weight, measured on this machine. Prints a Markdown table.

    python benchmarks/studio.py [--model DIR] [--repeats 5] [--bars 8]

* click to first sound: with the model loaded and warmed up (as ``serve`` does), the time from ``POST
  /api/generate`` to the first take's WAV fully downloaded, through the real server (uvicorn on 127.0.0.1) — the
  page's own path: submit, long-poll the job, fetch the WAV; side by side with the same work called directly
  (``generate_many`` + ``save_midi`` + ``render_midi``), so the API's cost shows; and with 4 candidates (the first
  take's WAV);
* the page's weight: the bytes of every static file the page loads (target under 1 MB), and gzipped.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

TARGET_FIRST_SOUND_S = 1.5
TARGET_PAGE_BYTES = 1_000_000
PROMPT = "a calm lo-fi piano piece with bass in D minor"


def start_server(app):  # noqa: ANN001, ANN201
    import socket

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            return server, f"http://127.0.0.1:{port}"
        time.sleep(0.02)
    raise SystemExit("the server did not start")


def first_sound(client: httpx.Client, bars: int, seed: int, candidates: int = 1) -> float:
    body = {"prompt": PROMPT, "fields": {"bars": str(bars)}, "sampling": {"seed": seed}, "candidates": candidates}
    started = time.perf_counter()
    job = client.post("/api/generate", json=body).json()["job"]
    version = ""
    for _ in range(600):
        state = client.get(f"/api/jobs/{job}", params={"wait": 2, "seen": version}).json()
        version = state["version"]
        if state["takes"]:
            break
        if state["status"] == "error":
            raise SystemExit(state["error"])
    wav = client.get(state["takes"][0]["files"]["wav"])
    assert wav.status_code == 200 and len(wav.content) > 44
    elapsed = time.perf_counter() - started
    for _ in range(600):  # let the job finish before the next
        if client.get(f"/api/jobs/{job}").json()["status"] in ("done", "error"):
            break
        time.sleep(0.02)
    return elapsed


def direct(generator, bars: int, seed: int, folder: Path) -> float:  # noqa: ANN001
    from musicgen_symbolic.midi_io import save_midi
    from musicgen_symbolic.render import render_midi

    started = time.perf_counter()
    result = generator.generate_many(PROMPT, bars=bars, seed=seed)[0]
    save_midi(result.midi, folder / "x.mid")
    render_midi(folder / "x.mid", folder / "x.wav")
    return time.perf_counter() - started


def page_weight() -> tuple[int, int, list[str]]:
    from musicgen_symbolic.studio.app import STATIC

    files = sorted(p for p in STATIC.iterdir() if p.is_file())
    raw = sum(p.stat().st_size for p in files)
    zipped = sum(len(gzip.compress(p.read_bytes())) for p in files)
    return raw, zipped, [f"{p.name} {p.stat().st_size:,} B" for p in files]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--bars", type=int, default=8)
    args = parser.parse_args()

    from musicgen_symbolic.pipeline import MusicGenSymbolic
    from musicgen_symbolic.studio import create_app
    from musicgen_symbolic.studio.server import warm
    from musicgen_symbolic.threads import apply as apply_threads

    threads = apply_threads(None)
    generator = MusicGenSymbolic.from_pretrained(args.model)
    warm(generator)
    folder = Path(tempfile.mkdtemp(prefix="studio-bench-"))
    server, url = start_server(create_app(generator, out_dir=folder / "takes"))
    rows = []
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            first_sound(client, args.bars, 999)  # one more warm-up, through the server
            api = [first_sound(client, args.bars, seed) for seed in range(args.repeats)]
            plain = [direct(generator, args.bars, seed, folder) for seed in range(args.repeats)]
            four = [first_sound(client, args.bars, seed, candidates=4) for seed in range(max(2, args.repeats // 2))]
    finally:
        server.should_exit = True
    median = statistics.median
    rows.append((f"click to first sound, {args.bars} bars, 1 candidate (API, median of {len(api)})",
                 f"{median(api):.2f} s (min {min(api):.2f}, max {max(api):.2f})", f"≤ {TARGET_FIRST_SOUND_S} s",
                 "pass" if median(api) <= TARGET_FIRST_SOUND_S else "miss"))  # fmt: skip
    rows.append((f"same work called directly (median of {len(plain)})", f"{median(plain):.2f} s",
                 "", f"API overhead {median(api) - median(plain):+.2f} s"))  # fmt: skip
    rows.append((f"click to first sound, {args.bars} bars, 4 candidates (API, median of {len(four)})",
                 f"{median(four):.2f} s", "", ""))  # fmt: skip
    raw, zipped, files = page_weight()
    rows.append(("page weight (static files)", f"{raw:,} B ({zipped:,} B gzipped)", f"< {TARGET_PAGE_BYTES:,} B",
                 "pass" if raw < TARGET_PAGE_BYTES else "miss"))  # fmt: skip
    print(f"studio benchmark: {threads} torch threads, {sys.platform}, model {args.model or 'bundled'}\n")
    print("| measure | value | target | result |\n| --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print("\nstatic files: " + ", ".join(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
