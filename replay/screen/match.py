"""visual_match: turn what the screen shows into catalog SKUs.

Text: a product card's OCR'd lines ("3号链接", "保温杯", "到手价 59元") are scored against every catalog item
by name (title, short name, aliases; fuzzy, so OCR slips still match), brand, link number and price.
Names carry most of the weight because brands are shared between items and prices collide.

Images: catalog pictures pasted into a card are found by multi-scale template matching on the changed
region. ORB features were tried first and fail on the flat, text-on-colour pictures that product cards
use (too few stable corners at 60–100 px); template matching finds those reliably and cheaply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from rapidfuzz import fuzz

from replay.contracts import Catalog, CatalogItem
from replay.lang import normalize, written_links, written_prices


@dataclass(frozen=True, slots=True)
class TextMatch:
    sku_id: str
    score: float
    """0–1: 0.55 name + 0.15 brand + 0.2 link number + 0.1 price."""
    text: str


def _names(item: CatalogItem) -> list[str]:
    names = [item.title, *item.title.split()] + ([item.short_name] if item.short_name else []) + list(item.aliases)
    return [n for n in (normalize(x) for x in names) if len(n) >= 2]


def _own_part(name: str, shared: frozenset[str]) -> str:
    """``name`` without the shared names inside it (see ``shared_names``)."""
    for part in shared:
        if part != name and part in name:
            name = name.replace(part, "")
    return name


# A title cut off to fit the card: 足跟痛鞋垫足底筋膜… (the card shows its first characters, then an ellipsis).
_CUT_OFF = re.compile(r"([^\s…]+?)\s*(?:…|\.\.\.)")
_MIN_CUT = 4  # characters of a cut-off title that must be the start of an item's title


def _cut_off_score(item: CatalogItem, raw_text: str) -> float:
    """1 when the card shows the start of the item's title cut off with an ellipsis (0.85 for 4-5 characters).
    A run-together title (no short name) is cut off long before its end, so fuzzy matching of the whole
    title falls short; its start is what the card says."""
    title = normalize(item.title).replace(" ", "")
    best = 0.0
    for m in _CUT_OFF.finditer(raw_text):
        frag = normalize(m.group(1))
        if len(frag) >= _MIN_CUT and title.startswith(frag):
            best = max(best, 1.0 if len(frag) >= 6 else 0.85)
    return best


def _name_score(item: CatalogItem, text: str, shared: frozenset[str] = frozenset()) -> float:
    best = 0.0
    title = normalize(item.title)
    # Another item's name that this title contains names this item as much (蝴蝶Butterfly, a part of its own
    # in one title, runs into 张继科ALC in another's): on a card it fits both, and link and price decide.
    for name in [*_names(item), *(n for n in shared if n in title)]:
        if name in text:
            # Exact containment; a longer name is stronger evidence than a two-character alias.
            s = 1.0 if len(name) >= 3 else 0.85
        elif len(core := _own_part(name, shared)) >= 3 and len(text) >= len(core) - 1:
            # partial_ratio aligns the shorter string inside the longer one, so a text shorter than the name
            # (a lone 双 read off a banner) would score 100 against any name that contains it. A shared part
            # (蝴蝶Butterfly of 蝴蝶Butterfly乒乓球服) is left out: it would make every item of that brand a near hit.
            s = fuzz.partial_ratio(core, text) / 100.0
            s = s if s >= 0.75 else 0.0  # below this a fuzzy hit is mostly shared characters
        else:
            s = 0.0
        best = max(best, s)
    return best


def shared_names(catalog: Catalog) -> frozenset[str]:
    """Names (see ``_names``) that another item's title contains too: 蝴蝶Butterfly, the first part of one
    title, is the brand that starts another's (蝴蝶Butterfly张继科ALC底板)."""
    titles = {it.sku_id: normalize(it.title) for it in catalog.items}
    return frozenset(name for it in catalog.items for name in _names(it)
                     if any(name in t for sku, t in titles.items() if sku != it.sku_id))


