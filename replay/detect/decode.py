"""Sequence decoding: assign every unit to one catalog item or to none (Viterbi over units).

States are ``none`` plus one per item. Staying costs nothing; entering an item costs ``start_cost`` from
none and ``switch_cost`` from another item, both lowered by an intro or 返场 cue in (or just before) the
unit (to nothing when the cue's own sentence calls the item by link number or name), and raised by a
cross-mention cue (跟刚才那个X搭配 refers back without switching). Leaving an item
for none costs ``end_cost``, nothing after an outro cue. Emissions are the unit's evidence for the state's
item minus a fraction of the evidence for other items, and minus ``compare_penalty`` for an item the unit compares
the product in hand with (比一号便宜: ``Unit.compared``). So one stray mention (a cross-mention, a hotword
hallucination) cannot pay for switching away and back, while a product named with a cue switches at once.

Transitions have only three shapes (stay, from none, from the best other item), so each step is O(items),
which keeps multi-hour streams with 150-item catalogs cheap. The passes that relabel the decoded units (asides,
mentions handed back or kept as passing) are replay.detect.relabel; ``runs`` then cuts the labels into runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replay.detect.units import CHAT, CLEAR_OPENING, Unit

_NEAR_S = 12.0  # how soon after a cue the product it opens must be named
_LEADING = 0.5  # share of a unit's strongest evidence an item needs to be the one a cue in it opens
_DOUBTED_CUE = 0.05  # opening probability below which an intro cue in a sentence that calls nothing is doubted
_DOUBTED_STRENGTH = 0.5  # how clearly such a cue opens a product (1 for a cue the model does not doubt)


@dataclass(frozen=True, slots=True)
class DecodeCosts:
    switch_cost: float
    start_cost: float
    end_cost: float
    cue_bonus: float
    cross_penalty: float
    other_penalty: float
    outro_bonus: float
    compare_penalty: float = 0.0


@dataclass(frozen=True, slots=True)
class Run:
    """A maximal stretch of units ``first..last`` decoded as one item."""

    sku_id: str
    first: int
    last: int


def _own_cue(units: list[Unit], u: int) -> float:
    """1 for an intro/返场 cue in unit u, else the learned opening probability (see talk). A stock top-up right
    after a product is called (再讲一下二号。刚刚补了三十张库存) is that product's: its 返场 cue opens nothing new
    when its own sentence names nothing."""
    unit = units[u]
    if not unit.opens:
        return unit.opening
    prev = units[u - 1] if u > 0 else None
    # (An intro cue too, when it goes on the sentence that called the product, cut from it at a comma only:
    # 十八号，套装，送礼的 | 看过来 opens 十八号, not whatever is named next.)
    if (prev is not None and not unit.names() and prev.calls_clearly()
            and (not unit.has("intro") or not unit.tokens[0].boundary)):
        return unit.opening
    # A cue phrase in a sentence that calls nothing, where the learned opening model sees no opening at all, is
    # a weak prior: 下面这个旋钮可以调亮度 and 这款是防风的 go on about the product in hand.
    if unit.opening < _DOUBTED_CUE and not unit.called() and not unit.has("return"):
        return _DOUBTED_STRENGTH
    return 1.0


def _cue_strength(units: list[Unit], u: int) -> float:
    """How clearly the host opens a product at unit u (``_own_cue``); 0.6 of the previous short unit's when
    higher (宝宝们看过来。X来了), unless that unit named a product itself: then its opening was that product's,
    not this unit's."""
    own = _own_cue(units, u)
    prev = units[u - 1] if u > 0 else None
    if prev is not None and prev.end - prev.start < 4 and not prev.names():
        own = max(own, 0.6 * _own_cue(units, u - 1))
    return own


