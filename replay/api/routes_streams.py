"""Streams and jobs: register a recording, follow its job, read its 看点, transcript, subtitles and chapters."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from replay.api import web
from replay.api.deps import context, get_db, get_settings, require_api_key
from replay.api.errors import ERROR_RESPONSES, WRITE_RESPONSES
from replay.api.paths import resolve_media_path
from replay.api.views import chapters_vtt, highlights_json, job_json, stream_json
from replay.asr.transcript_io import to_srt, to_vtt
from replay.contracts import Catalog, to_json
from replay.errors import Conflict, InputError, MediaNotFound
from replay.jobs.lifecycle import create_index_job
from replay.jobs.runner import IndexRequest
from replay.media.probe import ProbeOptions, probe
from replay.settings import Settings, with_options
from replay.store.database import Database, stream_id_for

router = APIRouter(responses=ERROR_RESPONSES)


class RegisterStream(BaseModel):
    """Register a recording under the media root and start indexing it."""

    path: str = Field(description="The recording, relative to REPLAY_MEDIA_ROOT (or absolute inside it); with "
                                  "`live`, also an http(s) URL of a playlist.",
                      examples=["uploads/0b9c2c1e.mp4"], min_length=1, max_length=4096, pattern=r"\S")
    catalog: list[dict[str, Any]] | None = Field(
        None, description="The room's product list: objects with sku_id and title (brand, aliases, live_price... optional).")
    catalog_path: str | None = Field(
        None, description="A CSV/JSON/JSONL catalog file under the media root, instead of `catalog`; any common "
                          "encoding (UTF-8, GBK/GB18030, UTF-16), Chinese column names (商品ID, 商品名称, 直播价 ...).",
        min_length=1, max_length=4096, pattern=r"\S")
    title: str | None = Field(None, description="Display title; default: the file name.", max_length=200)
    options: dict[str, dict[str, Any]] | None = Field(
        None, description="This job's own stage options over the server's, group by group: any field that "
                          "`replay config` lists as REPLAY_GROUP__FIELD.",
        examples=[{"visual": {"enabled": False}, "detect": {"min_confidence": 0.6}}])
    live: bool = Field(
        False, description="Follow a recording that is still being written (issue 14): `path` is then an HLS playlist "
                           "(a path under the media root, or an http(s) URL from a host in REPLAY_INGEST_HOSTS) or a "
                           "growing .flv/.ts/.mp4 file. 看点 are published while it grows: GET /streams/{id}/events.")


class Registered(BaseModel):
    job_id: str
    stream_id: str
    job: str = Field(description="URL to poll the job.")
    stream: str = Field(description="URL of the stream.")
    catalog_encoding: str | None = Field(None, description="The encoding `catalog_path` was read in (utf-8, "
                                                           "gb18030, utf-16 ...); null for an inline catalog.")


def _load_catalog(body: RegisterStream, settings: Settings) -> tuple[Catalog, str | None]:
    """The catalog and, for a file, its encoding. Images must lie under the media root."""
    from replay.catalog import catalog_from_records, read_catalog

    if (body.catalog is None) == (body.catalog_path is None):
        raise InputError("give exactly one of `catalog` (a list of products) or `catalog_path`",
                         hint='e.g. {"path": "live.mp4", "catalog": [{"sku_id": "A1", "title": "..."}]}')
    if body.catalog is not None:
        return catalog_from_records(body.catalog, source="request body catalog", root=settings.media_root,
                                    link_hosts=settings.link_hosts), None
    loaded = read_catalog(resolve_media_path(body.catalog_path or "", settings.media_root), settings.catalog_limits,
                          root=settings.media_root)
    return loaded.catalog, loaded.encoding


@router.post("/streams", status_code=202, response_model=Registered, tags=["streams"],
             dependencies=[Depends(require_api_key)],
             responses={409: ERROR_RESPONSES[403] | {"description": "Already being indexed"}, **WRITE_RESPONSES,
                        413: ERROR_RESPONSES[403] | {"description": "The recording is longer than REPLAY_MAX_DURATION, "
                                                                    "or the body larger than REPLAY_CATALOG_MAX_BYTES"}})
def register_stream(body: RegisterStream, request: Request, db: Database = Depends(get_db)) -> JSONResponse:
    """Register a file under the media root with its catalog and queue an index job (202 + job id)."""
    if body.live:
        from replay.api.routes_live import register_live

        return register_live(body, request, db)
    ctx = context(request)
    settings = ctx.settings
    path = resolve_media_path(body.path, settings.media_root)
    if not path.is_file():
        raise MediaNotFound(f"no file {body.path!r} under the media root", hint="upload it first with POST /uploads")
    catalog, encoding = _load_catalog(body, settings)
    with_options(settings, body.options)  # bad options fail now (400), not in the job
    # Bad media fails now, not in the job; a truncated upload whose header survived included.
    info = probe(path, ProbeOptions(max_duration=settings.max_duration, check_end=True))
    stream_id = stream_id_for(path)
    busy = [j for j in db.jobs_for(stream_id, kind="index") if j.state in ("queued", "running")]
    if busy:
        raise Conflict(f"stream {stream_id} is already being indexed by job {busy[-1].id}",
                       hint=f"poll GET /jobs/{busy[-1].id}")
    with ctx.runner.admit("index"):  # 429 when too many index jobs wait
        db.upsert_stream(stream_id, info, body.title)
        db.save_catalog(stream_id, catalog)
        job = create_index_job(db, path, stream_id, body.title, body.options)
        ctx.runner.submit(IndexRequest(job_id=job.id, stream_id=stream_id, path=path, catalog=catalog,
                                       title=body.title, options=body.options or {}))
    return JSONResponse({"job_id": job.id, "stream_id": stream_id, "job": f"/jobs/{job.id}",
                         "stream": f"/streams/{stream_id}", "catalog_encoding": encoding}, status_code=202)


@router.get("/jobs/{job_id}", tags=["jobs"])
def get_job(job_id: str, db: Database = Depends(get_db), settings: Settings = Depends(get_settings)) -> dict[str, Any]:
    """A job's state (queued/running/done/failed), stage, progress 0..1, ETA in seconds and error."""
    return job_json(db.job(job_id), settings)


