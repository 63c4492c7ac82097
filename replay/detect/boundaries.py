"""Boundaries: where each decoded explanation starts and ends, from the structure of the talk.

Between the last evidence of one product (A) and the first evidence of the next (B) lies a gap of units:
the rest of A's explanation (features, price, countdown, stock, shipping, however worded), perhaps chat with
the room that belongs to neither, and perhaps B's opening lines before its name. The split is chosen to
maximise the likelihood of the units under the product-talk model (``Unit.talk``, see talk):

    A's tail: mostly product talk (a chat line may sit inside an explanation)
    between : mostly chat
    B's intro: mostly product talk, and short (each unit costs ``intro_unit_cost``)

so an explanation runs until the next product opens or until a clear stretch of chat, and a single chat
line followed by more talk about the product does not end it. Cues (intro/outro/返场 phrases), long pauses
and sign-offs add small bonuses or hard stops; without any cue list the split still works.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import accumulate

from replay.contracts import VisualEvent
from replay.detect.cues import CLOSING, CueHit
from replay.detect.decode import Run
from replay.detect.relabel import own_price, past_mention
from replay.detect.units import CLEAR_OPENING, NAMED, Unit

# An intro cue this far into its unit still starts the 看点 at the unit (宝宝们看过来, 好接下来).
_LEAD_IN_MAX_S = 2.0


@dataclass(frozen=True, slots=True)
class BoundaryOptions:
    inside_chat: float = 0.15
    """Share of chat lines inside an explanation (chat with the room while a product is on)."""
    inside_chat_run: float = 0.5
    """Factor on ``inside_chat`` for a chat line right after another: one chat line inside an explanation is
    common (a greeting, a thank-you), a stretch of them is the room chat between two explanations."""
    outside_talk: float = 0.1
    """Share of product-like lines in the chat between explanations."""
    intro_unit_cost: float = 0.8
    """Cost (log-likelihood) of each unit an opening takes before the product's first evidence."""
    cue_bonus: float = 2.5
    """Bonus for starting at an intro/返场 cue, or ending at an outro cue."""
    opening_weight: float = 0.7
    """Weight of the learned opening probability's log-odds (see talk) for starting at a unit."""
    opening_floor: float = 0.05
    """Where a start is placed, the opening probability is read within [floor, 1 - floor]: below the floor, every
    sentence is as far from an opening as any other."""
    pause_bonus: float = 1.0
    """Bonus for a boundary at a pause of at least ``long_pause`` seconds (music, a break)."""
    long_pause: float = 2.5
    """A pause this long between units is a likely boundary."""
    lookback: float = 25.0
    """Longest opening (seconds) before a product's first evidence."""
    tail_grace: float = 20.0
    """Seconds after a product's last evidence during which its explanation may run on at no extra cost."""
    tail_decay: float = 0.03
    """Cost per second (log-likelihood) of each unit of an explanation's tail beyond ``tail_grace``: the longer
    the host goes without any evidence of the product, the less likely they are still explaining it."""
    join_gap: float = 2.0
    """Two explanations of the same product this close (seconds) are one: a 返场 needs something else between."""
    min_units: int = 2
    """An explanation holds at least this many units (sentences) of product talk (``Unit.talk`` ≥ 0.5). A single
    sentence that names a product, with no talk about it before or after (a cross-sell by link number at the end
    of another explanation, a stock top-up heard as a link number, a lucky bag holding a product, a last
    recommendation before a break), is a mention: it stays with the explanation it sits in, or with none."""
    anchor_min: float = 0.3
    """Least speech evidence (summed weight) for a unit to be the first or last evidence of an explanation. A
    faint hit (a title word shared by four items, a fuzzy match on half a word) in a greeting or a chat line
    next to the explanation says too little to move its start or end there; it still counts for the decoder."""


