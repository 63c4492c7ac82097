"""The player on the two bundled recordings, portrait (replay/samples/portrait, 720×1280) and landscape (replay/samples/demo,
640×360), in headless Chromium at phone size (390×844, touch, device scale 3) and desktop size (1400×900).

One server for the module serves both samples, indexed from their truth.json (the player is under test here,
not the detector): real H.264 video through the /media endpoint with Range, real thumbnails, the real catalog.
"""

from __future__ import annotations

import re

import pytest
from api_support import fill_long_stream, fill_sample, make_long_video
from browser_support import browser_available
from server_support import background_server

from replay.api import create_app
from replay.jobs.runner import JobRunner
from replay.settings import Settings
from replay.store.database import Database

from conftest import REPO, skip_unless_installed

pytestmark = pytest.mark.slow

_missing = browser_available()
if _missing:
    skip_unless_installed(_missing)

from playwright.sync_api import Page, expect  # noqa: E402

SAMPLES = {"portrait": ("sport", "小鹿生活馆 · 竖屏回放"), "landscape": ("sdemo", "示例直播间 · 回放")}
DEVICES = {
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1400, "height": 900}},
}
TOLERANCE = 0.3  # seconds between currentTime and the 看点 start
# Where each seek landed: media events do not bubble, but a capturing listener on the document sees them.
# And when each touch ended, to tell a double tap from two taps too far apart on a busy machine.
SEEK_LOG = ("window.__seeks = []; document.addEventListener('seeked', "
            "(e) => window.__seeks.push(e.target.currentTime), true);"
            "window.__ups = []; document.addEventListener('pointerup', (e) => window.__ups.push(e.timeStamp), true);")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("phone")
    settings = Settings(data_dir=tmp / "data", media_root=REPO / "replay" / "samples")
    index = Database(settings.database)
    truths = {name: fill_sample(index, settings, "portrait" if name == "portrait" else "demo", sid, title)
              for name, (sid, title) in SAMPLES.items()}
    # For the first-dot check: 100 看点 in a real 3-hour recording (a tiny one: a still picture at 1 fps).
    fill_long_stream(index, settings, make_long_video(tmp / "long" / "3h.mp4"), "slong", n=100, duration=10800.0)
    app = create_app(settings, runner=JobRunner(settings, work=lambda req, ix, report: None))
    with background_server(app) as url:
        yield {"url": url, "truth": truths}


class View:
    """One sample on one device: the page, the sample's truth and how to press things there."""

    def __init__(self, page: Page, sample: str, device: str, truth: dict, url: str) -> None:
        self.page, self.sample, self.device, self.truth, self.url = page, sample, device, truth, url
        self.stream_id = SAMPLES[sample][0]

    @property
    def touch(self) -> bool:
        return self.device == "phone"

    @property
    def sheet(self) -> bool:  # the 宝贝口袋 is a bottom sheet only for a portrait recording on a phone
        return self.sample == "portrait" and self.device == "phone"

    def open(self, query: str = "") -> None:
        self.page.goto(f"{self.url}/streams/{self.stream_id}{query}")
        self.page.wait_for_selector("body[data-ready='1']", state="attached")
        self.page.wait_for_function("document.getElementById('video').readyState >= 1")

    def press(self, locator) -> None:
        if self.touch:
            locator.tap()
        else:
            locator.click()

    def open_bag(self) -> None:
        if self.sheet:
            self.press(self.page.locator("#bagbtn"))
            self.page.wait_for_function("document.getElementById('bag').getBoundingClientRect().bottom <= innerHeight + 1"
                                        " && getComputedStyle(document.getElementById('bag')).visibility === 'visible'")

    def time(self) -> float:
        return self.page.evaluate("document.getElementById('video').currentTime")

    def wait_time(self, t: float) -> None:
        """Wait until a seek lands within TOLERANCE of ``t``: where currentTime was when the video said
        `seeked` (a playing video moves on right after), then forget the seeks seen so far."""
        near = f"window.__seeks.find(x => Math.abs(x - {t}) < {TOLERANCE})"
        self.page.wait_for_function(f"{near} !== undefined", timeout=5000)
        landed = self.page.evaluate(f"(() => {{ const x = {near}; window.__seeks = []; return x; }})()")
        assert abs(landed - t) < TOLERANCE

    def assert_video_in_view(self) -> None:
        box = self.page.locator("#video").bounding_box()
        vp = self.page.viewport_size
        assert box is not None
        assert box["y"] >= -0.5 and box["x"] >= -0.5, box
        assert box["y"] + box["height"] <= vp["height"] + 0.5 and box["x"] + box["width"] <= vp["width"] + 0.5, box
        assert self.page.locator("#video").is_visible()

    def segments(self) -> list[dict]:
        return self.truth["segments"]


