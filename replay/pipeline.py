"""pipeline: run every stage for one recording, checkpointing each so a re-run resumes.

probe ─> audio ─> transcribe ──┐
   └──> frames ─> visual ──────┼─> detect ─> thumbnails ─> index
catalog ───────────────────────┘

Each stage's output is stored in the database with a key derived from the options that produced it.
A re-run skips every stage whose key still matches; ``force`` redoes them all. Transcription is
checkpointed per chunk, so after a ``kill -9`` only the chunks that were in flight are redone.
"""

from __future__ import annotations

import math
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from replay.asr.executor import Executor, make_executor
from replay.asr.models import resolve_model
from replay.asr.transcribe import TranscribeOptions, select_hotwords
from replay.asr.transcript_io import transcript_from_json
from replay.contracts import (
    AudioChunk,
    Catalog,
    Highlight,
    HighlightIndex,
    MediaInfo,
    Segment,
    Transcript,
    VisualTrack,
    to_jsonable,
    visual_track_from_json,
)
from replay.media.audio import AudioOptions, extract_pcm, pcm_duration, plan_chunks
from replay.media.probe import ProbeOptions, probe
from replay.settings import Settings
from replay.store.database import Index, options_key, stream_id_for

# Share of the whole job each stage accounts for, used to turn stage progress into job progress.
STAGE_WEIGHTS = {"probe": 0.01, "audio": 0.02, "transcribe": 0.82, "visual": 0.08, "detect": 0.03, "thumbnails": 0.04}


@dataclass(frozen=True, slots=True)
class Progress:
    stage: str
    fraction: float
    """Whole-job progress in 0..1."""
    eta: float | None
    """Seconds left, estimated from the elapsed time and progress so far."""
    message: str = ""


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    force: bool = False
    """Redo every stage even when a matching checkpoint exists."""
    visual: bool = True
    """Run the visual stage (scene cuts, OCR of product cards, thumbnails)."""
    title: str | None = None
    """Display title of the stream; default: the file name."""
    stream_id: str | None = None
    """Explicit stream id; default: derived from the file's absolute path."""
    audio: AudioOptions = field(default_factory=AudioOptions)
    """Chunking of the audio."""


@dataclass(frozen=True, slots=True)
class StageTiming:
    stage: str
    seconds: float
    peak_rss_mb: float
    resumed: bool


@dataclass(frozen=True, slots=True)
class IndexResult:
    stream_id: str
    index: HighlightIndex
    timings: tuple[StageTiming, ...]
    chunks_total: int = 0
    chunks_resumed: int = 0
    """ASR chunks taken from checkpoints instead of being transcribed again."""


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux; children covers the ASR worker processes.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