@dataclass(slots=True)
class Block:
    sku_id: str
    first: int
    """Unit of the first evidence."""
    last: int
    """Unit of the last evidence."""
    start_unit: int
    end_unit: int
    start: float
    end: float
    start_cue: str | None = None
    end_cue: str | None = None
    mentions: set[str] = field(default_factory=set)
    """Items whose short blocks it took in as mentions (a parting word, a cross-sell: ``absorb_mentions``)."""
    parting: set[str] = field(default_factory=set)
    """Of those, items taken in although their block held enough product talk to stand: a parting word of two
    sentences or more (``_parting_word``)."""


def evidence_span(run: Run, units: list[Unit], anchor_min: float = 0.0) -> tuple[int, int] | None:
    """First and last unit of the run that carry evidence for its item.

    A product card goes up a few seconds *after* the host starts the product and stays up after the host has
    moved on (see fusion): so the screen may move the span's start earlier (the host was already on it when
    the card appeared, though it may not have said the name yet), never its end, which follows speech alone.
    """
    said = [u for u in range(run.first, run.last + 1) if units[u].scores.get(run.sku_id, 0.0) > 0]
    strong = [u for u in said if units[u].scores[run.sku_id] >= anchor_min]
    said = strong or said
    # After its own outro (七号就先说到这里), a word the item shares with others (笔, 路亚) in the host's chat
    # is not the explanation going on: only calling it again (link number, name) is.
    closed = [u for u in said if units[u].has("outro")]
    if closed and not any(run.sku_id in units[u].called() for u in said if u > closed[-1]):
        said = [u for u in said if u <= closed[-1]]
    # Nor is a faint word after a stretch of chat (a title word, 学生, in the lead-in of the next product): a
    # host back on the product says more of it than that. Its own price is more (今天二百六十八一罐 after a
    # greeting): no other item costs that, so the host is back on it, as after a single chat line.
    while (len(said) > 1 and units[said[-1]].scores[run.sku_id] < NAMED and not own_price(units[said[-1]], run.sku_id)
           and _chat_between(units, said[-2], said[-1])):
        said.pop()
    # The same before it: a faint word (克服再解10, heard as 度假) and then chat is not where the host opened it.
    while len(said) > 1 and units[said[0]].scores[run.sku_id] < NAMED and _chat_between(units, said[0], said[1]):
        said.pop(0)
    shown = [u for u in range(run.first, run.last + 1) if units[u].visual.get(run.sku_id, 0.0) > 0]
    if said:
        return min(said[0], shown[0]) if shown else said[0], said[-1]
    return (shown[0], shown[-1]) if shown else None


_CHAT_RUN = 2  # chat lines in a row that are a break in the talk, not a line of chat inside an explanation


def _chat_between(units: list[Unit], a: int, b: int) -> bool:
    """Whether ``_CHAT_RUN`` or more chat lines in a row lie between units a and b."""
    run = 0
    for u in range(a + 1, b):
        run = run + 1 if units[u].talk < 0.5 else 0
        if run >= _CHAT_RUN:
            return True
    return False


def _intro_time(unit: Unit, cue: CueHit | None, sku: str) -> float:
    """Where in a unit the introduction begins: the unit's start, unless a closing cue of the previous
    product (讲到这里) or a long lead-in comes first in the same unit."""
    anchors = [h.time for h in unit.hits if h.sku_id == sku and h.source == "speech"]
    if cue is not None:
        anchors.append(unit.tokens[cue.first].start)
    anchor = min(anchors, default=unit.start)
    ends = [c.last for c in unit.cues if c.kind in CLOSING and unit.tokens[c.last].end <= anchor]
    floor = unit.tokens[min(max(ends) + 1, len(unit.tokens) - 1)].start if ends else unit.start
    return max(floor, min(anchor, max(floor, anchor - _LEAD_IN_MAX_S)))


def _loglik(p: float, other: float) -> float:
    """log P(unit | a stretch where a share ``other`` of the units are of the other kind)."""
    return math.log(max(1e-9, (1 - other) * p + other * (1 - p)))


