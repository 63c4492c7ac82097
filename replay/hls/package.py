"""package: one recording into an HLS ladder: plan the rungs, search each rung's rate, encode it part by part,
write the playlists and a manifest, then apply the storage policy.

Everything lands in the stream's ``hls/`` folder:

    hls/plan.json        the package key and each rung's chosen CRF (a resumed job does not search again)
    hls/720/p0000.m3u8   a finished part (its segments beside it); index.m3u8 joins the parts
    hls/master.m3u8      the rungs that were encoded, with their measured peak and average rates
    hls/package.json     the manifest: rungs, CRF, SSIM, bytes and rates, failures, whether the original is kept

The key is a fingerprint of the source file (path, size, mtime) and of every option that changes the
output; a run with another key starts the folder over. A rung whose encoder fails is recorded as failed and
left out of the master playlist; the others go on.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from replay.contracts import MediaInfo, Progress, fingerprint, from_json, to_json
from replay.errors import JobInterrupted, MediaNotFound, ReplayError
from replay.hls.encode import EncodeFailed, Part, PauseFn, encode_part, part_done, part_segments, plan_parts
from replay.hls.ladder import CODECS, Rung, plan_ladder
from replay.hls.options import PackageOptions
from replay.hls.search import Choice, build_reel, search_rate
from replay.media import ffmpeg
from replay.media.probe import ProbeOptions, probe

ReportFn = Callable[[Progress], None]
SEARCH_SHARE = 0.15
"""Share of a job's progress given to the rate search (the rest is encoding)."""


@dataclass(frozen=True, slots=True)
class Rendition:
    """One rung as packaged."""

    name: str
    codec: str
    width: int
    height: int
    state: str
    """done | failed"""
    crf: int | None = None
    ssim: float | None = None
    """Worst sampled scene's SSIM at the chosen CRF."""
    ssim_passed: bool = False
    bytes: int = 0
    """Segments (video and audio) on disk."""
    kbps: float = 0.0
    """Average rate, audio included (bytes * 8 / duration)."""
    peak_kbps: float = 0.0
    """Highest segment rate: the master playlist's BANDWIDTH."""
    segments: int = 0
    codecs: str = ""
    """RFC 6381 codec string, for the master playlist's CODECS."""
    error: str | None = None


@dataclass(frozen=True, slots=True)
class PackageResult:
    """The manifest (hls/package.json) and what GET /streams/{id}/package reports."""

    stream_id: str
    key: str
    duration: float
    source_bytes: int
    source_kbps: float
    renditions: tuple[Rendition, ...]
    master: str | None
    """Name of the master playlist in the hls folder; None when no rung could be encoded."""
    original_kept: bool
    seconds: float
    """Wall time of the run that finished the package (not counting time stopped for index jobs)."""

    @property
    def ladder_bytes(self) -> int:
        return sum(r.bytes for r in self.renditions if r.state == "done")

    def best(self) -> Rendition | None:
        """The biggest H.264 rung that was encoded: what clips are cut from once the original is gone."""
        done = [r for r in self.renditions if r.state == "done" and r.codec == "h264"]
        return max(done, key=lambda r: r.width * r.height) if done else None


def hls_dir(stream_dir: Path) -> Path:
    return stream_dir / "hls"


def read_manifest(folder: Path) -> PackageResult | None:
    path = folder / "package.json"
    if not path.is_file():
        return None
    try:
        return from_json(PackageResult, json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError):
        return None


def package_key(info: MediaInfo, options: PackageOptions) -> str:
    st = info.path.stat()
    encoding = replace(options, enabled=False, keep_original=True)  # neither changes a byte of the ladder
    return fingerprint({"source": [str(info.path), st.st_size, st.st_mtime_ns], "options": encoding})


def _codec_string(first_segment: Path, init: Path | None) -> str:
    """RFC 6381 codecs of a rendition, from ffprobe of its first segment."""
    target = init if init is not None and init.is_file() else first_segment
    streams = ffmpeg.probe_json(target).get("streams", [])
    if init is not None:  # an fMP4 init segment alone may not carry the level; the segment after it does
        streams = streams or ffmpeg.probe_json(first_segment).get("streams", [])
    out = []
    for s in streams:
        name = s.get("codec_name")
        if name == "h264":
            profile = {"Baseline": 0x42, "Constrained Baseline": 0x42, "Main": 0x4D, "High": 0x64}.get(s.get("profile"), 0x64)
            flags = 0xE0 if s.get("profile") == "Constrained Baseline" else 0
            out.append(f"avc1.{profile:02x}{flags:02x}{int(s.get('level') or 31):02x}")
        elif name == "hevc":
            out.append(f"hvc1.1.6.L{int(s.get('level') or 93)}.B0")
        elif name == "av1":
            out.append("av01.0.08M.08")
        elif name == "aac":
            out.append("mp4a.40.2")
    return ",".join(out)


