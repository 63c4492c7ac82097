"""store: what a followed recording keeps in the database, and the one transaction per increment.

Tables (created by ``ensure_schema``, called from store/schema.py):
- ``live_streams``: one row per followed stream: its source, the follower's state (following, stalled, ending,
  ended, failed), why it ended, the ingest cursor, how far audio is ingested (``edge``) and transcribed
  (``transcribed``), where detection re-runs from (``anchor``), and the fault counts;
- ``live_segments``: every piece of the timeline in order: an ingested segment, or a gap (a missing or
  undecodable segment keeps its time, marked);
- ``live_visual``: the visual events of each ingested segment;
- ``live_windows``: the transcription windows, each closed at a pause;
- ``live_events``: what GET /streams/{id}/events streams: 看点 opened, updated, withdrawn, final; faults; the end.

Each increment is one transaction (``commit_segment``, ``commit_window``, ``commit_publish``), so a follower
killed with ``kill -9`` finds the database as it was after its last whole increment, and resumes from there:
nothing is counted twice and nothing is skipped. The stream's own ``state`` column (live / ending / final) is
what the 看点 index reports; offline indexes leave it empty (final).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from replay.contracts import Highlight, Segment, VisualEvent, from_json, highlight_id, to_json
from replay.store import search

TABLES = {"live_streams", "live_segments", "live_visual", "live_windows", "live_events"}
FAULTS = ("late", "duplicate", "gap", "rewind", "discontinuity", "stalled", "undecodable")
"""The faults a follower counts; each also goes out as a ``fault`` event and, for gaps, a timeline row."""


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create the live tables, and the ``state`` columns of streams and highlights, where missing."""
    names = set(db.table_names())
    if "live_streams" not in names:
        db["live_streams"].create({
            "stream_id": str, "source": str, "kind": str, "title": str, "options": str, "job_id": str,
            "state": str, "end_reason": str, "end_requested": float, "pid": int, "heartbeat": float,
            "started_at": float, "ended_at": float, "edge": float, "transcribed": float, "anchor": float,
            "cursor": str, "faults": str, "error": str}, pk="stream_id")
    if "live_segments" not in names:
        db["live_segments"].create({
            "stream_id": str, "n": int, "epoch": int, "msn": int, "uri": str, "start": float, "duration": float,
            "status": str, "sha1": str, "discontinuity": int, "file": str, "note": str, "at": float},
            pk=("stream_id", "n"))
        db["live_segments"].create_index(["stream_id", "sha1"], index_name="idx_live_segments_sha1")
    if "live_visual" not in names:
        db["live_visual"].create({"stream_id": str, "n": int, "events": str, "sharpness": str},
                                 pk=("stream_id", "n"))
    if "live_windows" not in names:
        db["live_windows"].create({"stream_id": str, "idx": int, "start": float, "end": float, "segments": int,
                                   "seconds": float, "at": float}, pk=("stream_id", "idx"))
    if "live_events" not in names:
        db["live_events"].create({"stream_id": str, "seq": int, "type": str, "data": str, "at": float},
                                 pk=("stream_id", "seq"))
    for table in ("streams", "highlights"):
        if table in db.table_names() and "state" not in db[table].columns_dict:
            db[table].add_column("state", str)


@dataclass(frozen=True, slots=True)
class LiveRow:
    """One followed stream, as ``live_streams`` holds it."""

    stream_id: str
    source: str
    kind: str
    title: str | None
    options: dict[str, Any]
    job_id: str | None
    state: str
    end_reason: str | None
    end_requested: float | None
    pid: int | None
    heartbeat: float | None
    started_at: float
    ended_at: float | None
    edge: float
    transcribed: float
    anchor: float
    cursor: dict[str, Any]
    faults: dict[str, int]
    error: str | None

    def summary(self) -> dict[str, Any]:
        """The stream's live record for clients (GET /streams/{id} ``live``)."""
        return {"source_kind": self.kind, "state": self.state, "end_reason": self.end_reason,
                "started_at": self.started_at, "ended_at": self.ended_at, "edge": round(self.edge, 3),
                "transcribed": round(self.transcribed, 3), "behind": round(max(0.0, self.edge - self.transcribed), 3),
                "heartbeat": self.heartbeat, "faults": {k: self.faults.get(k, 0) for k in FAULTS},
                "error": self.error}


