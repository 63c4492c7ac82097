"""The FastAPI application: ``create_app(settings, runner)``; OpenAPI at /docs.

Run it with ``uvicorn --factory replay.api.app:create_app`` (or the CLI's ``serve``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from replay.api import (
    errors,
    routes_clips,
    routes_edits,  # issue 11: corrections
    routes_hls,  # issue 18: the HLS ladder
    routes_live,  # issue 14: streams followed live
    routes_media,
    routes_search,
    routes_streams,
    routes_uploads,
    routes_web,
)
from replay.api import routes_analytics as routes_analytics  # issue 17: viewer events and their analytics
from replay.api import routes_events as routes_events
from replay.api.deps import AppContext, limit_json_body, require_read_key
from replay.api.web import WEB_DIR
from replay.jobs.runner import JobRunner, Work
from replay.live.worker import LiveManager
from replay.settings import Settings, get_settings

log = logging.getLogger("replay.api")

DESCRIPTION = """Index recorded live-commerce streams (直播带货回放) into per-SKU 看点 and serve them.

Every error has one JSON shape: `{"error": {"code", "message", "hint", "status"}}`.
Write endpoints (POST, PATCH, DELETE) need `X-API-Key` when the server has `REPLAY_API_KEY` set; with
`REPLAY_PROTECT_READS` the read endpoints need it too. Limits and guarantees: see the README.
Editors' corrections (PATCH/POST/DELETE on a 看点, PATCH on a transcript segment) are listed by
`GET /streams/{id}/edits` and used by every endpoint that returns 看点 or transcript text.
"""


def create_app(settings: Settings | None = None, runner: JobRunner | Work | None = None) -> FastAPI:
    """Build the app. ``runner`` replaces the job runner: a JobRunner, or a work function
    ``(IndexRequest, Database, report) -> None`` run by the default runner's thread (tests inject fakes here)."""
    settings = settings or get_settings()
    if runner is None or not isinstance(runner, JobRunner):
        runner = JobRunner(settings, work=runner)
    ctx = AppContext(settings, runner)
    live = LiveManager(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = ctx.acquire()
        try:
            resumed = runner.resume(db)
            followed = live.resume(db)  # followers of live streams a stopped server left (issue 14)
        finally:
            ctx.release(db)
        if resumed:
            log.info("resumed %d interrupted job(s)", resumed)
        if followed:
            log.info("resumed following %d live stream(s)", followed)
        yield
        runner.close()
        live.close()

    app = FastAPI(title="replay", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.ctx = ctx
    app.state.live = live
    errors.install(app)
    for module in (routes_streams, routes_live, routes_clips, routes_media, routes_uploads, routes_search, routes_web,
                   routes_edits, routes_hls):
        # With REPLAY_PROTECT_READS every route needs the key, reads included; /static and /docs stay open.
        # JSON bodies (an inline catalog at most) are bounded like a catalog file; uploads have their own limit.
        bounded = [] if module is routes_uploads else [Depends(limit_json_body)]
        app.include_router(module.router, dependencies=[Depends(require_read_key), *bounded])
    for module in (routes_analytics, routes_events):  # issue 17
        app.include_router(module.router, dependencies=[Depends(require_read_key)])
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    return app
