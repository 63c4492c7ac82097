"""Search: find a product or where something was said, across all streams or inside one.

A query that names a catalog product (title, short name or alias) lists that product first with its 看点, or
本场未讲解 when it was listed but never explained; transcript hits follow, 1-2 character queries included, then
lines that only sound like the query (a word the ASR misheard). Each hit's ``t`` and ``url`` point at the
matched word, not the start of its line.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from replay.api.deps import get_db
from replay.api.errors import ERROR_RESPONSES
from replay.contracts import to_json
from replay.store import find, search
from replay.store.database import Database

router = APIRouter(responses=ERROR_RESPONSES, tags=["search"])

_Q = Query(..., min_length=1, max_length=search.MAX_QUERY_CHARS, description="Words to find, e.g. 口红, 杯子 or 红.")


def _product_json(p: find.ProductMatch) -> dict[str, Any]:
    base = f"/streams/{p.stream_id}"
    return {"stream_id": p.stream_id, "sku_id": p.sku_id, "title": p.title, "short_name": p.short_name,
            "matched": p.matched, "field": p.field, "price": p.price, "live_price": p.live_price, "link_no": p.link_no,
            "explained": p.explained, "note": p.note, "url": f"{base}?sku={p.sku_id}",
            "highlights": [{"id": h.id, "start": h.start, "end": h.end, "kind": h.kind, "edited": h.edited,
                            "url": f"{base}?t={h.start:.2f}"} for h in p.highlights]}


def _json(query: str, products: list[find.ProductMatch], hits: list[search.SearchHit]) -> dict[str, Any]:
    # The bm25 score only orders the hits; a client gets the player URL instead.
    return {"query": query, "products": [_product_json(p) for p in products],
            "hits": [{**{k: v for k, v in to_json(h).items() if k != "score"}, "url": h.url} for h in hits]}


@router.get("/search")
def search_all(q: str = _Q, limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0, le=1000),
               db: Database = Depends(get_db)) -> dict[str, Any]:
    """Products whose name matches ``q`` (first page only), then transcript segments containing ``q`` in any
    stream, best first (bm25 within the newest 2,000 matches), then segments that sound like it (``match:
    "sound"``). Each hit's ``t`` is the matched word's time and ``url`` opens the player there."""
    products = find.products(db, q) if offset == 0 else []
    return _json(q, products, search.search(db.db, q, None, limit, offset, sounds_like=True))


@router.get("/streams/{stream_id}/search")
def search_stream(stream_id: str, q: str = _Q, limit: int = Query(20, ge=1, le=100),
                  offset: int = Query(0, ge=0, le=1000), db: Database = Depends(get_db)) -> dict[str, Any]:
    """The stream's catalog products whose title, short name or alias matches ``q``, each with its 看点 (or
    ``note: "本场未讲解"``), then its transcript segments containing ``q`` (bm25), then those that only sound
    like it."""
    db.stream(stream_id)  # 404 for an unknown stream rather than an empty list
    products = find.products(db, q, stream_id) if offset == 0 else []
    return _json(q, products, search.search(db.db, q, stream_id, limit, offset, sounds_like=True))
