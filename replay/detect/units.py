"""Units: the transcript re-cut into spoken sentences, the detector's time steps.

Whisper merges several spoken sentences into one segment, so segments are re-cut at pauses estimated from
word timestamps (a word that lasts far longer than its characters need has swallowed a pause) and at
sentence-final punctuation. A subtitle file (SRT/VTT) has no word times: each cue is spread evenly over its
characters and cut at its own sentence marks (a cue longer than a sentence, as an ASR writes them, at its
commas too), and a cue boundary always ends a unit (a subtitler's cue is a sentence or a breath).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from replay.contracts import Transcript
from replay.detect.breaks import break_probabilities, break_threshold
from replay.detect.cues import CLOSING, OPENING, CueHit, find_cues
from replay.lang import tokenize

_CHAR_SECONDS = 0.22  # a Mandarin syllable at live-host speed; longer words hold a pause
_SENTENCE_END = re.compile(r"[。！？!?…；;]\s*$")
_LONG_CUE = 32  # characters; a subtitler's cue of one spoken sentence is rarely longer (an ASR's runs 30-45)
# Evidence at least this strong names a product; weaker evidence (a shared brand, a shared price) does not.
NAMED = 0.8
# Opening probability (see talk) from which the host clearly opens a product, as an intro cue does. The opening
# head also fires at 0.6-0.85 on a viewer's question about another item (有姐妹问34号是不是一样的).
CLEAR_OPENING = 0.9
# Talk probability (see talk) below which a unit counts as chat with the room, not product talk.
CHAT = 0.3
# A stretch without a comma longer than this (tokens) may be two sentences run together (see split_unpunctuated).
_RUN_ON = 8
# A call at the start of a unit shorter than this (tokens) is not cut off the sentence after it (split_unpunctuated).
_LEAD_IN = 7
# Hit kinds that call an item: its link number or one of its own names.
CALLING = frozenset({"link_no", "name", "full", "alias"})


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: float
    """Estimated onset (a swallowed pause is moved before it)."""
    end: float
    prob: float
    pause: float
    """Silence before this token."""
    boundary: bool = False
    """A sentence ends before this token (punctuation, or a new subtitle cue)."""
    clause_end: bool = False
    """A comma, a full stop or a space comes right after this token (看第七个，还是早饭的)."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One piece of evidence in a unit that an item is being talked about (or shown)."""

    kind: str
    """name, full, alias, brand, title, category, fuzzy, link_no, price (speech); ocr, image (screen)."""
    text: str
    sku_id: str
    weight: float
    """Evidence weight for this item (already divided among the items that share the term)."""
    time: float
    shared: int = 1
    """How many items this evidence fits equally (a category word or price several items share)."""
    source: str = "speech"


@dataclass(slots=True)
class Unit:
    """A stretch of speech between pauses or sentence marks: roughly one spoken sentence."""

    index: int
    tokens: list[Token]
    scores: dict[str, float] = field(default_factory=dict)
    """sku_id -> speech evidence that singles the item out (names, link numbers, a category word only it has)."""
    support: dict[str, float] = field(default_factory=dict)
    """sku_id -> evidence that fits several items (a shared category word or price): it supports whichever
    of them is already being explained, and cannot open one by itself."""
    visual: dict[str, float] = field(default_factory=dict)
    """sku_id -> on-screen evidence (see fusion)."""
    hits: list[Hit] = field(default_factory=list)
    compared: set[str] = field(default_factory=set)
    """Items the unit compares the product in hand with (比一号便宜, 跟二号一样: called right after a comparison word),
    not one whose price it says: whichever product is being explained, it is not one of these."""
    cues: list[CueHit] = field(default_factory=list)
    talk: float = 0.5
    """Probability that this unit is talk about a product rather than chat with the room (see talk)."""
    opening: float = 0.0
    """Probability that the host opens a product's explanation in this unit (see talk)."""

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
    def opens(self) -> bool:
        """An intro or 返场 cue: the host opens a product here."""
        return any(c.kind in OPENING for c in self.cues)

    @property
    def opens_clearly(self) -> bool:
        """An intro or 返场 cue, or an opening probability of at least ``CLEAR_OPENING``."""
        return self.opens or self.opening >= CLEAR_OPENING

    @property
    def closes(self) -> bool:
        """The host closes the current product here: an outro, or a teaser of the next one."""
        return any(c.kind in CLOSING for c in self.cues)

    def called(self) -> set[str]:
        """The items the unit calls by their link number or one of their own names (not a word they share
        with others, not a fuzzy match on part of a name)."""
        return {h.sku_id for h in self.hits if h.kind in CALLING and h.shared == 1}

    def calls(self, sku: str) -> bool:
        """Whether the unit calls ``sku`` with one hit of named strength: its link number or a name, not weighed
        down as a comparison (跟一号一个价 is a link number at 0.3 of its weight, whatever else is said)."""
        return any(h.sku_id == sku and h.kind in CALLING and h.shared == 1 and h.weight >= NAMED for h in self.hits)

    def calls_clearly(self) -> bool:
        """Whether the unit calls an item (``called``) with speech evidence of at least ``NAMED`` for it: not a
        comparison or cross-sell weighed down (比五号那个还冲, 买了二号的再带一个一号)."""
        return any(self.scores.get(s, 0.0) >= NAMED for s in self.called())

    def names(self, other_than: str | None = None) -> bool:
        """Whether the host names a product here (speech evidence of at least ``NAMED``), optionally one
        other than ``other_than``. A shared brand or price alone does not name one."""
        # (A price weighs as much as a name when only one item is listed at it, but saying it names nothing: 直播间
        # 三十二块 of the product in hand does not name the other item at 32.)
        priced: dict[str, float] = {}
        for h in self.hits:
            if h.kind == "price":
                priced[h.sku_id] = priced.get(h.sku_id, 0.0) + h.weight
        return any(w - priced.get(sku, 0.0) >= NAMED for sku, w in self.scores.items() if sku != other_than)


