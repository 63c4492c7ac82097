"""server: how replay runs the app under uvicorn (``replay serve``; the tests' background server).

Two changes to uvicorn's HTTP/1.1 protocol (h11), which refuses a request line holding raw non-ASCII bytes
(``GET /search?q=杯`` as curl sends it) with a plain-text 400:
- such bytes in a request line are percent-encoded before h11 parses it, as a browser would have sent them,
  so ``/search?q=杯`` finds 杯;
- a request h11 still refuses (a malformed header, a request line split across packets) gets the API's JSON
  error shape instead of uvicorn's plain text. It never reaches the app, so 400 is all it can get.
"""

from __future__ import annotations

import json
import re
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from replay.api.errors import error_body

_BAD_REQUEST = json.dumps(error_body(
    400, "bad_request", "the HTTP request could not be parsed (a URL with raw non-ASCII characters, or a "
    "malformed request line or header)",
    "percent-encode non-ASCII characters in the URL, e.g. /search?q=%E6%9D%AF for 杯 "
    "(curl -G --data-urlencode q=杯 ...)"), ensure_ascii=False).encode()


_HIGH = re.compile(rb"[\x80-\xff]")


class JsonErrorH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, taking raw UTF-8 URLs and answering unparseable requests in the API's one
    error shape."""

    def data_received(self, data: bytes) -> None:
        # Only a request line that arrives whole at the start of a request; anything else goes to h11 as is.
        if self.conn.their_state is h11.IDLE and not self.conn.trailing_data[0]:
            line, sep, rest = data.partition(b"\r\n")
            if sep and _HIGH.search(line):
                data = _HIGH.sub(lambda m: b"%%%02X" % m[0][0], line) + sep + rest
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(_BAD_REQUEST)).encode()),
                   (b"connection", b"close")]
        self.transport.write(self.conn.send(h11.Response(status_code=400, headers=headers, reason=b"Bad Request")))
        self.transport.write(self.conn.send(h11.Data(data=_BAD_REQUEST)))
        self.transport.write(self.conn.send(h11.EndOfMessage()))
        self.transport.close()


def uvicorn_config(app: Any, host: str, port: int, **kwargs: Any) -> uvicorn.Config:
    """The uvicorn Config replay serves with (JSON errors for unparseable requests)."""
    return uvicorn.Config(app, host=host, port=port, http=JsonErrorH11Protocol, **kwargs)
