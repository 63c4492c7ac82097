"""catalog: load the room's product list (购物袋) and derive ASR-tolerant match terms for each item.

Input formats: JSON (a list, or ``{"items": [...]}``), JSONL (one object a line) and CSV with a header.
``sku_id`` and ``title`` are required; ``brand, short_name, aliases, price, live_price, link_no, image,
category`` are optional. Every validation error names the row and the field, so a merchant can fix the file.

Matching support lives here too, because it depends only on the catalog:
- ``normalize`` folds full-width forms, case and punctuation so that spoken text and titles compare equal;
- ``match_terms`` lists the names a host may say for an item (short name, aliases, brand, title core words),
  each with a weight that is later divided by how many items share the term;
- ``char_readings`` gives toneless pinyin readings (all heteronyms, fuzzy initials/finals folded) so that
  whisper's homophones (欧来亚 for 欧莱雅, 凤抓 for 凤爪, 任养 for 认养) still match.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from replay.contracts import Catalog, CatalogItem
from replay.errors import CatalogError

_ALIAS_SPLIT = re.compile(r"[|、,，;；]")
_PUNCT_CATS = ("P", "S", "Z", "C", "M")  # punctuation, symbols, separators, controls, combining marks

# Words that appear in many titles or in every host's sales talk; a title word equal to one of these says
# nothing about which product is meant (官方正品 is in every title of some shops, 旗舰店 in every price line).
_GENERIC = """
官方 正品 官方正品 旗舰店 旗舰 新款 款 女款 男款 成人款 成人 儿童 装 袋装 盒装 瓶装 套装 包邮 礼盒 家用 专用 正装
特价 限量 升级 升级版 经典 原味 同款 爆款 大容量 便携 进口 国产 多功能 通用 加厚 超大 小号 大号 中号 快充版
"""
GENERIC_WORDS = frozenset(_GENERIC.split())
_UNIT_WORD = re.compile(r"^[\d.×x*+%-]+(g|kg|ml|l|米|毫升|克|千克|袋|盒|瓶|片|颗|包|支|条|件|只|个|cm|mm|mah|毫安|w)?$")


# --- normalisation -------------------------------------------------------------------------------
def normalize(text: str) -> str:
    """Full-width to half-width (NFKC), Latin lower-cased, spaces and punctuation removed."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch == "." or unicodedata.category(ch)[0] not in _PUNCT_CATS)


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


# Fuzzy folds for syllables: the confusions whisper (and many southern speakers) make.
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
    """All folded toneless readings of one character; a non-Han token reads as itself."""
    if not is_han(ch):
        return frozenset({ch})
    found = {fold_syllable(r) for r in raw_readings(ch)}
    return frozenset(found or {ch})


@lru_cache(maxsize=65536)
def heard_reading(ch: str) -> frozenset[str]:
    """The folded reading of a transcript character: only its most common reading.

    Whisper writes what it heard, so a transcript character stands for its usual sound; allowing its rare
    heteronyms too (已 as si) lets 已经 match 湿巾. Catalog terms keep all readings (char_readings), because
    their sound in context may be the rarer one (爪 in 凤爪 is zhua).
    """
    raw = raw_readings(ch) if is_han(ch) else ()
    return frozenset({fold_syllable(raw[0])}) if raw else frozenset({ch})


def tokenize(text: str) -> list[str]:
    """Normalised tokens: one per Han character, one per run of Latin letters/digits (with '.')."""
    return re.findall(r"[a-z0-9.]+|[^a-z0-9.]", normalize(text))


# --- match terms ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MatchTerm:
    """One name a host may say for an item. ``weight`` already accounts for items sharing the term."""

    sku_id: str
    text: str
    tokens: tuple[str, ...]
    kind: str  # name (short name, brand+short name), alias, brand, title
    weight: float


