"""catalog: load the room's product list (购物袋).

Input formats: JSON (a list, or ``{"items": [...]}``), JSONL (one object a line) and CSV with a header.
``sku_id`` and ``title`` are required; ``brand, short_name, aliases, price, live_price, link_no, image,
category, url, service_url`` are optional (``url``/``service_url``: http(s) links on allowed hosts, see
replay/links.py). Every validation error names the row and the field, so a merchant can fix the file.
The names a host may call an item by (match terms, category words, pinyin keys) are derived in
``replay.lang.terms``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replay.catalog_text import canonical_keys, decode, json_depth
from replay.contracts import Catalog, CatalogItem
from replay.errors import CatalogError
from replay.links import link_problem

log = logging.getLogger("replay.catalog")

_ALIAS_SPLIT = re.compile(r"[|、,，;；]")

# --- loading -------------------------------------------------------------------------------------
FIELDS = ("sku_id", "title", "brand", "short_name", "aliases", "price", "live_price", "link_no", "image", "category",
          "url", "service_url")
"""The catalog's columns; other columns are ignored. Chinese column names map to these (catalog_headers.tsv)."""


@dataclass(frozen=True, slots=True)
class CatalogLimits:
    """What a catalog file may be and hold (Settings: REPLAY_CATALOG_MAX_BYTES, REPLAY_CATALOG_MAX_DEPTH,
    REPLAY_LINK_HOSTS)."""

    max_bytes: int = 16 * 1024**2
    """Largest catalog file read; a real 购物袋 of a few hundred items is well under 1 MB."""
    max_depth: int = 16
    """Deepest nesting of arrays and objects in a JSON catalog ({"items": [{"aliases": [...]}]} is 3)."""
    link_hosts: tuple[str, ...] = ()
    """Hosts product links (url, service_url) may point to (REPLAY_LINK_HOSTS); empty allows any."""


@dataclass(frozen=True, slots=True)
class LoadedCatalog:
    catalog: Catalog
    encoding: str
    """The encoding the file was in (utf-8, gb18030, utf-16 ...)."""


def load_catalog(path: str | Path, limits: CatalogLimits = CatalogLimits(), root: Path | None = None) -> Catalog:
    """Load a catalog from .json, .jsonl or .csv (.tsv, .txt) in any common encoding; ``image`` paths are
    resolved against the file's folder (and must stay inside ``root`` when one is given)."""
    return read_catalog(path, limits, root).catalog


def read_catalog(path: str | Path, limits: CatalogLimits = CatalogLimits(), root: Path | None = None) -> LoadedCatalog:
    """``load_catalog``, also saying which encoding the file was in."""
    path = Path(path)
    if not path.is_file():
        raise CatalogError(f"catalog {path.name} not found", hint="give the path of a .json, .jsonl or .csv file")
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise CatalogError(f"{path.name}: {size} bytes, over the catalog limit of {limits.max_bytes}",
                           hint="a catalog lists products, not images: keep images as files beside it "
                                "(or raise REPLAY_CATALOG_MAX_BYTES)")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".tsv", ".txt", ".jsonl", ".json"):
        raise CatalogError(f"{path.name}: unknown catalog format {suffix!r}", hint="use .json, .jsonl or .csv")
    decoded = decode(path.read_bytes(), path.name)
    text = decoded.text.removeprefix("\ufeff")
    if suffix in (".csv", ".tsv", ".txt"):
        records: list[Any] = list(csv.DictReader(io.StringIO(text), dialect=_dialect(text, suffix)))
    elif suffix == ".jsonl":
        records = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                records.append(_json(line, limits, f"{path.name}: line {n}", "write one JSON object per line"))
    else:
        data = _json(text, limits, path.name, "check the file with a JSON validator")
        records = data.get("items") if isinstance(data, dict) else data
        if not isinstance(records, list):
            raise CatalogError(f"{path.name}: expected a list of items or {{\"items\": [...]}}",
                               hint='write [{"sku_id": "A1", "title": "..."}]')
    log.info("catalog %s: %s", path.name, decoded.encoding)
    return LoadedCatalog(catalog_from_records(records, source=path.name, base_dir=path.parent, root=root,
                                              link_hosts=limits.link_hosts), decoded.encoding)


