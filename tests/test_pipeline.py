"""End to end on the bundled sample: real model, real video, the sample's truth; and how the declared stages
resume: a re-run reuses every checkpoint, a changed visual option re-runs the visual stage (and what
depends on it) but not the ASR, a killed job resumes from its chunk checkpoints.

Tolerance: every truth 看点 is found with the right SKU, temporal IoU >= 0.5 and a start within 3 s
(the issue's viewer-facing bound); no 看点 for a product that is never presented.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from replay.catalog import load_catalog
from replay.contracts import VisualTrack, from_json, to_json
from replay.media.framestore import kept_times
from replay.pipeline import STAGES, IndexResult, index_stream
from replay.report.scoring import score
from replay.settings import Settings, with_options
from replay.store.database import Database, stream_id_for

from conftest import REPO

pytestmark = pytest.mark.slow
SAMPLE = REPO / "replay" / "samples" / "demo"


def _iou(a: dict, b: dict) -> float:
    inter = max(0.0, min(a["end"], b["end"]) - max(a["start"], b["start"]))
    return inter / (max(a["end"], b["end"]) - min(a["start"], b["start"]))


def _check_against_truth(highlights: list[dict], duration: float, sample: Path = SAMPLE) -> None:
    truth = json.loads((sample / "truth.json").read_text())
    for t in truth["segments"]:
        match = [h for h in highlights if h["sku_id"] == t["sku_id"] and _iou(h, t) >= 0.5]
        assert match, f"missed {t}"
        assert abs(match[0]["start"] - t["start"]) <= 3.0, (match[0], t)
    never = set(truth["distractors"])
    assert not [h for h in highlights if h["sku_id"] in never]
    assert len(highlights) == len(truth["segments"])
    # Invariants: ordered, inside the recording, no overlaps, sane confidence and evidence.
    for a, b in zip(highlights, highlights[1:], strict=False):
        assert a["end"] <= b["start"]
    for h in highlights:
        assert 0 <= h["start"] < h["end"] <= duration
        assert 0 < h["confidence"] <= 1
        assert h["evidence"] and all(h["start"] - 30 <= e["time"] <= h["end"] + 30 for e in h["evidence"])
    s = score(truth, highlights)
    assert s["seg_f1@0.5"] == 1.0 and s["false_highlights"] == 0.0


def _resumed(result: IndexResult) -> dict[str, bool]:
    return {t.stage: t.resumed for t in result.timings}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, IndexResult]:
    """The sample indexed once (the tests below build on its checkpoints), with its progress reports."""
    tmp = tmp_path_factory.mktemp("sample")
    (tmp / "data").mkdir()
    (tmp / "data" / "models").symlink_to((REPO / "data" / "models").resolve())
    settings = Settings(data_dir=tmp / "data", media_root=tmp, workers=1, threads=2)
    seen: list[float] = []
    first = index_stream(SAMPLE / "stream.mp4", load_catalog(SAMPLE / "catalog.json"), settings,
                         progress=lambda p: seen.append(p.fraction))
    assert seen[-1] == pytest.approx(1.0, abs=0.01) and all(0 <= f <= 1 for f in seen)
    return settings, first


def test_index_sample_end_to_end_and_rerun_is_idempotent(sample: tuple[Settings, IndexResult]) -> None:
    settings, first = sample
    data = to_json(first.index)
    _check_against_truth(data["highlights"], data["duration"])
    for h in data["highlights"]:
        thumb = settings.stream_dir(first.stream_id) / "thumbs" / h["thumbnail"]
        assert thumb.is_file() and thumb.read_bytes()[:2] == b"\xff\xd8"  # a JPEG
    # The visual stage ran beside transcription (it started before the ASR ended) and kept a few of its
    # frames, named by the times its track records, for the thumbnails.
    timings = {t.stage: t for t in first.timings}
    assert timings["visual"].start < timings["transcribe"].end and timings["visual"].end > timings["audio"].start
    kept = kept_times(settings.stream_dir(first.stream_id) / "frames")
    track = from_json(VisualTrack, Database(settings.database).checkpoint(first.stream_id, "visual"))
    assert kept and set(kept) <= {round(t * 1000) for t, _ in track.sharpness}
    assert len(kept) < track.frames_sampled
    db = Database(settings.database)
    assert db.transcript(first.stream_id).segments
    # Re-indexing resumes from every checkpoint and stores the same result once.
    again = index_stream(SAMPLE / "stream.mp4", load_catalog(SAMPLE / "catalog.json"), settings)
    assert again.chunks_resumed == again.chunks_total
    assert _resumed(again) == {s.name: s.keep is not None or s.name == "transcribe" for s in STAGES}
    assert to_json(again.index) == data  # the same 看点, with the same ids
    assert len(db.streams()) == 1
    assert db.db["highlights"].count == len(data["highlights"])


def test_a_changed_visual_option_reruns_the_visual_stage(sample: tuple[Settings, IndexResult]) -> None:
    settings, first = sample
    catalog = load_catalog(SAMPLE / "catalog.json")
    changed = with_options(settings, {"visual": {"hold_seconds": 2.5}})
    db = Database(settings.database)
    old_key = db.checkpoints(first.stream_id)
    second = index_stream(SAMPLE / "stream.mp4", catalog, changed)
    ran = _resumed(second)
    assert ran["visual"] is False  # the option is part of the visual stage's key
    assert ran["audio"] and ran["transcribe"]  # upstream of it, nothing is redone
    keys = {r["stage"]: r["key"] for r in db.checkpoints(first.stream_id)}
    assert keys["visual"] != {r["stage"]: r["key"] for r in old_key}["visual"]
    _check_against_truth(to_json(second.index)["highlights"], second.index.duration)
    # The same options again: now the visual stage resumes too.
    third = index_stream(SAMPLE / "stream.mp4", catalog, changed)
    assert _resumed(third)["visual"] is True
    assert to_json(third.index) == to_json(second.index)


def test_index_portrait_sample_end_to_end(settings: Settings) -> None:
    """The portrait sample (720×1280, another room and catalog): same bounds, visual stage included."""
    portrait = REPO / "replay" / "samples" / "portrait"
    result = index_stream(portrait / "stream.mp4", load_catalog(portrait / "catalog.json"), settings)
    data = to_json(result.index)
    _check_against_truth(data["highlights"], data["duration"], portrait)
    stream = Database(settings.database).stream(result.stream_id)
    assert (stream["media"]["width"], stream["media"]["height"]) == (720, 1280)
    assert [h["kind"] for h in data["highlights"]].count("return") == 1


def test_kill_9_mid_job_then_resume_equals_an_uninterrupted_run(settings: Settings, tmp_path: Path) -> None:
    """Small chunks, so the job is killed between chunk checkpoints; as the pipeline runs by default: the pool of
    two ASR worker processes, the visual stage beside them in its thread (killed with them)."""
    small = Settings(**{**settings.model_dump(), "chunk_seconds": 30.0, "workers": 2, "threads": 1})
    env = {**os.environ, "REPLAY_DATA_DIR": str(small.data_dir), "REPLAY_CHUNK_SECONDS": "30", "REPLAY_WORKERS": "2",
           "REPLAY_THREADS": "1"}
    cmd = [sys.executable, "-m", "replay.cli", "index", str(SAMPLE / "stream.mp4"), "--catalog",
           str(SAMPLE / "catalog.json")]
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    db = small.database
    deadline = time.monotonic() + 300
    done_before = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:  # a plain read-only look, so the test never takes a lock the job needs
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
                done_before = conn.execute(
                    "select count(*) from checkpoints where stage like 'transcribe:%'").fetchone()[0]
        except sqlite3.OperationalError:
            pass  # the database or its tables do not exist yet
        if done_before >= 2:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the job finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert done_before >= 2

    resumed = index_stream(SAMPLE / "stream.mp4", load_catalog(SAMPLE / "catalog.json"), small)
    assert resumed.chunks_total >= 5
    assert resumed.chunks_resumed >= done_before  # nothing finished before the kill is redone
    assert resumed.chunks_resumed < resumed.chunks_total

    fresh_settings = Settings(**{**small.model_dump(), "data_dir": tmp_path / "fresh", "db_path": None})
    (tmp_path / "fresh").mkdir()
    (tmp_path / "fresh" / "models").symlink_to(small.model_cache.resolve())
    fresh = index_stream(SAMPLE / "stream.mp4", load_catalog(SAMPLE / "catalog.json"), fresh_settings)
    assert fresh.chunks_resumed == 0
    assert Database(db).transcript(resumed.stream_id) == Database(fresh_settings.database).transcript(fresh.stream_id)
    assert to_json(resumed.index) == to_json(fresh.index)


def test_a_failing_stage_stops_the_visual_stage_running_beside_it(settings: Settings, tmp_path: Path) -> None:
    """The transcribe stage fails (an empty model folder) while the visual stage decodes the video in its
    thread: the error comes out at once, and neither the thread nor its ffmpeg is left running."""
    import threading

    import psutil

    from replay.errors import ModelNotFound

    (tmp_path / "empty-model").mkdir()
    broken = Settings(**{**settings.model_dump(), "model": str(tmp_path / "empty-model")})
    with pytest.raises(ModelNotFound):
        index_stream(SAMPLE / "stream.mp4", load_catalog(SAMPLE / "catalog.json"), broken)
    assert not [t for t in threading.enumerate() if t.name.startswith("stage")]
    assert not [p for p in psutil.Process().children(recursive=True) if p.name() == "ffmpeg"]
    db = Database(broken.database)
    assert {r["stage"] for r in db.checkpoints(stream_id_for(SAMPLE / "stream.mp4"))} <= {"audio"}


def test_an_early_stage_stops_at_its_next_progress_report_once_the_run_failed(settings: Settings) -> None:
    from dataclasses import replace

    from replay.stages import Run, _Cancelled

    run = Run(stream_id="s", settings=settings, db=Database(settings.database), catalog=load_catalog(
        SAMPLE / "catalog.json"), title=None, executor=None, progress=None, work_dir=settings.data_dir,
        stages=STAGES, weights={s.name: 1.0 for s in STAGES})
    visual = next(s for s in STAGES if s.early)
    view = replace(run, stage=visual, background=True)
    view.report(0.5)  # records, calls nothing back
    assert run.fractions["visual"] == 0.5  # the views share their state
    run.failed.set()
    with pytest.raises(_Cancelled):
        view.report(0.6)
