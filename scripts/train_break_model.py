#!/usr/bin/env python3
"""Train the sentence-break model (models/break_model.json) from hand-written practice transcripts.

Example:
  python scripts/train_break_model.py                          # train on tests/data/paraphrase/{train,dev}, write it
  python scripts/train_break_model.py --test be bf bg bh bi bj # train without six authors, score the breaks on them

Each practice transcript's lines (format: tests/data/paraphrase/README.md) are one spoken sentence or two.
They are run together, without their punctuation, into runs of 20-45 characters, the way another ASR writes its
subtitle cues (scripts/make_paraphrase_set.py --merge does the same to whole streams): the gap between two lines
is a sentence break, a gap inside a line is none (a gap at a comma inside a line is left out: it is a break
of a kind, and the detector cuts there anyway). replay.detect.breaks gives the features of each gap, the same
at training and at run time. The held-out transcripts and the benchmark streams are never used.
Needs scikit-learn (``pip install -e .[train]``).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_talk_model import _int32, author  # noqa: E402

from replay.detect.breaks import fold, gap_features  # noqa: E402
from replay.lang import tokenize  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PARA = ROOT / "tests" / "data" / "paraphrase"
SETS = (PARA / "train", PARA / "dev")
OUT = ROOT / "models" / "break_model.json"
_MARK = re.compile(r"[。！？!?…；;，,、\s]+")


def line_tokens(text: str) -> tuple[list[str], set[int]]:
    """The line's tokens, and the indices of those that follow a punctuation mark inside the line."""
    toks: list[str] = []
    marked: set[int] = set()
    for k, piece in enumerate(p for p in _MARK.split(text) if tokenize(p)):
        if k:
            marked.add(len(toks))
        toks.extend(tokenize(piece))
    return toks, marked


def examples(path: Path, rng: random.Random) -> list[tuple[dict[str, float], int]]:
    """(features, is a break) for every gap of the script's lines run together into 20-45 character runs."""
    lines = [line_tokens(x["text"]) for x in json.loads(path.read_text(encoding="utf-8"))["lines"]]
    out = []
    k = 0
    while k < len(lines):
        target, toks, breaks, skip = rng.randint(20, 45), [], set(), set()
        while k < len(lines) and (not toks or len(toks) + len(lines[k][0]) <= target):
            if toks:
                breaks.add(len(toks))
            skip |= {len(toks) + m for m in lines[k][1]}
            toks.extend(lines[k][0])
            k += 1
        folded = fold(toks)
        out.extend((gap_features(folded, g), int(g in breaks)) for g in range(1, len(toks)) if g not in skip)
    return out


def fit(data: list[tuple[dict[str, float], int]], c: float):  # noqa: ANN201 - sklearn objects
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer()
    x = _int32(vec.fit_transform([f for f, _ in data]))
    model = LogisticRegression(C=c, max_iter=3000, solver="liblinear")
    model.fit(x, [y for _, y in data])
    return vec, model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--c", type=float, default=3.0, help="inverse regularisation (default 3.0)")
    ap.add_argument("--threshold", type=float, default=0.5,
                    help="probability above which a gap is a break (default 0.5: precision 0.87, recall 0.48 on the "
                    "lines of authors be-bj run together, trained without them)")
    ap.add_argument("--min-weight", type=float, default=0.2,
                    help="drop weights smaller than this in magnitude (default 0.2: 1.2 MB instead of 11 MB, the same "
                    "scores on the ASR-style cues of authors be-bj)")
    ap.add_argument("--test", nargs="*", default=[], help="leave these authors out and score the breaks on them; "
                    "with --test the model is written only when --out is given")
    ap.add_argument("--out", type=Path, default=None, help=f"model file (default {OUT.relative_to(ROOT)})")
    args = ap.parse_args(argv)
    rng = random.Random(0)
    files = sorted(p for d in SETS for p in d.glob("*.json"))
    test = [p for p in files if author(p) in set(args.test)]
    train = [p for p in files if author(p) not in set(args.test)]
    data = [e for p in train for e in examples(p, rng)]
    vec, model = fit(data, args.c)
    print(f"{len(train)} transcripts, {len(data)} gaps, {sum(y for _, y in data)} breaks")
    if test:
        import numpy as np

        held = [e for p in test for e in examples(p, rng)]
        prob = model.predict_proba(_int32(vec.transform([f for f, _ in held])))[:, 1]
        y = np.array([t for _, t in held])
        for th in (0.3, 0.4, 0.5, 0.6, 0.7):
            pred = prob >= th
            tp = int((pred & (y == 1)).sum())
            p, r = tp / max(1, pred.sum()), tp / max(1, (y == 1).sum())
            print(f"on {' '.join(args.test)} at {th}: precision {p:.3f} recall {r:.3f} f1 {2 * p * r / max(1e-9, p + r):.3f}")
        if args.out is None:
            return 0
    names = vec.get_feature_names_out()
    weights = {str(n): round(float(w), 4) for n, w in zip(names, model.coef_[0], strict=True) if abs(w) >= args.min_weight}
    weights["bias"] = round(weights.get("bias", 0.0) + float(model.intercept_[0]), 4)
    out = args.out or OUT
    payload = {"about": "replay sentence-break model: P(a sentence ends in this gap) of talk written without "
                        "punctuation; trained by scripts/train_break_model.py",
               "trained_on": sorted({f"{p.parent.relative_to(ROOT)}/{author(p)}*.json" for p in train}),
               "c": args.c, "min_weight": args.min_weight, "threshold": args.threshold, "weights": dict(sorted(weights.items()))}
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(weights)} weights)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
