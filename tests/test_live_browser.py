"""A live stream through the API, with the real model: the bundled sample is fed at 8× as an HLS playlist served
over HTTP from 127.0.0.1 (listed in REPLAY_INGEST_HOSTS), registered with POST /streams {"live": true}, and
watched at the same time by an SSE client and by the player in Chromium. Then: events in order, final 看点 that
never change, the player adding dots (and marking 讲解中) without a reload, the recording served while it grows,
the finished index; POST /streams/{id}/end; the refusals of the ingest policy."""

from __future__ import annotations

import functools
import http.server
import json
import threading
import time
from pathlib import Path

import httpx
import pytest
from browser_support import browser_available, launch
from live_support import live_settings, sample_clip, start_feed, truth, wait_for
from server_support import background_server

from replay.api import create_app
from replay.report.scoring import score

from conftest import skip_unless_installed

pytestmark = pytest.mark.slow

_missing = browser_available()
if _missing:
    skip_unless_installed(_missing)

from playwright.sync_api import sync_playwright  # noqa: E402


def read_events(url: str, out: list, stop: threading.Event) -> None:
    """Collect (id, event, data, time) from the SSE stream until `ended` (or `failed`)."""
    with httpx.stream("GET", url, timeout=httpx.Timeout(10.0, read=None)) as resp:
        ev: dict = {}
        for line in resp.iter_lines():
            if stop.is_set():
                return
            if not line:
                if "event" in ev:
                    out.append((int(ev.get("id", 0)), ev["event"], json.loads(ev.get("data", "{}")), time.monotonic()))
                    if ev["event"] in ("ended", "failed"):
                        return
                ev = {}
            elif not line.startswith(":") and ":" in line:
                key, _, value = line.partition(":")
                ev[key] = value.strip()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("live_api")
    settings = live_settings(tmp, ingest_hosts=("127.0.0.1",), live_idle_seconds=60.0)
    sample_clip(settings.media_root / "demo")
    sample_clip(settings.media_root / "short", 60)
    with background_server(create_app(settings)) as url:
        yield url, settings


@pytest.fixture(scope="module")
def feed_server(server):
    """The feed folder over HTTP, as a CDN would serve the live playlist."""
    _, settings = server
    folder = settings.media_root / "feed"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def live_run(server, feed_server):
    url, settings = server
    folder, feed_url = feed_server
    feeder = start_feed(settings.media_root / "demo" / "stream.mp4", folder, 8.0)
    r = httpx.post(f"{url}/streams", json={"path": f"{feed_url}/index.m3u8", "catalog_path": "demo/catalog.json",
                                           "live": True, "title": "直播测试"}, timeout=30)
    assert r.status_code == 202, r.text
    sid = r.json()["stream_id"]
    assert r.json()["events"] == f"/streams/{sid}/events"
    collected: list = []
    stop = threading.Event()
    reader = threading.Thread(target=read_events, args=(f"{url}/streams/{sid}/events", collected, stop), daemon=True)
    reader.start()
    samples, snapshots, media = [], [], {}
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="zh-CN")
        page.goto(f"{url}/streams/{sid}")
        page.wait_for_selector("body[data-ready='1']", state="attached")
        deadline = time.monotonic() + 1200
        while reader.is_alive() and time.monotonic() < deadline:
            samples.append({"dots": page.locator("#dots .dot").count(), "live": page.evaluate("document.body.dataset.live"),
                            "badge": page.locator(".product .livebadge").count(),
                            "live_dot": page.locator("#dots .dot.live").count()})
            hl = httpx.get(f"{url}/streams/{sid}/highlights", timeout=10).json()
            snapshots.append(hl)
            if not media and hl["state"] == "live" and hl["duration"] > 30:
                m = httpx.get(f"{url}/streams/{sid}/media", timeout=10)
                seg = next(line for line in m.text.splitlines() if line.startswith("/streams/"))
                s = httpx.get(url + seg, timeout=10)
                media = {"type": m.headers["content-type"], "playlist": m.text, "segment_type": s.headers["content-type"],
                         "segment_bytes": len(s.content)}
            time.sleep(0.5)
        stop.set()
        final = httpx.get(f"{url}/streams/{sid}/highlights", timeout=10).json()
        page.wait_for_function(f"document.body.dataset.live === '0' && "
                               f"document.querySelectorAll('#dots .dot').length === {len(final['highlights'])}",
                               timeout=30000)
        end_page = {"dots": page.locator("#dots .dot").count(), "badge": page.locator(".livebadge").count(),
                    "status_hidden": page.locator("#status").is_hidden()}
        browser.close()
    feeder.wait(timeout=60)
    stream = httpx.get(f"{url}/streams/{sid}?format=json", timeout=10).json()
    yield {"url": url, "sid": sid, "events": collected, "samples": samples, "snapshots": snapshots, "final": final,
           "media": media, "end_page": end_page, "stream": stream}