@pytest.fixture(params=[f"{s}-{d}" for s in SAMPLES for d in DEVICES])
def view(request, browser, server) -> View:
    sample, device = request.param.split("-")
    context = browser.new_context(locale="zh-CN", **DEVICES[device])
    context.add_init_script(SEEK_LOG)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield View(page, sample, device, server["truth"][sample], server["url"])
    context.close()
    assert not errors, errors


def test_layout_for_the_recording_and_the_screen(view: View) -> None:
    view.open()
    layout = view.page.evaluate("document.body.dataset.layout")
    assert layout == {("portrait", "phone"): "immersive", ("landscape", "phone"): "pinned"}.get(
        (view.sample, view.device), "wide")
    assert view.page.evaluate("document.documentElement.scrollWidth") <= view.page.viewport_size["width"]
    view.assert_video_in_view()
    box = view.page.locator("#video").bounding_box()
    if view.sheet:  # full screen: the picture spans the width, the panel sits under it
        assert box["width"] == 390 and box["y"] + box["height"] <= view.page.locator("#panel").bounding_box()["y"] + 0.5
    w, h = view.truth["params"]["size"]
    assert view.page.evaluate("(v => [v.videoWidth, v.videoHeight])(document.getElementById('video'))") == [w, h]
    # Dots: one per 看点, each with a hit area of at least 32×32 px.
    dots = view.page.locator("#dots .dot")
    assert dots.count() == len(view.segments())
    for i in range(dots.count()):
        b = dots.nth(i).bounding_box()
        assert b["width"] >= 32 and b["height"] >= 32


def test_every_watch_button_plays_its_highlight_in_view(view: View) -> None:
    view.open()
    explained = list(dict.fromkeys(s["sku_id"] for s in view.segments()))
    for sku in reversed(explained):  # the last product first: the one furthest down the list
        first = next(s for s in view.segments() if s["sku_id"] == sku)
        view.open_bag()
        view.press(view.page.locator(f".product[data-sku='{sku}'] button.watch"))
        view.wait_time(first["start"])
        view.assert_video_in_view()
        assert not view.page.evaluate("document.getElementById('video').paused")
        view.page.wait_for_selector(f".product[data-sku='{sku}'].current", state="attached")
        if view.sheet:
            expect(view.page.locator("#bag")).not_to_be_in_viewport()
        assert f"sku={sku}" in view.page.url


def test_a_return_segment_can_be_reached(view: View) -> None:
    view.open()
    ret = next(s for s in view.segments() if s["kind"] == "return")
    first = next(s for s in view.segments() if s["sku_id"] == ret["sku_id"])
    view.open_bag()
    segs = view.page.locator(f".product[data-sku='{ret['sku_id']}'] button.seg")
    assert [t.split()[0] for t in segs.all_inner_texts()] == ["讲解", "返场"]
    view.press(segs.nth(1))
    view.wait_time(ret["start"])
    view.assert_video_in_view()
    view.page.wait_for_selector(".dot.return.current", state="attached")
    assert "返场中" in view.page.locator("#now").inner_text()
    view.open_bag()
    view.press(view.page.locator(f".product[data-sku='{ret['sku_id']}'] button.seg").nth(0))
    view.wait_time(first["start"])


def test_every_dot_plays_its_highlight_in_view(view: View) -> None:
    view.open()
    for i, seg in enumerate(view.segments()):
        view.press(view.page.locator("#dots .dot").nth(i))
        view.wait_time(seg["start"])
        view.assert_video_in_view()
        view.page.wait_for_selector(f".dot.current[data-sku='{seg['sku_id']}']", state="attached")


def test_search_hit_plays_in_view(view: View) -> None:
    view.open()
    view.open_bag()
    word = "链接"
    view.page.locator("#q").fill(word)
    view.page.locator("#q").press("Enter")
    hits = view.page.locator("#hits li button")
    hits.first.wait_for()
    assert view.page.locator("#hits mark").first.inner_text() == word
    api = view.page.evaluate(f"fetch(location.pathname + '/search?q={word}&limit=20').then(r => r.json())")["hits"]
    assert hits.count() == len(api) >= 3
    view.press(hits.nth(len(api) - 1))  # the last hit: on a phone, the furthest down the sheet or the page
    view.wait_time(api[-1]["t"])  # the matched word, inside its line
    view.assert_video_in_view()
    view.page.wait_for_function("document.activeElement !== document.body")  # focus stays somewhere sensible