def _split_gap(units: list[Unit], lo: int, hi: int, prev_sku: str | None, next_sku: str | None,
               o: BoundaryOptions) -> tuple[int, int]:
    """Best (e, s) with lo-1 <= e < s <= hi+1: units lo..e end ``prev_sku``'s explanation, e+1..s-1 are chat,
    s..hi open ``next_sku``'s. Without a previous (next) explanation e (s) is pinned."""
    has_prev = prev_sku is not None
    has_next = next_sku is not None
    n = hi - lo + 1
    last_t = units[lo - 1].end if lo > 0 else 0.0

    def inside(v: int) -> float:
        """Share of chat inside an explanation, for unit v: lower for a chat line after another one."""
        again = units[v].talk < 0.5 and v > 0 and units[v - 1].talk < 0.5
        return o.inside_chat * (o.inside_chat_run if again else 1.0)

    tail = [_loglik(units[lo + k].talk, inside(lo + k))
            - o.tail_decay * max(0.0, units[lo + k].start - last_t - o.tail_grace) for k in range(n)]
    out = [_loglik(1 - units[lo + k].talk, o.outside_talk) for k in range(n)]
    intro = [t - o.intro_unit_cost for t in tail]
    ct, co, ci = ([0.0, *accumulate(xs)] for xs in (tail, out, intro))  # prefix sums
    # An opening never spans a closing cue (讲到这里, 马上给大家上下一个): it starts after the last one.
    last_close = max((v for v in range(lo, hi + 1) if units[v].closes), default=lo - 1)
    # Nor a sentence that calls a third product by its link number or name (带个十六号的卸妆油: a cross-sell
    # ending the previous one). A title word or a fuzzy match (核桃, 蛋白) is often an ingredient in a lead-in.
    last_close = max([last_close, *(v for v in range(lo, hi + 1) if units[v].called() - {next_sku})])
    # Nor a clear opening (最后一个, 下面这根): a product opened there that the catalog could not name is not
    # the next one's opening, which starts at its own (the last one before its evidence) or after it.
    last_open = max((v for v in range(lo, hi + 1) if units[v].opening >= CLEAR_OPENING), default=lo)
    limit_t = units[hi + 1].start - o.lookback if hi + 1 < len(units) else -math.inf
    # The opening's log-odds for each start s (lo..hi+1), clipped: 0.02 against 0.001 (or 0.97 against 0.999) is
    # the model's noise, not a reason to start earlier or later; between sentences that are no opening, the
    # evidence decides.
    starts = range(lo, min(hi + 2, len(units))) if has_next else range(0)
    clipped = [min(1 - o.opening_floor, max(o.opening_floor, units[s].opening)) for s in starts]
    opening_ll = [o.opening_weight * math.log(p / (1 - p)) for p in clipped]
    e_range = range(lo - 1, hi + 1) if has_prev else [lo - 1]
    best, best_es = -math.inf, (lo - 1, hi + 1)
    for e in e_range:
        if e >= lo and (units[e].has("signoff") or units[e].has("teaser")):
            break  # an explanation never runs over the stream's sign-off or a teaser of the next product
        if e - 1 >= max(0, lo - 1) and has_prev and units[e - 1].has("outro"):
            break  # nor past its own outro (讲到这里): the outro is its last unit
        # Nor over a clear opening (最后一个, 下面这根) after its last evidence: the host moved on. Unless it is the
        # sentence right after the one that called the product (一号链接 | 飞利浦的大人款): that opens this one.
        if (e >= lo and has_prev and units[e].opening >= CLEAR_OPENING
                and not (e == lo and prev_sku in units[lo - 1].called() and not units[e].names(prev_sku))):
            break
        bonus_e = 0.0
        if has_prev and e >= lo - 1 >= 0:
            ue = units[e] if e >= 0 else None
            if ue is not None and ue.has("outro"):
                bonus_e += o.cue_bonus
            if e + 1 < len(units) and ue is not None and units[e + 1].tokens[0].pause >= o.long_pause:
                bonus_e += o.pause_bonus
        s_range = range(e + 1, hi + 2) if has_next else [hi + 1]
        for s in s_range:
            if has_next and s <= hi and units[s].start < limit_t:
                continue
            if has_next and (s <= last_close or s < last_open):
                continue
            ll = ct[e - lo + 1] + (co[s - lo] - co[e - lo + 1]) + (ci[n] - ci[s - lo]) + bonus_e
            if has_next and s < len(units):
                us = units[s]
                ll += opening_ll[s - lo]
                if us.opens:
                    ll += o.cue_bonus
                if us.tokens[0].pause >= o.long_pause:
                    ll += o.pause_bonus
            if ll > best:
                best, best_es = ll, (e, s)
    return best_es


