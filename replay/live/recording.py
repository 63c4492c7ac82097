"""recording: the recording so far, for the player while live, and as one mp4 once the stream has ended.

While the stream is followed, the stream's file is ``live/recording.m3u8``: an HLS playlist of the stored
segments (gaps as their black fillers, each marked with a discontinuity), rewritten after every piece. It always
ends with ``#EXT-X-ENDLIST``: to a browser it is a finished recording of what has been written so far, which it
can seek anywhere in (a live playlist would only play at the live edge); the player loads it again when the
index has moved past it (web/player-live.js). GET /streams/{id}/media serves it, and the segments it names are
served by GET /streams/{id}/live/segments/{name}.

At the end, ``join`` writes ``recording.mp4`` from the same pieces without re-encoding, and the stream then
points at it like any indexed recording (clips, thumbnails, a later ``replay index``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from replay.contracts import Highlight, MediaInfo, VisualEvent, VisualTrack
from replay.errors import MediaOpenError
from replay.live import segments
from replay.live.store import Piece
from replay.media import ffmpeg


def segment_url(stream_id: str, name: str) -> str:
    return f"/streams/{stream_id}/live/segments/{name}"


def write_playlist(path: Path, stream_id: str, pieces: Sequence[Piece]) -> Path:
    """The playlist of every piece that has a file, atomically (a reader never sees half of it)."""
    playable = [p for p in pieces if p.file]
    target = max([math.ceil(p.duration) for p in playable] or [1])
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}", "#EXT-X-MEDIA-SEQUENCE:0",
             "#EXT-X-PLAYLIST-TYPE:VOD"]
    prev_ok = None
    for p in playable:
        ok = p.status == "ok"
        if prev_ok is not None and (not ok or not prev_ok or p.discontinuity):
            lines.append("#EXT-X-DISCONTINUITY")
        lines += [f"#EXTINF:{p.duration:.6f},", segment_url(stream_id, str(p.file))]
        prev_ok = ok
    lines.append("#EXT-X-ENDLIST")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def join(segments_dir: Path, pieces: Sequence[Piece], out: Path) -> Path:
    """All pieces, in order, as one mp4 (stream copy; each piece keeps its length on the timeline)."""
    files = [p for p in pieces if p.file and (segments_dir / str(p.file)).is_file()]
    if not files:
        raise MediaOpenError("nothing was recorded", hint="the source never delivered a segment")
    listing = out.with_name(out.name + ".concat.txt")
    lines = ["ffconcat version 1.0"]
    for p in files:
        name = str((segments_dir / str(p.file)).resolve()).replace("'", "'\\''")
        lines += [f"file '{name}'", f"duration {p.duration:.6f}"]
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp = out.with_name(out.stem + ".partial.mp4")
    try:
        ffmpeg.run(["-f", "concat", "-safe", "0", "-i", str(listing), "-map", "0:v:0?", "-map", "0:a:0?", "-c", "copy",
                    "-movflags", "+faststart", str(tmp)],
                   error=lambda d: MediaOpenError(f"could not join the recorded segments: {d}",
                                                  hint="the live playlist still plays them"))
        os.replace(tmp, out)
    finally:
        listing.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return out


def thumbnail(h: Highlight, pieces: Sequence[Piece], segments_dir: Path, info: MediaInfo,
              visual: Sequence[VisualEvent], sharpness: Sequence[tuple[float, float]], out_dir: Path,
              width: int) -> Highlight:
    """A final 看点's JPEG (``out_dir/ID.jpg``), cut from the stored segment where its product is on screen and the
    frame is sharpest (media/thumbnails.best_thumbnail_time, from what the visual stage recorded; nothing is
    decoded to choose); the 看点 unchanged when there is no picture to cut."""
    from replay.media.thumbnails import best_thumbnail_time

    ok = [p for p in pieces if p.status == "ok" and p.file and p.end > h.start and p.start < h.end]
    if not ok:
        return h
    sharp = tuple(x for x in sharpness if h.start <= x[0] <= h.end)
    if sharp:
        track = VisualTrack(events=tuple(e for e in visual if h.start <= e.time <= h.end), sharpness=sharp)
        t = best_thumbnail_time(info, h.start, h.end, track, h.sku_id)
    else:
        t = h.start + min(3.0, (h.end - h.start) / 2)
    piece = next((p for p in ok if p.start <= t < p.end), ok[0])
    name = f"{h.id}.jpg"
    try:
        segments.thumbnail(segments_dir / str(piece.file), min(t - piece.start, piece.duration - 0.2), out_dir / name,
                           width)
    except MediaOpenError:
        return h
    return replace(h, thumbnail=name)
