"""Catalog terms: every name a host (or a product card) may use for an item, derived from the catalog alone.

- names: the short name, brand + short name, aliases (what hosts say when they name the product);
- brand: shared by a shop's items, so it hints rather than names;
- title words: the title's own words (jieba), minus generic shop words and pack/size fragments;
- model words: the title's Latin words (Ocean4, Paperwhite5, Leaf3C, a brand written in Latin): said as written,
  they often name the item on their own (Latin words many products share, USB or Pro, are not model words);
- category words: the head noun of the title, the short name or the ``category`` field (坚果 of 三只松鼠每日
  坚果, 霜 of 舒敏保湿特护霜), which hosts use instead of the name (这个霜, 这瓶水). A one-character
  category word only counts after a demonstrative and a measure word (see ``replay.lang.wordlists``
  ``classifiers``), because a lone character is found everywhere in speech.

A term said for several items (two creams share 霜) is kept once per item with ``shared`` set, so that the
detector can let it support whichever of them is already being explained instead of choosing between them.
No word list names a product: everything here comes from the catalog's own fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from replay.contracts import Catalog, CatalogItem
from replay.lang.numbers import NUMERAL_CHARS
from replay.lang.text import is_han, normalize, tokenize
from replay.lang.wordlists import wordlist

# Base weights: a brand+product name or short name identifies an item; a category word identifies it when
# no other item shares it; a brand or a title word only hints. Shared terms are divided among the sharers.
KIND_WEIGHT = {"full": 3.0, "name": 2.5, "alias": 2.0, "category": 2.0, "category1": 1.6, "title": 0.6,
               "brand": 1.5, "model": 1.5}
_UNIT_WORD = re.compile(r"^[\d.×x*+%-]+(g|kg|ml|l|米|毫升|克|千克|斤|袋|盒|瓶|片|颗|包|支|条|件|只|个|cm|mm|mah|毫安|w)?$")


@dataclass(frozen=True, slots=True)
class MatchTerm:
    """One name a host may say for an item. ``weight`` already accounts for items sharing the term."""

    sku_id: str
    text: str
    tokens: tuple[str, ...]
    kind: str
    """full (brand+short name), name (short name), alias, brand, title (a title word), model (a Latin word of
    the title), category (a head noun of two or more characters), category1 (a one-character head noun: needs a
    demonstrative before it)."""
    weight: float
    shared: int = 1
    """How many catalog items have this term."""


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """jieba's words of a normalised text (jieba is quiet: it logs its dictionary loading at INFO)."""
    import jieba

    jieba.setLogLevel(60)
    return tuple(w for w in jieba.lcut(normalize(text)) if w.strip())


def _is_word(w: str, prev: str = "") -> bool:
    """A Han word that can name something: not generic shop talk, not a size or pack fragment.

    jieba cuts 24颗装 into 24 + 颗装 and 1.8米床 into 1.8 + 米床: a word right after a number, or one made of
    pack characters only, is a fragment of a size, while 大米 and 面包 are names.
    """
    pack = set(wordlist("pack_chars"))
    fragment = bool(re.fullmatch(r"[\d.]+", prev)) or all(c in pack for c in w[:2])
    return (any(is_han(c) for c in w) and w not in wordlist("generic_title_words") and not _UNIT_WORD.match(w)
            and not fragment)


def title_words(item: CatalogItem) -> list[str]:
    """The title's words of two or more characters, but not the brand's. Words of the item's own name count too:
    a host who says only 植绒 of 烫金植绒春联 points at it as much as at another item titled 立体植绒福字 (a name
    said whole is one mention: evidence counts an item once per stretch of text)."""
    brand = title_brand(item)
    out = []
    # Each space-separated part on its own: joined, jieba reads 家庭装 机洗手洗 去渍 as 家庭/装机/洗手/洗去.
    for part in item.title.split():
        ws = words(part)
        for k, w in enumerate(ws):
            if len(w) >= 2 and _is_word(w, ws[k - 1] if k else "") and w not in brand:
                out.append(w)
        out += _single_runs(ws, brand)
    return out


_GLUE_POS = ("u", "p", "r", "c", "y", "e", "o", "m", "q")  # particles, pronouns, numerals, measure words…


def _single_runs(ws: tuple[str, ...], brand: str) -> list[str]:
    """Runs of two or more one-character words: jieba cuts a word it does not know into characters (球釜 of
    电饭煲球釜 comes out 球 + 釜), and a shop's own product word is often one it does not know."""
    out, run = [], ""
    for w in (*ws, ""):
        if len(w) == 1 and is_han(w) and w not in NUMERAL_CHARS and not _pos(w).startswith(_GLUE_POS):
            run += w
            continue
        if len(run) >= 2 and _is_word(run) and run not in brand:
            out.append(run)
        run = ""
    return out


