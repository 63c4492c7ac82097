"""Evidence: per unit, which catalog items the host's words point at, and how strongly.

Everything here comes from the catalog, not from phrase lists:
- names: catalog terms (short name, brand+name, aliases, brand, title words, category words) found by folded
  pinyin, so homophones match (replay.detect.names);
- category words said of the product in hand (这个霜, 这瓶水): a one-character category word counts only after
  a demonstrative (replay.detect.names);
- link numbers: any spoken N号 that resolves to an item's ``link_no`` (看3号, 3号的宝贝们, 把3号挂上来), in
  digits, numerals or homophones of 号链接 or of a pointed-at N号 (拍似后), and 第N个链接, 链接N, 购物车第N个,
  看十六 (replay.detect.links);
- an accessory's or consumable's part words (滚刷 of an item titled 洗地机配件) weigh less: they are said of
  the main product;
- spoken prices (元, 块, 米, bare numbers) equal to an item's price or live price: weak, items share prices; both
  of an item's prices in one sentence or two in a row (原价六十九，今天三十九), when no other item is listed at both,
  weigh as its name does;
- spoken sizes and pack counts (四十升, 二百六十毫升, 五双) equal to one in an item's title (40L, 260ml, 5双装):
  weak, like a title word.

Evidence goes to ``Unit.scores``, divided among the items it fits. A category word, brand or alias that several
items share (霜 of two creams, 红茶 listed by two teas) also goes to ``Unit.support`` of each, so it keeps the
current product rather than choosing one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import combinations

from replay.contracts import Catalog, CatalogItem
from replay.detect.cues import CueHit
from replay.detect.links import homophone_links, rehear_dropped_tens, spoken_links
from replay.detect.names import category_hits, combined_names, name_hits, term_index
from replay.detect.units import CALLING, NAMED, Hit, Unit
from replay.lang import (
    catalog_links,
    catalog_prices,
    category_words,
    normalize,
    spoken_numbers,
    wordlist,
)
from replay.lang.numbers import counted_at, spoken_specs, stock_count, title_specs

_RETURN_AFTER_S = 20.0  # an item's stock said this long after it was last called brings it back (a 返场)
_PART_WORDS = frozenset({"alias", "category", "category1", "title", "fuzzy"})  # an accessory's words, not its name
_KIND_WORDS = frozenset({"category", "category1", "title"})  # what kind of thing, not which item
_GIFT_REACH = 4  # tokens between a gift word and the thing given (送一个手动打气筒)
_NTH_REACH = 3  # tokens between 第N个 and a word of item N's own (第八个拌粉酱)
# Shared kinds that support the current item: a category word, a brand, a price or a size several items share.
_SUPPORTING = ("category", "category1", "brand", "alias", "price", "spec")
# A sentence said this soon after another, with no cue opening it, may go on with it: whisper cuts a sentence at
# a breath, and a comparison or a cross-sell runs on into the next sentence.
_CARRY_GAP_S = 1.0
_LEAD_TOKENS = 2  # a hit on one of a unit's first two tokens is what the sentence opens on
_TERM_KINDS = ("full", "name", "alias", "category", "category1", "brand", "title", "model")  # weighed per kind


@dataclass(frozen=True, slots=True)
class EvidenceWeights:
    """How much each kind of evidence counts (a spoken short name weighs 2.5)."""

    full: float = 3.0
    """Brand + short name (认养一头牛纯牛奶)."""
    name: float = 2.5
    """The short name."""
    alias: float = 2.0
    """An alias from the catalog."""
    category: float = 2.0
    """A category word of two or more characters (坚果, 保温杯), derived from the catalog."""
    category1: float = 1.6
    """A one-character category word after a demonstrative (这个霜)."""
    brand: float = 1.5
    """The brand (divided among the items that share it)."""
    title: float = 0.6
    """Another word of the title (divided by the number of sharers to the power 1.5)."""
    model: float = 1.5
    """A Latin word of the title (Ocean4, Paperwhite5, SKG), divided among the items that share it."""
    combined: float = 1.5
    """Shared words of one sentence that together fit one item only: brand + kind (三只松鼠这个坚果 when one item is
    both), or three title words or more in any order (四轮定位加动平衡): together they single it out as a name does."""
    link: float = 2.5
    """A spoken N号 (or N号链接) that resolves to an item's link_no."""
    ordinal: float = 1.25
    """A bare 第N个 ending a sentence or a clause (我们看一下第七个) that resolves to an item's link_no, with no link
    number beside it: usually the cart's Nth link, sometimes the Nth product of the evening (今天第八个), so it
    weighs half a link number."""
    link_homophone: float = 1.5
    """The same heard through homophones (伺候链接 for 四号链接, 拍似后 for 拍四号)."""
    price: float = 3.0
    """A spoken price equal to an item's price or live price, split among the items at that price. Hosts price what
    they explain, again and again, so a price only one item is listed at tells the product in hand more than a
    name (measured on the dev practice sets at 0.6, 1.0, 1.5, 2.0, 3.0, 4.0 and 6.0: best at 3.0-4.0)."""
    price_pair: float = 2.5
    """An item's price and live price both said in one sentence or two in a row (原价八十九，今天五十九), no other item
    listed at both: as telling as its name or link number, though each price alone is shared (1.5 and 2.5 were
    measured on the dev practice sets; 2.5 and 3.5 did equally well and better than 1.5)."""
    spec: float = 0.6
    """A spoken size or pack count equal to one written in an item's title (四十升 for 40L, 五双 for 5双装),
    split among the items whose titles have it."""
    support: float = 0.5
    """Fraction of a shared category word's, brand's, price's or size's weight that supports each item sharing it."""
    chat_floor: float = 0.4
    """Evidence in a unit that is surely chat (talk probability 0) keeps this share of its weight: a product
    named in passing (福袋里是一个抓夹, 恭喜中了一袋锅包肉) says less than one named in product talk."""
    reference: float = 0.3
    """Share of its weight that evidence keeps right after a comparison word (跟二号不一样, 比一号便宜:
    replay/wordlists/reference_markers.txt): the host compares, the other product is not opened. A kind word
    right after a content word keeps it too (里面有砖茶: content_markers.txt): an ingredient, not a product."""
    announce: float = 0.3
    """Share of its weight that a product named *before* a future marker keeps (二号还有个更甜的，一会儿给你们讲;
    二十一号那条裙子待会儿讲): the host announces it for later, the explanation in hand goes on."""
    cross: float = 0.3
    """Share of its weight that evidence keeps in a unit with a cross-mention cue (买了X的可以再加一个Y):
    such a unit names two products and is not where either is explained."""
    listing: float = 0.3
    """Share of its weight that evidence keeps in a unit naming ``listing_items`` or more products (礼盒里有核桃、
    巴旦木、开心果、夏威夷果): a list of contents or a menu of the shop, not the opening of any one of them."""
    gift: float = 0.3
    """Share of its weight that a kind word (category, title word) keeps right after a gift word (送手动打气筒,
    replay/wordlists/gift_markers.txt): a freebie with the product in hand, not another product explained."""
    accessory: float = 0.4
    """Share of its weight that an accessory's or consumable's part word keeps (滚刷, 尘袋 of an item titled
    替换…, 配件, 耗材: replay/wordlists/accessory_markers.txt): the host says them explaining the main product."""
    listing_items: int = 3
    """How many products a unit names before it counts as a list."""






