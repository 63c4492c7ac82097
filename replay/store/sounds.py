"""sounds: search the transcript by how it sounds, for words the ASR wrote with the wrong characters.

Whisper writes homophones: 练结 for 链接, 裤存 for 库存. The text index (store/search.py) cannot find them from
the right word, so a second FTS5 table holds each segment's folded pinyin (``replay.lang.sound_key``: one
toneless syllable per Han character, zh/z, n/l, ang/an... folded together) under the same rowid as its text
row; a query's own sound key becomes an FTS5 phrase of syllables. store/search.py owns the rowids and calls
these functions with them.

Reading pinyin cost 0.15 ms a line (20,000 lines in 3.0 s, on the shared 2-core machine at load 17), so a
database that predates this index is not filled when it is opened (1.5M lines would hold every process up for
minutes): a stream gets its rows when it is indexed again,
or the first time it is searched on its own (``DONE_TABLE`` records which streams have them).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import sqlite_utils

from replay.lang import heard_reading, is_han, sound_key

FTS_TABLE = "segments_sound"
DONE_TABLE = "segments_sound_streams"
_LATIN = re.compile(r"[a-z0-9.]+")


def create(db: sqlite_utils.Database) -> None:
    db.execute(f"create virtual table if not exists {FTS_TABLE} using fts5(body, "
               "tokenize='unicode61 remove_diacritics 0')")
    db.execute(f"create table if not exists {DONE_TABLE} (n integer primary key)")


def is_done(db: sqlite_utils.Database, n: int) -> bool:
    return db.execute(f"select 1 from {DONE_TABLE} where n = ?", [n]).fetchone() is not None


def replace_range(db: sqlite_utils.Database, n: int, lo: int, hi: int, rows: Iterable[tuple[int, str]]) -> None:
    """All sound rows of stream number ``n`` (rowids in [lo, hi)): ``rows`` are (rowid, text)."""
    delete_range(db, lo, hi)
    insert(db, rows)
    db.execute(f"insert or ignore into {DONE_TABLE} (n) values (?)", [n])


def insert(db: sqlite_utils.Database, rows: Iterable[tuple[int, str]]) -> None:
    """``rows``: (rowid, segment text)."""
    db.conn.executemany(f"insert into {FTS_TABLE} (rowid, body) values (?, ?)",
                        ((rowid, sound_key(text)) for rowid, text in rows))


def delete_range(db: sqlite_utils.Database, lo: int, hi: int) -> None:
    db.execute(f"delete from {FTS_TABLE} where rowid >= ? and rowid < ?", [lo, hi])


def set_text(db: sqlite_utils.Database, rowid: int, text: str) -> None:
    db.execute(f"delete from {FTS_TABLE} where rowid = ?", [rowid])
    insert(db, [(rowid, text)])


def match_expression(query: str) -> str | None:
    """The FTS5 phrase of a query's syllables; None when the query has no Han character (its letters and
    digits are found by the text index already)."""
    if not any(is_han(c) for c in query):
        return None
    key = sound_key(query)
    return '"' + key.replace('"', '""') + '"' if key else None


def ranked(db: sqlite_utils.Database, query: str, lo: int | None, hi: int | None, limit: int) -> list[tuple[int, float]]:
    """(rowid, bm25) of segments that sound like ``query``, best first; within [lo, hi) when given."""
    expr = match_expression(query)
    if expr is None:
        return []
    if lo is None or hi is None:
        sql, args = f"select rowid, rank from {FTS_TABLE} where {FTS_TABLE} match ? order by rank, rowid desc limit ?", \
            [expr, limit]
    else:
        sql = (f"select rowid, rank from {FTS_TABLE} where {FTS_TABLE} match ? and rowid >= ? and rowid < ? "
               "order by rank, rowid limit ?")
        args = [expr, lo, hi, limit]
    return [(r[0], r[1]) for r in db.execute(sql, args).fetchall()]


def find_span(text: str, query: str) -> tuple[int, int] | None:
    """Where in ``text`` (character offsets, end exclusive) the words that sound like ``query`` are."""
    want = sound_key(query).split()
    if not want:
        return None
    toks: list[tuple[str, int, int]] = []  # (folded syllable or Latin run, start, end)
    folded = unicodedata.normalize("NFKC", text).lower() if len(unicodedata.normalize("NFKC", text)) == len(text) \
        else text.lower()
    i = 0
    while i < len(folded):
        ch = folded[i]
        if is_han(ch):
            toks.append((min(heard_reading(ch)), i, i + 1))
            i += 1
        elif m := _LATIN.match(folded, i):
            toks.append((m.group(), i, m.end()))
            i = m.end()
        else:
            i += 1
    keys = [t[0] for t in toks]
    for k in range(len(keys) - len(want) + 1):
        if keys[k:k + len(want)] == want:
            return toks[k][1], toks[k + len(want) - 1][2]
    return None
