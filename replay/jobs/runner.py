"""runner: the API's background job runner. One worker thread, a FIFO queue, all state in the database.

The runner keeps nothing a client needs: it runs each request through jobs/lifecycle.py, which writes every
transition, the stage, progress, ETA, result and error to the ``jobs`` table, so GET /jobs/{id} reads only
the database and a restarted server resumes queued or running index jobs (JobRunner.resume). Indexing is
CPU-bound and runs its own process pool, so one worker thread is enough; a second concurrent job would
only fight the first for cores.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from replay.contracts import Catalog, Progress
from replay.errors import ReplayError
from replay.hls.job import PackageLane, PackageRequest, request_of
from replay.jobs.lifecycle import Report, abandon, requeue, run_job, summary
from replay.media.clips import ClipOptions
from replay.settings import Settings, with_options
from replay.store.database import Database

log = logging.getLogger("replay.jobs")


@dataclass(frozen=True, slots=True)
class IndexRequest:
    """Everything an index job needs; the job's ``options`` column keeps the same (the catalog is the stream's)."""

    job_id: str
    stream_id: str
    path: Path
    catalog: Catalog
    title: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    """This job's own stage options, over the server's settings: {"visual": {"enabled": false}, ...}."""


@dataclass(frozen=True, slots=True)
class ClipRequest:
    """Cut one clip of an indexed stream; the result (file names, real range) is stored on the job."""

    job_id: str
    stream_id: str
    start: float
    end: float
    options: ClipOptions
    sku_id: str | None = None
    title: str | None = None


Work = Callable[[IndexRequest, Database, Report], dict[str, Any] | None]
"""What an index job does: report progress, return the result (or None), raise to fail. The default runs the
pipeline; tests give their own."""


def clips_dir(settings: Settings, stream_id: str) -> Path:
    return settings.stream_dir(stream_id) / "clips"


def clip_work(settings: Settings, req: ClipRequest, db: Database, report: Report) -> dict:
    from replay.hls.package import clip_source, hls_dir
    from replay.media.clips import cut_clip
    from replay.media.probe import probe

    # The original while it is kept, else the best HLS rendition (package.keep_original=false).
    info = probe(clip_source(Path(db.stream(req.stream_id)["path"]), hls_dir(settings.stream_dir(req.stream_id))))
    out = clips_dir(settings, req.stream_id) / f"{req.job_id}.mp4"
    r = cut_clip(info, req.start, req.end, out, req.options, db.transcript(req.stream_id).segments,
                 progress=lambda f: report(Progress("clip", f)), sku_id=req.sku_id, title=req.title)
    base = f"/streams/{req.stream_id}/clips/"
    return {"file": base + r.path.name, "subtitles": [base + p.name for p in r.subtitles], "start": r.start,
            "end": r.end, "duration": r.duration, "sku_id": r.sku_id, "title": r.title}


def pipeline_work(settings: Settings) -> Work:
    def work(req: IndexRequest, db: Database, report: Report) -> dict[str, Any]:
        from replay.pipeline import PipelineOptions, index_stream  # the ASR stack loads when a job runs

        result = index_stream(req.path, req.catalog, with_options(settings, req.options),
                              PipelineOptions(title=req.title, stream_id=req.stream_id), progress=report, db=db)
        return summary(result)

    return work


class JobRunner:
    """Runs submitted IndexRequests one at a time in a daemon thread."""

    def __init__(self, settings: Settings, work: Work | None = None) -> None:
        self.settings = settings
        self.work = work or pipeline_work(settings)
        self._queue: queue.Queue[IndexRequest | ClipRequest | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pending = 0  # submitted and not yet finished; guarded by _done
        self._done = threading.Condition()
        # Package jobs (issue 18) run on their own lane and stop while this one has work (replay/hls/job.py).
        self.packages = PackageLane(settings, busy=lambda: self._pending > 0)

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="replay-jobs", daemon=True)
                self._thread.start()

    def submit(self, req: IndexRequest | ClipRequest | PackageRequest) -> None:
        """Queue a job whose row (state 'queued') already exists in the database."""
        if isinstance(req, PackageRequest):
            self.packages.submit(req)
            return
        with self._done:
            self._pending += 1
        self._queue.put(req)
        self.start()

    def resume(self, db: Database) -> int:
        """Re-queue jobs a previous process left queued or running; returns how many."""
        n = 0
        for job in db.interrupted_jobs():
            data = job.options or {}
            if job.kind == "package":
                requeue(db, job.id)
                self.packages.submit(request_of(job))
                n += 1
                continue
            if job.kind != "index" or "path" not in data:
                abandon(db, job.id, "register the stream again with POST /streams, or ask for the clip again")
                continue
            requeue(db, job.id)
            self.submit(IndexRequest(job_id=job.id, stream_id=job.stream_id, path=Path(data["path"]),
                                     catalog=db.catalog(job.stream_id), title=data.get("title"),
                                     options=data.get("options") or {}))
            n += 1
        return n

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until the queue is drained (tests and shutdown)."""
        with self._done:
            return self._done.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 5.0) -> None:
        self.packages.close(timeout)
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout)

    # --- worker thread ------------------------------------------------------------------------
    def _loop(self) -> None:
        db = Database(self.settings.database)  # a connection of this thread's own (sqlite3 is per-thread)
        while True:
            req = self._queue.get()
            if req is None:
                return
            try:
                self._run(db, req)
            finally:
                with self._done:
                    self._pending -= 1
                    self._done.notify_all()

    def _run(self, db: Database, req: IndexRequest | ClipRequest) -> None:
        if isinstance(req, ClipRequest):
            work = lambda report: clip_work(self.settings, req, db, report)  # noqa: E731
        else:
            work = lambda report: self.work(req, db, report)  # noqa: E731
        try:
            run_job(db, req.job_id, work)
            if isinstance(req, IndexRequest):
                self.packages.pick_up(db)  # the package job its pipeline queued, if package.enabled
        except ReplayError as exc:
            log.warning("job %s failed: %s", req.job_id, exc)
        except Exception:  # a bug: the lifecycle recorded a clean error; keep the worker alive, log the traceback
            log.exception("job %s crashed", req.job_id)
