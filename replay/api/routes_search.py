"""Search: find where something was said, across all streams or inside one (1-2 character queries work)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from replay.api.deps import get_db
from replay.api.errors import ERROR_RESPONSES
from replay.contracts import to_json
from replay.store import search
from replay.store.database import Database

router = APIRouter(responses=ERROR_RESPONSES, tags=["search"])

_Q = Query(..., min_length=1, max_length=search.MAX_QUERY_CHARS, description="Words to find, e.g. 口红 or 红.")


def _json(query: str, hits: list[search.SearchHit]) -> dict[str, Any]:
    # The bm25 score only orders the hits; a client gets the player URL instead.
    return {"query": query, "hits": [{**{k: v for k, v in to_json(h).items() if k != "score"}, "url": h.url}
                                     for h in hits]}


@router.get("/search")
def search_all(q: str = _Q, limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0, le=1000),
               db: Database = Depends(get_db)) -> dict[str, Any]:
    """Transcript segments containing ``q`` in any stream, best first (bm25 within the newest 2,000 matches).
    Each hit's ``url`` opens the player at the segment."""
    return _json(q, search.search(db.db, q, None, limit, offset))


@router.get("/streams/{stream_id}/search")
def search_stream(stream_id: str, q: str = _Q, limit: int = Query(20, ge=1, le=100),
                  offset: int = Query(0, ge=0, le=1000), db: Database = Depends(get_db)) -> dict[str, Any]:
    """Transcript segments of one stream containing ``q``, best first (bm25)."""
    db.stream(stream_id)  # 404 for an unknown stream rather than an empty list
    return _json(q, search.search(db.db, q, stream_id, limit, offset))
