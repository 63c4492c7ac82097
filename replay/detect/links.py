"""Link numbers: the spoken N号 of a unit that resolve to an item's ``link_no``.

Digits, numerals or homophones of 号链接 (伺候练结 for 四号链接) or of an N号 pointed at (拍似后 for 拍四号), and
第N个链接, 链接N, a bare 第N个 or a bare number pointed at (看十六: replay.lang.numbers). Split from
replay.detect.evidence, which weighs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from itertools import product, takewhile

from replay.detect.units import Unit
from replay.lang import SpokenNumber, heard_reading, is_han, raw_readings, wordlist
from replay.lang.numbers import NUMERAL_CHARS, is_number_token, number_value, pointed_at

# Homophones of numerals whisper writes in 号链接 (伺候 for 四号): raw pinyin -> numeral character.
_SOUND = {"yi": "一", "er": "二", "san": "三", "si": "四", "wu": "五", "liu": "六", "qi": "七", "ba": "八",
          "jiu": "九", "shi": "十", "liang": "两"}
_DIGIT_CHAR = dict(zip("0123456789", "零一二三四五六七八九", strict=True))
_PLACES = frozenset("十百千")  # a numeral of more than one character says one of these (十五, 二十一, 一百零八)


def homophone_links(unit: Unit, links: dict[int, str]) -> list[tuple[int, str, int]]:
    """N号 heard through homophones (伺候 for 四号, 食5号 for 十五号, 时期后 for 十七号), with 链接 after it (伺候练结),
    pointed at by a word of ``bare_link_verbs`` before it (拍似后 for 拍四号, 看时期后, 来 21 后), or opening the
    sentence (石号汤包, 1后又补了). Whisper writes a
    spoken N号 as an everyday word of the same sound, and only 链接 after it or a pointing verb before it tells
    that it was a number (伺候, 时候 and 酒后 are words too). A character read several ways (似 shi or si, 母 mu or
    wu) may be any numeral it sounds like; when the readings resolve to two items, the number is not read. Only
    where a homophone is involved (a plain N号 is spoken_numbers')."""
    toks = unit.tokens
    texts = [t.text for t in toks]
    out = []
    for h in range(1, len(toks)):
        if not {"hao", "hou"}.intersection(raw_readings(toks[h].text)):
            continue
        linked = bool(h + 2 < len(toks) and {"lian"} & heard_reading(toks[h + 1].text)
                      and {"jie", "jian"} & heard_reading(toks[h + 2].text))
        homophone = toks[h].text != "号"
        run: list[tuple[str, ...]] = []  # the numerals each character may be, first to last
        k = h - 1
        if not linked and toks[k].text.isdigit() and not toks[k].text.startswith("0"):
            run, k = [(toks[k].text,)], k - 1  # whisper's digits for the whole number (来 21 后)
        else:
            while k >= 0 and len(run) < 4:
                t = toks[k].text
                if t.isdigit() and len(t) == 1:
                    run.insert(0, (_DIGIT_CHAR[t],))
                elif t in NUMERAL_CHARS:
                    run.insert(0, (t,))
                elif run and t in wordlist("numeral_lookalike_words"):
                    break  # 是六号链接: the host said 是 (is), and the number is 六
                elif is_han(t) and (sounds := tuple(dict.fromkeys(_SOUND[r] for r in raw_readings(t) if r in _SOUND))):
                    run.insert(0, sounds)
                    homophone = True
                else:
                    break
                k -= 1
        # Or it opens the sentence (石号汤包, 母号是夏天用的, 1后又补了五十条): a host opens a product by its number, and
        # whisper wrote the numeral or the 号 as a homophone. Only a literal 号 after a homophone, or whisper's own
        # digits before 后: 以后 and 酒后 open sentences as words, and 90后 and 00后 are generations.
        initial = k + 1 == 0 and (toks[h].text == "号" or (len(run) == 1 and run[0][0].isdigit()
                                                           and not run[0][0].endswith("0")))
        if not homophone or not run or (not linked and not initial and not pointed_at(texts, k + 1)):
            continue
        found: set[int] = set()
        for n, numerals in enumerate(product(*run)):
            text = "".join(numerals)
            # Try the whole run, then shorter tails: 是八号 is heard as 十八号 when there is no item 18 (read the
            # common way; pointed at, the whole run only: 看时期后 is 十七号, not 七号).
            for cut in range(len(text) if linked and n == 0 and not text.isdigit() else 1):
                # Numerals strung without 十 or 百 are no number anyone says (四五 is "four or five"): of 食5号 the
                # readings 四五 and 一五 are not numbers, and 十五 is.
                if not text.isdigit() and len(text) - cut > 1 and not set(text[cut:]) & _PLACES:
                    continue
                value = int(text) if text.isdigit() else number_value(text[cut:])
                if value is not None and value == int(value) and int(value) in links:
                    found.add(int(value))
                    break
        if len(found) == 1:
            no = found.pop()
            out.append((no, links[no], h))
    return out


def spoken_links(toks: list[str], nums: list[SpokenNumber], links: dict[int, str],
                  titles: dict[str, str], prices: Mapping[float, object]) -> list[tuple[int, str, int, int, bool]]:
    """(link_no, sku, first token, last token, bare ordinal) for every spoken N号 (第N个链接, 链接N, and a bare
    第N个 ending the sentence) whose N is a link number; 是八号 heard as 十八号 falls back to the shorter tail.
    Not a standard size (五号电池: an AA battery), unless item N is one (九号电池 where link 9 is a battery).
    ``nums`` are the unit's ``spoken_numbers``, read once for links, prices and sizes."""
    out = []
    for num in nums:
        if num.kind not in ("link", "ordinal", "bare"):
            continue
        # A bare number (看十六, 二十一，学生包) is a link only when no item costs that much (要一百零九 is a price).
        if num.kind == "bare" and round(num.value, 2) in prices:
            continue
        text = "".join(takewhile(is_number_token, toks[num.first:num.last + 1]))  # without 号, 个链接
        after = "".join(toks[num.last + 1:num.last + 4])
        size = next((w for w in wordlist("sizes_after_hao") if after.startswith(w)), None)
        # Only N号 may have heard a numeral too many (是八号 -> 十八号); 链接321 is a countdown, not link 1.
        for cut in range(len(text) if toks[num.last] == "号" else 1):
            value = number_value(text[cut:])
            if value is not None and value == int(value) and int(value) in links:
                sku = links[int(value)]
                if size is None or size in titles[sku]:
                    out.append((int(value), sku, num.first, num.last, num.kind in ("ordinal", "bare")))
                break
    return out


# Whisper now and then drops the tens of a link number (十七号 heard as 七号, 二十一号 as 一号). Which was said, the
# catalog decides: the talk after the number is about item 17 (its name, its own price), and nothing of item 7.
_REHEARD_REACH_S = 30.0  # how far after the number the talk is weighed, and before it its own item's (seconds)
_REHEARD_MIN = 1.6  # evidence that singles out the longer number's item, in that talk (two names' worth)
_REHEARD_FAINT = 0.3  # evidence of the number's own item below which the talk says nothing of it
_BEFORE_UNITS = 30  # sentences looked back over for the number's own item (within _REHEARD_REACH_S)


def _reading(n: int) -> str:
    """The numeral as spoken for a link number of 1-99 (十七, 二十, 三十一)."""
    tens, ones = divmod(n, 10)
    head = ("" if tens == 1 else _DIGIT_CHAR[str(tens)]) + "十" if tens else ""
    return head + (_DIGIT_CHAR[str(ones)] if ones else "")


def longer_links(links: Mapping[int, str]) -> dict[int, list[int]]:
    """For each link number, the other link numbers whose spoken numeral ends with its own (七: 十七, 二十七)."""
    said = {no: _reading(no) for no in links if 0 < no < 100}
    return {no: [m for m, r in said.items() if m != no and r.endswith(s)] for no, s in said.items()}


def rehear_dropped_tens(units: list[Unit], links: Mapping[int, str]) -> None:
    """Give a link number's hit to an item whose number ends with it (七号 -> 十七号) when the talk that follows it
    carries at least ``_REHEARD_MIN`` of evidence that singles that item out (its names, its own price) and next to
    nothing of the number's own item. The talk runs up to where a link number is said again (四号链接还有两百单 |
    刚才有人问防溅盒 | 十四号这个盒子: the host says 十四 when meaning it), another item is called, the next product
    is opened, or ``_REHEARD_REACH_S`` on. Runs on units whose evidence is found (their ``hits`` and ``scores``)."""
    longer = longer_links(links)
    for k, u in enumerate(units):
        for j, h in enumerate(u.hits):
            no = next((n for n, s in links.items() if s == h.sku_id), None) if h.kind == "link_no" else None
            if no is None or not longer.get(no) or h.shared != 1:
                continue
            rivals = {links[m]: m for m in longer[no]}
            # Not when the sentence says the longer number too (买一号的可以加个十一号的内衬), nor when the number's own
            # item was talked about just before (its stock at the end of its explanation: 一号链接我先放一百个上去).
            if set(rivals) & u.called() or any(
                    v.scores.get(h.sku_id, 0.0) >= _REHEARD_FAINT for v in units[max(0, k - _BEFORE_UNITS):k]
                    if u.start - v.start <= _REHEARD_REACH_S):
                continue
            talk: dict[str, float] = {}
            for v in units[k:]:
                if v is not u and (v.start - u.start > _REHEARD_REACH_S or v.opens_clearly
                                   or any(g.kind == "link_no" for g in v.hits) or v.called() - set(rivals)):
                    break
                for g in v.hits:
                    if g is h or g.kind == "link_no":
                        continue
                    if g.sku_id == h.sku_id or (g.sku_id in rivals and g.shared == 1):
                        talk[g.sku_id] = talk.get(g.sku_id, 0.0) + g.weight
            best = max(rivals, key=lambda s: talk.get(s, 0.0))
            if talk.get(best, 0.0) >= _REHEARD_MIN and talk.get(h.sku_id, 0.0) < _REHEARD_FAINT:
                u.hits[j] = replace(h, sku_id=best, text=f"{rivals[best]}号")
                u.scores[h.sku_id] = u.scores.get(h.sku_id, 0.0) - h.weight
                if u.scores[h.sku_id] <= 1e-9:
                    del u.scores[h.sku_id]
                u.scores[best] = u.scores.get(best, 0.0) + h.weight
