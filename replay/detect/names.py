"""Names: catalog terms (short name, brand+name, aliases, brand, title words, category words) found in a unit.

Terms are matched on folded pinyin, so homophones match; exact characters weigh more, and the weight is scaled by
whisper's word probability because hotword hallucinations come out with near-zero probability. A one-character
category word counts only after a demonstrative (这个霜, 这瓶水: replay/wordlists/demonstratives.txt,
classifiers.txt). Shared words of one sentence that together fit one item only (brand + kind, three title words)
name it too (``combined_names``). Split from replay.detect.evidence, which turns these hits into evidence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from replay.contracts import Catalog
from replay.detect.units import CALLING, Hit, Token, Unit
from replay.lang import MatchTerm, char_readings, heard_reading, is_han, match_terms, wordlist
from replay.lang.numbers import counted_at, is_number_token

_MODIFIER_REACH = 2  # Han characters allowed between 这个 and a one-character category word (这个保湿的霜: no)


@dataclass(slots=True)
class TermIndex:
    terms: list[MatchTerm]
    readings: list[tuple[frozenset[str], ...]]
    by_reading: dict[str, list[tuple[int, int]]]
    singles: dict[str, list[MatchTerm]]
    numeric: list[bool]
    """Per term: a name that is a number (十四 for an iPhone 14), said as a number of its own (``_said_as_a_name``)."""


def term_index(catalog: Catalog, kinds: dict[str, float]) -> TermIndex:
    """The catalog's match terms (``kinds``: weight per kind of term), indexed by syllable for ``name_hits``."""
    terms = match_terms(catalog, kinds)
    multi = [t for t in terms if t.kind != "category1"]
    readings = [tuple(char_readings(t) for t in term.tokens) for term in multi]
    by_reading: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for ti, rs in enumerate(readings):
        for j, r in enumerate(rs):
            for syl in r:
                by_reading[syl].append((ti, j))
    singles: dict[str, list[MatchTerm]] = defaultdict(list)
    for t in terms:
        if t.kind == "category1":
            singles[t.text].append(t)
    return TermIndex(multi, readings, by_reading, dict(singles), [all(map(is_number_token, t.tokens)) for t in multi])


def _term_starts(reads: list[frozenset[str]], idx: TermIndex) -> set[tuple[int, int]]:
    """(term, first token) for every term one of whose syllables is heard at a token, placed where it would start."""
    starts: set[tuple[int, int]] = set()
    for i, r in enumerate(reads):
        for syl in r:
            for ti, j in idx.by_reading.get(syl, ()):
                if i - j >= 0:
                    starts.add((ti, i - j))
    return starts


