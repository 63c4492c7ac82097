"""Viewer events: POST /events, what the player reports (a 看点 played, watch progress, a product link opened).

Open to viewers (no API key), so it defends itself:
- the body is capped (``events_max_bytes``) before it is read in full, and a batch holds at most
  ``events_max_batch`` events: 413 beyond either;
- every event is validated (kind, ids, ``t`` >= 0 and inside the recording): 422 names the first bad one,
  and nothing of the batch is counted;
- rate limits per session and per client address (``events_session_rate``, ``events_address_rate``): 429
  with Retry-After. The address is used for that count only, in memory, and never stored; neither is the
  user agent.
Accepted batches go into per-minute counters (store/events.py) in one transaction.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from replay.api.deps import AppContext, context
from replay.api.errors import ERROR_RESPONSES, replay_error_response
from replay.errors import EventRejected, InputError, PayloadTooLarge, RateLimited
from replay.settings import Settings
from replay.store import events as store
from replay.store.database import Database

_ID = r"^[A-Za-z0-9_.:-]{1,64}$"
_T = Field(ge=0, le=1e6, allow_inf_nan=False, description="Position in the recording when it happened, in seconds.")


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlayEvent(_Event):
    """A 看点 started playing."""

    kind: Literal["play"]
    highlight: str = Field(pattern=_ID, description="The 看点 id (GET /streams/{id}/highlights).")
    source: Literal[store.PLAY_SOURCES] = Field(description="How it came to play (README: viewer events).")  # type: ignore[valid-type]
    t: float = _T


class ProgressEvent(_Event):
    """The viewer has watched this share of the 看点's length (each mark once per play)."""

    kind: Literal["progress"]
    highlight: str = Field(pattern=_ID)
    pct: Literal[store.MARKS] = Field(description="25, 50, 75 or 100 (a completed play).")  # type: ignore[valid-type]
    t: float = _T


class ClickEvent(_Event):
    """A product link was opened: 去看看 (url) or 问客服 (service)."""

    kind: Literal["click"]
    sku: str = Field(min_length=1, max_length=200)
    highlight: str | None = Field(None, pattern=_ID, description="The 看点 the link was opened from, if any.")
    target: Literal[store.TARGETS]  # type: ignore[valid-type]
    t: float = _T


Event = Annotated[PlayEvent | ProgressEvent | ClickEvent, Field(discriminator="kind")]


class EventBatch(BaseModel):
    """Events of one viewer session on one stream, oldest first."""

    model_config = ConfigDict(extra="forbid")
    session: str = Field(pattern=r"^[A-Za-z0-9_-]{8,64}$",
                         description="Anonymous id of one browser tab, made by the player (random, not a cookie).")
    stream: str = Field(pattern=_ID, description="The stream id.")
    events: list[Event] = Field(min_length=1, max_length=1000)


class Accepted(BaseModel):
    accepted: int = Field(description="Events counted.")


class _LimitedBody(APIRoute):
    """Refuses a body over ``events_max_bytes`` with 413 before it is read in full (a Content-Length that says
    so is refused at once; a chunked body is counted as it arrives), so a huge batch never reaches the parser."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            limit = context(request).settings.events_max_bytes
            too_big = PayloadTooLarge(f"an events batch may be at most {limit} bytes",
                                      hint="send events in smaller batches (the player sends every few seconds)")
            declared = request.headers.get("content-length", "")
            if declared and (not declared.isdigit() or int(declared) > limit):
                return replay_error_response(too_big)
            body = bytearray()
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    return replay_error_response(too_big)
            try:
                request._json = json.loads(body)  # Starlette's cache of the parsed body: parsed once
            except ValueError as exc:  # FastAPI would say "JSON decode error" at a character offset; say what to do
                return replay_error_response(InputError(f"the body is not valid JSON ({exc})",
                                                        hint='send {"session", "stream", "events": [...]} as JSON'))
            request._body = bytes(body)  # Starlette's cache of the body: the handler parses this copy
            return await handler(request)

        return limited


router = APIRouter(responses=ERROR_RESPONSES, tags=["events"], route_class=_LimitedBody)


class _Limits:
    """The app's rate limiters (moving one-minute windows, in memory): one per session, one per address."""

    def __init__(self, settings: Settings) -> None:
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.per_session = RateLimitItemPerMinute(settings.events_session_rate)
        self.per_address = RateLimitItemPerMinute(settings.events_address_rate)
        self.maintained = 0.0
        self.lock = threading.Lock()

    def check(self, session: str, address: str, cost: int) -> float | None:
        """Take ``cost`` from both budgets; None when allowed, else seconds until the batch would fit."""
        checks = ((self.per_session, "session", session), (self.per_address, "address", address))
        with self.lock:  # test both, then hit both: a refused batch uses up neither budget
            for item, *key in checks:
                if not self.limiter.test(item, *key, cost=cost):
                    reset, _ = self.limiter.get_window_stats(item, *key)
                    return max(1.0, reset - time.time())
            for item, *key in checks:
                self.limiter.hit(item, *key, cost=cost)
        return None


