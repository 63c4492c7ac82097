"""find: search that knows the catalog. A query that names a product (its title, short name or an alias) gives
that product first, with its 看点 or, when it was listed but never explained, 本场未讲解; transcript hits follow
(store/search.py: the query's own characters first, then lines that only sound like it).

Names are compared after ``replay.lang.normalize`` (full-width folded, punctuation and spaces dropped), both
ways: 杯子 finds the 保温杯 whose alias is 杯子, and 山禾保温杯 finds it through its short name. Inside one
stream a name that sounds the same (``replay.lang.sound_key``) matches too, for a query typed the way the
host's words were misheard.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from replay.contracts import Highlight
from replay.lang import is_han, normalize, sound_key
from replay.store import search
from replay.store.database import Database

NOT_EXPLAINED = "本场未讲解"
MAX_PRODUCTS = 10


@dataclass(frozen=True, slots=True)
class ProductMatch:
    """A catalog product the query names, with its (corrected) 看点 in this stream."""

    stream_id: str
    sku_id: str
    title: str
    matched: str
    """The catalog name the query matched (a short name, an alias or the title)."""
    field: str
    """short_name, alias, title, or sound (a name that sounds like the query)."""
    score: int
    """3: the query is the name; 2: one contains the other; 1: in the title, or by sound."""
    position: int
    highlights: tuple[Highlight, ...]
    short_name: str | None = None
    price: float | None = None
    live_price: float | None = None
    link_no: int | None = None

    @property
    def explained(self) -> bool:
        return bool(self.highlights)

    @property
    def note(self) -> str | None:
        return None if self.highlights else NOT_EXPLAINED


def _score(q: str, names: list[tuple[str, str]], title: str) -> tuple[int, str, str]:
    """(score, field, matched name) of the best way ``q`` (normalised) names an item; score 0: it does not."""
    best = (0, "", "")
    for field, name in names:
        n = normalize(name)
        if not n:
            continue
        if n == q:
            return 3, field, name
        if (len(q) >= 2 and q in n) or (len(n) >= 2 and n in q):
            best = max(best, (2, field, name))
    t = normalize(title)
    if best[0] < 1 and t and (t == q or (len(q) >= 2 and q in t)):
        best = (3 if t == q else 1, "title", title)
    return best


def products(db: Database, query: str, stream_id: str | None = None, limit: int = MAX_PRODUCTS) -> list[ProductMatch]:
    """Catalog products ``query`` names, best first (then in catalog order): in one stream, or in all of them."""
    q = normalize(query[: search.MAX_QUERY_CHARS])
    if not q:
        return []
    key = sound_key(q) if sum(1 for c in q if is_han(c)) >= 2 else ""
    sql = "select stream_id, sku_id, title, short_name, aliases, position, price, live_price, link_no from catalog_items"
    if stream_id is not None:
        rows = db.db.execute(sql + " where stream_id = ?", [stream_id]).fetchall()
    else:
        # Across streams, let SQLite drop the items that cannot match before Python compares names.
        like = f"%{query.strip()[: search.MAX_QUERY_CHARS]}%"
        rows = db.db.execute(sql + " where title like ? or short_name like ? or aliases like ? "
                             "or (length(short_name) >= 2 and instr(?, short_name) > 0) "
                             "order by rowid desc limit 2000", [like, like, like, query]).fetchall()
    found: list[tuple[int, int, str, tuple]] = []
    for row in rows:
        sid, sku, title, short, aliases, pos = row[:6]
        names = [("short_name", short)] if short else []
        names += [("alias", a) for a in json.loads(aliases or "[]") if a]
        score, field, matched = _score(q, names, title)
        if not score and key and stream_id is not None:
            hit = next((n for _, n in names if sound_key(n) == key), None)
            if hit:
                score, field, matched = 1, "sound", hit
        if score:
            found.append((score, pos, sid, (field, matched, row)))
    found.sort(key=lambda f: (-f[0], f[2] != stream_id, f[1]))
    out, highlights = [], {}
    for score, pos, sid, (field, matched, row) in found[:limit]:
        if sid not in highlights:
            highlights[sid] = db.highlights(sid).highlights  # corrected: an editor's 看点 and SKUs count
        hs = tuple(h for h in highlights[sid] if h.sku_id == row[1])
        out.append(ProductMatch(stream_id=sid, sku_id=row[1], title=row[2], matched=matched, field=field, score=score,
                                position=pos, highlights=hs, short_name=row[3], price=row[6], live_price=row[7],
                                link_no=row[8]))
    return out
