"""batch: index many recordings with one executor, so ASR workers (local or Ray actors) load the model once.

Each recording needs its room's catalog: ``NAME.catalog.json|jsonl|csv`` beside ``NAME.mp4``, or a
``catalog.json|jsonl|csv`` in the same folder (the bench layout), or one ``--catalog`` for all.
Each stream is one job (jobs/lifecycle.py), so progress and failures are visible per stream in the API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from replay.asr.executor import make_executor
from replay.contracts import Progress
from replay.errors import CatalogError, InputError, ReplayError
from replay.jobs.lifecycle import index_with_job
from replay.pipeline import IndexResult, PipelineOptions
from replay.settings import Settings
from replay.store.database import Database, stream_id_for

MEDIA_SUFFIXES = {".mp4", ".mkv", ".mov", ".flv", ".ts", ".webm", ".m4a", ".mp3", ".wav", ".aac"}
CATALOG_SUFFIXES = (".json", ".jsonl", ".csv")


@dataclass(frozen=True, slots=True)
class BatchItem:
    video: Path
    catalog: Path


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    item: BatchItem
    stream_id: str
    error: ReplayError | None
    result: IndexResult | None = None


def _catalog_for(video: Path, shared: Path | None) -> Path:
    for suffix in CATALOG_SUFFIXES:
        for candidate in (video.with_name(f"{video.stem}.catalog{suffix}"), video.with_name(f"catalog{suffix}")):
            if candidate.is_file():
                return candidate
    if shared is not None:
        return shared
    raise CatalogError(f"no catalog found for {video}",
                       hint=f"put {video.stem}.catalog.json or catalog.json beside it, or pass --catalog")


def discover(paths: Iterable[Path], catalog: Path | None = None) -> list[BatchItem]:
    """Recordings under the given files and folders (folders searched recursively), each with its catalog."""
    videos: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            videos += sorted(f for f in p.rglob("*") if f.suffix.lower() in MEDIA_SUFFIXES and f.is_file())
        elif p.is_file():
            videos.append(p)
        else:
            raise InputError(f"no such file or folder: {p}", hint="check the path")
    if not videos:
        raise InputError("no recordings found", hint=f"looked for files ending in {sorted(MEDIA_SUFFIXES)}")
    return [BatchItem(video=v, catalog=_catalog_for(v, catalog)) for v in videos]


def index_batch(items: list[BatchItem], settings: Settings, options: PipelineOptions = PipelineOptions(),
                on_progress: Callable[[int, Progress], None] | None = None) -> list[BatchOutcome]:
    """Index each item in turn with one shared executor; a failed stream is recorded and the rest go on."""
    from replay.catalog import load_catalog

    db = Database(settings.database)
    executor = make_executor(settings)
    outcomes: list[BatchOutcome] = []
    try:
        for n, item in enumerate(items):
            stream_id = stream_id_for(item.video)
            try:
                result = index_with_job(db, item.video, load_catalog(item.catalog, settings.catalog_limits), settings, options,
                                        on_progress=lambda p, n=n: on_progress(n, p) if on_progress else None,
                                        executor=executor)
            except ReplayError as exc:
                outcomes.append(BatchOutcome(item, stream_id, exc))
                continue
            outcomes.append(BatchOutcome(item, result.stream_id, None, result))
    finally:
        executor.close()
    return outcomes
