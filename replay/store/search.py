"""search: substring search over transcripts that works for one- and two-character Chinese queries.

FTS5's default tokenizer keeps a run of Chinese characters as one token, so 口红 is not found inside
这个口红很好; the trigram tokenizer needs three or more characters. Here the indexed column holds the text as
space-separated single CJK characters (Latin and digit runs stay whole words), and a query becomes an FTS5
*phrase* of its characters: adjacent single-character tokens, i.e. an exact substring match, ranked by bm25,
for any query length. User text never reaches the MATCH grammar except as quoted phrase tokens, so quotes,
``*``, ``NEAR``, ``AND`` and friends are harmless.

Rowids encode the stream: ``rowid = stream_no << 20 | segment idx``. A per-stream search then becomes an
FTS5 rowid range, which FTS5 pushes down into its doclist reads, so it costs the same with 1 or 1,000
streams, and re-indexing one stream deletes exactly its range.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import sqlite_utils

from replay.contracts import Segment

FTS_TABLE = "segments_fts"
MAP_TABLE = "search_streams"
IDX_BITS = 20  # up to ~1M segments per stream: 6 h at one utterance per second is 21,600
MAX_QUERY_CHARS = 64
CROSS_STREAM_CANDIDATES = 2000
"""Cross-stream searches rank at most this many matches (the newest streams' first). Exact for rare queries;
for a character found in a sizeable share of 1.5M segments, ranking them all costs far more than it tells
(measured: 2,000 halves the p95 of 5,000 on 1,000 streams)."""

_CJK = (r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
        r"\U00020000-\U0002ffff")
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")


@dataclass(frozen=True, slots=True)
class SearchHit:
    stream_id: str
    idx: int
    start: float
    end: float
    text: str
    snippet: str
    """The text around the match, with the match wrapped in 【】."""
    score: float
    """bm25 score: lower is better (SQLite's convention)."""

    @property
    def url(self) -> str:
        """Opens the player at the hit."""
        return f"/streams/{self.stream_id}?t={self.start:.2f}"


def tokens(text: str) -> list[str]:
    """Single CJK characters and lower-cased Latin/digit runs; full-width forms folded by NFKC."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).lower())


def searchable_text(text: str) -> str:
    return " ".join(tokens(text))


def match_expression(query: str) -> str | None:
    """The FTS5 MATCH string for a user query: one quoted phrase, or None when nothing searchable is left.

    A trailing Latin/digit token becomes a prefix ("iph" finds "iphone"); CJK tokens are single characters,
    so a prefix would add nothing for them.
    """
    toks = tokens(query[:MAX_QUERY_CHARS])
    if not toks:
        return None
    phrase = '"' + " ".join(t.replace('"', '""') for t in toks) + '"'
    return phrase + "*" if not re.fullmatch(f"[{_CJK}]", toks[-1]) else phrase


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create the search tables; fill them from existing segments when the FTS table is new."""
    tables = db.table_names()
    if MAP_TABLE not in tables:
        db.execute(f"create table {MAP_TABLE} (n integer primary key, stream_id text unique not null)")
    if FTS_TABLE not in tables:
        db.execute(f"create virtual table {FTS_TABLE} using fts5(body, tokenize='unicode61 remove_diacritics 0')")
        if "segments" in tables:
            for (stream_id,) in db.execute("select distinct stream_id from segments").fetchall():
                rows = db.execute("select idx, text from segments where stream_id = ?", [stream_id]).fetchall()
                _insert(db, _stream_no(db, stream_id), rows)


def _stream_no(db: sqlite_utils.Database, stream_id: str) -> int:
    row = db.execute(f"select n from {MAP_TABLE} where stream_id = ?", [stream_id]).fetchone()
    if row:
        return row[0]
    return db.execute(f"insert into {MAP_TABLE} (stream_id) values (?)", [stream_id]).lastrowid


def _insert(db: sqlite_utils.Database, n: int, rows: Iterable[tuple[int, str]]) -> None:
    db.conn.executemany(f"insert into {FTS_TABLE} (rowid, body) values (?, ?)",
                        (((n << IDX_BITS) | idx, searchable_text(text)) for idx, text in rows))


def replace_segments(db: sqlite_utils.Database, stream_id: str, segments: Iterable[Segment]) -> None:
    """Replace the search rows of one stream. Call inside the transaction that writes its segments."""
    n = _stream_no(db, stream_id)
    db.execute(f"delete from {FTS_TABLE} where rowid >= ? and rowid < ?", [n << IDX_BITS, (n + 1) << IDX_BITS])
    _insert(db, n, ((idx, s.text) for idx, s in enumerate(segments)))


def add_segments(db: sqlite_utils.Database, stream_id: str, rows: Iterable[tuple[int, str]]) -> None:
    """Add the search rows of segments (idx, text) appended to one stream's transcript (a followed stream's
    new window, replay/live). Call inside the transaction that writes the segments."""
    _insert(db, _stream_no(db, stream_id), rows)


def _snippet(text: str, query: str, width: int = 18) -> str:
    """The match in context; separators (spaces, punctuation) between query tokens may sit inside it."""
    toks = tokens(query[:MAX_QUERY_CHARS])
    gap = r"[\W_]*"
    pattern = re.compile(gap.join(re.escape(t) for t in toks), re.IGNORECASE)
    folded = unicodedata.normalize("NFKC", text)
    m = pattern.search(folded) if len(folded) == len(text) else None
    if not m:
        return text[: width * 3]
    lo, hi = max(0, m.start() - width), min(len(text), m.end() + width)
    return ("…" if lo else "") + text[lo:m.start()] + "【" + text[m.start():m.end()] + "】" + text[m.end():hi] + (
        "…" if hi < len(text) else "")


def search(db: sqlite_utils.Database, query: str, stream_id: str | None = None, limit: int = 20,
           offset: int = 0) -> list[SearchHit]:
    """Ranked hits (best first) for ``query`` in one stream or, with ``stream_id=None``, in all of them."""
    expr = match_expression(query)
    if expr is None:
        return []
    if stream_id is not None:
        row = db.execute(f"select n from {MAP_TABLE} where stream_id = ?", [stream_id]).fetchone()
        if not row:
            return []
        n = row[0]
        ranked = db.execute(
            f"select rowid, rank from {FTS_TABLE} where {FTS_TABLE} match ? and rowid >= ? and rowid < ? "
            "order by rank, rowid limit ? offset ?", [expr, n << IDX_BITS, (n + 1) << IDX_BITS, limit, offset]).fetchall()
    else:
        # Newest streams first inside the candidate window, then bm25 over the window (see CROSS_STREAM_CANDIDATES).
        ranked = db.execute(
            f"select rowid, score from (select rowid, bm25({FTS_TABLE}) as score from {FTS_TABLE} "
            f"where {FTS_TABLE} match ? order by rowid desc limit ?) order by score, rowid desc limit ? offset ?",
            [expr, CROSS_STREAM_CANDIDATES, limit, offset]).fetchall()
    if not ranked:
        return []
    nos = {rowid >> IDX_BITS for rowid, _ in ranked}
    names = dict(db.execute(f"select n, stream_id from {MAP_TABLE} where n in ({','.join('?' * len(nos))})",
                            list(nos)).fetchall())
    hits = []
    for rowid, score in ranked:
        sid, idx = names.get(rowid >> IDX_BITS), rowid & ((1 << IDX_BITS) - 1)
        seg = db.execute("select start, end, text from segments where stream_id = ? and idx = ?", [sid, idx]).fetchone()
        if sid is None or seg is None:
            continue  # a stream deleted without its search rows; never show a dangling hit
        hits.append(SearchHit(stream_id=sid, idx=idx, start=seg[0], end=seg[1], text=seg[2],
                              snippet=_snippet(seg[2], query), score=score))
    return hits