_LATIN_WORD = re.compile(r"[a-z][a-z0-9.]*[a-z0-9]|[0-9.]+[a-z][a-z0-9.]*")
_LETTER_STEM = re.compile(r"^([a-z]{4,})\d")


def model_words(item: CatalogItem) -> list[str]:
    """The title's Latin words of three characters or more that are not generic (USB, Pro: replay/wordlists/
    generic_latin_words.txt) nor a size (500ml), with the letters of a model number (ocean of Ocean4, said
    alone for the line; two items sharing it divide its weight). A brand written in Latin counts too:
    hosts say SKG or Kindle the way they would say a name."""
    generic = set(wordlist("generic_latin_words"))
    out: list[str] = []
    for part in item.title.split():
        for w in words(part):
            # A generic word with a number is a rating or a version, not a model: SPF50, IPX7, USB3, Pro2.
            rating = re.fullmatch(r"([a-z]+)[\d.]+", w)
            if (len(w) < 3 or not _LATIN_WORD.fullmatch(w) or w in generic or _UNIT_WORD.match(w)
                    or (rating and rating.group(1) in generic)):
                continue
            out.append(w)
            stem = _LETTER_STEM.match(w)
            if stem and stem.group(1) not in generic:
                out.append(stem.group(1))
    return list(dict.fromkeys(out))


# jieba part-of-speech flags of characters that cannot head a noun phrase (particles, pronouns, adverbs…).
_FUNCTION_POS = ("u", "p", "r", "d", "c", "y", "e", "o", "m", "f", "t", "a", "nr", "ns")


@lru_cache(maxsize=4096)
def _pos(ch: str) -> str:
    import jieba.posseg

    return next((f for _w, f in jieba.posseg.lcut(ch)), "x")


def _heads(text: str, brand: str) -> list[str]:
    """The head noun of a name and its one-character head: 保温杯 and 杯; 特护霜 and 霜 (jieba's 特护+霜);
    面霜 and 霜; 蚬子 alone (子 is a suffix); 口红 alone (红 is an adjective, not a thing)."""
    ws = list(words(text))
    suffixes = set(wordlist("noun_suffixes"))
    for k in range(len(ws) - 1, -1, -1):
        w, prev = ws[k], ws[k - 1] if k else ""
        # A numeral is a model number or a size, never what the thing is (K二十 of 凯迪仕K20: not 二十).
        # (A character of the brand is the brand's only where the brand is written: 伞 of 天堂全自动伞 is the thing,
        # though the brand is 天堂伞; 菊 of 榄菊 is the brand's.)
        if (not all(is_han(c) for c in w) or (w in brand and (len(w) > 1 or brand in text))
                or re.fullmatch(r"[\d.]+", prev)
                or set(w) <= NUMERAL_CHARS):
            continue
        if len(w) == 1 and w in set(wordlist("pack_chars")) | set(wordlist("classifiers")) and w not in suffixes:
            continue
        if len(w) > 1 and not _is_word(w, prev):
            continue
        # jieba splits compounds into modifier + head character (特护+霜, 破壁+机, 蚬+子): join them again.
        if len(w) == 1 and prev and all(is_han(c) for c in prev) and prev not in brand:
            w = prev + w
        if len(w) == 1:
            return [w] if w not in suffixes and not _pos(w).startswith(_FUNCTION_POS) else []
        last = w[-1]
        single = last not in suffixes and not _pos(last).startswith(_FUNCTION_POS) and (
            len(w) >= 3 or _pos(last).startswith("n"))
        return [w, last] if single else [w]
    return []


_NOUN_POS = ("n", "nz", "ng")  # jieba flags of common nouns (not nr/ns/nt: people, places, organisations)