def viterbi(units: list[Unit], skus: list[str], c: DecodeCosts) -> list[str | None]:
    """The best state per unit: an sku_id or None."""
    n, k = len(units), len(skus)
    if n == 0 or k == 0:
        return [None] * n
    col = {s: i for i, s in enumerate(skus)}
    ev = np.zeros((n, k))
    support = np.zeros((n, k))
    for u, unit in enumerate(units):
        for scores in (unit.scores, unit.visual):
            for sku, w in scores.items():
                if sku in col:
                    ev[u, col[sku]] += w
        for sku, w in unit.support.items():
            if sku in col:
                support[u, col[sku]] += w
    # A cue opens the product named right after it, not any product: its bonus goes only to items with
    # evidence in the unit or the next two (within ``_NEAR_S``), so 返场好多人说刚才没抢到 cannot be borrowed
    # to enter an item first named a minute later.
    near = np.zeros((n, k), dtype=bool)
    for u in range(n):
        # When the cue's own sentence calls a product (好咱们说四号血压计), that is the one it opens: the next
        # sentence's shared word (这个血压计是鱼跃的) must not lend the bonus to the other 血压计 as well.
        reach = u if units[u].calls_clearly() else u + 2
        v = u
        while v < n and v <= reach and units[v].start - units[u].start <= _NEAR_S:
            both = ev[v] + support[v]
            near[u] |= (both > 0) & (both >= _LEADING * both.max())
            v += 1
    # A clear opening (a cue, or an opening probability of at least CLEAR_OPENING) that calls the product in its
    # own sentence (然后是三号) is as clear as openings get: entering that product costs nothing, so a
    # recommendation of the product before (更建议用二号) cannot keep it.
    called = np.zeros((n, k), dtype=bool)
    for u, unit in enumerate(units):
        for sku in unit.called():
            if sku in col and unit.calls(sku):
                called[u, col[sku]] = True
    total = ev.sum(axis=1)
    emit_item = ev - c.other_penalty * (total[:, None] - ev)
    emit_none = -c.other_penalty * total
    # An item the host compares the product in hand with is not the product in hand (比一号便宜).
    for u, unit in enumerate(units):
        for sku in unit.compared:
            if sku in col:
                emit_item[u, col[sku]] -= c.compare_penalty

    neg = -1e18
    score_none = 0.0
    score_item = np.full(k, neg)
    back_item = np.zeros((n, k), dtype=np.int64)  # previous state: -1 none, -2 same item, j other item
    back_none = np.zeros(n, dtype=np.int64)  # -1 none, j item
    for u in range(n):
        cue = _cue_strength(units, u)
        cross = units[u].has("cross") and cue == 0
        bonus = np.where(called[u] & (cue >= CLEAR_OPENING), max(c.cue_bonus, c.switch_cost), c.cue_bonus)
        enter_bonus = np.where(near[u], bonus * cue, 0.0) - (c.cross_penalty if cross else 0.0)
        outro_prev = u > 0 and units[u - 1].closes
        # Best and second best previous item, so "from the best other item" is O(k).
        order = np.argsort(score_item)[::-1][:2] if k > 1 else np.array([0])
        best, second = int(order[0]), int(order[1]) if k > 1 else -1
        other_best = np.full(k, score_item[best])
        other_arg = np.full(k, best)
        if second >= 0:
            other_best[best], other_arg[best] = score_item[second], second
        else:
            other_best[best] = neg
        stay = score_item + support[u]
        # A cue lowers the cost of entering, never below nothing: passing through none must not pay.
        from_none = score_none - np.maximum(0.0, c.start_cost - enter_bonus)
        from_other = other_best - np.maximum(0.0, c.switch_cost - enter_bonus)
        new_item = np.maximum(stay, np.maximum(from_none, from_other))
        back_item[u] = np.where(new_item == stay, -2, np.where(new_item == from_none, -1, other_arg))
        leave = float(score_item.max()) - c.end_cost + (c.end_cost + c.outro_bonus if outro_prev else 0.0)
        if leave > score_none:
            new_none, back_none[u] = leave, int(score_item.argmax())
        else:
            new_none, back_none[u] = score_none, -1
        score_item = new_item + emit_item[u]
        score_none = new_none + emit_none[u]
    # Backtrack.
    states: list[int] = [0] * n
    cur = -1 if score_none >= score_item.max() else int(score_item.argmax())
    for u in range(n - 1, -1, -1):
        states[u] = cur
        if cur == -1:
            cur = int(back_none[u])
        else:
            b = int(back_item[u, cur])
            cur = cur if b == -2 else b
    return [None if s == -1 else skus[s] for s in states]


# A stretch of chat this long inside one item's run, with the item named again after it, is two explanations
# (the product came back, 返场), not one: "an explanation runs until ... a clear stretch of talk about nothing
# in the catalog".
_CHAT_SPLIT_S = 25.0


def _reopens(units: list[Unit], closed: int | None, u: int) -> bool:
    """Unit u opens the same product again after a closing cue of the run (讲到这里 … 返场 …)."""
    return closed is not None and units[u].opens


def runs(labels: list[str | None], units: list[Unit]) -> list[Run]:
    """Maximal stretches of one label, split where the same item is explained again: after a closing cue and
    an opening, or after a clear stretch of chat with the item named again."""
    out: list[Run] = []
    closed: int | None = None  # the run's last closing cue with nothing of its item since
    chat_from: float | None = None  # start of the chat stretch the run is in, if any
    chat_s = 0.0  # length of the longest chat stretch since the run's item was last named
    for u, lab in enumerate(labels):
        unit = units[u]
        if lab is None:
            closed, chat_from, chat_s = None, None, 0.0
            continue
        cont = out and out[-1].sku_id == lab and out[-1].last == u - 1
        named = unit.scores.get(lab, 0.0) > 0
        if cont and (_reopens(units, closed, u) or (named and chat_s >= _CHAT_SPLIT_S)):
            cont = False
        if cont:
            out[-1] = Run(lab, out[-1].first, u)
        else:
            out.append(Run(lab, u, u))
            closed, chat_s = None, 0.0
        if named:
            closed, chat_s = None, 0.0
        if unit.closes:
            closed = u
        if unit.talk < CHAT:
            chat_from = unit.start if chat_from is None else chat_from
            chat_s = max(chat_s, unit.end - chat_from)
        else:
            chat_from = None
    return out
