"""Relabelling passes about openings, after those of replay.detect.relabel: where the decoded run of one item
holds the opening of another, because its costs are local.

- ``take_over_openings``: B opened inside A's run and talked about after it, A named again only later: B's;
- ``leave_at_clear_openings``: a clear opening in A's run after which A is not named (or named once, late):
  whatever it opens, not A;
- ``settle_tied_openings``: a run opened on a word two items share (or only other items have), and the talk after
  it favouring the other one, or opened by calling another item outright (up to where its own item is called).

Each takes the labels (an sku_id or None per unit) and returns new ones.
"""

from __future__ import annotations

from replay.detect.relabel import ASIDE_S, FAINT, MENTION_UNITS, kind_and_price, own_price, stretch_end, tied_with
from replay.detect.units import CALLING, CLEAR_OPENING, Unit
from replay.lang.numbers import is_number_token

# The least opening probability (see talk) of a sentence that calls B for it to open B inside A's run (0.1 and 0.3
# moved many dev streams both ways for nothing on the whole). The decoder's switch is free at a clear opening
# (CLEAR_OPENING) that calls B at full weight, so what this pass mostly sees is the less clear ones.
_TAKE_OVER_OPENING = 0.5
# A less clear opening (那你看一号, which the model gives 0.25) takes over too when the host calls B at full weight
# and at least _BORNE_OUT sentences after it favour B and none favour A: the talk bears the opening out.
_TAKE_OVER_BORNE = 0.2
_BORNE_OUT = 3
# Sentences after an opening that names nothing by itself (a clear one, or a category word two items share) in
# which the host calls the item it opened (take_over_openings, settle_tied_openings).
_CALLED_NEXT = 2


def _favour(units: list[Unit], span: range, y: str | None, x: str | None) -> int:
    """How many units of ``span`` carry more of Y's evidence than of X's."""
    return sum(units[v].scores.get(y, 0.0) > units[v].scores.get(x, 0.0) for v in span)


def _called_next(out: list[str | None], units: list[Unit], u: int) -> list[str]:
    """The items other than A (``out[u]``) called by the first of the ``_CALLED_NEXT`` sentences after unit u
    that is still A's and calls anything, except one called in a cross-sell or compared with there, or one the
    opening's own words favour less than A."""
    a, opening = out[u], units[u]
    for x in range(u + 1, min(len(out), u + 1 + _CALLED_NEXT)):
        if out[x] == a and units[x].called():
            return [b for b in units[x].called() if b != a and not units[x].has("cross")
                    and b not in units[x].compared and opening.scores.get(a, 0.0) <= opening.scores.get(b, 0.0)]
    return []


