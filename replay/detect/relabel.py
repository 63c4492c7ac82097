"""Relabelling passes after the Viterbi decode (replay.detect.decode): where the best path over units still
reads a short stretch wrongly, because its costs are local.

- ``absorb_asides``: A … B … A, B short and not clearly opened, is an aside inside A's explanation;
- ``hand_back_mentions``: B mentioned at the end of A's explanation, chat, then B called: B starts at the call;
- ``keep_passing_mentions``: B named in passing at the end of A's explanation, and not opened, stays A's;

The passes about where a product is opened inside another's run (take-overs, clear openings, tied openings) are
replay.detect.openings; they run after these.

Each takes the labels (an sku_id or None per unit) and returns new ones; ``past_mention`` is shared with
replay.detect.boundaries (a block's parting words).
"""

from __future__ import annotations

from replay.detect.units import CHAT, Unit

# An item decoded for at most this long between two stretches of another item is an aside inside that one's
# explanation (a viewer asks about 十三号, the host answers and goes on), not an explanation of its own.
ASIDE_S = 20.0
# Sentences of B's stretch comparing the product in hand with A (比五号浓) that show B is in hand, not an aside.
_COMPARED_IN_HAND = 2


def own_price(unit: Unit, sku: str) -> bool:
    """Whether the unit says a price that only ``sku`` has, and names no other item."""
    return (any(h.kind == "price" and h.shared == 1 and h.sku_id == sku for h in unit.hits)
            and not unit.names(other_than=sku))


def kind_and_price(unit: Unit, sku: str) -> bool:
    """Whether the unit describes ``sku`` by a kind word and a price that both fit it, and fits no item better,
    calling none (烤盘四十九米 of three 烤盘 and five items at 49, the 烤盘 in hand among both): each alone is shared,
    together they point back at the product the host was on."""
    kinds = {h.kind for h in unit.hits if h.sku_id == sku}
    own = unit.scores.get(sku, 0.0)
    return ("price" in kinds and bool(kinds & {"category", "category1", "title"}) and not unit.called()
            and own >= max(unit.scores.values()) - 1e-9)


def stretch_end(labels: list[str | None], u: int) -> int:
    """The last unit of the stretch of units labelled as unit u is (u itself when the next one differs)."""
    v = u
    while v + 1 < len(labels) and labels[v + 1] == labels[u]:
        v += 1
    return v


