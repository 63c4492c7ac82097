"""The project's scorer for 看点 against a benchmark truth; definitions identical to ../shared/bench/score.py.

Figures (0..1 except boundary errors in seconds):
- seg_f1@0.5 / @0.7: one-to-one greedy matches (best IoU first) with the same sku_id and IoU >= t;
- start_f1@3 / @5: one-to-one matches with the same sku_id whose start is within +-3 s / +-5 s;
- sku_recall: presented SKUs with at least one overlapping highlight of that SKU;
- false_highlights: highlights overlapping no truth segment of their SKU, over all highlights;
- frame_acc: per-second agreement of the label (SKU or none) over int(duration) seconds;
- start_err_med / end_err_med: median absolute boundary error of the @0.5 matches (None without matches).
tests/test_scoring.py checks these against score.py on several prediction files.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from replay.contracts import Highlight

Seg = Mapping[str, Any]  # {sku_id, start, end}


def as_segments(pred: Iterable[Highlight | Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Highlights or dicts to plain {sku_id, start, end} dicts (sku_id as str, times as float)."""
    out = []
    for p in pred:
        if isinstance(p, Highlight):
            out.append({"sku_id": p.sku_id, "start": float(p.start), "end": float(p.end)})
        else:
            out.append({"sku_id": str(p["sku_id"]), "start": float(p["start"]), "end": float(p["end"])})
    return out


def iou(a: Seg, b: Seg) -> float:
    inter = max(0.0, min(a["end"], b["end"]) - max(a["start"], b["start"]))
    union = max(a["end"], b["end"]) - min(a["start"], b["start"])
    return inter / union if union > 0 else 0.0


def match(truth: Sequence[Seg], pred: Sequence[Seg], ok: Callable[[Seg, Seg], bool],
          key: Callable[[Seg, Seg], float]) -> list[tuple[Seg, Seg]]:
    """Greedy one-to-one matching of same-SKU pairs that satisfy ``ok``, highest ``key`` first.

    Ties are broken exactly as score.py does (by truth index, then prediction index, both descending).
    """
    pairs = sorted(((key(t, p), i, j) for i, t in enumerate(truth) for j, p in enumerate(pred)
                    if t["sku_id"] == p["sku_id"] and ok(t, p)), reverse=True)
    used_t: set[int] = set()
    used_p: set[int] = set()
    out = []
    for _, i, j in pairs:
        if i not in used_t and j not in used_p:
            used_t.add(i)
            used_p.add(j)
            out.append((truth[i], pred[j]))
    return out


def f1(n_match: int, n_truth: int, n_pred: int) -> float:
    if n_match == 0:
        return 0.0
    p, r = n_match / n_pred, n_match / n_truth
    return 2 * p * r / (p + r)


def _label(segs: Sequence[Seg], x: float) -> str | None:
    for s in segs:
        if s["start"] <= x < s["end"]:
            return str(s["sku_id"])
    return None


def score(truth_doc: Mapping[str, Any], pred: Iterable[Highlight | Mapping[str, Any]]) -> dict[str, Any]:
    """All figures for one stream; ``truth_doc`` is a parsed truth.json (needs segments and duration)."""
    truth = as_segments(truth_doc["segments"])
    preds = as_segments(pred)
    out: dict[str, Any] = {}
    for t in (0.5, 0.7):
        m = match(truth, preds, lambda a, b, t=t: iou(a, b) >= t, iou)
        out[f"seg_f1@{t}"] = f1(len(m), len(truth), len(preds))
        if t == 0.5:
            out["start_err_med"] = statistics.median([abs(a["start"] - b["start"]) for a, b in m]) if m else None
            out["end_err_med"] = statistics.median([abs(a["end"] - b["end"]) for a, b in m]) if m else None
    for s in (3, 5):
        m = match(truth, preds, lambda a, b, s=s: abs(a["start"] - b["start"]) <= s,
                  lambda a, b: -abs(a["start"] - b["start"]))
        out[f"start_f1@{s}"] = f1(len(m), len(truth), len(preds))
    presented = {t["sku_id"] for t in truth}
    hit = {t["sku_id"] for t in truth for p in preds if p["sku_id"] == t["sku_id"] and iou(t, p) > 0}
    out["sku_recall"] = len(hit) / len(presented) if presented else 1.0
    false = [p for p in preds if not any(p["sku_id"] == t["sku_id"] and iou(t, p) > 0 for t in truth)]
    out["false_highlights"] = len(false) / len(preds) if preds else 0.0
    dur = int(truth_doc["duration"])
    agree = sum(_label(truth, x + 0.5) == _label(preds, x + 0.5) for x in range(dur))
    out["frame_acc"] = agree / dur if dur else 0.0
    out["n_truth"], out["n_pred"] = len(truth), len(preds)
    return out
