#!/usr/bin/env python3
"""Evaluate the 看点 detector on a benchmark folder (one sub-folder per stream with catalog.json, truth.json).

Example:
  python scripts/eval_bench.py ../shared/bench --transcripts .bench/transcripts
  python scripts/eval_bench.py ../shared/bench --transcripts .bench/transcripts --streams dev1 dev5 --json out.json

For each stream it loads the cached transcript DIR/NAME.json, runs replay.detect.detect with the catalog,
and scores the 看点 with replay.scoring (same definitions as the bench's score.py). It prints a table per
stream with the mean, an error analysis (missed SKUs, false 看点, worst boundaries) and a precision/recall
table over confidence thresholds. truth.json is read here, for scoring only; the detector never sees it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from replay.catalog import load_catalog  # noqa: E402
from replay.contracts import Highlight  # noqa: E402
from replay.detect import DetectOptions, detect  # noqa: E402
from replay.scoring import as_segments, iou, score  # noqa: E402
from replay.transcript_io import transcript_from_json  # noqa: E402

COLUMNS = ("seg_f1@0.5", "seg_f1@0.7", "start_f1@3", "start_f1@5", "sku_recall", "false_highlights", "frame_acc",
           "start_err_med", "end_err_med", "n_truth", "n_pred")
THRESHOLDS = (0.0, 0.3, 0.5, 0.7, 0.9)


def evaluate(stream_dir: Path, highlights: list[Highlight]) -> dict[str, Any]:
    """Score one stream's highlights against its truth.json; adds an ``analysis`` entry for the report."""
    truth = json.loads((stream_dir / "truth.json").read_text(encoding="utf-8"))
    res = score(truth, highlights)
    res["analysis"] = analyse(truth, highlights)
    return res


def analyse(truth: dict[str, Any], highlights: list[Highlight]) -> dict[str, Any]:
    segs = as_segments(truth["segments"])
    preds = as_segments(highlights)
    missed = [t for t in segs if not any(p["sku_id"] == t["sku_id"] and iou(t, p) >= 0.5 for p in preds)]
    false = [h for h, p in zip(highlights, preds, strict=True)
             if not any(p["sku_id"] == t["sku_id"] and iou(t, p) > 0 for t in segs)]
    bounds = []
    for t in segs:
        cands = [p for p in preds if p["sku_id"] == t["sku_id"] and iou(t, p) > 0]
        if cands:
            p = max(cands, key=lambda p: iou(t, p))
            bounds.append((max(abs(p["start"] - t["start"]), abs(p["end"] - t["end"])), t, p))
    bounds.sort(key=lambda b: -b[0])
    return {"missed": missed, "false": false, "worst": bounds[:3]}


def pr_at(truth: dict[str, Any], highlights: list[Highlight], threshold: float) -> tuple[int, int, int]:
    """(matched@0.5, n_pred, n_truth) keeping highlights with confidence >= threshold."""
    kept = [h for h in highlights if h.confidence >= threshold]
    res = score(truth, kept)
    n = res["n_pred"]
    matched = round(res["seg_f1@0.5"] * (n + res["n_truth"]) / 2) if n else 0
    return matched, n, res["n_truth"]


def fmt(v: Any) -> str:
    if v is None:
        return "-"
    return str(v) if isinstance(v, int) else f"{v:.3f}"


def print_table(rows: dict[str, dict[str, Any]]) -> None:
    print("stream  " + " ".join(f"{c:>12s}" for c in COLUMNS))
    for name, r in rows.items():
        print(f"{name:7s} " + " ".join(f"{fmt(r.get(c)):>12s}" for c in COLUMNS))
    mean = {c: statistics.mean([r[c] for r in rows.values() if r.get(c) is not None] or [0.0])
            for c in COLUMNS if not c.startswith("n_")}
    print(f"{'mean':7s} " + " ".join(f"{fmt(mean.get(c)):>12s}" for c in COLUMNS))


def print_analysis(name: str, r: dict[str, Any]) -> None:
    a = r["analysis"]
    print(f"\n[{name}]")
    for t in a["missed"]:
        print(f"  missed  {t['sku_id']:8s} {t['start']:7.1f}-{t['end']:7.1f}")
    for h in a["false"]:
        print(f"  false   {h.sku_id:8s} {h.start:7.1f}-{h.end:7.1f} conf={h.confidence:.2f} "
              f"{' '.join(e.kind + ':' + e.text for e in h.evidence[:4])}")
    for err, t, p in a["worst"]:
        print(f"  bound   {t['sku_id']:8s} truth {t['start']:7.1f}-{t['end']:7.1f} pred {p['start']:7.1f}-"
              f"{p['end']:7.1f} (max err {err:.1f}s)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench", type=Path, help="bench folder with one sub-folder per stream")
    ap.add_argument("--transcripts", type=Path, required=True, help="folder with cached transcripts NAME.json")
    ap.add_argument("--streams", nargs="*", help="stream names (default: every folder with a truth.json)")
    ap.add_argument("--json", type=Path, help="also write the scores and highlights as JSON here")
    ap.add_argument("--quiet", action="store_true", help="print only the score table")
    args = ap.parse_args(argv)
    names = args.streams or sorted(p.name for p in args.bench.iterdir() if (p / "truth.json").is_file())
    rows, all_hl, dump = {}, {}, {}
    for name in names:
        sdir = args.bench / name
        tpath = args.transcripts / f"{name}.json"
        if not tpath.is_file():
            print(f"skip {name}: no transcript {tpath}", file=sys.stderr)
            continue
        transcript = transcript_from_json(json.loads(tpath.read_text(encoding="utf-8")), source=str(tpath))
        catalog = load_catalog(sdir / "catalog.json")
        hl = detect(transcript, catalog, DetectOptions(min_confidence=0.0))
        all_hl[name] = hl
        kept = [h for h in hl if h.confidence >= DetectOptions().min_confidence]
        rows[name] = evaluate(sdir, kept)
        dump[name] = {"scores": {k: v for k, v in rows[name].items() if k != "analysis"},
                      "highlights": [{"sku_id": h.sku_id, "start": h.start, "end": h.end, "confidence": h.confidence}
                                     for h in kept]}
    if not rows:
        print("nothing evaluated", file=sys.stderr)
        return 1
    print_table(rows)
    if not args.quiet:
        for name, r in rows.items():
            print_analysis(name, r)
        print("\nconfidence threshold sweep (pooled over streams, match = same SKU and IoU >= 0.5)")
        print(f"{'thr':>5s} {'n_pred':>7s} {'precision':>10s} {'recall':>8s}")
        for thr in THRESHOLDS:
            m = n = nt = 0
            for name, hl in all_hl.items():
                truth = json.loads((args.bench / name / "truth.json").read_text(encoding="utf-8"))
                a, b, c = pr_at(truth, hl, thr)
                m, n, nt = m + a, n + b, nt + c
            print(f"{thr:5.1f} {n:7d} {m / n if n else 0:10.3f} {m / nt if nt else 0:8.3f}")
    if args.json:
        args.json.write_text(json.dumps(dump, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
