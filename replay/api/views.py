"""views: how stored rows are shown to clients (JSON shapes, WebVTT chapters).

Records are written by the contracts codec; a view only adds what a client of the API needs on top of it
(URLs instead of server paths), so GET /streams/{id}/highlights has the same shape as ``replay index --out``
(schemas/highlights.schema.json).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from replay.api.paths import redact, relative_to_root
from replay.contracts import Highlight, HighlightIndex, to_json
from replay.live.store import LiveStore
from replay.settings import Settings
from replay.store.database import Database, Job
from replay.timecode import stamp


def thumbnail_file(settings: Settings, stream_id: str, h: Highlight) -> Path | None:
    """The 看点's JPEG, named by the pipeline in the ``thumbnail`` field; None when it has none."""
    name = h.thumbnail
    if not name or Path(name).name != name:  # only a bare file name in the stream's thumbs/ folder
        return None
    return settings.stream_dir(stream_id) / "thumbs" / name


def thumbnail_url(settings: Settings, stream_id: str, h: Highlight) -> str | None:
    """The thumbnail endpoint's URL when the file exists; the DB value alone may predate a cleanup."""
    path = thumbnail_file(settings, stream_id, h)
    if path is not None and path.is_file():
        return f"/streams/{stream_id}/thumbnails/{h.id}.jpg"
    return None


def highlights_json(settings: Settings, hi: HighlightIndex) -> dict[str, Any]:
    """The 看点 contract (``to_json(HighlightIndex)``) with each ``thumbnail`` as its URL, or null."""
    return to_json(replace(hi, highlights=tuple(replace(h, thumbnail=thumbnail_url(settings, hi.stream_id, h))
                                                for h in hi.highlights)))


def job_json(job: Job, settings: Settings) -> dict[str, Any]:
    error = job.error
    if error:  # recorded by the job, which may quote ffmpeg or a file name: no server paths to clients
        error = {k: redact(v, settings.media_root, settings.data_dir) if isinstance(v, str) else v
                 for k, v in error.items()}
    return {"id": job.id, "stream_id": job.stream_id, "kind": job.kind, "state": job.state, "stage": job.stage,
            "progress": job.progress, "eta": job.eta, "error": error, "result": job.result}


def stream_json(db: Database, settings: Settings, stream_id: str) -> dict[str, Any]:
    """One stream for GET /streams/{id}: the row, media info, jobs, visual summary, catalog and links."""
    s = db.stream(stream_id)
    hi = db.highlights(stream_id)
    first_start: dict[str, float] = {}
    for h in hi.highlights:
        first_start.setdefault(h.sku_id, h.start)
    media = dict(s["media"] or {})
    if "path" in media:
        # Absolute server paths are an operator's business, not a viewer's.
        media["path"] = relative_to_root(Path(media["path"]), settings.media_root)
    jobs = [job_json(j, settings) for j in db.jobs_for(stream_id)]
    catalog = []
    for item in db.catalog(stream_id).items:
        row = to_json(item)
        if item.image is not None:
            row["image"] = relative_to_root(item.image, settings.media_root)
        row["explained"] = item.sku_id in first_start
        row["first_start"] = first_start.get(item.sku_id)
        catalog.append(row)
    base = f"/streams/{stream_id}"
    live = LiveStore(db).row(stream_id)  # a stream followed live (issue 14): its state, edge and faults
    return {
        "live": live.summary() if live else None, "index_state": hi.state,
        "id": s["id"], "title": s["title"], "path": relative_to_root(Path(s["path"]), settings.media_root),
        "duration": s["duration"], "created_at": s["created_at"], "updated_at": s["updated_at"],
        "state": db.stream_state(stream_id), "jobs": jobs, "media": media, "visual": s["visual"],
        "n_highlights": len(hi.highlights), "catalog": catalog,
        "links": {"player": base, "media": f"{base}/media", "highlights": f"{base}/highlights",
                  "transcript": f"{base}/transcript", "subtitles_vtt": f"{base}/subtitles.vtt",
                  "subtitles_srt": f"{base}/subtitles.srt", "chapters": f"{base}/chapters.vtt",
                  "analytics": f"{base}/analytics", "search": f"{base}/search",
                  "editor": f"{base}/edit", "edits": f"{base}/edits",
                  "package": f"{base}/package",  # issue 18: the HLS ladder and its master playlist
                  **({"events": f"{base}/events", "end": f"{base}/end"} if live else {})},
    }


def _vtt_text(text: str) -> str:
    # Cue text is markup: escape it, and never let a line contain the cue-timing arrow or be blank.
    text = " ".join(text.split()).replace("-->", "→")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") or "-"


def chapters_vtt(hi: HighlightIndex) -> str:
    """WebVTT chapters: one cue per 看点, titled with the product (返场 marked)."""
    lines = ["WEBVTT", ""]
    for n, h in enumerate(hi.highlights, 1):
        title = h.title + ("（返场）" if h.kind == "return" else "")
        lines += [f"{n}-{_vtt_text(h.sku_id).replace(' ', '_')}", f"{stamp(h.start)} --> {stamp(h.end)}",
                  _vtt_text(title), ""]
    return "\n".join(lines)
