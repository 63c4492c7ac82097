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
which keeps multi-hour streams with 150-item catalogs cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replay.detect.units import CLEAR_OPENING, Unit

_NEAR_S = 12.0  # how soon after a cue the product it opens must be named
_LEADING = 0.5  # share of a unit's strongest evidence an item needs to be the one a cue in it opens


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
    if not unit.has("intro") and prev is not None and not unit.names() and prev.calls_clearly():
        return unit.opening
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


# An item decoded for at most this long between two stretches of another item is an aside inside that one's
# explanation (a viewer asks about 十三号, the host answers and goes on), not an explanation of its own.
_ASIDE_S = 20.0


def _own_price(unit: Unit, sku: str) -> bool:
    """Whether the unit says a price that only ``sku`` has, and names no other item."""
    return (any(h.kind == "price" and h.shared == 1 and h.sku_id == sku for h in unit.hits)
            and not unit.names(other_than=sku))


def absorb_asides(labels: list[str | None], units: list[Unit]) -> list[str | None]:
    """Relabel a short stretch of item B between two stretches of item A as A: A … B B … A is a comparison or
    an answer about B inside A's explanation, unless the host clearly opens B there (``Unit.opens_clearly``)
    or shows it (its card or picture on screen)."""
    out = list(labels)
    u, n = 0, len(out)
    while u < n:
        v = u
        while v + 1 < n and out[v + 1] == out[u]:
            v += 1
        item, before = out[u], out[u - 1] if u > 0 else None
        # Or the label before one unit of none, or two of product talk: leaving A for a sentence or two and
        # entering B costs the decoder less than switching, so A, a sentence or two, B … A is the same aside.
        gap = 0
        while before is None and gap < 2 and u - gap - 1 >= 0 and out[u - gap - 1] is None:
            gap += 1
        w = u - gap - 1  # the unit before the none stretch
        bridged = (before is None and w >= 0 and out[w] is not None and (w < 1 or out[w - 1] == out[w])
                   and (gap == 1 or all(units[x].talk >= _CHAT for x in range(w + 1, u))))
        if bridged:
            before = out[w]
        span = range(u, v + 1)
        if (item is not None and before is not None and before != item
                and not any(units[w].opens_clearly for w in span)
                # nor when its card or picture is on screen: the host put it up to explain it
                and not any(units[w].visual.get(item, 0.0) > 0 for w in span)):
            # What comes after: the next label, over at most one unit of none (a chat line).
            after = out[v + 1] if v + 1 < n else None
            if after is None and v + 2 < n:
                after = out[v + 2]
            # Or A called again (link number, name) inside B's stretch, after B's first evidence: the host is
            # still on A. (In the unit that brings B in, A's name is the hand-over: 拍两盒猫条的再看看这把梳子.)
            # Calling, not a word A shares with B (都是花生油) or a comparison (比五号那个还冲, weighed down).
            b_first = next((w for w in span if units[w].scores.get(item, 0.0) > 0), v)
            # (A sentence calling both, 学生选十一号工作用选十二号, is a summing up, not a recall.)
            # A's own price said alone (its price or live price, no other item's) recalls it too: 官方两千四百九十八.
            recalls = [w for w in range(b_first + 1, v + 1)
                       if (units[w].calls(before) or _own_price(units[w], before)) and item not in units[w].called()]
            short = units[v].end - units[u].start <= _ASIDE_S
            # The stretch may run on over chat after A's recall (三号还剩一百多件, then 点点关注 until the next
            # product): what must be short is B's part, up to the recall, with nothing of B after it.
            last = recalls[-1] if recalls else None
            short_to_recall = (last is not None and units[last].start - units[u].start <= _ASIDE_S
                               and not any(units[w].scores.get(item, 0.0) > 0 for w in range(last + 1, v + 1)))
            if (short and (after == before or recalls)) or short_to_recall:
                first = w + 1 if bridged else u
                out[first:v + 1] = [before] * (v - first + 1)
        u = v + 1
    return out