def test_events_arrive_in_order(live_run) -> None:
    evs = live_run["events"]
    ids = [e[0] for e in evs]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    kinds = [e[1] for e in evs]
    assert kinds[-1] == "ended" and kinds.count("ended") == 1 and "ending" in kinds
    assert kinds.index("ending") < kinds.index("ended")
    opened: set[str] = set()
    for _, kind, data, _ in evs:
        if kind == "opened":
            opened.add(data["id"])
        elif kind == "updated":
            opened.add(data["id"])
            assert data.get("previous_id", data["id"]) in opened
        elif kind == "final":
            assert data["id"] in opened, "a 看点 was finalised before it was opened"
            assert data["state"] == "final"
    finals = [e[2]["id"] for e in evs if e[1] == "final"]
    assert sorted(finals) == sorted(h["id"] for h in live_run["final"]["highlights"])


def test_final_highlights_never_change(live_run) -> None:
    frozen: dict[str, tuple] = {}
    for snap in live_run["snapshots"] + [live_run["final"]]:
        present = {h["id"]: h for h in snap["highlights"]}
        for hid, value in frozen.items():
            assert hid in present, f"final 看点 {hid} disappeared"
            h = present[hid]
            assert (h["sku_id"], h["start"], h["end"], h["state"]) == value
        for h in snap["highlights"]:
            if h["state"] == "final":
                frozen.setdefault(h["id"], (h["sku_id"], h["start"], h["end"], "final"))
    states = [s["state"] for s in live_run["snapshots"]]
    assert "live" in states and states[0] == "live"
    assert any(h["state"] == "live" for s in live_run["snapshots"] for h in s["highlights"])


def test_the_player_adds_dots_while_the_stream_is_live(live_run) -> None:
    live = [s for s in live_run["samples"] if s["live"] == "1"]
    counts = [s["dots"] for s in live]
    assert len({c for c in counts if c > 0}) >= 2, counts  # dots came one after another, without a reload
    assert counts == sorted(counts) or max(counts) > counts[0]
    assert any(s["badge"] == 1 and s["live_dot"] == 1 for s in live), "the product explained now was not marked"
    end = live_run["end_page"]
    assert end["dots"] == len(live_run["final"]["highlights"]) and end["badge"] == 0 and end["status_hidden"]


def test_the_recording_is_served_while_it_grows(live_run) -> None:
    media = live_run["media"]
    assert media["type"].startswith("application/vnd.apple.mpegurl")
    assert "#EXT-X-ENDLIST" in media["playlist"] and f"/streams/{live_run['sid']}/live/segments/" in media["playlist"]
    assert media["segment_type"].startswith("video/mp2t") and media["segment_bytes"] > 1000
    r = httpx.get(f"{live_run['url']}/streams/{live_run['sid']}/media", headers={"Range": "bytes=0-99"}, timeout=10)
    assert r.status_code == 206 and r.headers["content-type"].startswith("video/mp4")  # one mp4 once it ended


