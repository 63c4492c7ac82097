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
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, get_type_hints

from replay.asr.executor import Executor, make_executor
from replay.asr.models import resolve_model
from replay.asr.transcribe import TranscribeOptions, select_hotwords
from replay.contracts import (
    AudioChunk,
    Catalog,
    HighlightIndex,
    MediaInfo,
    Progress,
    Segment,
    Transcript,
    VisualTrack,
    fingerprint,
    from_json,
)
from replay.hls.options import PackageOptions
from replay.media.audio import AudioOptions, balanced, extract_pcm, pcm_duration, plan_chunks
from replay.media.probe import ProbeOptions, probe
from replay.media.thumbnails import ThumbnailOptions
from replay.screen.options import VisualOptions
from replay.settings import Settings
from replay.store.database import Database, stream_id_for

VISUAL_OFF = "visual stage turned off"


@dataclass(frozen=True, slots=True)
class Stage:
    """One step of the pipeline; see the module docstring for how its key is derived."""

    name: str
    weight: float
    """Share of the whole run's time, for progress and the ETA."""
    run: Callable[..., Any]
    """Called as ``run(the Run, its options, *needed)``, ``needed`` being the outputs named in ``needs``."""
    needs: tuple[str, ...] = ()
    """Earlier stages, or the inputs 'recording' and 'catalog', whose outputs ``run`` receives."""
    options: Callable[[Settings, Catalog], Any] | None = None
    """Builds this stage's options; None takes Settings' group named after the stage."""
    keep: Callable[[Any], bool] | None = None
    """Store the output under the stage key when this says it is worth keeping, and reuse a stored one it
    accepts (a file it names still exists); None: the stage always runs (it is cheap, or its code changes)."""

    def options_for(self, settings: Settings, catalog: Catalog) -> Any:
        return self.options(settings, catalog) if self.options else getattr(settings, self.name, None)

    @property
    def output(self) -> Any:
        """The output type, from the run function's return annotation: how a stored output is decoded."""
        return get_type_hints(self.run)["return"]


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """What one run is asked to do, besides the settings (which hold every stage's options)."""

    force: bool = False
    """Redo every stage even when a matching checkpoint exists."""
    title: str | None = None
    """Display title of the stream; default: the file name."""
    stream_id: str | None = None
    """Explicit stream id; default: derived from the file's absolute path."""


ProgressCallback = Callable[[Progress], None]


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
    """The 看点 index, as stored."""
    timings: tuple[StageTiming, ...]
    chunks_total: int = 0
    chunks_resumed: int = 0
    """ASR chunks taken from checkpoints instead of being transcribed again."""


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux; children covers the ASR worker processes.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


@dataclass(slots=True)
class Run:
    """One run of the stages over one recording: what every stage may use besides its own inputs."""

    stream_id: str
    settings: Settings
    db: Database
    catalog: Catalog
    title: str | None
    executor: Executor | None
    progress: ProgressCallback | None
    work_dir: Path
    stage: Stage | None = None
    key: str = ""
    """The current stage's key."""
    resumed: bool = False
    """Whether the current stage's output came from its checkpoints."""
    chunks: tuple[int, int] = (0, 0)
    """(total, resumed) ASR chunks."""
    outputs: dict[str, Any] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    """Each stage's share of the whole run (the declared weights, normalised)."""
    done_weight: float = 0.0
    started: float = field(default_factory=time.monotonic)

    def report(self, fraction: float, message: str = "") -> None:
        """Progress of the current stage, 0..1, turned into whole-run progress and an ETA."""
        if self.progress is None or self.stage is None:
            return
        frac = min(1.0, self.done_weight + self.weights[self.stage.name] * max(0.0, min(1.0, fraction)))
        elapsed = time.monotonic() - self.started
        eta = elapsed * (1 - frac) / frac if frac > 0.02 else None
        self.progress(Progress(stage=self.stage.name, fraction=frac, eta=eta, message=message))

    def execute(self, stage: Stage) -> StageTiming:
        t0 = time.monotonic()
        self.stage, self.resumed = stage, False
        options = stage.options_for(self.settings, self.catalog)
        self.key = fingerprint({"stage": stage.name, "options": options, "needs": [self.keys[n] for n in stage.needs]})
        output = self._stored(stage) if stage.keep is not None else None
        self.resumed = output is not None
        if output is None:
            output = stage.run(self, options, *(self.outputs[n] for n in stage.needs))
            if stage.keep is not None and stage.keep(output):
                self.db.save_checkpoint(self.stream_id, stage.name, self.key, output, seconds=time.monotonic() - t0)
        self.outputs[stage.name], self.keys[stage.name] = output, self.key
        self.report(1.0)
        self.done_weight += self.weights[stage.name]
        return StageTiming(stage.name, time.monotonic() - t0, _peak_rss_mb(), self.resumed)

    def _stored(self, stage: Stage) -> Any | None:
        """The stage's stored output for the current key, if there is one and it is still usable."""
        stored = self.db.checkpoint(self.stream_id, stage.name, self.key)
        try:
            output = from_json(stage.output, stored) if stored is not None else None
        except ValueError:  # written by an older version in another shape: run the stage again
            return None
        return output if output is not None and stage.keep is not None and stage.keep(output) else None


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
    run = Run(stream_id=stream_id, settings=settings, db=db, catalog=catalog, title=options.title, executor=executor,
              progress=progress, work_dir=settings.stream_dir(stream_id),
              weights={s.name: s.weight / sum(x.weight for x in STAGES) for s in STAGES})
    run.outputs.update(recording=video, catalog=catalog)
    st = video.stat() if video.is_file() else None
    run.keys.update(recording=fingerprint({"path": str(video.resolve()), "size": st and st.st_size,
                                           "mtime_ns": st and st.st_mtime_ns}),
                    catalog=fingerprint(catalog))
    timings = tuple(run.execute(stage) for stage in STAGES)
    total, resumed = run.chunks
    return IndexResult(stream_id=stream_id, index=run.outputs["store"], timings=timings,
                       chunks_total=total, chunks_resumed=resumed)


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
    return tuple(plan_chunks(pcm, balanced(options, pcm_duration(pcm))))


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
        try:
            t0 = time.monotonic()
            for chunk, segs in executor.transcribe_chunks(todo, options):
                results[chunk.index] = segs
                run.db.save_checkpoint(run.stream_id, f"transcribe:{chunk.index:04d}", keys[chunk.index], segs,
                                       seconds=time.monotonic() - t0)
                done_audio += chunk.end - chunk.start
                run.report(done_audio / total_audio, f"chunk {chunk.index + 1}/{len(chunks)}")
        finally:
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

    return visual.analyse(info, catalog, options, progress=run.report)


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

    found = make_thumbnails(info, list(index.highlights), track, run.work_dir / "thumbs", options, run.report)
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
    Stage("visual", 0.08, run_visual, needs=("probe", "catalog"), keep=lambda track: track.skipped_reason != VISUAL_OFF),
    Stage("detect", 0.03, run_detect, needs=("transcribe", "visual", "catalog")),
    Stage("thumbnails", 0.03, run_thumbnails, needs=("detect", "probe", "visual")),
    Stage("store", 0.01, run_store, needs=("thumbnails", "visual")),
    Stage("package", 0.0, run_package, needs=("probe",)),
)
"""The pipeline, in order. Weights are rough shares of a run's time (ASR dominates), for progress only."""
