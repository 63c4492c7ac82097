"""runner: the API's background job runner. One worker thread, a bounded priority queue, all state in the
database.

The runner keeps nothing a client needs: it runs each request through jobs/lifecycle.py, which writes every
transition, the stage, progress, ETA, result and error to the ``jobs`` table, so GET /jobs/{id} reads only
the database and a restarted server resumes queued or running jobs (JobRunner.resume). Indexing is
CPU-bound and runs its own process pool, so one worker thread is enough; a second concurrent job would
only fight the first for cores.

- Index jobs run before any waiting clip job: a burst of clip requests never starves indexing.
- At most ``max_queued_jobs`` jobs of each kind wait; ``admit`` refuses one more with TooManyRequests (429).
- ``close`` (the server stopping, SIGTERM) lets the running job stop at its next checkpoint, stops the ASR
  workers after ``shutdown_grace`` seconds, and leaves the job queued, so the next server resumes it.
- Package jobs (issue 18) do not wait in this queue: ``submit`` hands them to their own lane
  (hls/job.py: PackageLane), which runs one at a time and stops its ffmpeg while this runner has any job;
  ``close`` stops that lane too, leaving its job queued.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from replay.asr.executor import Executor, make_executor
from replay.contracts import Catalog, Progress
from replay.errors import JobInterrupted, MediaError, ReplayError, StorageFull, TooManyRequests
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

    def job_options(self) -> dict[str, Any]:
        """What the job row keeps, so a restarted server can cut the clip (``from_job``)."""
        return {"start": self.start, "end": self.end, "sku_id": self.sku_id, "title": self.title,
                "clip": dataclasses.asdict(self.options)}

    @classmethod
    def from_job(cls, job_id: str, stream_id: str, data: dict[str, Any]) -> ClipRequest:
        return cls(job_id=job_id, stream_id=stream_id, start=float(data["start"]), end=float(data["end"]),
                   options=ClipOptions(**data["clip"]), sku_id=data.get("sku_id"), title=data.get("title"))


Request = IndexRequest | ClipRequest
Work = Callable[[IndexRequest, Database, Report], dict[str, Any] | None]
"""What an index job does: report progress, return the result (or None), raise to fail. The default runs the
pipeline; tests give their own."""

PRIORITY = {"index": 0, "clip": 1}
"""Lower runs first; within a kind, first come first served."""


def kind_of(req: Request) -> str:
    return "clip" if isinstance(req, ClipRequest) else "index"


def clips_dir(settings: Settings, stream_id: str) -> Path:
    return settings.stream_dir(stream_id) / "clips"


def clip_work(settings: Settings, req: ClipRequest, db: Database, report: Report) -> dict:
    from replay.jobs.clip_inputs import clip_inputs, clip_media
    from replay.media.clips import cut_clip, result_json

    info = clip_media(settings, db, req.stream_id)  # the original while it is kept, else the best HLS rendition
    out = clips_dir(settings, req.stream_id) / f"{req.job_id}.mp4"
    inputs = clip_inputs(db, req.stream_id)  # the editors' corrected transcript, the cards, the catalog
    try:
        r = cut_clip(info, req.start, req.end, out, req.options, inputs.segments,
                     progress=lambda f: report(Progress("clip", f)), sku_id=req.sku_id, title=req.title,
                     cards=inputs.cards, catalog=inputs.catalog)
    except BaseException as exc:
        for leftover in out.parent.glob(f"{req.job_id}.*"):  # a half-written .srt or .mp4 is no result
            leftover.unlink(missing_ok=True)
        if isinstance(exc, MediaError) and "No space left on device" in exc.message:
            raise StorageFull("the disk is full: the clip could not be written",
                              hint="free disk space (old clips, uploads), then ask for the clip again") from exc
        raise
    base = f"/streams/{req.stream_id}/clips/"
    return {"file": base + r.path.name, "subtitles": [base + p.name for p in r.subtitles], **result_json(r),
            "sku_id": r.sku_id, "title": r.title}


def pipeline_work(settings: Settings, executor: Callable[[], Executor | None] = lambda: None) -> Work:
    """The default index job: the whole pipeline, transcribing on ``executor()`` (a fresh one when None)."""
    def work(req: IndexRequest, db: Database, report: Report) -> dict[str, Any]:
        from replay.pipeline import PipelineOptions, index_stream  # the ASR stack loads when a job runs

        result = index_stream(req.path, req.catalog, with_options(settings, req.options),
                              PipelineOptions(title=req.title, stream_id=req.stream_id), progress=report, db=db,
                              executor=executor())
        return summary(result)

    return work


class JobRunner:
    """Runs submitted requests one at a time in a daemon thread, index jobs first."""

    def __init__(self, settings: Settings, work: Work | None = None) -> None:
        self.settings = settings
        self._executor: Executor | None = None  # the running index job's ASR workers, stopped by close()
        self.work = work or pipeline_work(settings, lambda: self._executor)
        self._own_work = work is None
        self._queue: queue.PriorityQueue[tuple[int, int, Request | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # starting the thread
        self._admission = threading.Lock()  # one admission at a time, so the count cannot be overrun
        self._pending = 0  # submitted and not yet finished; guarded by _done
        self._waiting = {kind: 0 for kind in PRIORITY}  # queued, not started; guarded by _done
        self._done = threading.Condition()
        self._stopping = threading.Event()
        self._current: Request | None = None
        # Package jobs (issue 18) run on their own lane and stop while this one has work (replay/hls/job.py).
        self.packages = PackageLane(settings, busy=lambda: self._pending > 0)

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="replay-jobs", daemon=True)
                self._thread.start()

    @contextmanager
    def admit(self, kind: str) -> Iterator[None]:
        """Hold a place in the queue while the job row is created and submitted; TooManyRequests (429) when
        ``max_queued_jobs`` jobs of this kind already wait, or the server is stopping."""
        with self._admission:
            if self._stopping.is_set():
                raise JobInterrupted("the server is stopping", hint="retry when it is back")
            with self._done:
                waiting = self._waiting[kind]
            if waiting >= self.settings.max_queued_jobs:
                raise TooManyRequests(
                    f"{waiting} {kind} jobs are already waiting (REPLAY_MAX_QUEUED_JOBS={self.settings.max_queued_jobs})",
                    hint="retry after the Retry-After seconds, or poll the jobs you already queued",
                    retry_after=30 if kind == "clip" else 300)
            yield

    def submit(self, req: Request | PackageRequest) -> None:
        """Queue a job whose row (state 'queued') already exists in the database. Package jobs go to their own
        lane (issue 18)."""
        if isinstance(req, PackageRequest):
            self.packages.submit(req)
            return
        kind = kind_of(req)
        with self._done:
            self._pending += 1
            self._waiting[kind] += 1
        self._queue.put((PRIORITY[kind], next(self._order), req))
        self.start()

    def resume(self, db: Database) -> int:
        """Re-queue jobs a previous process left queued or running; returns how many."""
        n = 0
        for job in db.interrupted_jobs():
            if job.kind == "live":
                continue  # a followed stream's follower: replay/live's LiveManager.resume starts it again (issue 14)
            data = job.options or {}
            if job.kind == "package":
                requeue(db, job.id)
                self.packages.submit(request_of(job))
                n += 1
                continue
            try:
                if job.kind == "index" and "path" in data:
                    req: Request = IndexRequest(job_id=job.id, stream_id=job.stream_id, path=Path(data["path"]),
                                                catalog=db.catalog(job.stream_id), title=data.get("title"),
                                                options=data.get("options") or {})
                elif job.kind == "clip" and "clip" in data:
                    req = ClipRequest.from_job(job.id, job.stream_id, data)
                else:
                    raise ValueError(job.kind)
            except (KeyError, TypeError, ValueError):  # a row written by an older version
                abandon(db, job.id, "register the stream again with POST /streams, or ask for the clip again")
                continue
            requeue(db, job.id)
            self.submit(req)
            n += 1
        return n

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until the queue is drained (tests and shutdown)."""
        with self._done:
            return self._done.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Stop: the running job stops at its next progress report (or, after ``timeout`` seconds, its ASR
        workers are stopped) and is left queued with what it checkpointed; waiting jobs stay queued. The next
        server's ``resume`` runs them all."""
        grace = self.settings.shutdown_grace if timeout is None else timeout
        self._stopping.set()
        self.packages.close(grace)
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._queue.put((-1, -1, None))  # before any waiting job
        thread.join(grace)
        if thread.is_alive() and self._executor is not None:
            self._executor.terminate()  # the chunk in flight is lost; finished chunks are checkpointed
            thread.join(5.0)
        current = self._current
        if thread.is_alive() and current is not None:
            # Still inside a stage that reports no progress (a long ffmpeg run): leave the job for the next
            # server; this daemon thread ends with the process.
            log.warning("job %s did not stop within %.0f s; it will resume on restart", current.job_id, grace)
            requeue(Database(self.settings.database, busy_timeout=self.settings.db_busy_timeout), current.job_id,
                    stage="interrupted")

    # --- worker thread ------------------------------------------------------------------------
    def _loop(self) -> None:
        # A connection of this thread's own (sqlite3 is per-thread).
        db = Database(self.settings.database, busy_timeout=self.settings.db_busy_timeout)
        while True:
            _, _, req = self._queue.get()
            if req is None or self._stopping.is_set():
                return  # what is still queued stays 'queued' in the database
            with self._done:
                self._waiting[kind_of(req)] -= 1
            try:
                self._current = req
                self._run(db, req)
            finally:
                self._current = None
                with self._done:
                    self._pending -= 1
                    self._done.notify_all()

    def _run(self, db: Database, req: Request) -> None:
        def checked(report: Report) -> Report:
            def inner(p: Progress) -> None:
                if self._stopping.is_set():
                    raise JobInterrupted("the server is stopping", hint="the job resumes when the server restarts")
                report(p)
            return inner

        if isinstance(req, ClipRequest):
            work = lambda report: clip_work(self.settings, req, db, checked(report))  # noqa: E731
        else:
            work = lambda report: self._index(req, db, checked(report))  # noqa: E731
        try:
            run_job(db, req.job_id, work, interrupted=self._stopping.is_set)
            if isinstance(req, IndexRequest):
                self.packages.pick_up(db)  # the package job its pipeline queued, if package.enabled
        except Exception as exc:
            if self._stopping.is_set():  # stopped on purpose (its ASR workers ended): queued again, not a crash
                log.warning("job %s interrupted by the shutdown; it resumes on restart", req.job_id)
            elif isinstance(exc, ReplayError):
                log.warning("job %s failed: %s", req.job_id, exc)
            else:  # a bug: the lifecycle recorded a clean error; keep the worker alive, log the traceback
                log.exception("job %s crashed", req.job_id)

    def _index(self, req: IndexRequest, db: Database, report: Report) -> dict[str, Any] | None:
        if not self._own_work:
            return self.work(req, db, report)
        # The pipeline's ASR workers belong to the runner while the job runs, so close() can stop them.
        self._executor = make_executor(with_options(self.settings, req.options))
        try:
            return self.work(req, db, report)
        finally:
            executor, self._executor = self._executor, None
            executor.close()
