"""Uploads: stream a multipart file to MEDIA_ROOT/uploads/ under a generated name, sniffing its type.

The body is parsed as it arrives (python-multipart's push parser), not spooled by the framework first, so
REPLAY_MAX_UPLOAD_BYTES is enforced while bytes flow: the request is cut off with 413 the moment it is
exceeded and the partial file is deleted. The stored name is a UUID plus the extension of the *sniffed*
type; the client's file name is never used, and unknown content is refused with 415 before it is kept.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from replay.api.deps import get_settings, require_api_key
from replay.api.errors import ERROR_RESPONSES, WRITE_RESPONSES
from replay.errors import InputError, PayloadTooLarge, UnsupportedMediaType
from replay.media.sniff import MEDIA_TYPES, SNIFF_BYTES, sniff
from replay.settings import Settings

router = APIRouter(responses=ERROR_RESPONSES, tags=["uploads"])

FORM_OVERHEAD = 64 * 1024
"""Bytes of multipart framing and small form fields allowed on top of the file itself."""
_KINDS = "mp4, mov, m4a, mkv, webm, flv, mp3, wav, ts"


class _FileSink:
    """Receives the parts of one multipart body and writes the first file part to disk."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.folder, self.limit = folder, limit
        self.temp = folder / f".{uuid.uuid4().hex}.part"
        self.kind: str | None = None
        self.size = 0
        self.head = bytearray()
        self.file = None
        self.done = False  # the file part is complete
        self._in_file = False
        self._field, self._value = b"", b""
        self._disposition = b""

    # --- parser callbacks ---------------------------------------------------------------------
    def on_part_begin(self) -> None:
        self._disposition = b""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        if self._field.lower() == b"content-disposition":
            self._disposition = self._value
        self._field, self._value = b"", b""

    def on_headers_finished(self) -> None:
        _, params = parse_options_header(self._disposition)
        self._in_file = not self.done and self.file is None and not self.head and params.get(b"name") == b"file"

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._in_file:
            return
        chunk = data[start:end]
        self.size += len(chunk)
        if self.size > self.limit:
            raise PayloadTooLarge(f"the upload is larger than {self.limit} bytes",
                                  hint="raise REPLAY_MAX_UPLOAD_BYTES or register a file already on the server")
        if self.file is None:
            self.head += chunk
            if len(self.head) >= SNIFF_BYTES:
                self._open()
        else:
            self.file.write(chunk)

    def on_part_end(self) -> None:
        if self._in_file:
            if self.file is None:
                self._open()  # a file shorter than SNIFF_BYTES
            self._in_file, self.done = False, True

    # --- helpers --------------------------------------------------------------------------------
    def _open(self) -> None:
        self.kind = sniff(bytes(self.head))
        if self.kind is None:
            raise UnsupportedMediaType("the uploaded file is not a recognised audio/video container",
                                       hint=f"upload one of: {_KINDS}")
        self.file = self.temp.open("wb")
        self.file.write(self.head)
        self.head = bytearray()

    def finish(self) -> Path:
        assert self.file is not None and self.kind is not None
        self.file.close()
        final = self.folder / f"{uuid.uuid4().hex}.{self.kind}"
        self.temp.rename(final)
        return final

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()
        self.temp.unlink(missing_ok=True)


_ERR = ERROR_RESPONSES[400]["content"]


@router.post("/uploads", status_code=201, dependencies=[Depends(require_api_key)],
             responses={413: {"description": "Larger than REPLAY_MAX_UPLOAD_BYTES", "content": _ERR},
                        415: {"description": "Not one of the accepted audio/video containers (the bytes are "
                                             "sniffed; the declared type and the file name are not trusted)",
                              "content": _ERR},
                        507: WRITE_RESPONSES[507]},
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file"],
                 "properties": {"file": {"type": "string", "format": "binary",
                                         "description": f"A recording: {_KINDS}."}}},
                 # The part types accepted; anything else (a PNG, a PDF) gets 415.
                 "encoding": {"file": {"contentType": ", ".join(sorted(set(MEDIA_TYPES.values())))}}}}}})
async def upload(request: Request, settings: Settings = Depends(get_settings)) -> JSONResponse:
    """Upload a recording as multipart field ``file``. Answers 201 ``{path, size, type}``, where ``path`` is
    relative to the media root and can be given to POST /streams."""
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or not params.get(b"boundary"):
        raise UnsupportedMediaType("send the file as multipart/form-data", hint="curl -F file=@live.mp4 .../uploads")
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + FORM_OVERHEAD:
        raise PayloadTooLarge(f"the upload ({declared} bytes) is larger than {limit} bytes",
                              hint="raise REPLAY_MAX_UPLOAD_BYTES or register a file already on the server")
    folder = settings.media_root / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    sink = _FileSink(folder, limit)
    parser = MultipartParser(params[b"boundary"], {
        name: getattr(sink, name) for name in ("on_part_begin", "on_header_field", "on_header_value",
                                               "on_header_end", "on_headers_finished", "on_part_data", "on_part_end")})
    received = 0
    try:
        try:
            async for chunk in request.stream():
                received += len(chunk)
                if received > limit + FORM_OVERHEAD:  # a body without Content-Length, or framing abuse
                    raise PayloadTooLarge(f"the upload is larger than {limit} bytes",
                                          hint="raise REPLAY_MAX_UPLOAD_BYTES or register a file already on the server")
                await anyio.to_thread.run_sync(parser.write, chunk)  # disk writes off the event loop
            parser.finalize()
        except MultipartParseError as exc:
            raise InputError(f"malformed multipart body ({exc})", hint="curl -F file=@live.mp4 .../uploads") from None
        if not sink.done:
            raise InputError("no complete `file` part in the form", hint="curl -F file=@live.mp4 .../uploads")
        final = sink.finish()
    except BaseException:  # 413, 415, a dropped connection: never leave a partial file behind
        sink.discard()
        raise
    return JSONResponse({"path": final.relative_to(settings.media_root).as_posix(), "size": sink.size,
                         "type": sink.kind}, status_code=201)