_setup = threading.Lock()


def _limits(request: Request) -> _Limits:
    state = request.app.state
    if not hasattr(state, "event_limits"):
        with _setup:
            if not hasattr(state, "event_limits"):
                state.event_limits = _Limits(context(request).settings)
    return state.event_limits


def options(settings: Settings) -> store.EventsOptions:
    return store.EventsOptions(keep_raw=settings.events_keep_raw, raw_days=settings.events_raw_days,
                               minute_days=settings.events_minute_days, session_hours=settings.events_session_hours)


def _resolve(db: Database, batch: EventBatch) -> list[store.ViewerEvent]:
    """The batch's events with each 看点's SKU; EventRejected names the first event that does not fit the stream."""
    duration = db.stream(batch.stream)["duration"] or 0.0  # 404 for an unknown stream
    sku_of = {r["id"]: r["sku_id"] for r in db.db.query("select id, sku_id from highlights where stream_id = ?",
                                                         [batch.stream])}
    links = {r["sku_id"]: {"url": r.get("url"), "service": r.get("service_url")}
             for r in db.db.query("select * from catalog_items where stream_id = ?", [batch.stream])}
    out = []
    for n, e in enumerate(batch.events):
        def bad(what: str, n: int = n) -> EventRejected:
            return EventRejected(f"events[{n}]: {what}", hint="the batch was not counted; send events the player makes")

        if e.t > duration + 5.0:
            raise bad(f"t={e.t} is past the end of the {duration:.1f} s recording")
        if e.highlight is not None and e.highlight not in sku_of:
            raise bad(f"stream {batch.stream} has no 看点 {e.highlight!r}")
        if isinstance(e, ClickEvent):
            if e.sku not in links:
                raise bad(f"stream {batch.stream}'s catalog has no SKU {e.sku!r}")
            if not links[e.sku][e.target]:
                raise bad(f"SKU {e.sku!r} has no {'service_url' if e.target == 'service' else 'url'}")
            if e.highlight is not None and sku_of[e.highlight] != e.sku:
                raise bad(f"看点 {e.highlight!r} is about SKU {sku_of[e.highlight]!r}, not {e.sku!r}")
            out.append(store.ViewerEvent("click", e.highlight or "", e.sku, e.t, target=e.target))
        elif isinstance(e, PlayEvent):
            out.append(store.ViewerEvent("play", e.highlight, sku_of[e.highlight], e.t, source=e.source))
        else:
            out.append(store.ViewerEvent("progress", e.highlight, sku_of[e.highlight], e.t, pct=e.pct))
    return out


def _record(ctx: AppContext, limits: _Limits, batch: EventBatch) -> int:
    db = ctx.acquire()
    try:
        found = _resolve(db, batch)
        now, opts = time.time(), options(ctx.settings)
        n = store.record(db.db, batch.stream, batch.session, found, now, opts)
        if now - limits.maintained >= 60.0:  # forget idle sessions, expire raw events, fold old minutes
            limits.maintained = now
            store.maintain(db.db, now, opts)
        return n
    finally:
        ctx.release(db)


@router.post("/events", status_code=202, response_model=Accepted,
             responses={413: {"description": "Body or batch too large"}, 429: {"description": "Rate limited"}})
async def post_events(batch: EventBatch, request: Request) -> Response:
    """Count a batch of viewer events (the player sends them every few seconds, and with
    ``navigator.sendBeacon`` when the page is hidden). All or nothing: a bad event refuses the batch."""
    ctx = context(request)
    limit = ctx.settings.events_max_batch
    if len(batch.events) > limit:
        return replay_error_response(PayloadTooLarge(f"a batch may hold at most {limit} events, this one has "
                                                     f"{len(batch.events)}", hint="send smaller batches"))
    address = request.client.host if request.client else "?"
    wait = _limits(request).check(batch.session, address, len(batch.events))
    if wait is not None:
        return replay_error_response(RateLimited("too many events from this viewer or address",
                                                 hint=f"retry in {math.ceil(wait)} s"),
                                     headers={"Retry-After": str(math.ceil(wait))})
    n = await run_in_threadpool(_record, ctx, _limits(request), batch)
    return JSONResponse({"accepted": n}, status_code=202)
