"""Sentence breaks in talk written without punctuation: where one spoken sentence ends and the next begins.

Another ASR's subtitle cue (and whisper, when the host does not breathe) runs two or three sentences together
without a comma: 三十片五十九块九一片两块钱五号曼特宁就重一点, 挂后视镜上味道有海洋有柠檬有檀木八号链接八号. The decoder can
only switch products between units, so a cue that holds the end of one explanation and the opening of the next
gives the next one's opening to the last, or loses the next product altogether. Where a sentence ends is a
matter of how Mandarin is spoken (its particles 啊 吧 哈 呢, a number closing a price, 来 or 这个 starting one),
not of any product, so it is learned: a logistic regression over the characters either side of each gap
(1-3 characters, numerals folded to one symbol), trained by ``scripts/train_break_model.py`` on the practice
transcripts' lines run together the way an ASR runs them (the gap between two lines is a break, a gap inside a
line is none). It uses no word list and no catalog.

The weights live in ``models/break_model.json`` (``break_model.json`` beside this file links to it).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

from replay.lang.numbers import is_number_token

_EDGE = "^"  # stands for "no character here" (the start or end of the run)


def fold(tokens: Sequence[str]) -> list[str]:
    """The tokens with each numeral (二, 十九, 99) as one symbol: the model learns that a price ends a sentence, not
    which price. Fold a run once, then take the features of each of its gaps (``gap_features``)."""
    return ["D" if is_number_token(tok) else tok for tok in tokens]


def gap_features(t: Sequence[str], k: int) -> dict[str, float]:
    """Features of the gap before token k (between t[k-1] and t[k]) of folded tokens ``t``, 0 < k < len(t)."""

    def at(i: int) -> str:
        return t[i] if 0 <= i < len(t) else _EDGE

    feats = {"bias": 1.0}
    for n in (1, 2, 3):
        feats["l" + "".join(at(k - n + j) for j in range(n))] = 1.0
        feats["r" + "".join(at(k + j) for j in range(n))] = 1.0
    feats["x" + at(k - 1) + at(k)] = 1.0
    feats["x" + at(k - 2) + at(k - 1) + at(k)] = 1.0
    feats["x" + at(k - 1) + at(k) + at(k + 1)] = 1.0
    feats["x" + at(k - 2) + at(k - 1) + at(k) + at(k + 1)] = 1.0
    return feats


@lru_cache(maxsize=4)
def _load(path: str | None) -> tuple[dict[str, float], float]:
    if path is None:
        text = resources.files("replay.detect").joinpath("break_model.json").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    model = json.loads(text)
    return model["weights"], float(model.get("threshold", 0.5))


def break_probabilities(tokens: Sequence[str], model: str | None = None) -> list[float]:
    """P(a sentence ends before token k) for k = 0 … len(tokens) - 1 (0.0 at k = 0: no gap there)."""
    weights, _ = _load(model)
    folded = fold(tokens)
    out = [0.0]
    for k in range(1, len(tokens)):
        z = sum(weights.get(f, 0.0) * v for f, v in gap_features(folded, k).items())
        out.append(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))))
    return out


def break_threshold(model: str | None = None) -> float:
    """The probability above which a gap is taken as a sentence break (chosen in training)."""
    return _load(model)[1]
