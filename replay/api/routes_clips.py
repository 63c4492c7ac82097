"""Clips for editors: cut one 看点 or a time range as a background job, then download the file.

POST /streams/{id}/clips answers 202 with a job; GET /jobs/{job_id} shows its progress and, when done,
the URLs of the clip and its subtitle files, served by GET /streams/{id}/clips/{name} with Range support, and the
clip's report: the start it really has (``mode: copy`` starts at a keyframe), and ``price_flags``, the prices said
in it that the catalog does not list for its product.
"""

from __future__ import annotations

import re
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, model_validator

from replay.api.deps import context, get_db, get_settings, require_api_key
from replay.api.errors import ERROR_RESPONSES
from replay.api.routes_media import serve_file
from replay.errors import InputError, NotFound
from replay.jobs.runner import ClipRequest, clips_dir
from replay.media.clips import ClipOptions
from replay.settings import Settings
from replay.store.database import Database

router = APIRouter(responses=ERROR_RESPONSES, tags=["clips"])
_CLIP_NAME = re.compile(r"^j[0-9a-f]{12}\.(mp4|srt|vtt)$")


class ClipBody(BaseModel):
    """One 看点 (``highlight_id``) or a time range (``start`` and ``end`` in seconds)."""

    highlight_id: str | None = Field(None, examples=["s0ecbbc0e0db-1"])
    start: float | None = Field(None, ge=0)
    end: float | None = Field(None, gt=0)
    padding: float = Field(0.0, ge=0, le=60, description="Seconds added on both sides.")
    mode: Literal["accurate", "copy"] = Field("accurate", description="accurate re-encodes; copy cuts at keyframes.")
    vertical: bool = Field(False, description="9:16 output (720x1280) for short-video apps.")
    subtitles: Literal["none", "burn", "sidecar", "both"] = "sidecar"
    reframe: Literal["auto", "center", "pad"] = Field(
        "auto", description="With vertical: auto (a 9:16 window following the host and the product card), center, "
                            "or pad (the whole frame over a blurred fill).")
    subtitle_position: Literal["above_band", "bottom", "top"] = Field(
        "above_band", description="Burned subtitles: above_band (clear of the lower fifth and of the product "
                                  "cards), bottom or top.")

    @model_validator(mode="after")
    def _one_target(self) -> ClipBody:
        if (self.highlight_id is None) == (self.start is None or self.end is None):
            raise ValueError("give either highlight_id, or start and end")
        return self


@router.post("/streams/{stream_id}/clips", status_code=202, dependencies=[Depends(require_api_key)])
def create_clip(stream_id: str, body: ClipBody, request: Request, db: Database = Depends(get_db)) -> JSONResponse:
    """Queue a clip job; poll GET /jobs/{job_id} for progress and the file URLs."""
    sku = title = None
    if body.highlight_id is not None:
        h = next((x for x in db.highlights(stream_id).highlights if x.id == body.highlight_id), None)
        if h is None:
            raise NotFound(f"stream {stream_id} has no 看点 {body.highlight_id!r}",
                           hint=f"see GET /streams/{stream_id}/highlights")
        start, end, sku, title = h.start, h.end, h.sku_id, h.title
    else:
        assert body.start is not None and body.end is not None
        start, end = body.start, body.end
        duration = db.stream(stream_id)["duration"]
        if end <= start or start >= duration:
            raise InputError(f"bad range {start}-{end} for a {duration:.1f} s recording", hint="give 0 <= start < end")
    options = ClipOptions(padding=body.padding, mode=body.mode, vertical=body.vertical, subtitles=body.subtitles,
                          reframe=body.reframe, subtitle_position=body.subtitle_position)
    job = db.create_job(stream_id, "clip", {"start": start, "end": end, **body.model_dump()})
    context(request).runner.submit(ClipRequest(job_id=job.id, stream_id=stream_id, start=start, end=end,
                                               options=options, sku_id=sku, title=title))
    return JSONResponse({"job_id": job.id, "stream_id": stream_id, "job": f"/jobs/{job.id}"}, status_code=202)


@router.get("/streams/{stream_id}/clips/{name}", response_class=Response,
            responses={200: {"content": {"video/mp4": {}, "text/vtt": {}, "application/x-subrip": {}}}})
def get_clip(stream_id: str, name: str, request: Request, db: Database = Depends(get_db),
             settings: Settings = Depends(get_settings)) -> Response:
    """A finished clip (or its .srt/.vtt), with Range support."""
    db.stream(stream_id)  # 404 for unknown streams
    # Only names the clip job itself generates are served, so the name can never walk out of the folder.
    if not _CLIP_NAME.match(name) or not (clips_dir(settings, stream_id) / name).is_file():
        raise NotFound(f"no clip {name!r} for stream {stream_id}", hint="names come from the clip job's result")
    return serve_file(clips_dir(settings, stream_id) / name, request, cache_control="public, max-age=3600")