# Base weights: a brand+product name or short name identifies an item; a brand alone or a word of the
# title only hints at it. Shared terms are divided by the number of items that share them.
KIND_WEIGHT = {"full": 3.0, "name": 2.5, "alias": 2.0, "title": 0.6, "brand": 1.0}
# jieba leaves size and pack fragments in titles (颗装 of 24颗装, 米床 of 1.8米床): not names.
_PACK_CHARS = set("装米版颗袋盒瓶包支片粒条件只个罐箱")


def _title_words(item: CatalogItem) -> list[str]:
    import jieba

    jieba.setLogLevel(60)  # jieba logs its dictionary loading at INFO
    # A word inside the brand or a longer name (好欢 of 好欢螺, 精华 of 双抗精华) is covered by that term and
    # alone is less specific, so only the title's remaining words are kept.
    covering = [normalize(x) for x in (item.brand, item.short_name, *item.aliases) if x]
    words = []
    for w in jieba.lcut(normalize(item.title)):
        if len(w) < 2 or w in GENERIC_WORDS or _UNIT_WORD.match(w) or not any(is_han(c) for c in w):
            continue
        if any(w in c for c in covering) or w[0] in _PACK_CHARS or w[-1] in _PACK_CHARS:
            continue
        words.append(w)
    return words


def _raw_terms(item: CatalogItem) -> list[tuple[str, str]]:
    terms: list[tuple[str, str]] = []
    brand = normalize(item.brand or "")
    short = normalize(item.short_name or "")
    if short:
        terms.append(("name", short))
        if brand:
            terms.append(("full", brand + short))
    terms += [("alias", normalize(a)) for a in item.aliases]
    if brand:
        terms.append(("brand", brand))
    terms += [("title", w) for w in _title_words(item)]
    out, seen = [], set()
    for kind, text in terms:
        if len(tokenize(text)) >= 2 and text not in seen:  # single characters match everywhere
            seen.add(text)
            out.append((kind, text))
    return out


def match_terms(catalog: Catalog) -> list[MatchTerm]:
    """Every item's match terms, weighted by kind and divided by the number of items sharing the text."""
    raw = {item.sku_id: _raw_terms(item) for item in catalog.items}
    share: dict[str, set[str]] = {}
    for sku, terms in raw.items():
        for _, text in terms:
            share.setdefault(text, set()).add(sku)
    out = []
    for sku, terms in raw.items():
        for kind, text in terms:
            n = len(share[text])
            # A title word shared by many items (官方正品-like) carries almost nothing: 1/n^1.5.
            weight = KIND_WEIGHT[kind] / (n if kind != "title" else n ** 1.5)
            out.append(MatchTerm(sku, text, tuple(tokenize(text)), kind, round(weight, 4)))
    return out


def link_numbers(catalog: Catalog) -> dict[int, str]:
    """link_no -> sku_id for items that have one."""
    return {i.link_no: i.sku_id for i in catalog.items if i.link_no is not None}


# --- loading -------------------------------------------------------------------------------------
def load_catalog(path: str | Path) -> Catalog:
    """Load a catalog from .json, .jsonl or .csv; ``image`` paths are resolved against the file's folder."""
    path = Path(path)
    if not path.is_file():
        raise CatalogError(f"catalog {path} not found", hint="give the path of a .json, .jsonl or .csv file")
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        records: list[Any] = list(csv.DictReader(io.StringIO(text)))
    elif suffix == ".jsonl":
        records = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise CatalogError(f"{path.name}: line {n} is not JSON ({exc.msg})",
                                       hint="write one JSON object per line") from None
    elif suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CatalogError(f"{path.name}: not valid JSON ({exc.msg} at line {exc.lineno})",
                               hint="check the file with a JSON validator") from None
        records = data.get("items") if isinstance(data, dict) else data
        if not isinstance(records, list):
            raise CatalogError(f"{path.name}: expected a list of items or {{\"items\": [...]}}",
                               hint='write [{"sku_id": "A1", "title": "..."}]')
    else:
        raise CatalogError(f"{path.name}: unknown catalog format {suffix!r}", hint="use .json, .jsonl or .csv")
    return catalog_from_records(records, source=path.name, base_dir=path.parent)