class _Tracker:
    """Turns per-stage progress into whole-job progress and an ETA, and reports both."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.t0 = time.monotonic()
        self.done_weight = 0.0

    def report(self, stage: str, stage_fraction: float, message: str = "") -> None:
        if self.callback is None:
            return
        frac = min(1.0, self.done_weight + STAGE_WEIGHTS.get(stage, 0.0) * max(0.0, min(1.0, stage_fraction)))
        elapsed = time.monotonic() - self.t0
        eta = elapsed * (1 - frac) / frac if frac > 0.02 else None
        self.callback(Progress(stage=stage, fraction=frac, eta=eta, message=message))

    def finish(self, stage: str) -> None:
        self.done_weight += STAGE_WEIGHTS.get(stage, 0.0)
        self.report(stage, 0.0)


def chunk_plan_options(duration: float, settings: Settings, base: AudioOptions) -> AudioOptions:
    """Enough chunks to keep every worker busy, in whole rounds, none longer than the configured maximum.

    plan_chunks cuts each chunk at the quietest moment up to ``search_seconds`` before its nominal end, so
    the nominal length is the even share plus that slack; otherwise the cuts would leave a short extra
    chunk at the end that one worker runs alone while the others idle.
    """
    usable = max(30.0, settings.chunk_seconds - base.search_seconds)
    n = max(settings.workers, math.ceil(duration / usable))
    n = math.ceil(n / settings.workers) * settings.workers  # balanced rounds
    length = min(settings.chunk_seconds, max(30.0, duration / n + base.search_seconds))
    return replace(base, chunk_seconds=length)


def transcribe_options(settings: Settings, catalog: Catalog) -> TranscribeOptions:
    return TranscribeOptions(
        model_dir=resolve_model(settings.model, settings.model_cache),
        device=settings.device,
        compute_type=settings.compute_type,
        threads=settings.threads,
        beam_size=settings.beam_size,
        batch_size=settings.batch_size,
        language=settings.language,
        hotwords=select_hotwords(catalog.items),
    )


def _segments_from_payload(payload: list) -> list[Segment]:
    return list(transcript_from_json({"segments": payload}).segments)


def run_transcribe(
    index: Index, stream_id: str, info: MediaInfo, pcm: Path, catalog: Catalog, settings: Settings,
    options: PipelineOptions, executor: Executor, tracker: _Tracker,
) -> tuple[Transcript, int, int]:
    topts = transcribe_options(settings, catalog)
    chunks = list(plan_chunks(pcm, chunk_plan_options(pcm_duration(pcm), settings, options.audio)))
    results: dict[int, list[Segment]] = {}
    keys: dict[int, str] = {}
    for c in chunks:
        keys[c.index] = options_key({"opts": topts, "model": settings.model, "start": c.start, "end": c.end})
        cached = None if options.force else index.checkpoint(stream_id, f"transcribe:{c.index:04d}", keys[c.index])
        if cached is not None:
            results[c.index] = _segments_from_payload(cached)
    resumed = len(results)
    todo: list[AudioChunk] = [c for c in chunks if c.index not in results]
    total_audio = sum(c.end - c.start for c in chunks) or 1.0
    done_audio = sum(c.end - c.start for c in chunks if c.index in results)
    tracker.report("transcribe", done_audio / total_audio, f"{len(results)}/{len(chunks)} chunks from checkpoints")
    t0 = time.monotonic()
    for chunk, segs in executor.transcribe_chunks(todo, topts):
        results[chunk.index] = segs
        index.save_checkpoint(stream_id, f"transcribe:{chunk.index:04d}", keys[chunk.index], segs,
                              seconds=time.monotonic() - t0)
        done_audio += chunk.end - chunk.start
        tracker.report("transcribe", done_audio / total_audio, f"chunk {chunk.index + 1}/{len(chunks)}")
    merged = [s for i in sorted(results) for s in results[i]]
    merged.sort(key=lambda s: s.start)
    return Transcript(segments=tuple(merged), duration=info.duration, model=settings.model), len(chunks), resumed


def run_visual(info: MediaInfo, catalog: Catalog, tracker: _Tracker) -> VisualTrack:
    if not info.has_video:
        return VisualTrack(events=(), skipped_reason="audio-only recording: no video stream")
    from replay.screen import visual  # OpenCV/OCR are loaded only when a stream has video

    return visual.analyse(info, catalog, progress=lambda f: tracker.report("visual", f))


def run_thumbnails(info: MediaInfo, highlights: list[Highlight], track: VisualTrack, out_dir: Path,
                   tracker: _Tracker) -> list[Highlight]:
    from replay.media.thumbnails import make_thumbnails  # OpenCV is loaded only when a stream has video

    return make_thumbnails(info, highlights, track, out_dir, progress=lambda f: tracker.report("thumbnails", f))


def index_stream(
    video: Path | str,
    catalog: Catalog,
    settings: Settings,
    options: PipelineOptions = PipelineOptions(),
    progress: ProgressCallback | None = None,
    executor: Executor | None = None,
    index: Index | None = None,
) -> IndexResult:
    """Index one recording end to end and store everything in the database."""
    from replay.detect import detect  # the detector pulls in jieba/pypinyin; import on use

    index = index or Index(settings.database)
    tracker = _Tracker(progress)
    timings: list[StageTiming] = []

    def timed(stage: str, resumed: bool, t0: float) -> None:
        timings.append(StageTiming(stage, time.monotonic() - t0, _peak_rss_mb(), resumed))
        tracker.finish(stage)

    t0 = time.monotonic()
    info = probe(video, ProbeOptions(max_duration=settings.max_duration))
    stream_id = options.stream_id or stream_id_for(info.path)
    index.upsert_stream(stream_id, info, options.title)
    index.save_catalog(stream_id, catalog)
    if options.force:
        index.clear_checkpoints(stream_id)
    timed("probe", False, t0)

    t0 = time.monotonic()
    work = settings.derived_dir / stream_id
    pcm = work / "audio.s16le"
    audio_key = options_key({"size": info.size_bytes, "duration": info.duration})
    resumed = pcm.is_file() and index.checkpoint(stream_id, "audio", audio_key) is not None
    if not resumed:
        extract_pcm(info, pcm)
        index.save_checkpoint(stream_id, "audio", audio_key, {"path": str(pcm)}, seconds=time.monotonic() - t0)
    timed("audio", resumed, t0)

    own_executor = executor is None
    executor = executor or make_executor(settings)
    try:
        t0 = time.monotonic()
        transcript, n_chunks, n_resumed = run_transcribe(index, stream_id, info, pcm, catalog, settings, options,
                                                         executor, tracker)
        index.save_transcript(stream_id, transcript)
        timed("transcribe", n_resumed == n_chunks, t0)
    finally:
        if own_executor:
            executor.close()

    t0 = time.monotonic()
    visual_key = options_key({"size": info.size_bytes, "catalog": catalog})
    cached_visual = None if options.force else index.checkpoint(stream_id, "visual", visual_key)
    if not (options.visual and settings.visual):
        track = VisualTrack(events=(), skipped_reason="visual stage turned off")
    elif cached_visual is not None:
        track = visual_track_from_json(cached_visual)
    else:
        track = run_visual(info, catalog, tracker)
        index.save_checkpoint(stream_id, "visual", visual_key, track, seconds=time.monotonic() - t0)
    index.set_visual_summary(stream_id, {"skipped_reason": track.skipped_reason, "ocr_calls": track.ocr_calls,
                                         "frames_sampled": track.frames_sampled, "events": len(track.events)})
    timed("visual", cached_visual is not None, t0)

    t0 = time.monotonic()
    found = detect(transcript, catalog, visual=track if track.events else None)
    found = [replace(h, id=h.id or f"{stream_id}-{n}") for n, h in enumerate(found)]
    timed("detect", False, t0)

    t0 = time.monotonic()
    found = run_thumbnails(info, found, track, work / "thumbs", tracker)
    index.save_highlights(stream_id, found)
    timed("thumbnails", False, t0)
    result = index.highlights(stream_id)
    index.save_checkpoint(stream_id, "done", "", {"highlights": len(found)})
    return IndexResult(stream_id=stream_id, index=result, timings=tuple(timings), chunks_total=n_chunks,
                       chunks_resumed=n_resumed)


def highlight_json(result: HighlightIndex) -> dict:
    """The published highlight contract (DESIGN.md)."""
    return to_jsonable(result)
