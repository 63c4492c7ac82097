#!/usr/bin/env python3
"""Write an existing recording out as a live HLS playlist (or a growing file) at X× real time.

    python scripts/feed_live.py SOURCE OUT_DIR --speed X [faults]

The recording is first cut into segments in OUT_DIR/.stage (stream copy; when its keyframes are farther apart
than --segment-seconds, the picture is re-encoded with a keyframe every --segment-seconds, as a live encoder
places them; the audio is always copied). Then OUT_DIR/index.m3u8 grows: segment k is written and listed once
the fed stream has reached its end, at START + end_k / X wall-clock seconds, and #EXT-X-ENDLIST closes it
(unless --no-endlist). OUT_DIR/feed.json logs when each segment was published, for scripts/bench_live.py.

Faults, for tests (K = the segment's place in the recording, from 0):
  --late K:S        list the segment on time, write its file S seconds later
  --missing K     list the segment, never write its file
  --drop K        it slides out of the playlist before it is seen (the numbers jump past it)
  --duplicate K   list the same segment again right after it
  --corrupt K     write garbage instead of the segment
  --discontinuity K   put #EXT-X-DISCONTINUITY before it
  --rewind K      after it, the packager "restarts": numbering starts again at 0 with the next segments
  --stall K:S       publish nothing for S seconds before it
  --window N        a sliding playlist of the last N entries (as CDNs serve live), instead of all of them
  --hold K:FILE     publish nothing before K until FILE exists (a test waits for the follower to catch up)

--as-file NAME (.ts, .flv or .mp4) writes a growing file OUT_DIR/NAME instead of a playlist (ffmpeg -readrate;
a fragmented mp4 for .mp4). Speed 0 publishes everything at once.

Example: python scripts/feed_live.py ../shared/bench/long1/stream.mp4 /tmp/feed --speed 1
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from replay.media.ffmpeg import ffmpeg_path
from replay.media.keyframes import median_gap
from replay.media.probe import ProbeOptions, probe


def _pairs(values: list[str]) -> dict[int, float]:
    out = {}
    for v in values:
        k, _, s = v.partition(":")
        out[int(k)] = float(s or 0)
    return out


def stage(source: Path, folder: Path, seconds: float, copy: bool, fmp4: bool) -> list[tuple[str, float]]:
    """Cut the recording into segments in ``folder``; returns (file name, duration) in order."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    info = probe(source, ProbeOptions(require_audio=False))
    gap = median_gap(info) if info.has_video else None
    video = ["-c:v", "copy"]
    if info.has_video and not copy and (gap is None or gap > seconds * 1.5):
        video = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
                 "-force_key_frames", f"expr:gte(t,n_forced*{seconds})", "-sc_threshold", "0"]
    seg = ["-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4"] if fmp4 else []
    ext = "m4s" if fmp4 else "ts"
    subprocess.run([ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(source),
                    "-map", "0:v:0?", "-map", "0:a:0", *video, "-c:a", "copy", "-f", "hls", "-hls_time", str(seconds),
                    "-hls_list_size", "0", *seg, "-hls_segment_filename", str(folder / f"%06d.{ext}"),
                    str(folder / "all.m3u8")], check=True)
    out, dur = [], None
    for line in (folder / "all.m3u8").read_text().splitlines():
        if line.startswith("#EXTINF:"):
            dur = float(line[8:].split(",")[0])
        elif line and not line.startswith("#") and dur is not None:
            out.append((line, dur))
            dur = None
    return out


def write_playlist(out: Path, entries: list[dict], ended: bool, window: int | None, fmp4: bool, dsn: int = 0) -> None:
    shown = entries[-window:] if window else entries
    target = max([int(e["duration"] + 0.999) for e in entries] or [1])
    first = shown[0]["msn"] if shown else 0
    # Discontinuities that slid out of the window still count (EXT-X-DISCONTINUITY-SEQUENCE).
    dsn += sum(1 for n, e in enumerate(entries[: len(entries) - len(shown)]) if e.get("discontinuity") and n)
    lines = ["#EXTM3U", "#EXT-X-VERSION:7" if fmp4 else "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}",
             f"#EXT-X-MEDIA-SEQUENCE:{first}", f"#EXT-X-DISCONTINUITY-SEQUENCE:{dsn}"]
    if not window:
        lines.append("#EXT-X-PLAYLIST-TYPE:EVENT")
    if fmp4:
        lines.append('#EXT-X-MAP:URI="init.mp4"')
    for n, e in enumerate(shown):
        if e.get("discontinuity") and n:
            lines.append("#EXT-X-DISCONTINUITY")
        lines += [f"#EXTINF:{e['duration']:.6f},", e["file"]]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    tmp = out / "index.m3u8.partial"
    tmp.write_text("\n".join(lines) + "\n")
    os.replace(tmp, out / "index.m3u8")


