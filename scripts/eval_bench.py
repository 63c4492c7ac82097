#!/usr/bin/env python3
"""Evaluate the 看点 detector on a benchmark folder (one sub-folder per stream with catalog.json, truth.json).

Example:
  python scripts/eval_bench.py ../shared/bench                      # index every stream, then score
  python scripts/eval_bench.py ../shared/bench --compare-visual     # scores with and without visual evidence
  python scripts/eval_bench.py ../shared/bench --no-cues            # cue ablation (re-uses the indexed data)
  python scripts/eval_bench.py ../shared/bench --transcripts .bench/transcripts --streams dev1 dev5 --json out.json

Without --transcripts it indexes every stream with the full pipeline (probe, audio, ASR, visual, detect)
into a database under --data (default .bench/data; re-runs resume from its checkpoints, --force redoes
them). With --transcripts it loads cached transcripts DIR/NAME.json (and the visual track DIR/NAME.visual.json
when there is one) instead and runs only the detector.
Either way it runs replay.detect.detect with the catalog, and scores the 看点 with replay.scoring (same
definitions as the bench's score.py). It prints a table per stream with the mean, an error analysis
(missed SKUs, false 看点, worst boundaries) and a precision/recall table over confidence thresholds.
truth.json is read here, for scoring only; the detector never sees it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from replay.asr.transcript_io import transcript_from_json  # noqa: E402
from replay.catalog import load_catalog  # noqa: E402
from replay.contracts import Highlight, Transcript, VisualTrack, from_json  # noqa: E402
from replay.detect import detect  # noqa: E402
from replay.report.scoring import as_segments, iou, score  # noqa: E402
from replay.settings import load_settings  # noqa: E402

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


def index_bench_stream(sdir: Path, data: Path, force: bool, visual: bool) -> tuple[Transcript, VisualTrack | None]:
    """Index one bench stream with the real pipeline; return its stored transcript and visual track."""
    from replay.pipeline import PipelineOptions, index_stream
    from replay.store.database import Database

    settings = load_settings(data_dir=str(data), visual={"enabled": visual})
    res = index_stream(sdir / "stream.mp4", load_catalog(sdir / "catalog.json"), settings,
                       PipelineOptions(force=force, title=sdir.name))
    db = Database(settings.database)
    payload = db.checkpoint(res.stream_id, "visual") if visual else None
    track = from_json(VisualTrack, payload) if payload else None
    return db.transcript(res.stream_id), track


def run(args: argparse.Namespace, names: list[str], use_visual: bool) -> tuple[dict, dict, dict]:
    rows, all_hl, dump = {}, {}, {}
    for name in names:
        sdir = args.bench / name
        track = None
        if args.transcripts:
            tpath = args.transcripts / f"{name}.json"
            if not tpath.is_file():
                print(f"skip {name}: no transcript {tpath}", file=sys.stderr)
                continue
            transcript = transcript_from_json(json.loads(tpath.read_text(encoding="utf-8")), source=str(tpath))
            vpath = args.transcripts / f"{name}.visual.json"  # the visual stage's track, when it was cached too
            if vpath.is_file():
                track = from_json(VisualTrack, json.loads(vpath.read_text(encoding="utf-8")))
        else:
            transcript, track = index_bench_stream(sdir, args.data, args.force, visual=True)
        catalog = load_catalog(sdir / "catalog.json")
        configured = load_settings().detect  # the defaults, or REPLAY_DETECT__* from the environment / .env
        options = replace(configured, use_cues=not args.no_cues)
        if args.talk_model:
            options = replace(options, talk_model=args.talk_model)
        shown = track if use_visual and track and track.events else None
        # Every decoded block, for the confidence sweep; the scores are of what `replay index` keeps (the
        # detector places boundaries again without the blocks under its threshold).
        all_hl[name] = detect(transcript, catalog, replace(options, min_confidence=0.0), visual=shown)
        kept = detect(transcript, catalog, options, visual=shown)
        rows[name] = evaluate(sdir, kept)
        dump[name] = {"scores": {k: v for k, v in rows[name].items() if k != "analysis"},
                      "highlights": [{"sku_id": h.sku_id, "start": h.start, "end": h.end, "confidence": h.confidence}
                                     for h in kept]}
    return rows, all_hl, dump


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench", type=Path, help="bench folder with one sub-folder per stream")
    ap.add_argument("--transcripts", type=Path, help="folder with cached transcripts NAME.json (skips indexing)")
    ap.add_argument("--data", type=Path, default=Path(".bench/data"), help="data dir for indexing (default .bench/data)")
    ap.add_argument("--force", action="store_true", help="re-index, ignoring checkpoints")
    ap.add_argument("--no-visual", action="store_true", help="score speech evidence only")
    ap.add_argument("--talk-model", help="product-talk model file (default: the packaged one); e.g. one trained "
                    "with scripts/train_talk_model.py --exclude AUTHOR, to score that author's streams unseen")
    ap.add_argument("--no-cues", action="store_true", help="cue ablation: detect with every cue phrase list empty")
    ap.add_argument("--compare-visual", action="store_true", help="print tables with and without visual evidence")
    ap.add_argument("--streams", nargs="*", help="stream names (default: every folder with a truth.json)")
    ap.add_argument("--json", type=Path, help="also write the scores and highlights as JSON here")
    ap.add_argument("--quiet", action="store_true", help="print only the score table")
    args = ap.parse_args(argv)
    names = args.streams or sorted(p.name for p in args.bench.iterdir() if (p / "truth.json").is_file())
    if args.compare_visual:
        without, _, _ = run(args, names, use_visual=False)
        print("speech evidence only")
        print_table(without)
        print("\nspeech + visual evidence")
    rows, all_hl, dump = run(args, names, use_visual=not args.no_visual)
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
