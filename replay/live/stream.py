"""stream: a followed stream's record: its id, its registration, the shape of its recording so far, whether a
follower holds it. Shared by the follower, the API's routes and its follower processes."""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from replay.contracts import Catalog, MediaInfo
from replay.live import recording
from replay.live.ingest import Cursor
from replay.live.store import LiveStore
from replay.settings import Settings
from replay.store.database import Database

ACTIVE = ("following", "stalled", "ending")
STALE_HEARTBEAT = 60.0
"""A follower whose heartbeat is older than this is taken for dead (its stream may be followed again)."""


def live_stream_id(source: str) -> str:
    """The stream id of a followed source: the same source always maps to the same stream (so a restarted
    follower resumes it), and never to the id an offline ``replay index`` of a file would get."""
    key = source if "://" in source else str(Path(source).resolve())
    return "s" + hashlib.sha1(("live\x1f" + key).encode()).hexdigest()[:11]


def playlist_path(settings: Settings, stream_id: str) -> Path:
    """The recording so far, as the player sees it (recording.py)."""
    return settings.stream_dir(stream_id) / "live" / "recording.m3u8"


def media_so_far(playlist: Path, cur: Cursor) -> MediaInfo:
    """The stream's MediaInfo while it is followed: the last segment's shape, the timeline's length."""
    if cur.like is None:
        return MediaInfo(path=playlist, duration=cur.edge, size_bytes=0, format_name="hls", has_video=False,
                         audio_codec=None, audio_sample_rate=None, audio_channels=None)
    return replace(cur.like, path=playlist, duration=cur.edge, size_bytes=0, format_name="hls", start_time=0.0)


def register(db: Database, settings: Settings, stream_id: str, source: str, catalog: Catalog, title: str | None,
             options: dict[str, Any] | None, job_id: str | None) -> Any:
    """Create the stream (the index so far is empty and live) and its live row, or take over an existing one.
    Called by the follower, and by POST /streams before its follower starts so the stream can be read at once."""
    store = LiveStore(db)
    if store.row(stream_id) is None:
        playlist = playlist_path(settings, stream_id)
        playlist.parent.mkdir(parents=True, exist_ok=True)
        recording.write_playlist(playlist, stream_id, [])
        name = source.rstrip("/").rsplit("/", 1)[-1]
        db.upsert_stream(stream_id, media_so_far(playlist, Cursor()), title or Path(name).stem or stream_id)
        db.save_catalog(stream_id, catalog)
        store.set_stream_state(stream_id, "live")
    is_file = "://" not in source and not source.lower().endswith((".m3u8", ".m3u"))
    return store.create(stream_id, source, "file" if is_file else "hls", title, options, job_id)


def alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
