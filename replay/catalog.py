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
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from replay.contracts import Catalog, CatalogItem
from replay.errors import CatalogError
from replay.links import link_problem

_ALIAS_SPLIT = re.compile(r"[|、,，;；]")

# --- loading -------------------------------------------------------------------------------------
def load_catalog(path: str | Path, link_hosts: Iterable[str] = ()) -> Catalog:
    """Load a catalog from .json, .jsonl or .csv; ``image`` paths are resolved against the file's folder.
    ``link_hosts``: the hosts product links may point to (the ``link_hosts`` setting; empty allows any)."""
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
    return catalog_from_records(records, source=path.name, base_dir=path.parent, link_hosts=link_hosts)


def catalog_from_records(records: Iterable[Any], source: str = "catalog", base_dir: Path | None = None,
                         link_hosts: Iterable[str] = ()) -> Catalog:
    """Validate raw records (dicts) into a Catalog. Rows are numbered from 1 in error messages."""
    items, seen, link_hosts = [], {}, tuple(link_hosts)
    for row, rec in enumerate(records, 1):
        if not isinstance(rec, Mapping):
            raise CatalogError(f"{source}: row {row} is not an object", hint="each item needs sku_id and title")
        item = _item(rec, row, source, base_dir, link_hosts)
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


def _link(rec: Mapping[str, Any], field: str, row: int, source: str, hosts: tuple[str, ...]) -> str | None:
    url = _text(rec, field, row, source)
    problem = url and link_problem(url, hosts)
    if problem:
        raise _err(source, row, field, f"{problem} ({url[:80]!r})",
                   "give the product's page as https://… on a shop host" + (" allowed by REPLAY_LINK_HOSTS" if hosts else ""))
    return url


def _item(rec: Mapping[str, Any], row: int, source: str, base_dir: Path | None, link_hosts: tuple[str, ...] = ()) -> CatalogItem:
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
        url=_link(rec, "url", row, source, link_hosts), service_url=_link(rec, "service_url", row, source, link_hosts),
    )
