"""ranges: parse an HTTP Range header (RFC 7233) against a file size.

Only single byte ranges are served as 206. A header with several ranges is answered with the whole file
(200), which RFC 7233 section 3.1 allows ("a server MAY ignore the Range header field"): video players ask
for one range at a time, and multipart/byteranges would only add code that no client here exercises.
A header that cannot be parsed is ignored the same way. A well-formed range that lies wholly past the end
of the file is unsatisfiable (416).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPEC = re.compile(r"\s*(\d*)\s*-\s*(\d*)\s*")


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int
    """Inclusive, as in Content-Range."""

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


class Unsatisfiable(Exception):
    """The Range is valid but selects no byte of the file: answer 416 with ``Content-Range: bytes */SIZE``."""


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The single range to serve, or None to serve the whole file; raises Unsatisfiable for 416.

    Handles ``bytes=A-B`` (B clipped to the last byte), open ``bytes=A-`` and suffix ``bytes=-N`` (the last N
    bytes). Multiple ranges or a malformed header give None (full 200), see the module docstring.
    """
    if not header:
        return None
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    parts = spec.split(",")
    if len(parts) != 1:
        return None
    m = _SPEC.fullmatch(parts[0])
    if not m or (not m.group(1) and not m.group(2)):
        return None
    first, last = m.group(1), m.group(2)
    if not first:  # suffix: the last N bytes
        n = int(last)
        if n == 0 or size == 0:
            raise Unsatisfiable()
        return ByteRange(max(0, size - n), size - 1)
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # syntactically invalid: ignore it (RFC 7233 2.1)
    if start >= size:
        raise Unsatisfiable()
    return ByteRange(start, min(end, size - 1))
