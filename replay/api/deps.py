"""deps: what every route needs (settings, a database connection, the job runner, the API key check).

FastAPI runs sync dependencies and the route itself on (possibly different) thread-pool threads, so a
thread-local connection does not work. Each request instead borrows a Database from a small pool, created
with ``any_thread=True``, and uses it alone until the response is made; WAL lets readers run while a job
writes.
"""

from __future__ import annotations

import queue
import secrets
from collections.abc import Iterator

from fastapi import Header, Request

from replay.errors import PayloadTooLarge, Unauthorized
from replay.jobs.runner import JobRunner
from replay.settings import Settings
from replay.store.database import Database


class AppContext:
    def __init__(self, settings: Settings, runner: JobRunner) -> None:
        self.settings = settings
        self.runner = runner
        self._idle: queue.SimpleQueue[Database] = queue.SimpleQueue()

    def acquire(self) -> Database:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return Database(self.settings.database, any_thread=True, busy_timeout=self.settings.db_busy_timeout)

    def release(self, db: Database) -> None:
        if db.db.conn.in_transaction:
            db.db.conn.rollback()  # never hand on a half-done write
        self._idle.put(db)


def context(request: Request) -> AppContext:
    return request.app.state.ctx


def get_db(request: Request) -> Iterator[Database]:
    ctx = context(request)
    db = ctx.acquire()
    try:
        yield db
    finally:
        ctx.release(db)


def get_settings(request: Request) -> Settings:
    return context(request).settings


_KEY = Header(None, description="Needed when the server has REPLAY_API_KEY set.")


def require_api_key(request: Request, x_api_key: str | None = _KEY) -> None:
    """Write endpoints: when settings.api_key is set, X-API-Key must equal it (compared in constant time)."""
    _check_key(context(request).settings.api_key, x_api_key)


def require_read_key(request: Request, x_api_key: str | None = _KEY) -> None:
    """Read endpoints: the same key, when settings.protect_reads is on as well (private deployments)."""
    settings = context(request).settings
    if settings.protect_reads:
        _check_key(settings.api_key, x_api_key)


JSON_OVERHEAD = 64 * 1024
"""Bytes a JSON request body may hold beyond REPLAY_CATALOG_MAX_BYTES (the path, the options, a title)."""


def limit_json_body(request: Request) -> None:
    """JSON bodies (an inline catalog at most) are bounded like a catalog file, before they are read: 413."""
    declared = request.headers.get("content-length", "")
    limit = context(request).settings.catalog_max_bytes + JSON_OVERHEAD
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the request body ({declared} bytes) is larger than {limit} bytes",
                              hint="a catalog this large belongs in a file: upload it and give catalog_path "
                                   "(or raise REPLAY_CATALOG_MAX_BYTES)")


def _check_key(expected: str | None, x_api_key: str | None) -> None:
    if not expected:
        return
    if x_api_key is None:
        raise Unauthorized("missing X-API-Key header", hint="send the key configured as REPLAY_API_KEY in X-API-Key")
    if not secrets.compare_digest(x_api_key.encode(), expected.encode()):
        raise Unauthorized("wrong API key", hint="send the key configured as REPLAY_API_KEY in X-API-Key")
