"""Pages: GET / (the stream list). The player is GET /streams/{id} (routes_streams.py), analytics in routes_analytics.py."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from replay.api import web
from replay.api.deps import get_db
from replay.api.errors import ERROR_RESPONSES
from replay.store.database import Database

router = APIRouter(responses=ERROR_RESPONSES)


@router.get("/", response_class=HTMLResponse, tags=["pages"])
def home(db: Database = Depends(get_db)) -> HTMLResponse:
    """The list of streams, each linking to its player."""
    streams = []
    for row in db.streams():
        streams.append({**row, "state": db.stream_state(row["id"])})
    return HTMLResponse(web.home_page(streams))

