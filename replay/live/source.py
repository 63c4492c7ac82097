"""source: a recording that is still being written, seen as an HLS playlist that grows.

- ``HlsSource``: an .m3u8 playlist, from a URL or a path (a master playlist is followed through one variant,
  see hls.choose_variant). Each look at it is one fetch of the playlist.
- ``FileSource``: a .flv, .ts or .mp4 file that is still being appended to. One ffmpeg reads it as it grows
  (``-follow 1``) and cuts it, without re-encoding, into MPEG-TS segments and a local playlist, which is then
  followed like any other. The cut is made at keyframes at least ``segment_seconds`` apart, so cutting the same
  bytes again (after a restart) gives the same segments with the same numbers. A growing .mp4 must be
  fragmented (as live recorders write it); a plain .mp4 has its index at the end and is read once complete.

``open_source`` tells the two apart and applies the ingest policy (fetch.py).
"""

from __future__ import annotations

import contextlib
import ctypes
import shutil
import signal
import subprocess
from dataclasses import replace
from pathlib import Path

from replay.errors import LiveSourceError
from replay.live import hls
from replay.live.fetch import Fetcher, IngestPolicy, NotYet
from replay.live.options import LiveOptions
from replay.media.ffmpeg import ffmpeg_path

GROWING_FILES = (".flv", ".ts", ".mp4", ".m4v", ".mkv")


class HlsSource:
    kind = "hls"

    def __init__(self, uri: str, fetcher: Fetcher) -> None:
        self.uri = uri
        self.fetcher = fetcher
        self._inits: dict[str, bytes] = {}

    def poll(self) -> hls.Playlist:
        """The playlist as it is now. NotYet when it cannot be read at the moment (the source may be stalled)."""
        pl = hls.parse(self.fetcher.playlist_text(self.uri), self.uri)
        if pl.variants:
            self.uri = hls.choose_variant(pl.variants)
            pl = hls.parse(self.fetcher.playlist_text(self.uri), self.uri)
            if pl.variants:
                raise LiveSourceError(f"{self.uri} is a master playlist inside a master playlist",
                                      hint="give a media playlist")
        return pl

    def read(self, entry: hls.Entry) -> tuple[bytes, bytes | None]:
        """A segment's bytes and its init section's (fMP4), or NotYet."""
        init = None
        if entry.init is not None:
            if entry.init not in self._inits:
                self._inits[entry.init] = self.fetcher.read(entry.init)
            init = self._inits[entry.init]
        return self.fetcher.read(entry.uri), init

    def consumed(self, entry: hls.Entry) -> None:
        """The follower has what it needs of this segment."""

    def size(self) -> int | None:
        return None

    def finish(self) -> None:
        """Called once the follower has decided the stream ended."""

    def close(self) -> None:
        self.fetcher.close()


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    # The converter must not outlive a follower killed with -9: the kernel sends it SIGKILL then.
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class FileSource(HlsSource):
    kind = "file"

    def __init__(self, path: Path, work: Path, options: LiveOptions, fetcher: Fetcher) -> None:
        self.path = path
        self.work = work
        self.options = options
        self.proc: subprocess.Popen[bytes] | None = None
        self.failures = 0
        self.finished = False
        super().__init__(str(work / "follow" / "index.m3u8"), fetcher)

    def _cut(self, folder: Path, follow: bool) -> list[str]:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        src = ["-follow", "1", "-seekable", "0", "-i", f"file:{self.path}"] if follow else ["-i", f"file:{self.path}"]
        return [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", *src, "-map", "0:v:0?", "-map", "0:a:0",
                "-c", "copy", "-f", "hls", "-hls_time", f"{self.options.segment_seconds}", "-hls_list_size", "0",
                "-hls_playlist_type", "event", "-hls_flags", "temp_file",
                "-hls_segment_filename", str(folder / "%06d.ts"), str(folder / "index.m3u8")]

    def _start(self) -> None:
        # A restart cuts the file again from its start (stream copy is hundreds of times real time): the segments
        # come out the same, and the follower skips those it has.
        self.proc = subprocess.Popen(self._cut(self.work / "follow", follow=True), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)

    def poll(self) -> hls.Playlist:
        if not self.finished and (self.proc is None or self.proc.poll() is not None):
            # Not started, or it could not read the file yet (a plain .mp4 before its index is written): try again.
            if self.proc is not None:
                self.failures += 1
            self._start()
        if not Path(self.uri).exists():
            return hls.Playlist(entries=(), ended=False, target_duration=self.options.segment_seconds,
                                media_sequence=0)
        pl = super().poll()
        # Only finish() ends a file: the converter's own end (it never ends while following) is not the stream's.
        return pl if self.finished else replace(pl, ended=False)

    def consumed(self, entry: hls.Entry) -> None:
        Path(entry.uri).unlink(missing_ok=True)

    def size(self) -> int | None:
        try:
            return self.path.stat().st_size
        except OSError:
            return None

    def finish(self) -> None:
        """The file is complete: cut it once more, to its end. The converter that followed it holds back the data
        after its last keyframe, and a signal would cut off what it writes at exit; a second cut of the whole file
        (stream copy) gives the same segments with the same numbers, and the last one too, and #EXT-X-ENDLIST."""
        if self.finished:
            return
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        final = self.work / "final"
        subprocess.run(self._cut(final, follow=False), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        self.uri = str(final / "index.m3u8")
        self.finished = True

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        super().close()


def open_source(source: str, work: Path, policy: IngestPolicy, options: LiveOptions) -> HlsSource:
    """The source ``source`` names: an http(s) URL of a playlist, or a path to a playlist or a growing file."""
    fetcher = Fetcher(policy, timeout=options.fetch_timeout, max_bytes=options.max_segment_bytes)
    if "://" in source:
        policy.check_url(source)
        return HlsSource(source, fetcher)
    path = policy.check_path(source)
    suffix = path.suffix.lower()
    if suffix in (".m3u8", ".m3u"):
        return HlsSource(str(path), fetcher)
    if suffix in GROWING_FILES:
        # The converter's own folder is the follower's, so its segments are read through the policy too.
        return FileSource(path, work, options, Fetcher(IngestPolicy(policy.hosts, None), options.fetch_timeout,
                                                       options.max_segment_bytes))
    fetcher.close()
    raise LiveSourceError(f"cannot follow {path.name}: not a playlist or a growing media file",
                          hint=f"give an .m3u8 playlist or a {'/'.join(GROWING_FILES)} file")


def check_source(source: str, policy: IngestPolicy) -> str:
    """Refuse what a follower could not follow, before anything starts (POST /streams answers 403 or 422 now)."""
    if "://" in source:
        policy.check_url(source)
        return "hls"
    path = policy.check_path(source)
    if path.suffix.lower() in (".m3u8", ".m3u"):
        if not path.is_file():
            raise NotYet(f"no playlist {path.name} (yet)", hint="start the packager first, or check the path")
        return "hls"
    if path.suffix.lower() in GROWING_FILES:
        return "file"
    raise LiveSourceError(f"cannot follow {path.name}: not a playlist or a growing media file",
                          hint=f"give an .m3u8 playlist or a {'/'.join(GROWING_FILES)} file")
