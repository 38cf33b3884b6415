"""The studio's JSON API (FastAPI's TestClient) on a tiny random model: generate → job → files, parse, continue,
another ending, uploads, bad input, path traversal, the upload limit, the busy queue, timeouts and clean-up."""

from __future__ import annotations

import io
import threading
import time
import wave

import mido
import numpy as np
import pretty_midi
import pytest
from fastapi.testclient import TestClient
from studio_helpers import midi_bytes, wait_job

from musicgen_symbolic.studio import Limits, create_app
from musicgen_symbolic.studio.takes import TakeStore


@pytest.fixture
def client(tiny_generator, tmp_path):
    app = create_app(tiny_generator, out_dir=tmp_path / "takes", limits=Limits(max_waiting=2))
    with TestClient(app) as test_client:
        yield test_client


def generate(client, candidates: int = 1, bars: int = 2, **sampling) -> list[dict]:
    body = {"prompt": "a calm piano piece", "fields": {"bars": str(bars)}, "candidates": candidates,
            "sampling": {"seed": 3, **sampling}}  # fmt: skip
    answer = client.post("/api/generate", json=body)
    assert answer.status_code == 202, answer.text
    state = wait_job(client.get, answer.json()["job"])
    assert state["status"] == "done", state
    return state["takes"]


def one_line_error(answer, status: int) -> str:
    assert answer.status_code == status, answer.text
    message = answer.json()["error"]
    assert message and "\n" not in message and "Traceback" not in message
    return message


def test_generate_then_files(client):
    takes = generate(client, candidates=2)
    assert len(takes) == 2 and takes[0]["id"] != takes[1]["id"]
    for take in takes:
        assert take["kind"] == "generate" and take["bars"] == 2
        roll = take["roll"]
        assert roll["notes"] and roll["duration"] > 0 and len(roll["bars"]) >= 2
        data = client.get(take["files"]["midi"]).content
        assert pretty_midi.PrettyMIDI(io.BytesIO(data)).instruments
        assert mido.MidiFile(file=io.BytesIO(data)).length > 0
        wav = client.get(take["files"]["wav"])
        assert wav.headers["content-type"] == "audio/wav"
        with wave.open(io.BytesIO(wav.content)) as audio:
            samples = np.frombuffer(audio.readframes(audio.getnframes()), dtype=np.int16)
        assert audio.getnframes() > 0 and np.abs(samples).max() > 1000  # it sounds
    history = client.get("/api/takes").json()["takes"]
    assert {t["id"] for t in history} == {t["id"] for t in takes}
    assert client.get(f"/api/takes/{takes[0]['id']}").json()["roll"] == takes[0]["roll"]


def test_stems_zip_and_musicxml_on_request(client):
    import zipfile

    take = generate(client)[0]
    stems = client.get(take["files"]["stems"])
    assert stems.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(stems.content)).namelist()
    assert any(n.endswith(".wav") for n in names) and any(n.endswith(".mid") for n in names)
    score = client.get(take["files"]["musicxml"])
    assert score.status_code == 200 and b"<score-partwise" in score.content


def test_parse_returns_the_fields_as_text(client):
    prompt = "a sad jazz waltz in A minor at 90 bpm with piano and bass, 16 bars, chords Am7 D7 Gmaj7 Cmaj7"
    understood = client.post("/api/parse", json={"prompt": prompt}).json()["understood"]
    assert understood["key"] == "A minor" and understood["tempo"] == "90" and understood["time_signature"] == "3/4"
    assert understood["bars"] == "16" and understood["chords"] == "Am7 D7 Gmaj7 Cmaj7" and understood["genre"] == "jazz"
    assert "Acoustic Grand Piano" in understood["instruments"] and understood["form"] == ""
    corrected = client.post("/api/parse", json={"prompt": prompt, "fields": {"key": "E minor", "tempo": ""}})
    assert corrected.json()["understood"]["key"] == "E minor" and corrected.json()["understood"]["tempo"] == "90"
    # what the fields show, sent back as corrections, reads the same
    again = client.post("/api/parse", json={"prompt": "music", "fields": understood}).json()["understood"]
    assert again == understood


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"prompt": "piano", "fields": {"bars": "200"}}, "at most 64"),
        ({"prompt": "piano", "fields": {"bars": "many"}}, "whole number"),
        ({"prompt": "piano", "candidates": 9}, "1–4"),
        ({"prompt": "   "}, "empty"),
        ({"prompt": "piano", "fields": {"key": "H# dorian"}}, "key"),
        ({"prompt": "piano", "fields": {"colour": "red"}}, "unknown field"),
        ({"prompt": "piano", "sampling": {"temperature": 99}}, "temperature"),
    ],
)
def test_bad_input_is_one_line(client, body, words):
    assert words in one_line_error(client.post("/api/generate", json=body), 400)


