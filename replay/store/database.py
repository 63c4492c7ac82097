"""index: the SQLite store of streams, jobs, stage checkpoints, transcripts, catalogs and 看点.

sqlite-utils over one WAL-mode database file. WAL lets the API read while a job writes. Everything a job
knows lives here, never only in a worker's memory, so a killed process resumes from its last checkpoint.
Re-indexing a stream replaces its rows (idempotent).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from replay.contracts import (
    Catalog,
    CatalogItem,
    Evidence,
    Highlight,
    HighlightIndex,
    MediaInfo,
    Segment,
    Transcript,
    Word,
    to_jsonable,
)
from replay.errors import NotFound
from replay.store import search

JOB_STATES = ("queued", "running", "done", "failed")


def stream_id_for(path: Path) -> str:
    """A stable id for a recording: the same file always maps to the same stream (idempotent re-index)."""
    return "s" + hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:11]


def options_key(options: Any) -> str:
    """A short hash of the options that produced a stage's output; a change invalidates the checkpoint."""
    return hashlib.sha1(json.dumps(to_jsonable(options), sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    stream_id: str
    kind: str
    state: str
    stage: str
    progress: float
    eta: float | None
    error: dict[str, Any] | None
    created_at: float
    updated_at: float
    result: dict[str, Any] | None = None


_TABLES = {"streams", "catalog_items", "jobs", "checkpoints", "segments", "highlights",
           search.MAP_TABLE, search.FTS_TABLE}


class Index:
    """All reads and writes of the database go through this class."""

    def __init__(self, path: Path | str, *, any_thread: bool = False) -> None:
        """``any_thread``: the connection may be used from a thread other than its creator's (one thread at a
        time), as the API's per-request pool does; FastAPI runs dependencies and routes on different threads."""
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(sqlite3.connect(str(path), check_same_thread=False) if any_thread else str(path))
        self.db.execute("PRAGMA busy_timeout = 10000")
        if str(path) != ":memory:":
            self.db.enable_wal()
        if not _TABLES.issubset(self.db.table_names()):
            # Two processes opening a new database at once (CLI and server, pool workers) would both see a
            # table missing and race to create it; an IMMEDIATE transaction makes the second one wait.
            self.db.conn.execute("BEGIN IMMEDIATE")
            try:
                self._ensure_schema()
            except BaseException:
                self.db.conn.rollback()
                raise
            self.db.conn.commit()

    # --- schema -----------------------------------------------------------------------------
    def _ensure_schema(self) -> None:
        db = self.db
        if "streams" not in db.table_names():
            db["streams"].create({"id": str, "path": str, "title": str, "duration": float, "media": str,
                                  "visual": str, "created_at": float, "updated_at": float}, pk="id")
        if "catalog_items" not in db.table_names():
            db["catalog_items"].create({"stream_id": str, "sku_id": str, "position": int, "title": str, "brand": str,
                                        "short_name": str, "aliases": str, "price": float, "live_price": float,
                                        "link_no": int, "image": str, "category": str}, pk=("stream_id", "sku_id"))
        if "jobs" not in db.table_names():
            db["jobs"].create({"id": str, "stream_id": str, "kind": str, "state": str, "stage": str,
                               "progress": float, "eta": float, "error": str, "options": str, "result": str,
                               "created_at": float, "updated_at": float}, pk="id")
            db["jobs"].create_index(["stream_id"])
        if "checkpoints" not in db.table_names():
            db["checkpoints"].create({"stream_id": str, "stage": str, "key": str, "payload": str,
                                      "seconds": float, "peak_rss": int, "finished_at": float},
                                     pk=("stream_id", "stage"))
        if "segments" not in db.table_names():
            db["segments"].create({"stream_id": str, "idx": int, "start": float, "end": float, "text": str,
                                   "words": str}, pk=("stream_id", "idx"))
        if "highlights" not in db.table_names():
            db["highlights"].create({"id": str, "stream_id": str, "idx": int, "sku_id": str, "title": str,
                                     "start": float, "end": float, "confidence": float, "thumbnail": str,
                                     "kind": str, "evidence": str}, pk="id")
            db["highlights"].create_index(["stream_id"])
        search.ensure_schema(db)  # FTS over segments for 1-2 character Chinese queries (replay/search.py)

    # --- streams ----------------------------------------------------------------------------
    def upsert_stream(self, stream_id: str, info: MediaInfo, title: str | None = None) -> None:
        now = time.time()
        existing = self.db["streams"].count_where("id = ?", [stream_id])
        row = {"id": stream_id, "path": str(info.path), "title": title or info.path.stem,
               "duration": info.duration, "media": json.dumps(to_jsonable(info)), "updated_at": now}
        if existing:
            self.db["streams"].update(stream_id, row)
        else:
            self.db["streams"].insert({**row, "created_at": now, "visual": None})

    def stream(self, stream_id: str) -> dict[str, Any]:
        try:
            row = self.db["streams"].get(stream_id)
        except sqlite_utils.db.NotFoundError:
            raise NotFound(f"no stream {stream_id!r}", hint="list streams with `replay show` or GET /streams") from None
        return {**row, "media": json.loads(row["media"]) if row["media"] else None,
                "visual": json.loads(row["visual"]) if row["visual"] else None}

    def streams(self) -> list[dict[str, Any]]:
        rows = self.db.query(
            "select s.id, s.path, s.title, s.duration, s.created_at, s.updated_at, "
            "(select count(*) from highlights h where h.stream_id = s.id) as n_highlights "
            "from streams s order by s.created_at desc")
        return list(rows)

    def set_visual_summary(self, stream_id: str, summary: dict[str, Any]) -> None:
        self.db["streams"].update(stream_id, {"visual": json.dumps(summary)})

    # --- catalog ----------------------------------------------------------------------------
    def save_catalog(self, stream_id: str, catalog: Catalog) -> None:
        with self.db.conn:
            self.db["catalog_items"].delete_where("stream_id = ?", [stream_id])
            self.db["catalog_items"].insert_all(
                {"stream_id": stream_id, "position": n, "sku_id": i.sku_id, "title": i.title, "brand": i.brand,
                 "short_name": i.short_name, "aliases": json.dumps(list(i.aliases), ensure_ascii=False),
                 "price": i.price, "live_price": i.live_price, "link_no": i.link_no,
                 "image": str(i.image) if i.image else None, "category": i.category}
                for n, i in enumerate(catalog.items))

    def catalog(self, stream_id: str) -> Catalog:
        rows = self.db.query("select * from catalog_items where stream_id = ? order by position", [stream_id])
        return Catalog(items=tuple(
            CatalogItem(sku_id=r["sku_id"], title=r["title"], brand=r["brand"], short_name=r["short_name"],
                        aliases=tuple(json.loads(r["aliases"] or "[]")), price=r["price"], live_price=r["live_price"],
                        link_no=r["link_no"], image=Path(r["image"]) if r["image"] else None, category=r["category"])
            for r in rows))

    # --- jobs -------------------------------------------------------------------------------
    def create_job(self, stream_id: str, kind: str = "index", options: dict[str, Any] | None = None) -> Job:
        now = time.time()
        job_id = "j" + uuid.uuid4().hex[:12]
        self.db["jobs"].insert({"id": job_id, "stream_id": stream_id, "kind": kind, "state": "queued", "stage": "",
                                "progress": 0.0, "eta": None, "error": None,
                                "options": json.dumps(options or {}, ensure_ascii=False, default=str),
                                "result": None, "created_at": now, "updated_at": now})
        return self.job(job_id)

    def update_job(self, job_id: str, **fields: Any) -> None:
        if "state" in fields and fields["state"] not in JOB_STATES:
            raise ValueError(f"bad job state {fields['state']!r}")
        for key in ("error", "result"):
            if key in fields and fields[key] is not None:
                fields[key] = json.dumps(fields[key], ensure_ascii=False, default=str)
        fields["updated_at"] = time.time()
        self.db["jobs"].update(job_id, fields)

    def job(self, job_id: str) -> Job:
        try:
            r = self.db["jobs"].get(job_id)
        except sqlite_utils.db.NotFoundError:
            raise NotFound(f"no job {job_id!r}", hint="job ids are returned by POST /streams") from None
        return Job(id=r["id"], stream_id=r["stream_id"], kind=r["kind"], state=r["state"], stage=r["stage"] or "",
                   progress=r["progress"] or 0.0, eta=r["eta"], error=json.loads(r["error"]) if r["error"] else None,
                   created_at=r["created_at"], updated_at=r["updated_at"],
                   result=json.loads(r["result"]) if r["result"] else None)

    def jobs_for(self, stream_id: str) -> list[Job]:
        ids = [r["id"] for r in self.db.query("select id from jobs where stream_id = ? order by created_at", [stream_id])]
        return [self.job(i) for i in ids]

    def interrupted_jobs(self) -> list[Job]:
        """Jobs left 'running' or 'queued' by a process that died; the server resumes them on start."""
        ids = [r["id"] for r in self.db.query("select id from jobs where state in ('queued', 'running')")]
        return [self.job(i) for i in ids]

    # --- checkpoints --------------------------------------------------------------------------
    def save_checkpoint(self, stream_id: str, stage: str, key: str, payload: Any,
                        seconds: float = 0.0, peak_rss: int = 0) -> None:
        self.db["checkpoints"].upsert(
            {"stream_id": stream_id, "stage": stage, "key": key,
             "payload": json.dumps(to_jsonable(payload), ensure_ascii=False), "seconds": seconds,
             "peak_rss": peak_rss, "finished_at": time.time()}, pk=("stream_id", "stage"))

    def checkpoint(self, stream_id: str, stage: str, key: str) -> Any | None:
        """The stored output of ``stage`` if it was produced with the same options key, else None."""
        rows = list(self.db.query("select key, payload from checkpoints where stream_id = ? and stage = ?",
                                  [stream_id, stage]))
        if not rows or rows[0]["key"] != key:
            return None
        return json.loads(rows[0]["payload"])

    def latest_checkpoint(self, stream_id: str, stage: str) -> Any | None:
        """The stored output of ``stage`` whatever options produced it (for reports, not for resuming)."""
        rows = list(self.db.query("select payload from checkpoints where stream_id = ? and stage = ?",
                                  [stream_id, stage]))
        return json.loads(rows[0]["payload"]) if rows else None

    def checkpoints(self, stream_id: str) -> list[dict[str, Any]]:
        return list(self.db.query("select stage, key, seconds, peak_rss, finished_at from checkpoints "
                                  "where stream_id = ? order by finished_at", [stream_id]))

    def clear_checkpoints(self, stream_id: str, prefix: str = "") -> None:
        self.db["checkpoints"].delete_where("stream_id = ? and stage like ?", [stream_id, prefix + "%"])

    # --- transcript ---------------------------------------------------------------------------
    def save_transcript(self, stream_id: str, transcript: Transcript) -> None:
        with self.db.conn:
            self.db["segments"].delete_where("stream_id = ?", [stream_id])
            self.db["segments"].insert_all(
                {"stream_id": stream_id, "idx": n, "start": s.start, "end": s.end, "text": s.text,
                 "words": json.dumps([[w.start, w.end, w.text, w.probability] for w in s.words], ensure_ascii=False)}
                for n, s in enumerate(transcript.segments))
            search.index_segments(self.db, stream_id, transcript.segments)

    def transcript(self, stream_id: str) -> Transcript:
        rows = self.db.query("select * from segments where stream_id = ? order by idx", [stream_id])
        segs = tuple(Segment(start=r["start"], end=r["end"], text=r["text"],
                             words=tuple(Word(*w) for w in json.loads(r["words"] or "[]"))) for r in rows)
        duration = self.stream(stream_id)["duration"]
        return Transcript(segments=segs, duration=duration)

    # --- highlights ---------------------------------------------------------------------------
    def save_highlights(self, stream_id: str, highlights: Iterable[Highlight]) -> None:
        with self.db.conn:
            self.db["highlights"].delete_where("stream_id = ?", [stream_id])
            self.db["highlights"].insert_all(
                {"id": h.id or f"{stream_id}-{n}", "stream_id": stream_id, "idx": n, "sku_id": h.sku_id,
                 "title": h.title, "start": h.start, "end": h.end, "confidence": h.confidence,
                 "thumbnail": h.thumbnail, "kind": h.kind,
                 "evidence": json.dumps(to_jsonable(h.evidence), ensure_ascii=False)}
                for n, h in enumerate(highlights))

    def highlights(self, stream_id: str) -> HighlightIndex:
        stream = self.stream(stream_id)
        rows = self.db.query("select * from highlights where stream_id = ? order by start", [stream_id])
        hs = tuple(Highlight(id=r["id"], sku_id=r["sku_id"], title=r["title"], start=r["start"], end=r["end"],
                             confidence=r["confidence"], thumbnail=r["thumbnail"], kind=r["kind"] or "main",
                             evidence=tuple(Evidence(**e) for e in json.loads(r["evidence"] or "[]")))
                   for r in rows)
        return HighlightIndex(stream_id=stream_id, duration=stream["duration"], highlights=hs)