def take_over_openings(labels: list[str | None], units: list[Unit]) -> list[str | None]:
    """Relabel as B the stretch of A's run from a sentence that opens B (an intro or 返场 cue, or an opening
    probability of at least ``_TAKE_OVER_OPENING``, calling B by link number or name and no other item) up to
    where A is called again or the run ends, when more of the sentences after it favour B (more of B's evidence
    than of A's) than favour A. A less clear opening (``_TAKE_OVER_BORNE``: 那你看一号) calling B at full weight
    takes over when the talk bears it out: ``_BORNE_OUT`` sentences after it favour B and none favours A. When
    A is called again in one sentence and the rest of A's run favours B and never A (真要防坠请选六号全身的), that
    sentence points viewers at A from inside B's explanation: B's stretch goes on to the run's end, and B's talk on
    both sides of it bears the opening out with one sentence fewer.

    The decoder stays on A there when A is named again a little later (一号已经走了三百多单了, 一号山药也剩不多了):
    one strong mention of A pays for staying, and what the host said about B in between (its features, by title
    words that weigh less than a name) cannot pay for a switch and a switch back. A host who opens B and goes on
    about it is explaining B; A's later line is a passing mention. Not when A is called again within ``ASIDE_S``:
    B, short, between two stretches of A is an aside (可以拍九号 | 九号是去壳的 … 八号一百个), as in
    ``absorb_asides``, unless the host opened B clearly (``Unit.opens_clearly``)."""
    out = list(labels)
    n = len(out)
    for u in range(1, n):
        a, unit = out[u], units[u]
        if a is None or out[u - 1] != a or not (unit.opens or unit.opening >= _TAKE_OVER_BORNE):
            continue
        # Called by link number or name at any weight: 好，再给孩子带个壳，七号 is worded as a cross-sell (its link
        # number weighed down), and the sentences after it say whether the host went on about it.
        called = [b for b in unit.called() if b != a]
        # A clear opening that names no item by itself (看这个也是牛肉干，但是是棒棒的) opens the one the host calls
        # in the next sentence or two (二十七号往下翻), before any other.
        # (Not one the next sentence calls in a cross-sell, 配个十五号打气泵, or compares A with, 跟十一号那个有啥区别:
        # both are within A's talk.)
        # (Nor when the opening's own words favour A: 小米的三斤二十七块九 tells A's other size.)
        if not unit.called() and (unit.opening >= CLEAR_OPENING or unit.has("intro")):
            called = _called_next(out, units, u)
        if len(called) != 1:
            continue
        b = called[0]
        clear = unit.opens or unit.opening >= _TAKE_OVER_OPENING
        # (Nor is a sentence that calls both a return to A: 胸大的选七号胸小的选八号 helps the viewer choose, and 一号和
        # 二十七号哪个好吃 asks to; B called there at any weight, as a comparison weighs it down.)
        w = u + 1
        while w < n and out[w] == a and not (units[w].calls(a) and b not in units[w].called()):
            w += 1
        more_b = _favour(units, range(u + 1, w), b, a)
        # (A sentence comparing the product in hand with A, 和七号不一样的地方在这, is B's talk, not A's.)
        more_a = sum(units[x].scores.get(a, 0.0) > units[x].scores.get(b, 0.0) and a not in units[x].compared
                     for x in range(u + 1, w))
        # (Unless B is opened clearly: absorb_asides keeps a clear opening too.)
        aside = w < n and out[w] == a and units[w].start - unit.start < ASIDE_S and not unit.opens_clearly
        # A called again in one sentence, and the rest of the run favouring B and never A (真要防坠请选六号全身的 |
        # 八十九的今天五十九块: B's price): that sentence pointed viewers at A from inside B's explanation, which
        # goes on to the run's end.
        pointed = 0  # sentences favouring B after A's one call, when B's talk goes on to the run's end
        if w < n and out[w] == a and more_b >= 1 and more_b > more_a:
            e = stretch_end(out, w)
            after = _favour(units, range(w + 1, e + 1), b, a)
            if after >= 1 and not _favour(units, range(w + 1, e + 1), a, b):
                w, aside, pointed = e + 1, False, after
        # (B's talk on both sides of A's one call bears B out as well as more of it before.)
        borne_out = unit.calls(b) and more_b + pointed >= (_BORNE_OUT - 1 if pointed else _BORNE_OUT) and not more_a
        if more_b >= 1 and more_b > more_a and not aside and (clear or borne_out):
            out[u:w] = [b] * (w - u)
    return out


_UNNAMED_WINDOW = 8  # sentences after a clear opening whose evidence says which product it opened
_UNNAMED_LEAST = 0.5  # the least evidence (summed) in that window for the opening to be one item's


def _named(unit: Unit, a: str) -> bool:
    """Whether the unit names A: not faintly (0.02 of a far fuzzy match in 跟非立普不一样), nor as the item the
    product in hand is compared with (比三号便宜九十 says the product in hand is another one)."""
    return unit.scores.get(a, 0.0) >= FAINT and a not in unit.compared


def leave_at_clear_openings(labels: list[str | None], units: list[Unit]) -> list[str | None]:
    """Relabel the rest of A's run from a clear opening (``CLEAR_OPENING``: 下面这根, 最后一个, 再来看一个) after
    which A is never called or named again, as the item with most evidence in the sentences after it (at least
    ``_UNNAMED_LEAST`` and twice the next one's), or as nobody. The host opened something else: whatever it is,
    it is not A, and the decoder kept A only because the new product's words (title words, a mis-heard name)
    were too faint to pay for a switch. When A is named again, but not in the ``_UNNAMED_WINDOW`` sentences
    after the opening, the rest is that item B's if more of its sentences favour B than A (需要的话单独拍八号 sends
    viewers back to A once, inside B's explanation)."""
    out = list(labels)
    n = len(out)
    u = 1
    while u < n:
        a = out[u]
        if a is None or out[u - 1] != a or units[u].opening < CLEAR_OPENING or units[u].scores.get(a, 0.0) > 0:
            u += 1
            continue
        end = stretch_end(out, u)
        window = range(u, min(end + 1, u + _UNNAMED_WINDOW))
        if end - u < 2 or any(_named(units[v], a) for v in window):
            u = end + 1
            continue
        ev: dict[str, float] = {}
        for v in window:
            for sku, w in units[v].scores.items():
                ev[sku] = ev.get(sku, 0.0) + w
        ranked = sorted(ev.items(), key=lambda kv: -kv[1])
        top = ranked[0] if ranked else (None, 0.0)
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        b = top[0] if top[1] >= _UNNAMED_LEAST and top[1] >= 2 * second else None
        if any(_named(units[v], a) for v in range(u, end + 1)):
            # A named again past the window: the rest is B's only when more of its sentences favour B than A.
            more_b = _favour(units, range(u, end + 1), b, a)
            more_a = sum(_named(units[v], a) and units[v].scores.get(a, 0.0) > units[v].scores.get(b, 0.0)
                         for v in range(u, end + 1))
            if b is None or more_b <= more_a:
                u = end + 1
                continue
        out[u:end + 1] = [b] * (end + 1 - u)
        u = end + 1
    return out


