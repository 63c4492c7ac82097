"""Clips for editors: cut one 看点 or a time range as a background job, then download the file.

POST /streams/{id}/clips answers 202 with a job; GET /jobs/{job_id} shows its progress and, when done,
the URLs of the clip and its subtitle files, served by GET /streams/{id}/clips/{name} with Range support.
A request is checked before it is accepted (400 for an unknown 看点, a range that is reversed, too short or
past the recording, options that cannot be done together, an audio-only recording), so an accepted clip job
fails only for reasons no request could foresee (a full disk). At most REPLAY_MAX_QUEUED_JOBS clip jobs wait
(429 with Retry-After beyond), and they wait behind every index job. A finished job's result is the clip's
report: the start it really has (``mode: copy`` starts at a keyframe), and ``price_flags``, the prices said in
it that the catalog does not list for its product.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from replay.api.deps import context, get_db, get_settings, require_api_key
from replay.api.errors import ERROR_RESPONSES, WRITE_RESPONSES
from replay.api.routes_media import serve_file
from replay.errors import ClipOptionsError, ClipRangeError, NotFound, NoVideoForClip, UnknownHighlight
from replay.jobs.runner import ClipRequest, clips_dir
from replay.media.clips import ClipOptions
from replay.settings import MAX_SECONDS, Settings
from replay.store.database import Database

router = APIRouter(responses=ERROR_RESPONSES, tags=["clips"])
_CLIP_NAME = re.compile(r"^j[0-9a-f]{12}\.(mp4|srt|vtt)$")

# Copy mode stream-copies the picture, so it cannot reframe it (vertical) or draw subtitles into it. Stated in
# the schema, so that a client (and Schemathesis) knows before asking; checked in create_clip.
_COPY_CANNOT_CHANGE_THE_PICTURE: dict[str, Any] = {"not": {
    "required": ["mode"], "properties": {"mode": {"const": "copy"}},
    "anyOf": [{"required": ["vertical"], "properties": {"vertical": {"const": True}}},
              {"required": ["subtitles"], "properties": {"subtitles": {"enum": ["burn", "both"]}}}]}}


class _ClipOptionsBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_COPY_CANNOT_CHANGE_THE_PICTURE)

    padding: float = Field(0.0, ge=0, le=60, description="Seconds added on both sides (clamped to the recording).")
    mode: Literal["accurate", "copy"] = Field("accurate", description="accurate re-encodes; copy cuts at keyframes "
                                                                      "and cannot be vertical or burn subtitles.")
    vertical: bool = Field(False, description="9:16 output (720x1280) for short-video apps.")
    subtitles: Literal["none", "burn", "sidecar", "both"] = "sidecar"
    reframe: Literal["auto", "center", "pad"] = Field(
        "auto", description="With vertical: auto (a 9:16 window following the host and the product card), center, "
                            "or pad (the whole frame over a blurred fill).")
    subtitle_position: Literal["above_band", "bottom", "top"] = Field(
        "above_band", description="Burned subtitles: above_band (clear of the lower fifth and of the product "
                                  "cards), bottom or top.")


class HighlightClip(_ClipOptionsBody):
    """One 看点 of the stream, by its id."""

    highlight_id: str = Field(min_length=1, max_length=64, examples=["h3f9a1c2b7d4e"])


class RangeClip(_ClipOptionsBody):
    """A time range of the recording, in seconds: ``end`` after ``start``, at least REPLAY_CLIP_MIN_SECONDS
    apart, inside the recording."""

    start: float = Field(ge=0, le=MAX_SECONDS)
    end: float = Field(gt=0, le=MAX_SECONDS)


ClipBody = Annotated[HighlightClip | RangeClip, Body(description="A 看点 (highlight_id) or a range (start, end); "
                                                                "never both.")]


def _check(body: HighlightClip | RangeClip, stream_id: str, db: Database, settings: Settings
           ) -> tuple[float, float, str | None, str | None]:
    """(start, end, sku, title) of a clip that can be cut; a 400 naming the problem otherwise."""
    stream = db.stream(stream_id)  # 404 for an unknown stream
    if not (stream["media"] or {}).get("has_video", True):
        raise NoVideoForClip(f"stream {stream_id} is audio only: there is no picture to cut",
                             hint=f"use its transcript (GET /streams/{stream_id}/subtitles.srt) instead")
    if body.mode == "copy" and (body.vertical or body.subtitles in ("burn", "both")):
        raise ClipOptionsError("copy mode cannot change the picture (vertical or burned subtitles)",
                               hint="use mode=accurate for those, or subtitles=sidecar")
    duration = float(stream["duration"])
    if isinstance(body, HighlightClip):
        h = next((x for x in db.highlights(stream_id).highlights if x.id == body.highlight_id), None)
        if h is None:
            raise UnknownHighlight(f"stream {stream_id} has no 看点 {body.highlight_id!r}",
                                   hint=f"take an id from GET /streams/{stream_id}/highlights")
        return h.start, h.end, h.sku_id, h.title
    start, end = body.start, body.end
    if end <= start:
        raise ClipRangeError(f"the range {start:g}-{end:g} ends before it starts", hint="give start < end, in seconds")
    if end > duration + 0.05:  # the recording's last frame may end a few ms after its stated duration
        raise ClipRangeError(f"the range {start:g}-{end:g} goes past the end of the {duration:.1f} s recording",
                             hint=f"give 0 <= start < end <= {duration:.1f}")
    if end - start < settings.clip_min_seconds:
        raise ClipRangeError(f"the range {start:g}-{end:g} is shorter than {settings.clip_min_seconds:g} s",
                             hint="ask for a longer range (REPLAY_CLIP_MIN_SECONDS)")
    return start, min(end, duration), None, None


@router.post("/streams/{stream_id}/clips", status_code=202, dependencies=[Depends(require_api_key)],
             responses=WRITE_RESPONSES)
def create_clip(stream_id: str, body: ClipBody, request: Request, db: Database = Depends(get_db),
                settings: Settings = Depends(get_settings)) -> JSONResponse:
    """Queue a clip job; poll GET /jobs/{job_id} for progress and the file URLs."""
    start, end, sku, title = _check(body, stream_id, db, settings)
    options = ClipOptions(padding=body.padding, mode=body.mode, vertical=body.vertical, subtitles=body.subtitles,
                          reframe=body.reframe, subtitle_position=body.subtitle_position)
    runner = context(request).runner
    with runner.admit("clip"):  # 429 when too many clip jobs wait
        req = ClipRequest(job_id="", stream_id=stream_id, start=start, end=end, options=options, sku_id=sku,
                          title=title)
        job = db.create_job(stream_id, "clip", req.job_options())
        runner.submit(replace(req, job_id=job.id))
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
