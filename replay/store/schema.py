"""schema: the database's tables, and the migrations that bring an older database up to date.

The version lives in SQLite's ``PRAGMA user_version``: 0 is a database written before versions were kept
(or a new file), each migration moves it up by one. Database() runs what is missing when it opens a file,
inside one IMMEDIATE transaction, so two processes opening the same old file never migrate it twice.
"""

from __future__ import annotations

import sqlite_utils

from replay.contracts import highlight_id
from replay.edits import table as edits_table
from replay.live import store as live_store
from replay.store import events, search, sounds

VERSION = 1
"""1: 看点 ids are unique across streams (contracts.highlight_id); the highlights table is keyed by
(stream_id, id), so two streams of the same recording never collide."""

TABLES = {"streams", "catalog_items", "jobs", "checkpoints", "segments", "highlights",
          search.MAP_TABLE, search.FTS_TABLE} | events.TABLES
TABLES |= {edits_table.TABLE, sounds.FTS_TABLE, sounds.DONE_TABLE}  # issue 11: editors' corrections; sound-alike search
TABLES |= live_store.TABLES  # issue 14: followed recordings


def version(db: sqlite_utils.Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def up_to_date(db: sqlite_utils.Database) -> bool:
    return TABLES.issubset(db.table_names()) and version(db) >= VERSION


def ensure(db: sqlite_utils.Database) -> None:
    """Create missing tables and run missing migrations. Call inside a write transaction."""
    old = version(db)
    existed = "highlights" in db.table_names()
    _create(db)
    if existed and old < 1:
        _v1_highlight_ids(db)
    db.execute(f"PRAGMA user_version = {VERSION}")


def _create(db: sqlite_utils.Database) -> None:
    names = db.table_names()
    if "streams" not in names:
        db["streams"].create({"id": str, "path": str, "title": str, "duration": float, "media": str,
                              "visual": str, "created_at": float, "updated_at": float}, pk="id")
    if "catalog_items" not in names:
        db["catalog_items"].create({"stream_id": str, "sku_id": str, "position": int, "title": str, "brand": str,
                                    "short_name": str, "aliases": str, "price": float, "live_price": float,
                                    "link_no": int, "image": str, "category": str,
                                    "url": str, "service_url": str}, pk=("stream_id", "sku_id"))
    if "jobs" not in names:
        db["jobs"].create({"id": str, "stream_id": str, "kind": str, "state": str, "stage": str,
                           "progress": float, "eta": float, "error": str, "options": str, "result": str,
                           "created_at": float, "updated_at": float}, pk="id")
        db["jobs"].create_index(["stream_id"])
    if "checkpoints" not in names:
        db["checkpoints"].create({"stream_id": str, "stage": str, "key": str, "payload": str,
                                  "seconds": float, "peak_rss": int, "finished_at": float},
                                 pk=("stream_id", "stage"))
    if "segments" not in names:
        db["segments"].create({"stream_id": str, "idx": int, "start": float, "end": float, "text": str,
                               "words": str}, pk=("stream_id", "idx"))
    if "highlights" not in names:
        _create_highlights(db)
    search.ensure_schema(db)  # FTS over segments (and their pinyin, store/sounds.py) for search (store/search.py)
    events.ensure_schema(db)  # viewer events' counters (store/events.py)
    edits_table.ensure_schema(db)  # editors' corrections, apart from the detector's rows (replay/edits)
    live_store.ensure_schema(db)  # followed recordings, and the state columns of streams and 看点 (issue 14)


def _create_highlights(db: sqlite_utils.Database, name: str = "highlights") -> None:
    db[name].create({"id": str, "stream_id": str, "idx": int, "sku_id": str, "title": str,
                     "start": float, "end": float, "confidence": float, "thumbnail": str,
                     "kind": str, "evidence": str, "state": str}, pk=("stream_id", "id"))
    db[name].create_index(["stream_id"], index_name=f"idx_{name}_stream_id")


def _v1_highlight_ids(db: sqlite_utils.Database) -> None:
    """Ids were ``SKU@START`` and the table was keyed by id alone: rewrite every id with highlight_id and key
    the table by (stream_id, id). Thumbnail files keep their names (the ``thumbnail`` column holds them)."""
    rows = [{**r, "id": highlight_id(r["stream_id"], r["sku_id"], r["start"])}
            for r in db.query("select * from highlights")]
    db.execute("drop table highlights")
    _create_highlights(db)
    db["highlights"].insert_all(rows, replace=True)
