"""follower: index a recording while it is still being written, and finish the index when it ends.

One loop, one process (``replay follow``, or the child the API starts for POST /streams {"live": true}):

    look at the source ─> new segments onto the timeline (ingest: audio into the PCM file, visual events)
        ─> while a window of new audio can close at a pause: transcribe it (the same ASR as offline)
            ─> detect over the tail ─> close what is closed (closing) ─> publish: 看点, state, events
    ─> until the stream ends: #EXT-X-ENDLIST, no new data for REPLAY_LIVE_IDLE_SECONDS, POST /streams/{id}/end,
       or Ctrl-C ─> final pass: the last window, every 看点 final, the recording joined into one mp4.

Each step is committed on its own (store.py), so a follower killed with ``kill -9`` and started again on the
same source continues where the database says it was. What the follower finds depends on the recording only,
not on how fast it arrives (windows and finality are in media seconds): followed at 16× or at 1×, the index is
the same; only how soon each 看点 is published differs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import Future, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from replay.contracts import (
    AudioChunk,
    Catalog,
    Highlight,
    HighlightIndex,
    MediaInfo,
    Segment,
    Transcript,
    VisualEvent,
    VisualTrack,
    to_json,
)
from replay.errors import Conflict, LiveSourceError, MediaOpenError, NotFound
from replay.live import recording, windows
from replay.live.closing import Settled, beyond, changes, settle, settle_all, tail_start
from replay.live.fetch import IngestPolicy, NotYet
from replay.live.ingest import Cursor, Ingest
from replay.live.source import open_source
from replay.live.store import FAULTS, LiveStore, Piece
from replay.live.stream import ACTIVE, STALE_HEARTBEAT, alive, live_stream_id, media_so_far, playlist_path, register
from replay.live.transcriber import asr_pool, transcribe_window
from replay.settings import Settings
from replay.store.database import Database


@dataclass(frozen=True, slots=True)
class LiveProgress:
    """What ``replay follow`` shows on its progress line."""

    state: str
    edge: float
    """Seconds of the recording ingested (the live edge as far as the follower has it)."""
    transcribed: float
    final: int
    live: int
    now: str | None
    """The product being explained now (the last live 看点), if any."""
    faults: dict[str, int] = field(default_factory=dict)

    @property
    def behind(self) -> float:
        """How far the index is behind the live edge, in seconds of recording."""
        return max(0.0, self.edge - self.transcribed)


class Follower:
    """Follows one source into one stream of the database."""

    def __init__(self, settings: Settings, source: str, catalog: Catalog, *, db: Database | None = None,
                 stream_id: str | None = None, title: str | None = None, policy: IngestPolicy | None = None,
                 job_id: str | None = None, job_options: dict[str, Any] | None = None,
                 progress: Callable[[LiveProgress], None] | None = None) -> None:
        self.settings = settings
        self.options = settings.live
        self.source_text = source
        self.catalog = catalog
        self.db = db or Database(settings.database)
        self.store = LiveStore(self.db)
        self.stream_id = stream_id or live_stream_id(source)
        self.title = title
        self.policy = policy or IngestPolicy(settings.ingest_hosts, None)
        self.job_id = job_id
        self.job_options = job_options or {}
        self.progress = progress
        self.work = settings.stream_dir(self.stream_id) / "live"
        self.stop_reason: str | None = None
        self.aborted = False
        self.transcript: list[Segment] = []
        self.visual: list[VisualEvent] = []
        self.sharpness: list[tuple[float, float]] = []
        self.pieces: list[Piece] = []
        self.settled: Settled | None = None
        self.done = 0.0
        self.windows = 0
        self._asr: Any = None
        self._inflight: tuple[Future[list[Segment]], float, float, float] | None = None
        self._last_data = time.monotonic()
        self._last_size: int | None = None
        self._stalled = False

    # --- control ----------------------------------------------------------------------------------------
    def request_end(self, reason: str = "interrupted") -> None:
        """End the stream here and finish the index (Ctrl-C in the CLI)."""
        self.stop_reason = self.stop_reason or reason

    def abort(self) -> None:
        """Stop without ending the stream (the server shutting down): a later follower resumes it."""
        self.aborted = True

    def install_signals(self) -> None:
        """SIGINT ends the stream cleanly (a second one stops at once, resumable); SIGTERM stops, resumable."""
        def on_int(signum: int, frame: Any) -> None:
            if self.stop_reason is not None:
                raise KeyboardInterrupt
            self.request_end("interrupted")

        signal.signal(signal.SIGINT, on_int)
        signal.signal(signal.SIGTERM, lambda signum, frame: self.abort())

    # --- the run --------------------------------------------------------------------------------------------
    def run(self) -> HighlightIndex | None:
        """Follow until the stream ends and return the finished index; None when stopped with abort()."""
        row = self._setup()
        if row.state == "ended":
            return self.db.highlights(self.stream_id)
        source = open_source(self.source_text, self.work / "source", self.policy, self.options)
        self.ingest = Ingest(self.store, self.stream_id, source, self.work, self.options, self._analyser(),
                             self._media, self._on_piece)
        # ASR runs in a worker process of its own, as offline (asr/executor.py): the loop keeps looking at the
        # source while the model works, and nothing the model does holds up this process. It loads the model now.
        self._pool = asr_pool(self._asr_options())
        import replay.detect  # noqa: F401 - jieba and the talk model load now, not at the first window
        try:
            reason = row.end_reason if row.state == "ending" else None
            while reason is None:
                if self.aborted:
                    self.store.update(self.stream_id, pid=None)
                    return None
                got = self._look()
                worked = self._transcribe(ended=False)
                self._report()
                reason = self._end_reason()
                if reason is None and not got and not worked:
                    if self._inflight is not None:  # the window's result, or the next look, whichever comes first
                        wait([self._inflight[0]], timeout=self.options.poll_seconds)
                    else:
                        time.sleep(self.options.poll_seconds)
            return self._finish(reason, source)
        finally:
            self._pool.shutdown(wait=not self.aborted, cancel_futures=True)
            source.close()

    def _setup(self) -> Any:
        row = self.store.row(self.stream_id)
        if row is not None and row.state in ACTIVE and row.pid and row.pid != os.getpid() and alive(row.pid) \
                and time.time() - (row.heartbeat or 0) < STALE_HEARTBEAT:
            raise Conflict(f"stream {self.stream_id} is already being followed by process {row.pid}",
                           hint=f"end it with POST /streams/{self.stream_id}/end, or wait for it")
        previous_job = row.job_id if row is not None else None
        row = register(self.db, self.settings, self.stream_id, self.source_text, self.catalog, self.title,
                       self.job_options, self.job_id)
        if previous_job and previous_job != self.job_id:
            from replay.jobs.lifecycle import abandon

            with contextlib.suppress(NotFound):
                if self.db.job(previous_job).state in ("queued", "running"):  # its process died (kill -9)
                    abandon(self.db, previous_job, "a new follower took the stream over")
        if row.state not in ("ended", "ending"):  # taken over after a crash or a stop: following again
            self.store.update(self.stream_id, state="following", error=None)
            self.store.set_stream_state(self.stream_id, "live")
        self.store.update(self.stream_id, pid=os.getpid(), heartbeat=time.time())
        # Resume: what was published, transcribed and seen is read back; the rest is redone.
        self.done = row.transcribed
        self.windows = len(self.store.windows(self.stream_id))
        hi = self.db.highlights(self.stream_id)
        final = tuple(h for h in hi.highlights if h.state == "final")
        live = tuple(h for h in hi.highlights if h.state == "live")
        self.settled = Settled(final=final, live=live, anchor=row.anchor)
        self.transcript = self.store.transcript_since(self.stream_id, tail_start(final, row.anchor) - 1.0)
        self.visual, self.sharpness = self.store.visual(self.stream_id, 0.0)
        self.pieces = self.store.pieces(self.stream_id)
        return row

    @property
    def playlist(self) -> Path:
        return playlist_path(self.settings, self.stream_id)

    def _info(self, cur: Cursor) -> MediaInfo:
        return media_so_far(self.playlist, cur)

    def _media(self, cur: Cursor) -> dict[str, Any]:
        return to_json(self._info(cur))

    def _on_piece(self, piece: Piece) -> None:
        self.pieces.append(piece)
        recording.write_playlist(self.playlist, self.stream_id, self.pieces)
        self._last_data = time.monotonic()

    def _analyser(self) -> Callable[[MediaInfo, float], tuple[list[VisualEvent], list[tuple[float, float]]]] | None:
        if not self.settings.visual.enabled:
            return None
        holder: dict[str, Any] = {}

        def analyse(info: MediaInfo, offset: float) -> tuple[list[VisualEvent], list[tuple[float, float]]]:
            if not info.has_video:
                return [], []
            if "a" not in holder:
                from replay.screen.visual import SegmentAnalyser  # OpenCV and the OCR model load on first video

                holder["a"] = SegmentAnalyser(self.catalog, self.settings.visual)
            events, sharp = holder["a"].push(info, offset)
            self.visual += events
            self.sharpness += sharp
            return events, sharp

        return analyse

    # --- looking at the source ----------------------------------------------------------------------------------
    def _look(self) -> bool:
        """Take in what is new; keep track of a stalled source. True when something came."""
        try:
            handled = self.ingest.step()
        except (NotYet, LiveSourceError):
            handled = 0  # the playlist cannot be read right now: a stall, as far as the follower can tell
        now = time.monotonic()
        size = self.ingest.source.size()
        grew = size is not None and size != self._last_size
        self._last_size = size
        if handled or grew:
            self._last_data = now
            if self._stalled:
                self._stalled = False
                self.store.commit_cursor(self.stream_id, to_json(self.ingest.cursor), self.ingest.faults,
                                         [("fault", {"fault": "resumed", "at": round(self.ingest.cursor.edge, 3)})],
                                         state="following")
            return bool(handled)
        if not self._stalled and now - self._last_data >= self.options.stall_seconds and not self.ingest.cursor.ended:
            self._stalled = True
            self.ingest.faults["stalled"] = self.ingest.faults.get("stalled", 0) + 1
            self.store.commit_cursor(self.stream_id, to_json(self.ingest.cursor), self.ingest.faults,
                                     [("fault", {"fault": "stalled", "at": round(self.ingest.cursor.edge, 3),
                                                 "seconds": round(now - self._last_data, 1)})], state="stalled")
        else:
            self.store.update(self.stream_id, heartbeat=time.time())
        return False

    def _end_reason(self) -> str | None:
        if self.ingest.cursor.ended:
            return "endlist"
        if self.stop_reason is not None:
            return self.stop_reason
        row = self.store.row(self.stream_id)
        if row is not None and row.end_requested:
            return "requested"
        if time.monotonic() - self._last_data >= self.settings.live_idle_seconds:
            return "idle"
        return None

    # --- transcribing and publishing -------------------------------------------------------------------------------
    def _transcribe(self, ended: bool) -> bool:
        """Close the next window and transcribe it, on the ASR thread: the loop keeps looking at the source while the
        model works, so a sliding playlist never moves past a segment unseen. Windows are transcribed one at a time,
        in order, and each is committed and published (here, on the loop's thread) before the next is cut.
        ``ended``: the final pass; every window that is left, waited for. Returns whether anything was done."""
        worked = False
        while not self.aborted:
            if self._inflight is not None:
                future, start, cut, t0 = self._inflight
                if not (ended or future.done()):
                    return worked
                segs = future.result()
                self._inflight = None
                self.store.commit_window(self.stream_id, self.windows, start, cut, segs, time.monotonic() - t0)
                self.windows += 1
                self.transcript += segs
                self.done = cut
                self._publish(final=False)
                self._report()
                worked = True
            pcm = self.ingest.pcm
            cut = windows.next_cut(pcm, self.done, self.ingest.cursor.edge, self.options, ended) if pcm.exists() else None
            if cut is None:
                return worked
            chunk = AudioChunk(index=self.windows, start=round(self.done, 3), end=round(cut, 3), path=self.ingest.pcm)
            self._inflight = (self._pool.submit(transcribe_window, chunk, self._asr_options()), self.done, cut,
                              time.monotonic())
            worked = True
            if not ended:
                return worked
        return worked

    def _asr_options(self) -> Any:
        if self._asr is None:
            from replay.pipeline import _transcribe_options  # the options `replay index` transcribes with

            self._asr = _transcribe_options(self.settings, self.catalog)
        return self._asr


    def _publish(self, final: bool) -> None:
        from replay.detect import detect  # jieba and pypinyin load on first use

        before = self.settled
        anchor = before.anchor if before else 0.0
        old_final = before.final if before else ()
        start = tail_start(old_final, anchor)
        tail = [s for s in self.transcript if s.start >= start - 1e-3]
        found: list[Highlight] = []
        if tail:
            seen = [e for e in self.visual if start - 1e-3 <= e.time <= self.done]
            track = VisualTrack(events=tuple(seen)) if seen else None
            found = detect(Transcript(segments=tuple(tail), duration=self.done, model=self.settings.model),
                           self.catalog, self.settings.detect, visual=track)
            found = beyond(found, old_final, anchor)
        if final:
            after = settle_all(self.stream_id, old_final, found, anchor)
        else:
            after = settle(self.stream_id, old_final, found, anchor, self.done, self.options)
        new = after.final[len(old_final):]
        if new:
            after = replace(after, final=old_final + tuple(self._thumbnail(h) for h in new))
        events = changes(before, after)
        events.append(("progress", {"edge": round(self.ingest.cursor.edge, 3), "transcribed": round(self.done, 3),
                                    "final": len(after.final), "live": len(after.live)}))
        self.store.commit_publish(self.stream_id, after.highlights, after.anchor, events,
                                  "ending" if final else None)
        self.settled = after
        keep_from = tail_start(after.final, after.anchor) - 1.0
        self.transcript = [s for s in self.transcript if s.end > keep_from]

    def _thumbnail(self, h: Highlight) -> Highlight:
        like = self.ingest.cursor.like
        if like is None or not like.has_video:
            return h
        return recording.thumbnail(h, self.pieces, self.ingest.segments_dir, self._info(self.ingest.cursor),
                                   self.visual, self.sharpness, self.settings.stream_dir(self.stream_id) / "thumbs",
                                   self.settings.thumbnails.width)

    def _report(self) -> None:
        if self.progress is None:
            return
        s = self.settled
        now = s.live[-1].title if s and s.live else None
        row_state = "stalled" if self._stalled else ("ending" if self.stop_reason else "following")
        self.progress(LiveProgress(state=row_state, edge=self.ingest.cursor.edge, transcribed=self.done,
                                   final=len(s.final) if s else 0, live=len(s.live) if s else 0, now=now,
                                   faults={k: v for k, v in self.ingest.faults.items() if v}))

    # --- the end ----------------------------------------------------------------------------------------------------
    def _finish(self, reason: str, source: Any) -> HighlightIndex:
        """The final pass: the rest of the source, the last window, every 看点 final, the recording joined."""
        self.store.update(self.stream_id, state="ending", end_reason=reason)
        self.store.set_stream_state(self.stream_id, "ending")
        self.store.add_event(self.stream_id, "ending", {"reason": reason})
        self._report()
        source.finish()
        if reason in ("endlist", "idle") or source.kind == "file":
            for _ in range(10):  # what the source wrote before it stopped (a file source's last segment)
                try:
                    if not self.ingest.step() and (self.ingest.cursor.ended or source.kind == "hls"):
                        break
                except (NotYet, LiveSourceError):
                    break
        self._transcribe(ended=True)
        self._publish(final=True)
        edge = self.ingest.cursor.edge
        title = self.title or self.db.stream(self.stream_id)["title"]
        try:
            path = recording.join(self.ingest.segments_dir, self.pieces, self.work.parent / "recording.mp4")
            from replay.media.probe import ProbeOptions, probe

            info = probe(path, ProbeOptions(require_audio=False, max_duration=self.settings.max_duration * 2))
            self.db.upsert_stream(self.stream_id, info, title)
            error = None
        except MediaOpenError as exc:
            error = exc.message  # the playlist of segments stays the stream's recording
        faults = {k: self.ingest.faults.get(k, 0) for k in FAULTS}
        self.store.update(self.stream_id, state="ended", ended_at=time.time(), pid=None, error=error)
        self.store.set_stream_state(self.stream_id, "final")
        index = self.db.highlights(self.stream_id)
        self.store.add_event(self.stream_id, "ended", {"reason": reason, "highlights": len(index.highlights),
                                                       "duration": round(edge, 3), "faults": faults})
        return index
