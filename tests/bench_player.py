"""Time to the first 看点 dot: how soon the player's first screen is usable, in headless Chromium.

    python tests/bench_player.py                  # 100 看点 in a 3-hour stream, 15 cold loads per size
    python tests/bench_player.py --loads 30 --highlights 300

It indexes a synthetic stream (a real 3-hour H.264 file, a still picture at 1 fps, so it is built in seconds;
a catalog of 120 products; the 看点 spread evenly, every fifth a 返场) into a temporary database, serves it
with the real app on 127.0.0.1, and opens the player in a fresh browser context per load (cold cache), at
390×844 (touch, device scale 3) and 1400×900. For each load it reads the page's own performance marks,
in milliseconds from the start of navigation:
  html       the player page has arrived (responseEnd of the document)
  dots       every dot is in the DOM (mark replay:dots)
  first-dot  the frame after that has been painted (mark replay:first-dot)
  ready      products, deep link and controls are in place (mark replay:ready)
and prints the median and the slowest of each. Speed depends on the machine and on what else runs on it: run
it alone; it refuses a busy machine and marks a run that shared the CPU noisy (scripts/benchlib.py), and prints
the CPU model, core count and that verdict beside each figure.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

import benchlib  # noqa: E402
from server_support import background_server  # noqa: E402

from replay.api import create_app  # noqa: E402
from replay.jobs.runner import JobRunner  # noqa: E402
from replay.settings import Settings  # noqa: E402
from replay.store.database import Database  # noqa: E402

SIZES = {
    "390x844 touch x3": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True,
                         "has_touch": True},
    "1400x900": {"viewport": {"width": 1400, "height": 900}},
}
MARKS = """() => {
  const mark = (n) => performance.getEntriesByName(n)[0]?.startTime;
  return { html: performance.getEntriesByType('navigation')[0].responseEnd, dots: mark('replay:dots'),
           'first-dot': mark('replay:first-dot'), ready: mark('replay:ready'),
           n: document.querySelectorAll('#dots .dot').length };
}"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--loads", type=int, default=15, help="cold page loads per size (default 15)")
    ap.add_argument("--highlights", type=int, default=100, help="看点 in the stream (default 100)")
    ap.add_argument("--hours", type=float, default=3.0, help="length of the stream (default 3)")
    benchlib.add_arguments(ap)
    args = ap.parse_args()
    guard = benchlib.LoadGuard.from_args(args, "bench_player")
    guard.start()

    from api_support import fill_long_stream, make_long_video
    from browser_support import browser_available, launch
    from playwright.sync_api import sync_playwright

    missing = browser_available()
    if missing:
        sys.exit(missing)
    duration = args.hours * 3600
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", media_root=Path(tmp))
        video = make_long_video(Path(tmp) / "long.mp4", duration)
        fill_long_stream(Database(settings.database), settings, video, "slong", n=args.highlights, duration=duration)
        app = create_app(settings, runner=JobRunner(settings, work=lambda req, ix, report: None))
        with background_server(app) as url, sync_playwright() as p:
            browser = launch(p)
            print(f"{args.highlights} 看点 in a {args.hours:g} h stream, {args.loads} cold loads per size;"
                  " ms from navigation start")
            lines = []
            for name, opts in SIZES.items():
                rows = []
                for _ in range(args.loads + 1):  # the first load warms the server and the browser; not counted
                    context = browser.new_context(locale="zh-CN", **opts)
                    page = context.new_page()
                    page.goto(f"{url}/streams/slong")
                    page.wait_for_function("performance.getEntriesByName('replay:ready').length"
                                           " && performance.getEntriesByName('replay:first-dot').length")
                    rows.append(page.evaluate(MARKS))
                    context.close()
                rows = rows[1:]
                assert all(r["n"] == args.highlights for r in rows)
                cols = ["html", "dots", "first-dot", "ready"]
                stats = "  ".join(f"{c} {statistics.median(r[c] for r in rows):6.1f} (max {max(r[c] for r in rows):6.1f})"
                                  for c in cols)
                lines.append(f"{name:18s} median {stats}")
            browser.close()
    verdict = guard.stop()
    for line in lines:
        print(f"{line}   [{guard.tag(verdict)}]")
    print(verdict.line())
    sys.exit(guard.exit_code(verdict))


if __name__ == "__main__":
    main()
