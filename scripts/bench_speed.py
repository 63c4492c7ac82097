#!/usr/bin/env python3
"""Speed benchmark: the whole pipeline on a multi-hour input, and two plain faster-whisper calls beside it.

Run it alone on the machine: it checks the load before it starts and watches it while it runs
(scripts/benchlib.py), refuses a busy machine (exit status 3) and marks a run that shared the CPU `noisy`
(exit status 4), unless --allow-noisy.

What it does, in one run:
1. Loops ../shared/bench/long1 (12.7 min) to the asked length with ffmpeg -stream_loop (stream copy).
2. Indexes it with the whole pipeline (probe, audio, chunked ASR on the worker pool, the visual stage beside
   it, detect, thumbnails, store) in a fresh data dir, --repeat times; prints wall time and × real time
   (min and median), each stage's time, where each second went (report/timing.py) and the peak RSS of the
   whole process tree (driver, ASR workers, ffmpeg; sampled every 0.5 s).
3. On the same audio (by default its first loop of long1, which the rest repeats), --baseline-repeat times:
   - the plain baseline: one WhisperModel.transcribe call, 2 threads, beam 1, VAD,
     condition_on_previous_text=False, no word timestamps, no hotwords;
   - one BatchedInferencePipeline call: 1 process × 2 threads, batch 8, word timestamps, catalog hotwords
     (the pipeline's own ASR call, in one process).
   The models are loaded before the clock starts.
Every figure is printed with the CPU model, the core count and the load check's verdict.

Examples:
  .venv/bin/python scripts/bench_speed.py --hours 3 --out .bench/speed-3h.json      # about 10 min
  .venv/bin/python scripts/bench_speed.py --loops 3 --out .bench/speed-38min.json   # 38 min input, about 8 min
  .venv/bin/python scripts/bench_speed.py --loops 1 --out .bench/speed-long1.json   # long1 itself, about 5 min
  .venv/bin/python scripts/bench_speed.py --loops 1 --repeat 1 --baseline-repeat 1 --allow-noisy  # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

import benchlib  # noqa: E402

from replay.catalog import load_catalog  # noqa: E402
from replay.contracts import AudioChunk, Catalog  # noqa: E402
from replay.pipeline import IndexResult, PipelineOptions, index_stream  # noqa: E402
from replay.report import timing  # noqa: E402
from replay.settings import Settings, load_settings  # noqa: E402

RSS_BOUND_MB = 4096


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


def make_input(source: Path, seconds: float | None, out: Path) -> Path:
    """The source looped to ``seconds`` (stream copy); None means the source itself."""
    if seconds is None:
        return source
    if not out.exists():
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-stream_loop", "-1", "-i", str(source),
                        "-t", f"{seconds:.3f}", "-c", "copy", str(out)], check=True)
    return out


def probe_seconds(path: Path) -> float:
    from replay.media.probe import probe

    return probe(path).duration


def index_once(video: Path, catalog: Catalog, work: Path, args: argparse.Namespace, n: int
               ) -> tuple[IndexResult, float, float, Settings]:
    """One whole-pipeline run in a fresh data dir: (result, wall seconds, peak tree RSS MB, settings)."""
    data_dir = work / f"data-{os.getpid()}-{n}"
    data_dir.mkdir(parents=True)
    # Share the assembled model (the usual cache: REPLAY_MODEL_CACHE_DIR, else REPLAY_DATA_DIR/models) instead of
    # joining it again into the fresh data dir.
    settings = load_settings(data_dir=str(data_dir), workers=args.workers, db_path=str(data_dir / "bench.db"),
                             model_cache_dir=str(args.model_cache), visual={"enabled": not args.no_visual})
    last: list[tuple[str, str]] = [("", "")]

    def progress(p) -> None:  # noqa: ANN001
        if args.verbose and (p.stage, p.message) != last[0]:
            print(f"    {p.stage:<11} {p.fraction * 100:5.1f}%  {p.message}", flush=True)
            last[0] = (p.stage, p.message)

    sampler = RssSampler()
    sampler.start()
    t0 = time.monotonic()
    result = index_stream(video, catalog, settings, PipelineOptions(), progress=progress)
    wall = time.monotonic() - t0
    sampler.stop.set()
    sampler.join()
    return result, wall, sampler.peak, settings


def baselines(pcm: Path, seconds: float, catalog: Catalog, settings: Settings, repeat: int) -> dict[str, list[float]]:
    """Seconds of the plain call and of one batched call over the first ``seconds`` of ``pcm``, ``repeat`` each."""
    from faster_whisper import WhisperModel

    from replay.asr.models import resolve_model
    from replay.asr.transcribe import TranscribeOptions, load_model, select_hotwords, transcribe_chunk
    from replay.media.audio import load_pcm

    model_dir = resolve_model(settings.model, settings.model_cache)
    audio = load_pcm(pcm, 0.0, seconds)
    plain = WhisperModel(str(model_dir), device="cpu", compute_type=settings.compute_type, cpu_threads=2)
    batched = TranscribeOptions(model_dir=model_dir, compute_type=settings.compute_type, threads=2,
                                beam_size=1, batch_size=8, language=settings.language,
                                hotwords=select_hotwords(catalog.items))
    load_model(batched)
    chunk = AudioChunk(index=0, start=0.0, end=seconds, path=pcm)
    out: dict[str, list[float]] = {"plain": [], "batched": []}
    for i in range(repeat):
        t0 = time.monotonic()
        segments, _ = plain.transcribe(audio, language=settings.language, beam_size=1, vad_filter=True,
                                       condition_on_previous_text=False)
        for _ in segments:  # the call is lazy: decoding happens while iterating
            pass
        out["plain"].append(time.monotonic() - t0)
        t0 = time.monotonic()
        transcribe_chunk(chunk, batched)
        out["batched"].append(time.monotonic() - t0)
        print(f"  baseline run {i + 1}/{repeat}: plain {out['plain'][-1]:.1f} s, batched {out['batched'][-1]:.1f} s",
              flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", type=Path, default=REPO.parent / "shared" / "bench" / "long1",
                    help="bench stream folder with stream.mp4 and catalog.json (default ../shared/bench/long1)")
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--hours", type=float, help="length of the looped input in hours (default 3)")
    size.add_argument("--loops", type=int, help="the source looped this many times (1: the source itself)")
    ap.add_argument("--repeat", type=int, default=None,
                    help="whole-pipeline runs (default 3 when the input is at most 45 min, else 1)")
    ap.add_argument("--baseline-repeat", type=int, default=3, help="runs of each plain call (default 3)")
    ap.add_argument("--baseline-seconds", type=float, default=None,
                    help="audio the plain calls are timed on (default: one loop of the source, or all if shorter)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the two plain calls")
    ap.add_argument("--workers", type=int, default=None, help="ASR worker processes (default: REPLAY_WORKERS, 2)")
    ap.add_argument("--no-visual", action="store_true", help="turn the visual stage off")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "replay-bench-speed",
                    help="folder for the looped input and the data dirs")
    ap.add_argument("--out", type=Path, help="write every figure as JSON here")
    ap.add_argument("--keep-data", action="store_true", help="keep the last run's data dir (database, audio, frames)")
    ap.add_argument("--verbose", "-v", action="store_true", help="print the pipeline's progress")
    benchlib.add_arguments(ap)
    args = ap.parse_args()

    args.model_cache = load_settings().model_cache.resolve()
    guard = benchlib.LoadGuard.from_args(args, "bench_speed")
    guard.start()
    machine = benchlib.machine()
    print(f"machine: {machine.tag()}, {machine.memory_gb} GB", flush=True)

    args.work.mkdir(parents=True, exist_ok=True)
    source = args.source / "stream.mp4"
    loop = probe_seconds(source)
    if args.loops is not None:
        seconds = None if args.loops <= 1 else loop * args.loops
        label = f"{args.source.name}" + (f" looped {args.loops}×" if args.loops > 1 else "")
    else:
        hours = 3.0 if args.hours is None else args.hours
        seconds = hours * 3600 if hours > 0 else None
        label = f"{args.source.name} looped to {hours:g} h" if seconds else args.source.name
    video = make_input(source, seconds, args.work / f"looped-{seconds:.0f}s.mp4" if seconds else source)
    duration = probe_seconds(video)
    repeat = args.repeat or (3 if duration <= 45 * 60 else 1)
    catalog = load_catalog(args.source / "catalog.json")
    print(f"input: {label} ({duration:.0f} s = {duration / 60:.1f} min); {repeat} whole-pipeline run(s)", flush=True)

    runs = []
    for n in range(repeat):
        if runs:  # only the last run's data dir is kept (its audio is what the plain calls read)
            shutil.rmtree(runs[-1]["settings"].data_dir, ignore_errors=True)
        result, wall, peak, settings = index_once(video, catalog, args.work, args, n)
        stages = {t.stage: t for t in result.timings}
        runs.append({"wall_s": wall, "rtf": duration / wall, "peak_tree_rss_mb": peak, "result": result,
                     "highlights": len(result.index.highlights), "settings": settings})
        print(f"  run {n + 1}/{repeat}: {wall:.1f} s ({duration / wall:.1f}× real time), transcribe stage "
              f"{stages['transcribe'].seconds:.1f} s, peak RSS {peak:.0f} MB, {len(result.index.highlights)} 看点",
              flush=True)

    base: dict[str, list[float]] = {}
    base_seconds = 0.0
    if not args.no_baseline:
        base_seconds = min(duration, args.baseline_seconds or loop)
        print(f"plain calls on the first {base_seconds:.0f} s of the same audio, {args.baseline_repeat}× each:",
              flush=True)
        pcm = settings.stream_dir(runs[-1]["result"].stream_id) / "audio.s16le"
        base = baselines(pcm, base_seconds, catalog, settings, args.baseline_repeat)

    verdict = guard.stop()
    tag = guard.tag(verdict)
    if not args.keep_data:
        shutil.rmtree(settings.data_dir, ignore_errors=True)  # the looped input stays for the next run
    walls = [r["wall_s"] for r in runs]
    fastest = min(runs, key=lambda r: r["wall_s"])["result"]

    def fig(seconds_list: list[float], audio: float) -> str:
        lo, med = benchlib.min_median(seconds_list)
        if len(seconds_list) == 1:
            return f"{lo:8.1f} s  {audio / lo:6.1f}× real time"
        return (f"{lo:8.1f} s  {audio / lo:6.1f}× real time (fastest of {len(seconds_list)}; median {med:.1f} s, "
                f"{audio / med:.1f}×)")

    print()
    print(f"== {label}, {duration:.0f} s; workers={settings.workers} threads={settings.threads} "
          f"batch={settings.batch_size} model={settings.model} {settings.compute_type}"
          f"{'; visual off' if args.no_visual else ''} ==")
    print(f"whole pipeline       {fig(walls, duration)}   [{tag}]")
    transcribe = [{t.stage: t for t in r['result'].timings}["transcribe"].seconds for r in runs]
    print(f"transcribe stage     {fig(transcribe, duration)}   [{tag}]")
    if base:
        print(f"plain WhisperModel.transcribe (2 threads, beam 1, VAD, condition_on_previous_text=False), "
              f"on {base_seconds:.0f} s:")
        print(f"                     {fig(base['plain'], base_seconds)}   [{tag}]")
        print(f"one BatchedInferencePipeline call (2 threads, batch 8, word timestamps, hotwords), on {base_seconds:.0f} s:")
        print(f"                     {fig(base['batched'], base_seconds)}   [{tag}]")
        plain_whole = min(base["plain"]) * duration / base_seconds  # the plain call's best rate over the whole input
        print(f"whole pipeline (fastest run) against the plain call at its best rate over all {duration:.0f} s: "
              f"{plain_whole / min(walls):.2f}× its speed")
    peak = max(r["peak_tree_rss_mb"] for r in runs)
    print(f"peak RSS of the process tree (driver, ASR workers, ffmpeg): {peak:.0f} MB "
          f"({'under' if peak < RSS_BOUND_MB else 'OVER'} the {RSS_BOUND_MB} MB bound)")

    print()
    print("each stage, seconds (start → end from the start of the run; early stages run beside the others):")
    print(f"  {'stage':<11} {'min':>8} {'median':>8} {'start':>8} {'end':>8}  (start/end of the fastest run)")
    for t in fastest.timings:
        secs = [{x.stage: x for x in r["result"].timings}[t.stage].seconds for r in runs]
        lo, med = benchlib.min_median(secs)
        print(f"  {t.stage:<11} {lo:8.1f} {med:8.1f} {t.start:8.1f} {t.end:8.1f}")
    print()
    print("where each second of the fastest run went:")
    print(timing.markdown(fastest, settings.workers))
    print()
    print(verdict.line())

    if args.out:
        figures = {
            "machine": {"cpu_model": machine.cpu_model, "cores": machine.cores, "memory_gb": machine.memory_gb},
            "load": verdict.to_json(), "input": label, "duration_s": duration,
            "settings": {"workers": settings.workers, "threads": settings.threads, "batch_size": settings.batch_size,
                         "model": settings.model, "compute_type": settings.compute_type, "visual": not args.no_visual},
            "pipeline": {"runs_s": walls, "min_s": min(walls), "median_s": statistics.median(walls),
                         "rtf_best": duration / min(walls), "rtf_median": duration / statistics.median(walls)},
            "transcribe_stage": {"runs_s": transcribe, "min_s": min(transcribe), "median_s": statistics.median(transcribe)},
            "peak_tree_rss_mb": peak,
            "stages": {t.stage: [{x.stage: x for x in r["result"].timings}[t.stage].seconds for r in runs]
                       for t in fastest.timings},
            "where_time_went": [{"what": r.what, "seconds": r.seconds, "first": r.first}
                                for r in timing.where_time_went(fastest, settings.workers)],
            "workers": [vars_of(w) for w in timing.worker_rows(fastest)],
            "highlights": [r["highlights"] for r in runs],
        }
        if base:
            figures["baseline"] = {"audio_s": base_seconds, **{k: {"runs_s": v, "min_s": min(v), "median_s":
                                   statistics.median(v), "rtf_best": base_seconds / min(v)} for k, v in base.items()}}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=1, ensure_ascii=False))
        print(f"wrote {args.out}")
    sys.exit(guard.exit_code(verdict))


def vars_of(obj: object) -> dict:
    return {name: getattr(obj, name) for name in obj.__slots__}  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
