"""Screenshot the player with headless Chromium (Debian's, through Playwright) on the bundled samples.

    python tests/screenshot_player.py                  # docs/player-*.png: both samples at phone and desktop size
    python tests/screenshot_player.py --out-dir /tmp/shots
    python tests/screenshot_player.py --data-dir data --media-root replay/samples --stream s0a1cb4a232f --out one.png

By default the two samples (replay/samples/portrait, 720×1280, and replay/samples/demo, 640×360) are indexed from their
truth.json into a temporary database (no ASR; the 看点 are the truth segments) and shot at 390×844 (touch,
device scale 3, saved at CSS size) and 1400×900, a few seconds into their first product, plus the phone's
宝贝口袋 sheet and the phone's landscape layout scrolled down the list. With --data-dir the server reads that
database (REPLAY_DATA_DIR layout), e.g. after `replay demo`, and one page is shot. The server listens on
127.0.0.1 only and stops at the end.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from server_support import background_server  # noqa: E402

from replay.api import create_app  # noqa: E402
from replay.jobs.runner import JobRunner  # noqa: E402
from replay.settings import Settings  # noqa: E402
from replay.store.database import Database  # noqa: E402

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1400, "height": 900}}
# name -> (stream id, device, what to do before the shot: play = just the player, bag = open the sheet,
# scroll = scroll the product list under the pinned video)
SHOTS = {
    "player-portrait-phone": ("sport", PHONE, "play"),
    "player-portrait-phone-bag": ("sport", PHONE, "bag"),
    "player-portrait-desktop": ("sport", DESKTOP, "play"),
    "player-landscape-phone": ("sdemo", PHONE, "scroll"),
    "player-landscape-desktop": ("sdemo", DESKTOP, "play"),
}


def shoot(browser, url: str, stream: str, device: dict, action: str, out: Path, query: str = "") -> None:
    context = browser.new_context(locale="zh-CN", **device)
    page = context.new_page()
    page.goto(f"{url}/streams/{stream}{query}")
    page.wait_for_selector("body[data-ready='1']", state="attached")
    page.wait_for_function("document.getElementById('video').readyState >= 2")
    if not query:
        page.evaluate("(v => { v.muted = true; v.currentTime = 20; })(document.getElementById('video'))")
        page.wait_for_function("document.getElementById('video').readyState >= 2 && !document.getElementById('video').seeking")
    if action == "bag":
        page.locator("#bagbtn").tap()
        page.wait_for_timeout(400)  # the sheet's slide-in
    elif action == "scroll":
        page.evaluate("window.scrollBy(0, 420)")  # the list scrolls under the pinned video
    page.wait_for_function("[...document.images].every(i => i.complete)")
    page.wait_for_timeout(300)
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out), scale="css")
    context.close()
    print(f"wrote {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", type=Path, default=ROOT / "docs", help="where the default shots go (docs/)")
    ap.add_argument("--data-dir", type=Path, help="REPLAY_DATA_DIR of an indexed database; shoots one page")
    ap.add_argument("--media-root", type=Path, help="REPLAY_MEDIA_ROOT with --data-dir (default: replay/samples/)")
    ap.add_argument("--stream", help="with --data-dir: the stream id (default: the newest)")
    ap.add_argument("--sku", help="with --data-dir: open the player at this product (?sku=)")
    ap.add_argument("--phone", action="store_true", help="with --data-dir: 390×844 touch instead of 1400×900")
    ap.add_argument("--out", type=Path, default=Path("player.png"), help="with --data-dir: the file (player.png)")
    args = ap.parse_args()

    from api_support import SAMPLES, fill_sample
    from browser_support import browser_available, launch
    from playwright.sync_api import sync_playwright

    missing = browser_available()
    if missing:
        sys.exit(missing)
    with tempfile.TemporaryDirectory() as tmp:
        if args.data_dir:
            settings = Settings(data_dir=args.data_dir, media_root=args.media_root or SAMPLES)
        else:
            settings = Settings(data_dir=Path(tmp) / "data", media_root=SAMPLES)
            index = Database(settings.database)
            fill_sample(index, settings, "portrait", "sport", "小鹿生活馆 · 竖屏回放")
            fill_sample(index, settings, "demo", "sdemo", "示例直播间 · 回放")
        app = create_app(settings, runner=JobRunner(settings, work=lambda req, ix, report: None))
        with background_server(app) as url, sync_playwright() as p:
            browser = launch(p)
            if args.data_dir:
                stream = args.stream or Database(settings.database).streams()[0]["id"]
                shoot(browser, url, stream, PHONE if args.phone else DESKTOP, "play", args.out,
                      f"?sku={args.sku}" if args.sku else "")
            else:
                for name, (stream, device, action) in SHOTS.items():
                    shoot(browser, url, stream, device, action, args.out_dir / f"{name}.png")
            browser.close()


if __name__ == "__main__":
    main()
