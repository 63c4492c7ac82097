"""encode: one rendition of one part of the recording into HLS segments, and the ffmpeg runner that yields.

A rendition is encoded in parts (PackageOptions.part_seconds, a whole number of segments). Each part is one
ffmpeg run from ``-ss START`` that writes its segments with their timestamps shifted by START
(``-output_ts_offset``), so the parts' playlists join into one continuous rendition. Keyframes are forced at
every multiple of the segment length from the part's start, and parts start on such a multiple, so every
rendition has its keyframes (and segment boundaries) at the same instants: players switch rendition at any
segment.

A part is written into a scratch folder and moved in when ffmpeg succeeds; its playlist is moved last and
marks it done, so a killed job finds either a whole part or none.

ffmpeg runs at the lowest CPU priority, and ``pause`` is asked before it starts and twice a second while it
runs: while it says yes, ffmpeg does not start, or is stopped (SIGSTOP: no CPU at all) and then continued
(SIGCONT). That is how packaging yields to an index job that starts while it runs (jobs: hls/job.py).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from replay.contracts import MediaInfo
from replay.errors import MediaError, ReplayError
from replay.hls.ladder import CODECS, Rung
from replay.hls.options import PackageOptions
from replay.media.ffmpeg import ffmpeg_path

ProgressFn = Callable[[float], None]
PauseFn = Callable[[], bool]
POLL_SECONDS = 0.5
TS_ORIGIN = 1.0
"""Every part's timestamps are shifted by this much more than its start: the B-frame delay and AAC priming
then never make a timestamp negative, which ffmpeg would otherwise fix by shifting the first part alone."""


class EncodeFailed(MediaError):
    """ffmpeg could not encode a rendition (a missing encoder, a size it refuses, ...)."""

    code = "encode_failed"


def run_ffmpeg(args: list[str], *, duration: float = 0.0, progress: ProgressFn | None = None,
               pause: PauseFn | None = None, error: Callable[[str], ReplayError] | None = None) -> None:
    """``ffmpeg ARGS`` at nice 19, stopped while ``pause()`` is true; raises ``error(last stderr line)``."""
    # `nice` execs ffmpeg in place (same pid, so the stop and continue signals reach ffmpeg itself); a
    # preexec_fn would do the same but is not safe in a threaded server.
    # Not started while paused: the rate search's trial runs on a short reel end before the first poll, so
    # the gate must hold them back here.
    while pause and pause():
        time.sleep(POLL_SECONDS)
    nice = ["nice", "-n", "19"] if shutil.which("nice") else []
    cmd = [*nice, ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-progress", "pipe:1", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    err: list[str] = []
    latest = [0.0, 0.0]  # [written by the reader, reported]: progress is reported from this thread only

    def read_progress() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            m = re.match(r"out_time_us=(\d+)", line)
            if m and duration > 0:
                latest[0] = min(1.0, int(m[1]) / 1e6 / duration)

    readers = [threading.Thread(target=read_progress, daemon=True),
               threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)]  # type: ignore[union-attr]
    for t in readers:
        t.start()
    stopped = False
    try:
        while True:
            try:
                proc.wait(POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                pass
            if progress and latest[0] > latest[1]:
                latest[1] = latest[0]
                progress(latest[1])
            want = bool(pause and pause())
            if want != stopped:
                proc.send_signal(signal.SIGSTOP if want else signal.SIGCONT)
                stopped = want
    except BaseException:
        if stopped:
            proc.send_signal(signal.SIGCONT)
        proc.kill()
        proc.wait()
        raise
    for t in readers:
        t.join(5)
    if proc.returncode != 0:
        lines = "".join(err).strip().splitlines()
        detail = lines[-1] if lines else f"ffmpeg exited with {proc.returncode}"
        raise error(detail) if error else MediaError(f"ffmpeg failed: {detail}", hint="check the source file")


def gop_frames(info: MediaInfo, options: PackageOptions) -> int:
    return max(1, round((info.fps or 25.0) * options.segment_seconds))


def video_args(rung: Rung, crf: int, info: MediaInfo, options: PackageOptions) -> list[str]:
    """Encoder arguments of ``rung`` at ``crf`` (its codec's scale), keyframes every segment."""
    keys = ["-force_key_frames", f"expr:gte(t,n_forced*{options.segment_seconds:g})"]
    gop = str(gop_frames(info, options))
    cap, buf = f"{rung.max_kbps}k", f"{rung.max_kbps * 2}k"
    if rung.codec == "h264":
        return ["-c:v", "libx264", "-preset", options.preset, "-crf", str(crf), "-maxrate", cap, "-bufsize", buf,
                "-profile:v", "high", "-pix_fmt", "yuv420p", "-g", gop, "-sc_threshold", "0", *keys]
    if rung.codec == "h265":
        return ["-c:v", "libx265", "-preset", options.preset, "-crf", str(crf), "-pix_fmt", "yuv420p", "-tag:v", "hvc1",
                "-x265-params", f"log-level=error:vbv-maxrate={rung.max_kbps}:vbv-bufsize={rung.max_kbps * 2}:"
                f"keyint={gop}:min-keyint={gop}:scenecut=0", *keys]
    # SVT-AV1 places keyframes by its GOP only: -g of one segment keeps them aligned.
    return ["-c:v", "libsvtav1", "-preset", "8", "-crf", str(crf), "-g", gop, "-pix_fmt", "yuv420p"]


def audio_args(rung: Rung, info: MediaInfo) -> list[str]:
    if not info.audio_codec:
        return []
    return ["-c:a", "aac", "-b:a", f"{rung.audio_kbps}k", *(["-ac", "2"] if (info.audio_channels or 2) > 2 else [])]


@dataclass(frozen=True, slots=True)
class Part:
    index: int
    start: float
    length: float

    @property
    def stem(self) -> str:
        return f"p{self.index:04d}"


def plan_parts(duration: float, options: PackageOptions) -> tuple[Part, ...]:
    seg = options.segment_seconds
    size = max(seg, round(options.part_seconds / seg) * seg)
    parts, t, n = [], 0.0, 0
    while t < duration - 1e-3:
        parts.append(Part(n, t, min(size, duration - t)))
        t, n = t + size, n + 1
    return tuple(parts)


def part_done(folder: Path, part: Part) -> bool:
    return (folder / f"{part.stem}.m3u8").is_file()


def encode_part(source: Path, info: MediaInfo, rung: Rung, crf: int, part: Part, folder: Path,
                options: PackageOptions, progress: ProgressFn | None = None, pause: PauseFn | None = None) -> None:
    """Encode ``part`` of ``rung`` into ``folder`` (segments, then the part's playlist as the done mark)."""
    scratch = folder / f".{part.stem}.partial"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    kind = CODECS[rung.codec]["segments"]
    ext = "ts" if kind == "mpegts" else "m4s"
    hls = ["-f", "hls", "-hls_time", f"{options.segment_seconds:g}", "-hls_playlist_type", "vod",
           "-hls_segment_type", kind, "-hls_flags", "independent_segments",
           "-hls_segment_filename", str(scratch / f"{part.stem}_%04d.{ext}")]
    if kind == "fmp4":
        hls += ["-hls_fmp4_init_filename", f"{part.stem}_init.mp4"]
    else:
        # MPEG-TS adds a 1.4 s mux delay to every timestamp, fMP4 none: without this the H.264 rungs would sit
        # 1.4 s later than the extra-codec rungs, and a player switching between them would jump.
        hls = ["-muxdelay", "0", *hls]
    args = ["-ss", f"{part.start:.3f}", "-i", str(source), "-t", f"{part.length:.3f}", "-map", "0:v:0",
            *(["-map", "0:a:0"] if info.audio_codec else []), "-vf", f"scale={rung.width}:{rung.height}",
            *video_args(rung, crf, info, options), *audio_args(rung, info),
            "-output_ts_offset", f"{part.start + TS_ORIGIN:.3f}", *hls, str(scratch / f"{part.stem}.m3u8")]
    try:
        run_ffmpeg(args, duration=part.length, progress=progress, pause=pause, error=lambda d: EncodeFailed(
            f"ffmpeg could not encode rendition {rung.name} ({rung.size}, {rung.codec}): {d}",
            hint="check that this ffmpeg has the encoder, or remove the codec from package.extra_codecs"))
        for f in sorted(scratch.iterdir()):
            if f.suffix != ".m3u8":
                os.replace(f, folder / f.name)
        os.replace(scratch / f"{part.stem}.m3u8", folder / f"{part.stem}.m3u8")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


_EXTINF = re.compile(r"#EXTINF:([\d.]+)")


def part_segments(folder: Path, part: Part) -> tuple[str | None, list[tuple[float, str]]]:
    """(init segment or None, [(duration, segment file)]) of a finished part, from its playlist."""
    init, segs, dur = None, [], None
    for line in (folder / f"{part.stem}.m3u8").read_text().splitlines():
        m = _EXTINF.match(line)
        if m:
            dur = float(m[1])
        elif line.startswith("#EXT-X-MAP:"):
            init = re.search(r'URI="([^"]+)"', line)[1]  # type: ignore[index]
        elif line and not line.startswith("#") and dur is not None:
            segs.append((dur, Path(line).name))
            dur = None
    return init, segs
