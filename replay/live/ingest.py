"""ingest: from a growing playlist to one continuous timeline, each segment exactly once, faults recorded.

The timeline is the playlist's own clock: each ingested segment takes the next ``EXTINF`` seconds, so times in
the index are times in the recording. What can go wrong in a live source, and what happens then:

- a segment listed but not there yet (404, no file): it is **late**; the follower waits for it (in order: the
  segments after it wait too) up to ``late_seconds``, then keeps its time as a **gap**;
- a segment listed twice, or the same bytes under another number: a **duplicate**, skipped (every segment's
  SHA-1 is kept);
- numbers that jump (segments never listed): a **gap** of their length (from the timestamps when the stream is
  continuous, else the target duration per missing segment);
- a playlist whose numbers go back (the packager restarted): a **rewind**; what it lists is taken as new, and
  whatever was seen before is skipped as a duplicate;
- ``#EXT-X-DISCONTINUITY``: recorded; the timeline carries on (timestamps inside segments are not used for it);
- a segment that does not decode: **undecodable**, counted and skipped, its time kept as a gap.

A gap reads as silence in the audio and as a black filler in the recording, so nothing after it moves. Every
step is committed with the cursor after it (store.commit_piece), so a follower killed at any moment resumes
from the last segment it finished.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from replay.contracts import MediaInfo, VisualEvent, from_json, to_json
from replay.errors import IngestRefused, LiveSourceError, MediaOpenError
from replay.live import segments
from replay.live.fetch import NotYet
from replay.live.hls import Entry, Playlist
from replay.live.options import LiveOptions
from replay.live.source import HlsSource
from replay.live.store import FAULTS, LiveStore, Piece

Analyse = Callable[[MediaInfo, float], tuple[list[VisualEvent], list[tuple[float, float]]]]


@dataclass(slots=True)
class Cursor:
    """Where ingest stands; stored with every piece (live_streams.cursor)."""

    epoch: int = 0
    """Bumped at each rewind: media sequence numbers start over."""
    last_msn: int = -1
    """The last media sequence number handled (ingested, skipped or kept as a gap) in this epoch."""
    last_dsn: int = 0
    n: int = 0
    """Number of pieces on the timeline."""
    edge: float = 0.0
    """End of the timeline (seconds)."""
    prev_end_pts: float | None = None
    """Where the last ingested segment's timestamps ended, to measure a gap of unlisted segments."""
    waiting_msn: int | None = None
    waiting_since: float | None = None
    """A late segment being waited for, since when (wall clock of this process)."""
    target: float = 0.0
    like: MediaInfo | None = None
    """The last ingested segment, described: fillers are made in its shape."""
    ended: bool = False
    """The playlist said #EXT-X-ENDLIST and everything in it is handled."""