def absorb_asides(labels: list[str | None], units: list[Unit]) -> list[str | None]:
    """Relabel a short stretch of item B between two stretches of item A as A: A … B B … A is a comparison or
    an answer about B inside A's explanation, unless the host clearly opens B there (``Unit.opens_clearly``)
    or shows it (its card or picture on screen)."""
    out = list(labels)
    u, n = 0, len(out)
    while u < n:
        v = stretch_end(out, u)
        item, before = out[u], out[u - 1] if u > 0 else None
        # Or the label before one unit of none, or two of product talk: leaving A for a sentence or two and
        # entering B costs the decoder less than switching, so A, a sentence or two, B … A is the same aside.
        gap = 0
        while before is None and gap < 2 and u - gap - 1 >= 0 and out[u - gap - 1] is None:
            gap += 1
        w = u - gap - 1  # the unit before the none stretch
        # (Not over a closing: 好，今天的碎纸机就讲到这里 | 回顾一下 | 家用看二号四号 sums up after A was closed.)
        bridged = (before is None and w >= 0 and out[w] is not None and (w < 1 or out[w - 1] == out[w])
                   and (gap == 1 or all(units[x].talk >= CHAT for x in range(w + 1, u)))
                   and not any(units[x].closes for x in range(w, u)))
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
            # A's own price said alone (its price or live price, no other item's) recalls it too: 官方两千四百九十八;
            # so does a kind word and a price that fit A together, with nothing of B (烤盘四十九米).
            recalls = [w for w in range(b_first + 1, v + 1)
                       if (units[w].calls(before) or own_price(units[w], before)
                           or (kind_and_price(units[w], before) and item not in units[w].scores))
                       and item not in units[w].called()]
            short = units[v].end - units[u].start <= ASIDE_S
            # The stretch may run on over chat after A's recall (三号还剩一百多件, then 点点关注 until the next
            # product): what must be short is B's part, up to the recall, with nothing of B after it.
            last = recalls[-1] if recalls else None
            short_to_recall = (last is not None and units[last].start - units[u].start <= ASIDE_S
                               and not any(units[w].scores.get(item, 0.0) > 0 for w in range(last + 1, v + 1)))
            # (Not when B's stretch opens by calling B and B is called again after A's recall: 五号是黄皮鼓 …
            # 老药桔五百克九十九 … 黄皮鼓二百五十克: the host went on with B and said A's price in passing.)
            recalled_b = (last is not None and units[b_first].calls(item)
                          and any(units[w].calls(item) for w in range(last + 1, v + 1)))
            # (Nor when B's stretch compares the product in hand with A, twice or more: 旁边的七号是小榨的 | 味道比
            # 五号浓 … 跟五号一样 … 比五号便宜. One does not compare a product with itself: B is in hand, and A's
            # recall (我还是推荐五号) is a comparison's last word.)
            compares_a = sum(before in units[w].compared for w in span) >= _COMPARED_IN_HAND
            # (Nor when the host says B's own price past its first sentence or two, and A is not recalled in B's
            # stretch: 一百二十九，拍两桶更划算 after 好，七号胡姬花 is selling B, not answering a question about it.)
            priced = not recalls and any(own_price(units[w], item) for w in span
                                         if past_mention(units, b_first, w))
            if not compares_a and not priced and ((short and (after == before or (recalls and not recalled_b)))
                                                  or short_to_recall):
                first = w + 1 if bridged else u
                out[first:v + 1] = [before] * (v - first + 1)
            elif (not compares_a and not priced and last is not None and not recalled_b
                  and units[last].start - units[u].start <= ASIDE_S
                  and not any(units[x].calls(item) for x in range(u, last + 1))):
                # B's stretch up to A's last recall is A's when B was not called in it (五斤一箱五十九块九, A's own
                # price, between 不用夹子 and 买核桃的顺手拍个十三号的夹子): B talked of after it is looked at again,
                # from there, as a stretch of its own (an aside between A and A, or where B's explanation starts).
                # (Called, 三号，小黄车第三个就是, B was opened, and A's word after it is B's too: 汤上面一层红油.)
                first = w + 1 if bridged else u
                out[first:last + 1] = [before] * (last + 1 - first)
                u = last + 1
                continue
        u = v + 1
    return out


# A product mentioned at the end of another's explanation and opened clearly this soon after (seconds) was
# not on in between: 买月季的一定要带十号的加仑盆 … 包活 … 顺丰发 … 那我顺便把十号也给大家上了.
_LATE_OPENING_S = 30.0
FAINT = 0.3  # evidence below this (a shared title word, a far fuzzy match) is too faint to mark where B is named
# A mention: an item named in its first sentence or two, within this many seconds (a cue of ASR-style subtitles
# often holds two or three sentences). Shared with boundaries' parting words.
MENTION_UNITS = 2
_MENTION_S = 5.0


def past_mention(units: list[Unit], first: int, u: int) -> bool:
    """Whether unit u lies past a mention that starts at unit ``first`` (beyond its first two units, or 5 s)."""
    return u >= first + MENTION_UNITS or units[u].start - units[first].start >= _MENTION_S


def _item_before(out: list[str | None], units: list[Unit], u: int, max_gap: int) -> tuple[int, str | None]:
    """(first, A): the item A decoded before unit u, and where a run entering at u would take over from it:
    u itself, or, when up to ``max_gap`` units of product talk (talk >= ``CHAT``) decoded as none lie between,
    the first of them. A is None when there is no item there."""
    first, before = u, out[u - 1] if u > 0 else None
    while before is None and first - 1 >= 1 and u - first < max_gap and units[first - 1].talk >= CHAT:
        first -= 1
        before = out[first - 1]
    return (u, None) if before is None else (first, before)


# Chat this long (seconds) between a mention of B and B called again: the host opens B after the chat (拿不准的拍
# 十二号的尝鲜装 | 来，俺喝口水 … 福袋挂上了 | 那俺就说说这个十二号); the mention was not its explanation.
_MENTION_CHAT_S = 8.0


def _chat_lasts(units: list[Unit], f: int, w: int) -> bool:
    """Whether a stretch of chat (talk < ``CHAT``) of at least ``_MENTION_CHAT_S`` lies between units f and w."""
    run_from: float | None = None
    for x in range(f + 1, w):
        if units[x].talk < CHAT:
            run_from = units[x].start if run_from is None else run_from
            if units[x].end - run_from >= _MENTION_CHAT_S:
                return True
        else:
            run_from = None
    return False