def build_blocks(runs: list[Run], units: list[Unit], o: BoundaryOptions = BoundaryOptions()) -> list[Block]:
    spans = [(r, evidence_span(r, units, o.anchor_min)) for r in runs]
    spans = [(r, s) for r, s in spans if s is not None]
    if not spans:
        return []
    ends: list[int] = []
    starts: list[int] = []
    for i in range(len(spans) + 1):
        lo = spans[i - 1][1][1] + 1 if i > 0 else 0
        hi = spans[i][1][0] - 1 if i < len(spans) else len(units) - 1
        e, s = _split_gap(units, lo, hi, spans[i - 1][0].sku_id if i > 0 else None,
                          spans[i][0].sku_id if i < len(spans) else None, o)
        if i > 0:
            ends.append(e)
        if i < len(spans):
            starts.append(s)
    blocks = []
    for (run, (first, last)), su, eu in zip(spans, starts, ends, strict=True):
        scue = next((c for c in units[su].cues if c.kind in ("intro", "return")), None)
        ecue = next((c.phrase for c in units[eu].cues if c.kind == "outro"), None)
        st = _intro_time(units[su], scue, run.sku_id)
        blocks.append(Block(run.sku_id, first, last, su, eu, st, units[eu].end, scue.phrase if scue else None, ecue))
    return resolve_overlaps(blocks, units)


def resolve_overlaps(blocks: list[Block], units: list[Unit]) -> list[Block]:
    """Make 看点 disjoint: where an end runs past the next start, the earlier one ends before that start."""
    blocks.sort(key=lambda b: b.start)
    for prev, nxt in zip(blocks, blocks[1:], strict=False):
        if prev.end > nxt.start:
            cut = max(prev.last, min(prev.end_unit, nxt.start_unit - 1))
            if cut != prev.end_unit:
                prev.end_cue = None
            prev.end_unit = cut
            prev.end = min(units[cut].end, nxt.start)
    return [b for b in blocks if b.end > b.start]


def snap_to_scene_cuts(blocks: list[Block], units: list[Unit], events: tuple[VisualEvent, ...],
                       window_s: float) -> None:
    """A block opened without a spoken cue starts at a scene cut just before its first words, if any.

    The start moves to the first unit that begins at or after the cut, so it still lands on speech.
    """
    cuts = sorted(e.time for e in events if e.kind == "scene_cut")
    for b in blocks:
        if b.start_cue is not None or not cuts:
            continue
        near = [t for t in cuts if b.start - window_s <= t <= b.start]
        if not near:
            continue
        for v in range(b.start_unit, -1, -1):
            if units[v].start < near[0] or any(w > 0 for s, w in units[v].scores.items() if s != b.sku_id):
                break
            b.start_unit, b.start = v, units[v].start


def absorb_mentions(blocks: list[Block], units: list[Unit], o: BoundaryOptions) -> list[Block]:
    """Blocks with fewer than ``o.min_units`` units of product talk are mentions, not explanations: one that
    follows another explanation without a gap is the end of that explanation (买了钢笔的可以带一瓶十九号的墨水;
    扣个七我让后台加库存), any other is dropped (the chat or the talk it sits in keeps its label)."""
    out: list[Block] = []
    for b in blocks:
        # Product talk, not units: a mention followed by 好姐妹们 or 今天不讲 is still one sentence about it. A
        # sentence that calls the item (喜欢的直接去拍三号链接) counts unless the model is sure it is chat
        # (狗粮今天不讲了, 想要的先去十六号看看: a product put off, not explained).
        # Nor a sentence that says the item's own price (外科口罩二十五块九要的赶紧好今天就到这儿了: a price and the
        # sign-off run together, which the model reads as chat): a host prices what they explain.
        talk = sum(1 for u in units[b.start_unit:b.end_unit + 1]
                   if u.talk >= 0.5 or (u.talk >= 0.3 and u.scores.get(b.sku_id, 0.0) >= NAMED)
                   or own_price(u, b.sku_id))
        prev = out[-1] if out else None
        touching = prev is not None and prev.end_unit + 1 >= b.start_unit
        returns = any(x.sku_id == b.sku_id for x in out)  # a short 返场 (三号也还有一点库存) is its own
        if talk >= o.min_units and not (touching and not returns and _parting_word(b, units, talk, o)):
            out.append(b)
            continue
        if touching:
            _run_on(prev, b)  # its evidence (prev.last) stays prev's own
            prev.mentions |= {b.sku_id, *b.mentions}
            if talk >= o.min_units:
                prev.parting.add(b.sku_id)
    return out


