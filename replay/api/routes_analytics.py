"""Analytics for the shop: GET /streams/{id}/analytics (JSON), .csv and .html.

Per SKU, the talk time each product got in the live (report/analytics.py); per 看点 and per SKU, what replay
viewers did with it (report/viewers.py, from the counters POST /events keeps); plays over time; and which
看点 to cut next, each a one-click clip on the page (POST /streams/{id}/clips).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from replay.api import web_analytics
from replay.api.deps import get_db
from replay.api.errors import ERROR_RESPONSES
from replay.contracts import to_json
from replay.report.viewers import analytics_of, viewer_csv
from replay.store.database import Database

router = APIRouter(responses=ERROR_RESPONSES, tags=["analytics"])


@router.get("/streams/{stream_id}/analytics")
def get_analytics(stream_id: str, db: Database = Depends(get_db)) -> dict[str, Any]:
    """Per SKU: talk time (sum of 看点 durations), number of 看点, first mention; the listed catalog products
    never explained; the share of the stream covered by 看点. Under ``viewers``, from the player's events: per
    看点 and per SKU plays, unique sessions, median watched share, completion rate and click-through, plays
    over time since the stream was registered, and ``cut_next`` (看点 ids ranked by plays × completion)."""
    talk, viewers = analytics_of(db, stream_id)
    return {**to_json(talk), "viewers": to_json(viewers), "csv": f"/streams/{stream_id}/analytics.csv"}


@router.get("/streams/{stream_id}/analytics.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "One row per 看点, then one per SKU"}})
def get_analytics_csv(stream_id: str, db: Database = Depends(get_db)) -> Response:
    """The viewer analytics as CSV (UTF-8 with BOM): level, id, sku_id, title, start, end, talk_time, plays,
    sessions, median_share, completion_rate, clicks, service_clicks, click_through, cut_score, cut_rank."""
    _, viewers = analytics_of(db, stream_id)
    return Response(viewer_csv(viewers), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{stream_id}-analytics.csv"'})


@router.get("/streams/{stream_id}/analytics.html", response_class=HTMLResponse)
def get_analytics_page(stream_id: str, db: Database = Depends(get_db)) -> HTMLResponse:
    """The analytics as a page, with the plays chart (inline SVG) and a clip button per 看点 to cut next."""
    talk, viewers = analytics_of(db, stream_id)
    return HTMLResponse(web_analytics.analytics_page(talk, viewers, db.stream(stream_id)["title"]))
