"""Media: the recording with HTTP Range (what <video> seeking needs) and 看点 thumbnails with ETags."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response, StreamingResponse

from replay.api.deps import get_db, get_settings
from replay.api.errors import ERROR_RESPONSES, error_response
from replay.api.ranges import Unsatisfiable, parse_range
from replay.api.views import thumbnail_file
from replay.errors import MediaNotFound, NotFound
from replay.media.sniff import MEDIA_TYPES
from replay.settings import Settings
from replay.store.database import Database

router = APIRouter(responses=ERROR_RESPONSES, tags=["media"])

CHUNK = 256 * 1024
THUMB_CACHE = "public, max-age=86400"


def _etag(path: Path) -> tuple[str, float]:
    """A strong validator from size and mtime (If-Range needs a strong one), and the mtime."""
    try:
        st = path.stat()
    except OSError:
        raise MediaNotFound(f"the file of this stream is gone ({path.name})",
                            hint="re-register the recording with POST /streams") from None
    return f'"{st.st_size:x}-{st.st_mtime_ns:x}"', st.st_mtime


def _media_type(path: Path) -> str:
    ext = path.suffix.lower().lstrip(".")
    return MEDIA_TYPES.get(ext) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _if_range_matches(value: str, etag: str, mtime: float) -> bool:
    """If-Range holds either an ETag (compared strongly: a weak one never matches) or an HTTP date."""
    value = value.strip()
    if value.startswith(('"', "W/")):
        return value == etag
    try:
        return int(parsedate_to_datetime(value).timestamp()) == int(mtime)
    except (TypeError, ValueError):
        return False


def iter_file(path: Path, start: int, length: int, chunk: int = CHUNK) -> Iterator[bytes]:
    """Lazily yield ``length`` bytes from ``start``: a 6 h recording is never read whole into memory."""
    with path.open("rb") as f:
        f.seek(start)
        left = length
        while left > 0:
            data = f.read(min(chunk, left))
            if not data:
                return  # the file shrank under us; the client sees a short body rather than a hang
            left -= len(data)
            yield data


_MEDIA_RESPONSES = {200: {"content": {"video/mp4": {}}, "description": "The whole file"},
                    206: {"description": "One byte range (Range: bytes=A-B, A- or -N)"},
                    416: {"description": "Range past the end; Content-Range: bytes */SIZE"}}


@router.head("/streams/{stream_id}/media", response_class=Response, responses=_MEDIA_RESPONSES,
             operation_id="head_media", summary="Head Media")
@router.get("/streams/{stream_id}/media", response_class=Response, responses=_MEDIA_RESPONSES)
def get_media(stream_id: str, request: Request, db: Database = Depends(get_db)) -> Response:
    """The recording, with Range (206), HEAD and If-Range. Several ranges in one request get the whole file
    (200), as RFC 7233 allows; a range wholly past the end gets 416."""
    path = Path(db.stream(stream_id)["path"])  # written by POST /streams (contained) or by the operator's CLI
    return serve_file(path, request)


def serve_file(path: Path, request: Request, cache_control: str = "no-cache") -> Response:
    """Serve a media file with Range, HEAD and If-Range; shared by the recording and clip endpoints."""
    etag, mtime = _etag(path)
    size = path.stat().st_size
    headers = {"Accept-Ranges": "bytes", "ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True),
               "Cache-Control": cache_control}
    range_header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if range_header and if_range and not _if_range_matches(if_range, etag, mtime):
        range_header = None  # the client's partial copy is stale: send the whole current file
    try:
        rng = parse_range(range_header, size)
    except Unsatisfiable:
        return error_response(416, "range_not_satisfiable", f"range {range_header!r} is outside the file ({size} bytes)",
                              "ask for bytes between 0 and SIZE-1", headers={**headers, "Content-Range": f"bytes */{size}"})
    status, start, length = 200, 0, size
    if rng is not None:
        status, start, length = 206, rng.start, rng.length
        headers["Content-Range"] = rng.content_range(size)
    headers["Content-Length"] = str(length)
    media_type = _media_type(path)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=media_type)
    return StreamingResponse(iter_file(path, start, length), status_code=status, headers=headers, media_type=media_type)


@router.get("/streams/{stream_id}/thumbnails/{highlight_id}.jpg", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}, 304: {"description": "Not modified (If-None-Match)"}})
def get_thumbnail(stream_id: str, highlight_id: str, request: Request, db: Database = Depends(get_db),
                  settings: Settings = Depends(get_settings)) -> Response:
    """A 看点's thumbnail (JPEG), cacheable: ETag + Cache-Control, 304 when If-None-Match matches."""
    # Only ids of this stream's 看点 are served, and only the file each one names, never a path of the client's.
    h = next((x for x in db.highlights(stream_id).highlights if x.id == highlight_id), None)
    if h is None:
        raise NotFound(f"stream {stream_id} has no 看点 {highlight_id!r}", hint=f"see GET /streams/{stream_id}/highlights")
    path = thumbnail_file(settings, stream_id, h)
    if path is None or not path.is_file():
        raise NotFound(f"看点 {highlight_id} has no thumbnail", hint="thumbnails exist only for streams with video")
    etag, mtime = _etag(path)
    headers = {"ETag": etag, "Cache-Control": THUMB_CACHE, "Last-Modified": formatdate(mtime, usegmt=True)}
    inm = request.headers.get("if-none-match")
    if inm and (inm.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in inm.split(",")]):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type="image/jpeg", headers=headers)
