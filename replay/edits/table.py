"""table: where edits are stored, apart from the detector's rows (which a re-index replaces).

One row per edit, never deleted: a revert only stamps ``reverted_at``/``reverted_by``, so the list of edits is
the full history. ``seq`` (the rowid) orders them. The table is created by ``ensure_schema``, called from
store/schema.py.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import sqlite_utils

from replay.contracts import Highlight, from_json, to_json
from replay.edits.layer import Edit, SegmentRef

TABLE = "edits"


def ensure_schema(db: sqlite_utils.Database) -> None:
    if TABLE not in db.table_names():
        db.execute(f"create table {TABLE} (seq integer primary key autoincrement, id text unique not null, "
                   "stream_id text not null, kind text not null, target text not null, editor text not null, "
                   "created_at real not null, summary text not null, payload text not null, "
                   "reverted_at real, reverted_by text)")
        db.execute(f"create index idx_{TABLE}_stream on {TABLE} (stream_id, seq)")


def _edit(row: dict[str, Any]) -> Edit:
    p = json.loads(row["payload"])
    return Edit(id=row["id"], stream_id=row["stream_id"], seq=row["seq"], kind=row["kind"], target=row["target"],
                editor=row["editor"], created_at=row["created_at"], summary=row["summary"],
                remove=from_json(tuple[Highlight, ...], p.get("remove", [])),
                add=from_json(tuple[Highlight, ...], p.get("add", [])),
                segment=from_json(SegmentRef | None, p.get("segment")), text=p.get("text"),
                reverted_at=row["reverted_at"], reverted_by=row["reverted_by"])


def edits_of(db: sqlite_utils.Database, stream_id: str, active_only: bool = False) -> list[Edit]:
    """A stream's edits in the order they were made."""
    where = " and reverted_at is null" if active_only else ""
    rows = db.query(f"select * from {TABLE} where stream_id = ?{where} order by seq", [stream_id])
    return [_edit(r) for r in rows]


def has_edits(db: sqlite_utils.Database, stream_id: str, kinds: tuple[str, ...] | None = None) -> bool:
    sql = f"select 1 from {TABLE} where stream_id = ? and reverted_at is null"
    args: list[Any] = [stream_id]
    if kinds:
        sql += f" and kind in ({','.join('?' * len(kinds))})"
        args += list(kinds)
    return db.execute(sql + " limit 1", args).fetchone() is not None


def insert(db: sqlite_utils.Database, stream_id: str, kind: str, target: str, editor: str, summary: str, *,
           remove: tuple[Highlight, ...] = (), add: tuple[Highlight, ...] = (), segment: SegmentRef | None = None,
           text: str | None = None) -> Edit:
    edit_id = "e" + uuid.uuid4().hex[:12]
    payload = {"remove": to_json(remove), "add": to_json(add), "segment": to_json(segment), "text": text}
    db.execute(f"insert into {TABLE} (id, stream_id, kind, target, editor, created_at, summary, payload) "
               "values (?, ?, ?, ?, ?, ?, ?, ?)",
               [edit_id, stream_id, kind, target, editor, time.time(), summary, json.dumps(payload, ensure_ascii=False)])
    return get(db, stream_id, edit_id)


def get(db: sqlite_utils.Database, stream_id: str, edit_id: str) -> Edit | None:
    rows = list(db.query(f"select * from {TABLE} where stream_id = ? and id = ?", [stream_id, edit_id]))
    return _edit(rows[0]) if rows else None


def mark_reverted(db: sqlite_utils.Database, edit_id: str, editor: str) -> None:
    db.execute(f"update {TABLE} set reverted_at = ?, reverted_by = ? where id = ?", [time.time(), editor, edit_id])