def test_malformed_requests(client):
    assert "prompt" in one_line_error(client.post("/api/generate", json={"candidates": 1}), 422)
    one_line_error(
        client.post("/api/generate", content=b"{not json", headers={"content-type": "application/json"}), 422
    )
    one_line_error(client.get("/api/jobs/nope"), 404)
    one_line_error(client.post("/api/continue", json={"take": "0123456789abcdef"}), 404)
    one_line_error(client.post("/api/continue", json={"take": "../../etc"}), 404)


def test_continue_an_upload_then_another_ending_and_undo_history(client):
    upload = client.post("/api/uploads?name=../../my%20tune.mid", content=midi_bytes(2))
    assert upload.status_code == 201, upload.text
    source = upload.json()
    assert source["kind"] == "upload" and source["name"] == "my tune.mid" and source["roll"]["notes"]
    answer = client.post("/api/continue", json={"take": source["id"], "bars": 2, "sampling": {"seed": 1}})
    state = wait_job(client.get, answer.json()["job"])
    assert state["status"] == "done", state
    continued = state["takes"][0]
    assert continued["kind"] == "continue" and continued["parent"] == source["id"]
    assert continued["bars"] == 4 and continued["roll"]["join"] == pytest.approx(4.0, abs=0.01)
    midi = pretty_midi.PrettyMIDI(io.BytesIO(client.get(continued["files"]["midi"]).content))
    first = sorted(n.start for i in midi.instruments for n in i.notes)[:8]
    assert first == pytest.approx([i * 0.5 for i in range(8)])  # the upload's notes, kept
    answer = client.post("/api/continue", json={"take": continued["id"], "ending": True, "sampling": {"seed": 2}})
    state = wait_job(client.get, answer.json()["job"])
    assert state["status"] == "done", state
    ending = state["takes"][0]
    assert ending["kind"] == "ending" and ending["parent"] == continued["id"]
    assert ending["roll"]["join"] < continued["roll"]["duration"]
    # the upload is heard when its WAV is asked for (rendered then)
    assert client.get(source["files"]["wav"]).status_code == 200
    history = [t["id"] for t in client.get("/api/takes").json()["takes"]]
    assert history == [ending["id"], continued["id"], source["id"]]


def test_continue_a_generated_take(client):
    take = generate(client)[0]
    answer = client.post("/api/continue", json={"take": take["id"], "bars": 1})
    state = wait_job(client.get, answer.json()["job"])
    assert state["status"] == "done", state
    assert state["takes"][0]["bars"] > take["bars"]


def test_bad_uploads(client):
    assert "not a readable MIDI" in one_line_error(client.post("/api/uploads", content=b"MThd nonsense"), 400)
    message = one_line_error(client.post("/api/uploads", content=b"import os; os.system('x')"), 400)
    assert "takes" not in message and "/tmp" not in message  # no server paths in the words
    empty = pretty_midi.PrettyMIDI()
    out = io.BytesIO()
    empty.write(out)
    assert "no notes" in one_line_error(client.post("/api/uploads", content=out.getvalue()), 400)
    assert client.get("/api/takes").json()["takes"] == []  # nothing kept of them


def test_oversize_upload_is_refused_before_it_is_read(client):
    message = one_line_error(client.post("/api/uploads", content=b"\0" * (2 * 2**20)), 413)
    assert "1024 KiB" in message

    def body():  # a stream: counted while it is read (test_studio_server: the rest is never read)
        for _ in range(32):
            yield b"\0" * 65536

    one_line_error(client.post("/api/uploads", content=body()), 413)
    assert client.get("/api/takes").json()["takes"] == []


