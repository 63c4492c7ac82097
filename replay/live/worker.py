"""worker: the API's followers, one child process per followed stream.

A follower runs for as long as the stream does (hours), so it does not take the API's job thread (which would
then run nothing else): ``LiveManager.start`` runs ``python -m replay.live.worker`` with the request and the
server's settings on its stdin (never on the command line, where they would be visible). The child runs one
Follower as a job of kind ``live``; everything it does is in the database, so the API reads the index, the
state and the events from there.

- SIGTERM (the server stopping) stops a follower without ending its stream; ``LiveManager.resume`` starts it
  again when the server comes back, and it continues from its last committed step.
- A follower that died (``kill -9``, a crash) is started again the same way.
- POST /streams/{id}/end only marks the end in the database; the follower sees it at its next look.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from replay.errors import ReplayError
from replay.jobs.lifecycle import abandon
from replay.live.follower import Follower
from replay.live.store import LiveStore
from replay.live.stream import ACTIVE, STALE_HEARTBEAT, alive
from replay.settings import Settings
from replay.store.database import Database


class Aborted(ReplayError):
    code = "interrupted"


class LiveManager:
    """The follower processes of one API server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, stream_id: str, job_id: str) -> None:
        proc = self.procs.get(stream_id)
        if proc is not None and proc.poll() is None:
            return
        log = self.settings.stream_dir(stream_id) / "live" / "follower.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        request = {"settings": self.settings.model_dump(mode="json"), "stream_id": stream_id, "job_id": job_id}
        with open(log, "ab") as out:
            proc = subprocess.Popen([sys.executable, "-m", "replay.live.worker"], stdin=subprocess.PIPE, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(request).encode())
        proc.stdin.close()
        self.procs[stream_id] = proc

    def running(self, stream_id: str, db: Database) -> bool:
        proc = self.procs.get(stream_id)
        if proc is not None and proc.poll() is None:
            return True
        row = LiveStore(db).row(stream_id)
        return bool(row and alive(row.pid) and time.time() - (row.heartbeat or 0) < STALE_HEARTBEAT)

    def resume(self, db: Database) -> int:
        """Start a follower for every stream left following by a server or follower that stopped."""
        n = 0
        rows = LiveStore(db).rows(ACTIVE)
        # A live job left queued or running whose stream is no longer followed has nothing to resume.
        active_jobs = {row.job_id for row in rows}
        for job in db.interrupted_jobs():
            if job.kind == "live" and job.id not in active_jobs:
                abandon(db, job.id, "follow the stream again with POST /streams and \"live\": true")
        for row in rows:
            if self.running(row.stream_id, db):
                continue
            job_id = row.job_id
            if job_id is None:
                job_id = db.create_job(row.stream_id, "live", {"source": row.source}).id
            else:
                db.update_job(job_id, state="queued", stage="", progress=0.0, eta=None)
            self.start(row.stream_id, job_id)
            n += 1
        return n

    def close(self, timeout: float = 15.0) -> None:
        """Stop every follower (SIGTERM: each commits its step and exits; its stream stays live, to be resumed)."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + timeout
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()


def main() -> int:
    """The child: read the request, follow the stream as its job, record a failure on the stream."""
    from replay.jobs.lifecycle import run_job
    from replay.live.fetch import IngestPolicy

    request: dict[str, Any] = json.loads(sys.stdin.read())
    settings = Settings.model_validate(request["settings"])
    db = Database(settings.database)
    store = LiveStore(db)
    row = store.row(request["stream_id"])
    if row is None:
        print(f"no live stream {request['stream_id']}", file=sys.stderr)
        return 2
    follower = Follower(settings, row.source, db.catalog(row.stream_id), db=db, stream_id=row.stream_id,
                        title=row.title, policy=IngestPolicy(settings.ingest_hosts, Path(settings.media_root)),
                        job_id=request["job_id"], job_options=row.options)
    follower.install_signals()

    def work(report: Any) -> dict[str, Any]:
        index = follower.run()
        if index is None:
            raise Aborted("the server stopped; the follower resumes when it starts again")
        return {"highlights": len(index.highlights), "stream_id": row.stream_id}

    try:
        run_job(db, request["job_id"], work)
    except Aborted:
        return 0
    except BaseException as exc:
        message = exc.message if isinstance(exc, ReplayError) else type(exc).__name__
        store.update(row.stream_id, state="failed", error=message, pid=None)
        store.add_event(row.stream_id, "failed", {"error": message})
        if not isinstance(exc, ReplayError):
            raise
        return 1
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
