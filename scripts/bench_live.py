#!/usr/bin/env python3
"""Benchmark `replay follow` against a fed live stream: publication lag per 看点, time to a finished index,
agreement with an offline `replay index` of the same recording, peak RSS and CPU share.

    python scripts/bench_live.py STREAM_DIR [STREAM_DIR ...] [--speed X] [--out FILE]

Each STREAM_DIR holds stream.mp4 and catalog.json (truth.json too, for the lag and accuracy figures), as the
folders of ../shared/bench do. For each one:
1. `replay index stream.mp4` (offline, its own data dir, resumable) writes offline.json;
2. scripts/feed_live.py writes the recording out as a live HLS playlist at --speed × real time (4 s segments);
3. `replay follow` follows it in a fresh data dir until #EXT-X-ENDLIST, while this script samples the follower's
   memory (its whole process tree) and, at the end, reads its CPU time (os.wait4);
4. the figures:
   - publication lag of each truth segment: from the moment the fed stream reached the segment's truth end
     (feed start + end / speed) to the `final` event of the 看点 matched to it (same SKU, IoU >= 0.5), in wall
     seconds; p50, p95 and max per stream (targets at 1×: p50 <= 45 s, p95 <= 90 s);
   - media lag of each truth segment: seconds of recording from its truth end to how far the follower had
     transcribed when it published the 看点 final; it depends neither on the machine nor on the speed;
   - time to a finished index: from the publication of the last segment to the `ended` event (target <= 60 s);
   - agreement: seg_f1@0.5 of the followed index against the offline one (the offline index as the truth), and
     both against truth.json;
   - peak RSS of the follower's process tree, and its CPU time over its wall time in cores (at 1× on 2 cores
     it must stay at or under 1.5: half a core idle).
Lag and CPU figures mean something only at --speed 1 on a quiet machine; at higher speeds the follower falls
behind by design and the figures only show that the script works. Agreement does not depend on the speed
(the follower's windows and finality are in media seconds), so --speed 0 (everything at once) measures it fast.
--rescore scores again what an earlier run left in --work, without feeding or following.
Speed figures (lag, time to a finished index, CPU) are to be measured on a quiet machine, alone.

Examples:
  python scripts/bench_live.py ../shared/bench/long1 --speed 1 --out .bench/live_long1.json   # the lag benchmark
  python scripts/bench_live.py ../shared/bench/dev* --speed 0 --out .bench/live_agreement.json  # agreement only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from replay.report.scoring import as_segments, iou, match, score  # noqa: E402

PY = sys.executable
REPLAY = [PY, "-m", "replay.cli"]


def _tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def offline(stream: Path, work: Path, env: dict[str, str]) -> tuple[Path, float]:
    out = work / "offline.json"
    t0 = time.monotonic()
    if not out.exists():
        subprocess.run([*REPLAY, "index", str(stream / "stream.mp4"), "--catalog", str(stream / "catalog.json"),
                        "--out", str(out)], env={**env, "REPLAY_DATA_DIR": str(work / "offline-data")}, check=True,
                       stdout=subprocess.DEVNULL)
    return out, time.monotonic() - t0


def follow(stream: Path, work: Path, speed: float, env: dict[str, str], idle: float) -> dict[str, Any]:
    feed_dir, data = work / "feed", work / "live-data"
    shutil.rmtree(data, ignore_errors=True)
    shutil.rmtree(feed_dir, ignore_errors=True)
    feed_dir.mkdir(parents=True)
    # The playlist must exist before the follower looks at it: stage it with the first segment, then follow.
    feeder = subprocess.Popen([PY, str(REPO / "scripts" / "feed_live.py"), str(stream / "stream.mp4"), str(feed_dir),
                               "--speed", str(speed)], env=env)
    while not (feed_dir / "index.m3u8").exists():
        if feeder.poll() is not None:
            raise SystemExit(f"the feeder stopped early ({feeder.returncode})")
        time.sleep(0.05)
    live_json = work / "live.json"
    # stderr goes to a file, not a pipe: nothing reads a pipe while os.wait4 waits, and a full one would block.
    log = (work / "follow.log").open("wb")
    t0 = time.monotonic()
    proc = subprocess.Popen([*REPLAY, "follow", str(feed_dir / "index.m3u8"), "--catalog", str(stream / "catalog.json"),
                             "--out", str(live_json), "--idle", str(idle)],
                            env={**env, "REPLAY_DATA_DIR": str(data)}, stdout=subprocess.DEVNULL, stderr=log)
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    stop.set()
    sampler.join()
    feeder.wait()
    log.close()
    err = (work / "follow.log").read_text("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"replay follow failed:\n{err[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return {**recorded(work), "wall": wall, "cpu_seconds": cpu, "cores": cpu / wall if wall > 0 else None,
            "peak_rss_mb": peak[0] / 2**20, "maxrss_mb": usage.ru_maxrss / 1024}


def recorded(work: Path) -> dict[str, Any]:
    """What a finished follow left in ``work``: the feed's log, the follower's events, its index."""
    feed = json.loads((work / "feed" / "feed.json").read_text())
    db = sqlite3.connect(work / "live-data" / "replay.db")
    events = [(t, json.loads(d), at) for t, d, at in db.execute("select type, data, at from live_events order by seq")]
    db.close()
    return {"feed": feed, "events": events, "live_json": work / "live.json", "wall": None, "cpu_seconds": None,
            "cores": None, "peak_rss_mb": None}


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(len(values) - 1, int(k) + 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def lags(truth: dict[str, Any], run: dict[str, Any], speed: float) -> dict[str, Any]:
    """Per truth segment matched to a final 看点 (same SKU, IoU >= 0.5):
    - ``lag``: wall seconds from the fed stream reaching the segment's truth end to the `final` event (speed > 0);
    - ``media_lag``: seconds of recording from the truth end to how far the follower had transcribed when it
      published that 看点 final (the `progress` event committed with it). It does not depend on the machine or
      the speed; at 1× the wall lag is about this plus one segment, one window's ASR time and one poll."""
    finals: dict[str, tuple[dict[str, Any], float, float | None]] = {}
    waiting: list[str] = []
    for kind, data, at in run["events"]:
        if kind == "final":
            finals[data["id"]] = (data, at, None)
            waiting.append(data["id"])
        elif kind == "progress":
            for hid in waiting:
                finals[hid] = (finals[hid][0], finals[hid][1], data["transcribed"])
            waiting = []
    pairs = match(as_segments(truth["segments"]), as_segments([d for d, _, _ in finals.values()]),
                  lambda a, b: iou(a, b) >= 0.5, iou)
    by_key = {(d["sku_id"], d["start"], d["end"]): (at, done) for d, at, done in finals.values()}
    start = run["feed"]["started_at"]
    out = []
    for t, p in pairs:
        at, done = by_key[(p["sku_id"], p["start"], p["end"])]
        row = {"sku_id": t["sku_id"], "truth_end": t["end"], "media_lag": round(done - t["end"], 2) if done else None}
        if speed > 0:
            row["lag"] = round(at - (start + t["end"] / speed), 2)
        out.append(row)
    res: dict[str, Any] = {"per_segment": out, "unmatched": len(truth["segments"]) - len(pairs)}
    for key in ("lag", "media_lag"):
        values = [x[key] for x in out if x.get(key) is not None]
        res[key] = {"p50": _pct(values, 0.5), "p95": _pct(values, 0.95), "max": max(values) if values else None}
    return res