def _after_reference(tokens: list[str], i: int) -> bool:
    """Whether token i comes right after a comparison word (跟二号, 比一号, 和刚才的), within two tokens."""
    markers = wordlist("reference_markers")
    before = "".join(tokens[max(0, i - 3):i])
    # (Not 比如六号, 同样五号: replay/wordlists/reference_lookalikes.txt.)
    if any(before.endswith(w) for w in wordlist("reference_lookalikes")):
        return False
    if any(before.endswith(m) or before[:-1].endswith(m) for m in markers if before):
        return True
    # Past a 刚才, 前面 or 那个 (跟刚才九号比, 和前面的三号): replay/wordlists/reference_fillers.txt.
    before = "".join(tokens[max(0, i - 6):i]).removesuffix("的")
    filler = next((f for f in wordlist("reference_fillers") if before.endswith(f)), None)
    if filler is None:
        return False
    before = before[:-len(filler)]
    return any(before.endswith(m) for m in markers if before)


_CONTENT_REACH = 4  # characters between a content word and the ingredient it names (里面有牛奶，有砖茶)


def _after_content(tokens: list[str], i: int) -> bool:
    """Whether token i comes shortly after a content word (里面有砖茶, 含有蜂蜜: replay/wordlists/content_markers.txt)."""
    before = "".join(tokens[max(0, i - _CONTENT_REACH - 3):i])
    return any(m in before[-(len(m) + _CONTENT_REACH):] for m in wordlist("content_markers"))


