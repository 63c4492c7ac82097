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
   - time to a finished index: from the publication of the last segment to the `ended` event (target <= 60 s);
   - agreement: seg_f1@0.5 of the followed index against the offline one (the offline index as the truth), and
     both against truth.json;
   - peak RSS of the follower's process tree, and its CPU time over its wall time in cores (at 1× on 2 cores
     it must stay at or under 1.5: half a core idle).
Lag and CPU figures mean something only at --speed 1 on a quiet machine; at higher speeds the follower falls
behind by design and the figures only show that the script works. Agreement does not depend on the speed
(the follower's windows and finality are in media seconds), so --speed 0 (everything at once) measures it fast.

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
    t0 = time.monotonic()
    proc = subprocess.Popen([*REPLAY, "follow", str(feed_dir / "index.m3u8"), "--catalog", str(stream / "catalog.json"),
                             "--out", str(live_json), "--idle", str(idle)],
                            env={**env, "REPLAY_DATA_DIR": str(data)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"replay follow failed:\n{err[-2000:]}")
    feed = json.loads((feed_dir / "feed.json").read_text())
    db = sqlite3.connect(data / "replay.db")
    events = [(t, json.loads(d), at) for t, d, at in db.execute("select type, data, at from live_events order by seq")]
    cpu = usage.ru_utime + usage.ru_stime
    return {"feed": feed, "events": events, "live_json": live_json, "wall": wall, "cpu_seconds": cpu,
            "cores": cpu / wall if wall > 0 else None, "peak_rss_mb": peak[0] / 2**20,
            "maxrss_mb": usage.ru_maxrss / 1024}


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(len(values) - 1, int(k) + 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def lags(truth: dict[str, Any], run: dict[str, Any], speed: float) -> dict[str, Any]:
    """Per truth segment: wall seconds from the fed stream reaching its end to its 看点 being published final."""
    finals = {d["id"]: (d, at) for t, d, at in run["events"] if t == "final"}
    final_list = [d for d, _ in finals.values()]
    pairs = match(as_segments(truth["segments"]), as_segments(final_list), lambda a, b: iou(a, b) >= 0.5, iou)
    start = run["feed"]["started_at"]
    out, missing = [], 0
    by_key = {(d["sku_id"], d["start"], d["end"]): at for d, at in finals.values()}
    for t, p in pairs:
        at = by_key[(p["sku_id"], p["start"], p["end"])]
        reached = start + t["end"] / speed
        out.append({"sku_id": t["sku_id"], "truth_end": t["end"], "lag": round(at - reached, 2)})
    missing = len(truth["segments"]) - len(pairs)
    values = [x["lag"] for x in out]
    return {"per_segment": out, "unmatched": missing, "p50": _pct(values, 0.5), "p95": _pct(values, 0.95),
            "max": max(values) if values else None}


def bench(stream: Path, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    work = Path(args.work) / stream.name
    work.mkdir(parents=True, exist_ok=True)
    print(f"[{stream.name}] offline index …", flush=True)
    off_json, off_seconds = offline(stream, work, env)
    print(f"[{stream.name}] feeding at {args.speed}× and following …", flush=True)
    run = follow(stream, work, args.speed, env, args.idle)
    live = json.loads(run["live_json"].read_text())
    off = json.loads(off_json.read_text())
    agreement = score({"segments": off["highlights"], "duration": off["duration"]}, live["highlights"])
    res: dict[str, Any] = {
        "stream": stream.name, "speed": args.speed, "duration": run["feed"]["duration"],
        "agreement_seg_f1@0.5": round(agreement["seg_f1@0.5"], 4), "agreement": agreement,
        "follow_wall_seconds": round(run["wall"], 1), "cpu_seconds": round(run["cpu_seconds"], 1),
        "cores": round(run["cores"], 3) if run["cores"] is not None else None,
        "peak_rss_mb": round(run["peak_rss_mb"], 1), "offline_seconds": round(off_seconds, 1),
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
        if args.speed > 0:
            res["lag"] = lags(truth, run, args.speed)
    return res


def table(results: list[dict[str, Any]]) -> str:
    rows = ["| stream | speed | lag p50 | lag p95 | lag max | to finished index | agreement seg_f1@0.5 | "
            "live vs truth | offline vs truth | peak RSS | CPU (cores) |", "|" + "---|" * 11]

    def f(x: Any, unit: str = "") -> str:
        return "–" if x is None else (f"{x:.1f}{unit}" if isinstance(x, float) else f"{x}{unit}")

    for r in results:
        lag = r.get("lag") or {}
        rows.append(f"| {r['stream']} | {r['speed']}× | {f(lag.get('p50'), ' s')} | {f(lag.get('p95'), ' s')} | "
                    f"{f(lag.get('max'), ' s')} | {f(r['time_to_finished_index'], ' s')} | "
                    f"{r['agreement_seg_f1@0.5']:.3f} | {r.get('live_vs_truth', {}).get('seg_f1@0.5', float('nan')):.3f} | "
                    f"{r.get('offline_vs_truth', {}).get('seg_f1@0.5', float('nan')):.3f} | {r['peak_rss_mb']:.0f} MB | "
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
    args = ap.parse_args(argv)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cache = REPO / "data" / "models"
    if cache.is_dir() and "REPLAY_MODEL_CACHE_DIR" not in env:
        env["REPLAY_MODEL_CACHE_DIR"] = str(cache)  # the model assembled by scripts/install.sh
    signal.signal(signal.SIGINT, signal.default_int_handler)
    results = []
    for stream in args.streams:
        results.append(bench(stream.resolve(), args, env))
        print(table(results[-1:]), flush=True)
    print("\n" + table(results))
    if len(results) > 1:
        print(f"\nagreement seg_f1@0.5: min {min(r['agreement_seg_f1@0.5'] for r in results):.3f}, "
              f"mean {statistics.mean(r['agreement_seg_f1@0.5'] for r in results):.3f}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"results": results, "command": " ".join(sys.argv),
                                        "children_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024},
                                       indent=1, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
