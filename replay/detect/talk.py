"""The product-talk model: is a unit talk about a product, or chat with the room?

An explanation runs on after the host last names the product: features, price, countdown, stock, shipping
and after-sales all belong to it, however they are worded. Chat with the room (follow, 灯牌, 福袋, greeting
newcomers) between products belongs to none; a line of chat inside an explanation (a viewer's question, a
thank-you) is labelled as the product's talk, as the truth keeps it in the explanation. Phrase lists cannot tell
the two apart on talk they have never seen, so this is a learned model: logistic regression over
- character 1–3-grams of the unit with its catalog evidence abstracted away (a product name becomes ``N``,
  a link number ``L``, a price ``P``, another number ``D``, a countdown ``C``), so it learns how hosts talk
  *about* a product, not which products they sell;
- structural features: whether the unit carries catalog evidence, a price, a number, a countdown, its
  length, whether it names an item not mentioned for a minute, and whether a long pause precedes it;
- the same n-grams of the sentence before and the sentence after, at half weight: whether a line is chat or
  talk about the product depends on what it answers and what follows (an answer to a viewer's question, a
  feature after a feature).
It uses no cue list, so it works unchanged when the cue lists are emptied.

A second head of the same model, trained the same way, gives the probability that the host *opens* a product
in the unit (咱们来看二号, 还有一条裤子也给你们看看, 我第一个要讲的是…): a learned replacement for intro
cue lists, used by the decoder and the boundary search.

The weights live in ``talk_model.json`` beside this file; ``scripts/train_talk_model.py`` trains them from
hand-written practice transcripts (tests/data/paraphrase/train and dev: several authors, hosts and
product ranges), never from the benchmark streams. The detector uses the probability per unit together
with the structure of the stream (see boundaries): one chat line inside an explanation does not end it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

from replay.detect.units import Unit
from replay.lang import spoken_numbers

_NAME_KINDS = frozenset({"name", "full", "alias", "brand", "title", "model", "category", "fuzzy"})
_NGRAMS = (1, 2, 3)


def abstract_text(unit: Unit) -> str:
    """The unit's text with catalog evidence replaced by placeholders (N name, L link, P price, D number,
    C countdown), so that the model sees the shape of the talk rather than the products."""
    toks = [t.text for t in unit.tokens]
    marks: list[str | None] = [None] * len(toks)
    for num in spoken_numbers(toks):
        tag = {"price": "P", "link": "L", "countdown": "C"}.get(num.kind, "D")
        for k in range(num.first, num.last + 1):
            marks[k] = tag
    starts = {t.start: k for k, t in enumerate(unit.tokens)}
    for h in unit.hits:
        if h.kind in _NAME_KINDS and h.time in starts:
            k = starts[h.time]
            for j in range(k, min(len(toks), k + max(1, len(h.text)))):
                marks[j] = marks[j] or "N"
    out: list[str] = []
    for tok, mark in zip(toks, marks, strict=True):
        sym = mark or ("A" if tok.isascii() and tok.isalpha() else tok)
        if not (mark and out and out[-1] == mark):  # a placeholder stands for the whole name or number
            out.append(sym)
    return "".join(out)


_NEW_ITEM_S = 60.0  # evidence for an item not mentioned for this long is news: the host may be opening it


def contexts(units: list[Unit]) -> list[dict[str, float]]:
    """Per unit, the features that depend on the units before it: whether it names an item that was not
    mentioned in the last minute (``c:new_item``), and whether a long pause precedes it (``c:pause``)."""
    out: list[dict[str, float]] = []
    last_seen: dict[str, float] = {}
    for u in units:
        ctx: dict[str, float] = {}
        named = [sku for sku, w in u.scores.items() if w >= 0.8]
        if any(u.start - last_seen.get(sku, -1e9) > _NEW_ITEM_S for sku in named):
            ctx["c:new_item"] = 1.0
        if u.tokens[0].pause >= 1.5:
            ctx["c:pause"] = 1.0
        for sku in named:
            last_seen[sku] = u.end
        out.append(ctx)
    return out


_NEIGHBOUR_WEIGHT = 0.5


def _grams(text: str) -> set[str]:
    return {f"g:{text[i:i + n]}" for n in _NGRAMS for i in range(len(text) - n + 1)}


def features(units: list[Unit]) -> list[dict[str, float]]:
    """Sparse features of every unit: its own (n-grams l2-normalised, structural ones 0/1), its context (see
    contexts), and the n-grams of the sentence before and the one after at half weight: an answer to a viewer
    (坚持一个月就好了) reads as chat after the question (有个妈妈说孩子不爱看书), as product talk after a feature."""
    texts = [abstract_text(u) for u in units]
    grams = [_grams(t) for t in texts]
    out: list[dict[str, float]] = []
    for k, (unit, ctx) in enumerate(zip(units, contexts(units), strict=True)):
        text, own = texts[k], grams[k]
        feats = dict.fromkeys(own, 1.0 / math.sqrt(len(own))) if own else {}
        kinds = {h.kind for h in unit.hits}
        feats["s:evidence"] = 1.0 if unit.scores else 0.0
        feats["s:named"] = 1.0 if unit.names() else 0.0
        feats["s:price"] = 1.0 if "P" in text else 0.0
        feats["s:link"] = 1.0 if "L" in text or "link_no" in kinds else 0.0
        feats["s:number"] = 1.0 if "D" in text else 0.0
        feats["s:countdown"] = 1.0 if "C" in text else 0.0
        feats[f"s:len{min(5, int(math.log2(max(1, len(unit.tokens)))))}"] = 1.0
        feats.update(ctx)
        for tag, j in (("p", k - 1), ("n", k + 1)):
            if 0 <= j < len(units) and grams[j]:
                w = _NEIGHBOUR_WEIGHT / math.sqrt(len(grams[j]))
                feats.update((f"{tag}{g}", w) for g in grams[j])
        out.append(feats)
    return out


@lru_cache(maxsize=4)
def _heads(path: str | None = None) -> dict[str, tuple[float, dict[str, float]]]:
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files("replay.detect").joinpath("talk_model.json").read_text(encoding="utf-8")
    return {name: (float(h["bias"]), {k: float(v) for k, v in h["weights"].items()})
            for name, h in json.loads(text)["heads"].items()}


def probability(head: str, feats: dict[str, float], model: str | None = None) -> float:
    """P(head) for one unit's features; heads: ``talk`` (product talk, not chat), ``opens`` (the host opens a
    product here: 咱们来看二号, 还有一条裤子也给你们看看)."""
    bias, weights = _heads(model)[head]
    # fsum: the n-grams come from a set, whose order changes with Python's hash seed, and a float sum in another
    # order can differ in its last bit and flip a tie downstream. An exact sum does not depend on the order.
    z = math.fsum([bias, *(weights.get(k, 0.0) * v for k, v in feats.items())])
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def score_units(units: Iterable[Unit], model: str | None = None) -> None:
    """Set ``Unit.talk`` and ``Unit.opening`` on every unit (after its evidence is filled in); ``model`` is
    a model file, default the packaged one."""
    units = list(units)
    for u, feats in zip(units, features(units), strict=True):
        u.talk = probability("talk", feats, model)
        u.opening = probability("opens", feats, model)
