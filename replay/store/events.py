"""events: what replay viewers did, stored as per-minute counters (and, optionally, raw events).

Tables (created by ``ensure_schema``, called from store/schema.py):

- ``event_counts``: one counter per (stream, 看点, SKU, metric, minute), ``n`` events. The metrics are
  ``play:<source>``, ``progress:<25|50|75|100>``, ``click:<url|service>``, and the unique-session counts
  ``sessions`` (first play of a 看点 by a session), ``sku_sessions`` and ``stream_sessions``. Its size grows
  with minutes × 看点 × metrics that had any event, never with the number of viewers; minute buckets older
  than ``events_minute_days`` are merged into hour buckets (``maintain``).
- ``event_seen``: which session already counted for which 看点 / SKU / stream, so unique sessions are exact.
  A row is forgotten after ``events_session_hours`` without events from that session.
- ``events_raw``: every event as it came, only with ``events_keep_raw``, deleted after ``events_raw_days``.

No table has a column for an IP address or a user agent: the API never passes them here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import sqlite_utils

TABLES = {"event_counts", "event_seen", "events_raw"}

PLAY_SOURCES = ("dot", "card", "bag", "search", "link", "next", "seek", "continue")
"""How a 看点 came to play: its dot on the bar, the dot's card, the 宝贝口袋, a search hit, a deep link
(?sku= / ?t=), the previous/next keys and buttons, a seek or skip that landed in it, or playback running on
into it."""
MARKS = (25, 50, 75, 100)
"""Watch-progress marks inside a 看点, in percent of its length; 100 is a completed play."""
TARGETS = ("url", "service")
"""Which product link a click opened: the detail page (去看看) or customer service (问客服)."""


@dataclass(frozen=True, slots=True)
class ViewerEvent:
    """One validated event, with the 看点's SKU resolved by the server ('' where there is none)."""

    kind: Literal["play", "progress", "click"]
    highlight_id: str
    sku_id: str
    t: float
    """Position in the recording when it happened, seconds."""
    source: str | None = None
    pct: int | None = None
    target: str | None = None

    @property
    def metric(self) -> str:
        return {"play": f"play:{self.source}", "progress": f"progress:{self.pct}", "click": f"click:{self.target}"}[self.kind]


@dataclass(frozen=True, slots=True)
class EventsOptions:
    keep_raw: bool = False
    raw_days: float = 30.0
    minute_days: float = 7.0
    session_hours: float = 24.0


def ensure_schema(db: sqlite_utils.Database) -> None:
    names = db.table_names()
    if "event_counts" not in names:
        db["event_counts"].create({"stream_id": str, "highlight_id": str, "sku_id": str, "metric": str,
                                   "minute": int, "n": int},
                                  pk=("stream_id", "highlight_id", "sku_id", "metric", "minute"))
        db["event_counts"].create_index(["stream_id", "minute"], index_name="idx_event_counts_minute")
    if "event_seen" not in names:
        db["event_seen"].create({"session": str, "stream_id": str, "scope": str, "last_seen": float},
                                pk=("session", "stream_id", "scope"))
        db["event_seen"].create_index(["last_seen"], index_name="idx_event_seen_last")
    if "events_raw" not in names:
        db["events_raw"].create({"id": int, "stream_id": str, "received_at": float, "session": str, "kind": str,
                                 "highlight_id": str, "sku_id": str, "source": str, "pct": int, "target": str,
                                 "t": float}, pk="id")
        db["events_raw"].create_index(["stream_id", "received_at"], index_name="idx_events_raw_stream")
        db["events_raw"].create_index(["received_at"], index_name="idx_events_raw_received")


def _first_time(conn, session: str, stream_id: str, scope: str, now: float) -> bool:  # noqa: ANN001
    """True when ``session`` had not yet counted for ``scope``; records it either way."""
    cur = conn.execute("insert or ignore into event_seen (session, stream_id, scope, last_seen) values (?, ?, ?, ?)",
                       (session, stream_id, scope, now))
    if cur.rowcount:
        return True
    conn.execute("update event_seen set last_seen = ? where session = ? and stream_id = ? and scope = ?",
                 (now, session, stream_id, scope))
    return False


