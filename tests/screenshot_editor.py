"""Screenshot the 看点 editor (/streams/{id}/edit) with headless Chromium on the bundled landscape sample.

    python tests/screenshot_editor.py                  # docs/editor.png
    python tests/screenshot_editor.py --out /tmp/editor.png

The sample is written into a temporary database from its truth.json (no ASR; tests/api_support.fill_sample),
one line is corrected through the API as an editor would, and the page is shot at 1400×900 with the first 看点
selected. The server listens on 127.0.0.1 only and stops at the end.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from api_support import fill_sample, make_settings  # noqa: E402
from browser_support import launch  # noqa: E402
from server_support import background_server  # noqa: E402

from replay.api import create_app  # noqa: E402
from replay.jobs.runner import JobRunner  # noqa: E402
from replay.store.database import Database  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "editor.png")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(Path(tmp))
        fill_sample(Database(settings.database), settings, "demo", "sdemo", "示例直播间 · 回放")
        app = create_app(settings, runner=JobRunner(settings, work=lambda req, db, report: None))
        with background_server(app) as url, sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
            page.goto(f"{url}/streams/sdemo/edit")
            page.wait_for_selector("body[data-ready='1']", state="attached")
            page.evaluate("""fetch('/streams/sdemo/transcript/segments/7', {method: 'PATCH',
                headers: {'Content-Type': 'application/json', 'X-Editor': encodeURIComponent('阿青')},
                body: JSON.stringify({text: '想要的宝宝直接去拍一号链接，库存只剩五十单了。'})})""")
            page.reload()
            page.wait_for_selector("body[data-ready='1']", state="attached")
            page.evaluate("document.getElementById('video').currentTime = 21.6")
            page.wait_for_function("document.getElementById('video').readyState >= 2")
            page.wait_for_timeout(300)
            page.screenshot(path=str(args.out))
            browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
