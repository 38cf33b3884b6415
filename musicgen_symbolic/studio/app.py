"""The studio's routes: the page at ``/``, its static files, and the JSON API under ``/api``.

Every error is ``{"error": "one line"}``: a :class:`MusicGenError`'s message for bad input (400), 404 for anything
not found, 413 for an upload too large, 429 with ``Retry-After`` when the queue is full, never a traceback.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from ..errors import MusicGenError
from . import work
from .jobs import Busy, JobQueue
from .limits import Limits
from .schemas import ContinueRequest, Error, GenerateRequest, JobAccepted, ParseRequest, Understood
from .takes import FILES, TakeStore

STATIC = Path(__file__).resolve().parent / "static"
MEDIA_TYPES = {
    "music.mid": "audio/midi",
    "music.wav": "audio/wav",
    "stems.zip": "application/zip",
    "score.musicxml": "application/vnd.recordare.musicxml+xml",
}
MAX_WAIT_S = 10.0
ERRORS = {400: {"model": Error}, 404: {"model": Error}, 429: {"model": Error}}


class TooLarge(Exception):
    pass


def create_app(
    generator: object | None = None,
    *,
    model: str | Path | None = None,
    out_dir: str | Path | None = None,
    limits: Limits | None = None,
    soundfont: str | Path | None = None,
) -> FastAPI:
    """The studio as an ASGI app. ``generator``: a loaded :class:`MusicGenSymbolic` (else ``model``'s folder, or the
    bundled model, is loaded by the first job); ``out_dir``: where takes are written (default: a new temporary
    folder); ``limits``: see :class:`Limits`."""
    limits = limits or Limits()
    temporary = out_dir is None
    folder = Path(tempfile.mkdtemp(prefix="musicgen-studio-")) if temporary else Path(out_dir)
    store = TakeStore(folder, limits.keep_seconds, limits.max_output_bytes)
    studio = work.Studio(store, limits, generator, model, soundfont)
    jobs = JobQueue(limits.max_waiting, limits.job_timeout_s, limits.max_jobs_remembered, on_idle=store.clean)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.stop(1.0)
        if temporary:  # a folder of its own: gone with the server
            shutil.rmtree(folder, ignore_errors=True)

    app = FastAPI(
        lifespan=lifespan,
        title="musicgen-symbolic studio",
        summary="Type a prompt, hear it, see it, change it, download it.",
        description=_API_DOC,
        version="1",
        docs_url=None,  # FastAPI's interactive pages load their scripts from a CDN: the studio fetches nothing
        redoc_url=None,
    )
    app.state.studio, app.state.jobs = studio, jobs
    _errors(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.post("/api/parse", response_model=Understood, responses=ERRORS, tags=["prompt"])
    def parse(body: ParseRequest) -> dict:
        """What the parser understood of a prompt (with any corrections applied), as the page's fields show it."""
        return {"understood": work.parse(body.prompt, body.fields)}

    @app.post("/api/generate", status_code=202, response_model=JobAccepted, responses=ERRORS, tags=["jobs"])
    def generate(body: GenerateRequest) -> dict:
        """Queue a generation of 1–4 candidates; poll the job for its takes."""
        run = work.generate_job(studio, body.prompt, body.fields, body.sampling.model_dump(), body.candidates)
        return _queued(jobs.submit("generate", run))

    @app.post("/api/continue", status_code=202, response_model=JobAccepted, responses=ERRORS, tags=["jobs"])
    def continue_(body: ContinueRequest) -> dict:
        """Queue a continuation (8 more bars) or another ending (the last 4 bars anew) of a take."""
        try:
            run = work.continue_job(studio, body.take, body.ending, body.sampling.model_dump(), body.bars)
        except LookupError:
            raise HTTPException(404, f"no take {body.take!r}") from None
        return _queued(jobs.submit("ending" if body.ending else "continue", run))

    @app.get("/api/jobs/{job_id}", responses=ERRORS, tags=["jobs"])
    def job(job_id: str, wait: float = 0.0, seen: str = "") -> dict:
        """A job's status (queued with its place, running with bars done, done with its takes, or error). With
        ``wait`` (at most 10 s) and ``seen`` (the ``version`` of the last answer), the answer waits until the
        job has changed: no polling delay between a take being ready and the page hearing of it."""
        found = jobs.get(job_id)
        if found is None:
            raise HTTPException(404, f"no job {job_id!r}")
        deadline = time.monotonic() + min(max(wait, 0.0), MAX_WAIT_S)
        while found.version() == seen and time.monotonic() < deadline:
            time.sleep(0.01)
        return found.to_dict(jobs.position(found))

    @app.post("/api/uploads", status_code=201, responses={**ERRORS, 413: {"model": Error}}, tags=["takes"])
    async def upload(request: Request, name: str = "upload.mid") -> dict:
        """A MIDI file to continue from, sent as the raw request body (at most 1 MiB; refused as soon as more
        arrives). It is only ever read as MIDI."""
        data = await _read_bounded(request, limits.max_upload_bytes)
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(work.add_upload, studio, data, name)

    @app.get("/api/takes", tags=["takes"])
    def takes() -> dict:
        """The session's takes, newest first (without their notes)."""
        return {"takes": [work.describe(take) for take in store.all()]}

    @app.get("/api/takes/{take_id}", responses=ERRORS, tags=["takes"])
    def take(take_id: str) -> dict:
        """One take with the notes of its piano roll."""
        found = store.get(take_id)
        if found is None:
            raise HTTPException(404, "no such take")
        return work.describe(found, roll=True)

    @app.get("/api/files/{take_id}/{name}", responses=ERRORS, tags=["takes"])
    def file(take_id: str, name: str) -> FileResponse:
        """A take's file: music.mid, music.wav, stems.zip or score.musicxml (the last two made on first request)."""
        found = store.get(take_id)
        if found is None or name not in FILES or "music.mid" not in found.files:
            raise HTTPException(404, "no such file")
        path = work.ensure_file(studio, found, name)
        download = f"{found.kind}-{found.id[:6]}-{name}"
        return FileResponse(path, media_type=MEDIA_TYPES[name], filename=download, content_disposition_type="inline")

    @app.get("/api/health", tags=["server"])
    def health() -> dict:
        """Whether the server answers, and its queue."""
        from ..settings import GenerationSettings

        defaults = GenerationSettings()
        return {
            "ok": True,
            "queue": jobs.stats(),
            "limits": limits.__dict__,
            "defaults": {name: getattr(defaults, name) for name in work.SAMPLING},
        }

    return app