def _after_gift(tokens: list[str], i: int) -> bool:
    """Whether token i comes within ``_GIFT_REACH`` tokens after a gift word (送一个手动打气筒, 赠两双袜子)."""
    markers = wordlist("gift_markers")
    # On the joined text: tokens are often single characters (福, 袋), and a marker may be a word (福袋).
    before = "".join(tokens[max(0, i - _GIFT_REACH):i])
    return any(m in before for m in markers)


def _after_negation(tokens: list[str], i: int) -> bool:
    """Whether token i comes right after a word that says a thing is not needed or not there (不用夹子, 没有支架:
    replay/wordlists/negation_markers.txt)."""
    before = "".join(tokens[max(0, i - 3):i])
    return any(before.endswith(m) for m in wordlist("negation_markers"))


def _before_degree(tokens: list[str], last: int) -> bool:
    """Whether the evidence ending at token ``last`` is followed by a degree word of comparison (没有七号那么聚拢:
    replay/wordlists/degree_markers.txt): the item is what the product in hand is measured against."""
    after = "".join(tokens[last + 1:last + 3])
    return any(after.startswith(m) for m in wordlist("degree_markers"))


def _before_distal(tokens: list[str], last: int) -> bool:
    """Whether the evidence ending at token ``last`` is followed by a distal demonstrative with a measure word
    (二号那个是尝鲜装, 六号那款更甜, 一号那瓶是薰衣草香的): the host points away from the product in hand, at
    another one it is compared with; 这个 would point at the one in hand."""
    nxt = tokens[last + 1:last + 3]
    # Only when the sentence goes on to say something of it: 缓释肥三二零那款 at the end of a sentence is the
    # product in hand being named ("the 320 one"), not another one pointed at.
    # (Nor when only an erhua 儿 or a modal particle follows: 得，先瞧二号那串儿 opens item 2: sentence_final.txt.)
    final = wordlist("sentence_final")
    return (len(nxt) == 2 and nxt[0] == "那" and nxt[1] in wordlist("classifiers")
            and any(t not in final for t in tokens[last + 3:]))


def _discount(h: Hit, toks: list[str], i: int, after_reference: bool, pointed: set[str], accessories: set[str],
              weights: EvidenceWeights) -> float:
    """The share of its weight a hit starting at token i keeps: after a comparison word (``after_reference``, as
    ``_after_reference`` tells) or for a product pointed away at (``reference``), a kind word after a gift word
    (``gift``), a content word or a negation (``reference``), an accessory's part word (``accessory``)."""
    f = 1.0
    if h.sku_id in pointed or after_reference:
        f *= weights.reference
    if h.kind in _KIND_WORDS and _after_gift(toks, i):
        f *= weights.gift
    if h.kind in _KIND_WORDS and (_after_content(toks, i) or _after_negation(toks, i)):
        f *= weights.reference
    if h.sku_id in accessories and h.kind in _PART_WORDS:
        f *= weights.accessory
    return f


def _goes_on(prev: Unit, u: Unit) -> bool:
    """Whether unit u is said straight after ``prev`` (within ``_CARRY_GAP_S``) and no cue opens it."""
    return u.start - prev.end <= _CARRY_GAP_S and not u.opens


def _opening_items(hits: Iterable[Hit], starts: dict[float, int]) -> set[str]:
    """The items of the hits on a unit's first ``_LEAD_TOKENS`` tokens (``starts``: token index by start time)."""
    return {h.sku_id for h in hits if starts.get(h.time, 0) < _LEAD_TOKENS}


def accessory_items(catalog: Catalog) -> set[str]:
    """Items that are accessories or consumables of another product: their title has a marker word
    (replay/wordlists/accessory_markers.txt: 替换, 配件, 耗材), or their category has one and their title names
    another item's kind."""
    markers = wordlist("accessory_markers")
    marked = [i for i in catalog.items if any(m in i.title or m in (i.category or "") for m in markers)]
    # ...of another product in the room: its title names another item's kind (洗地机专用清洁液 beside the 洗地机,
    # 投影仪吊架 beside the 投影仪). A category of its own that says 配件 (五金配件, 办公配件) does not make 角阀
    # or 升降桌脚踏 part of anything: they are products explained in their own right.
    kinds = [(j.sku_id, category_words(j)) for j in catalog.items if j not in marked]

    def names_another(item: CatalogItem) -> bool:
        title = normalize(item.title)
        return any(w in title for sku, words in kinds if sku != item.sku_id for w in words)

    return {i.sku_id for i in marked if any(m in i.title for m in markers) or names_another(i)}