def _round(x: float | None, n: int) -> float | None:
    return None if x is None else round(x, n)


def bench(stream: Path, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    work = Path(args.work) / stream.name
    work.mkdir(parents=True, exist_ok=True)
    print(f"[{stream.name}] offline index …", flush=True)
    off_json, off_seconds = offline(stream, work, env)
    if args.rescore:
        run = recorded(work)
        args.speed = run["feed"]["speed"]
    else:
        print(f"[{stream.name}] feeding at {args.speed}× and following …", flush=True)
        run = follow(stream, work, args.speed, env, args.idle)
    live = json.loads(run["live_json"].read_text())
    off = json.loads(off_json.read_text())
    agreement = score({"segments": off["highlights"], "duration": off["duration"]}, live["highlights"])
    res: dict[str, Any] = {
        "stream": stream.name, "speed": args.speed, "duration": run["feed"]["duration"],
        "agreement_seg_f1@0.5": round(agreement["seg_f1@0.5"], 4), "agreement": agreement,
        "follow_wall_seconds": _round(run["wall"], 1), "cpu_seconds": _round(run["cpu_seconds"], 1),
        "cores": _round(run["cores"], 3), "peak_rss_mb": _round(run["peak_rss_mb"], 1),
        "offline_seconds": round(off_seconds, 1),
        "load_average": os.getloadavg(),
    }
    ended = [at for t, _, at in run["events"] if t == "ended"]
    last = max(s["published_at"] for s in run["feed"]["segments"])
    # With everything published at once (speed 0) this is the whole follow, not what the end costs.
    res["time_to_finished_index"] = round(ended[-1] - last, 2) if ended and args.speed > 0 else None
    truth_path = stream / "truth.json"
    if truth_path.exists():
        truth = json.loads(truth_path.read_text())
        res["live_vs_truth"] = score(truth, live["highlights"])
        res["offline_vs_truth"] = score(truth, off["highlights"])
        res["lag"] = lags(truth, run, args.speed)
    return res


def table(results: list[dict[str, Any]]) -> str:
    rows = ["| stream | speed | lag p50 | lag p95 | lag max | media lag p50 / p95 / max | to finished index | "
            "agreement seg_f1@0.5 | live vs truth | offline vs truth | peak RSS | CPU (cores) |", "|" + "---|" * 12]

    def f(x: Any, unit: str = "") -> str:
        return "–" if x is None else (f"{x:.1f}{unit}" if isinstance(x, float) else f"{x}{unit}")

    for r in results:
        lag = (r.get("lag") or {}).get("lag") or {}
        media = (r.get("lag") or {}).get("media_lag") or {}
        rows.append(f"| {r['stream']} | {r['speed']}× | {f(lag.get('p50'), ' s')} | {f(lag.get('p95'), ' s')} | "
                    f"{f(lag.get('max'), ' s')} | {f(media.get('p50'))} / {f(media.get('p95'))} / "
                    f"{f(media.get('max'), ' s')} | {f(r['time_to_finished_index'], ' s')} | "
                    f"{r['agreement_seg_f1@0.5']:.3f} | {r.get('live_vs_truth', {}).get('seg_f1@0.5', float('nan')):.3f} | "
                    f"{r.get('offline_vs_truth', {}).get('seg_f1@0.5', float('nan')):.3f} | {f(r['peak_rss_mb'], ' MB')} | "
                    f"{f(r['cores'])} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("Examples:")[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("streams", nargs="+", type=Path)
    ap.add_argument("--speed", type=float, default=1.0, help="feed speed, × real time (0: everything at once)")
    ap.add_argument("--work", default=".bench/live", help="working folder (offline indexes are kept and reused)")
    ap.add_argument("--idle", type=float, default=120.0, help="the follower's REPLAY_LIVE_IDLE_SECONDS")
    ap.add_argument("--out", type=Path, default=None, help="write every figure as JSON here")
    ap.add_argument("--rescore", action="store_true",
                    help="feed and follow nothing: score what an earlier run left in --work (no RSS or CPU then)")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import benchlib  # the load check every benchmark shares (issue 15)

    benchlib.add_arguments(ap)
    args = ap.parse_args(argv)
    guard = None if args.rescore else benchlib.LoadGuard.from_args(args, "bench_live")
    if guard:
        guard.start()  # refuses a busy machine (exit 3) unless --allow-noisy; the feeder and follower are ours
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cache = REPO / "data" / "models"
    if cache.is_dir() and "REPLAY_MODEL_CACHE_DIR" not in env:
        env["REPLAY_MODEL_CACHE_DIR"] = str(cache)  # the model assembled by scripts/install.sh
    signal.signal(signal.SIGINT, signal.default_int_handler)
    results = []
    for stream in args.streams:
        results.append(bench(stream.resolve(), args, env))
        print(table(results[-1:]), flush=True)
    verdict = guard.stop() if guard else None
    print("\n" + table(results))
    if len(results) > 1:
        print(f"\nagreement seg_f1@0.5: min {min(r['agreement_seg_f1@0.5'] for r in results):.3f}, "
              f"mean {statistics.mean(r['agreement_seg_f1@0.5'] for r in results):.3f}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"results": results, "command": " ".join(sys.argv),
                                        "machine": guard.tag(verdict) if guard and verdict else None,
                                        "load_check": verdict.to_json() if verdict else None,
                                        "children_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024},
                                       indent=1, ensure_ascii=False, default=str))
    if guard and verdict:
        print(verdict.line())
        return guard.exit_code(verdict)
    return 0


if __name__ == "__main__":
    sys.exit(main())
