"""pipeline: run the declared stages over one recording, checkpointing them so that a re-run resumes.

``STAGES`` (at the end of this module) is the pipeline, in order:

    recording ─> probe ─> audio ─> transcribe ──┐
                   └────────────> visual ───────┼─> detect ─> thumbnails ─> store
    catalog ────────────────────────────────────┘

A stage declares its name, its share of the run's time (for progress and the ETA), the outputs it reads
(``needs``: earlier stages, or the inputs ``recording`` and ``catalog``), its options and its run function.
Its key is derived from all of them: a fingerprint of its name, its options (every field of the options
dataclass) and the keys of what it needs. So changing any option of a stage, or anything upstream of it,
redoes that stage and all that depends on it, and nothing is listed by hand. A stage with ``keep`` stores its
output under that key, and a re-run with the same key reads it back instead of running the stage; ``force``
redoes everything. Transcription keeps a checkpoint per audio chunk (keyed from its own key and the chunk's
times), so after a ``kill -9`` only the chunks that were in flight are redone.

A stage's options are Settings' group of the same name (``Settings.visual`` for ``visual``) unless the stage
says how to build them from several settings. Adding a stage is one entry in STAGES; adding an option is one
field in its options dataclass.

Scheduling: the stages run one after another in the order listed, except a stage marked ``early``, which
starts in a thread as soon as what it needs is ready and runs beside the stages listed before it. The visual
stage is one: it needs only the probe and the catalog, so it decodes and reads the video while the audio is
extracted and transcribed, on the capacity the ASR workers leave (model loading, the end of the last
chunks), instead of after them. Its output is taken (and checkpointed) when the list reaches it. Each stage's
start and end are kept (``StageTiming``) with every ASR chunk's run, for the account of where the time went
(report/timing.py). The machinery (``Stage``, ``Run``, the scheduling) is in replay/stages.py; this module
holds the stage list and the stages.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from replay.asr.executor import ChunkRun, Executor, make_executor
from replay.asr.models import resolve_model
from replay.asr.transcribe import TranscribeOptions, select_hotwords
from replay.contracts import (
    AudioChunk,
    Catalog,
    HighlightIndex,
    MediaInfo,
    Segment,
    Transcript,
    VisualTrack,
    fingerprint,
    from_json,
)
from replay.hls.options import PackageOptions
from replay.media.audio import AudioOptions, extract_pcm, plan
from replay.media.probe import ProbeOptions, probe
from replay.media.thumbnails import ThumbnailOptions
from replay.screen.options import VisualOptions
from replay.settings import Settings
from replay.stages import ProgressCallback, Run, Stage, StageTiming, run_stages
from replay.store.database import Database, stream_id_for

__all__ = ["STAGES", "IndexResult", "PipelineOptions", "ProgressCallback", "Run", "Stage", "StageTiming", "index_stream"]

VISUAL_OFF = "visual stage turned off"
FRAMES_DIR = "frames"
"""Folder (in the stream's work dir) of the frames the visual stage keeps for the thumbnails."""


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """What one run is asked to do, besides the settings (which hold every stage's options)."""

    force: bool = False
    """Redo every stage even when a matching checkpoint exists."""
    title: str | None = None
    """Display title of the stream; default: the file name."""
    stream_id: str | None = None
    """Explicit stream id; default: derived from the file's absolute path."""


@dataclass(frozen=True, slots=True)
class IndexResult:
    stream_id: str
    index: HighlightIndex
    """The 看点 index, as stored."""
    timings: tuple[StageTiming, ...]
    chunks_total: int = 0
    chunks_resumed: int = 0
    """ASR chunks taken from checkpoints instead of being transcribed again."""
    chunk_runs: tuple[ChunkRun, ...] = ()
    """How each chunk transcribed in this run was run (worker, times); started/ended are epoch seconds."""
    started: float = 0.0
    """Epoch seconds at the start of the run, to place chunk_runs beside the stage timings."""
    seconds: float = 0.0
    """Wall time of the whole run."""


def index_stream(
    video: Path | str,
    catalog: Catalog,
    settings: Settings,
    options: PipelineOptions = PipelineOptions(),
    progress: ProgressCallback | None = None,
    executor: Executor | None = None,
    db: Database | None = None,
) -> IndexResult:
    """Index one recording end to end (every stage of STAGES) and store everything in the database."""
    video = Path(video)
    db = db or Database(settings.database)
    stream_id = options.stream_id or stream_id_for(video)
    if options.force:
        db.clear_checkpoints(stream_id)
    started_epoch = time.time()
    run = Run(stream_id=stream_id, settings=settings, db=db, catalog=catalog, title=options.title, executor=executor,
              progress=progress, work_dir=settings.stream_dir(stream_id), stages=STAGES,
              weights={s.name: s.weight / sum(x.weight for x in STAGES) for s in STAGES})
    run.outputs.update(recording=video, catalog=catalog)
    st = video.stat() if video.is_file() else None
    run.keys.update(recording=fingerprint({"path": str(video.resolve()), "size": st and st.st_size,
                                           "mtime_ns": st and st.st_mtime_ns}),
                    catalog=fingerprint(catalog))
    run_stages(run)
    total, resumed = run.chunks
    return IndexResult(stream_id=stream_id, index=run.outputs["store"],
                       timings=tuple(run.timings[s.name] for s in STAGES), chunks_total=total, chunks_resumed=resumed,
                       chunk_runs=tuple(run.chunk_runs), started=started_epoch,
                       seconds=time.monotonic() - run.started)


# --- the stages ---------------------------------------------------------------------------------
def run_probe(run: Run, options: ProbeOptions, recording: Path) -> MediaInfo:
    """Validate the recording and register the stream (with its catalog) before anything expensive runs."""
    info = probe(recording, options)
    run.db.upsert_stream(run.stream_id, info, run.title)
    run.db.save_catalog(run.stream_id, run.catalog)
    return info


def run_audio(run: Run, options: AudioOptions, info: MediaInfo) -> tuple[AudioChunk, ...]:
    """16 kHz PCM on disk, planned into chunks cut at silences."""
    pcm = extract_pcm(info, run.work_dir / "audio.s16le")
    return tuple(plan(pcm, options))


def run_transcribe(run: Run, options: TranscribeOptions, info: MediaInfo,
                   chunks: tuple[AudioChunk, ...]) -> Transcript:
    """Every chunk, each from its checkpoint when one matches, else on the executor (checkpointed as it ends)."""
    results: dict[int, list[Segment]] = {}
    keys = {c.index: fingerprint([run.key, c.start, c.end]) for c in chunks}
    for c in chunks:
        cached = run.db.checkpoint(run.stream_id, f"transcribe:{c.index:04d}", keys[c.index])
        if cached is not None:
            results[c.index] = list(from_json(tuple[Segment, ...], cached))
    resumed = len(results)
    todo = [c for c in chunks if c.index not in results]
    total_audio = sum(c.end - c.start for c in chunks) or 1.0
    done_audio = sum(c.end - c.start for c in chunks if c.index in results)
    run.report(done_audio / total_audio, f"{resumed}/{len(chunks)} chunks from checkpoints")
    if todo:
        executor = run.executor or make_executor(run.settings)
        runs_before = len(executor.runs)
        try:
            t0 = time.monotonic()
            for chunk, segs in executor.transcribe_chunks(todo, options):
                results[chunk.index] = segs
                run.db.save_checkpoint(run.stream_id, f"transcribe:{chunk.index:04d}", keys[chunk.index], segs,
                                       seconds=time.monotonic() - t0)
                done_audio += chunk.end - chunk.start
                run.report(done_audio / total_audio, f"chunk {chunk.index + 1}/{len(chunks)}")
        finally:
            run.chunk_runs += executor.runs[runs_before:]
            if executor is not run.executor:
                executor.close()
    run.chunks, run.resumed = (len(chunks), resumed), resumed == len(chunks)
    merged = sorted((s for i in sorted(results) for s in results[i]), key=lambda s: s.start)
    transcript = Transcript(segments=tuple(merged), duration=info.duration, model=run.settings.model)
    run.db.save_transcript(run.stream_id, transcript)
    return transcript


def run_visual(run: Run, options: VisualOptions, info: MediaInfo, catalog: Catalog) -> VisualTrack:
    """Scene cuts, OCR'd product cards and matched product pictures (screen/visual.py)."""
    if not options.enabled:
        return VisualTrack(events=(), skipped_reason=VISUAL_OFF)
    if not info.has_video:
        return VisualTrack(events=(), skipped_reason="audio-only recording: no video stream")
    from replay.screen import visual  # OpenCV and the OCR model are loaded only when a stream has video
    from replay.screen.ocr import OcrEngine

    # Beside the ASR workers, one OCR thread: onnxruntime's extra threads would spin waiting for a core the
    # workers hold. Frames the stage samples are kept for the thumbnails (media/framestore.py).
    engine = OcrEngine(threads=options.ocr_threads or (1 if run.background else None))
    return visual.analyse(info, catalog, options, progress=run.report, engine=engine,
                          keep_frames=run.work_dir / FRAMES_DIR)


def run_detect(run: Run, options: Any, transcript: Transcript, track: VisualTrack,
               catalog: Catalog) -> HighlightIndex:
    """The 看点, each named with its contract id (contracts.highlight_id)."""
    from replay.detect import detect  # the detector pulls in jieba and pypinyin; loaded on use

    found = detect(transcript, catalog, options, visual=track if track.events else None)
    return HighlightIndex.of(run.stream_id, transcript.duration, found)


def run_thumbnails(run: Run, options: ThumbnailOptions, index: HighlightIndex, info: MediaInfo,
                   track: VisualTrack) -> HighlightIndex:
    """A JPEG per 看点 in the stream's thumbs/ folder (media/thumbnails.py)."""
    from replay.media.thumbnails import make_thumbnails

    found = make_thumbnails(info, list(index.highlights), track, run.work_dir / "thumbs", options, run.report,
                            frames=run.work_dir / FRAMES_DIR)
    return replace(index, highlights=tuple(found))


def run_store(run: Run, options: None, index: HighlightIndex, track: VisualTrack) -> HighlightIndex:
    """The 看点 and the visual summary into the database; the stored index is the run's result."""
    run.db.set_visual_summary(run.stream_id, {
        "skipped_reason": track.skipped_reason, "ocr_calls": track.ocr_calls,
        "frames_sampled": track.frames_sampled, "events": len(track.events)})
    run.db.save_highlights(run.stream_id, index.highlights)
    run.db.save_checkpoint(run.stream_id, "done", "", {"highlights": len(index.highlights)})
    return run.db.highlights(run.stream_id)


def run_package(run: Run, options: PackageOptions, info: MediaInfo) -> str | None:
    """Queue a package job (replay/hls) when package.enabled: its own job, run after this one on a
    low-priority lane, so it never delays the 看点 index. Returns the job id, None when off."""
    if not options.enabled or not info.has_video:
        return None
    from replay.contracts import to_json
    from replay.hls.job import create_package_job, pending_package_job

    job = pending_package_job(run.db, run.stream_id) or create_package_job(
        run.db, run.stream_id, {"package": to_json(options)})
    return job.id


def _transcribe_options(settings: Settings, catalog: Catalog) -> TranscribeOptions:
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


STAGES: tuple[Stage, ...] = (
    Stage("probe", 0.01, run_probe, needs=("recording",),
          options=lambda s, c: ProbeOptions(max_duration=s.max_duration, check_end=True)),
    Stage("audio", 0.02, run_audio, needs=("probe",), keep=lambda chunks: all(c.path.is_file() for c in chunks),
          options=lambda s, c: AudioOptions(chunk_seconds=s.chunk_seconds, balance=s.workers)),
    Stage("transcribe", 0.82, run_transcribe, needs=("probe", "audio"), options=_transcribe_options),
    Stage("visual", 0.08, run_visual, needs=("probe", "catalog"), keep=lambda track: track.skipped_reason != VISUAL_OFF,
          early=True, imports=("replay.screen.visual",)),
    Stage("detect", 0.03, run_detect, needs=("transcribe", "visual", "catalog")),
    Stage("thumbnails", 0.03, run_thumbnails, needs=("detect", "probe", "visual")),
    Stage("store", 0.01, run_store, needs=("thumbnails", "visual")),
    Stage("package", 0.0, run_package, needs=("probe",)),
)
"""The pipeline, in order. Weights are rough shares of a run's time (ASR dominates), for progress only."""