# A product mentioned at the end of another's explanation and opened clearly this soon after (seconds) was
# not on in between: 买月季的一定要带十号的加仑盆 … 包活 … 顺丰发 … 那我顺便把十号也给大家上了.
_LATE_OPENING_S = 30.0
_FAINT = 0.3  # evidence below this (a shared title word, a far fuzzy match) is too faint to mark where B is named
# A mention: an item named in its first sentence or two, within this many seconds (a cue of ASR-style subtitles
# often holds two or three sentences). Shared with boundaries' parting words.
_MENTION_UNITS = 2
_MENTION_S = 5.0


def past_mention(units: list[Unit], first: int, u: int) -> bool:
    """Whether unit u lies past a mention that starts at unit ``first`` (beyond its first two units, or 5 s)."""
    return u >= first + _MENTION_UNITS or units[u].start - units[first].start >= _MENTION_S


def _item_before(out: list[str | None], units: list[Unit], u: int, max_gap: int) -> tuple[int, str | None]:
    """(first, A): the item A decoded before unit u, and where a run entering at u would take over from it:
    u itself, or, when up to ``max_gap`` units of product talk (talk >= ``_CHAT``) decoded as none lie between,
    the first of them. A is None when there is no item there."""
    first, before = u, out[u - 1] if u > 0 else None
    while before is None and first - 1 >= 1 and u - first < max_gap and units[first - 1].talk >= _CHAT:
        first -= 1
        before = out[first - 1]
    return (u, None) if before is None else (first, before)


# Chat this long (seconds) between a mention of B and B called again: the host opens B after the chat (拿不准的拍
# 十二号的尝鲜装 | 来，俺喝口水 … 福袋挂上了 | 那俺就说说这个十二号); the mention was not its explanation.
_MENTION_CHAT_S = 8.0


def _chat_lasts(units: list[Unit], f: int, w: int) -> bool:
    """Whether a stretch of chat (talk < ``_CHAT``) of at least ``_MENTION_CHAT_S`` lies between units f and w."""
    run_from: float | None = None
    for x in range(f + 1, w):
        if units[x].talk < _CHAT:
            run_from = units[x].start if run_from is None else run_from
            if units[x].end - run_from >= _MENTION_CHAT_S:
                return True
        else:
            run_from = None
    return False


def hand_back_mentions(labels: list[str | None], units: list[Unit]) -> list[str | None]:
    """Relabel the start of item B's run as the item A before it, up to where the host clearly opens B (an
    intro cue or a clear opening that calls B), when B came in right after A without an opening and was only
    mentioned before that (named in its first sentence or two, then talk that names nothing of it): the
    sentences between are A's explanation going on (its stock, shipping, after-sales), and B starts where the
    host opens it, or calls it again after a stretch of chat (``_MENTION_CHAT_S``). Hosts do not open a product
    they are already explaining. The same after none (no A): the mention and the chat after it belong to no
    explanation."""
    out = list(labels)
    u, n = 0, len(out)
    while u < n:
        item = out[u]
        # (Over a sentence or two of none, too, as in absorb_asides: leaving A for none and entering B costs
        # the decoder less than switching, so A's talk before the mention can be decoded as nobody's.)
        first, before = _item_before(out, units, u, 2)
        if item is None or item == before or units[u].opens_clearly:
            u += 1
            continue
        v = u
        while v + 1 < n and out[v + 1] == item:
            v += 1
        # B's first evidence (not a faint hit, 0.06 of a fuzzy match shared by seven items, in a greeting)
        f = next((w for w in range(u, v + 1) if units[w].scores.get(item, 0.0) >= _FAINT), u)
        t0 = units[f].start
        opening = next((w for w in range(f + 1, v + 1) if units[w].start - t0 > _LATE_OPENING_S
                        or (units[w].opens_clearly and units[w].calls(item))
                        or (units[w].calls(item) and _chat_lasts(units, f, w))), None)
        if (opening is not None and units[opening].start - t0 <= _LATE_OPENING_S and not units[f].opens_clearly
                and not any(units[w].visual.get(item, 0.0) > 0 for w in range(u, opening))  # not shown yet
                # (evidence it shares with A, 今天就一百五十棵, is no more B's than A's)
                and not any(units[w].scores.get(item, 0.0) > units[w].scores.get(before, 0.0) if before else
                            units[w].scores.get(item, 0.0) >= _FAINT
                            for w in range(f + 1, opening) if past_mention(units, f, w))
                # After chat, with no explanation before it (a prize named in the greeting, then 欢迎欢迎, then
                # the host opens the product), only when chat lies between the mention and the opening: a real
                # explanation that puts the link up a few sentences in is product talk all along.
                and (before is not None or any(units[w].talk < _CHAT for w in range(f + 1, opening)))):
            out[first:opening] = [before] * (opening - first)
        u = v + 1
    return out


