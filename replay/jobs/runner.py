"""jobs: the API's background job runner. One worker thread, a FIFO queue, all state in the database.

The runner never keeps state a client needs: every transition (queued -> running -> done | failed), the
current stage, progress 0..1, the ETA and the error {code, message, hint} are written to the ``jobs`` table
through Index.update_job, so GET /jobs/{id} reads only the database and a restarted server can resume
queued or running jobs (see JobRunner.resume). Indexing is CPU-bound and runs its own process pool, so one
worker thread is enough; a second concurrent job would only fight the first for cores.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from replay.contracts import Catalog
from replay.errors import ReplayError
from replay.media.clips import ClipOptions
from replay.settings import Settings
from replay.store.database import Index

log = logging.getLogger("replay.api.jobs")


@dataclass(frozen=True, slots=True)
class IndexRequest:
    """Everything an index job needs; the same fields are kept in the job's ``options`` column."""

    job_id: str
    stream_id: str
    path: Path
    catalog: Catalog
    title: str | None = None


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


@dataclass(frozen=True, slots=True)
class JobProgress:
    stage: str
    fraction: float
    eta: float | None = None


Report = Callable[[JobProgress], None]
Work = Callable[[IndexRequest, Index, Report], None]
"""What a job does. It raises to fail; returning means done. The default runs replay.pipeline.index_stream."""


def clips_dir(settings: Settings, stream_id: str) -> Path:
    return settings.derived_dir / stream_id / "clips"


def clip_work(settings: Settings, req: ClipRequest, index: Index, report: Report) -> dict:
    from replay.media.clips import cut_clip
    from replay.media.probe import probe

    info = probe(index.stream(req.stream_id)["path"])
    out = clips_dir(settings, req.stream_id) / f"{req.job_id}.mp4"
    r = cut_clip(info, req.start, req.end, out, req.options, index.transcript(req.stream_id).segments,
                 progress=lambda f: report(JobProgress("clip", f)), sku_id=req.sku_id, title=req.title)
    base = f"/streams/{req.stream_id}/clips/"
    return {"file": base + r.path.name, "subtitles": [base + p.name for p in r.subtitles], "start": r.start,
            "end": r.end, "duration": r.duration, "sku_id": r.sku_id, "title": r.title}


def pipeline_work(settings: Settings) -> Work:
    def work(req: IndexRequest, index: Index, report: Report) -> None:
        from replay.pipeline import PipelineOptions, index_stream  # heavy imports only when a job runs

        index_stream(req.path, req.catalog, settings,
                     PipelineOptions(title=req.title, stream_id=req.stream_id),
                     progress=lambda p: report(JobProgress(p.stage, p.fraction, p.eta)), index=index)

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

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="replay-jobs", daemon=True)
                self._thread.start()

    def submit(self, req: IndexRequest | ClipRequest) -> None:
        """Queue a job whose row (state 'queued') already exists in the database."""
        with self._done:
            self._pending += 1
        self._queue.put(req)
        self.start()

    def resume(self, index: Index) -> int:
        """Re-queue jobs a previous process left queued or running; returns how many."""
        n = 0
        for job in index.interrupted_jobs():
            opts = index.db["jobs"].get(job.id)["options"]
            data = json.loads(opts or "{}")
            if job.kind != "index" or "path" not in data:
                index.update_job(job.id, state="failed", error={
                    "code": "job_interrupted", "message": "the server stopped while this job ran",
                    "hint": "register the stream again with POST /streams"})
                continue
            index.update_job(job.id, state="queued", stage="", progress=0.0, eta=None)
            self.submit(IndexRequest(job_id=job.id, stream_id=job.stream_id, path=Path(data["path"]),
                                     catalog=index.catalog(job.stream_id), title=data.get("title")))
            n += 1
        return n

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until the queue is drained (tests and shutdown)."""
        with self._done:
            return self._done.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 5.0) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout)

    # --- worker thread ------------------------------------------------------------------------
    def _loop(self) -> None:
        index = Index(self.settings.database)  # a connection of this thread's own (sqlite3 is per-thread)
        while True:
            req = self._queue.get()
            if req is None:
                return
            try:
                self._run(index, req)
            finally:
                with self._done:
                    self._pending -= 1
                    self._done.notify_all()

    def _run(self, index: Index, req: IndexRequest | ClipRequest) -> None:
        index.update_job(req.job_id, state="running", stage="starting", progress=0.0)

        def report(p: JobProgress) -> None:
            index.update_job(req.job_id, stage=p.stage, progress=round(max(0.0, min(1.0, p.fraction)), 4), eta=p.eta)

        result = None
        try:
            if isinstance(req, ClipRequest):
                result = clip_work(self.settings, req, index, report)
            else:
                self.work(req, index, report)
        except ReplayError as exc:
            log.warning("job %s failed: %s", req.job_id, exc)
            index.update_job(req.job_id, state="failed",
                             error={"code": exc.code, "message": exc.message, "hint": exc.hint})
        except Exception as exc:  # a bug: keep the worker alive, record a clean error, log the traceback
            log.exception("job %s crashed", req.job_id)
            index.update_job(req.job_id, state="failed", error={
                "code": "internal_error", "message": f"indexing crashed ({type(exc).__name__})",
                "hint": "the server logged the details"})
        else:
            index.update_job(req.job_id, state="done", stage="done", progress=1.0, eta=0.0, result=result)
