"""Spoken numbers: Chinese numerals and digits, prices in any unit (元, 块, 米), link numbers (N号), countdowns.

Hosts say prices as 三十九块九, 39米9 (米 dodges the platforms' price filters), 一百二十九 or 到手价99;
they open a product by its link number alone (3号的宝贝们, 看3号, 把3号挂上来) and count down (三，二，一).
Everything here works on the tokens of ``replay.lang.text.tokenize`` (one per Han character, one per digit run),
so the caller can map a number back to the word times of the transcript.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Literal

from replay.lang.wordlists import wordlist

_DIGIT = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
          "九": 9}
_UNIT = {"十": 10, "百": 100, "千": 1000, "万": 10000}
NUMERAL_CHARS = frozenset(_DIGIT) | frozenset(_UNIT)
_DIGITS = re.compile(r"\d+(\.\d+)?")
# Units after which a number is money. 米 is how hosts say 元 without tripping the price filter.
_MONEY = frozenset({"块", "元", "米", "圆"})
_MONEY_TENTHS = frozenset({"毛", "角"})


def _places_fall(whole: str) -> bool:
    """Whether the places (十, 百, 千) of each 万 section of a numeral fall from left to right."""
    for section in whole.split("万"):
        places = [_UNIT[c] for c in section if c in _UNIT]
        if any(a <= b for a, b in zip(places, places[1:], strict=False)):
            return False
    return True


def zh_number(s: str) -> float | None:
    """Parse Chinese numerals: 三十九点九 -> 39.9, 两百二十九 -> 229, 一百零九 -> 109, 一百五 -> 150, 五五 -> 55."""
    if not s:
        return None
    whole, _, frac = s.partition("点")
    if any(c not in _DIGIT and c not in _UNIT for c in whole):
        return None
    if not any(c in _UNIT for c in whole):  # a digit run, read one by one: 五五 -> 55
        value = float("".join(str(_DIGIT[c]) for c in whole)) if whole else 0.0
    elif not _places_fall(whole):
        # The places of one number fall (二十一, 三百零五). A place said again, or a higher one after a lower, starts
        # another number: a host repeating a link number (上十二十二号 is 十二 said twice) is that number; any other
        # run is two numbers, not one.
        half = len(whole) // 2
        if frac or len(whole) % 2 or whole[:half] != whole[half:] or not _places_fall(whole[:half]):
            return None
        return zh_number(whole[:half])
    else:
        total, section, digit = 0, 0, 0
        for ch in whole:
            if ch in _DIGIT:
                digit = _DIGIT[ch]
            elif _UNIT[ch] == 10000:
                total, section, digit = (total + section + digit) * 10000, 0, 0
            else:
                section += (digit or 1) * _UNIT[ch]
                digit = 0
        # A digit right after 百, 千 or 万 is the next place down: 一百五 is 150, 两千三 2300, 一万五 15000
        # (一百零五 says 105).
        if digit and len(whole) >= 2 and whole[-2] in _UNIT and _UNIT[whole[-2]] >= 100:
            digit *= _UNIT[whole[-2]] // 10
        value = float(total + section + digit)
    if frac:
        if any(c not in _DIGIT for c in frac):
            return None
        value += float("0." + "".join(str(_DIGIT[c]) for c in frac))
    return value


def number_value(text: str) -> float | None:
    """The value of a digit string (39.9) or a Chinese numeral (三十九点九); None for anything else."""
    if _DIGITS.fullmatch(text):
        return float(text)
    if text and all(c in NUMERAL_CHARS or c == "点" for c in text):
        return zh_number(text)
    return None


def is_number_token(tok: str) -> bool:
    return bool(_DIGITS.fullmatch(tok.rstrip("."))) or tok in NUMERAL_CHARS


@dataclass(frozen=True, slots=True)
class SpokenNumber:
    """A number said in the transcript, with the tokens it spans (``first``..``last`` inclusive)."""

    value: float
    first: int
    last: int
    kind: Literal["price", "link", "ordinal", "nth", "bare", "plain", "countdown"]
    """price: followed by a money unit (块/元/米); link: N号 that is not a date, shade or size, or 第N个链接, 链接N;
    ordinal: 第N个 ending the sentence or a clause (我们看一下第七个; 看第七个，还是早饭的) or before an item word
    (第三个宝贝: replay/wordlists/item_words.txt), most often the cart's Nth link but sometimes the Nth product
    shown; nth: any other 第N个/第N款 (第八个拌粉酱), link N only if the catalog's item N is what it says; bare: an
    integer pointed at (看十六, 小六) or said as a clause of its own (二十一，学生包), the cart's Nth link when the
    catalog has one; countdown: three or more falling digits (三二一); plain: any other number."""


def _run(tokens: Sequence[str], i: int) -> int:
    """Last index of the numeral run starting at i (digits, numerals, and 点 between them).

    A numeral with units (六十九, 二百六十八) has at most one digit after its last unit, or 零 and one digit
    (一百零九): a second digit starts the next number, usually a quantity (六十九一瓶, 二百六十八一罐).
    """
    j = i
    units = tokens[i] in _UNIT
    while j + 1 < len(tokens):
        nxt = tokens[j + 1]
        if units and nxt in _DIGIT and tokens[j] in _DIGIT and tokens[j] not in ("零", "〇"):
            break
        if is_number_token(nxt) or (nxt == "点" and j + 2 < len(tokens) and is_number_token(tokens[j + 2])):
            j += 1
            units = units or nxt in _UNIT
            if nxt == "点":
                units = False  # the digits after 点 are read one by one: 三十九点九九
        else:
            break
    return j


def _countdown(digits: list[int]) -> bool:
    return len(digits) >= 3 and all(a - b == 1 for a, b in zip(digits, digits[1:], strict=False))


def _tenths(tokens: Sequence[str], k: int) -> bool:
    """Whether token k, right after a money unit, is the price's tenths (三十九块[九]) rather than the start
    of a quantity or another number."""
    if k >= len(tokens) or not (tokens[k] in _DIGIT or re.fullmatch(r"\d", tokens[k])):
        return False
    after = tokens[k + 1] if k + 1 < len(tokens) else ""
    if "".join(tokens[k + 1:k + 3]) == "包邮":
        return True  # 二十九块九包邮: 包 of 包邮 (free shipping), not a pack
    # 一罐, 一斤, 一卷, 一提: a quantity (十块一斤 is ten a jin, not 10.1); 二十九块钱九号链接: link 9
    if _quantity_at(tokens, k + 1) or after == "号":
        return False
    if is_number_token(after):
        # 九一件, 九一百只 (12.9 for a hundred), 九十条 (9.9 for ten): the tenths, then a counted quantity, whatever its
        # places; 九十 with nothing counted after it: another number
        return _quantity_at(tokens, _run(tokens, k + 1) + 1)
    return True


def _quantity_at(tokens: Sequence[str], k: int) -> bool:
    """Whether a measure word a quantity is counted in (一罐, 一斤, 一卷, 一提: classifiers, spec_units and
    stock_measures) starts at token k."""
    return _measure_at(tokens, k) or (k < len(tokens) and tokens[k] in wordlist("stock_measures"))


def spoken_numbers(tokens: Sequence[str], clause_ends: frozenset[int] = frozenset()) -> list[SpokenNumber]:
    """Every number in the tokens, classified as price, link number, countdown or plain. ``clause_ends``: the
    tokens a comma or a full stop follows, when the text had them (a bare 第N个 ending a clause is an ordinal).

    A price may carry its tenths after the unit (三十九块九, 39米9 -> 39.9). N号 is a link number unless the
    words around it say it is a date (5月3号, 3号发货), a shade or a size (3号色, 38号码, 小一号): those context
    words are in the word lists ``not_link_after_hao`` and ``not_link_before_hao``.
    """
    out: list[SpokenNumber] = []
    not_link = wordlist("not_link_after_hao")
    not_link_counted = wordlist("classifiers")  # 链接三件: three pieces, not link 3
    cart = wordlist("cart_words")
    link_words = wordlist("link_words")  # 链接三, 序号六
    items = wordlist("item_words")  # 第三个宝贝
    i = 0
    n = len(tokens)
    while i < n:
        if not is_number_token(tokens[i]):
            i += 1
            continue
        j = _run(tokens, i)
        text = "".join(tokens[i:j + 1]).rstrip(".")
        # Countdowns are said with pauses (三，二，一): punctuation is gone, so they arrive as a digit run.
        singles = [int(t) if t.isdigit() and len(t) == 1 else _DIGIT.get(t) for t in tokens[i:j + 1]]
        if all(d is not None for d in singles) and _countdown([int(d) for d in singles]):  # type: ignore[arg-type]
            out.append(SpokenNumber(float(int("".join(str(d) for d in singles))), i, j, "countdown"))
            i = j + 1
            continue
        value = number_value(text) if not re.search(r"\d", text) or _DIGITS.fullmatch(text) else None
        nxt = tokens[j + 1] if j + 1 < n else ""
        if value is None and nxt == "号":
            # A digit run into numerals (9十四号: whisper put the 9 of 369 with the next cue): N号 is the tail.
            last_digit = max((k for k in range(i, j + 1) if re.search(r"\d", tokens[k])), default=i)
            for k in range(last_digit + 1, j + 1):
                value = number_value("".join(tokens[k:j + 1]))
                if value is not None:
                    i, text = k, "".join(tokens[k:j + 1])
                    break
        if value is None:
            i = j + 1
            continue
        if nxt == "号":
            after = "".join(tokens[j + 2:j + 4])
            before = tokens[i - 1] if i > 0 else ""
            date_or_size = (before == "月" or any(after.startswith(w) for w in not_link)
                            or value == 1 and before in wordlist("not_link_before_hao"))  # 小一号: a size smaller
            if value == int(value) and not date_or_size:
                out.append(SpokenNumber(value, i, j + 1, "link"))
            i = j + 2
            continue
        # 第三个链接 / 链接三 / 序号三: a link number said without 号. (Not 链接三十九块: that is a price, below.)
        said_link = "".join(tokens[j + 2:j + 4]) == "链接"
        nth = i > 0 and (tokens[i - 1] == "第" or tokens[i - 1] == "头" and text == "一")  # 头一个: the first
        ordinal = (nth and nxt in ("个", "条")
                   and (said_link or any("".join(tokens[max(0, i - 6):i - 1]).endswith(w) for w in cart)))
        # (Not the 链接 of N号链接 either: 七号链接三小时的 is link 7, three hours.)
        # Or with 号 and/or 是 between (链接号是六, 链接号6, 序号是三): how hosts read the number off the cart.
        said = i - 1 if i >= 1 and tokens[i - 1] == "是" else i
        if "".join(tokens[max(0, said - 2):said]) not in link_words and said >= 1 and tokens[said - 1] == "号":
            said -= 1
        link_word = "".join(tokens[max(0, said - 2):said]) in link_words
        # 链接九一公斤: link 9, then one kilo. Digits said one by one after a link word, the last one before a
        # measure, are the link number and a quantity (a link number is said as a numeral: 九十一, not 九一).
        if link_word and j > i and all(tokens[k] in _DIGIT for k in range(i, j + 1)) and _measure_at(tokens, j + 1):
            j -= 1
            text, nxt = "".join(tokens[i:j + 1]), tokens[j + 1]
            value = number_value(text)
            if value is None:
                i = j + 1
                continue
        after_link = (link_word and nxt not in _MONEY
                      and nxt not in not_link_counted
                      and not (said >= 3 and tokens[said - 3] == "号")
                      and not _countdown([int(d) for d in text if d.isdigit()]))  # 上链接321: a countdown
        if value == int(value) and (ordinal or after_link):
            last = (j + 3 if said_link else j + 1) if ordinal else j
            out.append(SpokenNumber(value, i, last, "link"))
            i = last + 1
            continue
        if value == int(value) and nth and (nxt == "个" and (j + 2 == n or j + 1 in clause_ends)  # 看一下第七个
                                            or nxt in ("个", "款")  # 第三个宝贝, 第五款产品
                                            and any("".join(tokens[j + 2:j + 4]).startswith(w) for w in items)):
            out.append(SpokenNumber(value, i, j + 1, "ordinal"))
            i = j + 2
            continue
        if value == int(value) and nth and nxt in ("个", "款"):
            # 第八个拌粉酱: the Nth of something. Only the catalog can say whether it is link N (replay.detect.evidence
            # takes it when the word after it is the Nth item's own).
            out.append(SpokenNumber(value, i, j + 1, "nth"))
            i = j + 2
            continue
        if nxt in _MONEY:
            last = j + 1
            if last + 1 < n and tokens[last + 1] == "钱":
                last += 1
            # Tenths after the unit: 三十九块九 / 39米9 / 二十九块九一件, but not a quantity: 269元一罐 is one jar.
            # Only the spoken units take them; 元 is how prices are written.
            if nxt != "元" and _tenths(tokens, last + 1):
                t = tokens[last + 1]
                value += (int(t) if t.isdigit() else _DIGIT[t]) / 10
                last += 1
                if last + 1 < n and tokens[last + 1] in _MONEY_TENTHS:
                    last += 1
            out.append(SpokenNumber(round(value, 2), i, last, "price"))
            i = last + 1
            continue
        kind = "bare" if value == int(value) and _bare_link(tokens, i, j, clause_ends) else "plain"
        out.append(SpokenNumber(value, i, j, kind))
        i = j + 1
    # Numbers said one by one, falling (十九，八，七，六 … or 五，四): a countdown, not links.
    bare = [k for k, num in enumerate(out) if num.kind == "bare"]
    falling = {k for a, b in zip(bare, bare[1:], strict=False) if out[a].value - out[b].value == 1 for k in (a, b)}
    falling |= {k for k in bare if any(0 <= k + d < len(out) and out[k + d].kind == "countdown" for d in (-1, 1))}
    for k in bare if len(bare) >= 3 else falling:
        out[k] = replace(out[k], kind="plain")
    return out


def counted_at(tokens: Sequence[str], k: int) -> bool:
    """Whether the word at token k makes the number before it a count, a price, a link or a measure (十五台, 十二期,
    十四号, 十一块, 十二点): not a model said by its number (十四 for an iPhone 14)."""
    nxt = tokens[k] if k < len(tokens) else ""
    return (nxt in _MONEY or nxt in _MONEY_TENTHS or nxt == "号" or nxt in wordlist("not_link_after_bare")
            or _measure_at(tokens, k))


def _measure_at(tokens: Sequence[str], k: int) -> bool:
    """Whether a measure word (一袋, 一公斤: replay/wordlists/classifiers.txt, spec_units.txt) starts at token k."""
    units, _ = _spec_units()
    ahead = "".join(tokens[k:k + 2]).lower()
    return k < len(tokens) and (tokens[k] in wordlist("classifiers")
                                or any(ahead.startswith(u) for u in units if not u.isascii()))


def _bare_link(tokens: Sequence[str], i: int, j: int, clause_ends: frozenset[int]) -> bool:
    """Whether the number in tokens i..j is a link number said bare: more than three, ending its clause, and
    pointed at (看十六, 拍十三, 小六: the words in ``bare_link_verbs``) or a clause of its own (二十一，学生包);
    no measure, money, size or time word after it (拍十单, 在三点: ``not_link_after_bare``)."""
    nxt = tokens[j + 1] if j + 1 < len(tokens) else ""
    units, _ = _spec_units()
    if (nxt in _MONEY or nxt in _MONEY_TENTHS or nxt in wordlist("classifiers") or nxt.lower() in units
            or nxt in wordlist("not_link_after_bare") or (i > 0 and tokens[i - 1] in ("第", nxt))):  # 看一看
        return False
    # It ends the clause: a number that runs on into more words is part of them (在一起, 上一代, 不到16块).
    # And not one, two or three, which are in too many words (一起, 两个) and in countdowns said with pauses.
    if not (j == len(tokens) - 1 or j in clause_ends) or (number_value("".join(tokens[i:j + 1])) or 0) <= 3:
        return False
    return pointed_at(tokens, i) or i == 0 or i - 1 in clause_ends  # or a clause of its own (二十一，学生包)


def pointed_at(tokens: Sequence[str], i: int) -> bool:
    """Whether a word of ``bare_link_verbs`` (看, 拍, 上, 翻到…) ends right before token i: the number said from
    there is pointed at, the cart's Nth link (看十六, and 拍似后 as whisper writes 拍四号)."""
    before = "".join(tokens[max(0, i - 2):i])
    return any(before.endswith(w) for w in wordlist("bare_link_verbs"))