# An explanation this short (seconds) that follows another without a gap and ends in chat or a break, with no
# clear opening, is the previous one's parting word about another item (十八号是陶瓷的，喜欢陶瓷的去十八号).
_PARTING_S = 8.0
# Longer (up to this many seconds), it is still a parting word when the other item is named only in its first
# two sentences and the rest is talk that names nothing (要钓椅的兄弟看十二号 / 颜色有白色和深灰 / 库存就八十个 /
# 偏远地区不包邮): a cross-sell or a referral, after which the host went on with the explanation it sits in. Not
# when a later sentence says the item's own price (三号就是单只的饭碗 / 八块八一只缺几个补几个): hosts price what
# they explain, not what they point at on the way out.
_PARTING_TAIL_S = 20.0


def _parting_word(b: Block, units: list[Unit], talk: int, o: BoundaryOptions) -> bool:
    after = units[b.end_unit + 1] if b.end_unit + 1 < len(units) else None
    breaks = after is None or after.talk < 0.5 or after.tokens[0].pause >= o.long_pause
    if units[b.start_unit].opens or not (breaks or after.opens_clearly):
        return False
    # Two sentences in a few seconds, then a break, are a parting word however much the first sounds like an
    # opening (泡茶的朋友，一号是狮峰龙井 | 喜欢龙井的去一号看看 | 休息一下): hosts explain for longer than that. Unless
    # the first sounds like an opening and the second says the item's own price (顺便说一下二十一号 | 九块九包邮单拍也
    # 发): a short explanation. (A priced cross-sell, 玩核桃的十八号刷子必须有 | 十九块九猪鬃的, opens nothing.)
    priced = any(own_price(units[u], b.sku_id) for u in range(b.first + 1, b.end_unit + 1))
    if talk <= o.min_units and b.end - b.start <= _PARTING_S and not (priced and units[b.first].opens_clearly):
        return True
    if units[b.start_unit].opens_clearly:
        return False
    # Not when the next product opens straight after (A, a short B, C is three explanations), nor when its card
    # or picture is on screen (the host put it up to explain it).
    return (breaks and b.end - b.start <= _PARTING_TAIL_S and b.start_unit == b.first
            and not any(units[u].visual.get(b.sku_id, 0.0) > 0 for u in range(b.start_unit, b.end_unit + 1))
            and not any(units[u].scores.get(b.sku_id, 0.0) > 0 for u in range(b.first + 1, b.end_unit + 1)
                        if past_mention(units, b.first, u))
            and not priced)


def _run_on(prev: Block, b: Block) -> None:
    """``prev``'s explanation runs on to where ``b`` ends (b is dropped by the caller)."""
    prev.end_unit, prev.end, prev.end_cue = b.end_unit, max(prev.end, b.end), b.end_cue


def join_same_product(blocks: list[Block], gap: float) -> list[Block]:
    """Join consecutive blocks of one product that (nearly) touch. A run can be split where the host closes a
    product and seems to open something, and the piece after the split keeps the same product: a second 看点 of
    a second or two, right after the first, which no viewer would want."""
    out: list[Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if prev is not None and prev.sku_id == b.sku_id and b.start - prev.end <= gap:
            prev.last = b.last
            _run_on(prev, b)
        else:
            out.append(b)
    return out
