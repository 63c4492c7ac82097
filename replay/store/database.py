"""database: the SQLite store of streams, jobs, stage checkpoints, transcripts, catalogs and 看点.

sqlite-utils over one WAL-mode database file. WAL lets the API read while a job writes. Everything a job
knows lives here, never only in a worker's memory, so a killed process resumes from its last checkpoint.
Re-indexing a stream replaces its rows (idempotent). Records go in and out through the contracts codec;
the tables and their migrations are in store/schema.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sqlite_utils

from replay.contracts import (
    Catalog,
    CatalogItem,
    Highlight,
    HighlightIndex,
    MediaInfo,
    Segment,
    Transcript,
    from_json,
    highlight_id,
    to_json,
)
from replay.edits import table as edits_table
from replay.edits.layer import HIGHLIGHT_KINDS, TEXT_KIND, apply_highlights, apply_text, text_overrides
from replay.errors import NotFound
from replay.store import schema, search

JOB_STATES = ("queued", "running", "done", "failed")


def stream_id_for(path: Path) -> str:
    """A stable id for a recording: the same file always maps to the same stream (idempotent re-index)."""
    return "s" + hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:11]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


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
    options: dict[str, Any] | None = None
    """What the job was asked to do (path, title, settings overrides): enough to run it again after a restart."""


class Database:
    """All reads and writes of the database go through this class."""

    def __init__(self, path: Path | str, *, any_thread: bool = False, busy_timeout: float = 10.0) -> None:
        """``any_thread``: the connection may be used from a thread other than its creator's (one thread at a
        time), as the API's per-request pool does; FastAPI runs dependencies and routes on different threads.
        ``busy_timeout``: seconds a write waits for another process's lock before sqlite3 raises
        OperationalError("database is locked"), which the API answers with 503 (errors.from_system_error)."""
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(sqlite3.connect(str(path), check_same_thread=False) if any_thread else str(path))
        self.db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        if str(path) != ":memory:":
            self.db.enable_wal()
        if not schema.up_to_date(self.db):
            # Two processes opening a new or old database at once (CLI and server, pool workers) would both
            # see it out of date and race to change it; an IMMEDIATE transaction makes the second one wait,
            # and it then finds nothing left to do.
            self.db.conn.execute("BEGIN IMMEDIATE")
            try:
                schema.ensure(self.db)
            except BaseException:
                self.db.conn.rollback()
                raise
            self.db.conn.commit()

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """A transaction that holds the write lock from its first statement (BEGIN IMMEDIATE); nested, a savepoint.

        For transactions that read and then write (the next event's number, then the event): begun deferred, a
        write by another process between the read and the write makes SQLite refuse the write at once ("database
        is locked", WAL's stale snapshot) instead of waiting ``busy_timeout``. The live follower and the API's
        POST /streams/{id}/end write the same stream at the same moments."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield self.db
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    # --- streams ----------------------------------------------------------------------------
    def upsert_stream(self, stream_id: str, info: MediaInfo, title: str | None = None) -> None:
        now = time.time()
        existing = self.db["streams"].count_where("id = ?", [stream_id])
        row = {"id": stream_id, "path": str(info.path), "title": title or info.path.stem,
               "duration": info.duration, "media": _dumps(to_json(info)), "updated_at": now}
        if existing:
            self.db["streams"].update(stream_id, row)
        else:
            self.db["streams"].insert({**row, "created_at": now, "visual": None})

    def stream(self, stream_id: str) -> dict[str, Any]:
        try:
            row = self.db["streams"].get(stream_id)
        except sqlite_utils.db.NotFoundError:
            raise NotFound(f"no stream {stream_id!r}", hint="list streams with `replay list` or GET /streams") from None
        return {**row, "media": json.loads(row["media"]) if row["media"] else None,
                "visual": json.loads(row["visual"]) if row["visual"] else None}

    def streams(self) -> list[dict[str, Any]]:
        rows = list(self.db.query(
            "select s.id, s.path, s.title, s.duration, s.created_at, s.updated_at, "
            "(select count(*) from highlights h where h.stream_id = s.id) as n_highlights "
            "from streams s order by s.created_at desc"))
        for row in rows:  # an editor's split, merge, add or delete changes the count
            if edits_table.has_edits(self.db, row["id"], HIGHLIGHT_KINDS):
                row["n_highlights"] = len(self.highlights(row["id"]).highlights)
        return rows

    def set_visual_summary(self, stream_id: str, summary: dict[str, Any]) -> None:
        self.db["streams"].update(stream_id, {"visual": _dumps(summary)})

    # --- catalog ----------------------------------------------------------------------------
    def save_catalog(self, stream_id: str, catalog: Catalog) -> None:
        with self.db.conn:
            self.db["catalog_items"].delete_where("stream_id = ?", [stream_id])
            self.db["catalog_items"].insert_all(  # alter: adds the url columns to a database made before them
                ({**to_json(item), "stream_id": stream_id, "position": n, "aliases": _dumps(list(item.aliases))}
                 for n, item in enumerate(catalog.items)), alter=True)

    def catalog(self, stream_id: str) -> Catalog:
        rows = self.db.query("select * from catalog_items where stream_id = ? order by position", [stream_id])
        return Catalog(items=tuple(from_json(CatalogItem, {**r, "aliases": json.loads(r["aliases"] or "[]")})
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
                   result=json.loads(r["result"]) if r["result"] else None,
                   options=json.loads(r["options"]) if r["options"] else None)

    def jobs_for(self, stream_id: str, kind: str | None = None) -> list[Job]:
        """The stream's jobs, oldest first; only those of ``kind`` (index, clip) when given."""
        ids = [r["id"] for r in self.db.query("select id from jobs where stream_id = ? and (? is null or kind = ?) "
                                              "order by created_at", [stream_id, kind, kind])]
        return [self.job(i) for i in ids]

    def stream_state(self, stream_id: str) -> str | None:
        """The stream's state: its latest *index* job's (or live job's: a stream being followed, replay/live).
        A clip job's failure is the clip job's alone."""
        row = next(self.db.query("select state from jobs where stream_id = ? and kind in ('index', 'live') "
                                 "order by created_at desc limit 1", [stream_id]), None)
        return row["state"] if row else None

    def interrupted_jobs(self) -> list[Job]:
        """Jobs left 'running' or 'queued' by a process that died; the server resumes them on start."""
        ids = [r["id"] for r in self.db.query("select id from jobs where state in ('queued', 'running')")]
        return [self.job(i) for i in ids]

    # --- checkpoints --------------------------------------------------------------------------
    def save_checkpoint(self, stream_id: str, stage: str, key: str, payload: Any,
                        seconds: float = 0.0, peak_rss: int = 0) -> None:
        self.db["checkpoints"].upsert(
            {"stream_id": stream_id, "stage": stage, "key": key, "payload": _dumps(to_json(payload)),
             "seconds": seconds, "peak_rss": peak_rss, "finished_at": time.time()}, pk=("stream_id", "stage"))

    def checkpoint(self, stream_id: str, stage: str, key: str | None = None) -> Any | None:
        """The stored JSON output of ``stage``, if it was produced with ``key`` (any key when None), else None.

        Reports may read any stored output; resuming must pass the key, so a changed input redoes the stage."""
        rows = list(self.db.query("select key, payload from checkpoints where stream_id = ? and stage = ?",
                                  [stream_id, stage]))
        if not rows or (key is not None and rows[0]["key"] != key):
            return None
        return json.loads(rows[0]["payload"])

    def checkpoints(self, stream_id: str) -> list[dict[str, Any]]:
        return list(self.db.query("select stage, key, seconds, peak_rss, finished_at from checkpoints "
                                  "where stream_id = ? order by finished_at", [stream_id]))

    def clear_checkpoints(self, stream_id: str, prefix: str = "") -> None:
        self.db["checkpoints"].delete_where("stream_id = ? and stage like ?", [stream_id, prefix + "%"])

    # --- transcript ---------------------------------------------------------------------------
    def save_transcript(self, stream_id: str, transcript: Transcript) -> None:
        with self.db.conn:
            self.db["segments"].delete_where("stream_id = ?", [stream_id])
            # Words are stored in the codec's compact (array) form: a 6 h stream has ~150k of them.
            self.db["segments"].insert_all(
                {"stream_id": stream_id, "idx": n, "start": s.start, "end": s.end, "text": s.text,
                 "words": _dumps(to_json(s.words, compact=True))}
                for n, s in enumerate(transcript.segments))
            # Search sees the corrected text: an editor's fix is found, the misheard words are not.
            fixes = text_overrides(transcript.segments, edits_table.edits_of(self.db, stream_id, active_only=True))
            search.replace_segments(self.db, stream_id, (replace(s, text=fixes.get(n, s.text))
                                                        for n, s in enumerate(transcript.segments)))

    def transcript(self, stream_id: str, corrected: bool = True) -> Transcript:
        """The transcript with the editors' corrections (replay/edits); ``corrected=False``: as the ASR wrote it."""
        duration = self.stream(stream_id)["duration"]
        rows = self.db.query("select start, end, text, words from segments where stream_id = ? order by idx",
                             [stream_id])
        segs = tuple(from_json(Segment, {**r, "words": json.loads(r["words"] or "[]")}) for r in rows)
        if corrected and edits_table.has_edits(self.db, stream_id, (TEXT_KIND,)):
            segs = apply_text(segs, edits_table.edits_of(self.db, stream_id, active_only=True))
        return Transcript(segments=segs, duration=duration)

    # --- highlights ---------------------------------------------------------------------------
    def save_highlights(self, stream_id: str, highlights: Iterable[Highlight]) -> None:
        """Replace the stream's 看点. A 看点 without an id gets its contract id (contracts.highlight_id)."""
        with self.db.conn:
            self.db["highlights"].delete_where("stream_id = ?", [stream_id])
            self.db["highlights"].insert_all(
                {**{k: v for k, v in to_json(h).items() if k != "edited"},  # edits live apart (replay/edits)
                 "id": h.id or highlight_id(stream_id, h.sku_id, h.start), "stream_id": stream_id,
                 "idx": n, "evidence": _dumps(to_json(h.evidence))}
                for n, h in enumerate(highlights))

    def highlights(self, stream_id: str, corrected: bool = True) -> HighlightIndex:
        """The 看点 with the editors' corrections replayed over the detector's (replay/edits), by start;
        ``corrected=False``: as the detector wrote them."""
        stream = self.stream(stream_id)
        rows = self.db.query("select * from highlights where stream_id = ? order by start", [stream_id])
        hs = tuple(from_json(Highlight, {**r, "kind": r["kind"] or "main", "state": r.get("state") or "final",
                                         "evidence": json.loads(r["evidence"] or "[]")})
                   for r in rows)
        if corrected and edits_table.has_edits(self.db, stream_id, HIGHLIGHT_KINDS):
            hs = apply_highlights(hs, edits_table.edits_of(self.db, stream_id, active_only=True))
        # A stream being followed live says so (replay/live); an offline index is final.
        return HighlightIndex(stream_id=stream_id, duration=stream["duration"], highlights=hs,
                              state=stream.get("state") or "final")
