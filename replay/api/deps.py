"""deps: what every route needs (settings, a database connection, the job runner, the API key check).

sqlite3 connections may not cross threads and FastAPI runs sync routes in a thread pool, so each thread
gets its own Index (one connection, reused across requests; WAL lets them read while a job writes).
"""

from __future__ import annotations

import secrets
import threading

from fastapi import Header, Request

from replay.api.jobs import JobRunner
from replay.errors import Unauthorized
from replay.index import Index
from replay.settings import Settings


class AppContext:
    def __init__(self, settings: Settings, runner: JobRunner) -> None:
        self.settings = settings
        self.runner = runner
        self._local = threading.local()

    def index(self) -> Index:
        ix = getattr(self._local, "index", None)
        if ix is None:
            ix = self._local.index = Index(self.settings.database)
        return ix


def context(request: Request) -> AppContext:
    return request.app.state.ctx


def get_index(request: Request) -> Index:
    return context(request).index()


def get_settings(request: Request) -> Settings:
    return context(request).settings


_KEY = Header(None, description="Needed when the server has REPLAY_API_KEY set.")


def require_api_key(request: Request, x_api_key: str | None = _KEY) -> None:
    """Write endpoints: when settings.api_key is set, X-API-Key must equal it (compared in constant time)."""
    expected = context(request).settings.api_key
    if not expected:
        return
    if x_api_key is None:
        raise Unauthorized("missing X-API-Key header", hint="send the key configured as REPLAY_API_KEY in X-API-Key")
    if not secrets.compare_digest(x_api_key.encode(), expected.encode()):
        raise Unauthorized("wrong API key", hint="send the key configured as REPLAY_API_KEY in X-API-Key")
