"""Discourse cues of 直播带货 talk: where a product explanation opens, closes, comes back, or only refers back.

The phrases are data (``replay/wordlists/cues_*.txt``), matched on folded pinyin readings because whisper
writes homophones (反常 for 返场). Cues are weak priors: they shift the decoder's switch costs and the
boundary search a little, they never create a 看点 alone, and with every list emptied (``use_cues=False``)
the detector still works from catalog evidence and the product-talk model (tests/test_detect_generalise.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from replay.lang import exact_reading, heard_reading, phrase_readings, wordlist

# Cue kinds, each the word list replay/wordlists/cues_KIND.txt.
KINDS = ("intro", "outro", "return", "cross", "sales", "signoff", "future")
# Cue kinds after which the current product is over: an outro, or a teaser of the next one.
CLOSING = ("outro", "teaser")
OPENING = ("intro", "return")
_FUTURE_REACH = 6  # tokens between a future marker's end and the intro phrase ("马上[给大家上]下一个")


@dataclass(frozen=True, slots=True)
class CueHit:
    kind: str
    phrase: str
    first: int
    """Token index in the unit where the cue starts."""
    last: int
    """Token index of the cue's last token."""


# Cue phrases this short (tokens) are matched on their exact syllables, not folded ones: folded, the gift word 赠
# met 正, 真, 整 and 怎 (some 900 times on the practice transcripts, never a gift), and 再返 met 再放. A homophone
# whisper writes for a short cue keeps its syllables (反常 for 返场).
_FOLD_FROM = 3


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[str, str, tuple[frozenset[str], ...], frozenset[str]], ...]:
    """(kind, phrase, readings, spellings it must not match) per line of the cue lists. A line may name, after
    the phrase, spellings that share its readings but not its sense, each after a ``!`` (买了 !卖了: readings
    carry no tones, and 卖了 is the host's own sales, 卖了三万单); the words said from the cue on must not start
    with one (等下 !等下个: 等下讲 puts a product off, 要等下个月 is a restock)."""
    out = []
    for kind in KINDS:
        for line in wordlist(f"cues_{kind}"):
            p, *rest = line.split()
            not_spelled = frozenset(w[1:] for w in rest if w.startswith("!") and len(w) > 1)
            pat = phrase_readings(p)
            if len(pat) < _FOLD_FROM:
                pat = phrase_readings(p, folded=False)
            out.append((kind, p, pat, not_spelled))
    return tuple(out)


@lru_cache(maxsize=1)
def _by_first_reading() -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
    """The cue lines (their index in ``_compiled()``) by the readings of their first token, one table for
    phrases matched on exact syllables and one for folded ones: a unit is then checked only against the phrases
    that can start at each of its tokens, not against all of them (that scan was most of detect's time)."""
    exact: dict[str, list[int]] = {}
    folded: dict[str, list[int]] = {}
    for n, (_, _, pat, _) in enumerate(_compiled()):
        table = exact if len(pat) < _FOLD_FROM else folded
        for r in pat[0]:
            table.setdefault(r, []).append(n)
    return ({r: tuple(v) for r, v in exact.items()}, {r: tuple(v) for r, v in folded.items()})


def find_cues(tokens: Sequence[str]) -> list[CueHit]:
    """All cue phrases whose every token shares a reading with consecutive tokens of the unit: a folded reading
    (``heard_reading``), or for a phrase of one or two tokens an unfolded one (``exact_reading``).

    An intro phrase shortly after a future marker comes back as kind ``teaser`` (马上给大家上下一个宝贝
    announces a product, it does not open one); the markers themselves come back as kind ``future``.
    """
    readings = [heard_reading(t) for t in tokens]
    exact = [exact_reading(t) for t in tokens]
    compiled = _compiled()
    by_exact, by_folded = _by_first_reading()
    n = len(tokens)
    found: set[tuple[int, int]] = set()
    for i in range(n):
        for said, table in ((exact, by_exact), (readings, by_folded)):
            for r in said[i]:
                for line in table.get(r, ()):
                    pat, not_spelled = compiled[line][2], compiled[line][3]
                    m = len(pat)
                    if (line, i) in found or i + m > n:
                        continue
                    if all(pat[k] & said[i + k] for k in range(1, m)) and not any(
                            "".join(tokens[i:i + len(w)]) == w for w in not_spelled):
                        found.add((line, i))
    # In list order, then token order: the order the hits had when every line was scanned in turn.
    hits = [CueHit(compiled[line][0], compiled[line][1], i, i + len(compiled[line][2]) - 1)
            for line, i in sorted(found)]
    future = [h for h in hits if h.kind == "future"]
    out = []
    for h in hits:
        if h.kind == "intro" and any(f.last < h.first <= f.last + _FUTURE_REACH for f in future):
            h = CueHit("teaser", h.phrase, h.first, h.last)
        out.append(h)
    return out
