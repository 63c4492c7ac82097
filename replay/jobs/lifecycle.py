"""lifecycle: the one way a job lives, whoever starts it (``replay index``, ``index-batch``, the API).

    queued ──> running (stage, progress 0..1, ETA) ──> done (result) | failed (error {code, message, hint})

Every transition is written to the ``jobs`` table as it happens, so GET /jobs/{id} reads only the database,
a job started by the CLI shows in the API like one the server started, and a restarted server can resume
what a dead process left queued or running. An error that is not a ReplayError (a bug) is recorded as
``internal_error`` with its type only: its message may hold paths or secrets.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from replay.asr.executor import Executor
from replay.contracts import Catalog, Progress
from replay.errors import DatabaseBusy, ReplayError, from_system_error
from replay.pipeline import IndexResult, PipelineOptions, index_stream
from replay.settings import Settings
from replay.store.database import Database, Job, stream_id_for

log = logging.getLogger("replay.jobs")

Report = Callable[[Progress], None]
Work = Callable[[Report], dict[str, Any] | None]
"""What a job does: it reports progress, returns the job's result (or None), and raises to fail."""


def error_json(exc: BaseException) -> dict[str, Any]:
    """The error a failed job records: {code, message, hint}. A full disk or a locked database is recorded as
    the replay error it stands for (storage_full, database_busy), not as a crash."""
    exc = from_system_error(exc) or exc
    if isinstance(exc, ReplayError):
        return {"code": exc.code, "message": exc.message, "hint": exc.hint}
    if isinstance(exc, KeyboardInterrupt):
        return {"code": "interrupted", "message": "the job was interrupted",
                "hint": "run the same command again: it resumes from the last checkpoint"}
    return {"code": "internal_error", "message": f"the job crashed ({type(exc).__name__})",
            "hint": "the process logged the details; report them with the job id"}


def run_job(db: Database, job_id: str, work: Work, interrupted: Callable[[], bool] | None = None
            ) -> dict[str, Any] | None:
    """Run ``work`` as the queued job ``job_id``, recording every transition; re-raises what ``work`` raises
    after recording it (a job never stays 'running' after its process stopped caring). When ``interrupted()``
    is true as it ends (the server is stopping), the job is not failed but queued again, to resume."""
    db.update_job(job_id, state="running", stage="starting", progress=0.0, eta=None, error=None)

    def report(p: Progress) -> None:
        try:
            db.update_job(job_id, stage=p.stage, progress=round(max(0.0, min(1.0, p.fraction)), 4), eta=p.eta)
        except sqlite3.OperationalError as exc:
            # Progress is advisory: a database another process holds locked must not kill an hour of work.
            if not isinstance(from_system_error(exc), DatabaseBusy):
                raise
            log.warning("job %s: progress not recorded (%s)", job_id, exc)

    try:
        result = work(report)
    except BaseException as exc:
        if interrupted is not None and interrupted():
            requeue(db, job_id, stage="interrupted")
        else:
            db.update_job(job_id, state="failed", error=error_json(exc))
        raise
    db.update_job(job_id, state="done", stage="done", progress=1.0, eta=0.0, result=result)
    return result


def requeue(db: Database, job_id: str, stage: str = "") -> None:
    """A job a dead (or stopping) process left queued or running goes back to the queue; it starts its work
    again, and the pipeline skips what it checkpointed."""
    db.update_job(job_id, state="queued", stage=stage, progress=0.0, eta=None)


def abandon(db: Database, job_id: str, hint: str) -> None:
    """A job a dead process left behind that cannot be run again fails, saying what to do instead."""
    db.update_job(job_id, state="failed", error={"code": "job_interrupted", "message": "the process running this "
                                                 "job stopped before it finished", "hint": hint})


def create_index_job(db: Database, video: Path, stream_id: str | None = None, title: str | None = None,
                     options: dict[str, Any] | None = None) -> Job:
    """A queued index job. Its row keeps what it needs to run again after a restart: the file, the title and
    the job's own stage options (the catalog is the stream's)."""
    path = Path(video).resolve()
    return db.create_job(stream_id or stream_id_for(path), "index",
                         {"path": str(path), "title": title, "options": options or {}})


def index_with_job(db: Database, video: Path | str, catalog: Catalog, settings: Settings,
                   options: PipelineOptions = PipelineOptions(), on_progress: Report | None = None,
                   executor: Executor | None = None) -> IndexResult:
    """``pipeline.index_stream`` as a job (CLI ``index`` and ``index-batch``): returns its IndexResult and
    raises what it raises, both recorded on the job."""
    job = create_index_job(db, Path(video), options.stream_id, options.title)
    out: dict[str, IndexResult] = {}

    def work(report: Report) -> dict[str, Any]:
        def both(p: Progress) -> None:
            report(p)
            if on_progress is not None:
                on_progress(p)

        out["result"] = index_stream(video, catalog, settings, options, progress=both, executor=executor, db=db)
        return summary(out["result"])

    run_job(db, job.id, work)
    return out["result"]


def summary(result: IndexResult) -> dict[str, Any]:
    """The result an index job records: how many 看点 it found."""
    return {"highlights": len(result.index.highlights)}