# --- sizes and pack counts (40L, 260ml, 5双装) ---------------------------------------------------------


_COUNTS = frozenset({"双", "片", "支", "袋", "盒", "瓶", "粒", "卷", "罐", "根", "颗", "抽", "包", "箱", "套", "条", "张"})


@cache
def _spec_units() -> tuple[dict[str, str], re.Pattern[str]]:
    """Every written or spoken form of a size/pack unit -> its canonical form (replay/wordlists/spec_units.txt),
    and the pattern of a number written before one of them (longest form first: 毫升 before 升)."""
    units: dict[str, str] = {}
    for line in wordlist("spec_units"):
        forms = line.split()
        for f in forms[1:]:
            units[f.lower()] = forms[0]
    forms = "|".join(sorted((re.escape(f) for f in units), key=len, reverse=True))
    return units, re.compile(rf"(\d+(?:\.\d+)?)\s*({forms})", flags=re.IGNORECASE)


def title_specs(title: str) -> set[tuple[float, str]]:
    """The sizes and pack counts a title writes with digits: 40L, 260ml, 500g*2, 5双装 -> (value, unit)."""
    units, written = _spec_units()
    return {(float(m.group(1)), units[m.group(2).lower()]) for m in written.finditer(title)}


_MAX_METRES = 10.0


