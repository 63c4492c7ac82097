"""The player on an HLS ladder (issue 18) in headless Chromium: it streams with hls.js (served by replay,
installed from npm); 看讲解, the dots' cards, search hits and deep links seek within 0.5 s; the 清晰度 menu
switches rendition under a throttled 1.5 Mbit/s (DevTools network emulation); and faults fall back: a missing
segment to another rendition (or the original), a ladder whose renditions are gone to the original recording."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from api_support import fill_stream, make_settings
from browser_support import hls_player_available
from package_support import live_source
from server_support import background_server

from replay.api import create_app
from replay.hls.options import PackageOptions
from replay.hls.package import hls_dir, package_recording
from replay.jobs.runner import JobRunner
from replay.store.database import Database

from conftest import skip_unless_installed

pytestmark = pytest.mark.slow

_missing = hls_player_available()
if _missing:
    skip_unless_installed(_missing)

from playwright.sync_api import Page  # noqa: E402

OPTIONS = PackageOptions(heights=(360, 240), preset="veryfast", sample_scenes=2, sample_seconds=1.0)
TIMEOUT = 30000  # ms; the machine may be shared


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("player-hls")
    settings = make_settings(tmp)
    video = live_source(settings.media_root / "live.mp4", size="640x360", fps=25, kbps=1500, seconds=20.0)
    db = Database(settings.database)
    fill_stream(db, settings, video, "sdemo")
    package_recording(video, "sdemo", hls_dir(settings.stream_dir("sdemo")), OPTIONS)
    fill_stream(db, settings, video, "splain")  # never packaged
    dropped = shutil.copy(video, settings.media_root / "dropped.mp4")  # sdrop: packaged, then the original deleted
    fill_stream(db, settings, dropped, "sdrop")
    shutil.copytree(hls_dir(settings.stream_dir("sdemo")), hls_dir(settings.stream_dir("sdrop")))
    Path(dropped).unlink()
    for broken in ("sgap", "sgone"):
        fill_stream(db, settings, video, broken)
        shutil.copytree(hls_dir(settings.stream_dir("sdemo")), hls_dir(settings.stream_dir(broken)))
    # sgap: one segment of the top rendition is missing (6-8 s); sgone: every rendition failed or was lost
    (hls_dir(settings.stream_dir("sgap")) / "360" / "p0000_0003.ts").unlink()
    for rung in ("360", "240"):
        shutil.rmtree(hls_dir(settings.stream_dir("sgone")) / rung)
    app = create_app(settings, runner=JobRunner(settings, work=lambda req, db, report: None))
    with background_server(app) as url:
        yield url


def open_player(page: Page, url: str, stream: str = "sdemo", query: str = "") -> None:
    page.goto(f"{url}/streams/{stream}{query}")
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=TIMEOUT)
    page.wait_for_function("document.getElementById('video').readyState >= 1", timeout=TIMEOUT)


def play(page: Page) -> None:
    page.evaluate("(() => { const v = document.getElementById('video'); v.muted = true; return v.play(); })()")


def wait_time(page: Page, t: float) -> None:
    page.wait_for_function(f"Math.abs(document.getElementById('video').currentTime - {t}) < 0.5", timeout=TIMEOUT)


def throttle(page: Page, kbps: float) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 40,
                                                   "downloadThroughput": kbps * 1000 / 8, "uploadThroughput": kbps * 1000 / 8})


def test_streams_hls_and_watch_button_seeks(page: Page, base_url: str) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    open_player(page, base_url)
    assert page.evaluate("document.body.dataset.media") == "hls.js"
    assert page.evaluate("window.replayMedia.levels.map(l => l.height)") == [240, 360]
    play(page)
    page.wait_for_function("document.getElementById('video').currentTime > 0.5", timeout=TIMEOUT)
    page.locator(".product[data-sku='A103'] button.watch").click()
    wait_time(page, 14.0)
    page.wait_for_function("document.getElementById('video').readyState >= 2", timeout=TIMEOUT)
    page.wait_for_selector(".product[data-sku='A103'].current", timeout=TIMEOUT)
    assert any(u.endswith("/vendor/hls.js") for u in requests) and any(u.endswith(".ts") for u in requests)
    assert not any(u.endswith("/media") for u in requests)  # the original is not fetched
    assert page.locator("#dots .dot").count() == 4


def test_dot_card_and_search_seek_on_hls(page: Page, base_url: str) -> None:
    open_player(page, base_url)
    assert page.evaluate("document.body.dataset.media") == "hls.js"
    page.locator("#dots .dot").nth(1).hover()  # the 看点 at 8 s: its card's 看讲解
    page.locator("#card-watch").click()
    wait_time(page, 8.0)
    page.fill("#q", "面霜")
    page.keyboard.press("Enter")
    page.wait_for_selector("#hits li.line-hit button", timeout=TIMEOUT)
    first = page.evaluate("parseFloat(document.querySelector('#hits .line-hit .t').textContent.split(':')[1])")
    page.locator("#hits li.line-hit button").nth(0).click()
    wait_time(page, first)
    assert first > 14.0 and page.evaluate("document.body.dataset.media") == "hls.js"


def test_an_unpackaged_stream_plays_the_original_without_hls_js(page: Page, base_url: str) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    open_player(page, base_url, "splain")
    assert page.evaluate("document.body.dataset.media") == "mp4"
    assert any(u.endswith("/streams/splain/media") for u in requests)
    assert not any("/vendor/hls.js" in u or "/hls/" in u for u in requests)  # no 110 kB for nothing


def test_deep_links_on_hls(page: Page, base_url: str) -> None:
    open_player(page, base_url, query="?t=5")
    wait_time(page, 5.0)
    open_player(page, base_url, query="?sku=A102")
    wait_time(page, 8.0)


def test_switch_rendition_under_throttling(page: Page, base_url: str) -> None:
    throttle(page, 1500)
    open_player(page, base_url)
    play(page)
    page.wait_for_function("document.getElementById('video').currentTime > 0.3", timeout=TIMEOUT)
    for label, height in (("240p", 240), ("360p", 360)):
        page.select_option("#quality", label=label)
        level = page.evaluate(f"window.replayMedia.levels.findIndex(l => l.height === {height})")
        page.wait_for_function(f"window.replayMedia.level === {level}", timeout=TIMEOUT)
        page.wait_for_function(f"document.getElementById('video').videoHeight === {height}", timeout=TIMEOUT)
        t = page.evaluate("document.getElementById('video').currentTime")
        page.wait_for_function(f"document.getElementById('video').currentTime > {t + 0.5}", timeout=TIMEOUT)
    page.select_option("#quality", label="自动")
    assert page.evaluate("window.replayMedia.auto") is True


def test_missing_segment_falls_back(page: Page, base_url: str) -> None:
    open_player(page, base_url, "sgap", "?t=5")
    page.select_option("#quality", label="360p")  # the rung with the hole at 6-8 s
    play(page)
    page.wait_for_function("document.getElementById('video').currentTime > 9", timeout=TIMEOUT)
    state = page.evaluate("({mode: window.replayMedia.mode, level: window.replayMedia.level, "
                          "errors: window.replayMedia.errors, h: document.getElementById('video').videoHeight})")
    assert "fragLoadError" in state["errors"]
    # played on past the hole: from the other rendition, or from the original
    assert state["mode"] == "mp4" or state["level"] == 0, state


def test_lost_renditions_fall_back_to_the_original(page: Page, base_url: str) -> None:
    open_player(page, base_url, "sgone")
    page.wait_for_selector("body[data-media='mp4']", state="attached", timeout=TIMEOUT)
    assert page.evaluate("window.replayMedia.fallback")
    page.locator(".product[data-sku='A103'] button.watch").click()
    wait_time(page, 14.0)


def test_native_hls_where_the_browser_has_it(page: Page, base_url: str) -> None:
    # Chromium plays HLS itself now; ?hls=native takes that path, as Safari and iOS do by default.
    open_player(page, base_url, query="?hls=native")
    assert page.evaluate("document.body.dataset.media") == "native"
    assert page.locator("#quality").count() == 0
    page.locator(".product[data-sku='A102'] button.watch").click()
    wait_time(page, 8.0)
    page.wait_for_function("document.getElementById('video').currentTime > 8.6", timeout=TIMEOUT)  # it plays on


def test_the_editor_plays_the_ladder_once_the_original_is_gone(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/streams/sdrop/edit")
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=TIMEOUT)
    page.wait_for_function("document.getElementById('video').readyState >= 1", timeout=TIMEOUT)
    assert "/streams/sdrop/hls/master.m3u8" in page.evaluate("document.getElementById('video').currentSrc") or \
        page.evaluate("!!window.Hls")
    page.evaluate("document.getElementById('video').currentTime = 8")
    wait_time(page, 8.0)
