"""search: the rate of each rendition, chosen per recording from its own pictures.

A few scenes are sampled evenly through the recording and joined, losslessly, into a short reel. For each
rendition the reel is encoded at a CRF, scaled to the rendition's size, and compared with the reel scaled
the same way, frame by frame, with ffmpeg's ``ssim`` filter (libvmaf is not in Debian 12's ffmpeg). A CRF
passes when its worst scene's mean SSIM is at least the target. The search keeps the highest passing CRF
(the lowest rate) between ``crf_min`` and ``crf_max``: it tries ``crf_max`` first (live-commerce pictures,
a still host before a fixed camera, often pass there), then bisects.

Comparing with the source scaled to the rendition's size measures what the encoder loses, not the detail a
smaller picture cannot hold; every rung is held to the same target that way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from replay.contracts import MediaInfo
from replay.hls.encode import PauseFn, ProgressFn, run_ffmpeg, video_args
from replay.hls.ladder import CODECS, Rung
from replay.hls.options import PackageOptions


@dataclass(frozen=True, slots=True)
class Trial:
    crf: int
    ssim: float
    """Mean SSIM (ffmpeg's "All") of the worst sampled scene."""
    scenes: tuple[float, ...]
    """Mean SSIM of each sampled scene."""
    kbps: float
    """Video rate of the encoded reel."""


@dataclass(frozen=True, slots=True)
class Choice:
    """The rate chosen for one rung."""

    rung: str
    crf: int
    ssim: float
    kbps: float
    passed: bool
    """False when even crf_min misses the target (the rung is then encoded at crf_min)."""
    trials: tuple[Trial, ...]


@dataclass(frozen=True, slots=True)
class Reel:
    path: Path
    scenes: int
    frames_per_scene: int
    fps: float
    starts: tuple[float, ...]

    @property
    def seconds(self) -> float:
        return self.scenes * self.frames_per_scene / self.fps


def scene_starts(duration: float, options: PackageOptions) -> tuple[float, ...]:
    """Where the sampled scenes start: the middles of ``sample_scenes`` equal slices of the recording."""
    n = max(1, min(options.sample_scenes, int(duration // options.sample_seconds)))
    return tuple(max(0.0, min(duration - options.sample_seconds, (i + 0.5) * duration / n - options.sample_seconds / 2))
                 for i in range(n))


def build_reel(source: Path, info: MediaInfo, options: PackageOptions, out: Path, pause: PauseFn | None = None) -> Reel:
    """The sampled scenes, each exactly ``frames_per_scene`` frames, joined into a lossless H.264 file."""
    fps = info.fps or 25.0
    starts = scene_starts(info.duration, options)
    frames = max(1, round(options.sample_seconds * fps))
    inputs, chains = [], []
    for i, t in enumerate(starts):
        inputs += ["-ss", f"{t:.3f}", "-t", f"{options.sample_seconds + 1:.3f}", "-i", str(source)]
        chains.append(f"[{i}:v]fps={fps:.6f},setpts=PTS-STARTPTS,trim=end_frame={frames},setpts=PTS-STARTPTS[v{i}]")
    graph = ";".join(chains) + ";" + "".join(f"[v{i}]" for i in range(len(starts))) + f"concat=n={len(starts)}:v=1:a=0[v]"
    run_ffmpeg([*inputs, "-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0",
                "-pix_fmt", "yuv420p", str(out)], pause=pause)
    return Reel(out, len(starts), frames, fps, starts)


_FRAME = re.compile(r"^n:(\d+) .*All:([\d.]+|inf)")


def _escape(p: Path) -> str:
    return str(p).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")


def measure(reel: Reel, rung: Rung, crf: int, info: MediaInfo, options: PackageOptions, work: Path,
            pause: PauseFn | None = None) -> Trial:
    """Encode the reel as ``rung`` at ``crf`` and score it against the reel scaled to the rung's size."""
    encoded, stats = work / f"trial-{rung.name}-{crf}.mkv", work / f"trial-{rung.name}-{crf}.ssim"
    run_ffmpeg(["-i", str(reel.path), "-vf", f"scale={rung.width}:{rung.height}", *video_args(rung, crf, info, options),
                "-an", str(encoded)], pause=pause)
    run_ffmpeg(["-i", str(encoded), "-i", str(reel.path), "-lavfi",
                f"[1:v]scale={rung.width}:{rung.height}[ref];[0:v][ref]ssim=stats_file='{_escape(stats)}'",
                "-f", "null", "-"], pause=pause)
    per_scene: list[list[float]] = [[] for _ in range(reel.scenes)]
    for line in stats.read_text().splitlines():
        m = _FRAME.match(line)
        if m:
            scene = min(reel.scenes - 1, (int(m[1]) - 1) // reel.frames_per_scene)
            per_scene[scene].append(1.0 if m[2] == "inf" else float(m[2]))
    scenes = tuple(round(sum(v) / len(v), 5) for v in per_scene if v)
    kbps = encoded.stat().st_size * 8 / 1000 / reel.seconds
    encoded.unlink(missing_ok=True)
    stats.unlink(missing_ok=True)
    return Trial(crf=crf, ssim=min(scenes) if scenes else 0.0, scenes=scenes, kbps=round(kbps, 1))


def search_rate(reel: Reel, rung: Rung, info: MediaInfo, options: PackageOptions, work: Path,
                pause: PauseFn | None = None, progress: ProgressFn | None = None) -> Choice:
    """The highest CRF in [crf_min, crf_max] (shifted to the rung codec's scale) whose worst scene keeps
    ``ssim_target``."""
    offset = CODECS[rung.codec]["crf_offset"]
    lo, hi = options.crf_min + offset, options.crf_max + offset
    trials: list[Trial] = []

    def trial(crf: int) -> Trial:
        t = measure(reel, rung, crf, info, options, work, pause)
        trials.append(t)
        if progress:
            progress(min(0.95, len(trials) / 5))
        return t

    best = trial(hi)
    if best.ssim < options.ssim_target:
        best, hi = None, hi - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            t = trial(mid)
            if t.ssim >= options.ssim_target:
                best, lo = t, mid + 1
            else:
                hi = mid - 1
    passed = best is not None
    if best is None:
        best = next((t for t in trials if t.crf == options.crf_min + offset), None) or trial(options.crf_min + offset)
    if progress:
        progress(1.0)
    return Choice(rung=rung.name, crf=best.crf, ssim=best.ssim, kbps=best.kbps, passed=passed,
                  trials=tuple(sorted(trials, key=lambda t: t.crf)))