def _opening_calls_other(out: list[str | None], units: list[Unit], u: int, end: int) -> tuple[int, str] | None:
    """(o, Y) when the first sentence of X's run (``out[u]``, up to ``end``) that carries evidence, within its
    first two, calls Y and not X, in neither a comparison nor a cross-sell: the host named Y where the run
    opens. None otherwise."""
    x = out[u]
    o = next((v for v in range(u, min(end + 1, u + MENTION_UNITS)) if units[v].scores), None)
    if o is None or units[o].calls(x) or units[o].has("cross"):
        return None
    called = [y for y in units[o].called() if y != x and units[o].calls(y) and y not in units[o].compared]
    return (o, called[0]) if len(called) == 1 else None


def _called_first(unit: Unit, x: str) -> str | None:
    """The one other item the unit calls at full weight, by a hit said before X's first call, and does not
    compare X with; None when there is none or several."""
    first_x = min((h.time for h in unit.hits if h.sku_id == x and h.kind in CALLING), default=None)
    ys = {h.sku_id for h in unit.hits if h.sku_id != x and h.kind in CALLING and first_x is not None
          and h.time < first_x and unit.calls(h.sku_id) and h.sku_id not in unit.compared}
    return ys.pop() if len(ys) == 1 else None


def settle_tied_openings(labels: list[str | None], units: list[Unit]) -> list[str | None]:
    """Relabel the start of X's run as Y when the sentence opening it fits X and Y alike (a category word or an
    alias both share: 看升降桌 of two desks) and the sentences after it, up to where X or Y is called by link
    number or name, favour Y (more of them carry more of Y's evidence than of X's). The decoder took X there
    because X is called later in the same run (房间小的亲，看五号), which pays for no switch; what the host said of
    the first product in between is Y's (双电机的，一点四米: Y's size and title words). And when the sentence or two
    after the opening call Y before X is called, the opening was Y's, up to X's first call. And when the run's
    first sentence with evidence calls Y outright (6号全身式的五点安全带 at the start of the waist belt's run), the
    run is Y's up to where X is called, unless more of the sentences between favour X: two products sharing a
    category word (安全带) were decoded as one run, because the second switch cost more than Y's evidence paid.
    An opening with no word of X at all (看这个艾尔 of two ales, X a wheat beer) is tied between the items it fits."""
    out = list(labels)
    n = len(out)
    u = 0
    while u < n:
        x = out[u]
        end = stretch_end(out, u)
        opening = units[u]
        if x is None or (u > 0 and out[u - 1] == x):
            u = end + 1
            continue
        if opening.calls(x):
            # Two products called together, Y first (七号八号卡砖卡套一起清): the host takes them in the order said.
            # When the sentences after favour Y (at least two, more than X) up to where X is called again, they
            # are Y's explanation, and X's starts at that call.
            y = _called_first(opening, x)
            c = next((v for v in range(u + 1, end + 1) if units[v].calls(x)), end + 1)
            if y is not None and c <= end:
                more_y, more_x = _favour(units, range(u + 1, c), y, x), _favour(units, range(u + 1, c), x, y)
                if more_y >= 2 and more_y > more_x:
                    out[u:c] = [y] * (c - u)
            u = end + 1
            continue
        y_called = _opening_calls_other(out, units, u, end)
        if y_called is not None:
            o, y = y_called
            c = next((v for v in range(o + 1, end + 1) if units[v].calls(x)), end + 1)
            more_y, more_x = _favour(units, range(o + 1, c), y, x), _favour(units, range(o + 1, c), x, y)
            if more_y >= more_x and c <= end:
                out[u:c] = [y] * (c - u)
                u = end + 1
                continue
        rivals = tied_with(opening, x)
        if not rivals and opening.scores.get(x, 0.0) == 0:
            # An opening with no word of X at all (看这个艾尔 of three ales, X not among them): it fits the others.
            rivals = sorted((s for s in opening.scores if s != x), key=lambda s: -opening.scores[s])
        for y in rivals:
            # Up to where either is called: a sentence calling Y on the way (有亲问元正的也有五号) is a comparison
            # inside X's explanation, not Y's talk.
            c = next((v for v in range(u + 1, end + 1) if units[v].calls(x) or units[v].calls(y)), end + 1)
            # The host calls Y in the sentence or two after the tied opening, before X (等一下讲到立体袋 | 三号宝贝是
            # 立体压缩袋): the opening was Y's, and Y's talk runs to where X is first called (要装床垫的可以看十一号).
            # (Not when a sentence in between favours X: 看升降桌 | 一点二米的 | 有人问四号呢 asks about Y inside X's.)
            if (c <= min(end, u + _CALLED_NEXT) and units[c].calls(y) and not units[c].calls(x)
                    and not any(units[v].scores.get(x, 0.0) > units[v].scores.get(y, 0.0) for v in range(u + 1, c))):
                g = next((v for v in range(c + 1, end + 1) if units[v].calls(x)), end + 1)
                out[u:g] = [y] * (g - u)
                break
            more_y, more_x = _favour(units, range(u + 1, c), y, x), _favour(units, range(u + 1, c), x, y)
            if more_y >= 2 and more_y > more_x and not any(units[v].calls(y) for v in range(c, end + 1)):
                out[u:c] = [y] * (c - u)
                break
        u = end + 1
    return out