def _json(text: str, limits: CatalogLimits, where: str, hint: str) -> Any:
    if json_depth(text, limits.max_depth) > limits.max_depth:
        raise CatalogError(f"{where}: JSON nested deeper than {limits.max_depth} levels",
                           hint="a catalog is a list of flat objects (or raise REPLAY_CATALOG_MAX_DEPTH)")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{where} is not valid JSON ({exc.msg} at line {exc.lineno})", hint=hint) from None


def _dialect(text: str, suffix: str) -> type[csv.Dialect]:
    """Comma CSV, or tab-separated (.tsv, and Excel's "Unicode text" export, which is UTF-16 with tabs)."""
    header = text.split("\n", 1)[0]
    return csv.excel_tab if suffix == ".tsv" or header.count("\t") > header.count(",") else csv.excel


def catalog_from_records(records: Iterable[Any], source: str = "catalog", base_dir: Path | None = None,
                         root: Path | None = None, link_hosts: Iterable[str] = ()) -> Catalog:
    """Validate raw records (dicts) into a Catalog. Rows are numbered from 1 in error messages.

    Column names are read through the alias table (商品ID is sku_id ...). With ``root`` (the API's media
    root), every ``image`` must resolve inside it: relative to ``base_dir`` (the catalog file's folder), or
    to ``root`` itself for a catalog given inline. Product links must point to ``link_hosts`` (empty allows
    any http(s) host)."""
    items, seen, link_hosts = [], {}, tuple(link_hosts)
    for row, rec in enumerate(records, 1):
        if not isinstance(rec, Mapping):
            raise CatalogError(f"{source}: row {row} is not an object", hint="each item needs sku_id and title")
        item = _item(canonical_keys(dict(rec), FIELDS), row, source, base_dir or root, root, link_hosts)
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


def _image(rec: Mapping[str, Any], row: int, source: str, base_dir: Path | None, root: Path | None) -> Path | None:
    image = _text(rec, "image", row, source)
    if not image:
        return None
    path = base_dir / image if base_dir else Path(image)
    if root is not None:
        # Resolved (symlinks followed, .. collapsed) and compared as paths: /data/media2 is not in /data/media.
        real_root = Path(os.path.realpath(root))
        if "\x00" in image or not Path(os.path.realpath(path)).is_relative_to(real_root):
            raise _err(source, row, "image", f"{image!r} is outside the media root",
                       "put the images beside the catalog file, under REPLAY_MEDIA_ROOT, and name them relative to it")
    return path


def _link(rec: Mapping[str, Any], field: str, row: int, source: str, hosts: tuple[str, ...]) -> str | None:
    url = _text(rec, field, row, source)
    problem = url and link_problem(url, hosts)
    if problem:
        raise _err(source, row, field, f"{problem} ({url[:80]!r})",
                   "give the product's page as https://… on a shop host" + (" allowed by REPLAY_LINK_HOSTS" if hosts else ""))
    return url


def _item(rec: Mapping[str, Any], row: int, source: str, base_dir: Path | None, root: Path | None = None,
          link_hosts: tuple[str, ...] = ()) -> CatalogItem:
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
    image = _image(rec, row, source, base_dir, root)
    return CatalogItem(
        sku_id=str(sku_id), title=str(title), brand=_text(rec, "brand", row, source),
        short_name=_text(rec, "short_name", row, source), aliases=aliases,
        price=_number(rec, "price", row, source), live_price=_number(rec, "live_price", row, source),
        link_no=int(link_no) if link_no is not None else None,
        image=image,
        category=_text(rec, "category", row, source),
        url=_link(rec, "url", row, source, link_hosts), service_url=_link(rec, "service_url", row, source, link_hosts),
    )
