"""Pages and per-SKU analytics: GET /, /streams/{id}/analytics (JSON) and /streams/{id}/analytics.html."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from replay.api import web
from replay.api.deps import get_db
from replay.api.errors import ERROR_RESPONSES
from replay.contracts import to_json
from replay.report.analytics import stream_analytics
from replay.store.database import Database

router = APIRouter(responses=ERROR_RESPONSES)


@router.get("/", response_class=HTMLResponse, tags=["pages"])
def home(db: Database = Depends(get_db)) -> HTMLResponse:
    """The list of streams, each linking to its player."""
    streams = []
    for row in db.streams():
        streams.append({**row, "state": db.stream_state(row["id"])})
    return HTMLResponse(web.home_page(streams))


@router.get("/streams/{stream_id}/analytics", tags=["analytics"])
def get_analytics(stream_id: str, db: Database = Depends(get_db)) -> dict[str, Any]:
    """Per SKU: talk time (sum of 看点 durations), number of 看点, first mention; plus the listed catalog
    products never explained and the share of the stream covered by 看点."""
    return to_json(stream_analytics(db.highlights(stream_id), db.catalog(stream_id)))


@router.get("/streams/{stream_id}/analytics.html", response_class=HTMLResponse, tags=["analytics"])
def get_analytics_page(stream_id: str, db: Database = Depends(get_db)) -> HTMLResponse:
    """The analytics as a page."""
    title = db.stream(stream_id)["title"]
    return HTMLResponse(web.analytics_page(stream_analytics(db.highlights(stream_id), db.catalog(stream_id)), title))
