"""Measure the visual stage on the bench streams: speed, OCR calls, and agreement with the truth's cards.

    python scripts/bench_visual.py                      # every ../shared/bench/*/stream.mp4, 3 runs each
    python scripts/bench_visual.py --streams dev1 dev5 --sample fps --threads 2 --repeat 1

Run it alone on the machine: it refuses a busy one and marks a run that shared the CPU noisy
(scripts/benchlib.py). Each stream is analysed --repeat times; seconds are the fastest run (the median beside
it). Prints per stream: seconds, × real time, frames sampled, OCR calls (and per hour), and per-second card
agreement: precision = seconds where the predicted on-screen SKU is right / seconds with a prediction,
recall = seconds of truth cards whose SKU was predicted / seconds with a truth card. The prediction at
second s is the SKU of the latest 'ocr' event within hold_seconds + 1 s before s (events repeat while a card
stays unchanged). truth.json is read here only for scoring, never by the stage.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import benchlib  # scripts/ is on sys.path when this script runs

from replay.contracts import Catalog, CatalogItem, VisualTrack
from replay.media.probe import probe
from replay.screen.options import VisualOptions
from replay.screen.visual import analyse, ocr_calls_per_hour

BENCH = Path(__file__).resolve().parents[1].parent / "shared" / "bench"


def load_catalog(path: Path) -> Catalog:
    items = []
    for d in json.loads(path.read_text(encoding="utf-8")):
        items.append(CatalogItem(
            sku_id=str(d["sku_id"]), title=d["title"], brand=d.get("brand"), short_name=d.get("short_name"),
            aliases=tuple(d.get("aliases") or ()), price=d.get("price"), live_price=d.get("live_price"),
            link_no=d.get("link_no"), image=(path.parent / d["image"]) if d.get("image") else None))
    return Catalog(tuple(items))


def card_agreement(track: VisualTrack, truth: dict, hold: float) -> tuple[float, float, int]:
    duration = int(truth["duration"])
    truth_at: list[str | None] = [None] * duration
    for c in truth["cards"]:
        for s in range(int(c["start"] + 0.999), min(duration, int(c["end"]) + 1)):
            truth_at[s] = c["sku_id"]
    events = sorted((e for e in track.events if e.kind == "ocr" and e.sku_id), key=lambda e: e.time)
    pred_at: list[str | None] = [None] * duration
    i = 0
    last = None
    for s in range(duration):
        while i < len(events) and events[i].time <= s:
            last = events[i]
            i += 1
        if last is not None and s - last.time <= hold + 1.0:
            pred_at[s] = last.sku_id
    predicted = sum(p is not None for p in pred_at)
    shown = sum(t is not None for t in truth_at)
    right = sum(p is not None and p == t for p, t in zip(pred_at, truth_at, strict=True))
    return right / max(1, predicted), right / max(1, shown), shown


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", type=Path, default=BENCH)
    ap.add_argument("--streams", nargs="*", help="stream folder names (default: all)")
    ap.add_argument("--sample", default="auto", choices=["auto", "fps", "keyframes"])
    ap.add_argument("--fps", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=None, help="onnxruntime threads for OCR")
    ap.add_argument("--accurate-cuts", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="runs per stream; the fastest is reported (default 3)")
    benchlib.add_arguments(ap)
    args = ap.parse_args()
    guard = benchlib.LoadGuard.from_args(args, "bench_visual")
    guard.start()
    opts = VisualOptions(sample=args.sample, sample_fps=args.fps, ocr_threads=args.threads,
                         frame_accurate_cuts=args.accurate_cuts)
    dirs = sorted(p.parent for p in args.bench.glob("*/stream.mp4"))
    if args.streams:
        dirs = [d for d in dirs if d.name in args.streams]
    tot_sec = tot_dur = tot_calls = 0.0
    print(f"machine: {benchlib.machine().tag()}")
    print(f"{'stream':8} {'dur s':>6} {'sec':>6} {'median':>6} {'×RT':>6} {'frames':>6} {'ocr':>4} {'ocr/h':>6} "
          f"{'cuts':>4} {'card P':>6} {'card R':>6} {'img ev':>6}")
    for d in dirs:
        info = probe(d / "stream.mp4")
        catalog = load_catalog(d / "catalog.json")
        secs = []
        for _ in range(max(1, args.repeat)):
            t0 = time.perf_counter()
            track = analyse(info, catalog, opts)  # a fresh OCR engine (and cache) each time
            secs.append(time.perf_counter() - t0)
        sec, med = min(secs), statistics.median(secs)
        truth = json.loads((d / "truth.json").read_text(encoding="utf-8"))
        p, r, _ = card_agreement(track, truth, opts.hold_seconds)
        cuts = sum(e.kind == "scene_cut" for e in track.events)
        images = [e for e in track.events if e.kind == "image"]
        img_ok = sum(any(c["sku_id"] == e.sku_id and c["start"] - 1 <= e.time <= c["end"] + 1 for c in truth["cards"])
                     for e in images)
        print(f"{d.name:8} {info.duration:6.0f} {sec:6.2f} {med:6.2f} {info.duration / sec:6.0f} {track.frames_sampled:6d} "
              f"{track.ocr_calls:4d} {ocr_calls_per_hour(track, info):6.0f} {cuts:4d} {p:6.2f} {r:6.2f} "
              f"{img_ok:>3}/{len(images):<3}")
        tot_sec += sec
        tot_dur += info.duration
        tot_calls += track.ocr_calls
    verdict = guard.stop()
    if tot_sec:
        print(f"total: {tot_dur:.0f} s of video in {tot_sec:.1f} s = {tot_dur / tot_sec:.0f}× real time, "
              f"{tot_calls / tot_dur * 3600:.0f} OCR calls per hour   [{guard.tag(verdict)}]")
    print(verdict.line())
    sys.exit(guard.exit_code(verdict))


if __name__ == "__main__":
    main()