def record(db: sqlite_utils.Database, stream_id: str, session: str, events: Iterable[ViewerEvent], now: float,
           options: EventsOptions) -> int:
    """Add one batch to the counters in one transaction (all of it or nothing); returns the events counted."""
    events = list(events)
    minute = int(now // 60)
    counts: Counter[tuple[str, str, str]] = Counter()
    conn = db.conn
    with conn:
        if _first_time(conn, session, stream_id, "*", now):
            counts["", "", "stream_sessions"] += 1
        for e in events:
            counts[e.highlight_id, e.sku_id, e.metric] += 1
            if e.kind == "play":
                if _first_time(conn, session, stream_id, "h:" + e.highlight_id, now):
                    counts[e.highlight_id, e.sku_id, "sessions"] += 1
                if _first_time(conn, session, stream_id, "s:" + e.sku_id, now):
                    counts["", e.sku_id, "sku_sessions"] += 1
        conn.executemany(
            "insert into event_counts (stream_id, highlight_id, sku_id, metric, minute, n) values (?, ?, ?, ?, ?, ?) "
            "on conflict (stream_id, highlight_id, sku_id, metric, minute) do update set n = n + excluded.n",
            [(stream_id, h, s, m, minute, n) for (h, s, m), n in counts.items()])
        if options.keep_raw:
            conn.executemany(
                "insert into events_raw (stream_id, received_at, session, kind, highlight_id, sku_id, source, pct, "
                "target, t) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(stream_id, now, session, e.kind, e.highlight_id, e.sku_id, e.source, e.pct, e.target, e.t)
                 for e in events])
    return len(events)


def maintain(db: sqlite_utils.Database, now: float, options: EventsOptions) -> None:
    """Forget idle sessions, drop raw events past their retention, and fold old minute buckets into hours."""
    conn = db.conn
    cut = int((now - options.minute_days * 86400) // 60)
    with conn:
        conn.execute("delete from event_seen where last_seen < ?", (now - options.session_hours * 3600,))
        conn.execute("delete from events_raw where received_at < ?", (now - options.raw_days * 86400,))
        # Sum each old hour's minutes into its first minute (minute - minute % 60), then drop the others.
        conn.execute(
            "insert into event_counts (stream_id, highlight_id, sku_id, metric, minute, n) "
            "select stream_id, highlight_id, sku_id, metric, minute - minute % 60, sum(n) from event_counts "
            "where minute < ? and minute % 60 != 0 group by stream_id, highlight_id, sku_id, metric, minute - minute % 60 "
            "on conflict (stream_id, highlight_id, sku_id, metric, minute) do update set n = n + excluded.n", (cut,))
        conn.execute("delete from event_counts where minute < ? and minute % 60 != 0", (cut,))


def totals(db: sqlite_utils.Database, stream_id: str) -> list[tuple[str, str, str, int]]:
    """(看点 id, SKU, metric, total) of every counter of a stream."""
    return [tuple(r) for r in db.execute(  # type: ignore[misc]
        "select highlight_id, sku_id, metric, sum(n) from event_counts where stream_id = ? "
        "group by highlight_id, sku_id, metric", [stream_id]).fetchall()]


def plays_by_minute(db: sqlite_utils.Database, stream_id: str) -> list[tuple[int, int]]:
    """(unix minute, plays) for every minute bucket with plays, in order."""
    return [tuple(r) for r in db.execute(  # type: ignore[misc]
        "select minute, sum(n) from event_counts where stream_id = ? and metric like 'play:%' "
        "group by minute order by minute", [stream_id]).fetchall()]


def raw_events(db: sqlite_utils.Database, stream_id: str) -> list[dict]:
    return list(db.query("select * from events_raw where stream_id = ? order by id", [stream_id]))