@router.get("/streams", tags=["streams"])
def list_streams(request: Request, db: Database = Depends(get_db)) -> dict[str, Any]:
    """Every registered stream, newest first, with its 看点 count and latest job state."""
    out = []
    for row in db.streams():
        out.append({"id": row["id"], "title": row["title"], "duration": row["duration"],
                    "n_highlights": row["n_highlights"], "created_at": row["created_at"],
                    "state": db.stream_state(row["id"]), "url": f"/streams/{row['id']}"})
    return {"streams": out}


@router.get("/streams/{stream_id}", tags=["streams"],
            responses={200: {"content": {"application/json": {}, "text/html": {}},
                             "description": "JSON, or the player page when the client accepts text/html"}})
def get_stream(stream_id: str, request: Request, format: str | None = Query(None, pattern="^(json|html)$"),
               db: Database = Depends(get_db), settings: Settings = Depends(get_settings)) -> Response:
    """The stream as JSON (media info, jobs, visual summary, catalog), or the player page for browsers.

    Browsers (Accept: text/html) get the player so that ``/streams/{id}?t=SECONDS`` deep links open it;
    ``?format=json`` or ``?format=html`` forces one or the other.
    """
    data = stream_json(db, settings, stream_id)  # 404 for unknown ids, in both forms
    wants_html = format == "html" or (format is None and "text/html" in request.headers.get("accept", ""))
    if wants_html:
        from replay.hls.package import hls_dir, read_manifest

        manifest = read_manifest(hls_dir(settings.stream_dir(stream_id)))  # issue 18: stream the ladder if any
        return HTMLResponse(web.player_page(data["title"], packaged=bool(manifest and manifest.master)))
    return JSONResponse(data)


@router.get("/streams/{stream_id}/highlights", tags=["highlights"])
def get_highlights(stream_id: str, db: Database = Depends(get_db),
                   settings: Settings = Depends(get_settings)) -> dict[str, Any]:
    """The 看点 of a stream: ``{stream_id, duration, highlights: [{id, sku_id, title, start, end, confidence,
    thumbnail, evidence, kind, edited}]}``, ordered by start (JSON Schema: replay/schemas/highlights.schema.json).
    ``thumbnail`` is a URL path or null. Editors' corrections are applied (``edited: true``; GET …/edits)."""
    return highlights_json(settings, db.highlights(stream_id))


@router.get("/streams/{stream_id}/transcript", tags=["transcript"])
def get_transcript(stream_id: str, words: bool = Query(False, description="Include word timings."),
                   db: Database = Depends(get_db)) -> dict[str, Any]:
    """The transcript segments with absolute times, editors' corrected lines included (GET …/edits)."""
    t = db.transcript(stream_id)
    segs = []
    for n, s in enumerate(t.segments):
        row: dict[str, Any] = {"idx": n, "start": s.start, "end": s.end, "text": s.text}
        if words:
            row["words"] = to_json(s.words)
        segs.append(row)
    return {"stream_id": stream_id, "duration": t.duration, "segments": segs}


@router.get("/streams/{stream_id}/subtitles.vtt", tags=["transcript"], response_class=Response,
            responses={200: {"content": {"text/vtt": {}}}})
def get_subtitles_vtt(stream_id: str, db: Database = Depends(get_db)) -> Response:
    """The transcript as WebVTT subtitles."""
    return Response(to_vtt(db.transcript(stream_id).segments), media_type="text/vtt; charset=utf-8")


@router.get("/streams/{stream_id}/subtitles.srt", tags=["transcript"], response_class=Response,
            responses={200: {"content": {"application/x-subrip": {}}}})
def get_subtitles_srt(stream_id: str, db: Database = Depends(get_db)) -> Response:
    """The transcript as SRT subtitles."""
    return Response(to_srt(db.transcript(stream_id).segments), media_type="application/x-subrip; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="{stream_id}.srt"'})


@router.get("/streams/{stream_id}/chapters.vtt", tags=["highlights"], response_class=Response,
            responses={200: {"content": {"text/vtt": {}}}})
def get_chapters(stream_id: str, db: Database = Depends(get_db)) -> Response:
    """WebVTT chapters for standard players: one cue per 看点, titled with the product."""
    return Response(chapters_vtt(db.highlights(stream_id)), media_type="text/vtt; charset=utf-8")