def add_evidence(units: list[Unit], catalog: Catalog, weights: EvidenceWeights = EvidenceWeights()) -> None:
    """Fill each unit's hits, scores and support from the catalog."""
    idx = term_index(catalog, {k: getattr(weights, k) for k in _TERM_KINDS})
    accessories = accessory_items(catalog)
    links = catalog_links(catalog)
    titles = {i.sku_id: normalize(i.title) for i in catalog.items}
    prices = catalog_prices(catalog)
    # Each item's (live price, price) pair, where no other item is listed at both.
    price_pairs = {i.sku_id: tuple(sorted((round(i.price, 2), round(i.live_price, 2)))) for i in catalog.items
                   if i.price is not None and i.live_price is not None and i.price != i.live_price}
    listed = Counter(price_pairs.values())
    pairs = {tuple(f"{p:g}" for p in pair): sku for sku, pair in price_pairs.items() if listed[pair] == 1}
    specs: dict[tuple[float, str], set[str]] = defaultdict(set)
    for item in catalog.items:
        for spec in title_specs(item.title):
            specs[spec].add(item.sku_id)
    compared: set[str] = set()  # items the previous unit compared the product in hand with (跟一号不一样)
    last_called: dict[str, float] = {}  # when each item was last called by link number or name
    prev: Unit | None = None
    last_prices: set[str] = set()  # the prices said in the unit before
    for u in units:
        toks = [t.text for t in u.tokens]
        nums = spoken_numbers(toks, frozenset(k for k, t in enumerate(u.tokens) if t.clause_end))
        hits: list[Hit] = []
        ends: list[int] = []  # the token each hit ends on
        covered: set[int] = set()  # tokens inside a name or word found
        spans: dict[str, tuple[int, int]] = {}  # each shared word found, by its text: its first and last token
        named_spans: list[tuple[int, int]] = []
        for ti, s, e, w, exact in name_hits(u, idx):
            covered.update(range(s, e + 1))
            named_spans.append((s, e))
            term = idx.terms[ti]
            if exact:
                spans[term.text] = (s, e)
            kind = term.kind if exact else "fuzzy"
            kind = "name" if kind == "full" else kind
            hits.append(Hit(kind, term.text, term.sku_id, w, u.tokens[s].start, term.shared))
            ends.append(e)
        # A cue phrase that starts inside a name and runs on past it is no cue: 维一达这款 (伟易达, heard) holds 达这,
        # which sounds like the cross-sell cue 搭着.
        u.cues = [c for c in u.cues if not any(s < c.first <= e < c.last for s, e in named_spans)]
        said_at: dict[tuple[str, str], int] = {}  # the token of each one-token kind word, by its text and item
        for term, i in category_hits(u, idx):
            if i in covered:
                continue  # 煲 of 这个电饭煲 is the word 电饭煲 already found: one word, one mention
            # A word said twice over (圈圈, 罐罐) is one word, one mention.
            if said_at.get((term.text, term.sku_id)) == i - 1:
                continue
            said_at[term.text, term.sku_id] = i
            hits.append(Hit("category", term.text, term.sku_id, term.weight, u.tokens[i].start, term.shared))
            ends.append(i)
            spans[term.text] = (i, i)
        for sku, said, at, last in combined_names(hits, spans):
            hits.append(Hit("combined", "+".join(said), sku, weights.combined, at))
            ends.append(last)
        # A homophone reading that covers more of the number wins over the plain digits inside it (食5号链接 is
        # 十五号链接, not 5号链接).
        # Not a 号 inside a catalog word (尾号 of phone numbers, 印号 in a title): the word was said, not a number.
        heard = {h: (no, sku) for no, sku, h in homophone_links(u, links) if h not in covered}
        said = spoken_links(toks, nums, links, titles, prices)
        # A bare 第N个 beside a link number is the evening's Nth product, not link N: 第一个，看五号.
        numbered = any(not bare for *_x, bare in said) or bool(heard)
        for no, sku, i, h, bare in said:
            if h in heard or (bare and numbered):
                continue
            hits.append(Hit("link_no", f"{no}号", sku, weights.ordinal if bare else weights.link, u.tokens[i].start))
            ends.append(h)
        # 第八个拌粉酱: a 第N个 before a word of item N's own names item N as the cart's Nth link does (not when a
        # link number is said beside it, as for a bare 第N个).
        starts = {t.start: k for k, t in enumerate(u.tokens)}  # a hit's token, by its time
        for num in nums:
            sku = links.get(int(num.value)) if num.kind == "nth" and not numbered else None
            if sku is not None and any(h.sku_id == sku and num.last < starts.get(h.time, -1) <= num.last + _NTH_REACH
                                       for h in hits if h.kind != "price"):
                hits.append(Hit("link_no", f"{int(num.value)}号", sku, weights.ordinal, u.tokens[num.first].start))
                ends.append(num.last)
        for j, (no, sku) in heard.items():
            hits.append(Hit("link_no", f"{no}号链接", sku, weights.link_homophone, u.tokens[j].start))
            ends.append(j + 2)
        for num in nums:
            if num.kind not in ("price", "plain", "bare"):
                continue
            # A number said without a money unit is a price only when no measure word counts it: 十五个足球 is
            # fifteen balls, 十二期 twelve instalments, whatever the items cost.
            if num.kind != "price" and counted_at(toks, num.last + 1):
                continue
            # Nor is a one or a two without a money unit: 一 and 两 are articles and counts in every other
            # sentence (先说一句, 高一档, 一克一千多), so a one-yuan item (a 1元拍下 service link) would collect
            # price evidence from all the talk around it.
            if num.kind != "price" and num.value <= 2:
                continue
            skus = prices.get(round(num.value, 2), frozenset())
            for sku in skus:  # a price shared by many items says little
                hits.append(Hit("price", f"{num.value:g}", sku, weights.price / len(skus), u.tokens[num.first].start,
                                len(skus)))
                ends.append(num.last)
        # Both of an item's prices in one sentence (八十九的，今天五十九) single it out when no other item is listed at
        # both: each price alone is shared (six items at 89, five at 59), the pair is this item's.
        said = {h.text: (h.time, e) for h, e in zip(hits, ends, strict=True) if h.kind == "price"}
        # (Or one of them in the sentence before, 原价二百九十九 | 今天一百九十九: whisper cuts there. Timed and ended
        # at this sentence's start.)
        at = {**dict.fromkeys(last_prices - said.keys(), (u.tokens[0].start, 0)), **said}
        last_prices = set(said)
        for pair in combinations(sorted(at, key=float), 2):
            if (sku := pairs.get(pair)) is not None and not said.keys().isdisjoint(pair):
                (t_low, e_low), (t_high, e_high) = at[pair[0]], at[pair[1]]
                hits.append(Hit("price", f"{pair[1]}/{pair[0]}", sku, weights.price_pair, min(t_low, t_high)))
                ends.append(max(e_low, e_high))
        for value, unit, first, last in spoken_specs(toks, nums):
            skus = specs.get((value, unit), set())
            for sku in sorted(skus):
                hits.append(Hit("spec", f"{value:g}{unit}", sku, weights.spec / len(skus), u.tokens[first].start,
                                len(skus)))
                ends.append(last)
        pointed = {h.sku_id for h, e in zip(hits, ends, strict=True) if _before_distal(toks, e)}
        # A comparison goes on into the next sentence said straight after, when that sentence is about the item
        # compared with (跟一号不一样。一号是蒜香的): it is still not the one explained, unless the host opens it
        # (cue) or pauses first. (跟三号比低一点。我还是推荐三号 recommends it: not a comparison any more.)
        if prev is not None and _goes_on(prev, u):
            pointed |= compared & _opening_items(hits, starts)
        after_ref = [_after_reference(toks, starts.get(h.time, 0)) or _before_degree(toks, e)
                     for h, e in zip(hits, ends, strict=True)]
        compared = {h.sku_id for h, ref in zip(hits, after_ref, strict=True) if ref}
        prev = u
        # The items the host compares the product in hand with (比五号浓), for the decoder: only items called by
        # number or name (比很多料酒还便宜 compares with a kind of goods), and not one whose price the sentence says.
        u.compared = ({h.sku_id for h, ref in zip(hits, after_ref, strict=True)
                       if ref and h.kind in CALLING and h.shared == 1}
                      - {h.sku_id for h in hits if h.kind == "price"})
        # Once a sentence points at another product (一号那个是薰衣草香的), the rest of it is about that one too
        # (喜欢香味的拍一号): every hit of the product pointed at keeps the reference weight.
        hits = [replace(h, weight=h.weight * _discount(h, toks, starts.get(h.time, 0), ref, pointed, accessories,
                                                       weights))
                for h, ref in zip(hits, after_ref, strict=True)]
        named = {h.sku_id for h in hits if h.kind != "price" and h.shared == 1 and h.weight >= NAMED}
        if len(named) >= weights.listing_items:
            hits = [replace(h, weight=h.weight * weights.listing) for h in hits]
        u.hits = hits
        # A product called in a sentence that tells its stock (三号核桃还剩最后八十单, 一号卖完了我再加一百单) is being
        # topped up: the host brings it back (a 返场), however the words go, and does not compare with it.
        # Not while it is being talked about: then the stock is part of its explanation (拍十九 … 十九号库存只有八十箱).
        count = stock_count(toks, nums)
        called = u.called()
        # Only an item called before comes back: a stock said with an item not called yet (再送一个火花塞 | 一把备用
        # 刀片库存三十台, run into one sentence by the ASR) is the stock of the product being explained.
        if count is not None and called and not u.opens and all(
                s in last_called and u.start - last_called[s] > _RETURN_AFTER_S for s in called):
            u.cues = [*u.cues, CueHit("return", "".join(toks[count[0]:count[1] + 1]), *count)]
        for sku in called:
            last_called[sku] = u.end
        for h in hits:
            u.scores[h.sku_id] = u.scores.get(h.sku_id, 0.0) + h.weight
            if h.shared > 1 and h.kind in _SUPPORTING:
                u.support[h.sku_id] = u.support.get(h.sku_id, 0.0) + h.weight * h.shared * weights.support
    rehear_dropped_tens(units, links)