def feed_playlist(args: argparse.Namespace) -> None:
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*"):
        if old.is_file():
            old.unlink()
    staged = stage(Path(args.source), out / ".stage", args.segment_seconds, args.copy, args.fmp4)
    if args.fmp4:
        shutil.copyfile(out / ".stage" / "init.mp4", out / "init.mp4")
    late, stall = _pairs(args.late), _pairs(args.stall)
    hold = {int(k): v for k, _, v in (h.partition(":") for h in args.hold)}
    pending_files: list[tuple[float, Path, Path]] = []  # (due, src, dst) of late segments
    entries: list[dict] = []
    log = {"source": str(args.source), "speed": args.speed, "segments": []}
    t0 = time.time()
    log["started_at"] = t0
    media_end, next_msn, dsn = 0.0, 0, 0
    for k, (name, dur) in enumerate(staged):
        media_end += dur
        if k in stall:
            time.sleep(stall[k])
            t0 += stall[k]
        if k in hold:
            waited = time.time()
            while not Path(hold[k]).exists():
                _flush(pending_files)
                time.sleep(0.05)
            t0 += time.time() - waited
        due = t0 + media_end / args.speed if args.speed > 0 else time.time()
        while time.time() < due:
            _flush(pending_files)
            time.sleep(min(0.05, max(0.0, due - time.time())))
        _flush(pending_files)
        if k in args.drop:
            # It slides out of the playlist before anyone saw it: the next playlist starts after it.
            dsn += sum(1 for n, e in enumerate(entries) if e.get("discontinuity") and n)
            entries, next_msn = [], next_msn + 1
            continue
        target = f"{k:06d}{Path(name).suffix}"
        src, dst = out / ".stage" / name, out / target
        if k in args.corrupt:
            dst.write_bytes(os.urandom(int(src.stat().st_size)))
        elif k in late:
            pending_files.append((time.time() + late[k], src, dst))
        elif k not in args.missing:
            shutil.copyfile(src, dst)
        entries.append({"msn": next_msn, "file": target, "duration": dur, "discontinuity": k in args.discontinuity})
        next_msn += 1
        if k in args.duplicate:
            entries.append({"msn": next_msn, "file": target, "duration": dur})
            next_msn += 1
        write_playlist(out, entries, False, args.window, args.fmp4, dsn)
        log["segments"].append({"index": k, "msn": entries[-1]["msn"], "start": media_end - dur, "end": media_end,
                                "published_at": time.time()})
        if k in args.rewind:
            entries, next_msn = [], 0  # the packager restarts: the next playlist is numbered from 0 again
    while pending_files:
        _flush(pending_files)
        time.sleep(0.05)
    write_playlist(out, entries, not args.no_endlist, args.window, args.fmp4, dsn)
    log["ended_at"] = time.time()
    log["duration"] = media_end
    (out / "feed.json").write_text(json.dumps(log, indent=1))


def _flush(pending: list[tuple[float, Path, Path]]) -> None:
    now = time.time()
    for item in [p for p in pending if p[0] <= now]:
        shutil.copyfile(item[1], item[2])
        pending.remove(item)


def feed_file(args: argparse.Namespace) -> None:
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / args.as_file
    target.unlink(missing_ok=True)
    fmt = {".ts": ["-f", "mpegts"], ".flv": ["-f", "flv"],
           ".mp4": ["-f", "mp4", "-movflags", "frag_keyframe+empty_moov+default_base_moof"]}[target.suffix.lower()]
    rate = ["-readrate", str(args.speed)] if args.speed > 0 else []
    t0 = time.time()
    subprocess.run([ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *rate, "-i", args.source,
                    "-map", "0:v:0?", "-map", "0:a:0", "-c", "copy", "-flush_packets", "1", *fmt, str(target)],
                   check=True)
    (out / "feed.json").write_text(json.dumps({"source": args.source, "speed": args.speed, "started_at": t0,
                                               "ended_at": time.time(), "file": str(target)}, indent=1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Example: python scripts/feed_live.py ../shared/bench/long1/stream.mp4 "
                                        "/tmp/feed --speed 1", formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", help="an existing recording (.mp4, .flv, .ts)")
    ap.add_argument("out_dir", help="where index.m3u8 and its segments (or the growing file) are written")
    ap.add_argument("--speed", type=float, default=1.0, help="X× real time (0: everything at once)")
    ap.add_argument("--segment-seconds", type=float, default=4.0, help="segment length (keyframes placed to match)")
    ap.add_argument("--copy", action="store_true", help="never re-encode: segments at the source's own keyframes")
    ap.add_argument("--fmp4", action="store_true", help="fMP4 segments with an init section (EXT-X-MAP)")
    ap.add_argument("--no-endlist", action="store_true", help="never write #EXT-X-ENDLIST (the follower's idle "
                                                              "timeout or an explicit end must end it)")
    ap.add_argument("--window", type=int, default=None, metavar="N",
                    help="a sliding playlist of the last N entries (as CDNs serve live)")
    ap.add_argument("--as-file", default=None, metavar="NAME",
                    help="write a growing NAME.ts/.flv/.mp4 instead of a playlist")
    faults = {"drop": "it slides out of the playlist before it is seen (the numbers jump past it)",
              "missing": "list the segment, never write its file", "duplicate": "list the same segment again",
              "corrupt": "write garbage instead of the segment", "discontinuity": "put #EXT-X-DISCONTINUITY before it",
              "rewind": "after it, numbering starts again at 0 (the packager restarted)"}
    for name, what in faults.items():
        ap.add_argument(f"--{name}", type=int, action="append", default=[], metavar="K",
                        help=f"segment K (from 0, repeatable): {what}")
    ap.add_argument("--late", action="append", default=[], metavar="K:S",
                    help="list segment K on time, write its file S seconds later")
    ap.add_argument("--stall", action="append", default=[], metavar="K:S", help="publish nothing for S seconds before K")
    ap.add_argument("--hold", action="append", default=[], metavar="K:FILE",
                    help="publish nothing before K until FILE exists")
    args = ap.parse_args(argv)
    if args.as_file:
        feed_file(args)
    else:
        feed_playlist(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