def name_hits(unit: Unit, idx: TermIndex) -> list[tuple[int, int, int, float, bool]]:
    """(term, first, last, weight, exact) for each term found in the unit by folded pinyin."""
    toks = unit.tokens
    texts = [t.text for t in toks]
    reads = [heard_reading(t) for t in texts]
    cands = _term_starts(reads, idx)
    particles = frozenset(wordlist("particles"))
    found = []
    bent: dict[tuple[int, int], set[int]] = {}  # a fuzzy match's tokens that differ from the term's characters
    misheard: set[tuple[int, int]] = set()  # matches with a syllable that does not sound right
    for ti, s in cands:
        pat = idx.readings[ti]
        m = len(pat)
        if s + m > len(toks):
            continue
        term = idx.terms[ti]
        sound = sum(1 for k in range(m) if pat[k] & reads[s + k] or term.tokens[k] == toks[s + k].text)
        # Two-syllable terms must sound right entirely; longer ones may have one syllable mis-heard, but not as a
        # particle (的 for 红 is the host's grammar between two words, not a slip of the ear).
        if sound < m if m <= 3 else sound < m - 1:
            continue
        if sound < m and any(not (pat[k] & reads[s + k]) and texts[s + k] in particles for k in range(m)):
            continue
        # A model number or Latin word is said as it is written, not misheard as one Han syllable: 这个芒果干 is
        # not 7D芒果干 with 7D misheard.
        if any(not (pat[k] & reads[s + k]) and not is_han(term.tokens[k][0]) for k in range(m)):
            continue
        # A different number is a different thing, not a slip of the ear (三号双氧水 is not 四号双氧水).
        if any(not (pat[k] & reads[s + k]) and is_number_token(term.tokens[k]) and is_number_token(toks[s + k].text)
               for k in range(m)):
            continue
        # A name that is a number (十四 for an iPhone 14) is said as a number of its own: not inside a longer one
        # (电池健康九十一 is not 十一), and not counting something (一共十五台, 分十二期, 十四号 is a link number).
        if idx.numeric[ti] and not _said_as_a_name(toks, texts, s, s + m - 1):
            continue
        same = sum(1 for k in range(m) if term.tokens[k] == toks[s + k].text)
        exact = same == m
        if term.kind == "category" and not exact:
            continue  # a category word is common speech: only its own characters count
        prob = sum(t.prob for t in toks[s:s + m]) / m
        # Homophones weigh less than the written name; hallucinated hotwords (p ~ 0.01) almost nothing.
        w = term.weight * (sound / m) * (0.6 + 0.4 * same / m) * min(1.0, max(0.05, prob / 0.35))
        found.append((ti, s, s + m - 1, w, exact))
        if sound < m:
            misheard.add((ti, s))
        if not exact:
            bent[(ti, s)] = {s + k for k in range(m) if term.tokens[k] != toks[s + k].text}
    # A name said with 的 between its words is the name: 尤克里里的琴包 for 尤克里里琴包 (written exactly, three
    # characters or more, and only where a 的 was skipped: the plain match is found above).
    plain = [k for k, t in enumerate(toks) if t.text != "的"]
    if len(plain) < len(toks):
        said = [toks[k].text for k in plain]
        for ti, s in _term_starts([reads[k] for k in plain], idx):
            term = idx.terms[ti]
            m = len(term.tokens)
            if m < 3 or s + m > len(said) or plain[s + m - 1] - plain[s] == m - 1:
                continue
            if all(term.tokens[k] == said[s + k] for k in range(m)):
                prob = sum(toks[plain[s + k]].prob for k in range(m)) / m
                found.append((ti, plain[s], plain[s + m - 1], term.weight * min(1.0, max(0.05, prob / 0.35)), True))
    # A near-homophone loses to another item's word written exactly where it had to bend a character: 的锂电钻
    # is 锂电钻 said, not 得力电笔 misheard (欧来亚的小金关 keeps its slip: no other word is written there).
    exact_at = [(s, e, idx.terms[ti].sku_id) for ti, s, e, _w, ex in found if ex]
    found = [f for f in found if f[4] or not any(
        sku != idx.terms[f[0]].sku_id and any(a <= k <= b for k in bent[(f[0], f[1])]) for a, b, sku in exact_at)]
    # Nor is it one when another item's word is written exactly on every character it did not bend: 看升降桌 is
    # the word 升降桌 (both desks') said after 看, not 小升降桌 misheard. The bent character is what would set
    # the name apart from the other item's word, and it was not said.
    def spelled_out(f: tuple[int, int, int, float, bool]) -> bool:
        said = [k for k in range(f[1], f[2] + 1) if k not in bent[(f[0], f[1])]]
        return any(sku != idx.terms[f[0]].sku_id and all(a <= k <= b for k in said) for a, b, sku in exact_at)

    found = [f for f in found if f[4] or not spelled_out(f)]
    # A longer match of another item wins over a shorter one inside it (剃须刀 inside 电动剃须刀); the same
    # item is counted once per stretch of text (电动牙刷 and 牙刷 are one mention).
    found.sort(key=lambda f: (f[2] - f[1], f[3]), reverse=True)
    kept: list[tuple[int, int, int, float, bool]] = []
    for f in found:
        sku = idx.terms[f[0]].sku_id
        clash = False
        for k in kept:
            if f[2] < k[1] or k[2] < f[1]:
                continue
            k_sku = idx.terms[k[0]].sku_id
            # (Not a longer match with a syllable mis-heard over a shorter one that sounds right: 太太了鸡精大人 is
            # 太太乐鸡精 said, then 大人, not 太太乐鸡精大袋 with 袋 mis-heard.)
            inside = k[1] <= f[1] and f[2] <= k[2] and (k[2] - k[1]) > (f[2] - f[1])
            if k_sku == sku or (inside and not ((k[0], k[1]) in misheard and (f[0], f[1]) not in misheard)):
                clash = True
                break
        if not clash:
            kept.append(f)
    return kept