def test_path_traversal_finds_nothing(client, tmp_path):
    take = generate(client)[0]
    other = client.post("/api/uploads", content=midi_bytes(1)).json()
    (tmp_path / "secret.txt").write_text("secret")
    tid = take["id"]
    for path in [
        f"/api/files/{tid}/../../../../etc/passwd",
        f"/api/files/{tid}/..%2f..%2fsecret.txt",
        f"/api/files/{tid}/%2e%2e%2fsecret.txt",
        f"/api/files/{tid}/%2e%2e",
        f"/api/files/%2e%2e/{tid}",
        f"/api/files/{tid}/%2Fetc%2Fpasswd",
        f"/api/files/{tid}//etc/passwd",
        f"/api/files/{tid}/{tmp_path}/secret.txt",
        f"/api/files/{tid}/..%5c..%5csecret.txt",
        f"/api/files/{tid}/{other['id']}%2fmusic.mid",
        f"/api/files/{tid}/%2e%2e%2f{other['id']}%2fmusic.mid",
        f"/api/files/{tid}/{other['id']}",
        f"/api/files/{tid}/config.json",
        f"/api/files/{tid}/music.mid.part",
        f"/api/files/{tid}/MUSIC.MID",
        f"/api/files/{tid}/",
        f"/api/files/{tid}",
        f"/api/files/{tid.upper()}/music.mid",
        "/api/files/0123456789abcdef/music.mid",
        "/static/../pyproject.toml",
        "/static/%2e%2e/app.py",
        "/static/",
        "/static",
    ]:
        answer = client.get(path)
        assert answer.status_code == 404, (path, answer.status_code, answer.text[:80])
        assert b"secret" not in answer.content and b"root:" not in answer.content
    assert client.get(f"/api/files/{other['id']}/music.mid").status_code == 200


def test_busy_queue_answers_429_with_retry_after(client):
    jobs = client.app.state.jobs
    release = threading.Event()
    blockers = [jobs.submit("block", lambda job: release.wait(30))]
    for _ in range(200):  # until the worker holds it
        if blockers[0].status == "running":
            break
        time.sleep(0.01)
    try:
        for _ in range(2):  # max_waiting=2: the worker holds one, two wait
            blockers.append(jobs.submit("block", lambda job: None))
        answer = client.post("/api/generate", json={"prompt": "piano", "fields": {"bars": "1"}})
        message = one_line_error(answer, 429)
        seconds = int(answer.headers["retry-after"])
        assert seconds >= 1 and message == f"busy, try again in {seconds} s"
        assert client.get(f"/api/jobs/{blockers[2].id}").json()["position"] in (1, 2)
    finally:
        release.set()
    for job in blockers:
        assert wait_job(client.get, job.id, 10)["status"] == "done"
    assert client.post("/api/parse", json={"prompt": "piano"}).status_code == 200


def test_a_job_past_its_time_is_stopped(tiny_generator, tmp_path):
    app = create_app(tiny_generator, out_dir=tmp_path, limits=Limits(job_timeout_s=0.2))
    with TestClient(app) as client:
        answer = client.post("/api/generate", json={"prompt": "piano", "fields": {"bars": "64"}, "candidates": 4})
        state = wait_job(client.get, answer.json()["job"])
    assert state["status"] == "error" and "longer than 0.2 s" in state["error"]


def test_clean_up_by_age_and_size(tmp_path):
    store = TakeStore(tmp_path, keep_seconds=100, max_bytes=2500)
    takes = [store.new("generate") for _ in range(4)]
    for index, take in enumerate(takes):
        take.created = 1000 + index
        (take.folder / "music.mid").write_bytes(b"x" * 1000)
        take.files.add("music.mid")
    # takes[0] is older than 100 s; then 3000 bytes > 2500: the oldest left goes
    assert store.clean(now=1100.5) == [takes[0].id, takes[1].id]
    assert store.clean(now=1100.5) == []
    assert [t.id for t in store.all()] == [takes[3].id, takes[2].id]
    assert not takes[0].folder.exists() and store.file(takes[0].id, "music.mid") is None
    assert store.file(takes[3].id, "music.mid") == takes[3].folder / "music.mid"


def test_page_api_docs_and_offline_assets(client):
    page = client.get("/")
    assert page.status_code == 200 and b'id="prompt"' in page.content
    schema = client.get("/openapi.json").json()
    assert {"/api/parse", "/api/generate", "/api/continue", "/api/jobs/{job_id}", "/api/uploads"} <= set(
        schema["paths"]
    )
    from musicgen_symbolic.studio.app import STATIC

    for path in STATIC.iterdir():
        text = path.read_text()
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, path.name
        assert client.get(f"/static/{path.name}").status_code == 200
    assert client.get("/api/health").json()["queue"]["max_waiting"] == 2
    assert client.get("/docs").status_code == 404  # FastAPI's docs page would load scripts from a CDN


def test_serve_checks_its_port_first():
    from musicgen_symbolic.errors import MusicGenError
    from musicgen_symbolic.studio import serve

    with pytest.raises(MusicGenError, match="--port must be 0–65535"):
        serve(port=70000)


def test_a_temporary_output_folder_goes_with_the_server(tiny_generator):
    app = create_app(tiny_generator)
    folder = app.state.studio.store.folder
    with TestClient(app):
        assert folder.is_dir()
    assert not folder.exists()
