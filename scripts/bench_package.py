"""Benchmark of HLS packaging (issue 18): bytes, quality and speed of the ladder on sources encoded as a live
encoder uploads them, and time to first frame and seek time in Chromium at a throttled 1.5 Mbit/s.

    python scripts/bench_package.py                       # every source, 48 s each, default package settings
    python scripts/bench_package.py --sources land,port --seconds 120 --loads 5
    python scripts/bench_package.py --quick --allow-noisy # a 10 s source, one rung: checks the script runs

Sources (made once into .bench/package/, never committed): real footage from tests/data/video (PySceneDetect's
resources, licence beside them) and the bundled portrait sample, cropped to the shape and encoded like a live
upload: x264 veryfast at a constant rate (nal-hrd=cbr), 2 s GOP, AAC 128 kbit/s with real Mandarin speech
(FunASR's seller-training recording from ../shared/realdata, MIT). See tests/package_support.py.

  land    testvideo.mp4 (real video, cuts and motion)       1280x720  30 fps  3000 kbit/s
  port    testvideo.mp4, centre cut upright                 720x1280  30 fps  4000 kbit/s
  film    goldeneye-vfr-drop3.mp4 (film, fast motion)       1280x720  25 fps  2500 kbit/s
  sample  replay/samples/portrait (a still host, cards)     720x1280  25 fps  2500 kbit/s

For each source it packages with the current settings (REPLAY_PACKAGE__* apply) and reports the rungs (CRF,
worst sampled scene's SSIM, the whole rendition's SSIM against the source, kbit/s), the ladder's and the top
rung's bytes against the source, and the speed: the rate search (a fixed cost per recording: CPU seconds)
and the encoding (media seconds per wall second, x real time, and CPU seconds per media second), with the
load average before and after. Speed depends on what else runs: measure alone.

The player part serves each packaged source with the real app on 127.0.0.1 and opens the player in a fresh
Chromium context per load with DevTools network emulation (1.5 Mbit/s down, 40 ms latency):
  first frame   ms from navigation start to the first video frame painted (muted autoplay), HLS vs ?media=original
  seek          ms from a click on 看讲解 (the 看点 at 8 s) to the first frame painted there
  stalled       ms spent waiting for data during the 10 s of playing that follow the seek
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import benchlib  # noqa: E402  (scripts/ is on sys.path when this script runs)
from package_support import FOOTAGE, live_source, source_settings  # noqa: E402

from replay.hls.options import PackageOptions  # noqa: E402
from replay.hls.package import PackageResult, hls_dir, package_recording, plan_rates  # noqa: E402
from replay.media.ffmpeg import ffmpeg_path  # noqa: E402
from replay.settings import Settings, load_settings  # noqa: E402

VIDEO = ROOT / "tests" / "data" / "video"
SOURCES = {  # name: (footage, size, fps, kbps)
    "land": (FOOTAGE, "1280x720", 30, 3000),
    "port": (FOOTAGE, "720x1280", 30, 4000),
    "film": (VIDEO / "goldeneye-vfr-drop3.mp4", "1280x720", 25, 2500),
    "sample": (ROOT / "replay" / "samples" / "portrait" / "stream.mp4", "720x1280", 25, 2500),
}
THROTTLE = {"offline": False, "latency": 40, "downloadThroughput": 1.5e6 / 8, "uploadThroughput": 1.5e6 / 8}
# Muted autoplay and a mark on the first painted frame, on both the HLS and the mp4 page.
FIRST_FRAME = """
document.addEventListener('DOMContentLoaded', () => {
  const v = document.getElementById('video');
  v.muted = true; v.autoplay = true;
  v.requestVideoFrameCallback(() => performance.mark('bench:first-frame'));
});"""
# Plays on for 10 s of wall time from where it is and sums the time spent waiting for data (rebuffering).
STALLS = """async () => {
  const v = document.getElementById('video');
  let stalled = 0, since = v.readyState < 3 ? performance.now() : null;
  const wait = () => { if (since === null) since = performance.now(); };
  const go = () => { if (since !== null) { stalled += performance.now() - since; since = null; } };
  v.addEventListener('waiting', wait); v.addEventListener('playing', go); v.addEventListener('canplay', go);
  const t0 = v.currentTime;
  await v.play().catch(() => {});
  await new Promise((done) => setTimeout(done, 10000));
  go();
  return { stalled, played: v.currentTime - t0 };
}"""
SEEK = """async () => {
  const v = document.getElementById('video');
  const t0 = performance.now();
  const painted = new Promise((done) => {
    const check = (now, meta) => meta.mediaTime >= 7.9 ? done(now - t0) : v.requestVideoFrameCallback(check);
    v.requestVideoFrameCallback(check);
    setTimeout(() => done(NaN), 120000);
  });
  document.querySelector(".product[data-sku='A102'] button.watch").click();
  return await painted;
}"""


def make_source(name: str, seconds: float, work: Path) -> tuple[Path, str]:
    footage, size, fps, kbps = SOURCES[name]
    out = work / f"{name}-{size}-{fps}-{kbps}-{seconds:g}s.mp4"
    if not out.is_file():
        live_source(out, size=size, fps=fps, kbps=kbps, seconds=seconds, video=footage)
    return out, source_settings(seconds, fps, kbps, size)


def whole_ssim(rendition: Path, source: Path, width: int, height: int) -> float:
    err = subprocess.run([ffmpeg_path(), "-hide_banner", "-i", str(rendition), "-i", str(source), "-lavfi",
                          f"[1:v]scale={width}:{height}[r];[0:v][r]ssim", "-f", "null", "-"],
                         capture_output=True, text=True).stderr
    return float(err.rsplit("All:", 1)[1].split()[0])


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def package_one(name: str, source: Path, folder: Path, options: PackageOptions) -> dict:
    load0, cpu0, t0 = os.getloadavg()[0], cpu_children(), time.monotonic()
    plan_rates(source, folder, options, force=True)  # the rate search alone: a fixed cost per recording
    search_wall, search_cpu, cpu1, t1 = time.monotonic() - t0, cpu_children() - cpu0, cpu_children(), time.monotonic()
    result: PackageResult = package_recording(source, name, folder, options)  # reuses the plan: encoding alone
    wall, cpu, load1 = time.monotonic() - t1, cpu_children() - cpu1, os.getloadavg()[0]
    top = result.renditions[0]
    rungs = [{"rung": r.name, "size": f"{r.width}x{r.height}", "crf": r.crf, "ssim_sampled": r.ssim,
              "ssim_whole": round(whole_ssim(folder / r.name / "index.m3u8", source, r.width, r.height), 4),
              "kbps": r.kbps, "peak_kbps": r.peak_kbps, "bytes": r.bytes, "state": r.state}
             for r in result.renditions]
    return {"source": name, "duration": result.duration, "source_bytes": result.source_bytes,
            "source_kbps": result.source_kbps, "ladder_bytes": result.ladder_bytes, "top_bytes": top.bytes,
            "ladder_pct": round(100 * result.ladder_bytes / result.source_bytes, 1),
            "top_pct": round(100 * top.bytes / result.source_bytes, 1), "rungs": rungs,
            "search_wall_s": round(search_wall, 1), "search_cpu_s": round(search_cpu, 1),
            "encode_wall_s": round(wall, 1), "x_realtime": round(result.duration / wall, 2),
            "cpu_s_per_media_s": round(cpu / result.duration, 2), "load_before": round(load0, 2),
            "load_after": round(load1, 2)}


def browser_times(sources: dict[str, Path], settings: Settings, loads: int) -> dict[str, dict[str, float]]:
    from api_support import fill_stream
    from browser_support import hls_player_available, launch
    from playwright.sync_api import sync_playwright
    from server_support import background_server

    from replay.api import create_app
    from replay.jobs.runner import JobRunner
    from replay.store.database import Database

    missing = hls_player_available()  # without hls.js the "hls" figures would be the mp4's
    if missing:
        print(f"player part skipped: {missing}")
        return {}
    db = Database(settings.database)
    for name, path in sources.items():
        fill_stream(db, settings, path, name, duration=20.0)
    app = create_app(settings, runner=JobRunner(settings, work=lambda req, ix, report: None))
    out: dict[str, dict[str, float]] = {}
    with background_server(app) as url, sync_playwright() as p:
        browser = launch(p)
        for name in sources:
            for mode, query in (("hls", ""), ("mp4", "?media=original")):
                first, seek, stalled = [], [], []
                for n in range(loads + 1):  # the first load warms the server and the browser; not counted
                    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3,
                                                  is_mobile=True, has_touch=True, locale="zh-CN")
                    page = context.new_page()
                    cdp = context.new_cdp_session(page)
                    cdp.send("Network.enable")
                    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
                    cdp.send("Network.emulateNetworkConditions", THROTTLE)
                    page.add_init_script(FIRST_FRAME)
                    page.goto(f"{url}/streams/{name}{query}", wait_until="commit")
                    page.wait_for_function("performance.getEntriesByName('bench:first-frame').length", timeout=120000)
                    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=120000)
                    if n:
                        first.append(page.evaluate("performance.getEntriesByName('bench:first-frame')[0].startTime"))
                        seek.append(page.evaluate(SEEK))
                        stalled.append(page.evaluate(STALLS)["stalled"])
                    context.close()
                out[f"{name}/{mode}"] = {"first_frame_ms": round(statistics.median(first)),
                                         "seek_ms": round(statistics.median(seek)),
                                         "first_frame_max": round(max(first)), "seek_max": round(max(seek)),
                                         "stalled_ms_in_10s": round(statistics.median(stalled))}
                r = out[f"{name}/{mode}"]
                print(f"  {name:7s} {mode:4s} first frame {r['first_frame_ms']:6d} ms   seek {r['seek_ms']:6d} ms"
                      f"   stalled {r['stalled_ms_in_10s']:6d} ms of the next 10 s  (median of {loads})", flush=True)
        browser.close()
    return out


def print_table(rows: list[dict]) -> None:
    print("\n| source | s | source kbit/s | rungs: CRF, SSIM sampled / whole, kbit/s | ladder % of source | top % of source "
          "| encoding: x real time, CPU s per s | search: CPU s | load before/after |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        rungs = "; ".join(f"{x['rung']} crf {x['crf']} {x['ssim_sampled']:.3f}/{x['ssim_whole']:.3f} {x['kbps']:.0f}"
                          for x in r["rungs"])
        print(f"| {r['source']} | {r['duration']:.0f} | {r['source_kbps']:.0f} | {rungs} | {r['ladder_pct']} "
              f"| {r['top_pct']} | {r['x_realtime']}x, {r['cpu_s_per_media_s']} | {r['search_cpu_s']} "
              f"| {r['load_before']}/{r['load_after']} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", default="land,port,film,sample", help="comma list of: " + ", ".join(SOURCES))
    ap.add_argument("--seconds", type=float, default=48.0, help="length of each source (default 48)")
    ap.add_argument("--loads", type=int, default=3, help="cold player loads per source and mode (default 3)")
    ap.add_argument("--no-browser", action="store_true", help="skip the player timings")
    ap.add_argument("--quick", action="store_true", help="10 s of 'land', one 360 rung, veryfast: checks the script")
    ap.add_argument("--out", type=Path, help="also write the results as JSON here")
    benchlib.add_arguments(ap)
    args = ap.parse_args()
    # Speed figures from a busy machine measure the neighbours: refuse one (--allow-noisy to check the script).
    guard = benchlib.LoadGuard.from_args(args, "bench_package")
    guard.start()

    options = load_settings().package
    names = args.sources.split(",")
    if args.quick:
        names, args.seconds, args.loads = ["land"], 10.0, 1
        options = replace(options, heights=(360,), preset="veryfast", sample_scenes=2, sample_seconds=1.0)
    work = ROOT / ".bench" / "package"
    work.mkdir(parents=True, exist_ok=True)
    print(f"package settings: {options}")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()}")
    rows, packaged = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", media_root=Path(tmp))
        for name in names:
            source, how = make_source(name, args.seconds, work)
            print(f"{name}: {how}", flush=True)
            row = package_one(name, source, hls_dir(settings.stream_dir(name)), options)
            row["source_settings"] = how
            rows.append(row)
            packaged[name] = source
            print(f"  ladder {row['ladder_pct']}% of the source, top {row['top_pct']}%; encoding {row['x_realtime']}x real time, "
                  f"{row['cpu_s_per_media_s']} CPU s per s; search {row['search_cpu_s']} CPU s "
                  f"(load {row['load_before']} -> {row['load_after']})", flush=True)
        print_table(rows)
        player = {} if args.no_browser else browser_times(packaged, settings, args.loads)
    verdict = guard.stop()
    print(f"machine: {guard.tag(verdict)}")
    print(verdict.line())
    if args.out:
        args.out.write_text(json.dumps({"options": str(options), "rows": rows, "player": player,
                                        "load_check": verdict.label}, ensure_ascii=False, indent=1))
    sys.exit(guard.exit_code(verdict))


if __name__ == "__main__":
    main()
