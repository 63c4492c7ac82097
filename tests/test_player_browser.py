"""The player page in a real headless Chromium: 看点 dots, 看讲解 seeking, deep links, keyboard, search,
mobile width. A real H.264/AAC mp4 (ffmpeg lavfi) is served by uvicorn on 127.0.0.1 with Range support,
so seeking goes through the same /media endpoint as in production.
"""

from __future__ import annotations

import pytest
from api_support import CATALOG, HIGHLIGHTS, fill_stream, ids, make_settings, make_video
from browser_support import browser_available
from server_support import background_server

from replay.api import create_app
from replay.jobs.runner import JobRunner
from replay.store.database import Database

from conftest import skip_unless_installed

pytestmark = pytest.mark.slow

_missing = browser_available()
if _missing:
    skip_unless_installed(_missing)

from playwright.sync_api import Page  # noqa: E402


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("player")
    settings = make_settings(tmp)
    make_video(settings.media_root / "live.mp4", seconds=20.0)
    fill_stream(Database(settings.database), settings, settings.media_root / "live.mp4")
    app = create_app(settings, runner=JobRunner(settings, work=lambda req, db, report: None))
    with background_server(app) as url:
        yield url


def open_player(page: Page, base_url: str, query: str = "") -> None:
    page.goto(f"{base_url}/streams/sdemo{query}")
    page.wait_for_selector("body[data-ready='1']", state="attached")
    page.wait_for_function("document.getElementById('video').readyState >= 1")


def wait_time(page: Page, t: float) -> None:
    page.wait_for_function(f"Math.abs(document.getElementById('video').currentTime - {t}) < 0.5", timeout=5000)


def current_time(page: Page) -> float:
    return page.evaluate("document.getElementById('video').currentTime")


def test_dots_and_product_list(page: Page, base_url: str) -> None:
    open_player(page, base_url)
    dots = page.locator("#dots button.dot")
    assert dots.count() == len(HIGHLIGHTS)
    assert page.locator(".product").count() == len(CATALOG.items)
    assert page.locator(".product button.watch:not([disabled])").count() == 3  # A101-A103 explained
    assert page.locator(".product[data-sku='A104'] button.watch").is_disabled()
    # dots sit at start / duration along the bar
    left = page.evaluate("[...document.querySelectorAll('.dot')].map(d => parseFloat(d.style.left))")
    assert [round(x) for x in left] == [round(100 * h.start / 20.0) for h in HIGHLIGHTS]
    assert "看点" in page.title() or "直播回放" in page.title()


def test_watch_button_seeks_to_highlight_start(page: Page, base_url: str) -> None:
    open_player(page, base_url)
    page.locator(".product[data-sku='A103'] button.watch").click()
    wait_time(page, 14.0)
    assert abs(current_time(page) - 14.0) < 0.5
    page.wait_for_selector(".product[data-sku='A103'].current")
    assert "sku=A103" in page.url


def test_dot_card_and_its_watch_button(page: Page, base_url: str) -> None:
    open_player(page, base_url)
    page.locator("#dots .dot").nth(1).hover()
    card = page.locator("#card")
    assert card.is_visible()
    assert "小金条口红" in page.locator("#card-title").inner_text() and "299" in page.locator("#card-price").inner_text()
    assert page.locator("#card-img").get_attribute("src").endswith(f"/thumbnails/{ids()[1]}.jpg")
    page.locator("#card-watch").click()
    wait_time(page, 8.0)


def test_deep_link_t(page: Page, base_url: str) -> None:
    open_player(page, base_url, "?t=5")
    wait_time(page, 5.0)


def test_deep_link_sku(page: Page, base_url: str) -> None:
    open_player(page, base_url, "?sku=A102")
    wait_time(page, 8.0)
    assert "selected" in page.locator(".product[data-sku='A102']").get_attribute("class")
    page.wait_for_selector(f".dot.current[data-hid='{ids()[1]}']")


def test_keyboard_jumps_between_highlights(page: Page, base_url: str) -> None:
    open_player(page, base_url)
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("k")
    wait_time(page, 2.0)
    page.keyboard.press("K")
    wait_time(page, 8.0)
    page.keyboard.press("ArrowRight")
    wait_time(page, 14.0)
    page.keyboard.press("j")
    wait_time(page, 8.0)
    page.keyboard.press("ArrowLeft")
    wait_time(page, 2.0)
    # Tab reaches the real <button>s and Enter activates them
    page.locator(".product[data-sku='A103'] button.watch").focus()
    page.keyboard.press("Enter")
    wait_time(page, 14.0)
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"


def test_search_box_seeks(page: Page, base_url: str) -> None:
    open_player(page, base_url)
    page.fill("#q", "口红")
    page.keyboard.press("Enter")
    page.wait_for_selector("#hits li.line-hit button")
    # 口红 is the short name of A102: the product and its 讲解/返场 come first, then the lines that say it
    assert page.locator("#hits li").first.get_attribute("data-sku") == "A102"
    assert page.locator("#hits li.product-hit .seg").count() == 2
    assert page.locator("#hits li.line-hit mark").first.inner_text() == "口红"
    page.locator("#hits li.line-hit button").nth(0).click()
    first = page.evaluate("parseFloat(document.querySelector('#hits .line-hit .t').textContent.split(':')[1])")
    wait_time(page, first)
    page.locator("#hits li.product-hit .seg").nth(1).click()  # the 返场
    wait_time(page, 18.0)


def test_mobile_width(browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        open_player(page, base_url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        video_box, bag_box = page.locator(".screen").bounding_box(), page.locator(".bag").bounding_box()
        assert bag_box["y"] >= video_box["y"] + video_box["height"]  # stacked, product list below the video
        # A tap on a dot plays its 看点 at once (no hover card on a touch screen).
        page.locator("#dots .dot").nth(2).tap()
        wait_time(page, 14.0)
        assert page.locator("#card").is_hidden()
    finally:
        context.close()


def test_home_page_links_to_player(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.click("text=美妆家居专场")
    page.wait_for_selector("body[data-ready='1']")
    assert page.url.endswith("/streams/sdemo")
