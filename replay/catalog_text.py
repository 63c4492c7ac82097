"""catalog_text: turn a catalog file's bytes into text and its column names into catalog fields.

Shops export their product lists from spreadsheets, and a Chinese spreadsheet saves CSV in GBK/GB18030
(Excel's default on a Chinese Windows) or UTF-16 ("Unicode text", tab-separated) as often as in UTF-8. The
encoding is found from the byte-order mark, then strict UTF-8, then charset-normalizer limited to the
encodings such files come in; the one used is reported, and a file none of them decodes is refused with
the encodings tried. Column names in Chinese (商品ID, 商品名称, 直播价 ...) are mapped to fields by the table
in catalog_headers.tsv.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from charset_normalizer import from_bytes

from replay.errors import CatalogError

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# UTF-32 BOMs start with the UTF-16 LE one, so they are tested first.
CANDIDATES = ("gb18030", "big5", "utf_16_le", "utf_16_be")
"""What charset-normalizer may choose among once BOM and UTF-8 failed: the encodings Chinese spreadsheets
save in (GB18030 is a superset of GBK and GB2312). Others (Latin-1, Shift-JIS ...) decode almost any bytes
into wrong text, so they are never guessed."""


@dataclass(frozen=True, slots=True)
class DecodedText:
    text: str
    encoding: str
    """The codec that decoded the file (utf-8, utf-8-sig, gb18030, utf-16 ...)."""


def decode(data: bytes, source: str) -> DecodedText:
    """The text of a catalog file, and the encoding it was in; CatalogError (400) when none fits."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(data.decode(name), name)
            except UnicodeDecodeError:
                break  # a BOM and then something else: let the detector have a look
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=list(CANDIDATES)).best()
    if best is not None:
        return DecodedText(str(best), best.encoding)
    tried = ", ".join(("utf-8", *CANDIDATES)).replace("_", "-")
    raise CatalogError(f"{source}: cannot decode the file as text (tried {tried})",
                       hint="save the catalog as CSV UTF-8 (Excel: 另存为 → CSV UTF-8) or as JSON")


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")
_UNIT = re.compile(r"[（(][^）)]*[）)]$")  # 价格(元), 直播价（元）


def _key(name: str) -> str:
    name = unicodedata.normalize("NFKC", name).replace("\ufeff", "").strip()
    return re.sub(r"\s+", " ", _UNIT.sub("", name).strip()).lower()


@cache
def header_aliases() -> dict[str, str]:
    """alias key -> field, from catalog_headers.tsv (package data)."""
    table: dict[str, str] = {}
    for line in files("replay").joinpath("catalog_headers.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            alias, field = line.split("\t")
            table[_key(alias)] = field.strip()
    return table


def canonical_keys(record: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """``record`` with each known column name (a field's own name, or an alias from the table) replaced by
    its field; unknown columns are kept as they are. When two columns name one field, the first non-empty
    value wins."""
    aliases = header_aliases()
    out: dict[str, Any] = {}
    for name, value in record.items():
        key = _key(name) if isinstance(name, str) else name
        field = key if key in fields else aliases.get(key, name)
        empty = value is None or (isinstance(value, str) and not value.strip())
        if field not in out or (not empty and _blank(out[field])):
            out[field] = value
    return out


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def json_depth(text: str, limit: int) -> int:
    """How deeply ``text``'s arrays and objects nest, counted without parsing it (the parser itself
    recurses, and a file of ``[[[[…]]]]`` would exhaust Python's stack); stops counting past ``limit``."""
    depth = deepest = 0
    # Strings may hold brackets: drop them first (a JSON string is "...", with \" and \\ escapes).
    for m in _BRACKET.finditer(_STRING.sub("", text)):
        if m.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        else:
            depth -= 1
    return deepest
