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

Words the ASR misheard (练结 for 链接) are found by sound through store/sounds.py, which keeps the pinyin of each
segment under the same rowid. A hit carries the time of the matched word (``t``), so a player seeks to it,
not to the start of a long cue.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

import sqlite_utils

from replay.contracts import Segment, Word, from_json
from replay.edits import table as edits_table
from replay.edits.align import retime, time_at
from replay.edits.layer import TEXT_KIND, text_overrides
from replay.lang import is_han
from replay.store import sounds

FTS_TABLE = "segments_fts"
MAP_TABLE = "search_streams"
IDX_BITS = 20  # up to ~1M segments per stream: 6 h at one utterance per second is 21,600
MAX_QUERY_CHARS = 64
CROSS_STREAM_CANDIDATES = 2000
"""Cross-stream searches rank at most this many matches (the newest streams' first). Exact for rare queries;
for a character found in a sizeable share of 1.5M segments, ranking them all costs far more than it tells
(measured: 2,000 halves the p95 of 5,000 on 1,000 streams)."""

SEEK_LEAD = 0.2
"""A hit seeks this many seconds before its word (never before the segment), so the word is heard whole."""

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
    t: float = -1.0
    """Where the player seeks: the matched word's time inside the segment (its start when unknown)."""
    match: str = "text"
    """text: the query's own characters; sound: characters that sound like it (a word the ASR misheard)."""

    @property
    def url(self) -> str:
        """Opens the player at the matched word."""
        return f"/streams/{self.stream_id}?t={(self.t if self.t >= 0 else self.start):.2f}"


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
    if not {sounds.FTS_TABLE, sounds.DONE_TABLE} <= set(tables):  # issue 11: the sound-alike index, same
        sounds.create(db)  # rowids, filled stream by stream


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
    rows = [(idx, s.text) for idx, s in enumerate(segments)]
    db.execute(f"delete from {FTS_TABLE} where rowid >= ? and rowid < ?", [n << IDX_BITS, (n + 1) << IDX_BITS])
    _insert(db, n, rows)
    sounds.replace_range(db, n, n << IDX_BITS, (n + 1) << IDX_BITS, (((n << IDX_BITS) | idx, t) for idx, t in rows))


def add_segments(db: sqlite_utils.Database, stream_id: str, rows: Iterable[tuple[int, str]]) -> None:
    """Add the search rows of segments (idx, text) appended to one stream's transcript (a followed stream's
    new window, replay/live). Call inside the transaction that writes the segments. The sound index gets them
    too once the stream has its sound rows; before that, its first sound-alike search fills them all."""
    n = _stream_no(db, stream_id)
    rows = list(rows)
    _insert(db, n, rows)
    if sounds.is_done(db, n):
        sounds.insert(db, (((n << IDX_BITS) | idx, t) for idx, t in rows))


def set_segment_text(db: sqlite_utils.Database, stream_id: str, idx: int, text: str) -> None:
    """Index one segment under a new (corrected) text, in both the text and the sound index."""
    rowid = (_stream_no(db, stream_id) << IDX_BITS) | idx
    db.execute(f"delete from {FTS_TABLE} where rowid = ?", [rowid])
    db.execute(f"insert into {FTS_TABLE} (rowid, body) values (?, ?)", [rowid, searchable_text(text)])
    sounds.set_text(db, rowid, text)


def text_span(text: str, query: str) -> tuple[int, int] | None:
    """Where the query's tokens are in ``text`` (character offsets); separators may sit between them."""
    toks = tokens(query[:MAX_QUERY_CHARS])
    if not toks:
        return None
    gap = r"[\W_]*"
    pattern = re.compile(gap.join(re.escape(t) for t in toks), re.IGNORECASE)
    folded = unicodedata.normalize("NFKC", text)
    m = pattern.search(folded) if len(folded) == len(text) else None
    return (m.start(), m.end()) if m else None


def _snippet(text: str, span: tuple[int, int] | None, width: int = 18) -> str:
    """The match in context, wrapped in 【】."""
    if not span:
        return text[: width * 3]
    lo, hi = max(0, span[0] - width), min(len(text), span[1] + width)
    return ("…" if lo else "") + text[lo:span[0]] + "【" + text[span[0]:span[1]] + "】" + text[span[1]:hi] + (
        "…" if hi < len(text) else "")