def _called_back(units: list[Unit], f: int, w: int, before: str | None, item: str) -> bool:
    """Whether the host went straight back to A (``before``) after a mention of B at unit f, and called A again
    before unit w, past the mention: 四号是蓝山，五号是曼特宁 | 蓝山这个呢… | 拿四号撕开… | 五号曼特宁就重一点. B was named
    alongside A, and A's explanation went on; B's starts where it is called after that. (Not when the sentence
    after the mention names nothing: 它旁边这个七号是折叠的 | 不用的时候一折放包里 is B's explanation, and 还是六号
    四条腿的稳 later a comparison.)"""
    if before is None or f + 1 >= w:
        return False
    nxt = units[f + 1]
    return (nxt.scores.get(before, 0.0) >= max(FAINT, nxt.scores.get(item, 0.0) + 1e-9)
            and any(units[x].calls(before) for x in range(f + 1, w) if past_mention(units, f, x)))


def tied_with(unit: Unit, item: str) -> list[str]:
    """The other items the unit's evidence fits at least as well as ``item``, when it fits ``item`` at all
    (小米的三斤二十七块九 of three items whose titles say 小米; 看升降桌 of two desks)."""
    own = unit.scores.get(item, 0.0)
    return [sku for sku, w in unit.scores.items() if sku != item and w >= own > 0]


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
        # (A clear opening tied between B and another item opens one of them, and says nothing of which.)
        if item is None or item == before or (units[u].opens_clearly and not tied_with(units[u], item)):
            u += 1
            continue
        v = stretch_end(out, u)
        # B's first evidence (not a faint hit, 0.06 of a fuzzy match shared by seven items, in a greeting)
        f = next((w for w in range(u, v + 1) if units[w].scores.get(item, 0.0) >= FAINT), u)
        t0 = units[f].start
        opening = next((w for w in range(f + 1, v + 1) if units[w].start - t0 > _LATE_OPENING_S
                        or (units[w].opens_clearly and units[w].calls(item))
                        or (units[w].calls(item) and (_chat_lasts(units, f, w) or _called_back(units, f, w, before, item)))),
                       None)
        if (opening is not None and units[opening].start - t0 <= _LATE_OPENING_S and not units[f].opens_clearly
                and not any(units[w].visual.get(item, 0.0) > 0 for w in range(u, opening))  # not shown yet
                # (evidence it shares with A, 今天就一百五十棵, is no more B's than A's)
                and not any(units[w].scores.get(item, 0.0) > units[w].scores.get(before, 0.0) if before else
                            units[w].scores.get(item, 0.0) >= FAINT
                            for w in range(f + 1, opening) if past_mention(units, f, w))
                # After chat, with no explanation before it (a prize named in the greeting, then 欢迎欢迎, then
                # the host opens the product), only when chat lies between the mention and the opening: a real
                # explanation that puts the link up a few sentences in is product talk all along.
                and (before is not None or any(units[w].talk < CHAT for w in range(f + 1, opening)))):
            out[first:opening] = [before] * (opening - first)
        u = v + 1
    return out


# A product named in passing at the end of another's explanation is decoded for at most this long (seconds, from
# the first sentence with any of its evidence).
_PASSING_S = 8.0
# ...and the sentence that names it does not sound like an opening (the learned opening probability, see talk):
# 十八号也顺嘴说一下这个月球灯 (0.84) is a short explanation; 十一号中空咖啡杯也可以看 (0.06) a pointer.
_PASSING_OPENING = 0.8


# A mention's run may go on longer than _PASSING_S when nothing past the mention is B's at all (no word, no price
# of it) and it ends within this many seconds: the talk after the mention is A's going on (烤盘四十九米, 今天就五十
# 台，拍了扣已拍), which the decoder gave to B because a switch back to A costs as much as the switch to B.
_UNCONFIRMED_S = 40.0


def _unconfirmed(units: list[Unit], span: range, item: str) -> bool:
    """Whether B's run (``span``) is short enough (``_UNCONFIRMED_S``), no price of B is said, and nothing of
    B is said past its mention: no evidence of any weight, shared or not, past the first sentence or two."""
    u, v = span.start, span.stop - 1
    # (Nor when a price of its is said, even in the mention and one it shares: 沉香粉是十一号，五十克 | 九十九元 and
    # 还有朋友说桌布，十四号，十九块九 sell B, briefly.)
    return (units[v].end - units[u].start <= _UNCONFIRMED_S
            and not any(h.kind == "price" and h.sku_id == item for w in span for h in units[w].hits)
            and not any(units[w].scores.get(item, 0.0) > 0 or units[w].support.get(item, 0.0) > 0
                        for w in span if past_mention(units, u, w)))