def catalog_from_records(records: Iterable[Any], source: str = "catalog", base_dir: Path | None = None) -> Catalog:
    """Validate raw records (dicts) into a Catalog. Rows are numbered from 1 in error messages."""
    items, seen = [], {}
    for row, rec in enumerate(records, 1):
        if not isinstance(rec, Mapping):
            raise CatalogError(f"{source}: row {row} is not an object", hint="each item needs sku_id and title")
        item = _item(rec, row, source, base_dir)
        if item.sku_id in seen:
            raise CatalogError(f"{source}: row {row}, field 'sku_id': duplicate {item.sku_id!r} (first in row "
                               f"{seen[item.sku_id]})", hint="each sku_id must be unique")
        seen[item.sku_id] = row
        items.append(item)
    if not items:
        raise CatalogError(f"{source}: the catalog is empty", hint="list at least one product")
    return Catalog(items=tuple(items))


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _err(source: str, row: int, field: str, what: str, hint: str) -> CatalogError:
    return CatalogError(f"{source}: row {row}, field '{field}': {what}", hint=hint)


def _text(rec: Mapping[str, Any], field: str, row: int, source: str, required: bool = False) -> str | None:
    v = rec.get(field)
    if _blank(v):
        if required:
            raise _err(source, row, field, "missing", f"every item needs a non-empty {field}")
        return None
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        raise _err(source, row, field, f"expected text, got {type(v).__name__}", "write it as a string")
    return str(v).strip()


def _number(rec: Mapping[str, Any], field: str, row: int, source: str) -> float | None:
    v = rec.get(field)
    if _blank(v):
        return None
    try:
        if isinstance(v, bool):
            raise ValueError
        x = float(str(v).strip().lstrip("¥￥").replace(",", "")) if isinstance(v, str) else float(v)
    except (TypeError, ValueError):
        raise _err(source, row, field, f"not a number ({v!r})", "write a plain number such as 39.9") from None
    if not math.isfinite(x) or x < 0:
        raise _err(source, row, field, f"must be a non-negative number, got {v!r}", "write a price such as 39.9")
    return x


def _item(rec: Mapping[str, Any], row: int, source: str, base_dir: Path | None) -> CatalogItem:
    sku_id = _text(rec, "sku_id", row, source, required=True)
    title = _text(rec, "title", row, source, required=True)
    aliases_raw = rec.get("aliases")
    if _blank(aliases_raw):
        aliases: tuple[str, ...] = ()
    elif isinstance(aliases_raw, str):
        aliases = tuple(a.strip() for a in _ALIAS_SPLIT.split(aliases_raw) if a.strip())
    elif isinstance(aliases_raw, (list, tuple)) and all(isinstance(a, str) for a in aliases_raw):
        aliases = tuple(a.strip() for a in aliases_raw if a.strip())
    else:
        raise _err(source, row, "aliases", "expected a list of strings or a '|'-separated string",
                   'write ["四件套", "床上四件套"] or 四件套|床上四件套')
    link_no = _number(rec, "link_no", row, source)
    if link_no is not None and (link_no != int(link_no) or link_no < 1):
        raise _err(source, row, "link_no", f"must be a whole number >= 1, got {rec.get('link_no')!r}",
                   "the N of N号链接")
    image = _text(rec, "image", row, source)
    return CatalogItem(
        sku_id=str(sku_id), title=str(title), brand=_text(rec, "brand", row, source),
        short_name=_text(rec, "short_name", row, source), aliases=aliases,
        price=_number(rec, "price", row, source), live_price=_number(rec, "live_price", row, source),
        link_no=int(link_no) if link_no is not None else None,
        image=(base_dir / image if base_dir else Path(image)) if image else None,
        category=_text(rec, "category", row, source),
    )