def _write_rendition_playlist(folder: Path, parts: tuple[Part, ...]) -> tuple[int, float, float, int, str]:
    """Join the parts' playlists into index.m3u8; returns (bytes, average kbps, peak kbps, segments, codecs)."""
    entries, total_bytes, total_dur, peak = [], 0, 0.0, 0.0
    first: tuple[Path, Path | None] | None = None
    for part in parts:
        init, segs = part_segments(folder, part)
        if init is not None:
            entries.append(f'#EXT-X-MAP:URI="{init}"')
            total_bytes += (folder / init).stat().st_size
        for dur, name in segs:
            size = (folder / name).stat().st_size
            total_bytes += size
            total_dur += dur
            if dur > 0.5:  # a part's short last segment says little about the peak rate
                peak = max(peak, size * 8 / 1000 / dur)
            entries += [f"#EXTINF:{dur:.6f},", name]
            if first is None:
                first = (folder / name, folder / init if init else None)
    fmp4 = any(e.startswith("#EXT-X-MAP") for e in entries)
    target = max(1, math.ceil(max((float(e[8:-1]) for e in entries if e.startswith("#EXTINF:")), default=1.0) - 0.01))
    head = ["#EXTM3U", f"#EXT-X-VERSION:{7 if fmp4 else 3}", f"#EXT-X-TARGETDURATION:{target}",
            "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS"]
    (folder / "index.m3u8.tmp").write_text("\n".join([*head, *entries, "#EXT-X-ENDLIST", ""]))
    (folder / "index.m3u8.tmp").replace(folder / "index.m3u8")
    avg = total_bytes * 8 / 1000 / total_dur if total_dur else 0.0
    codecs = _codec_string(*first) if first else ""
    return total_bytes, round(avg, 1), round(max(peak, avg), 1), sum(1 for e in entries if e.startswith("#EXTINF")), codecs


def write_master(folder: Path, renditions: tuple[Rendition, ...], fps: float | None) -> str | None:
    """master.m3u8 of the encoded rungs. hls.js orders rungs itself; native players (Safari) start with the
    first listed, so the H.264 rung with the highest peak under 1.5 Mbit/s comes first: a phone starts fast."""
    done = [r for r in renditions if r.state == "done"]
    if not done:
        (folder / "master.m3u8").unlink(missing_ok=True)
        return None
    h264 = sorted((r for r in done if r.codec == "h264"), key=lambda r: -r.peak_kbps)
    start = next((r for r in h264 if r.peak_kbps <= 1500), h264[-1] if h264 else None)
    ordered = ([start] if start else []) + [r for r in h264 if r is not start] + [r for r in done if r.codec != "h264"]
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for r in ordered:
        attrs = [f"BANDWIDTH={int(r.peak_kbps * 1000)}", f"AVERAGE-BANDWIDTH={int(r.kbps * 1000)}",
                 f"RESOLUTION={r.width}x{r.height}"]
        if fps:
            attrs.append(f"FRAME-RATE={fps:.3f}")
        if r.codecs:
            attrs.append(f'CODECS="{r.codecs}"')
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attrs), f"{r.name}/index.m3u8"]
    (folder / "master.m3u8.tmp").write_text("\n".join(lines) + "\n")
    (folder / "master.m3u8.tmp").replace(folder / "master.m3u8")
    return "master.m3u8"


def _load_plan(folder: Path, key: str) -> dict[str, Choice | str] | None:
    path = folder / "plan.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("key") != key:
        return None
    return {name: (c if isinstance(c, str) else from_json(Choice, c)) for name, c in data["choices"].items()}


def plan_rates(source: Path, folder: Path, options: PackageOptions, say: Callable[[str, float], None] | None = None,
               pause: PauseFn | None = None, force: bool = False, info: MediaInfo | None = None) -> dict[str, Choice | str]:
    """Each rung's rate (hls/plan.json): read back when the key matches, else searched after emptying the folder."""
    info = info or probe(source, ProbeOptions(require_audio=False))
    key = package_key(info, options)
    plan = None if force else _load_plan(folder, key)
    if plan is None:  # new key: start the folder over
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        plan = _search(source, info, plan_ladder(info, options), folder, options, say or (lambda stage, f: None), pause)
        (folder / "plan.json").write_text(json.dumps({"key": key, "choices": {
            n: (c if isinstance(c, str) else to_json(c)) for n, c in plan.items()}}, ensure_ascii=False, indent=1))
    return plan


