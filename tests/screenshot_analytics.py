"""Screenshot the analytics page (issue 17) with headless Chromium (Debian's, through Playwright).

    python tests/screenshot_analytics.py                 # docs/analytics-desktop.png
    python tests/screenshot_analytics.py --out /tmp/a.png

The bundled demo sample (replay/samples/demo) is indexed from its truth.json into a temporary database (no
ASR), its catalog gets product links, and the replay is made to have gone up two days ago. Then 600
simulated viewers, arriving fewer and fewer as the days pass, play 看点 (some more popular than others),
watch them for a while and sometimes open the product page; their events go through the same counters as
POST /events (store/events.py), at the times they happened. The figures in the picture are those of this
simulation, not of real viewers. The server listens on 127.0.0.1 only and stops at the end.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from server_support import background_server  # noqa: E402

from replay.api import create_app  # noqa: E402
from replay.contracts import Catalog  # noqa: E402
from replay.jobs.runner import JobRunner  # noqa: E402
from replay.settings import Settings  # noqa: E402
from replay.store import events  # noqa: E402
from replay.store.database import Database  # noqa: E402

HOURS = 48
# How likely a viewer is to play each 看点, and to watch it to each mark: the first product sells best.
POPULAR = (0.7, 0.45, 0.35, 0.25, 0.3)
KEEP = (0.85, 0.7, 0.6, 0.5, 0.65)


def simulate(db: Database, stream: str, viewers: int, now: float, seed: int = 17) -> None:
    rng = random.Random(seed)
    hs = db.highlights(stream).highlights
    opts = events.EventsOptions()
    for n in range(viewers):
        at = now - HOURS * 3600 + min(HOURS * 3600 - 60, rng.expovariate(1 / (9 * 3600)))  # most come early
        for k, h in enumerate(hs):
            if rng.random() > POPULAR[k % len(POPULAR)]:
                continue
            source = rng.choice(("bag", "bag", "dot", "search", "link", "card", "continue"))
            evs = [events.ViewerEvent("play", h.id, h.sku_id, h.start, source=source)]
            for mark in events.MARKS:
                if rng.random() > KEEP[k % len(KEEP)]:
                    break
                evs.append(events.ViewerEvent("progress", h.id, h.sku_id, h.start + (h.end - h.start) * mark / 100, pct=mark))
            if rng.random() < 0.08 + 0.1 * (len(evs) - 1) / 4:
                evs.append(events.ViewerEvent("click", h.id, h.sku_id, h.end, target="url"))
            events.record(db.db, stream, f"sim{n:08d}x", evs, at, opts)
            at += (h.end - h.start) * math.e


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "analytics-desktop.png")
    ap.add_argument("--viewers", type=int, default=600)
    args = ap.parse_args()

    import time

    from api_support import SAMPLES, fill_sample
    from browser_support import browser_available, launch
    from playwright.sync_api import sync_playwright

    missing = browser_available()
    if missing:
        sys.exit(missing)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", media_root=SAMPLES)
        db = Database(settings.database)
        fill_sample(db, settings, "demo", "sdemo", "示例直播间 · 回放")
        db.save_catalog("sdemo", Catalog(items=tuple(replace(i, url=f"https://shop.example.com/item/{i.sku_id}")
                                                     for i in db.catalog("sdemo").items)))
        now = time.time()
        db.db["streams"].update("sdemo", {"created_at": now - HOURS * 3600})
        simulate(db, "sdemo", args.viewers, now)
        app = create_app(settings, runner=JobRunner(settings, work=lambda req, ix, report: None))
        with background_server(app) as url, sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="zh-CN")
            page.goto(f"{url}/streams/sdemo/analytics.html")
            page.locator("#viewers").scroll_into_view_if_needed()
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out), full_page=True)
            browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