class Ingest:
    """Takes what is new in the source onto the timeline, one committed piece at a time."""

    def __init__(self, store: LiveStore, stream_id: str, source: HlsSource, work: Path, options: LiveOptions,
                 analyse: Analyse | None, media: Callable[[Cursor], dict[str, Any] | None],
                 on_piece: Callable[[Piece], None] | None = None) -> None:
        self.store = store
        self.stream_id = stream_id
        self.source = source
        self.work = work
        self.options = options
        self.analyse = analyse
        self.media = media
        self.on_piece = on_piece
        row = store.row(stream_id)
        self.cursor = from_json(Cursor, row.cursor) if row and row.cursor else Cursor()
        self.faults: dict[str, int] = {k: (row.faults.get(k, 0) if row else 0) for k in FAULTS}

    @property
    def segments_dir(self) -> Path:
        return self.work / "segments"

    @property
    def pcm(self) -> Path:
        return self.work / "audio.s16le"

    # --- one look at the source ---------------------------------------------------------------------------
    def step(self) -> int:
        """Look at the source once and take in what is new; returns how many playlist entries were handled.

        NotYet (the playlist cannot be read right now) and LiveSourceError propagate: the follower counts them
        as a stalled source. IngestRefused for the playlist itself propagates and ends the follow."""
        pl = self.source.poll()
        cur = self.cursor
        if pl.target_duration:
            cur.target = pl.target_duration
        entries = pl.entries
        if getattr(self.source, "kind", "hls") == "hls" and entries and cur.last_msn >= 0 and (
                entries[-1].msn < cur.last_msn or entries[-1].dsn < cur.last_dsn):
            self._rewind(pl)
        handled = 0
        for e in (e for e in entries if e.msn > cur.last_msn):
            if not self._entry(e):
                break
            handled += 1
        waiting = cur.waiting_msn is not None
        if pl.ended and not waiting and (not entries or entries[-1].msn <= cur.last_msn) and not cur.ended:
            cur.ended = True
            self.store.commit_cursor(self.stream_id, to_json(cur), self.faults)
        return handled

    def _rewind(self, pl: Playlist) -> None:
        cur = self.cursor
        first = pl.entries[0]
        note = {"fault": "rewind", "from_msn": cur.last_msn, "to_msn": first.msn, "at": round(cur.edge, 3)}
        cur.epoch += 1
        cur.last_msn, cur.last_dsn, cur.prev_end_pts = first.msn - 1, first.dsn, None
        self._fault("rewind")
        self.store.commit_cursor(self.stream_id, to_json(cur), self.faults, [("fault", note)])

    def _fault(self, kind: str) -> None:
        self.faults[kind] = self.faults.get(kind, 0) + 1

    def _entry(self, e: Entry) -> bool:
        """Handle one new entry; False: it is late, stop here and look again later."""
        cur = self.cursor
        if e.gap:
            self._gap(e.duration, f"the packager marks segment {e.msn} as a gap (EXT-X-GAP)", e)
            return True
        now = time.monotonic()
        try:
            data, init = self.source.read(e)
        except NotYet as exc:
            if cur.waiting_msn != e.msn or cur.waiting_since is None or cur.waiting_since > now:
                cur.waiting_msn, cur.waiting_since = e.msn, now
            if now - cur.waiting_since < self.options.late_seconds:
                return False
            self._gap(e.duration, f"segment {e.msn} never arrived ({exc.message})", e)
            return True
        except (IngestRefused, LiveSourceError) as exc:
            self._gap(e.duration, f"segment {e.msn} refused or unreadable: {exc.message}", e)
            return True
        events: list[tuple[str, dict[str, Any]]] = []
        if cur.waiting_msn == e.msn and cur.waiting_since is not None:
            self._fault("late")
            events.append(("fault", {"fault": "late", "msn": e.msn, "waited": round(now - cur.waiting_since, 2),
                                     "at": round(cur.edge, 3)}))
        cur.waiting_msn = cur.waiting_since = None
        sha = hashlib.sha1(data).hexdigest()
        if self.store.has_content(self.stream_id, sha):
            self._fault("duplicate")
            cur.last_msn = e.msn
            events.append(("fault", {"fault": "duplicate", "msn": e.msn, "uri": e.uri[-80:], "at": round(cur.edge, 3)}))
            self.store.commit_cursor(self.stream_id, to_json(cur), self.faults, events)
            self.source.consumed(e)
            return True
        self.segments_dir.mkdir(parents=True, exist_ok=True)
        incoming = self.segments_dir / f"in-{cur.epoch}-{e.msn}.ts"
        try:
            segments.store(data, init, incoming)
            info = segments.describe(incoming)
            duration = e.duration if e.duration > 0 else info.duration
            samples = segments.decode_audio(incoming, duration)
        except MediaOpenError as exc:
            incoming.unlink(missing_ok=True)
            self._missing_before(e, None, events)
            self._fault("undecodable")
            self._gap(e.duration or cur.target, f"segment {e.msn} does not decode: {exc.message}", e,
                      status="undecodable", events=events, count=False)
            self.source.consumed(e)
            return True
        self._missing_before(e, info, events)
        if cur.last_msn >= 0 and (e.discontinuity or e.dsn != cur.last_dsn):
            self._fault("discontinuity")
            events.append(("fault", {"fault": "discontinuity", "msn": e.msn, "at": round(cur.edge, 3)}))
        name = f"{cur.n:06d}.ts"
        incoming.replace(self.segments_dir / name)
        segments.write_pcm(self.pcm, cur.edge, samples)
        visual, sharp = self.analyse(replace(info, path=self.segments_dir / name), cur.edge) if self.analyse else ([], [])
        piece = Piece(n=cur.n, start=round(cur.edge, 6), duration=duration, status="ok", epoch=cur.epoch, msn=e.msn,
                      uri=e.uri, sha1=sha, discontinuity=e.discontinuity, file=name)
        cur.n, cur.edge = cur.n + 1, cur.edge + duration
        cur.last_msn, cur.last_dsn = e.msn, e.dsn
        cur.prev_end_pts = info.start_time + info.duration
        cur.like = replace(info, path=Path(name))
        self.store.commit_piece(self.stream_id, piece, to_json(cur), self.faults, events, visual, sharp, self.media(cur))
        self.source.consumed(e)
        if self.on_piece:
            self.on_piece(piece)
        return True

    def _missing_before(self, e: Entry, info: MediaInfo | None, events: list[tuple[str, dict[str, Any]]]) -> None:
        """Segments numbered between the last one handled and ``e`` that were never listed: one gap for them."""
        cur = self.cursor
        missing = e.msn - cur.last_msn - 1 if cur.last_msn >= 0 else 0
        if missing <= 0:
            return
        estimate = missing * (cur.target or e.duration or 4.0)
        measured = False
        if info is not None and cur.prev_end_pts is not None and e.dsn == cur.last_dsn and not e.discontinuity:
            d = info.start_time - cur.prev_end_pts
            if 0 < d < estimate * 3 + 1:
                estimate, measured = d, True
        how = "from the timestamps" if measured else "estimated from the target duration"
        first = cur.last_msn + 1
        cur.last_msn = e.msn - 1  # committed with the gap: a resumed follower does not count it again
        self._gap(estimate, f"{missing} segment(s) never listed (msn {first}–{e.msn - 1}); length {how}",
                  None, events=events, advance=False)

    def _gap(self, seconds: float, note: str, e: Entry | None, status: str = "gap",
             events: list[tuple[str, dict[str, Any]]] | None = None, count: bool = True, advance: bool = True) -> None:
        """Keep ``seconds`` of the timeline as a gap: silence in the audio, a black filler in the recording."""
        cur = self.cursor
        events = events if events is not None else []
        seconds = max(0.0, seconds)
        if count:
            self._fault("gap")
        events.append(("fault", {"fault": status, "note": note, "start": round(cur.edge, 3),
                                 "end": round(cur.edge + seconds, 3)}))
        name = None
        if seconds > 0.05:
            name = f"{cur.n:06d}.gap.ts"
            try:
                segments.filler(self.segments_dir / name, seconds, cur.like)
            except MediaOpenError:
                name = None  # the timeline keeps the gap; the recording will only be shorter there
        segments.pad_pcm(self.pcm, cur.edge + seconds)
        piece = Piece(n=cur.n, start=round(cur.edge, 6), duration=seconds, status=status, epoch=cur.epoch,
                      msn=e.msn if e else -1, uri=e.uri if e else "", discontinuity=True, file=name, note=note[:500])
        cur.n, cur.edge = cur.n + 1, cur.edge + seconds
        if advance and e is not None:
            cur.last_msn, cur.last_dsn = e.msn, e.dsn
            cur.waiting_msn = cur.waiting_since = None
        cur.prev_end_pts = None
        self.store.commit_piece(self.stream_id, piece, to_json(cur), self.faults, events, media=self.media(cur))
        events.clear()  # they went out with the gap; a segment after it starts a fresh list
        if self.on_piece:
            self.on_piece(piece)