@lru_cache(maxsize=4096)
def title_nouns(title: str, brand: str) -> tuple[str, ...]:
    """The product nouns of a run-together title and their one-character heads (登山鞋 and 鞋, 冲锋衣 and 衣),
    in title order. A title names the product with compounds of three or more characters (登山鞋, 徒步鞋,
    纸尿裤) and lists features and places with two-character words (抓绒, 内胆, 户外, 秋冬), so only the
    compounds count; a title without one falls back to its last head noun (see category_words)."""
    import jieba.posseg

    toks = [(w, f) for w, f in jieba.posseg.lcut(normalize(title)) if w.strip()]
    skip = set(wordlist("pack_chars")) | set(wordlist("classifiers")) | set(wordlist("noun_suffixes"))
    qualifiers = set(wordlist("title_qualifiers"))
    nouns: list[str] = []
    for k, (w, flag) in enumerate(toks):
        prev, prev_flag = toks[k - 1] if k else ("", "")
        if not all(is_han(c) for c in w) or w in brand or flag not in _NOUN_POS or re.fullmatch(r"[\d.]+", prev):
            continue
        if len(w) == 1:
            # jieba cuts compounds into modifier + head (越野跑+鞋, 猫+粮): join them again; after a noun of
            # its own (皇家+猫) the character starts something else.
            if (w not in skip | qualifiers and prev and all(is_han(c) for c in prev) and prev not in brand
                    and (len(prev) == 1 or not prev_flag.startswith("n"))):
                nouns.append(prev + w)
        elif _is_word(w, prev):
            nouns.append(w)
    out: list[str] = []
    for w in nouns:
        if len(w) >= 3:
            out += _heads(w, brand)
    return tuple(w for w in out if w not in qualifiers)


def category_words(item: CatalogItem) -> list[str]:
    """Head nouns a host may use instead of the name: 坚果, 保温杯 and its 杯, 霜 of 特护霜."""
    brand = title_brand(item)
    out: list[str] = []
    for src in (item.short_name or "", *item.aliases, item.category or ""):
        out += _heads(src, brand)
    if item.category and 2 <= len(normalize(item.category)) <= 6:
        out.append(normalize(item.category))
    # The title's first part that is more than a brand names the product (美的 空气炸锅 …: 空气炸锅); later
    # parts are specs and selling points (不锈钢, 家用加热).
    parts = item.title.split()
    if len(parts) == 1 and not (item.short_name or item.aliases or item.category):
        # A title run together with nothing else to go on (骆驼登山鞋男防水防滑中帮徒步鞋户外): its last noun is
        # as likely a selling point (户外, 秋冬) as the product, so its product compounds are what hosts call it
        # (登山鞋, 鞋, 徒步鞋); the ones many items share weigh little (see match_terms). With no compound
        # (五常大米10斤, and jieba tags 大米 a numeral), the last head noun below.
        nouns = title_nouns(item.title, brand)
        out += nouns
        parts = [] if nouns else parts
    for k, part in enumerate(parts):
        if k == 0 and len(parts) > 1 and len(words(part)) == 1:
            continue  # a lone first word before a space is the brand
        heads = _heads(part, brand)
        if heads:
            out += heads
            break
    return list(dict.fromkeys(c for c in out if c and c not in brand))


def spoken_terms(item: CatalogItem) -> list[str]:
    """What a host may say for an item, as the title writes it, for an item that has no short name: its category
    words of two characters or more (渔夫帽, 鸭舌帽), its Latin brand and model words in the title's own case
    (MLB, Ohsunny, N9s), then the rest of its title words (刺绣, 硬顶, 披肩). A shop that exports only titles
    still has these in them; whisper, told nothing, writes 渔夫帽 as 鱼服猫."""
    out = [c for c in category_words(item) if len(c) >= 2]
    for w in model_words(item):
        found = re.search(re.escape(w), item.title, re.IGNORECASE)
        out.append(found.group() if found else w)
    out += title_words(item)
    return list(dict.fromkeys(out))


def title_brand(item: CatalogItem) -> str:
    """The brand: the ``brand`` field, else a title's lone first word before a space (德世朗 不锈钢保温杯 …),
    which is how shops that export only titles write it."""
    if item.brand:
        return normalize(item.brand)
    parts = item.title.split()
    if len(parts) > 1 and len(words(parts[0])) == 1 and 2 <= len(normalize(parts[0])) <= 6:
        return normalize(parts[0])
    return ""


_DIGITS_SAID = re.compile(r"\d")
_LINK_SHAPED = re.compile(r"[\d零一二两三四五六七八九十百]+号")
_DIGIT_SAID = dict(zip("0123456789", "零一二三四五六七八九", strict=True))
_TENS_SAID = re.compile(r"(?<![\d.])[1-9]\d(?![\d.])")


def _said_tens(digits: str) -> str:
    """A two-digit number as said: 10 -> 十, 23 -> 二十三."""
    tens, ones = int(digits[0]), int(digits[1])
    return ("" if tens == 1 else _DIGIT_SAID[digits[0]]) + "十" + ("" if ones == 0 else _DIGIT_SAID[digits[1]])


_SPOKEN_VARIANT = frozenset({"name", "full", "alias", "model"})


