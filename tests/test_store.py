"""The database: two streams of the same recording never collide, and an older database is migrated.

A database written before schema versions were kept (user_version 0) had 看点 ids ``SKU@START`` in a table
keyed by the id alone; opening it with Database rewrites the ids (contracts.highlight_id), keys the table by
(stream_id, id), and the thumbnails stay reachable through the API.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from api_support import CATALOG, HIGHLIGHTS, fill_stream, ids, make_jpeg, make_settings, make_video, media_info
from fastapi.testclient import TestClient

from replay.api import create_app
from replay.contracts import HighlightIndex, highlight_id, to_json
from replay.jobs.runner import JobRunner
from replay.store import schema
from replay.store.database import Database


def test_two_streams_of_the_same_recording_keep_their_own_highlights(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    video = make_video(settings.media_root / "live.mp4", seconds=2.0, size="160x90")
    db = Database(settings.database)
    fill_stream(db, settings, video, stream_id="sone")
    fill_stream(db, settings, video, stream_id="stwo")  # the same bytes, the same 看点, another stream
    one, two = db.highlights("sone"), db.highlights("stwo")
    assert [h.id for h in one.highlights] == ids("sone") and [h.id for h in two.highlights] == ids("stwo")
    assert not set(ids("sone")) & set(ids("stwo"))
    # Re-indexing one stream replaces only its own rows.
    db.save_highlights("sone", HighlightIndex.of("sone", 20.0, HIGHLIGHTS[:1]).highlights)
    assert len(db.highlights("sone").highlights) == 1 and db.highlights("stwo") == two


def _old_database(path: Path, video: Path, thumbs: Path) -> None:
    """What replay wrote before schema versions: highlights keyed by id, ids SKU@START, words as arrays."""
    conn = sqlite3.connect(path)
    conn.executescript("""
        create table streams (id text primary key, path text, title text, duration float, media text,
                              visual text, created_at float, updated_at float);
        create table catalog_items (stream_id text, sku_id text, position integer, title text, brand text,
            short_name text, aliases text, price float, live_price float, link_no integer, image text,
            category text, primary key (stream_id, sku_id));
        create table jobs (id text primary key, stream_id text, kind text, state text, stage text, progress float,
            eta float, error text, options text, result text, created_at float, updated_at float);
        create table checkpoints (stream_id text, stage text, key text, payload text, seconds float,
            peak_rss integer, finished_at float, primary key (stream_id, stage));
        create table segments (stream_id text, idx integer, start float, end float, text text, words text,
            primary key (stream_id, idx));
        create table highlights (id text primary key, stream_id text, idx integer, sku_id text, title text,
            start float, end float, confidence float, thumbnail text, kind text, evidence text);
    """)
    conn.execute("insert into streams values ('sold', ?, '旧的一场', 20.0, ?, null, 1.0, 1.0)",
                 [str(video), json.dumps(to_json(media_info(video)))])
    conn.executemany("insert into catalog_items (stream_id, sku_id, position, title, aliases) values (?, ?, ?, ?, '[]')",
                     [("sold", i.sku_id, n, i.title) for n, i in enumerate(CATALOG.items)])
    conn.execute("insert into segments values ('sold', 0, 2.0, 4.0, '一号链接花西子蜜粉', ?)",
                 [json.dumps([[2.0, 2.5, "一号", 0.9], [2.5, 4.0, "链接花西子蜜粉", 0.8]], ensure_ascii=False)])
    for n, h in enumerate(HIGHLIGHTS):
        old_id = f"{h.sku_id}@{h.start:.1f}"
        make_jpeg(thumbs / f"{old_id}.jpg", h.start)
        conn.execute("insert into highlights values (?, 'sold', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [old_id, n, h.sku_id, h.title, h.start, h.end, h.confidence, f"{old_id}.jpg", h.kind,
                      json.dumps(to_json(h.evidence), ensure_ascii=False)])
    conn.commit()
    conn.close()


def test_an_old_database_is_migrated(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    video = make_video(settings.media_root / "live.mp4", seconds=2.0, size="160x90")
    thumbs = settings.stream_dir("sold") / "thumbs"
    thumbs.mkdir(parents=True)
    settings.database.parent.mkdir(parents=True, exist_ok=True)
    _old_database(settings.database, video, thumbs)

    db = Database(settings.database)
    assert schema.version(db.db) == schema.VERSION
    assert db.db["highlights"].pks == ["stream_id", "id"]
    hs = db.highlights("sold").highlights
    assert [h.id for h in hs] == [highlight_id("sold", h.sku_id, h.start) for h in HIGHLIGHTS] == ids("sold")
    assert [(h.sku_id, h.start, h.end, h.evidence) for h in hs] == [(h.sku_id, h.start, h.end, h.evidence)
                                                                    for h in HIGHLIGHTS]
    words = db.transcript("sold").segments[0].words
    assert [(w.text, w.probability) for w in words] == [("一号", 0.9), ("链接花西子蜜粉", 0.8)]
    assert Database(settings.database).highlights("sold") == db.highlights("sold")  # a second open changes nothing

    runner = JobRunner(settings, work=lambda req, db, report: None)
    client = TestClient(create_app(settings, runner=runner))
    body = client.get("/streams/sold/highlights").json()
    assert [h["id"] for h in body["highlights"]] == ids("sold")
    for h in body["highlights"]:  # the thumbnails keep their old file names and are served under the new ids
        assert h["thumbnail"] == f"/streams/sold/thumbnails/{h['id']}.jpg"
        got = client.get(h["thumbnail"])
        assert got.status_code == 200 and got.content[:2] == b"\xff\xd8"
    runner.close()


def _write_live(path: str, n: int, kind: str) -> str | None:
    """A process writing one live stream's rows as the follower (events) or the API (end requests) does."""
    from replay.live.store import LiveStore

    store = LiveStore(Database(path))
    try:
        for i in range(n):
            if kind == "event":
                store.add_event("s1", "progress", {"i": i})
            else:
                store.request_end("s1")
    except sqlite3.OperationalError as exc:
        return str(exc)
    return None


def test_live_writers_in_three_processes_never_find_the_database_locked(tmp_path: Path) -> None:
    # An event takes its number from the events before it, then is written. Begun deferred, that transaction
    # failed at once ("database is locked") whenever another process wrote in between: a follower that failed
    # this way on POST /streams/{id}/end ended its stream "failed" (stop 41's CI). Begun IMMEDIATE, it waits.
    import multiprocessing

    path = str(tmp_path / "replay.db")
    Database(path).db["live_streams"].insert({"stream_id": "s1"}, alter=True)
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        errors = pool.starmap(_write_live, [(path, 300, "event"), (path, 300, "event"), (path, 1500, "end")])
    assert errors == [None, None, None]
    seqs = [r[0] for r in Database(path).db.execute("select seq from live_events where stream_id = 's1' order by seq")]
    assert seqs == list(range(1, 601))