def test_space_pauses_and_resumes_from_anywhere(view: View) -> None:
    view.open()
    seg = view.segments()[1]
    view.open_bag()
    view.press(view.page.locator(f".product[data-sku='{seg['sku_id']}'] button.watch"))
    view.wait_time(seg["start"])
    view.page.wait_for_function(f"document.getElementById('video').currentTime > {seg['start'] + 0.4}")
    assert view.page.evaluate("document.activeElement.tagName") == "BUTTON"  # focus stayed on a button
    view.page.keyboard.press(" ")
    view.page.wait_for_function("document.getElementById('video').paused")
    paused_at = view.time()
    assert paused_at > seg["start"] + 0.3  # paused where it was, not restarted from the 看点
    view.page.keyboard.press(" ")
    view.page.wait_for_function("!document.getElementById('video').paused")
    # J / K move between 看点.
    view.page.keyboard.press("k")
    view.wait_time(view.segments()[2]["start"])
    view.page.keyboard.press("j")
    view.wait_time(seg["start"])


def test_bottom_sheet_opens_and_closes(view: View) -> None:
    view.open()
    bag = view.page.locator("#bag")
    if not view.sheet:
        # Elsewhere the 宝贝口袋 is always on the page, and there is no sheet button.
        assert view.page.locator("#bagbtn").is_hidden() and bag.is_visible()
        return
    # The layout settles once the video's shape is known (loadedmetadata); the closed sheet is then out of view,
    # inert and invisible at once (a layout change does not animate).
    view.page.wait_for_function("document.body.dataset.layout === 'immersive'")
    expect(bag).not_to_be_in_viewport()
    assert view.page.locator("#bag button.watch").first.is_hidden()
    for close in ("button", "escape", "scrim"):
        view.open_bag()
        expect(bag).to_be_in_viewport()
        assert view.page.locator("#bagbtn").get_attribute("aria-expanded") == "true"
        assert view.page.evaluate("document.getElementById('bag').contains(document.activeElement)")
        if close == "button":
            view.press(view.page.locator("#bagclose"))
        elif close == "escape":
            view.page.keyboard.press("Escape")
        else:
            view.page.touchscreen.tap(200, 60)  # the scrim above the sheet
        view.page.wait_for_function("getComputedStyle(document.getElementById('bag')).visibility === 'hidden'")
        expect(bag).not_to_be_in_viewport()
        assert view.page.locator("#bagbtn").get_attribute("aria-expanded") == "false"
        view.assert_video_in_view()


def test_sku_link_to_a_product_never_explained(view: View) -> None:
    sku = view.truth["distractors"][1]
    view.open(f"?sku={sku}")
    notice = view.page.locator("#notice")
    expect(notice).to_be_visible()
    assert "本场未讲解" in notice.inner_text()
    item = view.page.locator(f".product[data-sku='{sku}']")
    assert "selected" in item.get_attribute("class")
    expect(item).to_be_in_viewport()
    assert "本场未讲解" in item.inner_text()
    if view.sheet:
        assert view.page.locator("#bagbtn").get_attribute("aria-expanded") == "true"
    # An explained product's link seeks to its first 看点 instead.
    first = view.segments()[0]
    view.open(f"?sku={first['sku_id']}")
    view.wait_time(first["start"])
    assert view.page.locator("#notice").is_hidden()


def test_nothing_covers_the_streams_burned_in_labels(view: View) -> None:
    card = view.truth["cards"][0]  # a moment when the stream shows its product card and a 看点 is current
    view.open(f"?t={(card['start'] + card['end']) / 2:.1f}")
    view.page.wait_for_function("document.getElementById('video').readyState >= 2")
    assert view.page.locator("#now").is_visible()
    covered = view.page.evaluate(
        """(labels) => {
          const v = document.getElementById('video'), r = v.getBoundingClientRect();
          const s = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);  // object-fit: contain
          const ox = r.left + (r.width - v.videoWidth * s) / 2, oy = r.top + (r.height - v.videoHeight * s) / 2;
          const boxes = Object.entries(labels).map(([k, [x0, y0, x1, y1]]) =>
            [k, ox + x0 * s, oy + y0 * s, ox + x1 * s, oy + y1 * s]);
          const out = [];
          for (const e of document.body.querySelectorAll('*')) {
            if (e === v || e.contains(v) || ['SCRIPT', 'TRACK', 'SOURCE'].includes(e.tagName)) continue;
            if (!e.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
            const b = e.getBoundingClientRect();
            if (!b.width || !b.height) continue;
            for (const [k, x0, y0, x1, y1] of boxes)
              if (b.left < x1 && b.right > x0 && b.top < y1 && b.bottom > y0) out.push(`${e.id || e.className} over ${k}`);
          }
          return out;
        }""",
        view.truth["labels"],
    )
    assert covered == []


