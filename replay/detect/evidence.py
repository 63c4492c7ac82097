"""Evidence over time: the transcript as word-timed units, and per-unit scores for every catalog item.

Whisper merges several spoken sentences into one segment without punctuation, so the segments are re-cut
into *units* at pauses estimated from word timestamps (a word that lasts far longer than its characters
need has swallowed a pause). Each unit gets:
- name evidence: catalog match terms found by folded pinyin (homophones match; exact characters weigh more),
  scaled by whisper's word probability because hotword hallucinations come out with near-zero probability;
- link numbers (N号链接 in digits, Chinese numerals or homophones) mapped through ``link_no``;
- spoken prices equal to an item's ``price`` or ``live_price`` (weak: many items share a price);
- cues (intro / outro / 返场 / cross-mention / sales talk).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from replay.catalog import (
    MatchTerm,
    char_readings,
    heard_reading,
    is_han,
    link_numbers,
    match_terms,
    raw_readings,
    tokenize,
)
from replay.contracts import Catalog, Transcript
from replay.detect.cues import CLOSING, CueHit, find_cues

_CHAR_SECONDS = 0.22  # a Mandarin syllable at live-host speed; longer words hold a pause
# Evidence at least this strong names a product; weaker evidence (a shared brand, a shared price) does not.
NAMED = 0.8


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: float  # estimated onset (a swallowed pause is moved before it)
    end: float
    prob: float
    pause: float  # silence before this token


@dataclass(slots=True)
class Unit:
    """A stretch of speech between pauses: roughly one spoken sentence."""

    index: int
    tokens: list[Token]
    scores: dict[str, float] = field(default_factory=dict)  # sku_id -> speech evidence weight
    visual: dict[str, float] = field(default_factory=dict)  # sku_id -> on-screen evidence weight (see fusion)
    hits: list[tuple[str, str, str, float, float]] = field(default_factory=list)  # kind, text, sku, weight, time
    cues: list[CueHit] = field(default_factory=list)

    @property
    def start(self) -> float:
        return self.tokens[0].start

    @property
    def end(self) -> float:
        return self.tokens[-1].end

    @property
    def text(self) -> str:
        return "".join(t.text for t in self.tokens)

    def has(self, kind: str) -> bool:
        return any(c.kind == kind for c in self.cues)

    @property
    def closes(self) -> bool:
        """The host closes the current product here: an outro, or a teaser of the next one."""
        return any(c.kind in CLOSING for c in self.cues)

    def names(self, other_than: str | None = None) -> bool:
        """Whether the host names a product here (speech evidence of at least ``NAMED``), optionally one
        other than ``other_than``. A shared brand or price alone does not name one."""
        return any(w >= NAMED for sku, w in self.scores.items() if sku != other_than)


def transcript_tokens(transcript: Transcript) -> list[Token]:
    """One token per Han character / Latin-digit run, with onset estimated from word timestamps."""
    out: list[Token] = []
    prev_end = None
    for seg in transcript.segments:
        words = seg.words
        if not words:  # SRT/VTT input: spread the cue's time evenly over its characters
            toks = tokenize(seg.text)
            step = (seg.end - seg.start) / max(1, len(toks))
            words_iter = [(seg.start + k * step, seg.start + (k + 1) * step, t, 1.0) for k, t in enumerate(toks)]
        else:
            words_iter = [(w.start, w.end, w.text, w.probability) for w in words]
        for w_start, w_end, text, prob in words_iter:
            toks = tokenize(text)
            if not toks:
                continue
            need = _CHAR_SECONDS * len(toks)
            onset = max(w_start, w_end - need) if w_end - w_start > need + 0.3 else w_start
            step = (w_end - onset) / len(toks)
            for k, t in enumerate(toks):
                s = onset + k * step
                pause = (s - prev_end) if (k == 0 and prev_end is not None) else 0.0
                out.append(Token(t, s, s + step, prob, max(0.0, pause)))
                prev_end = s + step
    return out


def split_units(tokens: list[Token], min_pause: float) -> list[Unit]:
    units: list[Unit] = []
    cur: list[Token] = []
    for t in tokens:
        if cur and t.pause >= min_pause:
            units.append(Unit(len(units), cur))
            cur = []
        cur.append(t)
    if cur:
        units.append(Unit(len(units), cur))
    return units


def split_at_cues(units: list[Unit], min_part: int = 3, min_lead_s: float = 1.5) -> list[Unit]:
    """Cut units where a cue opens or closes an explanation, even without a pause between the words.

    Fast talkers run the outro of one product into the intro of the next ("……讲到这里接下来这一款……"); the cue
    words are then the only boundary, and the decoder can only switch products between units.
    """
    out: list[Unit] = []
    for u in units:
        cues = find_cues([heard_reading(t.text) for t in u.tokens])
        n = len(u.tokens)
        # Not at 返场 cues: they come mid-sentence, after the product name (刚才X没抢到，再给大家返场一次).
        # Only at the first intro cue: 接下来这一款是 holds several cues, and is one introduction.
        intro = min((c.first for c in cues if c.kind == "intro"), default=0)
        # A short lead-in (宝宝们看过来) is part of the introduction; a long one is the previous sentence.
        lead_ok = intro >= min_part and u.tokens[intro].start - u.tokens[0].start >= min_lead_s
        cuts = {intro} if lead_ok else set()
        # After each chain of outro cues: 先讲到这，我们看下一个 is one closing, not two.
        chain_end = -1
        for c in sorted((c for c in cues if c.kind == "outro"), key=lambda c: c.first):
            if chain_end >= 0 and c.first > chain_end + 3 and chain_end + 1 <= n - min_part:
                cuts.add(chain_end + 1)
            chain_end = max(chain_end, c.last) if chain_end < 0 or c.first <= chain_end + 3 else c.last
        if chain_end >= 0 and chain_end + 1 <= n - min_part:
            cuts.add(chain_end + 1)
        bounds = [0, *sorted(cuts), n]
        for a, b in zip(bounds, bounds[1:], strict=False):
            if b > a:
                out.append(Unit(len(out), u.tokens[a:b]))
    return out


# --- numbers ---------------------------------------------------------------------------------------
_DIGIT = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
          "九": 9}
_UNIT = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_NUM_CHARS = set(_DIGIT) | set(_UNIT) | {"点"}
# Homophones of numerals whisper writes in 号链接 (伺候 for 四号): raw pinyin -> numeral character.
_SOUND = {"yi": "一", "er": "二", "san": "三", "si": "四", "wu": "五", "liu": "六", "qi": "七", "ba": "八",
          "jiu": "九", "shi": "十", "liang": "两"}


def zh_number(s: str) -> float | None:
    """Parse Chinese numerals: 三十九点九 -> 39.9, 两百二十九 -> 229, 一百零九 -> 109, 五五 -> 55."""
    if not s:
        return None
    whole, _, frac = s.partition("点")
    if any(c not in _DIGIT and c not in _UNIT for c in whole):
        return None
    if not any(c in _UNIT for c in whole):  # a digit run, read one by one: 五五 -> 55
        value = float("".join(str(_DIGIT[c]) for c in whole)) if whole else 0.0
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
        value = float(total + section + digit)
    if frac:
        if any(c not in _DIGIT for c in frac):
            return None
        value += float("0." + "".join(str(_DIGIT[c]) for c in frac))
    return value


def _num_value(text: str) -> float | None:
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    return zh_number(text) if all(c in _NUM_CHARS for c in text) else None


# --- per-unit evidence ---------------------------------------------------------------------------------
@dataclass(slots=True)
class _TermIndex:
    terms: list[MatchTerm]
    readings: list[tuple[frozenset[str], ...]]
    by_reading: dict[str, list[tuple[int, int]]]


def _term_index(catalog: Catalog) -> _TermIndex:
    terms = match_terms(catalog)
    readings = [tuple(char_readings(t) for t in term.tokens) for term in terms]
    by_reading: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for ti, rs in enumerate(readings):
        for j, r in enumerate(rs):
            for syl in r:
                by_reading[syl].append((ti, j))
    return _TermIndex(terms, readings, by_reading)


def _name_hits(unit: Unit, idx: _TermIndex) -> list[tuple[int, int, int, float, bool]]:
    """(term, first, last, weight, exact) for each term found in the unit by folded pinyin."""
    toks = unit.tokens
    reads = [heard_reading(t.text) for t in toks]
    cands: set[tuple[int, int]] = set()
    for i, r in enumerate(reads):
        for syl in r:
            for ti, j in idx.by_reading.get(syl, ()):
                if i - j >= 0:
                    cands.add((ti, i - j))
    found = []
    for ti, s in cands:
        pat = idx.readings[ti]
        m = len(pat)
        if s + m > len(toks):
            continue
        term = idx.terms[ti]
        sound = sum(1 for k in range(m) if pat[k] & reads[s + k] or term.tokens[k] == toks[s + k].text)
        # Two-syllable terms must sound right entirely; longer ones may have one syllable mis-heard.
        if sound < m if m <= 3 else sound < m - 1:
            continue
        same = sum(1 for k in range(m) if term.tokens[k] == toks[s + k].text)
        exact = same == m
        prob = sum(t.prob for t in toks[s:s + m]) / m
        # Homophones weigh less than the written name; hallucinated hotwords (p ~ 0.01) almost nothing.
        w = term.weight * (sound / m) * (0.6 + 0.4 * same / m) * min(1.0, max(0.05, prob / 0.35))
        found.append((ti, s, s + m - 1, w, exact))
    # A longer match of another item wins over a shorter one inside it (剃须刀 inside 电动剃须刀); the same
    # item is counted once per stretch of text (电动牙刷 and 牙刷 are one mention).
    found.sort(key=lambda f: (f[2] - f[1], f[3]), reverse=True)
    kept: list[tuple[int, int, int, float, bool]] = []
    for f in found:
        sku = idx.terms[f[0]].sku_id
        clash = False
        for k in kept:
            overlap = not (f[2] < k[1] or k[2] < f[1])
            if not overlap:
                continue
            k_sku = idx.terms[k[0]].sku_id
            if k_sku == sku or (k[1] <= f[1] and f[2] <= k[2] and (k[2] - k[1]) > (f[2] - f[1])):
                clash = True
                break
        if not clash:
            kept.append(f)
    return kept


def _link_hits(unit: Unit, links: dict[int, str]) -> list[tuple[int, str, float, int]]:
    """(link_no, sku, weight, token index) for each N号链接 (号 may be heard as 后/候, 链接 as 练结/练肩)."""
    toks = unit.tokens
    out = []
    for i in range(1, len(toks) - 1):
        if not ({"lian"} & heard_reading(toks[i].text) and {"jie", "jian"} & heard_reading(toks[i + 1].text)):
            continue
        h = i - 1
        if not {"hao", "hou"}.intersection(raw_readings(toks[h].text)):
            continue
        # Collect the numeral run before 号: digits, numerals, or homophones of numerals (weaker).
        run, homophone = [], False
        k = h - 1
        while k >= 0 and len(run) < 4:
            t = toks[k].text
            if t.isdigit() or t in _NUM_CHARS:
                run.insert(0, t)
            # A homophone is read by its most common reading (食 as shi, not its rare si).
            elif is_han(t) and (sound := next((_SOUND[r] for r in raw_readings(t)[:1] if r in _SOUND), None)):
                run.insert(0, sound)
                homophone = True
            else:
                break
            k -= 1
        text = "".join(run)
        # Try the whole run, then shorter tails: 是八号 is heard as 十八号 / 18号 when there is no item 18.
        for cut in range(len(text)):
            value = _num_value(text[cut:])
            if value is not None and value == int(value) and int(value) in links:
                weight = 2.5 if cut == 0 and not homophone else 1.5
                out.append((int(value), links[int(value)], weight, h))
                break
    return out


def _numbers(unit: Unit) -> list[tuple[float, int]]:
    """Spoken numbers (digits or Chinese numerals) not followed by 号, with their token index."""
    toks = unit.tokens
    out, i = [], 0
    while i < len(toks):
        t = toks[i].text
        if re.fullmatch(r"\d+(\.\d+)?\.?", t) or t in _NUM_CHARS - {"点"}:
            j = i
            while j + 1 < len(toks) and (re.fullmatch(r"[\d.]+", toks[j + 1].text) or toks[j + 1].text in _NUM_CHARS):
                j += 1
            text = "".join(x.text for x in toks[i:j + 1]).rstrip(".点")
            nxt = toks[j + 1].text if j + 1 < len(toks) else ""
            v = _num_value(text) if not re.search(r"\d", text) or re.fullmatch(r"[\d.]+", text) else None
            if v is not None and nxt != "号":
                out.append((v, i))
            i = j + 1
        else:
            i += 1
    return out


def build_units(transcript: Transcript, catalog: Catalog, min_pause: float = 0.3,
                price_weight: float = 0.6) -> list[Unit]:
    """Units with cues and per-item evidence filled in."""
    units = split_at_cues(split_units(transcript_tokens(transcript), min_pause))
    idx = _term_index(catalog)
    links = link_numbers(catalog)
    prices: dict[float, set[str]] = defaultdict(set)
    for it in catalog.items:
        for p in (it.price, it.live_price):
            if p is not None:
                prices[round(p, 2)].add(it.sku_id)
    for u in units:
        u.cues = find_cues([heard_reading(t.text) for t in u.tokens])
        for ti, s, _e, w, exact in _name_hits(u, idx):
            term = idx.terms[ti]
            kind = term.kind if exact else "fuzzy"
            kind = "name" if kind == "full" else kind
            u.hits.append((kind, term.text, term.sku_id, w, u.tokens[s].start))
        for no, sku, w, i in _link_hits(u, links):
            u.hits.append(("link_no", f"{no}号链接", sku, w, u.tokens[i].start))
        for value, i in _numbers(u):
            skus = prices.get(round(value, 2), set())
            for sku in skus:  # a price shared by many items says little
                u.hits.append(("price", f"{value:g}", sku, price_weight / len(skus), u.tokens[i].start))
        for _kind, _text, sku, w, _t in u.hits:
            u.scores[sku] = u.scores.get(sku, 0.0) + w
    return units
