"""Live streams (issue 14): register a recording that is still being written, its events, its end, its segments.

POST /streams with ``"live": true`` lands in ``register_live`` (routes_streams hands it over); the follower runs in
a child process (live/worker.py) and writes everything to the database, which these routes read.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import time
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse

from replay.api.deps import context, get_db, get_settings, require_api_key
from replay.api.errors import ERROR_RESPONSES
from replay.api.paths import resolve_media_path
from replay.errors import Conflict, MediaNotFound, NotFound, NotLive
from replay.live.fetch import IngestPolicy
from replay.live.source import check_source
from replay.live.store import LiveStore
from replay.live.stream import ACTIVE, live_stream_id, register
from replay.live.worker import LiveManager
from replay.settings import Settings, with_options
from replay.store.database import Database

router = APIRouter(responses=ERROR_RESPONSES, tags=["live"])

HEARTBEAT_SECONDS = 15.0
POLL_SECONDS = 0.5
_SEGMENT = re.compile(r"^\d{6}(\.gap)?\.ts$")


def manager(request: Request) -> LiveManager:
    return request.app.state.live


def register_live(body: Any, request: Request, db: Database) -> JSONResponse:
    """POST /streams {"live": true, "path": URL or path, ...}: check the source, register the stream, start its
    follower; 202 with the job, the stream, its events and its end."""
    from replay.api.routes_streams import _load_catalog

    settings = context(request).settings
    policy = IngestPolicy(settings.ingest_hosts, settings.media_root)
    source = body.path.strip()
    if "://" not in source:
        path = resolve_media_path(source, settings.media_root)
        if not path.exists():
            raise MediaNotFound(f"no file {body.path!r} under the media root",
                                hint="start the packager or recorder first, then register its playlist or file")
        source = str(path)
    check_source(source, policy)  # a refused host or address: 403 now, not in the follower
    catalog, _ = _load_catalog(body, settings)
    with_options(settings, body.options)
    stream_id = live_stream_id(source)
    store = LiveStore(db)
    row = store.row(stream_id)
    live = manager(request)
    if row is not None and row.state in ACTIVE and live.running(stream_id, db):
        raise Conflict(f"stream {stream_id} is already being followed", hint=f"read GET /streams/{stream_id}/events")
    job = db.create_job(stream_id, "live", {"source": source, "title": body.title, "options": body.options or {}})
    if row is not None and row.state not in ACTIVE:
        # Followed before and ended (or failed): the source is live again, follow it from the start.
        store.forget(stream_id)
        shutil.rmtree(settings.stream_dir(stream_id) / "live", ignore_errors=True)
    register(db, settings, stream_id, source, catalog, body.title, body.options or {}, job.id)
    live.start(stream_id, job.id)
    base = f"/streams/{stream_id}"
    return JSONResponse({"job_id": job.id, "stream_id": stream_id, "job": f"/jobs/{job.id}", "stream": base,
                         "events": f"{base}/events", "end": f"{base}/end"}, status_code=202)


@router.post("/streams/{stream_id}/end", status_code=202, dependencies=[Depends(require_api_key)],
             responses={409: {"description": "The stream is not being followed live"}})
def end_stream(stream_id: str, request: Request, db: Database = Depends(get_db)) -> JSONResponse:
    """End a live stream now: its follower finishes the index (the last window, every 看点 final) and sends
    ``ended`` on GET /streams/{id}/events."""
    db.stream(stream_id)  # 404 for an unknown stream
    store = LiveStore(db)
    row = store.row(stream_id)
    if row is None:
        raise NotLive(f"stream {stream_id} is not a live stream", hint="only streams registered with \"live\": true end")
    if row.state not in ACTIVE:
        raise NotLive(f"stream {stream_id} has already ended ({row.end_reason or row.state})",
                      hint=f"its index is at GET /streams/{stream_id}/highlights")
    store.request_end(stream_id)
    live = manager(request)
    if not live.running(stream_id, db) and row.job_id:
        live.start(stream_id, row.job_id)  # nobody is following it: a follower starts, sees the end and finishes
    return JSONResponse({"stream_id": stream_id, "state": "ending", "events": f"/streams/{stream_id}/events"},
                        status_code=202)


def _sse(seq: int, kind: str, data: dict[str, Any]) -> str:
    return f"id: {seq}\nevent: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.get("/streams/{stream_id}/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "Server-Sent Events: opened, updated, withdrawn, final (看点), progress, "
                                            "fault, ending, ended, failed"}})
async def stream_events(stream_id: str, request: Request, after: int = Query(0, ge=0, description="Send events after "
                                                                                               "this id (or Last-Event-ID)."),
                        last_event_id: str | None = Header(None)) -> StreamingResponse:
    """The stream's events as Server-Sent Events, in order, each with its id (a reconnecting client sends
    Last-Event-ID and gets what it missed): ``opened`` (a 看点 is being explained), ``updated`` (its end grew, or its
    start moved: ``previous_id``), ``withdrawn``, ``final`` (settled: id and start never change again), ``progress``,
    ``fault``, ``ending``, ``ended`` (the index is finished; the stream closes after it) and ``failed``.
    A stream that is not followed live gets one ``ended`` event."""
    ctx = context(request)

    def read(seq: int) -> tuple[list[Any], str | None]:
        db = ctx.acquire()
        try:
            db.stream(stream_id)
            store = LiveStore(db)
            row = store.row(stream_id)
            return store.events_after(stream_id, seq), (row.state if row else None)
        finally:
            ctx.release(db)

    start = after
    if last_event_id and last_event_id.strip().isdigit():
        start = max(start, int(last_event_id.strip()))
    events, state = await run_in_threadpool(read, start)  # 404 before the stream opens

    async def gen():  # noqa: ANN202 - an async generator of text
        nonlocal events, state
        seq, beat = start, time.monotonic()
        yield "retry: 2000\n\n"
        if state is None:
            yield _sse(0, "ended", {"stream_id": stream_id, "reason": "not live", "state": "final"})
            return
        while True:
            for e in events:
                seq = e.seq
                yield _sse(e.seq, e.type, e.data)
                if e.type in ("ended", "failed"):
                    return
            if time.monotonic() - beat >= HEARTBEAT_SECONDS:
                beat = time.monotonic()
                yield ": keep-alive\n\n"
            if await request.is_disconnected():
                return
            await asyncio.sleep(POLL_SECONDS)
            events, state = await run_in_threadpool(read, seq)

    return StreamingResponse(gen(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.head("/streams/{stream_id}/live/segments/{name}", include_in_schema=False)
@router.get("/streams/{stream_id}/live/segments/{name}", response_class=Response,
            responses={200: {"content": {"video/mp2t": {}}}})
def live_segment(stream_id: str, name: str, request: Request, db: Database = Depends(get_db),
                 settings: Settings = Depends(get_settings)) -> Response:
    """One stored segment of a live stream's recording (what its playlist, GET /streams/{id}/media, names)."""
    from replay.api.routes_media import serve_file

    db.stream(stream_id)
    path = settings.stream_dir(stream_id) / "live" / "segments" / name
    if not _SEGMENT.match(name) or not path.is_file():
        raise NotFound(f"stream {stream_id} has no segment {name!r}", hint=f"see GET /streams/{stream_id}/media")
    return serve_file(path, request, cache_control="public, max-age=86400")
