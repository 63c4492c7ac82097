"""Edits: editors correct 看点 and transcript lines; the corrections are stored apart from the detector's output
(replay/edits) and every reader (highlights, subtitles, chapters, search, analytics, clips, the player) sees them.

Write endpoints need ``X-API-Key`` when REPLAY_API_KEY or REPLAY_EDITOR_KEYS is set. The editor recorded with
each edit is the label of the editor's own key (REPLAY_EDITOR_KEYS), else the ``X-Editor`` header (UTF-8 may be
percent-encoded), else REPLAY_API_KEY_LABEL when the shared key was used, else ``anonymous``.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import unquote

from fastapi import APIRouter, Body, Depends, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from replay.api import web
from replay.api.deps import context, get_db, get_settings
from replay.api.errors import ERROR_RESPONSES
from replay.api.views import thumbnail_url
from replay.contracts import Highlight, to_json
from replay.edits import service
from replay.edits.layer import TEXT_KIND, Edit
from replay.errors import Unauthorized
from replay.settings import Settings
from replay.store.database import Database

router = APIRouter(responses=ERROR_RESPONSES | {401: ERROR_RESPONSES[403] | {"description": "Missing or wrong X-API-Key"},
                                                409: ERROR_RESPONSES[403] | {"description": "The edit conflicts with "
                                                                             "another 看点 or a later edit"}})
EXAMPLE_HID = "h3f9a0c21b7e4"

_KEY = Header(None, description="Needed when REPLAY_API_KEY or REPLAY_EDITOR_KEYS is set.")
_EDITOR = Header(None, description="Who makes the edit (UTF-8, may be percent-encoded); an editor's own key "
                                   "names its editor instead.", examples=["%E9%98%BF%E9%9D%92"])


def editor_name(request: Request, x_api_key: str | None = _KEY, x_editor: str | None = _EDITOR) -> str:
    """Checks the key of an edit request and names its editor (see the module docstring)."""
    settings = context(request).settings
    named = " ".join(unquote(x_editor).split())[:64] if x_editor else ""
    if not settings.api_key and not settings.editor_keys:
        return named or "anonymous"
    hint = "send REPLAY_API_KEY, or your own key from REPLAY_EDITOR_KEYS, in X-API-Key"
    if x_api_key is None:
        raise Unauthorized("missing X-API-Key header", hint=hint)
    given = x_api_key.encode()
    for label, key in settings.editor_keys.items():
        if secrets.compare_digest(given, key.encode()):
            return label
    if settings.api_key and secrets.compare_digest(given, settings.api_key.encode()):
        return named or settings.api_key_label
    raise Unauthorized("wrong API key", hint=hint)


def _stamp(t: float | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


def _highlight_json(settings: Settings, stream_id: str, h: Highlight) -> dict[str, Any]:
    return {**to_json(h), "thumbnail": thumbnail_url(settings, stream_id, h)}


def edit_json(e: Edit, segment_idx: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": e.id, "seq": e.seq, "kind": e.kind, "target": e.target, "editor": e.editor,
        "created_at": e.created_at, "time": _stamp(e.created_at), "summary": e.summary, "active": e.active,
        "reverted_at": e.reverted_at, "reverted_by": e.reverted_by, "revert": f"/streams/{e.stream_id}/edits/{e.id}/revert",
    }
    if e.kind == TEXT_KIND:
        out |= {"segment": to_json(e.segment), "text": e.text, "segment_idx": segment_idx}
    else:
        out |= {"before": [{k: to_json(getattr(h, k)) for k in ("id", "sku_id", "start", "end", "kind")} for h in e.remove],
                "after": [{k: to_json(getattr(h, k)) for k in ("id", "sku_id", "start", "end", "kind")} for h in e.add]}
    return out


def _outcome(settings: Settings, stream_id: str, o: service.Outcome) -> dict[str, Any]:
    out: dict[str, Any] = {"edit": edit_json(o.edit, o.segment_idx) if o.edit else None,
                           "highlights": [_highlight_json(settings, stream_id, h) for h in o.highlights]}
    if o.segment is not None:
        out["segment"] = {"idx": o.segment_idx, "start": o.segment.start, "end": o.segment.end, "text": o.segment.text,
                          "words": to_json(o.segment.words)}
    return out


class HighlightPatch(BaseModel):
    """Move a 看点's edges and/or change its SKU. Edges snap to the nearest word boundary unless ``snap`` is false."""

    start: float | None = Field(None, ge=0, examples=[9.0])
    end: float | None = Field(None, gt=0, examples=[36.5])
    sku_id: str | None = Field(None, min_length=1, max_length=200, examples=["S302"])
    snap: bool = Field(True, description="Snap moved edges to the nearest word start/end (within REPLAY_EDIT_SNAP_WINDOW).")


class SplitAction(BaseModel):
    """Split this 看点 at ``at`` seconds: two 看点, the first keeps the id."""

    action: Literal["split"]
    at: float = Field(ge=0, description="Where the second part starts.", examples=[24.0])
    snap: bool = True


class MergeAction(BaseModel):
    """Merge the 看点 ``with`` into this one: one 看点 spanning both, with this one's id and SKU."""

    model_config = ConfigDict(populate_by_name=True)
    action: Literal["merge"]
    with_id: str = Field(alias="with", min_length=1, description="The other 看点's id.", examples=[EXAMPLE_HID])


