"""Text normalisation and tokens: the one place that decides what counts as the same written text.

Spoken text (ASR, SRT) and catalog titles are compared after ``normalize``: full-width forms folded (NFKC),
Latin lower-cased, punctuation, symbols and spaces removed (a decimal point kept, for 39.9). Tokens are one
per Han character and one per run of Latin letters or digits, because Chinese words have no spaces and
whisper's word timestamps are per character or per short run anyway.
"""

from __future__ import annotations

import re
import unicodedata

_PUNCT_CATS = ("P", "S", "Z", "C", "M")  # punctuation, symbols, separators, controls, combining marks
_TOKEN = re.compile(r"[a-z0-9.]+|[^a-z0-9.]")


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC), Latin lower-cased, spaces and punctuation removed ('.' kept)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch == "." or unicodedata.category(ch)[0] not in _PUNCT_CATS)


def is_han(ch: str) -> bool:
    """A CJK unified ideograph (the basic block or extension A)."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def tokenize(text: str) -> list[str]:
    """Normalised tokens: one per Han character, one per run of Latin letters/digits (with '.')."""
    return _TOKEN.findall(normalize(text))