def keep_passing_mentions(labels: list[str | None], units: list[Unit]) -> list[str | None]:
    """Relabel a short run of item B that is only a mention as the item A right before it: B came in straight
    from A (or over one sentence decoded as nobody's), the host neither opened it (nor sounded like opening it)
    nor put it on screen, B is named only in the run's first sentence or two (``past_mention``), and within
    ``_PASSING_S`` the run ends on something else, or within ``_UNCONFIRMED_S`` when nothing past the mention is
    B's (``_unconfirmed``). The host pointed at B on the way out of A's explanation (十一号中空咖啡杯也可以看;
    看四号，双孔的四号是五十九，今天不细讲), or in its middle, and went on: a cross-sell, not an explanation of B. The run
    becomes A's up to its first chat line; the chat is nobody's. ``absorb_asides`` takes the same mention when A is
    named again after it."""
    out = list(labels)
    u, n = 1, len(out)
    while u < n:
        item = out[u]
        # Or over one sentence of A's talk decoded as nobody's (冷链只发江浙沪 | 可以磕两个一号的土鸡蛋进去), as in
        # absorb_asides: leaving A for none and entering B costs the decoder less than switching.
        first, before = _item_before(out, units, u, 1)
        v = stretch_end(out, u)
        span = range(u, v + 1)
        named = [w for w in span if units[w].scores.get(item, 0.0) >= FAINT]
        # Timed from B's first word, however faint: a sentence of A's talk before it (天热的时候不发, decoded as B's
        # because B is entered through none) is no part of the mention.
        first_said = next((w for w in span if units[w].scores.get(item, 0.0) > 0), u)
        after = out[v + 1] if v + 1 < n else None
        if (item is not None and before is not None and before != item and named
                and (units[v].end - units[first_said].start <= _PASSING_S or _unconfirmed(units, span, item))
                # Not when B's first sentence names the product the host goes on to as well: 二号跟三号，俺一块儿说
                # introduces the two together.
                and not (after is not None and units[u].scores.get(after, 0.0) >= FAINT)
                and units[u].opening < _PASSING_OPENING
                and not any(units[w].opens_clearly for w in span)
                and not any(units[w].visual.get(item, 0.0) > 0 for w in span)
                and not any(past_mention(units, u, w) for w in named)):
            # A's talk goes on up to chat with the room (檀香粉在十二号 | 我们稍微休息一下): the chat is nobody's, and
            # A's explanation must not take it in.
            cut = next((w for w in span if w > u and units[w].talk < CHAT), v + 1)
            out[first:cut] = [before] * (cut - first)
            out[cut:v + 1] = [None] * (v + 1 - cut)
        u = v + 1
    return out


def keep_shared_words_with_item_on(labels: list[str | None], units: list[Unit]) -> list[str | None]:
    """Relabel the start of B's run as A, the item decoded before it (across up to ``MENTION_UNITS`` units of product
    talk decoded as none), when up to B's first evidence of its own (a hit only B has) the run carries nothing of B
    but words or prices A shares with it: 今天二十九块九包邮 of two flavours at one price, said before 怕辣的拍二号.
    Shared evidence supports whichever item is on (``Unit.support``), and A was on; the decoder entered B early
    because passing through none costs less than a switch. Not when the host opens B clearly there (看这个，也是牛肉干，
    但是是棒棒的: a kind word A shares, in B's opening)."""
    out = list(labels)
    u = 1
    while u < len(out):
        b = out[u]
        if b is None or out[u - 1] == b:
            u += 1
            continue
        first, a = _item_before(out, units, u, MENTION_UNITS)
        end = stretch_end(out, u)
        own = next((v for v in range(u, end + 1)
                    if any(h.sku_id == b and h.shared == 1 for h in units[v].hits)), None)
        if a is not None and a != b and own is not None:
            lead = range(u, own)
            if (any(a in units[v].scores and b in units[v].scores for v in lead)
                    and not any(units[v].opens_clearly for v in lead)):
                out[first:own] = [a] * (own - first)
        u = end + 1
    return out