def transcript_tokens(transcript: Transcript) -> list[Token]:
    """One token per Han character / Latin-digit run, with onset estimated from word timestamps."""
    out: list[Token] = []
    prev_end = None
    for seg in transcript.segments:
        clauses = False
        if seg.words:
            words_iter = [(w.start, w.end, w.text, w.probability) for w in seg.words]
        else:  # SRT/VTT input: spread the cue's time evenly over its characters, sentence by sentence
            # A long cue (an ASR's, 30-45 characters of two or three sentences without a full stop) is also
            # cut at its commas: a clause is closer to one sentence than the whole cue is.
            clauses = len(tokenize(seg.text)) > _LONG_CUE
            marks = r"(?<=[。！？!?…；;，,])" if clauses else r"(?<=[。！？!?…；;])"
            pieces = [p for p in re.split(marks, seg.text) if tokenize(p)]
            step = (seg.end - seg.start) / max(1, sum(len(tokenize(p)) for p in pieces))
            words_iter, k = [], 0
            for p in pieces:
                m = len(tokenize(p))
                words_iter.append((seg.start + k * step, seg.start + (k + m) * step, p, 1.0))
                k += m
        # A subtitle cue starts a sentence; in whisper's output only punctuation or a pause does.
        boundary = not seg.words
        for w_start, w_end, text, prob in words_iter:
            toks = tokenize(text)
            if not toks:
                boundary = boundary or bool(_SENTENCE_END.search(text))
                continue
            need = _CHAR_SECONDS * len(toks)
            onset = max(w_start, w_end - need) if w_end - w_start > need + 0.3 else w_start
            step = (w_end - onset) / len(toks)
            ends = _clause_ends(text)
            # Whisper splits a number into word pieces (官方299 as 29 | 9, the 9 drawn out over 0.9 s). Read apart,
            # they are two numbers (29 and 9: two wrong prices), and the drawn-out piece seems to follow a pause that
            # ends the sentence. A piece of digits right after one or two digits, with no space or mark between, goes
            # on the number (29|9, 6|99, 25|99, 15|700: 404, 138, 65 and 8 times in the dev recordings). After three
            # digits it is most often a number of its own (补了200|69: two hundred more, sixty-nine yuan).
            glue = (bool(seg.words) and bool(out) and text[:1].isdigit() and toks[0].isdigit()
                    and out[-1].text.isdigit() and len(out[-1].text) <= 2 and not out[-1].clause_end
                    and not boundary)
            for k, t in enumerate(toks):
                s = onset + k * step
                pause = (s - prev_end) if (k == 0 and prev_end is not None) else 0.0
                out.append(Token(t, s, s + step, prob, max(0.0, pause), boundary and k == 0, k in ends))
                prev_end = s + step
            if glue:
                first = out.pop(-len(toks))
                last = out[-len(toks)]
                out[-len(toks)] = Token(last.text + first.text, last.start, first.end, min(last.prob, first.prob),
                                        last.pause, last.boundary, first.clause_end)
            boundary = bool(_SENTENCE_END.search(text)) or (clauses and text.rstrip().endswith(("，", ",")))
    return out


_CLAUSE_MARK = re.compile(r"[。！？!?…；;，,、\s]+")


def _clause_ends(text: str) -> set[int]:
    """Indices of the tokens of ``text`` that a clause mark (punctuation or a space) follows."""
    ends, count, pos = set(), 0, 0
    for mark in _CLAUSE_MARK.finditer(text):
        count += len(tokenize(text[pos:mark.start()]))
        pos = mark.end()
        if count:
            ends.add(count - 1)
    return ends


def split_units(tokens: list[Token], min_pause: float) -> list[Unit]:
    units: list[Unit] = []
    cur: list[Token] = []
    for t in tokens:
        if cur and (t.pause >= min_pause or t.boundary):
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
        cues = find_cues([t.text for t in u.tokens])
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


