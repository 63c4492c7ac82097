"""lang: the one Chinese-text layer. Catalog loading, detection, on-screen matching, search and the ASR prompt
all normalise, tokenise, read pinyin, parse numbers and load word lists through it.

- ``text``: normalise, tokens (one per Han character, one per Latin/digit run);
- ``pinyin``: folded toneless readings for sound-alike matching;
- ``numbers``: Chinese numerals, prices in 元/块/米, link numbers (N号), countdowns;
- ``terms``: the names, brands, title words and category words a catalog item may be called by;
- ``wordlists``: the phrase lists in ``replay/wordlists/`` (data files with a comment each).
"""

from replay.lang.numbers import (
    SpokenNumber,
    number_value,
    spoken_numbers,
    written_links,
    written_prices,
    zh_number,
)
from replay.lang.pinyin import (
    char_readings,
    exact_reading,
    fold_syllable,
    heard_reading,
    phrase_readings,
    raw_readings,
    sound_key,
)
from replay.lang.terms import MatchTerm, catalog_links, catalog_prices, category_words, match_terms
from replay.lang.text import is_han, normalize, tokenize
from replay.lang.wordlists import wordlist

__all__ = [
    "MatchTerm", "SpokenNumber", "catalog_links", "catalog_prices", "category_words", "char_readings",
    "exact_reading", "fold_syllable", "heard_reading", "is_han", "match_terms", "normalize", "number_value", "phrase_readings",
    "raw_readings",
    "sound_key", "spoken_numbers", "tokenize", "wordlist", "written_links", "written_prices", "zh_number",
]