def _said_as_a_name(toks: list[Token], texts: list[str], s: int, e: int) -> bool:
    """Whether the number in tokens s..e stands alone: no number token runs on into it on either side (across a
    comma it may: 十二，六十四G), and no count, price or measure word follows it (``counted_at``)."""
    before = s > 0 and is_number_token(toks[s - 1].text) and not toks[s - 1].clause_end
    after = e + 1 < len(toks) and is_number_token(toks[e + 1].text) and not toks[e].clause_end
    return not before and not after and not counted_at(texts, e + 1)


def _pointed_at(tokens: list[str], i: int) -> bool:
    """Whether token i follows a demonstrative: 这霜, 这个霜, 这一瓶水, 那双新款的鞋 (up to two modifiers)."""
    dem, cls = set(wordlist("demonstratives")), set(wordlist("classifiers"))
    for j in range(i - 1, max(-1, i - 6), -1):
        if tokens[j] in dem:
            between = tokens[j + 1:i]
            if between and between[0] == "一":
                between = between[1:]
            if between and between[0] in cls:
                between = between[1:]
            return len(between) <= _MODIFIER_REACH and all(is_han(t) for t in between)
    return False


def category_hits(unit: Unit, idx: TermIndex) -> list[tuple[MatchTerm, int]]:
    toks = [t.text for t in unit.tokens]
    out = []
    for i, t in enumerate(toks):
        for term in idx.singles.get(t, ()):
            if _pointed_at(toks, i):
                out.append((term, i))
    return out


_COMBINING = frozenset({"brand", "title", "category", "category1", "alias"})  # shared words that may combine


def combined_names(hits: list[Hit], spans: dict[str, tuple[int, int]]) -> list[tuple[str, list[str], float, int]]:
    """The items that two or more shared words of one sentence fit together when no other item has them all
    (brand + category, or title words in any order), as (sku, the words, time of the first, last token).
    ``spans`` maps each word found exactly to its first and last token."""
    words: dict[str, set[str]] = defaultdict(set)  # item -> the shared words of this sentence it has
    first: dict[str, float] = {}
    kinds: dict[tuple[str, str], str] = {}  # (item, word) -> the word's kind for that item
    for h in hits:
        if h.kind in _COMBINING and h.shared > 1 and h.text in spans:
            words[h.sku_id].add(h.text)
            first[h.sku_id] = min(first.get(h.sku_id, h.time), h.time)
            kinds[h.sku_id, h.text] = h.kind

    # Two words single an item out only as brand + kind (三只松鼠这个坚果); two title words are often said together
    # of other goods (短袖短裤, 牛奶酸奶, 无糖茶) that a title happens to list, three seldom.
    def enough(sku: str, ws: set[str]) -> bool:
        have = {kinds[sku, w] for w in ws}
        return len(ws) >= 3 or ("brand" in have and bool(have & {"category", "category1"}))

    # An item the sentence already calls by link number or name needs no combining (喜欢成套的加一对十二号的珍珠耳钉).
    called = {h.sku_id for h in hits if h.kind in CALLING and h.shared == 1}
    found = []
    for sku, ws in words.items():
        if sku in called:
            continue
        # Words that overlap (饭盒 inside 儿童饭盒) are one word said, not two.
        cut = sorted(spans[w] for w in ws)
        apart = all(b[0] > a[1] for a, b in zip(cut, cut[1:], strict=False))
        if enough(sku, ws) and apart and not any(o != sku and ws <= w2 for o, w2 in words.items()):
            found.append((sku, sorted(ws), first[sku], max(spans[w][1] for w in ws)))
    return found
