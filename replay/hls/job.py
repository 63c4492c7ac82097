"""job: the ``package`` job kind, its own low-priority lane, and the gate that makes it yield to index jobs.

Packaging must never delay a 看点 index. Three things make sure of it:
- it is its own job, queued after the index job has stored the 看点 (the pipeline's ``package`` stage only
  queues it), so an index job is "done" as soon as its 看点 are;
- it runs on its own lane (PackageLane: one thread, FIFO), never in front of an index job;
- while any index job is queued or running, in this process or in any other process that shares the
  database (a CLI ``replay index`` beside the server), ffmpeg is stopped (SIGSTOP): it holds its memory but
  takes no CPU. It also runs at nice 19, so it only has the CPU that nothing else wants.

When the server stops (``PackageLane.close``), the running package job's ffmpeg is killed within half a
second and the job is queued again: the next server resumes it from its finished parts.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from replay.errors import JobInterrupted, ReplayError
from replay.hls.package import PackageResult, hls_dir, package_recording
from replay.jobs.lifecycle import Report, run_job
from replay.settings import Settings, with_options
from replay.store.database import Database, Job

log = logging.getLogger("replay.jobs")

STALE_SECONDS = 900.0
"""An index job row not updated for this long is taken for one a dead process left behind: it no longer
holds packaging back (the server re-queues such rows when it starts)."""


@dataclass(frozen=True, slots=True)
class PackageRequest:
    job_id: str
    stream_id: str
    options: dict[str, Any] = field(default_factory=dict)
    """This job's own settings groups over the server's, e.g. {"package": {"keep_original": false}}."""
    force: bool = False


class IndexGate:
    """Callable: True while packaging must wait for an index job (see the module docstring)."""

    def __init__(self, db_path: Path, busy: Callable[[], bool] | None = None, every: float = 1.0) -> None:
        self.db_path, self.busy, self.every = db_path, busy, every
        self._db: Database | None = None
        self._checked, self._waiting = 0.0, False

    def __call__(self) -> bool:
        if self.busy is not None and self.busy():
            return True
        now = time.monotonic()
        if now - self._checked >= self.every:
            self._db = self._db or Database(self.db_path, any_thread=True)
            row = self._db.db.execute("select count(*) from jobs where kind = 'index' and state in ('queued', 'running') "
                                      "and updated_at > ?", [time.time() - STALE_SECONDS]).fetchone()
            self._waiting, self._checked = bool(row[0]), now
        return self._waiting


def create_package_job(db: Database, stream_id: str, options: dict[str, Any] | None = None, force: bool = False) -> Job:
    db.stream(stream_id)  # 404 for unknown streams
    return db.create_job(stream_id, "package", {"options": options or {}, "force": force})


def pending_package_job(db: Database, stream_id: str) -> Job | None:
    return next((j for j in reversed(db.jobs_for(stream_id)) if j.kind == "package" and j.state in ("queued", "running")),
                None)


def summary(result: PackageResult) -> dict[str, Any]:
    """The result a package job records."""
    return {"master": result.master, "renditions": [r.name for r in result.renditions if r.state == "done"],
            "failed": [r.name for r in result.renditions if r.state == "failed"], "ladder_bytes": result.ladder_bytes,
            "source_bytes": result.source_bytes, "original_kept": result.original_kept}


def package_work(settings: Settings, req: PackageRequest, db: Database, report: Report,
                 pause: Callable[[], bool] | None = None) -> dict[str, Any]:
    stream = db.stream(req.stream_id)
    s = with_options(settings, req.options)
    result = package_recording(Path(stream["path"]), req.stream_id, hls_dir(s.stream_dir(req.stream_id)), s.package,
                               report=report, pause=pause, force=req.force)
    return summary(result)


def request_of(job: Job) -> PackageRequest:
    data = job.options or {}
    return PackageRequest(job_id=job.id, stream_id=job.stream_id, options=data.get("options") or {},
                          force=bool(data.get("force")))


class PackageLane:
    """Runs package jobs one at a time on their own thread, gated by IndexGate."""

    def __init__(self, settings: Settings, busy: Callable[[], bool] | None = None) -> None:
        self.settings = settings
        self.gate = IndexGate(settings.database, busy)
        self._queue: queue.Queue[PackageRequest | None] = queue.Queue()
        self._known: set[str] = set()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pending = 0
        self._done = threading.Condition()
        self._stopping = threading.Event()

    def submit(self, req: PackageRequest) -> None:
        with self._lock:
            if req.job_id in self._known:
                return
            self._known.add(req.job_id)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="replay-package", daemon=True)
                self._thread.start()
        with self._done:
            self._pending += 1
        self._queue.put(req)

    def pick_up(self, db: Database) -> int:
        """Submit package jobs queued in the database (by the pipeline's package stage) that this lane does not
        know yet; returns how many."""
        rows = db.db.execute("select id from jobs where kind = 'package' and state = 'queued'").fetchall()
        new = [db.job(r[0]) for r in rows if r[0] not in self._known]
        for job in new:
            self.submit(request_of(job))
        return len(new)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        with self._done:
            return self._done.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Stop: the running job's ffmpeg is killed at its next poll and the job is queued again (resumed by
        the next server from its finished parts); waiting jobs stay queued."""
        self._stopping.set()
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout)

    def _pause(self) -> bool:
        if self._stopping.is_set():
            raise JobInterrupted("the server is stopping", hint="the package job resumes when the server restarts")
        return self.gate()

    def _loop(self) -> None:
        db = Database(self.settings.database)
        while True:
            req = self._queue.get()
            if req is None or self._stopping.is_set():
                return
            try:
                run_job(db, req.job_id, lambda report, req=req: package_work(self.settings, req, db, report, self._pause),
                        interrupted=self._stopping.is_set)
            except ReplayError as exc:
                if self._stopping.is_set():
                    log.warning("package job %s interrupted by the shutdown; it resumes on restart", req.job_id)
                else:
                    log.warning("package job %s failed: %s", req.job_id, exc)
            except Exception:
                log.exception("package job %s crashed", req.job_id)
            finally:
                with self._done:
                    self._pending -= 1
                    self._done.notify_all()