def _queued(job) -> dict:  # noqa: ANN001
    return {"job": job.id, "status_url": f"/api/jobs/{job.id}"}


async def _read_bounded(request: Request, limit: int) -> bytes:
    """The request body, refused (413) as soon as it is declared or found longer than ``limit``."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise TooLarge()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _errors(app: FastAPI) -> None:
    def error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
        return JSONResponse({"error": " ".join(str(message).split())[:500]}, status, headers)

    @app.exception_handler(MusicGenError)
    async def bad_input(request: Request, exc: MusicGenError) -> JSONResponse:
        return error(400, str(exc))

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy) -> JSONResponse:
        return error(429, str(exc), {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(TooLarge)
    async def too_large(request: Request, exc: TooLarge) -> JSONResponse:
        limit = app.state.studio.limits.max_upload_bytes
        # Connection: close: the rest of the body is never read
        return error(413, f"the file is too large: at most {limit // 1024} KiB", {"Connection": "close"})

    @app.exception_handler(HTTPException)
    async def http(request: Request, exc: HTTPException) -> JSONResponse:
        return error(exc.status_code, exc.detail, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return error(422, f"{where}: {first.get('msg', 'invalid request')}" if where else first.get("msg", "invalid"))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return error(500, f"unexpected {type(exc).__name__}: {exc}")


_API_DOC = """
The JSON API under the studio's page (the page uses only this).

1. `POST /api/parse` `{prompt}` → the attributes understood, as text fields.
2. `POST /api/generate` `{prompt, fields, sampling, candidates}` → `202 {job}`; `429 {error}` with `Retry-After`
   when the queue is full.
3. `GET /api/jobs/{job}` until `status` is `done` (its `takes`, each with its files and piano-roll notes) or
   `error` (`{error}` in words).
4. `GET /api/files/{take}/{name}`: `music.mid`, `music.wav`, `stems.zip`, `score.musicxml`.
5. `POST /api/uploads?name=song.mid` with the MIDI file as the body → a take; `POST /api/continue`
   `{take, ending}` continues it (8 more bars) or plays its last 4 bars anew.
"""
