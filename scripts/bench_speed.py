#!/usr/bin/env python3
"""Speed benchmark: index a multi-hour input and compare with one plain sequential faster-whisper call.

Loops ../shared/bench/long1 (12.7 min) into a HOURS-long recording with ffmpeg -stream_loop (stream copy),
runs the whole pipeline (probe, audio, chunked parallel ASR, visual, detect, thumbnails, index) in a
fresh data dir, and prints wall time, the real-time factor, time and peak RSS per stage, and the peak RSS of
the whole process tree (driver + ASR workers, sampled every 0.5 s). Then, in the same run, it times one
plain sequential faster-whisper call (beam 1, VAD, 2 threads) over the same audio and prints the ratio.

Example:
  .venv/bin/python scripts/bench_speed.py --hours 3 --out docs/bench_speed.json
  .venv/bin/python scripts/bench_speed.py --hours 0.5 --baseline-minutes 10   # quicker look
  .venv/bin/python scripts/bench_speed.py --hours 0                            # long1 itself (12.7 min)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from replay.catalog import load_catalog  # noqa: E402
from replay.pipeline import PipelineOptions, index_stream  # noqa: E402
from replay.settings import load_settings  # noqa: E402


def tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                stack += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1024


class RssSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, tree_rss_mb(os.getpid()))
            time.sleep(0.5)


def make_input(source: Path, hours: float, out: Path) -> Path:
    """The source looped to ``hours`` (stream copy); hours <= 0 means the source itself."""
    if hours <= 0:
        return source
    if not out.exists():
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-stream_loop", "-1", "-i", str(source),
                        "-t", str(hours * 3600), "-c", "copy", str(out)], check=True)
    return out


def baseline(pcm_path: Path, minutes: float | None, model_dir: Path) -> tuple[float, float]:
    """Seconds of one plain sequential faster-whisper call, and the audio seconds it covered."""
    from faster_whisper import WhisperModel

    from replay.media.audio import load_pcm

    audio = load_pcm(pcm_path, 0.0, minutes * 60 if minutes else None)
    model = WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=2)
    t0 = time.monotonic()
    segments, _ = model.transcribe(audio, language="zh", beam_size=1, vad_filter=True)
    for _ in segments:
        pass
    return time.monotonic() - t0, len(audio) / 16000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", type=Path, default=REPO.parent / "shared" / "bench" / "long1")
    ap.add_argument("--hours", type=float, default=3.0, help="length of the looped input (default 3; 0: no loop)")
    ap.add_argument("--workers", type=int, default=None, help="ASR worker processes (default: REPLAY_WORKERS)")
    ap.add_argument("--baseline-minutes", type=float, default=None,
                    help="time the sequential baseline on the first N minutes only and scale (default: all)")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--no-visual", action="store_true")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "replay-bench-speed")
    ap.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = ap.parse_args()

    args.work.mkdir(parents=True, exist_ok=True)
    video = make_input(args.source / "stream.mp4", args.hours, args.work / f"looped-{args.hours:g}h.mp4")
    data_dir = args.work / f"data-{time.time():.0f}"
    settings = load_settings(data_dir=str(data_dir), workers=args.workers, db_path=str(data_dir / "bench.db"),
                             visual={"enabled": not args.no_visual})
    # Share the assembled model instead of re-joining it into the fresh data dir.
    data_dir.mkdir(parents=True)
    (data_dir / "models").symlink_to((REPO / "data" / "models").resolve())
    catalog = load_catalog(args.source / "catalog.json")

    sampler = RssSampler()
    sampler.start()
    last: list[tuple[str, str]] = [("", "")]

    def progress(p) -> None:  # noqa: ANN001
        # One line per stage and per finished ASR chunk (the stage message changes with each chunk).
        if (p.stage, p.message) != last[0]:
            eta = f"{p.eta:5.0f}s" if p.eta else "   ?"
            print(f"  {p.stage:<11} {p.fraction * 100:5.1f}%  eta {eta}  {p.message}", flush=True)
            last[0] = (p.stage, p.message)

    t0 = time.monotonic()
    result = index_stream(video, catalog, settings, PipelineOptions(), progress=progress)
    wall = time.monotonic() - t0
    sampler.stop.set()
    sampler.join()
    duration = result.index.duration
    print()
    print(f"input: {args.hours:g} h ({duration:.0f} s) looped from {args.source.name}; "
          f"workers={settings.workers} threads={settings.threads} batch={settings.batch_size} model={settings.model}")
    print(f"{'stage':<11} {'seconds':>9} {'x real time':>12} {'peak RSS MB':>12}")
    for t in result.timings:
        print(f"{t.stage:<11} {t.seconds:9.1f} {duration / max(t.seconds, 1e-9):12.0f} {t.peak_rss_mb:12.0f}")
    print(f"{'TOTAL':<11} {wall:9.1f} {duration / wall:12.1f}")
    print(f"peak RSS of the process tree (driver + workers): {sampler.peak:.0f} MB")
    figures = {"hours": args.hours, "duration_s": duration, "wall_s": wall, "rtf": duration / wall,
               "peak_tree_rss_mb": sampler.peak, "highlights": len(result.index.highlights),
               "stages": [{"stage": t.stage, "seconds": t.seconds, "peak_rss_mb": t.peak_rss_mb} for t in result.timings]}
    if not args.no_baseline:
        from replay.asr.models import resolve_model

        pcm = settings.stream_dir(result.stream_id) / "audio.s16le"
        secs, covered = baseline(pcm, args.baseline_minutes, resolve_model(settings.model, settings.model_cache))
        scaled = secs * duration / covered
        note = "" if covered >= duration - 1 else f" (timed on {covered / 60:.0f} min, scaled)"
        print(f"baseline: one sequential faster-whisper call, beam 1, VAD, 2 threads: {scaled:.0f} s{note}, "
              f"{duration / scaled:.1f}x real time")
        print(f"pipeline speed-up over the baseline: {scaled / wall:.2f}x")
        figures.update(baseline_s=scaled, baseline_covered_s=covered, speedup=scaled / wall)
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