def test_the_finished_index(live_run) -> None:
    final = live_run["final"]
    assert final["state"] == "final" and all(h["state"] == "final" for h in final["highlights"])
    assert score(truth(), final["highlights"])["seg_f1@0.5"] >= 0.9
    assert all(h["thumbnail"] for h in final["highlights"])
    live = live_run["stream"]["live"]
    assert live["state"] == "ended" and live["end_reason"] == "endlist" and not any(live["faults"].values())
    from jsonschema import validate

    from replay.contracts import HIGHLIGHTS_SCHEMA
    validate(final, json.loads(HIGHLIGHTS_SCHEMA.read_text()))


def test_post_end_finishes_a_live_stream(server, live_run) -> None:
    url, settings = server
    folder = settings.media_root / "open"
    feeder = start_feed(settings.media_root / "short" / "stream.mp4", folder, 8.0, "--no-endlist")
    r = httpx.post(f"{url}/streams", json={"path": "open/index.m3u8", "catalog_path": "short/catalog.json", "live": True,
                                           "options": {"visual": {"enabled": False}}}, timeout=30)
    assert r.status_code == 202, r.text
    sid = r.json()["stream_id"]
    busy = httpx.post(f"{url}/streams", json={"path": "open/index.m3u8", "catalog_path": "short/catalog.json",
                                              "live": True}, timeout=30)
    assert busy.status_code == 409
    wait_for(lambda: httpx.get(f"{url}/streams/{sid}?format=json", timeout=10).json()["live"]["transcribed"] > 20,
             900, "a first window")
    feeder.wait(timeout=120)
    r = httpx.post(f"{url}/streams/{sid}/end", timeout=10)
    assert r.status_code == 202 and r.json()["state"] == "ending"
    collected: list = []
    read_events(f"{url}/streams/{sid}/events", collected, threading.Event())
    log = settings.stream_dir(sid) / "live" / "follower.log"
    assert collected[-1][1] == "ended" and collected[-1][2]["reason"] == "requested", \
        (collected[-3:], log.read_text(errors="replace")[-3000:] if log.exists() else "no follower log")
    body = httpx.get(f"{url}/streams/{sid}/highlights", timeout=10).json()
    assert body["state"] == "final" and body["highlights"] and body["highlights"][0]["sku_id"] == "S301"
    again = httpx.post(f"{url}/streams/{sid}/end", timeout=10)
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_live"


def test_the_ingest_policy_refuses_before_anything_starts(server) -> None:
    url, _ = server
    body = {"catalog_path": "demo/catalog.json", "live": True}
    for path in ("http://cdn.example.com/live/index.m3u8", "http://localhost:9/index.m3u8",
                 "http://10.1.2.3/index.m3u8", "ftp://127.0.0.1/index.m3u8"):
        r = httpx.post(f"{url}/streams", json={**body, "path": path}, timeout=10)
        assert r.status_code == 403 and r.json()["error"]["code"] == "ingest_refused", (path, r.text)
    r = httpx.post(f"{url}/streams", json={**body, "path": "../outside.m3u8"}, timeout=10)
    assert r.status_code == 403
    r = httpx.post(f"{url}/streams", json={**body, "path": "demo/catalog.json"}, timeout=10)
    assert r.status_code == 422 and r.json()["error"]["code"] == "live_source_error"
    assert httpx.get(f"{url}/streams/nope/events", timeout=10).status_code == 404
    offline = httpx.post(f"{url}/streams/nope/end", timeout=10)
    assert offline.status_code == 404


def test_events_replay_from_the_start_and_end(server, live_run) -> None:
    # A client that connects after the end (or reconnects with ?after= / Last-Event-ID) gets every event again.
    collected: list = []
    read_events(f"{live_run['url']}/streams/{live_run['sid']}/events?after=0", collected, threading.Event())
    assert collected[-1][1] == "ended" and len(collected) == len(live_run["events"])
    assert Path(server[1].stream_dir(live_run["sid"]) / "recording.mp4").is_file()
