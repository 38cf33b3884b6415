"""A bounded queue of jobs run one at a time by a single worker thread (torch never runs two generations at once).

``submit`` refuses a job when ``max_waiting`` are already waiting (:class:`Busy`, with a guess of when to try again);
each job gets ``timeout_s`` from the moment it starts (its :class:`progress.Tracker` stops it past that), and a job
that waited longer than that is dropped without running.
"""

from __future__ import annotations

import collections
import math
import queue
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import MusicGenError
from .progress import Tracker


class Busy(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"busy, try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass
class Job:
    id: str
    kind: str
    work: Callable[[Job], None]  # runs in the worker; adds to ``takes`` as they are ready
    created: float = field(default_factory=time.monotonic)
    status: str = "queued"  # queued | running | done | error
    error: str | None = None
    takes: list[dict] = field(default_factory=list)
    tracker: Tracker = field(default_factory=Tracker)
    started: float | None = None
    finished: float | None = None

    def version(self) -> str:
        """Changes whenever what ``to_dict`` tells changes (but the elapsed time)."""
        p = self.tracker
        return f"{self.status}.{len(self.takes)}.{p.stage}.{p.bars_done}"

    def to_dict(self, position: int | None = None) -> dict:
        elapsed = (self.finished or time.monotonic()) - (self.started or self.created)
        return {
            "id": self.id,
            "version": self.version(),
            "kind": self.kind,
            "status": self.status,
            "error": self.error,
            "position": position,
            "elapsed_s": round(elapsed, 3),
            "progress": self.tracker.to_dict(),
            "takes": list(self.takes),
        }


class JobQueue:
    def __init__(
        self,
        max_waiting: int,
        timeout_s: float,
        remember: int = 200,
        on_idle: Callable[[], None] | None = None,
    ) -> None:
        self.max_waiting = max_waiting
        self.timeout_s = timeout_s
        self.remember = remember
        self.on_idle = on_idle  # called after each job (clean-up)
        self._waiting: queue.Queue[Job | None] = queue.Queue()
        self._jobs: collections.OrderedDict[str, Job] = collections.OrderedDict()
        self._lock = threading.Lock()
        self._queued: list[str] = []
        self._durations: collections.deque[float] = collections.deque([5.0], maxlen=10)
        self._thread = threading.Thread(target=self._run, name="studio-worker", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ the API's side
    def submit(self, kind: str, work: Callable[[Job], None]) -> Job:
        with self._lock:
            if len(self._queued) >= self.max_waiting:
                raise Busy(self.retry_after())
            job = Job(secrets.token_hex(8), kind, work)
            self._jobs[job.id] = job
            self._queued.append(job.id)
            self._forget_old()
        self._waiting.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def position(self, job: Job) -> int | None:
        """1 for the next job to run; None once running or finished."""
        with self._lock:
            return self._queued.index(job.id) + 1 if job.id in self._queued else None

    def retry_after(self) -> int:
        """Seconds until a place is likely free: the recent mean job time for each job ahead."""
        mean = sum(self._durations) / len(self._durations)
        return max(1, min(300, math.ceil(mean * (len(self._queued) + 1))))

    def stats(self) -> dict:
        with self._lock:
            running = [j.id for j in self._jobs.values() if j.status == "running"]
            return {"waiting": len(self._queued), "running": len(running), "max_waiting": self.max_waiting}

    def stop(self, wait: float = 5.0) -> None:
        self._waiting.put(None)
        self._thread.join(wait)

    # ------------------------------------------------------------------ the worker's side
    def _forget_old(self) -> None:
        finished = [i for i, j in self._jobs.items() if j.status in ("done", "error")]
        for job_id in finished[: max(0, len(self._jobs) - self.remember)]:
            del self._jobs[job_id]

    def _run(self) -> None:
        while True:
            job = self._waiting.get()
            if job is None:
                return
            with self._lock:
                self._queued.remove(job.id)
                job.status, job.started = "running", time.monotonic()
            job.tracker = Tracker(job.started + self.timeout_s, self.timeout_s)
            try:
                if job.started - job.created > self.timeout_s:
                    raise MusicGenError(f"the job waited longer than {self.timeout_s:g} s: try again")
                job.work(job)
                job.status = "done"
            except MusicGenError as error:
                job.error, job.status = _one_line(str(error)), "error"
            except Exception as error:  # a bug: one line for the page, never a traceback
                job.error, job.status = f"unexpected {type(error).__name__}: {_one_line(str(error))}", "error"
            finally:
                job.finished = time.monotonic()
                job.tracker.stage = job.status
                self._durations.append(job.finished - job.started)
                if self.on_idle is not None:
                    try:
                        self.on_idle()
                    except Exception:  # clean-up must never stop the worker
                        pass


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]