def _focusables(view: View) -> list[str]:
    """Names of what Tab should reach, in document order: visible, enabled, not inert, not tabindex=-1."""
    return view.page.evaluate(
        """() => [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
          .filter((e) => !e.disabled && e.tabIndex >= 0 && !e.closest('[inert]') &&
                         e.checkVisibility({ visibilityProperty: true }))
          .map((e) => e.id || e.getAttribute('aria-label') || e.textContent.trim())"""
    )


def _tab_through(view: View, n: int) -> list[str]:
    seen = []
    for _ in range(n):
        view.page.keyboard.press("Tab")
        seen.append(view.page.evaluate("(e => e.id || e.getAttribute('aria-label') || e.textContent.trim())"
                                       "(document.activeElement)"))
    return seen


def test_tab_reaches_every_control_in_order_with_names(view: View) -> None:
    view.open()
    expected = _focusables(view)
    # A dot that gets keyboard focus opens its 看点 card, whose 看讲解 button comes next in the order.
    dot = next(i for i, name in enumerate(expected) if name.startswith("看点"))
    expected.insert(dot + 1, "card-watch")
    assert len(expected) >= 8
    seen = _tab_through(view, len(expected))
    assert seen == expected
    for needed in ("play", "prev", "next", "mute", "cc"):
        assert needed in seen
    assert any(s.startswith("看点1") for s in seen) and sum(s.startswith("看点") for s in seen) == 1  # one Tab stop
    assert ("bagbtn" in seen) == view.sheet and ("q" in seen) != view.sheet
    for button in view.page.locator("button:visible").all():
        expect(button).to_have_accessible_name(re.compile(r"\S"))
    if view.sheet:  # the open sheet is modal: Tab walks its search box and products, not the video behind it
        view.open_bag()
        inside = _focusables(view)
        assert inside[0] == "bagclose" and "q" in inside and any(s.startswith("看讲解：") for s in inside)
        assert view.page.evaluate("document.activeElement.id") == "bagclose"  # opening it moved focus in
        assert _tab_through(view, len(inside) - 1) == inside[1:]
        for button in view.page.locator("#bag button:visible").all():
            expect(button).to_have_accessible_name(re.compile(r"\S"))