def package_recording(source: Path, stream_id: str, folder: Path, options: PackageOptions,
                      report: ReportFn | None = None, pause: PauseFn | None = None, force: bool = False) -> PackageResult:
    """Package ``source`` into ``folder`` (see the module docstring); resumes what a previous run left."""
    t0 = time.monotonic()
    if not Path(source).is_file():
        done = read_manifest(folder)
        if done is not None and done.master and not force:
            return done  # packaged earlier, original dropped by the storage policy: nothing left to do
        raise MediaNotFound(f"the recording {Path(source).name} is gone", hint="packaging needs the original file")
    info = probe(source, ProbeOptions(require_audio=False))
    rungs = plan_ladder(info, options)
    key = package_key(info, options)

    def say(stage: str, fraction: float) -> None:
        if report:
            report(Progress(stage=stage, fraction=max(0.0, min(1.0, fraction))))

    plan = plan_rates(source, folder, options, say, pause, force, info)
    say("encode", SEARCH_SHARE)
    ts_parts = plan_parts(info.duration, options)
    # fMP4 segments (the extra codecs) restart their timestamps in each ffmpeg run, whatever -output_ts_offset
    # says, so those rungs are encoded whole: a killed job redoes such a rung from its start.
    whole = plan_parts(info.duration, replace(options, part_seconds=info.duration + options.segment_seconds))
    cost = {r.name: r.width * r.height for r in rungs}
    total = sum(cost.values()) * info.duration or 1.0
    done_cost = 0.0
    out: list[Rendition] = []
    for rung in rungs:
        choice = plan[rung.name]
        base = Rendition(rung.name, rung.codec, rung.width, rung.height, "failed")
        if isinstance(choice, str):  # the search could not even encode it
            out.append(replace(base, error=choice))
            done_cost += cost[rung.name] * info.duration
            continue
        sub = folder / rung.name
        sub.mkdir(exist_ok=True)
        rung_start = done_cost
        parts = ts_parts if CODECS[rung.codec]["segments"] == "mpegts" else whole
        try:
            for part in parts:
                if not part_done(sub, part):
                    def on_part(f: float, p=part, before=done_cost, c=cost[rung.name]) -> None:  # noqa: ANN001
                        say("encode", SEARCH_SHARE + (1 - SEARCH_SHARE) * (before + f * p.length * c) / total)

                    encode_part(source, info, rung, choice.crf, part, sub, options, pause=pause, progress=on_part)
                done_cost += part.length * cost[rung.name]
            size, kbps, peak, n, codecs = _write_rendition_playlist(sub, parts)
            out.append(replace(base, state="done", crf=choice.crf, ssim=choice.ssim, ssim_passed=choice.passed,
                               bytes=size, kbps=kbps, peak_kbps=peak, segments=n, codecs=codecs))
        except EncodeFailed as exc:
            shutil.rmtree(sub, ignore_errors=True)
            out.append(replace(base, crf=choice.crf, error=exc.message))
            done_cost = rung_start + info.duration * cost[rung.name]  # the rung's share counts as done
    renditions = tuple(out)
    master = write_master(folder, renditions, info.fps)
    if master is None:
        raise EncodeFailed("no rendition could be encoded: " + "; ".join(r.error or "" for r in renditions),
                           hint="check the ffmpeg encoders (ffmpeg -encoders) and the package settings")
    all_done = all(r.state == "done" for r in renditions)
    result = PackageResult(stream_id=stream_id, key=key, duration=info.duration, source_bytes=info.size_bytes,
                           source_kbps=round(info.size_bytes * 8 / 1000 / info.duration, 1), renditions=renditions,
                           master=master, original_kept=True, seconds=round(time.monotonic() - t0, 2))
    if not options.keep_original and all_done:
        result = replace(result, original_kept=False)
    _write_manifest(folder, result)
    if not result.original_kept:
        Path(source).unlink()  # only after the manifest that says where clips now come from is on disk
    say("done", 1.0)
    return result


def _write_manifest(folder: Path, result: PackageResult) -> None:
    tmp = folder / "package.json.tmp"
    tmp.write_text(json.dumps(to_json(result), ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(folder / "package.json")


def _search(source: Path, info: MediaInfo, rungs: tuple[Rung, ...], folder: Path, options: PackageOptions,
            say: Callable[[str, float], None], pause: PauseFn | None) -> dict[str, Choice | str]:
    """Each rung's Choice, or the error text when the rung cannot be encoded at all."""
    work = folder / ".search"
    work.mkdir(exist_ok=True)
    try:
        say("search", 0.0)
        reel = build_reel(source, info, options, work / "reel.mkv", pause)
        plan: dict[str, Choice | str] = {}
        for n, rung in enumerate(rungs):
            try:
                plan[rung.name] = search_rate(reel, rung, info, options, work, pause, progress=lambda f, n=n: say(
                    "search", SEARCH_SHARE * (n + f) / len(rungs)))
            except JobInterrupted:
                raise  # the server is stopping: not a failure of this rung (and not to be saved in the plan)
            except ReplayError as exc:
                plan[rung.name] = f"{CODECS[rung.codec]['encoder']}: {exc.message}"
        return plan
    finally:
        shutil.rmtree(work, ignore_errors=True)


def clip_source(original: Path, folder: Path) -> Path:
    """What clips are cut from: the original while it exists, else the best rendition's playlist."""
    if Path(original).is_file():
        return Path(original)
    manifest = read_manifest(folder)
    best = manifest.best() if manifest else None
    if best is None:
        raise MediaNotFound(f"the recording {Path(original).name} is gone and the stream has no packaged rendition",
                            hint="register the recording again")
    return folder / best.name / "index.m3u8"

