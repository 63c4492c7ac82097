"""POST /events (issue 17): counted exactly, all or nothing, refused with a clear 4xx when bad or too big,
rate-limited per session and per address, and never storing an address or a user agent. Then the counters:
unique sessions, retention, minute buckets folded into hours."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest
from api_support import CATALOG, assert_error, fill_stream, ids, make_settings, make_video
from fastapi.testclient import TestClient

from replay.api import create_app
from replay.contracts import Catalog
from replay.jobs.runner import JobRunner
from replay.store import events
from replay.store.database import Database

H = ids()  # A101 2-8 s, A102 8-14 s, A103 14-18 s, A102 返场 18-20 s
SHOP = "https://shop.example.com"
LINKED = Catalog(items=tuple(replace(i, url=f"{SHOP}/{i.sku_id}" if i.sku_id != "A105" else None,
                                     service_url=f"{SHOP}/im" if i.sku_id == "A101" else None) for i in CATALOG.items))


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("media") / "tiny.mp4", seconds=2.0, size="160x90")


def client_for(tmp: Path, video: Path, **overrides: object) -> tuple[TestClient, Database]:
    settings = make_settings(tmp, **overrides)
    (settings.media_root / "live.mp4").write_bytes(video.read_bytes())
    db = Database(settings.database)
    fill_stream(db, settings, settings.media_root / "live.mp4")
    db.save_catalog("sdemo", LINKED)
    return TestClient(create_app(settings, runner=JobRunner(settings, work=lambda req, db, report: None))), db


@pytest.fixture()
def env(tmp_path: Path, video: Path) -> tuple[TestClient, Database]:
    return client_for(tmp_path, video)


def batch(*evs: dict, session: str = "tab0000000001", stream: str = "sdemo") -> dict:
    return {"session": session, "stream": stream, "events": list(evs)}


def play(h: int, source: str = "dot", t: float = 3.0) -> dict:
    return {"kind": "play", "highlight": H[h], "source": source, "t": t}


def progress(h: int, pct: int, t: float = 4.0) -> dict:
    return {"kind": "progress", "highlight": H[h], "pct": pct, "t": t}


def viewers(client: TestClient) -> dict:
    return client.get("/streams/sdemo/analytics").json()["viewers"]


def test_a_batch_is_counted_exactly(env) -> None:
    client, _ = env
    r = client.post("/events", json=batch(play(0), progress(0, 25), progress(0, 50), play(2, "bag", 14.0),
                                          {"kind": "click", "sku": "A101", "highlight": H[0], "target": "url", "t": 5.0},
                                          {"kind": "click", "sku": "A101", "highlight": None, "target": "service", "t": 5.0}))
    assert r.status_code == 202 and r.json() == {"accepted": 6}
    v = viewers(client)
    by = {h["id"]: h["watching"] for h in v["highlights"]}
    assert (by[H[0]]["plays"], by[H[0]]["reached"], by[H[0]]["clicks"], by[H[0]]["service_clicks"]) == (1, [1, 1, 0, 0], 1, 0)
    assert by[H[0]]["median_share"] == 0.5 and by[H[0]]["click_through"] == 1.0
    assert (by[H[2]]["plays"], by[H[2]]["by_source"]) == (1, {"bag": 1})
    a101 = next(s["watching"] for s in v["skus"] if s["sku_id"] == "A101")
    assert (a101["clicks"], a101["service_clicks"]) == (1, 1)  # the bag's service click has no 看点 but counts for the SKU
    assert v["total"]["plays"] == 2 and v["total"]["sessions"] == 1


def test_unique_sessions_count_once_per_highlight_until_the_session_is_forgotten(env) -> None:
    client, db = env
    for session in ("tabAAAAAAAA", "tabAAAAAAAA", "tabBBBBBBBB"):
        assert client.post("/events", json=batch(play(1), session=session)).status_code == 202
    w = {h["id"]: h["watching"] for h in viewers(client)["highlights"]}[H[1]]
    assert (w["plays"], w["sessions"]) == (3, 2)
    events.maintain(db.db, time.time() + 25 * 3600, events.EventsOptions())  # idle past events_session_hours (24)
    client.post("/events", json=batch(play(1), session="tabAAAAAAAA"))
    w = {h["id"]: h["watching"] for h in viewers(client)["highlights"]}[H[1]]
    assert (w["plays"], w["sessions"]) == (4, 3)


def test_a_ten_thousand_event_batch_is_refused_before_it_is_read(env) -> None:
    client, _ = env
    err = assert_error(client.post("/events", json=batch(*[play(0)] * 10_000)), 413, "payload_too_large")
    assert "65536 bytes" in err["message"]
    # A body with no Content-Length is counted as it arrives.
    body = json.dumps(batch(*[play(0)] * 10_000)).encode()
    chunks = (body[i:i + 4096] for i in range(0, len(body), 4096))
    assert_error(client.post("/events", content=chunks, headers={"Content-Type": "application/json"}), 413,
                 "payload_too_large")
    assert viewers(client)["total"]["plays"] == 0


def test_more_events_than_a_batch_may_hold(tmp_path, video) -> None:
    client, _ = client_for(tmp_path, video, events_max_bytes=1024**2, events_max_batch=100)
    err = assert_error(client.post("/events", json=batch(*[play(0)] * 101)), 413, "payload_too_large")
    assert "at most 100 events" in err["message"] and "101" in err["message"]
    assert client.post("/events", json=batch(*[play(0)] * 100)).status_code == 202


@pytest.mark.parametrize("body,status,code,words", [
    (b"{not json", 400, "bad_request", "not valid JSON"),
    (b"", 400, "bad_request", "not valid JSON"),
    (b"[1, 2]", 422, "validation_error", "valid dictionary"),
    (json.dumps(batch({"kind": "purchase", "highlight": "x", "t": 1})).encode(), 422, "validation_error", "'purchase'"),
    (json.dumps(batch({"highlight": "x", "t": 1})).encode(), 422, "validation_error", "kind"),
    (json.dumps(batch(play(0, t=-1.0))).encode(), 422, "validation_error", "greater than or equal to 0"),
    (json.dumps(batch(progress(0, 30))).encode(), 422, "validation_error", "pct"),
    (json.dumps(batch(play(0, source="ad"))).encode(), 422, "validation_error", "source"),
    (json.dumps(batch(play(0) | {"ip": "1.2.3.4"})).encode(), 422, "validation_error", "ip"),
    (json.dumps(batch(play(0), session="short")).encode(), 422, "validation_error", "session"),
    (json.dumps(batch()).encode(), 422, "validation_error", "events"),
    (b'{"session": "tab0000000001", "stream": "sdemo", "events": [{"kind": "play", "highlight": "x", "source": "dot", '
     b'"t": NaN}]}', 422, "validation_error", "t"),
    (json.dumps(batch(play(0, t=999.0))).encode(), 422, "event_invalid", "past the end"),
    (json.dumps(batch(play(0), {"kind": "play", "highlight": "hffffffffffff", "source": "dot", "t": 1})).encode(), 422,
     "event_invalid", "events[1]: stream sdemo has no 看点 'hffffffffffff'"),
    (json.dumps(batch({"kind": "click", "sku": "A105", "target": "url", "t": 1})).encode(), 422, "event_invalid",
     "has no url"),
    (json.dumps(batch({"kind": "click", "sku": "NOPE", "target": "url", "t": 1})).encode(), 422, "event_invalid",
     "no SKU 'NOPE'"),
    (json.dumps(batch({"kind": "click", "sku": "A101", "highlight": H[1], "target": "url", "t": 1})).encode(), 422,
     "event_invalid", "is about SKU 'A102'"),
    (json.dumps(batch(play(0), stream="snope")).encode(), 404, "not_found", "no stream"),
])
def test_bad_batches_get_a_clear_4xx_and_count_nothing(env, body: bytes, status: int, code: str, words: str) -> None:
    client, _ = env
    r = client.post("/events", content=body, headers={"Content-Type": "application/json"})
    err = assert_error(r, status, code)
    assert words in err["message"], err
    assert viewers(client)["total"] == viewers(client)["total"] | {"plays": 0, "clicks": 0}


def test_rate_limits_per_session_and_per_address(tmp_path, video) -> None:
    client, _ = client_for(tmp_path, video, events_session_rate=10, events_address_rate=25)
    assert client.post("/events", json=batch(*[play(0)] * 10, session="tabAAAAAAAA")).status_code == 202
    r = client.post("/events", json=batch(play(0), session="tabAAAAAAAA"))
    err = assert_error(r, 429, "rate_limited")
    assert 1 <= int(r.headers["Retry-After"]) <= 60 and "retry in" in err["hint"]
    # Another tab from the same address still has its own budget, until the address's is spent (10 + 10 + 5).
    assert client.post("/events", json=batch(*[play(1)] * 10, session="tabBBBBBBBB")).status_code == 202
    assert client.post("/events", json=batch(*[play(1)] * 6, session="tabCCCCCCCC")).status_code == 429
    assert client.post("/events", json=batch(*[play(1)] * 5, session="tabCCCCCCCC")).status_code == 202
    assert client.post("/events", json=batch(play(1), session="tabDDDDDDDD")).status_code == 429
    assert viewers(client)["total"]["plays"] == 25  # refused batches counted nothing


def test_no_address_or_user_agent_is_stored_even_with_raw_events(tmp_path, video) -> None:
    client, db = client_for(tmp_path, video, events_keep_raw=True)
    agent = "Mozilla/5.0 (Linux; Android 14; UNIQUE-PHONE-7Q) Mobile"
    r = client.post("/events", json=batch(play(0), progress(0, 25)), headers={"User-Agent": agent,
                                                                             "X-Forwarded-For": "203.0.113.77"})
    assert r.status_code == 202
    raw = events.raw_events(db.db, "sdemo")
    assert [(e["kind"], e["highlight_id"], e["source"], e["pct"]) for e in raw] == [("play", H[0], "dot", None),
                                                                                     ("progress", H[0], None, 25)]
    db.db.conn.execute("pragma wal_checkpoint(full)")
    stored = b"".join(p.read_bytes() for p in Path(db.path).parent.glob(Path(db.path).name + "*"))
    for secret in (agent, "UNIQUE-PHONE-7Q", "203.0.113.77", "testclient"):  # TestClient's client address
        assert secret.encode() not in stored
    columns = {c for t in events.TABLES for c in db.db[t].columns_dict}
    assert not {"ip", "address", "user_agent", "ua"} & columns


def test_retention_and_minute_buckets_folded_into_hours(tmp_path, video) -> None:
    _, db = client_for(tmp_path, video)
    opts = events.EventsOptions(keep_raw=True, raw_days=30, minute_days=7)
    start = 1_700_000_000.0  # 2023-11-14 22:13 UTC
    played = [events.ViewerEvent("play", H[0], "A101", 3.0, source="dot")]
    for k in range(180):  # one play a minute for three hours
        events.record(db.db, "sdemo", f"tab{k:010d}", played, start + 60 * k, opts)
    assert db.db["event_counts"].count_where("metric = 'play:dot'") == 180
    events.maintain(db.db, start + 8 * 86400, opts)  # 8 days on: minutes older than 7 days become hours
    rows = list(db.db.query("select minute, n from event_counts where metric = 'play:dot' order by minute"))
    assert [r["minute"] % 60 for r in rows] == [0] * len(rows) and len(rows) in (3, 4)
    assert sum(r["n"] for r in rows) == 180  # nothing lost
    assert len(events.raw_events(db.db, "sdemo")) == 180
    events.maintain(db.db, start + 31 * 86400, opts)  # past events_raw_days
    assert events.raw_events(db.db, "sdemo") == [] and db.db["event_seen"].count == 0
    assert sum(n for *_, n in events.totals(db.db, "sdemo") if _[2] == "play:dot") == 180
