"""HLS (issue 18): package a stream, follow it, and serve its ladder and the player's hls.js.

POST /streams/{id}/package queues a package job (202), which runs on its own low-priority lane and stops
while an index job runs (replay/hls/job.py). GET /streams/{id}/package reports the ladder. The playlists and
segments are served from the stream's hls/ folder under names the packager writes and nothing else.
"""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from replay.api.deps import context, get_db, get_settings, require_api_key
from replay.api.errors import ERROR_RESPONSES, ERROR_SCHEMA, WRITE_RESPONSES
from replay.api.paths import redact
from replay.api.routes_media import serve_file
from replay.api.views import job_json
from replay.api.web import WEB_DIR
from replay.contracts import to_json
from replay.errors import Conflict, NotFound
from replay.hls.job import PackageRequest, create_package_job, pending_package_job
from replay.hls.package import hls_dir, read_manifest
from replay.settings import Settings, with_options
from replay.store.database import Database

router = APIRouter(responses=ERROR_RESPONSES, tags=["hls"])

# Only what the packager writes: master.m3u8, RUNG/index.m3u8, RUNG/pNNNN_NNNN.ts|m4s, RUNG/pNNNN_init.mp4.
_FILE = re.compile(r"^(master\.m3u8|\d{2,4}(-h265|-av1)?/(index\.m3u8|p\d{4}_\d{4}\.(ts|m4s)|p\d{4}_init\.mp4))$")
_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".m4s": "video/iso.segment", ".mp4": "video/mp4"}
HLS_JS = WEB_DIR / "vendor" / "hls.light.min.js"
"""hls.js from the npm registry, copied here by scripts/install.sh (never from a CDN)."""


class PackageBody(BaseModel):
    options: dict[str, Any] | None = Field(
        None, description="This job's own package settings over the server's (fields of `replay config`'s "
                          "REPLAY_PACKAGE__*).", examples=[{"keep_original": False, "heights": [720, 360]}])
    force: bool = Field(False, description="Search and encode again, ignoring finished parts.")


PACKAGE_RESPONSES = {
    409: {"description": "The stream is already being packaged (the error names the job to poll)",
          "content": {"application/json": {"schema": ERROR_SCHEMA}}},
    413: WRITE_RESPONSES[413], 507: WRITE_RESPONSES[507]}


@router.post("/streams/{stream_id}/package", status_code=202, dependencies=[Depends(require_api_key)],
             responses=PACKAGE_RESPONSES)
def create_package(stream_id: str, request: Request, body: PackageBody | None = None,
                   db: Database = Depends(get_db)) -> JSONResponse:
    """Queue a package job: the HLS ladder of the stream (low priority: it waits for index jobs)."""
    body = body or PackageBody()
    ctx = context(request)
    options = {"package": body.options} if body.options else {}
    with_options(ctx.settings, options)  # bad options fail now (400), not in the job
    db.stream(stream_id)
    busy = pending_package_job(db, stream_id)
    if busy is not None:
        raise Conflict(f"stream {stream_id} is already being packaged by job {busy.id}", hint=f"poll GET /jobs/{busy.id}")
    job = create_package_job(db, stream_id, options, body.force)
    ctx.runner.submit(PackageRequest(job_id=job.id, stream_id=stream_id, options=options, force=body.force))
    return JSONResponse({"job_id": job.id, "stream_id": stream_id, "job": f"/jobs/{job.id}"}, status_code=202)


@router.get("/streams/{stream_id}/package")
def get_package(stream_id: str, db: Database = Depends(get_db), settings: Settings = Depends(get_settings)) -> dict[str, Any]:
    """The ladder as packaged (rungs, CRF, SSIM, bytes, rates, failures, whether the original is kept), the
    latest package job, and the master playlist's URL (null until a package is done)."""
    db.stream(stream_id)
    manifest = read_manifest(hls_dir(settings.stream_dir(stream_id)))
    jobs = [j for j in db.jobs_for(stream_id) if j.kind == "package"]
    base = f"/streams/{stream_id}"
    package = to_json(manifest) if manifest else None
    for rung in (package or {}).get("renditions", []):
        if rung.get("error"):  # an encoder's message may quote a file: no server paths to clients
            rung["error"] = redact(rung["error"], settings.media_root, settings.data_dir)
    return {"stream_id": stream_id, "package": package,
            "job": job_json(jobs[-1], settings) if jobs else None,
            "master": f"{base}/hls/master.m3u8" if manifest and manifest.master else None,
            "original": f"{base}/media" if manifest is None or manifest.original_kept else None}


@router.get("/streams/{stream_id}/hls/{name:path}", response_class=Response,
            responses={200: {"content": {"application/vnd.apple.mpegurl": {}, "video/mp2t": {}}}})
def get_hls(stream_id: str, name: str, request: Request, settings: Settings = Depends(get_settings)) -> Response:
    """A playlist or segment of the stream's ladder. Segments never change once written (cached for a day);
    playlists are revalidated."""
    folder = hls_dir(settings.stream_dir(stream_id))
    path = folder / name
    if not _FILE.match(name) or not path.is_file():
        raise NotFound(f"stream {stream_id} has no HLS file {name!r}",
                       hint=f"package it with POST /streams/{stream_id}/package; see GET /streams/{stream_id}/package")
    cache = "no-cache" if name.endswith(".m3u8") else "public, max-age=86400, immutable"
    response = serve_file(path, request, cache_control=cache)
    response.headers["Content-Type"] = _TYPES[path.suffix]
    return response


@lru_cache(maxsize=1)
def _hls_js_gzip(mtime_ns: int) -> bytes:
    return gzip.compress(HLS_JS.read_bytes(), 9, mtime=0)


@router.get("/vendor/hls.js", response_class=Response, responses={200: {"content": {"text/javascript": {}}}})
def get_hls_js(request: Request) -> Response:
    """hls.js (light build), installed from the npm registry by scripts/install.sh; gzip when accepted (a
    phone on a slow network pays for every byte before the first frame)."""
    if not HLS_JS.is_file():
        raise NotFound("hls.js is not installed", hint="run scripts/install.sh (it installs hls.js from npm)")
    headers = {"Cache-Control": "public, max-age=604800", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = _hls_js_gzip(HLS_JS.stat().st_mtime_ns)
        return Response(body, media_type="text/javascript", headers={**headers, "Content-Encoding": "gzip"})
    return Response(HLS_JS.read_bytes(), media_type="text/javascript", headers=headers)