def score_item(item: CatalogItem, text: str, shared: frozenset[str] = frozenset()) -> float:
    """How well a card's text names ``item`` (``shared``: see ``shared_names``)."""
    norm = normalize(text)
    name = max(_name_score(item, norm, shared), _cut_off_score(item, text))
    brand = 1.0 if item.brand and normalize(item.brand) in norm else 0.0
    link = 1.0 if item.link_no is not None and item.link_no in written_links(text) else 0.0
    found = written_prices(text)
    price = 1.0 if any(p is not None and any(abs(p - f) < 0.01 for f in found)
                       for p in (item.live_price, item.price)) else 0.0
    return 0.55 * name + 0.15 * brand + 0.2 * link + 0.1 * price


def match_text(text: str, catalog: Catalog, min_score: float = 0.5,
               shared: frozenset[str] | None = None) -> TextMatch | None:
    """The catalog item a card's text names, or None. Ties and near-ties (within 0.05) give None.

    ``shared``: ``shared_names(catalog)``, which a caller matching many cards against one catalog computes once
    (it compares every item's names with every other title)."""
    if not text.strip() or not catalog.items:
        return None
    if shared is None:
        shared = shared_names(catalog)
    scored = sorted(((score_item(it, text, shared), it.sku_id) for it in catalog.items), reverse=True)
    best, sku = scored[0]
    if best < min_score:
        return None
    if len(scored) > 1 and scored[1][0] > best - 0.05:
        return None  # ambiguous: two products fit the text equally well
    return TextMatch(sku, round(best, 3), text)


class ImageMatcher:
    """Finds catalog pictures inside a BGR region by template matching over a range of scales."""

    def __init__(self, catalog: Catalog, work_height: int = 96, min_score: float = 0.8) -> None:
        self.work_height = work_height
        self.min_score = min_score
        # Picture height as a fraction of the region: a card (about 2× the picture) down to a whole frame.
        self.fracs = (0.2, 0.3, 0.42, 0.55, 0.7, 0.85)
        self._templates: list[tuple[str, np.ndarray]] = []
        # Regions are brought to work_height, so the same few template sizes recur: resize each once.
        self._sized: dict[tuple[int, int, int], np.ndarray] = {}
        for item in catalog.items:
            if item.image is None or not Path(item.image).is_file():
                continue
            img = cv2.imread(str(item.image), cv2.IMREAD_COLOR)
            if img is not None:
                self._templates.append((item.sku_id, img))

    def __bool__(self) -> bool:
        return bool(self._templates)

    def match(self, region: np.ndarray) -> tuple[str, float] | None:
        """(sku_id, score) of the best catalog picture inside ``region``, or None below ``min_score``."""
        if not self._templates or region.shape[0] < 16 or region.shape[1] < 16:
            return None
        # Work at a fixed small height: the cost stays flat whatever the source resolution.
        f = min(1.0, self.work_height / region.shape[0])
        reg = cv2.resize(region, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else region
        rh, rw = reg.shape[:2]
        best: tuple[str, float] | None = None
        for n, (sku, tpl) in enumerate(self._templates):
            for frac in self.fracs:
                th = int(rh * frac)
                tw = int(tpl.shape[1] * th / tpl.shape[0])
                if th < 12 or tw < 12 or tw > rw:
                    continue
                small = self._sized.get((n, tw, th))
                if small is None:
                    small = self._sized[(n, tw, th)] = cv2.resize(tpl, (tw, th), interpolation=cv2.INTER_AREA)
                s = float(cv2.minMaxLoc(cv2.matchTemplate(reg, small, cv2.TM_CCOEFF_NORMED))[1])
                if best is None or s > best[1]:
                    best = (sku, s)
        if best is None or best[1] < self.min_score:
            return None
        return best[0], round(best[1], 3)