def reweigh(units: list[Unit], weights: EvidenceWeights = EvidenceWeights()) -> None:
    """Scale each unit's speech evidence by how much the unit is product talk (``Unit.talk``, see talk) and
    down in a cross-mention (买了X的再加个Y) or before a future marker (二号一会儿给你们讲). Runs after the talk
    model, which reads the evidence to abstract names away."""
    for prev, u in zip([None, *units], units, strict=False):
        f = weights.chat_floor + (1 - weights.chat_floor) * u.talk
        if u.has("cross"):
            f *= weights.cross
        # A cross-mention cue whose sentence names nothing goes on into the next one said straight after it,
        # when that one opens on a product (不想再配眼镜的 | 十七号有夹片: whisper cut the sentence at a breath).
        # And one that names the product it suggests goes on into the next sentence that opens on that product
        # again (买了机器的一定加一个七号的纸 | 七号三卷才十九块九): still the cross-sell, not its explanation.
        carried = prev is not None and _goes_on(prev, u) and prev.has("cross") and not u.has("cross")
        later = [c.first for c in u.cues if c.kind == "future"]
        starts = {t.start: k for k, t in enumerate(u.tokens)}
        lead = _opening_items((h for h in u.hits if h.source == "speech" and h.kind not in ("price", "spec")),
                              starts) if carried else set()
        if lead and prev is not None and prev.scores:
            # (A price names nothing: 两盒一起拍，券后一百二十九 | 一号链接 is no cross-sell going on.)
            lead &= {h.sku_id for h in prev.hits if h.source == "speech" and h.kind not in ("price", "spec")}
        if f >= 0.999 and not later and not lead:
            continue
        u.hits = [replace(h, weight=h.weight * f * (
            weights.announce if any(first > starts.get(h.time, 0) for first in later) else 1.0)
            * (weights.cross if h.sku_id in lead else 1.0))
            if h.source == "speech" else h for h in u.hits]
        u.scores, u.support = {}, {k: v * f for k, v in u.support.items()}
        for h in u.hits:
            if h.source == "speech":
                u.scores[h.sku_id] = u.scores.get(h.sku_id, 0.0) + h.weight
