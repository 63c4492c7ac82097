"""Pinyin readings for sound-alike matching: whisper writes homophones (欧来亚 for 欧莱雅, 练结 for 链接).

Readings are toneless and *folded*: the initials and finals that whisper and many southern speakers confuse
(zh/z, ch/c, sh/s, n/l, ang/an, eng/en, ing/in, iang/ian, uang/uan) meet. Catalog text keeps every reading
of a character (its sound in context may be the rare one: 爪 in 凤爪 is zhua); transcript text is read by its
most common reading only (``heard_reading``), because whisper writes what it heard.
"""

from __future__ import annotations

from functools import lru_cache

from replay.lang.text import is_han

_INITIAL_FOLD = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_FINAL_FOLD = (("iang", "ian"), ("uang", "uan"), ("ang", "an"), ("eng", "en"), ("ing", "in"))


def fold_syllable(syl: str) -> str:
    """Fold a toneless pinyin syllable so that zh/z, ch/c, sh/s, n/l, an/ang, en/eng, in/ing meet."""
    for a, b in _INITIAL_FOLD:
        if syl.startswith(a):
            syl = b + syl[len(a):]
            break
    for a, b in _FINAL_FOLD:
        if syl.endswith(a):
            syl = syl[: -len(a)] + b
            break
    return syl


@lru_cache(maxsize=65536)
def raw_readings(ch: str) -> tuple[str, ...]:
    """All toneless pinyin readings of a Han character, most common first (heteronyms included), unfolded."""
    from pypinyin import Style, pinyin

    out: list[str] = []
    for group in pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore"):
        out += [r for r in group if r and r not in out]
    return tuple(out)


@lru_cache(maxsize=65536)
def char_readings(ch: str) -> frozenset[str]:
    """All folded toneless readings of one catalog character; a non-Han token reads as itself."""
    if not is_han(ch):
        return frozenset({ch})
    found = {fold_syllable(r) for r in raw_readings(ch)}
    return frozenset(found or {ch})


@lru_cache(maxsize=65536)
def heard_reading(ch: str) -> frozenset[str]:
    """The folded reading of a transcript character: only its most common reading.

    Allowing a transcript character's rare heteronyms too (已 as si) lets 已经 match 湿巾.
    """
    raw = raw_readings(ch) if is_han(ch) else ()
    return frozenset({fold_syllable(raw[0])}) if raw else frozenset({ch})


@lru_cache(maxsize=65536)
def exact_reading(ch: str) -> frozenset[str]:
    """The unfolded toneless reading of a transcript character (its most common one), as ``heard_reading``
    without folding: 赠 zeng and 正 zheng stay apart."""
    raw = raw_readings(ch) if is_han(ch) else ()
    return frozenset({raw[0]}) if raw else frozenset({ch})


def phrase_readings(text: str, folded: bool = True) -> tuple[frozenset[str], ...]:
    """Folded readings of each token of a phrase *we* wrote (a cue phrase): the character's reading in the
    phrase's context (pypinyin's phrase dictionary) and its most common one, which is how the transcript side
    reads it (``heard_reading``). Not its rare heteronyms: with them 款 also reads xin (and 完 kuan), so the
    outro 过款 matched 德国心脏病. ``folded=False``: the same readings unfolded (see ``exact_reading``).
    """
    from pypinyin import Style, pinyin

    from replay.lang.text import tokenize

    toks = tokenize(text)
    han = "".join(t for t in toks if is_han(t))
    ctx = iter(g[0] for g in pinyin(han, style=Style.NORMAL, errors="ignore")) if han else iter(())
    fold = fold_syllable if folded else str
    out = []
    for t in toks:
        if is_han(t):
            heard = heard_reading(t) if folded else exact_reading(t)
            out.append(heard | {fold(next(ctx, ""))} - {""})
        else:
            out.append(frozenset({t}))
    return tuple(out)


def sound_key(text: str) -> str:
    """The folded reading of a whole text, syllables joined by spaces (for sound-alike search)."""
    from replay.lang.text import tokenize

    return " ".join(min(heard_reading(t)) for t in tokenize(text))