def spoken_specs(tokens: Sequence[str], numbers: Sequence[SpokenNumber] | None = None
                 ) -> list[tuple[float, str, int, int]]:
    """(value, canonical unit, first, last token) for every plain number said with a size or pack unit after
    it (四十升的, 二百六十毫升, 五双). A count of one (一片, 一盒) is how anything is sold, so it is left out.
    ``numbers``: the tokens' ``spoken_numbers``, when the caller has them already."""
    units, _ = _spec_units()
    out = []
    for num in spoken_numbers(tokens) if numbers is None else numbers:
        # 一点四米 reads as a price in 米 too: it is a length as well, when a title writes one (1.4m). Only a
        # length a product has (a desk, a bed, a hose: up to 10 m); 一百二十九米 is a price.
        if num.kind == "price" and tokens[num.last] == "米" and units.get("米") == "m" and num.value <= _MAX_METRES:
            out.append((num.value, "m", num.first, num.last))
            continue
        if num.kind != "plain":
            continue
        for width in (2, 1):
            said = "".join(tokens[num.last + 1:num.last + 1 + width]).lower()
            if len(tokens) >= num.last + 1 + width and said in units:
                unit = units[said]
                if not (num.value == 1 and unit in _COUNTS):
                    out.append((num.value, unit, num.first, num.last + width))
                break
    return out