def test_swipe_on_the_bar_seeks(view: View) -> None:
    """A finger (or a mouse drag) along the bar scrubs; it starts on a dot here, which must not count as a tap."""
    view.open()
    track = view.page.locator("#track").bounding_box()
    y = track["y"] + track["height"] / 2
    first_dot = view.page.locator("#dots .dot").first.bounding_box()
    x0, x1 = first_dot["x"] + first_dot["width"] / 2 + 4, track["x"] + 0.55 * track["width"]
    if view.touch:
        cdp = view.page.context.new_cdp_session(view.page)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y}]})
        for k in range(1, 11):
            cdp.send("Input.dispatchTouchEvent",
                     {"type": "touchMove", "touchPoints": [{"x": x0 + (x1 - x0) * k / 10, "y": y}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    else:
        view.page.mouse.move(x0, y)
        view.page.mouse.down()
        view.page.mouse.move(x1, y, steps=10)
        view.page.mouse.up()
    want = view.truth["duration"] * (x1 - track["x"]) / track["width"]
    view.page.wait_for_function(f"Math.abs(document.getElementById('video').currentTime - {want}) < 1.0")
    assert view.page.evaluate("document.getElementById('video').paused")  # the dot was not "tapped" (it plays)


def _double_tap(view: View, at: tuple[float, float]) -> None:
    """Two taps at ``at`` that the page saw less than 250 ms apart (its window is 300 ms). On a loaded machine
    the two CDP round trips can take longer; that pair counts as two single taps, so it is undone and retried."""
    for _ in range(5):
        before = view.time()
        view.page.evaluate("window.__ups = []")
        view.page.touchscreen.tap(*at)
        view.page.touchscreen.tap(*at)
        if view.page.evaluate("window.__ups[1] - window.__ups[0]") < 250:
            return
        view.page.wait_for_timeout(400)
        view.page.evaluate(f"(v => {{ v.pause(); v.currentTime = {before}; }})(document.getElementById('video'))")
        view.page.wait_for_function(f"Math.abs(document.getElementById('video').currentTime - {before}) < 0.01")
        view.page.evaluate("window.__seeks = []")
    pytest.fail("could not send two taps within 250 ms")


def test_double_tap_skips_ten_seconds(view: View) -> None:
    """Double-tap (double-click) the right or left third of the picture: 10 s forward or back."""
    view.open("?t=60")
    view.wait_time(60)
    screen = view.page.locator("#screen").bounding_box()
    y = screen["y"] + screen["height"] * 0.45
    for x, target in ((0.85, 70), (0.15, 60), (0.15, 50)):
        at = (screen["x"] + x * screen["width"], y)
        if view.touch:
            _double_tap(view, at)
        else:
            view.page.mouse.dblclick(*at)
        view.wait_time(target)
        view.page.wait_for_timeout(350)  # past the double-tap window: a lone tap would have toggled by now
        assert view.page.evaluate("document.getElementById('video').paused")  # a double tap does not play
    if view.touch:
        view.page.touchscreen.tap(screen["x"] + 0.8 * screen["width"], y)  # one tap plays
    else:
        view.page.mouse.click(screen["x"] + 0.8 * screen["width"], y)
    view.page.wait_for_function("!document.getElementById('video').paused")


def test_works_offline_with_a_favicon(view: View) -> None:
    hosts = set()
    view.page.on("request", lambda r: hosts.add(re.sub(r"^(\w+://[^/]+).*", r"\1", r.url)))
    view.open()
    view.page.wait_for_function("[...document.images].every(i => i.complete)")
    assert hosts == {view.url}  # nothing from a CDN or any other host
    icon = view.page.evaluate("document.querySelector('link[rel=icon]').href")
    resp = view.page.request.get(icon)
    assert resp.ok and resp.headers["content-type"].startswith("image/svg+xml")


@pytest.mark.parametrize("device", list(DEVICES))
def test_dots_of_a_three_hour_stream_are_drawn_from_the_index_before_the_video_loads(
        browser, server, device: str, record_property) -> None:
    """100 看点 in a 3-hour stream: every dot is drawn at start / duration from the index alone, with the
    media request held back, so the first screen does not wait for the video. The time to the first dot is
    recorded (first_dot_ms in the JUnit report, printed with -s), never asserted: tests/bench_player.py
    measures it over many loads for docs/BENCHMARKS.md."""
    context = browser.new_context(locale="zh-CN", **DEVICES[device])
    page = context.new_page()
    try:
        page.route("**/media", lambda route: route.abort())
        page.goto(f"{server['url']}/streams/slong")
        page.wait_for_selector("body[data-ready='1']", state="attached")
        assert page.evaluate("document.getElementById('video').readyState") == 0  # no metadata
        left = page.evaluate("[...document.querySelectorAll('#dots .dot')].map(d => parseFloat(d.style.left))")
        hl = page.evaluate("fetch('/streams/slong/highlights').then(r => r.json())")
        assert len(left) == len(hl["highlights"]) == 100 and hl["duration"] == 10800.0
        assert left == pytest.approx([100 * h["start"] / 10800.0 for h in hl["highlights"]], abs=0.001)
        page.wait_for_function("performance.getEntriesByName('replay:first-dot').length === 1")
        first_dot = page.evaluate("performance.getEntriesByName('replay:first-dot')[0].startTime")
        record_property("first_dot_ms", round(first_dot, 1))
        print(f"{device}: first of 100 dots painted {first_dot:.0f} ms after navigation (media blocked)")
        assert page.locator("#clock").inner_text().endswith("3:00:00")
        assert page.locator(".product").count() == 120
        # With the media let through, the real 3-hour file plays and a dot near the end seeks into it.
        page.unroute("**/media")
        page.reload()
        page.wait_for_selector("body[data-ready='1']", state="attached")
        page.wait_for_function("document.getElementById('video').readyState >= 1")
        assert page.evaluate("document.getElementById('video').duration") == pytest.approx(10800, abs=1)
        target = hl["highlights"][97]
        page.evaluate("document.querySelectorAll('#dots .dot')[97].click()")
        page.wait_for_function(f"Math.abs(document.getElementById('video').currentTime - {target['start']}) < {TOLERANCE}")
    finally:
        context.close()