# An accessory the host goes on to explain after pointing at it (灯泡一定要配个灯罩，就是七号这个 | 铝的，反光 | 外面有一圈
# 防护网 | 灯罩二十二块): this many sentences of its own words at least, between the one that calls it and its price.
_ACCESSORY_TALK = 1


def explain_pointed_items(labels: list[str | None], units: list[Unit]) -> list[str | None]:
    """Inside A's run, an item B called by its link number (in a cross-sell or not) that the host then describes,
    in words only B has, and prices, with A not called again, is B's own explanation from the sentence that
    called it to the end of A's run: a cross-sell points at B in a sentence or two, this talks about it."""
    out = list(labels)
    u, n = 0, len(out)
    while u < n:
        v = stretch_end(out, u)
        a = out[u]
        if a is None:
            u = v + 1
            continue
        for k in range(u + 1, v + 1):
            linked = {h.sku_id for h in units[k].hits if h.kind == "link_no" and h.sku_id != a}
            if len(linked) != 1:
                continue
            b = next(iter(linked))
            after = range(k + 1, v + 1)
            if any(a in units[w].called() for w in after):
                break
            priced = next((w for w in after if own_price(units[w], b) or kind_and_price(units[w], b)), None)
            if priced is None:
                continue
            own_words = [w for w in range(k + 1, priced)
                         if any(h.sku_id == b and h.shared == 1 and h.kind != "price" for h in units[w].hits)]
            if len(own_words) >= _ACCESSORY_TALK and not any(b in units[w].compared for w in after):
                out[k:v + 1] = [b] * (v + 1 - k)
                break
        u = v + 1
    return out


_CALL_TAIL = 2  # tokens a sentence may say after the N号 that ends it (链接)


def call_before_opening(labels: list[str | None], units: list[Unit]) -> list[str | None]:
    """A sentence that ends by calling B (满九十九减十块，一号链接) right before B's run starts (飞利浦的大人款) is where the host
    opened B: relabel it B. The decoder enters B one sentence late when that sentence is a clearer opening than the
    one with the call, and then B's 看点 lacks its link number, and may be too weak to show at all.
    Not when the sentence says anything of A (its own label): it is still A's. Nor when the call does not end the
    sentence (买了马甲的家人加条十七号打底裤 | 打底裤也清一下, 有人问一号还有没有 | 一号我老公又找到一箱): a cross-sell
    or a viewer's question, ending A's explanation or standing between the two."""
    out = list(labels)
    for u in range(len(units) - 1):
        a, b = out[u], out[u + 1]
        if b is None or a == b or b not in units[u].called() or (a is not None and a in units[u].scores):
            continue
        call = max(h.time for h in units[u].hits if h.sku_id == b and h.kind in CALLING)
        # The call ends the sentence (…一号链接): the host turned to B there. 刚才好多姐妹说二号没抢到 goes on after it.
        tail = [t.text for t in units[u].tokens if t.start > call]
        tail = tail[next((k for k, t in enumerate(tail) if not (is_number_token(t) or t == "号")), len(tail)):]
        if len(tail) > _CALL_TAIL:
            continue
        out[u] = b
    return out