def search(db: sqlite_utils.Database, query: str, stream_id: str | None = None, limit: int = 20,
           offset: int = 0, sounds_like: bool = False) -> list[SearchHit]:
    """Ranked hits (best first) for ``query`` in one stream or, with ``stream_id=None``, in all of them.

    Hits show the corrected text of a line an editor fixed (replay/edits). With ``sounds_like``, segments that
    only *sound* like a query of two or more Han characters follow the text hits (``match="sound"``).
    """
    expr = match_expression(query)
    if expr is None:
        return []
    lo = hi = None
    if stream_id is not None:
        row = db.execute(f"select n from {MAP_TABLE} where stream_id = ?", [stream_id]).fetchone()
        if not row:
            return []
        lo, hi = row[0] << IDX_BITS, (row[0] + 1) << IDX_BITS
        ranked = db.execute(
            f"select rowid, rank from {FTS_TABLE} where {FTS_TABLE} match ? and rowid >= ? and rowid < ? "
            "order by rank, rowid limit ? offset ?", [expr, lo, hi, limit + offset if sounds_like else limit,
                                                      0 if sounds_like else offset]).fetchall()
    else:
        # Newest streams first inside the candidate window, then bm25 over the window (see CROSS_STREAM_CANDIDATES).
        ranked = db.execute(
            f"select rowid, score from (select rowid, bm25({FTS_TABLE}) as score from {FTS_TABLE} "
            f"where {FTS_TABLE} match ? order by rowid desc limit ?) order by score, rowid desc limit ? offset ?",
            [expr, CROSS_STREAM_CANDIDATES, limit + offset if sounds_like else limit,
             0 if sounds_like else offset]).fetchall()
    found = [(rowid, score, "text") for rowid, score in ranked]
    if sounds_like and sum(1 for c in query if is_han(c)) >= 2:
        if stream_id is not None and not sounds.is_done(db, lo >> IDX_BITS):
            _fill_sounds(db, stream_id, lo >> IDX_BITS)
        seen = {rowid for rowid, _ in ranked}
        found += [(rowid, score, "sound") for rowid, score in sounds.ranked(db, query[:MAX_QUERY_CHARS], lo, hi,
                                                                            limit + offset + len(seen))
                  if rowid not in seen]
    if sounds_like:
        found = found[offset:offset + limit]
    return _hits(db, found, query)


def _fill_sounds(db: sqlite_utils.Database, stream_id: str, n: int) -> None:
    """Give a stream indexed before the sound index existed its sound rows (see store/sounds.py)."""
    fixes = _text_fixes(db, stream_id)
    rows = db.execute("select idx, text from segments where stream_id = ?", [stream_id]).fetchall()
    with db.conn:
        sounds.replace_range(db, n, n << IDX_BITS, (n + 1) << IDX_BITS,
                             (((n << IDX_BITS) | idx, fixes.get(idx, text)) for idx, text in rows))


def _hits(db: sqlite_utils.Database, found: list[tuple[int, float, str]], query: str) -> list[SearchHit]:
    if not found:
        return []
    nos = {rowid >> IDX_BITS for rowid, _, _ in found}
    names = dict(db.execute(f"select n, stream_id from {MAP_TABLE} where n in ({','.join('?' * len(nos))})",
                            list(nos)).fetchall())
    fixes: dict[str, dict[int, str]] = {}
    hits = []
    for rowid, score, how in found:
        sid, idx = names.get(rowid >> IDX_BITS), rowid & ((1 << IDX_BITS) - 1)
        row = db.execute("select start, end, text, words from segments where stream_id = ? and idx = ?",
                         [sid, idx]).fetchone()
        if sid is None or row is None:
            continue  # a stream deleted without its search rows; never show a dangling hit
        seg = Segment(row[0], row[1], row[2], from_json(tuple[Word, ...], json.loads(row[3] or "[]")))
        if sid not in fixes:
            fixes[sid] = _text_fixes(db, sid)
        if idx in fixes[sid] and fixes[sid][idx] != seg.text:
            seg = retime(seg, fixes[sid][idx])
        span = text_span(seg.text, query) if how == "text" else sounds.find_span(seg.text, query[:MAX_QUERY_CHARS])
        t = max(seg.start, time_at(seg, span[0]) - SEEK_LEAD) if span else seg.start
        hits.append(SearchHit(stream_id=sid, idx=idx, start=seg.start, end=seg.end, text=seg.text,
                              snippet=_snippet(seg.text, span), score=score, t=round(t, 2), match=how))
    return hits


def _text_fixes(db: sqlite_utils.Database, stream_id: str) -> dict[int, str]:
    """Segment index -> the editor's text, for a stream with corrected lines (usually none: one cheap query).
    Only the corrected segments' words are read."""
    if not edits_table.has_edits(db, stream_id, (TEXT_KIND,)):
        return {}
    segs = [Segment(r[0], r[1], r[2]) for r in db.execute(
        "select start, end, text from segments where stream_id = ? order by idx", [stream_id]).fetchall()]

    def load(idx: int) -> Segment:
        (words,) = db.execute("select words from segments where stream_id = ? and idx = ?", [stream_id, idx]).fetchone()
        return replace(segs[idx], words=from_json(tuple[Word, ...], json.loads(words or "[]")))

    return text_overrides(segs, edits_table.edits_of(db, stream_id, active_only=True), load)