_STOCK_REACH = 8  # tokens between a stock word and its count (库存还有不到三十台)


def stock_count(tokens: Sequence[str], numbers: Sequence[SpokenNumber]) -> tuple[int, int] | None:
    """(first, last token) of a count of stock said after a stock word, or None: 还剩八十单, 再加一百单, 库存还有不到
    三十台, 卖了六百多箱 (``stock_words``, ``stock_measures``). A count of one is an add-on (再加一盒), not stock.
    ``numbers``: the tokens' ``spoken_numbers``."""
    stock, measures = wordlist("stock_words"), set(wordlist("stock_measures"))
    for num in numbers:
        if num.kind != "plain" or num.value < 2:
            continue
        k = num.last + 1
        while k < len(tokens) and tokens[k] in ("多", "来", "几"):
            k += 1
        if k >= len(tokens) or tokens[k] not in measures:
            continue
        before = "".join(tokens[max(0, num.first - _STOCK_REACH):num.first])
        if any(w in before for w in stock):
            return num.first, k
    return None


# --- written forms (on-screen product cards, OCR) ---------------------------------------------------
_WRITTEN_LINK = re.compile(r"(\d{1,3})\s*号\s*(?:链接|连接|链)?|链接\s*(\d{1,3})|#\s*(\d{1,3})")
_WRITTEN_PRICE = re.compile(r"[¥￥]\s*(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\s*[元块米]")


def written_links(text: str) -> set[int]:
    """Link numbers written on a product card: 3号链接, 3号, 链接3, #3 (full-width forms folded)."""
    import unicodedata

    t = unicodedata.normalize("NFKC", text)
    return {int(next(g for g in m.groups() if g)) for m in _WRITTEN_LINK.finditer(t)}


def written_prices(text: str) -> set[float]:
    """Prices written on a product card: ¥59, 59元, 39.9块 (full-width forms folded)."""
    import unicodedata

    t = unicodedata.normalize("NFKC", text)
    return {float(next(g for g in m.groups() if g)) for m in _WRITTEN_PRICE.finditer(t)}