def merge_fragments(units: list[Unit], max_tokens: int = 2, max_gap: float = 1.0) -> list[Unit]:
    """Join fragments of one or two characters to the unit they belong to.

    Whisper cuts 宝 | 宝们看过来 and 下面 | 给大家介绍 at a breath, and hosts say 三 | 二 | 一 as separate
    subtitle cues; alone, such a fragment tells neither the product-talk model nor the cue matcher anything.
    A fragment joins the next unit when that one follows within ``max_gap`` seconds, else the previous one.
    """
    out: list[Unit] = []
    pending: list[Token] = []
    for k, u in enumerate(units):
        toks = pending + u.tokens
        pending = []
        nxt = units[k + 1] if k + 1 < len(units) else None
        if len(toks) <= max_tokens and nxt is not None and nxt.start - toks[-1].end <= max_gap:
            pending = toks
            continue
        if len(toks) <= max_tokens and out and toks[0].start - out[-1].end <= max_gap:
            out[-1] = Unit(out[-1].index, out[-1].tokens + toks)
            continue
        out.append(Unit(len(out), toks))
    if pending:
        out.append(Unit(len(out), pending))
    return out


def split_long(units: list[Unit], max_tokens: int = 24, min_part: int = 6, breath: float = 0.15) -> list[Unit]:
    """Cut a unit longer than ``max_tokens`` at its clause marks, into parts of at least ``min_part`` tokens.

    An ASR's subtitle cue runs two or three sentences together (一号抓紧拍，库存不多了，三号这个保温杯，…), and the
    decoder can only switch products between units: the next 看点 then starts with the last one's closing
    words, or is not found at all. Its commas are where the sentences end. A sentence of one line rarely runs
    past 24 characters, so a hand-written subtitle is left whole (cut at 16, single-sentence dev sets lost
    0.02 seg_f1@0.5; at 24 they are unchanged and the ASR-style ones gain 0.01-0.03).

    Whisper writes a host's run of sentences without a comma (…哪个码有我就说哪个码先上1号基础款); there a gap of
    ``breath`` seconds between two words, shorter than the pause that ends a unit, is where one sentence ends.
    Uncut, the chat before an opening became part of it and the 看点 started 8 s early.
    """
    out: list[Unit] = []
    for u in units:
        toks, start = u.tokens, 0
        if len(toks) > max_tokens:
            for k, t in enumerate(toks[:-1]):
                ends = t.clause_end or toks[k + 1].pause >= breath
                if ends and k + 1 - start >= min_part and len(toks) - (k + 1) >= min_part:
                    out.append(Unit(len(out), toks[start:k + 1]))
                    start = k + 1
        out.append(Unit(len(out), toks[start:]))
    return out


def split_unpunctuated(units: list[Unit], max_tokens: int = _RUN_ON, min_part: int = 4,
                       use_cues: bool = True) -> list[Unit]:
    """Cut a stretch of a unit without a clause mark longer than ``max_tokens`` where the sentence-break model
    (see breaks) finds a sentence end: 三十片五十九块九，一片两块钱 | 五号曼特宁就重一点. Gaps are taken most likely first,
    each leaving parts of at least ``min_part`` tokens. (A hand-written line's clauses are short, 再搭一个九号的卡通
    泳帽, and stay whole: cut out, a cross-sell reads as an opening.) Never inside a cue phrase, nor right before a
    closing one (喝口水休息一下马上给大家上下一个宝贝: cut at 上|下一个, the teaser that ends the explanation is lost)."""
    threshold = break_threshold()
    out: list[Unit] = []
    for u in units:
        toks = u.tokens
        cuts: list[int] = []
        probs: list[float] | None = None  # (the model and the cues only for a unit with a stretch to cut)
        inside: set[int] = set()
        a = 0
        for k in range(len(toks)):
            if not (toks[k].clause_end or k == len(toks) - 1):
                continue
            if k + 1 - a > max_tokens:  # the stretch a..k
                if probs is None:
                    texts = [t.text for t in toks]
                    probs = break_probabilities(texts)
                    inside = {g for c in (find_cues(texts) if use_cues else [])
                              for g in range(c.first + (c.kind not in CLOSING), c.last + 1)}
                local: list[int] = []
                # (Not after a call of fewer than _LEAD_IN tokens that opens the unit: 宝宝们看过来 | 南极人纯棉四件套
                # leads into the sentence after it, and cut off, it reads as chat before the opening.)
                first = a + (max(min_part, _LEAD_IN) if a == 0 else min_part)
                for g in sorted(range(first, k + 2 - min_part), key=lambda g: -probs[g]):
                    if probs[g] < threshold:
                        break
                    if g not in inside and all(abs(g - c) >= min_part for c in local):
                        local.append(g)
                cuts.extend(local)
            a = k + 1
        bounds = [0, *sorted(cuts), len(toks)]
        out.extend(Unit(len(out) + j, toks[x:y]) for j, (x, y) in enumerate(zip(bounds, bounds[1:], strict=False)))
    return out


def build_units(transcript: Transcript, min_pause: float, use_cues: bool = True) -> list[Unit]:
    """Units in time order, with their cues found (none when ``use_cues`` is off)."""
    units = split_long(merge_fragments(split_units(transcript_tokens(transcript), min_pause)))
    units = split_unpunctuated(units, use_cues=use_cues)
    if use_cues:
        units = split_at_cues(units)
        for u in units:
            u.cues = find_cues([t.text for t in u.tokens])
    return units
