"""Screenshot the player page at 1280x720 with headless Chromium (Debian's, through Playwright).

    python tests/screenshot_player.py                       # a demo stream (ffmpeg test video + test 看点)
    python tests/screenshot_player.py --data-dir data --media-root /srv/media --stream s1234abcd
    python tests/screenshot_player.py --out docs/player.png --sku A102

With --data-dir the server reads that database (REPLAY_DATA_DIR layout), e.g. after indexing the real sample;
without --stream the newest stream is shown. The server listens on 127.0.0.1 only and stops at the end.
It lives with the tests because it serves the tests' stream (tests/api_support.py) through their server helper.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the helpers beside this file when run as a script

from server_support import background_server  # noqa: E402

from replay.api import create_app  # noqa: E402
from replay.jobs.runner import JobRunner  # noqa: E402
from replay.settings import Settings  # noqa: E402
from replay.store.database import Database  # noqa: E402


def demo_settings(tmp: Path) -> Settings:
    from api_support import fill_stream, make_settings, make_video

    settings = make_settings(tmp)
    make_video(settings.media_root / "live.mp4", seconds=20.0, size="1280x720")
    fill_stream(Database(settings.database), settings, settings.media_root / "live.mp4")
    return settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, help="REPLAY_DATA_DIR of an indexed database; default: a demo stream")
    ap.add_argument("--media-root", type=Path, help="REPLAY_MEDIA_ROOT (default: the current directory)")
    ap.add_argument("--stream", help="stream id; default: the newest")
    ap.add_argument("--sku", help="open the player at this product's 看点 (?sku=); default: the second 看点")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "player.png")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=720)
    args = ap.parse_args()

    from browser_support import browser_available, launch
    from playwright.sync_api import sync_playwright

    missing = browser_available()
    if missing:
        sys.exit(missing)
    with tempfile.TemporaryDirectory() as tmp:
        if args.data_dir:
            settings = Settings(data_dir=args.data_dir, media_root=args.media_root or Path("."))
        else:
            settings = demo_settings(Path(tmp))
        db = Database(settings.database)
        stream = args.stream or db.streams()[0]["id"]
        highlights = db.highlights(stream).highlights
        query = f"?sku={args.sku}" if args.sku else (f"?t={highlights[min(1, len(highlights) - 1)].start + 1.5:.1f}"
                                                       if highlights else "")
        app = create_app(settings, runner=JobRunner(settings, work=lambda req, db, report: None))
        with background_server(app) as url, sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": args.width, "height": args.height}, locale="zh-CN")
            page.goto(f"{url}/streams/{stream}{query}")
            page.wait_for_selector("body[data-ready='1']")
            page.wait_for_function("document.getElementById('video').readyState >= 2")
            page.wait_for_function("[...document.images].every(i => i.complete)")
            dots = page.locator("#dots .dot")
            if dots.count() > 2:
                dots.nth(2).hover()  # show a 看点 card, as a viewer hovering the bar would see it
            page.wait_for_timeout(300)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out))
            browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