# A product named in passing at the end of another's explanation is decoded for at most this long (seconds).
_PASSING_S = 8.0
# ...and the sentence that names it does not sound like an opening (the learned opening probability, see talk):
# 十八号也顺嘴说一下这个月球灯 (0.84) is a short explanation; 十一号中空咖啡杯也可以看 (0.06) a pointer.
_PASSING_OPENING = 0.8


def keep_passing_mentions(labels: list[str | None], units: list[Unit]) -> list[str | None]:
    """Relabel a short run of item B that is only a mention as the item A right before it: B came in straight
    from A (or over one sentence decoded as nobody's), the host neither opened it (nor sounded like opening it)
    nor put it on screen, B is named only in the run's first sentence or two (``past_mention``), and within
    ``_PASSING_S`` the run ends on something else. The host pointed at B on the way out of A's explanation
    (十一号中空咖啡杯也可以看; 看四号，双孔的四号是五十九，今天不细讲) and moved on: a cross-sell, not an explanation
    of B. ``absorb_asides`` takes the same mention when A is named again after it."""
    out = list(labels)
    u, n = 1, len(out)
    while u < n:
        item = out[u]
        # Or over one sentence of A's talk decoded as nobody's (冷链只发江浙沪 | 可以磕两个一号的土鸡蛋进去), as in
        # absorb_asides: leaving A for none and entering B costs the decoder less than switching.
        first, before = _item_before(out, units, u, 1)
        v = u
        while v + 1 < n and out[v + 1] == item:
            v += 1
        span = range(u, v + 1)
        named = [w for w in span if units[w].scores.get(item, 0.0) >= _FAINT]
        after = out[v + 1] if v + 1 < n else None
        if (item is not None and before is not None and before != item and named
                and units[v].end - units[u].start <= _PASSING_S
                # Not when B's first sentence names the product the host goes on to as well: 二号跟三号，俺一块儿说
                # introduces the two together.
                and not (after is not None and units[u].scores.get(after, 0.0) >= _FAINT)
                and units[u].opening < _PASSING_OPENING
                and not any(units[w].opens_clearly for w in span)
                and not any(units[w].visual.get(item, 0.0) > 0 for w in span)
                and not any(past_mention(units, u, w) for w in named)):
            out[first:v + 1] = [before] * (v + 1 - first)
        u = v + 1
    return out


# A stretch of chat this long inside one item's run, with the item named again after it, is two explanations
# (the product came back, 返场), not one: "an explanation runs until ... a clear stretch of talk about nothing
# in the catalog".
_CHAT_SPLIT_S = 25.0
_CHAT = 0.3  # talk probability below which a unit counts as chat


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
        if unit.talk < _CHAT:
            chat_from = unit.start if chat_from is None else chat_from
            chat_s = max(chat_s, unit.end - chat_from)
        else:
            chat_from = None
    return out
