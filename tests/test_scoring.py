"""replay.report.scoring must give exactly what the bench's score.py gives."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path

import pytest

from replay.contracts import Highlight
from replay.report.scoring import score

from conftest import skip_unless_installed

SHARED = Path(__file__).resolve().parents[2] / "shared" / "bench"
SCORE_PY = SHARED / "score.py"

TRUTH = {
    "duration": 120.4,
    "segments": [
        {"sku_id": "A", "start": 5.0, "end": 30.0, "kind": "main"},
        {"sku_id": "B", "start": 35.0, "end": 70.0, "kind": "main"},
        {"sku_id": "A", "start": 80.0, "end": 95.0, "kind": "return"},
        {"sku_id": "C", "start": 96.0, "end": 118.0, "kind": "main"},
    ],
}


def reference():
    if not SCORE_PY.is_file():
        skip_unless_installed(f"../shared/bench/score.py is absent ({SCORE_PY}); the comparison needs the bench",
                              in_ci="CI clones the project with ../shared beside it")
    spec = importlib.util.spec_from_file_location("bench_score", SCORE_PY)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def predictions():
    rng = random.Random(7)
    cases = {
        "perfect": [dict(s) for s in TRUTH["segments"]],
        "empty": [],
        "shifted": [{"sku_id": s["sku_id"], "start": s["start"] + 4, "end": s["end"] - 6} for s in TRUTH["segments"]],
        "wrong_and_extra": [{"sku_id": "B", "start": 5, "end": 30}, {"sku_id": "A", "start": 0, "end": 40},
                            {"sku_id": "A", "start": 41, "end": 44}, {"sku_id": "D", "start": 100, "end": 110}],
        "ties": [{"sku_id": "A", "start": 5, "end": 30}, {"sku_id": "A", "start": 5, "end": 30},
                 {"sku_id": "A", "start": 80, "end": 95}],
    }
    for n in range(5):
        preds = []
        for _ in range(rng.randint(1, 8)):
            s = rng.uniform(0, 110)
            preds.append({"sku_id": rng.choice("ABCD"), "start": round(s, 2), "end": round(s + rng.uniform(1, 40), 2)})
        cases[f"random{n}"] = preds
    return cases


@pytest.mark.parametrize("name", list(predictions()))
def test_same_figures_as_bench_score_py(tmp_path, name):
    ref = reference()
    pred = predictions()[name]
    (tmp_path / "truth.json").write_text(json.dumps(TRUTH))
    (tmp_path / "pred.json").write_text(json.dumps({"highlights": pred}))
    truth = json.loads((tmp_path / "truth.json").read_text())
    expected = ref.score(truth, ref.load_pred(tmp_path / "pred.json"))
    assert score(TRUTH, pred) == expected


def test_same_figures_on_a_real_truth_file():
    ref = reference()
    truth_path = SHARED / "dev1" / "truth.json"
    if not truth_path.is_file():
        skip_unless_installed("../shared/bench/dev1/truth.json is absent",
                              in_ci="CI clones the project with ../shared beside it")
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    pred = [{"sku_id": s["sku_id"], "start": s["start"] + 1.5, "end": s["end"] + 3} for s in truth["segments"][::2]]
    assert score(truth, pred) == ref.score(truth, pred)


def test_accepts_highlights():
    hl = [Highlight(sku_id=s["sku_id"], title="", start=s["start"], end=s["end"], confidence=1.0)
          for s in TRUTH["segments"]]
    res = score(TRUTH, hl)
    assert res["seg_f1@0.5"] == 1.0 and res["false_highlights"] == 0.0 and res["start_err_med"] == 0.0


def test_known_values():
    pred = [{"sku_id": "A", "start": 5, "end": 30}, {"sku_id": "C", "start": 0, "end": 3}]
    res = score(TRUTH, pred)
    assert res["seg_f1@0.5"] == pytest.approx(2 * 0.5 * 0.25 / 0.75)
    assert res["sku_recall"] == pytest.approx(1 / 3)
    assert res["false_highlights"] == 0.5