# One body per action, told apart by ``action``: the schema then says exactly what each needs, and a
# schema-valid request is never refused.
HighlightAction = Annotated[SplitAction | MergeAction, Field(discriminator="action")]


class NewHighlight(BaseModel):
    """A 看点 the detector missed."""

    sku_id: str = Field(min_length=1, max_length=200, examples=["S304"])
    start: float = Field(ge=0, examples=[120.0])
    end: float = Field(gt=0, examples=[150.0])
    kind: Literal["main", "return"] = "main"
    snap: bool = True


class SegmentPatch(BaseModel):
    """The corrected text of one transcript segment."""

    text: str = Field(min_length=1, max_length=service.MAX_TEXT, examples=["原价299，今天直播间只要59"])


@router.patch("/streams/{stream_id}/highlights/{highlight_id}", tags=["edits"])
def patch_highlight(stream_id: str, highlight_id: str, body: HighlightPatch, db: Database = Depends(get_db),
                    settings: Settings = Depends(get_settings), editor: str = Depends(editor_name)) -> dict[str, Any]:
    """Move a 看点's start and/or end, and/or change its SKU. It keeps its id and is marked ``edited``.
    ``edit`` is null when nothing changed (e.g. the edge snapped back to where it was)."""
    o = service.update(db, stream_id, highlight_id, editor, start=body.start, end=body.end, sku_id=body.sku_id,
                       snap=body.snap, rules=service.rules_from(settings))
    return _outcome(settings, stream_id, o)


@router.post("/streams/{stream_id}/highlights/{highlight_id}", tags=["edits"])
def act_on_highlight(stream_id: str, highlight_id: str, body: Annotated[HighlightAction, Body()], db: Database = Depends(get_db),
                     settings: Settings = Depends(get_settings), editor: str = Depends(editor_name)) -> dict[str, Any]:
    """``{"action": "split", "at": SECONDS}``: two 看点, the first keeps the id. ``{"action": "merge", "with": ID}``:
    one 看点 spanning both, with this one's id and SKU."""
    rules = service.rules_from(settings)
    if isinstance(body, SplitAction):
        o = service.split(db, stream_id, highlight_id, editor, body.at, snap=body.snap, rules=rules)
    else:
        o = service.merge(db, stream_id, highlight_id, body.with_id, editor, rules=rules)
    return _outcome(settings, stream_id, o)


@router.delete("/streams/{stream_id}/highlights/{highlight_id}", tags=["edits"])
def delete_highlight(stream_id: str, highlight_id: str, db: Database = Depends(get_db),
                     settings: Settings = Depends(get_settings), editor: str = Depends(editor_name)) -> dict[str, Any]:
    """Delete a 看点 (revert the edit to bring it back)."""
    return _outcome(settings, stream_id, service.delete(db, stream_id, highlight_id, editor))


@router.post("/streams/{stream_id}/highlights", status_code=201, tags=["edits"])
def add_highlight(stream_id: str, body: NewHighlight, db: Database = Depends(get_db),
                  settings: Settings = Depends(get_settings), editor: str = Depends(editor_name)) -> JSONResponse:
    """Add a 看点 for a catalog product the detector missed; it gets an id in the usual format."""
    o = service.add(db, stream_id, editor, body.sku_id, body.start, body.end, snap=body.snap, kind=body.kind,
                    rules=service.rules_from(settings))
    return JSONResponse(_outcome(settings, stream_id, o), status_code=201)


@router.patch("/streams/{stream_id}/transcript/segments/{idx}", tags=["edits"])
def patch_segment(stream_id: str, idx: int, body: SegmentPatch, db: Database = Depends(get_db),
                  settings: Settings = Depends(get_settings), editor: str = Depends(editor_name)) -> dict[str, Any]:
    """Correct the text of one transcript segment (``idx`` as in GET /streams/{id}/transcript). Its words are
    re-timed: unchanged characters keep their times. Subtitles, search and clips use the corrected text."""
    return _outcome(settings, stream_id, service.correct(db, stream_id, idx, body.text, editor))


@router.get("/streams/{stream_id}/edits", tags=["edits"])
def list_edits(stream_id: str, db: Database = Depends(get_db)) -> dict[str, Any]:
    """Every edit of the stream, oldest first, with its time, editor and summary; reverted ones stay listed
    (``active: false``). A text edit gives the segment it applies to now (``segment_idx``)."""
    all_edits = service.edits(db, stream_id)
    where = service.lines_now(db, stream_id, all_edits)
    out = [edit_json(e, where.get(e.id)) for e in all_edits]
    return {"stream_id": stream_id, "edits": out}


@router.post("/streams/{stream_id}/edits/{edit_id}/revert", tags=["edits"])
def revert_edit(stream_id: str, edit_id: str, db: Database = Depends(get_db),
                editor: str = Depends(editor_name)) -> dict[str, Any]:
    """Undo an edit; it stays in the list, marked reverted. 409 while a later edit builds on it."""
    return {"edit": edit_json(service.revert(db, stream_id, edit_id, editor))}


@router.get("/streams/{stream_id}/edit", response_class=HTMLResponse, tags=["pages"])
def editor_page(stream_id: str, db: Database = Depends(get_db)) -> HTMLResponse:
    """The editor page: a timeline with draggable 看点 edges, the transcript beside it (click a line to seek,
    edit it inline), the SKU picker and the list of edits."""
    return HTMLResponse(web.editor_page(db.stream(stream_id)["title"]))