def _raw_terms(item: CatalogItem) -> list[tuple[str, str]]:
    terms: list[tuple[str, str]] = []
    brand = title_brand(item)
    short = normalize(item.short_name or "")
    if short:
        terms.append(("name", short))
        if brand and not short.startswith(brand):  # 7D芒果干 of brand 7D is not 7D7D芒果干
            terms.append(("full", brand + short))
    terms += [("alias", normalize(a)) for a in item.aliases]
    if brand:
        terms.append(("brand", brand))
    # Category words before title words: 保温杯 in a title is the head noun, not just one word of the title.
    # A one-character head that is also a measure word is not one: 这块 is "this one" of a watch, not 小方块.
    measure = wordlist("classifiers")
    # Nor a word shaped like a link number (汉鼎 一号 手竿: 一号 said in a live room is link 1).
    terms += [("category1" if len(c) == 1 else "category", c) for c in category_words(item)
              if (len(c) > 1 or c not in measure) and not _LINK_SHAPED.fullmatch(c)]
    terms += [("title", w) for w in title_words(item) if not _LINK_SHAPED.fullmatch(w)]
    terms += [("model", w) for w in model_words(item)]
    # Model numbers are said digit by digit (See5 -> see五, E3 -> e三, 7572 -> 七五七二): each name with digits
    # is also matched as it is said.
    terms += [(kind, _DIGITS_SAID.sub(lambda m: _DIGIT_SAID[m.group()], text)) for kind, text in terms
              if kind in _SPOKEN_VARIANT and _DIGITS_SAID.search(text)]
    # ...or, from 10 to 99, as a number (N10 -> n十, K20 -> k二十).
    terms += [(kind, _TENS_SAID.sub(lambda m: _said_tens(m.group()), text)) for kind, text in terms
              if kind in _SPOKEN_VARIANT and _TENS_SAID.search(text)]
    out, seen = [], set()
    for kind, text in terms:
        n = len(tokenize(text))
        # Single characters match everywhere; only a category head (after 这个/这瓶) may be one. A Latin word
        # is one token but not one character: kindle, skg.
        if text and text not in seen and (n >= 2 or kind == "category1" or (n == 1 and _LATIN_WORD.fullmatch(text))):
            seen.add(text)
            out.append((kind, text))
    return out


def match_terms(catalog: Catalog, kind_weight: dict[str, float] | None = None) -> list[MatchTerm]:
    """Every item's match terms, weighted by kind (``kind_weight``, default ``KIND_WEIGHT``) and divided by
    the number of items sharing the text."""
    kind_weight = kind_weight or KIND_WEIGHT
    raw = {item.sku_id: _raw_terms(item) for item in catalog.items}
    # Another item's category word in this item's title is this item's category word too: with 美的 电饭煲
    # in the room, 电饭煲 in 苏泊尔 球釜 电饭煲 is what the host calls it, not a feature (球釜, its first part,
    # is one), and 卫衣 in 加绒连帽卫衣 (which jieba cuts 连/帽卫衣) as much as in 纯棉圆领卫衣.
    heads = {text: {t for k, t in terms if k == "category1" and text.endswith(t)}
             for terms in raw.values() for kind, text in terms if kind == "category"}
    for item in catalog.items:
        terms = raw[item.sku_id]
        title, brand = normalize(item.title), title_brand(item)
        named = {t for k, t in terms if k not in ("title", "category1")}  # its name, an alias: keep them
        for word in heads:
            if word in title and word not in brand and word not in named:
                have = {t for _, t in terms}  # as of now: two words may add the same head (卫衣, 帽卫衣: 衣)
                terms[:] = [(k, t) for k, t in terms if t != word]
                terms += [("category", word)] + [("category1", h) for h in heads[word] if h not in have]
    share: dict[str, set[str]] = {}
    for sku, terms in raw.items():
        for _, text in terms:
            share.setdefault(text, set()).add(sku)
    out = []
    for sku, terms in raw.items():
        for kind, text in terms:
            n = len(share[text])
            # A title word shared by many items (官方正品-like) carries almost nothing: 1/n^1.5.
            weight = kind_weight[kind] / (n if kind != "title" else n ** 1.5)
            out.append(MatchTerm(sku, text, tuple(tokenize(text)), kind, round(weight, 4), n))
    return out


def catalog_links(catalog: Catalog) -> dict[int, str]:
    """link_no -> sku_id for items that have one."""
    return {i.link_no: i.sku_id for i in catalog.items if i.link_no is not None}


def catalog_prices(catalog: Catalog) -> dict[float, frozenset[str]]:
    """Each price or live price (rounded to fen) -> the items listed at it."""
    prices: dict[float, set[str]] = {}
    for it in catalog.items:
        for p in (it.price, it.live_price):
            if p is not None:
                prices.setdefault(round(p, 2), set()).add(it.sku_id)
    return {p: frozenset(s) for p, s in prices.items()}