@dataclass(frozen=True, slots=True)
class Piece:
    """One stretch of the timeline: an ingested segment (``ok``) or a ``gap`` (missing, undecodable) whose time
    is kept. ``file`` is the stored segment's name (segments/ or, for a gap, its filler), or None."""

    n: int
    start: float
    duration: float
    status: str
    epoch: int = 0
    msn: int = -1
    uri: str = ""
    sha1: str | None = None
    discontinuity: bool = False
    file: str | None = None
    note: str = ""

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    type: str
    data: dict[str, Any]
    at: float


class LiveStore:
    """Reads and the per-increment transactions of the live tables, over a replay Database's connection."""

    def __init__(self, db: Any) -> None:
        self.database = db
        self.db: sqlite_utils.Database = db.db

    # --- the stream -----------------------------------------------------------------------------------
    def create(self, stream_id: str, source: str, kind: str, title: str | None, options: dict[str, Any] | None,
               job_id: str | None) -> LiveRow:
        """Register a followed stream, or take over an existing one (a resumed follower keeps its cursor)."""
        now = time.time()
        with self.database.write():
            if self.db["live_streams"].count_where("stream_id = ?", [stream_id]):
                self.db["live_streams"].update(stream_id, {"source": source, "kind": kind, "title": title,
                                                           "options": _dumps(options or {}), "job_id": job_id})
            else:
                self.db["live_streams"].insert({
                    "stream_id": stream_id, "source": source, "kind": kind, "title": title,
                    "options": _dumps(options or {}), "job_id": job_id, "state": "following", "end_reason": None,
                    "end_requested": None, "pid": None, "heartbeat": now, "started_at": now, "ended_at": None,
                    "edge": 0.0, "transcribed": 0.0, "anchor": 0.0, "cursor": "{}", "faults": "{}", "error": None})
        row = self.row(stream_id)
        assert row is not None
        return row

    def row(self, stream_id: str) -> LiveRow | None:
        rows = list(self.db.query("select * from live_streams where stream_id = ?", [stream_id]))
        if not rows:
            return None
        r = rows[0]
        return LiveRow(stream_id=r["stream_id"], source=r["source"], kind=r["kind"], title=r["title"],
                       options=json.loads(r["options"] or "{}"), job_id=r["job_id"], state=r["state"],
                       end_reason=r["end_reason"], end_requested=r["end_requested"], pid=r["pid"],
                       heartbeat=r["heartbeat"], started_at=r["started_at"], ended_at=r["ended_at"],
                       edge=r["edge"] or 0.0, transcribed=r["transcribed"] or 0.0, anchor=r["anchor"] or 0.0,
                       cursor=json.loads(r["cursor"] or "{}"), faults=json.loads(r["faults"] or "{}"),
                       error=r["error"])

    def rows(self, states: Sequence[str] | None = None) -> list[LiveRow]:
        ids = [r["stream_id"] for r in self.db.query("select stream_id from live_streams")]
        out = [x for x in (self.row(i) for i in ids) if x is not None]
        return [x for x in out if states is None or x.state in states]

    def update(self, stream_id: str, **fields: Any) -> None:
        for key in ("cursor", "faults", "options"):
            if key in fields and not isinstance(fields[key], str):
                fields[key] = _dumps(fields[key])
        self.db["live_streams"].update(stream_id, fields)

    def forget(self, stream_id: str) -> None:
        """Drop what an earlier follow of this stream left (to follow its source again from the start)."""
        with self.database.write():
            for table in ("live_streams", "live_segments", "live_visual", "live_windows", "live_events"):
                self.db[table].delete_where("stream_id = ?", [stream_id])
            self.db["highlights"].delete_where("stream_id = ?", [stream_id])
            self.db["segments"].delete_where("stream_id = ?", [stream_id])
            search.replace_segments(self.db, stream_id, [])

    def request_end(self, stream_id: str) -> None:
        """An explicit end (POST /streams/{id}/end): the follower sees it at its next poll and finishes."""
        self.db["live_streams"].update(stream_id, {"end_requested": time.time()})

    def set_stream_state(self, stream_id: str, state: str | None) -> None:
        """The stream's index state (live / ending / final) that GET /streams/{id}/highlights reports."""
        self.db["streams"].update(stream_id, {"state": state})

    # --- the timeline -----------------------------------------------------------------------------------
    def pieces(self, stream_id: str) -> list[Piece]:
        rows = self.db.query("select * from live_segments where stream_id = ? order by n", [stream_id])
        return [Piece(n=r["n"], start=r["start"], duration=r["duration"], status=r["status"], epoch=r["epoch"],
                      msn=r["msn"], uri=r["uri"] or "", sha1=r["sha1"], discontinuity=bool(r["discontinuity"]),
                      file=r["file"], note=r["note"] or "") for r in rows]

    def has_content(self, stream_id: str, sha1: str) -> bool:
        return bool(self.db["live_segments"].count_where("stream_id = ? and sha1 = ?", [stream_id, sha1]))

    def visual(self, stream_id: str, since: float = 0.0) -> tuple[list[VisualEvent], list[tuple[float, float]]]:
        """Visual events and frame sharpness of the segments that end after ``since``."""
        rows = self.db.query("select v.events, v.sharpness from live_visual v join live_segments s on "
                             "s.stream_id = v.stream_id and s.n = v.n where v.stream_id = ? and "
                             "s.start + s.duration >= ? order by v.n", [stream_id, since])
        events: list[VisualEvent] = []
        sharp: list[tuple[float, float]] = []
        for r in rows:
            events += from_json(list[VisualEvent], json.loads(r["events"]))
            sharp += [tuple(x) for x in json.loads(r["sharpness"])]
        return events, sharp

    def commit_piece(self, stream_id: str, piece: Piece, cursor: dict[str, Any], faults: dict[str, int],
                     events: Iterable[tuple[str, dict[str, Any]]] = (), visual: Sequence[VisualEvent] = (),
                     sharpness: Sequence[tuple[float, float]] = (), media: dict[str, Any] | None = None) -> None:
        """One piece of the timeline, its visual events, the cursor after it and its fault events, at once."""
        now = time.time()
        with self.database.write():
            self.db["live_segments"].insert({**to_json(piece), "stream_id": stream_id, "at": now,
                                             "discontinuity": int(piece.discontinuity)}, replace=True)
            if piece.status == "ok":
                self.db["live_visual"].insert({"stream_id": stream_id, "n": piece.n,
                                               "events": _dumps(to_json(list(visual))),
                                               "sharpness": _dumps([list(x) for x in sharpness])}, replace=True)
            self.db["live_streams"].update(stream_id, {"edge": piece.end, "cursor": _dumps(cursor),
                                                       "faults": _dumps(faults), "heartbeat": now})
            stream_row: dict[str, Any] = {"duration": piece.end, "updated_at": now}
            if media is not None:
                stream_row["media"] = _dumps(media)
            self.db["streams"].update(stream_id, stream_row)
            for kind, data in events:
                self._event(stream_id, kind, data, now)

    def commit_cursor(self, stream_id: str, cursor: dict[str, Any], faults: dict[str, int],
                      events: Iterable[tuple[str, dict[str, Any]]] = (), **fields: Any) -> None:
        """The cursor alone (a skipped duplicate, a rewind, a stall), with its fault events."""
        now = time.time()
        with self.database.write():
            self.db["live_streams"].update(stream_id, {"cursor": _dumps(cursor), "faults": _dumps(faults),
                                                       "heartbeat": now, **fields})
            for kind, data in events:
                self._event(stream_id, kind, data, now)

    # --- the transcript -----------------------------------------------------------------------------------
    def commit_window(self, stream_id: str, idx: int, start: float, end: float, segments: Sequence[Segment],
                      seconds: float) -> None:
        """A transcribed window: its utterances appended to the stream's transcript (and search), at once."""
        now = time.time()
        with self.database.write():
            first = self.db.execute("select coalesce(max(idx) + 1, 0) from segments where stream_id = ?",
                                    [stream_id]).fetchone()[0]
            self.db["segments"].insert_all(
                ({"stream_id": stream_id, "idx": first + k, "start": s.start, "end": s.end, "text": s.text,
                  "words": _dumps(to_json(s.words, compact=True))} for k, s in enumerate(segments)), replace=True)
            search.add_segments(self.db, stream_id, ((first + k, s.text) for k, s in enumerate(segments)))
            self.db["live_windows"].insert({"stream_id": stream_id, "idx": idx, "start": start, "end": end,
                                            "segments": len(segments), "seconds": round(seconds, 3), "at": now},
                                           replace=True)
            self.db["live_streams"].update(stream_id, {"transcribed": end, "heartbeat": now})

    def windows(self, stream_id: str) -> list[dict[str, Any]]:
        return list(self.db.query("select * from live_windows where stream_id = ? order by idx", [stream_id]))

    def transcript_since(self, stream_id: str, since: float) -> list[Segment]:
        rows = self.db.query("select start, end, text, words from segments where stream_id = ? and end > ? "
                             "order by idx", [stream_id, since])
        return [from_json(Segment, {**r, "words": json.loads(r["words"] or "[]")}) for r in rows]

    # --- the 看点 -------------------------------------------------------------------------------------------
    def commit_publish(self, stream_id: str, highlights: Sequence[Highlight], anchor: float,
                       events: Iterable[tuple[str, dict[str, Any]]], stream_state: str | None = None) -> None:
        """The index so far (final and live 看点), where detection re-runs from, and what changed, at once."""
        now = time.time()
        with self.database.write():
            self.db["highlights"].delete_where("stream_id = ?", [stream_id])
            self.db["highlights"].insert_all(
                ({**{k: v for k, v in to_json(h).items() if k != "edited"},  # edits live apart (replay/edits)
                  "id": h.id or highlight_id(stream_id, h.sku_id, h.start), "stream_id": stream_id,
                  "idx": n, "evidence": _dumps(to_json(h.evidence))} for n, h in enumerate(highlights)))
            self.db["live_streams"].update(stream_id, {"anchor": anchor, "heartbeat": now})
            if stream_state is not None:
                self.db["streams"].update(stream_id, {"state": stream_state})
            for kind, data in events:
                self._event(stream_id, kind, data, now)

    # --- events -------------------------------------------------------------------------------------------
    def _event(self, stream_id: str, kind: str, data: dict[str, Any], at: float) -> None:
        seq = self.db.execute("select coalesce(max(seq), 0) + 1 from live_events where stream_id = ?",
                              [stream_id]).fetchone()[0]
        self.db["live_events"].insert({"stream_id": stream_id, "seq": seq, "type": kind,
                                       "data": _dumps({**data, "stream_id": stream_id}), "at": at})

    def add_event(self, stream_id: str, kind: str, data: dict[str, Any]) -> None:
        with self.database.write():
            self._event(stream_id, kind, data, time.time())

    def events_after(self, stream_id: str, seq: int = 0, limit: int = 500) -> list[Event]:
        rows = self.db.query("select seq, type, data, at from live_events where stream_id = ? and seq > ? "
                             "order by seq limit ?", [stream_id, seq, limit])
        return [Event(r["seq"], r["type"], json.loads(r["data"]), r["at"]) for r in rows]
